"""The room state machine: ``Room.handle(command, now) -> effects``.

Pure: no sockets, no clock, no randomness except through the injected id
factory. It enforces the rules of docs/design.md that live in the
room: no facilitator, no session (2); the lobby reveals nothing (3); peers
see pseudonyms only (4); chat lives in memory only (7).
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import msgspec

from server import protocol as p
from server.rooms.alerts import AlertBook, Due, parse_at
from server.rooms.limits import AlertRequest, Raise, RequestLimiter
from server.rooms.names import clean_chat
from server.rooms.types import (
    CLOSE_LOCKED,
    CLOSE_NORMAL,
    CLOSE_REMOVED,
    CLOSE_REPLACED,
    NOTHING_FOUND,
    AckAlert,
    AlertOverdue,
    Attended,
    Close,
    Command,
    Connect,
    ConnId,
    Effect,
    EscalateAlert,
    Identity,
    IdFactory,
    MediaSeat,
    MediaSignal,
    MediaView,
    ModerationAction,
    PersistBan,
    PersistPlace,
    PersistRoomState,
    RaiseAlert,
    Receive,
    RoomConfig,
    ScreenFeedback,
    Screening,
    Send,
    Speaking,
    Tick,
)

# The risk categories a page may warn about while someone types (see ``signposting``).
RISK_CATEGORIES = ("suicide", "self_harm", "harm_to_baby", "psychosis", "domestic_abuse",
                   "immediate_danger", "substance_misuse")
EscalationReason = Literal["overdue", "urgent", "facilitator", "no_facilitator"]

# Enough recent chat for a facilitator to act on an alert about it; older
# messages are forgotten even while the session lasts (invariant 7).
RECENT_CHAT = 500

# Acknowledged later by whoever carries them out, not on receipt.
UNACKED = (p.Escalate, p.MediaOffer, p.MediaAnswer, p.MediaCandidate)

# Commands after which the media rules may have changed (who is where, who may be
# heard or seen): the adapter then asks for a new ``media_view``.
MEDIA_COMMANDS: frozenset[type] = frozenset({
    p.Leave, p.LobbyAdmit, p.LobbyDeny, p.MediaState, p.ParticipantMute, p.ParticipantAllow,
    p.ParticipantRemove, p.RoomFocus, p.RoomEnd, p.AsideStart, p.AsideEnd,
})


def random_id(prefix: str) -> str:
    """An unguessable id such as ``m_Jx8...``; 72 bits is plenty for in-session ids."""
    return f"{prefix}_{secrets.token_urlsafe(9)}"


def iso(now: datetime) -> str:
    """ISO 8601 UTC with millisecond precision and a ``Z``, as the wire carries times."""
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


@dataclass(slots=True)
class Member:
    id: str
    name: str
    role: p.Role
    conn: ConnId
    device: str | None
    place: Literal["lobby", "room"]
    hand: bool = False
    audio: bool = False
    video: bool = False
    mute_locked: bool = False
    speaking: bool = False
    # Her yes to the group seeing her camera while focus is off (asked again each time
    # focus goes off): a camera is never shown to the group without it.
    camera_shared: bool = False

    @property
    def staff(self) -> bool:
        return self.role in p.STAFF_ROLES

    def info(self) -> p.ParticipantInfo:
        return p.ParticipantInfo(
            id=self.id, name=self.name, role=self.role, hand=self.hand,
            audio=self.audio, video=self.video, speaking=self.speaking,
        )


class ChatRecord(msgspec.Struct, gc=False):
    """A message kept for the session (invariant 7: memory only).

    Strings only, so never part of a cycle: ``gc=False`` keeps the hundreds a
    busy room holds out of the cyclic collector, whose full passes otherwise
    stall the event loop at thousands of connections (docs/performance.md).
    """

    id: str
    sender: p.Sender
    text: str
    to: p.ChatTo
    at: str
    recipient: p.Sender | None = None  # to: "participant"


class Failure(Exception):
    """A command that is refused; becomes ``error {code, message, ref}`` to the sender only."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Room:
    """One room's live session. Create it when the first person connects."""

    def __init__(self, config: RoomConfig, new_id: IdFactory = random_id) -> None:
        self.config = config
        self.locked = config.locked
        self.focus = config.focus
        self._new_id = new_id
        self._members: dict[str, Member] = {}
        self._by_conn: dict[ConnId, Member] = {}
        # Participants admitted this session come straight back after a dropped connection
        # (a restart included: the hub restores them from the store into ``config.admitted``).
        self._admitted: set[str] = set(config.admitted)
        # Restored after a restart and not back yet: their welcome says so.
        self._restored: set[str] = set(config.admitted)
        # A session taken over from a node that stopped (``config.failover``): who has
        # been told so, each restored participant and staff member once.
        self._told_failover: set[str] = set()
        # Removed or denied this session: their token no longer gets them in.
        self._turned_away: set[str] = set()
        self._alerts = AlertBook()
        self._alerts.restore(config.open_alerts, config.reminded_alerts,
                             config.escalated_alerts)
        # One person's help requests and reports: merged while open, a few a minute.
        self._limits = RequestLimiter()
        self._limits.restore(config.open_alerts)
        self._held: dict[str, ChatRecord] = {}
        self._chat: OrderedDict[str, ChatRecord] = OrderedDict()
        self._ended = False
        # Private two-way mixes: participant id -> facilitator id.
        self._asides: dict[str, str] = {}
        # Bumped whenever the media rules may have changed (see ``media_view``).
        self.media_version = 0
        self._handlers: dict[type, Callable[[Member, p.ClientMessage, datetime], list[Effect]]] = {
            p.Hello: self._on_hello,
            p.Leave: self._on_leave,
            p.LobbyAdmit: self._on_admit,
            p.LobbySay: self._on_lobby_say,
            p.LobbyDeny: self._on_deny,
            p.ChatSend: self._on_chat,
            p.HandRaise: self._on_hand_raise,
            p.HandLower: self._on_hand_lower,
            p.MediaState: self._on_media_state,
            p.HelpRequest: self._on_help,
            p.Report: self._on_report,
            p.AlertAck: self._on_alert_ack,
            p.ScreenMissed: self._on_screen_missed,
            p.ChatRelease: self._on_release,
            p.ParticipantMute: self._on_mute,
            p.ParticipantAllow: self._on_allow,
            p.ParticipantRemove: self._on_remove,
            p.RoomLock: self._on_lock,
            p.RoomUnlock: self._on_unlock,
            p.RoomFocus: self._on_focus,
            p.RoomEnd: self._on_end,
            p.Escalate: self._on_escalate,
            p.AsideStart: self._on_aside_start,
            p.AsideEnd: self._on_aside_end,
            p.MediaOffer: self._on_media_signal,
            p.MediaAnswer: self._on_media_signal,
            p.MediaCandidate: self._on_media_signal,
        }

    # -- queries -------------------------------------------------------------

    @property
    def id(self) -> str:
        return self.config.id

    @property
    def live(self) -> bool:
        """Invariant 2: the session runs only while a facilitator is present."""
        return any(m.staff for m in self._members.values())

    @property
    def empty(self) -> bool:
        return not self._members

    @property
    def ended(self) -> bool:
        return self._ended

    def info(self) -> p.RoomInfo:
        return p.RoomInfo(
            id=self.config.id, name=self.config.name, audience=self.config.audience,
            locked=self.locked, live=self.live, focus=self.focus,
        )

    def member_for(self, conn: ConnId) -> Member | None:
        return self._by_conn.get(conn)

    def staff_names(self) -> list[str]:
        """The names the facilitators and leads here now go by (no parent may take one)."""
        return [m.name for m in self._members.values() if m.staff]

    def place_of(self, participant_id: str) -> str | None:
        """Where someone is in this session: ``room``, ``lobby``, or None when they are not
        connected (for the lead: is the person an escalation is about still here?)."""
        member = self._members.get(participant_id)
        return member.place if member is not None else None

    def media_view(self) -> MediaView:
        """The media rules now, for the mixer and the video router (invariant 1)."""
        return MediaView(
            seats=tuple(
                MediaSeat(participant_id=m.id, conn=m.conn, place=m.place, staff=m.staff,
                          shared=m.camera_shared,
                          audio=m.audio, video=m.video, mute_locked=m.mute_locked)
                for m in self._members.values()),
            asides=tuple((facilitator, participant)
                         for participant, facilitator in self._asides.items()),
            focus=self.focus,
        )

    def _in_room(self) -> Iterable[Member]:
        return (m for m in self._members.values() if m.place == "room")

    def _room_conns(self, *, but: Member | None = None) -> tuple[ConnId, ...]:
        return tuple(m.conn for m in self._in_room() if m is not but)

    def _staff_conns(self) -> tuple[ConnId, ...]:
        return tuple(m.conn for m in self._members.values() if m.staff)

    def _lobby(self) -> list[Member]:
        return [m for m in self._members.values() if m.place == "lobby"]

    # -- entry point ---------------------------------------------------------

    def handle(self, command: Command, now: datetime) -> list[Effect]:
        """Apply one command; the effects must be carried out in order."""
        if isinstance(command, Receive):
            member = self._by_conn.get(command.conn)
            if member is None:
                return []  # the connection already left (or was replaced)
            message = command.message
            handler = self._handlers.get(type(message))
            try:
                if handler is None:
                    raise Failure("invalid_state",
                                  f"{p.message_type(message)} is not available here")
                effects = handler(member, message, now)
                if type(message) in MEDIA_COMMANDS:
                    self.media_version += 1
            except Failure as failure:
                return [Send((member.conn,), p.Error(code=failure.code, message=failure.message,
                                                     ref=message.ref))]
            if message.ref is not None and not isinstance(message, UNACKED):
                # First, so it is sent before any Close the command caused. (An
                # escalation is acknowledged only once it is stored: see EscalateAlert;
                # media signals by the media service once applied.)
                effects.insert(0, Send((member.conn,), p.Ack(ref=message.ref)))
            return effects
        if isinstance(command, Tick):
            return self._tick(now)
        if isinstance(command, Speaking):
            return self._speaking(command)
        self.media_version += 1
        if isinstance(command, Connect):
            return self._connect(command.conn, command.identity, command.escalations)
        return self._disconnect(command.conn)

    @property
    def needs_ticks(self) -> bool:
        """True while an alert has a deadline ahead, a merged count is still to be shown
        or a request waits for its minute: the adapter should send ``Tick``."""
        return self._alerts.waiting or self._limits.waiting

    # -- arriving and leaving ------------------------------------------------

    def _connect(self, conn: ConnId, who: Identity,
                 escalations: tuple[p.EscalationInfo, ...] = ()) -> list[Effect]:
        if self._ended:
            return [Send((conn,), p.RoomEnded()), Close(conn, CLOSE_NORMAL, "room ended")]
        if who.participant_id in self._turned_away:
            return [Close(conn, CLOSE_REMOVED, "removed")]
        effects: list[Effect] = []
        existing = self._members.get(who.participant_id)
        if existing is not None:
            # The same person again (a new tab, or a dropped connection coming
            # back before the old one timed out): the new connection takes over
            # their place silently, and the old one is told why it closes.
            effects.append(Close(existing.conn, CLOSE_REPLACED, "connected elsewhere"))
            del self._by_conn[existing.conn]
            existing.conn = conn
            self._by_conn[conn] = existing
            effects.extend(self._welcome(existing, escalations))
            if existing.place == "lobby":
                effects.append(Send((conn,), p.Waiting(reason=self._wait_reason())))
            return effects

        staff = who.role in p.STAFF_ROLES
        returning = who.participant_id in self._admitted
        if not staff and not returning and self.locked:
            return [
                Send((conn,), p.Error(
                    code="room_locked",
                    message="This group is closed to new arrivals right now.")),
                Close(conn, CLOSE_LOCKED, "room locked"),
            ]
        was_live = self.live
        member = Member(
            id=who.participant_id, name=who.name, role=who.role, conn=conn,
            device=who.device, place="room" if staff or returning else "lobby",
        )
        self._members[member.id] = member
        self._by_conn[conn] = member
        restarted = returning and who.participant_id in self._restored
        self._restored.discard(who.participant_id)
        failover = (self.config.failover and (restarted or staff)
                    and member.id not in self._told_failover)
        if failover:
            self._told_failover.add(member.id)
        effects.extend(self._welcome(member, escalations, restarted=restarted,
                                     failover=failover))
        if member.place == "room":
            joined = p.ParticipantJoined(participant=member.info())
            effects.append(Send(self._room_conns(but=member), joined))
            if staff and not was_live:
                effects.extend(self._resume())
            elif not self.live:
                effects.append(Send((conn,), p.RoomPaused()))
        else:
            effects.append(Send((conn,), p.Waiting(reason=self._wait_reason())))
            effects.append(Send(self._staff_conns(), p.LobbyKnock(participant=member.info())))
        return effects

    def _welcome(self, member: Member, escalations: tuple[p.EscalationInfo, ...] = (),
                 *, restarted: bool = False, failover: bool = False) -> list[Effect]:
        in_room = member.place == "room"
        welcome = p.Welcome(
            you=member.info(),
            room=self.info(),
            state=member.place,
            ice_servers=list(self.config.ice_servers()),
            participants=[m.info() for m in self._in_room()] if in_room else None,
            lobby=[m.info() for m in self._lobby()] if member.staff else None,
            alerts=[self._limits.with_count(a) for a in self._alerts.open()]
            if member.staff else None,
            escalations=list(escalations) if member.role == "safeguarding_lead" else None,
            signposting=self._signposting(),
            asides=self._asides_for(member) or None,
            video_slots=self.config.video_slots,
            restarted=True if restarted else None,
            failover=True if failover else None,
        )
        effects: list[Effect] = [Send((member.conn,), welcome)]
        if member.staff:
            # Which of those the lead has already: a facilitator arriving later, or coming
            # back after a restart or a failover (when the deadline sweeper may have given
            # one to the lead while nobody was in the room), knows as the others do.
            effects.extend(Send((member.conn,), p.AlertEscalated(
                alert=alert.id, reason="urgent" if alert.severity == "urgent" else "overdue"))
                for alert in self._alerts.escalated())
        return effects

    def _asides_for(self, member: Member) -> list[p.AsideInfo]:
        pairs = []
        for participant_id, facilitator_id in self._asides.items():
            if member.staff or member.id == participant_id:
                facilitator, participant = (self._members[facilitator_id],
                                            self._members[participant_id])
                pairs.append(p.AsideInfo(
                    facilitator=p.PersonRef(id=facilitator.id, name=facilitator.name),
                    participant=p.PersonRef(id=participant.id, name=participant.name)))
        return pairs

    def _signposting(self) -> dict[str, list[p.Resource]]:
        return {category: list(self.config.signpost((category,)))
                for category in RISK_CATEGORIES}

    def _wait_reason(self) -> p.WaitReason:
        return "admission" if self.live else "no_facilitator"

    def _resume(self) -> list[Effect]:
        """A facilitator arrived in a room that had none."""
        effects: list[Effect] = []
        others = tuple(m.conn for m in self._in_room() if not m.staff)
        if others:
            effects.append(Send(others, p.RoomResumed()))
        lobby = self._lobby()
        if lobby:
            effects.append(Send(tuple(m.conn for m in lobby), p.Waiting(reason="admission")))
        return effects

    def _pause(self) -> list[Effect]:
        """The last facilitator left: chat stops, the lobby waits for one to come."""
        effects: list[Effect] = []
        in_room = self._room_conns()
        if in_room:
            effects.append(Send(in_room, p.RoomPaused()))
        lobby = self._lobby()
        if lobby:
            effects.append(Send(tuple(m.conn for m in lobby), p.Waiting(reason="no_facilitator")))
        return effects

    def _disconnect(self, conn: ConnId) -> list[Effect]:
        member = self._by_conn.get(conn)
        if member is None:
            return []
        return self._drop(member)

    def _drop(self, member: Member) -> list[Effect]:
        """Forget a member and tell whoever could see them."""
        del self._by_conn[member.conn]
        del self._members[member.id]
        effects_aside = self._end_asides_of(member)
        if member.place == "lobby":
            return [Send(self._staff_conns(), p.LobbyLeft(id=member.id))]
        effects: list[Effect] = [*effects_aside,
                                 Send(self._room_conns(), p.ParticipantLeft(id=member.id))]
        if member.staff and not self.live:
            effects.extend(self._pause())
        return effects

    # -- guards --------------------------------------------------------------

    @staticmethod
    def _require_staff(member: Member) -> None:
        if not member.staff:
            raise Failure("forbidden", "only a facilitator can do that")

    @staticmethod
    def _require_room(member: Member) -> None:
        if member.place != "room":
            raise Failure("forbidden", "you are waiting in the lobby")

    def _target(self, participant_id: str, *, place: str | None = None) -> Member:
        target = self._members.get(participant_id)
        if target is None or (place is not None and target.place != place):
            raise Failure("not_found", "no such participant here")
        return target

    @staticmethod
    def _require_participant_target(target: Member) -> None:
        if target.staff:
            raise Failure("forbidden", "that applies to participants, not staff")

    # -- session -------------------------------------------------------------

    def _on_hello(self, member: Member, msg: p.ClientMessage, now: datetime) -> list[Effect]:
        raise Failure("invalid_state", "already said hello")

    def _on_leave(self, member: Member, msg: p.ClientMessage, now: datetime) -> list[Effect]:
        # Leaving (the Leave button or Quick exit) gives the place up: the same token
        # coming back waits in the lobby again, unlike a dropped connection.
        conn = member.conn
        return [*self._give_up_place(member.id), *self._drop(member),
                Close(conn, CLOSE_NORMAL, "left")]

    def _give_up_place(self, participant_id: str) -> list[Effect]:
        self._restored.discard(participant_id)
        if participant_id not in self._admitted:
            return []
        self._admitted.discard(participant_id)
        return [PersistPlace(self.id, participant_id, kept=False)]

    # -- lobby ---------------------------------------------------------------

    def _on_admit(self, member: Member, msg: p.ClientMessage, now: datetime) -> list[Effect]:
        assert isinstance(msg, p.LobbyAdmit)
        self._require_staff(member)
        target = self._target(msg.participant, place="lobby")
        target.place = "room"
        self._admitted.add(target.id)
        return [
            Send(self._staff_conns(), p.LobbyLeft(id=target.id)),
            Send((target.conn,), p.Admitted(participants=[m.info() for m in self._in_room()])),
            Send(self._room_conns(but=target), p.ParticipantJoined(participant=target.info())),
            PersistPlace(self.id, target.id, kept=True),
            Attended(self.id, target.id, target.device),
            ModerationAction(self.id, member.id, "lobby.admit", target.id),
        ]

    def _on_lobby_say(self, member: Member, msg: p.ClientMessage, now: datetime
                      ) -> list[Effect]:
        assert isinstance(msg, p.LobbySay)
        self._require_staff(member)
        text = clean_chat(msg.text)
        if not text:
            raise Failure("bad_message", "the message has no visible text")
        # Screened like all chat (invariant 5): the waiting room is not where worrying
        # words should land, so anything the screen flags is not sent at all.
        if self.config.screen(text).severity != "none":
            raise Failure("bad_message", "that message can't go to the waiting room as it is")
        at = iso(now)
        signed = p.LobbyNote(text=text, at=at,
                             sender=p.Sender(id=member.id, name=member.name, role=member.role))
        return [Send(tuple(m.conn for m in self._lobby()), p.LobbyNote(text=text, at=at)),
                Send(self._staff_conns(), signed)]

    def _on_deny(self, member: Member, msg: p.ClientMessage, now: datetime) -> list[Effect]:
        assert isinstance(msg, p.LobbyDeny)
        self._require_staff(member)
        target = self._target(msg.participant, place="lobby")
        self._turned_away.add(target.id)
        conn = target.conn
        return [
            Send((conn,), p.Denied()),
            *self._drop(target),
            Close(conn, CLOSE_REMOVED, "denied"),
            ModerationAction(self.id, member.id, "lobby.deny", target.id),
        ]

    # -- chat ----------------------------------------------------------------

    def _on_chat(self, member: Member, msg: p.ClientMessage, now: datetime) -> list[Effect]:
        assert isinstance(msg, p.ChatSend)
        self._require_room(member)
        if not self.live:
            raise Failure("room_paused", "the group is paused until a facilitator is back")
        text = clean_chat(msg.text)
        if not text:
            raise Failure("bad_message", "the message has no visible text")
        record = ChatRecord(
            id=self._new_id("m"),
            sender=p.Sender(id=member.id, name=member.name, role=member.role),
            text=text, to=msg.to, at=iso(now), recipient=self._private_recipient(member, msg),
        )
        # Invariant 5: screened before anyone else receives it.
        screening = self.config.screen(text)
        excerpt = p.MessageExcerpt(id=record.id, text=text)
        if screening.severity == "urgent":
            # Held from the group: the message reaches facilitators only, inside the
            # alert; the sender is shown where to get help. Both follow the commit.
            self._held[record.id] = record
            return [self._raise(
                now, kind="risk", severity="urgent", about=member, message=excerpt,
                screening=screening, escalate=True, reason="urgent",
                tell=(Send((member.conn,), p.ChatHeld(id=record.id, text=record.text,
                                                       at=record.at)),
                      Send((member.conn,), p.Signpost(
                          resources=list(self.config.signpost(screening.categories))))),
            )]
        self._remember(record)
        effects: list[Effect] = [
            Send(self._chat_recipients(record), self._chat_message(record))]
        if screening.severity == "concern":
            effects.append(self._raise(now, kind="risk", severity="concern", about=member,
                                       message=excerpt, screening=screening))
        return effects

    def _private_recipient(self, member: Member, msg: p.ChatSend) -> p.Sender | None:
        """A facilitator's private message: the parent it is for (in the room, not staff)."""
        if msg.to != "participant":
            return None
        self._require_staff(member)
        if msg.participant is None:
            raise Failure("bad_message", "a private message needs the participant it is for")
        target = self._target(msg.participant, place="room")
        if target.staff:
            raise Failure("bad_message", "to write to facilitators only, send to facilitators")
        return p.Sender(id=target.id, name=target.name, role=target.role)

    def _chat_recipients(self, record: ChatRecord) -> tuple[ConnId, ...]:
        """Everyone in the room; or the facilitators and the sender; or, for a private
        message, the facilitators and the one parent it is for. Never anyone else."""
        if record.to == "room":
            return self._room_conns()
        also = record.recipient.id if record.recipient is not None else record.sender.id
        return tuple(m.conn for m in self._in_room() if m.staff or m.id == also)

    @staticmethod
    def _chat_message(record: ChatRecord) -> p.Chat:
        return p.Chat(id=record.id, sender=record.sender, text=record.text, to=record.to,
                      recipient=record.recipient,
                      at=record.at)

    def _remember(self, record: ChatRecord) -> None:
        self._chat[record.id] = record
        if len(self._chat) > RECENT_CHAT:
            self._chat.popitem(last=False)

    def _on_release(self, member: Member, msg: p.ClientMessage, now: datetime) -> list[Effect]:
        assert isinstance(msg, p.ChatRelease)
        self._require_staff(member)
        record = self._held.pop(msg.message, None)
        if record is None:
            raise Failure("not_found", "no held message with that id")
        self._remember(record)
        return [
            Send(self._chat_recipients(record), self._chat_message(record)),
            ModerationAction(self.id, member.id, "chat.release", record.sender.id,
                             {"message": record.id}),
        ]

    # -- hands and media flags -------------------------------------------------

    def _updated(self, target: Member) -> Send:
        return Send(self._room_conns(), p.ParticipantUpdated(participant=target.info()))

    def _on_hand_raise(self, member: Member, msg: p.ClientMessage, now: datetime) -> list[Effect]:
        self._require_room(member)
        if member.hand:
            return []
        member.hand = True
        return [self._updated(member)]

    def _on_hand_lower(self, member: Member, msg: p.ClientMessage, now: datetime) -> list[Effect]:
        assert isinstance(msg, p.HandLower)
        self._require_room(member)
        target = member
        if msg.participant is not None and msg.participant != member.id:
            self._require_staff(member)
            target = self._target(msg.participant, place="room")
        if not target.hand:
            return []
        target.hand = False
        return [self._updated(target)]

    def _on_media_state(self, member: Member, msg: p.ClientMessage, now: datetime) -> list[Effect]:
        assert isinstance(msg, p.MediaState)
        self._require_room(member)
        if msg.audio and member.mute_locked:
            raise Failure("forbidden", "a facilitator has muted you; they can allow you to speak")
        shared = member.camera_shared if msg.share is None else msg.share
        if (member.audio, member.video, member.camera_shared) == (msg.audio, msg.video, shared):
            return []
        # Only her camera's reach changed: the media rules do (media.state is a media
        # command, so the view is handed over again), but nothing anyone's list shows.
        quiet = (member.audio, member.video) == (msg.audio, msg.video)
        member.audio, member.video, member.camera_shared = msg.audio, msg.video, shared
        return [] if quiet else [self._updated(member)]

    # -- help, reports, alerts -----------------------------------------------------

    def _raise(self, now: datetime, *, kind: p.AlertKind, severity: p.Severity,
               about: Member | p.PersonRef, text: str | None = None,
               message: p.MessageExcerpt | None = None, screening: Screening = NOTHING_FOUND,
               escalate: bool = False, reason: EscalationReason = "urgent",
               tell: tuple[Effect, ...] = (), count: int = 1) -> RaiseAlert:
        """An alert to facilitators, stored first; ``tell`` goes out after the commit.

        A risk alert of concern is a quiet check-in: no acknowledgement deadline
        (``ack_within`` 0), never reminded, never re-routed to the lead. Help requests and
        reports keep their deadlines whatever their severity."""
        check_in = kind == "risk" and severity == "concern"
        alert = p.Alert(
            id=self._new_id("a"), kind=kind, severity=severity,
            participant=p.PersonRef(id=about.id, name=about.name),
            categories=list(screening.categories), at=iso(now),
            ack_within=0 if check_in else self.config.ack_within_urgent
            if severity == "urgent" else self.config.ack_within_concern,
            message=message, text=text or None, rules=list(screening.rules), count=count,
            model=screening.model,
        )
        staff = self._staff_conns()
        if not staff and not check_in:
            # Nobody here could see it: it goes to the safeguarding lead at once.
            escalate, reason = True, "no_facilitator"
        self._alerts.add(alert, now, escalated=escalate)
        announce: list[Effect] = list(tell)
        if staff:
            announce.append(Send(staff, alert))
            if escalate:
                announce.append(Send(staff, p.AlertEscalated(alert=alert.id, reason=reason)))
        return RaiseAlert(alert=alert, participant_id=about.id, rules=screening.rules,
                          escalate=escalate, then=tuple(announce))

    def _tick(self, now: datetime) -> list[Effect]:
        staff = self._staff_conns()
        effects: list[Effect] = []
        for due, pending in self._alerts.due(now, bool(staff)):
            alert = pending.alert
            if due is Due.REMIND:
                effects.append(Send(staff, msgspec.structs.replace(
                    self._limits.with_count(alert), overdue=True)))
                effects.append(AlertOverdue(alert.id, escalate=False))
            else:
                reason: EscalationReason = "overdue" if staff else "no_facilitator"
                effects.append(AlertOverdue(alert.id, escalate=True, then=(
                    (Send(staff, p.AlertEscalated(alert=alert.id, reason=reason)),)
                    if staff else ())))
        # Help requests and reports kept past their minute's limit are raised now.
        effects.extend(self._raise_request(go, now) for go in self._limits.due(now))
        # Requests merged into open alerts: facilitators present see the new counts.
        counted = self._limits.updates(now)
        if staff:
            effects.extend(Send(staff, alert) for alert in counted)
        return effects

    def _on_help(self, member: Member, msg: p.ClientMessage, now: datetime) -> list[Effect]:
        assert isinstance(msg, p.HelpRequest)
        if member.staff:
            raise Failure("forbidden", "help requests come from participants")
        text = clean_chat(msg.text or "")
        screening = self.config.screen(text) if text else NOTHING_FOUND
        resources = list(self.config.help_resources)
        for extra in self.config.signpost(screening.categories):
            if extra not in resources:
                resources.insert(0, extra)
        # Every request is answered in full, however often it comes; only the alert
        # may be merged into one already open (server/rooms/limits.py).
        effects: list[Effect] = [
            Send((member.conn,), p.HelpReceived()),
            Send((member.conn,), p.Signpost(resources=resources)),
        ]
        request = AlertRequest(member.id, "help", p.PersonRef(id=member.id, name=member.name),
                               text=text, screening=screening)
        go = self._limits.ask(request, now)
        if go is not None:
            effects.append(self._raise_request(go, now))
        return effects

    def _raise_request(self, go: Raise, now: datetime) -> RaiseAlert:
        """The alert of a help request or report the limiter let through."""
        request = go.request
        effect = self._raise(now, kind=request.kind,
                             severity="urgent" if request.urgent else "concern",
                             about=request.about, text=request.text,
                             screening=request.screening, escalate=request.urgent,
                             count=go.count)
        self._limits.opened(request, effect.alert, now)
        return effect

    def _on_report(self, member: Member, msg: p.ClientMessage, now: datetime) -> list[Effect]:
        assert isinstance(msg, p.Report)
        if member.staff:
            raise Failure("forbidden", "reports come from participants")
        self._require_room(member)
        target = self._target(msg.participant, place="room")
        text = clean_chat(msg.text or "")
        reported_by = f"reported by {member.name}"
        request = AlertRequest(member.id, "report", p.PersonRef(id=target.id, name=target.name),
                               text=f"{reported_by}: {text}" if text else reported_by)
        go = self._limits.ask(request, now)
        return [] if go is None else [self._raise_request(go, now)]

    def _on_alert_ack(self, member: Member, msg: p.ClientMessage, now: datetime) -> list[Effect]:
        assert isinstance(msg, p.AlertAck)
        self._require_staff(member)
        alert = self._alerts.get(msg.alert)
        if alert is None:
            raise Failure("not_found", "no open alert with that id (already acknowledged?)")
        if msg.verdict is not None and alert.kind != "risk":
            raise Failure("bad_message", "only a risk alert takes a verdict on the screen")
        self._alerts.ack(msg.alert)
        self._limits.acked(msg.alert)
        age = max(0.0, (now - parse_at(alert.at)).total_seconds())
        effects: list[Effect] = [
            Send(self._staff_conns(), p.AlertAcked(alert=msg.alert,
                                                   by=p.PersonRef(id=member.id, name=member.name))),
            AckAlert(alert, member.name, age),
        ]
        if msg.verdict is not None:
            effects.append(ScreenFeedback(
                msg.verdict, tuple(alert.rules),
                alert.model.version if alert.model else None,
                alert.model.category if alert.model else None))
        return effects

    def _on_screen_missed(self, member: Member, msg: p.ClientMessage,
                          now: datetime) -> list[Effect]:
        assert isinstance(msg, p.ScreenMissed)
        self._require_staff(member)
        target = self._target(msg.participant, place="room")
        if target.staff:
            raise Failure("invalid_state", "the screen only reads what participants write")
        return [ScreenFeedback("missed", (), None, None)]

    def _on_escalate(self, member: Member, msg: p.ClientMessage, now: datetime) -> list[Effect]:
        assert isinstance(msg, p.Escalate)
        self._require_staff(member)
        if not self._alerts.knows(msg.alert):
            raise Failure("not_found", "no alert with that id in this session")
        return [EscalateAlert(msg.alert, member.name, clean_chat(msg.note), member.conn,
                              msg.ref, self._staff_conns())]

    # -- moderation ------------------------------------------------------------

    def _on_mute(self, member: Member, msg: p.ClientMessage, now: datetime) -> list[Effect]:
        assert isinstance(msg, p.ParticipantMute)
        self._require_staff(member)
        target = self._target(msg.participant, place="room")
        self._require_participant_target(target)
        target.audio = False
        target.mute_locked = msg.lock
        return [
            Send((target.conn,), p.Muted(locked=msg.lock)),
            self._updated(target),
            ModerationAction(self.id, member.id, "participant.mute", target.id, {"lock": msg.lock}),
        ]

    def _on_allow(self, member: Member, msg: p.ClientMessage, now: datetime) -> list[Effect]:
        assert isinstance(msg, p.ParticipantAllow)
        self._require_staff(member)
        target = self._target(msg.participant, place="room")
        self._require_participant_target(target)
        target.mute_locked = False
        return [
            Send((target.conn,), p.Allowed()),
            ModerationAction(self.id, member.id, "participant.allow", target.id),
        ]

    def _on_remove(self, member: Member, msg: p.ClientMessage, now: datetime) -> list[Effect]:
        assert isinstance(msg, p.ParticipantRemove)
        self._require_staff(member)
        target = self._target(msg.participant)
        self._require_participant_target(target)
        self._turned_away.add(target.id)
        conn = target.conn
        effects: list[Effect] = [Send((conn,), p.Removed()), *self._drop(target),
                                 Close(conn, CLOSE_REMOVED, "removed"),
                                 *self._give_up_place(target.id)]
        if msg.ban:
            effects.append(PersistBan(self.id, target.id, target.device))
        effects.append(ModerationAction(self.id, member.id, "participant.remove", target.id,
                                        {"ban": msg.ban}))
        return effects

    def _room_changed(self, member: Member, action: str) -> list[Effect]:
        # Everyone, the lobby too: the room's settings name nobody inside it.
        everyone = tuple(m.conn for m in self._members.values())
        return [
            Send(everyone, p.RoomUpdated(room=self.info())),
            PersistRoomState(self.id, self.locked, self.focus),
            ModerationAction(self.id, member.id, action),
        ]

    def _on_lock(self, member: Member, msg: p.ClientMessage, now: datetime) -> list[Effect]:
        self._require_staff(member)
        self.locked = True
        return self._room_changed(member, "room.lock")

    def _on_unlock(self, member: Member, msg: p.ClientMessage, now: datetime) -> list[Effect]:
        self._require_staff(member)
        self.locked = False
        return self._room_changed(member, "room.unlock")

    def _on_focus(self, member: Member, msg: p.ClientMessage, now: datetime) -> list[Effect]:
        assert isinstance(msg, p.RoomFocus)
        self._require_staff(member)
        if msg.on and not self.focus:
            # Back in focus mode: the next time it goes off, each parent is asked again.
            for someone in self._members.values():
                someone.camera_shared = False
        self.focus = msg.on
        return self._room_changed(member, "room.focus")

    # -- media ---------------------------------------------------------------------

    def _on_media_signal(self, member: Member, msg: p.ClientMessage,
                         now: datetime) -> list[Effect]:
        # Allowed in the lobby too (PROTOCOL.md): the connection is ready when admitted,
        # and the media service gives a lobby seat nothing to hear and nobody its voice.
        assert isinstance(msg, (p.MediaOffer, p.MediaAnswer, p.MediaCandidate))
        return [MediaSignal(member.conn, member.id, msg)]

    def _speaking(self, command: Speaking) -> list[Effect]:
        member = self._members.get(command.participant_id)
        if member is None or member.place != "room" or member.speaking == command.speaking:
            return []
        member.speaking = command.speaking
        return [self._updated(member)]

    def _aside_audience(self, *members: Member) -> tuple[ConnId, ...]:
        return tuple(dict.fromkeys((*(m.conn for m in members), *self._staff_conns())))

    def _on_aside_start(self, member: Member, msg: p.ClientMessage,
                        now: datetime) -> list[Effect]:
        assert isinstance(msg, p.AsideStart)
        self._require_staff(member)
        target = self._target(msg.participant, place="room")
        self._require_participant_target(target)
        if target.id in self._asides:
            raise Failure("invalid_state", "that participant is already in an aside")
        if member.id in self._asides.values():
            raise Failure("invalid_state", "you are already in an aside; end it first")
        self._asides[target.id] = member.id
        started = p.AsideStarted(facilitator=p.PersonRef(id=member.id, name=member.name),
                                 participant=p.PersonRef(id=target.id, name=target.name))
        return [Send(self._aside_audience(member, target), started),
                ModerationAction(self.id, member.id, "aside.start", target.id)]

    def _on_aside_end(self, member: Member, msg: p.ClientMessage,
                      now: datetime) -> list[Effect]:
        assert isinstance(msg, p.AsideEnd)
        self._require_staff(member)
        facilitator_id = self._asides.pop(msg.participant, None)
        if facilitator_id is None:
            raise Failure("not_found", "that participant is not in an aside")
        pair = [m for m in (self._members.get(msg.participant),
                            self._members.get(facilitator_id)) if m is not None]
        return [Send(self._aside_audience(*pair),
                     p.AsideEnded(facilitator=facilitator_id, participant=msg.participant)),
                ModerationAction(self.id, member.id, "aside.end", msg.participant)]

    def _end_asides_of(self, gone: Member) -> list[Effect]:
        """Someone in an aside left: the other goes back to the room's mix."""
        for participant, facilitator in list(self._asides.items()):
            if gone.id in (participant, facilitator):
                del self._asides[participant]
                other = self._members.get(facilitator if gone.id == participant else participant)
                ended = p.AsideEnded(facilitator=facilitator, participant=participant)
                return [Send(self._aside_audience(*([other] if other else [])), ended)]
        return []

    def _on_end(self, member: Member, msg: p.ClientMessage, now: datetime) -> list[Effect]:
        self._require_staff(member)
        everyone = tuple(m.conn for m in self._members.values())
        effects: list[Effect] = [Send(everyone, p.RoomEnded())]
        effects.extend(Close(conn, CLOSE_NORMAL, "room ended") for conn in everyone)
        self._members.clear()
        self._by_conn.clear()
        self._chat.clear()
        self._held.clear()
        self._asides.clear()
        self._ended = True
        # The next session starts unlocked; focus is the room's standing setting.
        self.locked = False
        effects.append(PersistRoomState(self.id, False, self.focus))
        effects.append(ModerationAction(self.id, member.id, "room.end"))
        return effects
