"""Every wire message of protocol v1 as a typed struct.

Decoding and encoding happen here and nowhere else: the endpoint turns a text
frame into one of the ``ClientMessage`` structs (or a ``ProtocolError`` naming
the error code to send back), and turns the room's ``ServerMessage`` structs
into bytes. Handlers never look at ``"type"`` strings.

The contract, with Hearth's additions, is docs/protocol.md.
"""

from __future__ import annotations

import typing
from typing import Annotated, Any, Literal

import msgspec

# A ``ref`` is echoed back verbatim, so its size is bounded like any field.
Ref = Annotated[str, msgspec.Meta(max_length=64)]
# Ids are opaque strings made by the server; the bound stops junk early.
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
# PROTOCOL.md: chat is 1-2000 characters (code points, as Python counts them).
ChatText = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
# Free text beside help requests, reports and escalations.
NoteText = Annotated[str, msgspec.Meta(max_length=2000)]
# SDP blobs are large but bounded by the 64 KiB frame anyway.
Sdp = Annotated[str, msgspec.Meta(max_length=60_000)]

Role = Literal["participant", "facilitator", "safeguarding_lead"]
Audience = Literal["mothers", "fathers_partners", "everyone"]
ChatTo = Literal["room", "facilitators", "participant"]
AlertKind = Literal["risk", "help", "report"]
Severity = Literal["concern", "urgent"]
WaitReason = Literal["admission", "no_facilitator"]

STAFF_ROLES: frozenset[str] = frozenset({"facilitator", "safeguarding_lead"})


# ---------------------------------------------------------------------------
# Shapes shared by several messages
# ---------------------------------------------------------------------------


class RoomInfo(msgspec.Struct, frozen=True):
    id: str
    name: str
    audience: Audience
    locked: bool
    live: bool
    focus: bool


class ParticipantInfo(msgspec.Struct, frozen=True):
    id: str
    name: str
    role: Role
    hand: bool = False
    audio: bool = False
    video: bool = False
    # Addition: their voice is in the room's mix now (server-side speech detection,
    # at most one change per 300 ms). Never set by anything said inside an aside.
    speaking: bool = False


class Sender(msgspec.Struct, frozen=True, gc=False):  # strings only: see ChatRecord
    id: str
    name: str
    role: Role


class PersonRef(msgspec.Struct, frozen=True):
    id: str
    name: str


class MessageExcerpt(msgspec.Struct, frozen=True):
    id: str
    text: str


class ModelSignal(msgspec.Struct, frozen=True):
    """Addition: the trained risk model fired (server/safeguarding/model.py): its version,
    the category the text most resembles, and its score for the severity it raised."""

    version: str
    category: str
    score: float


class Resource(msgspec.Struct, frozen=True, omit_defaults=True):
    """A support service to show someone: ``contact`` in words, and for a phone the number to
    call (``tel``) or text (``sms``, with ``sms_body``, the word to send), so that one tap rings
    or opens a text; ``languages`` the service answers in (BCP 47), ``interpreting`` when it can
    arrange an interpreter for any other."""

    name: str
    contact: str
    hours: str | None = None
    url: str | None = None
    tel: str | None = None
    sms: str | None = None
    sms_body: str | None = None
    languages: tuple[str, ...] = ()
    interpreting: bool = False


# ---------------------------------------------------------------------------
# Client -> server
# ---------------------------------------------------------------------------


class ClientMessage(msgspec.Struct, tag_field="type", frozen=True, kw_only=True):
    """Base of every client message; ``ref`` is echoed in the answer."""

    ref: Ref | None = None


# Addition: the optional parts of the protocol a client understands, named in its hello
# (docs/protocol.md "Connection quality"). Unknown names are ignored.
Feature = Annotated[str, msgspec.Meta(max_length=32)]
FEATURE_PING = "ping"  # the client answers ``ping {n}`` with ``pong {n}``
FEATURE_QUALITY = "quality"  # staff: the client shows ``participant.quality``


class Hello(ClientMessage, tag="hello", frozen=True):
    token: Annotated[str, msgspec.Meta(max_length=2048)]
    features: Annotated[tuple[Feature, ...], msgspec.Meta(max_length=16)] = ()


class Leave(ClientMessage, tag="leave", frozen=True):
    pass


class LobbyAdmit(ClientMessage, tag="lobby.admit", frozen=True):
    participant: Id


class LobbySay(ClientMessage, tag="lobby.say", frozen=True):
    """A facilitator's word to everyone in the waiting room ("we'll start in five minutes")."""

    text: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class LobbyDeny(ClientMessage, tag="lobby.deny", frozen=True):
    participant: Id


class ChatSend(ClientMessage, tag="chat.send", frozen=True):
    text: ChatText
    to: ChatTo = "room"
    # With ``to: "participant"`` (facilitators only): the one parent it is for.
    participant: str | None = None


class HandRaise(ClientMessage, tag="hand.raise", frozen=True):
    pass


class HandLower(ClientMessage, tag="hand.lower", frozen=True):
    # Addition: a facilitator may lower someone else's hand.
    participant: Id | None = None


class MediaState(ClientMessage, tag="media.state", frozen=True):
    audio: bool
    video: bool
    # A parent's yes (or no) to the group seeing her camera while focus mode is off; absent:
    # unchanged. Until she says yes, only facilitators see it (invariant 4).
    share: bool | None = None


class HelpRequest(ClientMessage, tag="help.request", frozen=True):
    text: NoteText | None = None


class Report(ClientMessage, tag="report", frozen=True):
    participant: Id
    text: NoteText | None = None


Verdict = Literal["right", "false_alarm"]


class AlertAck(ClientMessage, tag="alert.ack", frozen=True):
    alert: Id
    # Addition: was the risk screen right to raise it? Counted per rule and model version
    # (never with the text), so that precision in real use can be seen.
    verdict: Verdict | None = None


class ScreenMissed(ClientMessage, tag="screen.missed", frozen=True):
    """Addition: a facilitator saw risk in what a participant wrote that the screen did not
    flag. Only the count is kept, per model version."""

    participant: Id


class ChatRelease(ClientMessage, tag="chat.release", frozen=True):
    message: Id


class Escalate(ClientMessage, tag="escalate", frozen=True):
    alert: Id
    note: NoteText = ""


class ParticipantMute(ClientMessage, tag="participant.mute", frozen=True):
    participant: Id
    lock: bool = False


class ParticipantAllow(ClientMessage, tag="participant.allow", frozen=True):
    participant: Id


class ParticipantRemove(ClientMessage, tag="participant.remove", frozen=True):
    participant: Id
    ban: bool = False


class RoomLock(ClientMessage, tag="room.lock", frozen=True):
    pass


class RoomUnlock(ClientMessage, tag="room.unlock", frozen=True):
    pass


class RoomFocus(ClientMessage, tag="room.focus", frozen=True):
    on: bool


class AsideStart(ClientMessage, tag="aside.start", frozen=True):
    participant: Id


class AsideEnd(ClientMessage, tag="aside.end", frozen=True):
    participant: Id


class RoomEnd(ClientMessage, tag="room.end", frozen=True):
    pass


class MediaOffer(ClientMessage, tag="media.offer", frozen=True):
    sdp: Sdp


class MediaAnswer(ClientMessage, tag="media.answer", frozen=True):
    sdp: Sdp


class Pong(ClientMessage, tag="pong", frozen=True):
    """Addition: the answer to ``ping {n}``, at once (a client that said ``features: ["ping"]``)."""

    n: Annotated[int, msgspec.Meta(ge=0)]


class MediaCandidate(ClientMessage, tag="media.candidate", frozen=True):
    candidate: Annotated[str, msgspec.Meta(max_length=1024)]
    sdpMid: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    sdpMLineIndex: Annotated[int, msgspec.Meta(ge=0, le=64)] | None = None


AnyClientMessage = (
    Hello
    | Leave
    | LobbyAdmit
    | LobbyDeny
    | LobbySay
    | ChatSend
    | HandRaise
    | HandLower
    | MediaState
    | HelpRequest
    | Report
    | AlertAck
    | ScreenMissed
    | ChatRelease
    | Escalate
    | ParticipantMute
    | ParticipantAllow
    | ParticipantRemove
    | RoomLock
    | RoomUnlock
    | RoomFocus
    | AsideStart
    | AsideEnd
    | RoomEnd
    | MediaOffer
    | MediaAnswer
    | MediaCandidate
    | Pong
)

CLIENT_TYPES: frozenset[str] = frozenset(
    str(cls.__struct_config__.tag) for cls in typing.get_args(AnyClientMessage)
)


# ---------------------------------------------------------------------------
# Server -> client
# ---------------------------------------------------------------------------


class ServerMessage(msgspec.Struct, tag_field="type", frozen=True, kw_only=True):
    pass


class EscalationInfo(msgspec.Struct, frozen=True):
    """Addition: an open escalation, as a safeguarding lead sees it on arrival."""

    id: str
    room_id: str
    severity: str
    state: str
    categories: list[str]
    participant_name: str
    created_at: str
    outcome: str | None = None
    updated_at: str | None = None


class Alert(ServerMessage, tag="alert", frozen=True, omit_defaults=True):
    id: str
    kind: AlertKind
    severity: Severity
    participant: PersonRef
    categories: list[str]
    at: str
    ack_within: int
    message: MessageExcerpt | None = None
    text: str | None = None  # addition: the free text of a help request or report
    # Addition: re-sent because nobody acknowledged it within ack_within.
    overdue: bool = False
    # Addition: which risk-screen rules matched, so the facilitator can see why.
    rules: list[str] = msgspec.field(default_factory=list)
    # Addition: the trained model's signal, when it raised or confirmed the alert.
    model: ModelSignal | None = None
    # Addition: how many help requests or reports this alert stands for. Asking again
    # while it is open is merged into it (server/rooms/limits.py); it is re-sent with
    # the new count. Omitted while 1.
    count: int = 1


class AsideInfo(msgspec.Struct, frozen=True):
    facilitator: PersonRef
    participant: PersonRef


class Welcome(ServerMessage, tag="welcome", frozen=True, omit_defaults=True):
    you: ParticipantInfo
    room: RoomInfo
    state: Literal["lobby", "room"]
    ice_servers: list[dict[str, Any]]
    participants: list[ParticipantInfo] | None = None
    lobby: list[ParticipantInfo] | None = None
    # Addition: unacknowledged alerts, so a facilitator who arrives late sees them.
    alerts: list[Alert] | None = None
    # Addition (safeguarding leads): open escalations, from any room.
    escalations: list[EscalationInfo] | None = None
    # Addition: crisis and support contacts by risk category, for the room's audience,
    # so the page can show them while someone types a worrying message.
    signposting: dict[str, list[Resource]] | None = None
    # Addition: private talks going on (all of them for staff; a participant's own),
    # so someone who arrives or reconnects during one knows.
    asides: list[AsideInfo] | None = None
    # Addition: how many receive-only video m-lines ("slots") the client's offer should
    # carry after its own camera's; the server says which slot shows whom (media.slots).
    video_slots: int | None = None
    # Addition: true when this participant's place was kept across a server restart, so
    # the page can say why the connection dropped and that they are back in the group.
    restarted: bool | None = None
    # Addition: true when the group's server stopped and another took the group over
    # (several nodes): sent once to each participant whose place was kept and each staff
    # member, on their first welcome in the group there, so the page can say what happened.
    failover: bool | None = None


class Ack(ServerMessage, tag="ack", frozen=True, omit_defaults=True):
    ref: str | None = None


class Error(ServerMessage, tag="error", frozen=True, omit_defaults=True):
    code: str
    message: str
    ref: str | None = None
    # With code "moved": the WebSocket URL of the node that runs the room now.
    ws_url: str | None = None


class Waiting(ServerMessage, tag="waiting", frozen=True):
    reason: WaitReason


class LobbyNote(ServerMessage, tag="lobby.note", frozen=True, omit_defaults=True):
    """To everyone waiting, without who wrote it (invariant 3: the lobby learns no name from
    inside), and to the facilitators with it, so they see what was said and by whom."""

    text: str
    at: str
    sender: Sender | None = msgspec.field(default=None, name="from")


class LobbyKnock(ServerMessage, tag="lobby.knock", frozen=True):
    participant: ParticipantInfo


class LobbyLeft(ServerMessage, tag="lobby.left", frozen=True):
    """Addition: someone stopped waiting (left, admitted, denied) — keeps lobby lists true."""

    id: str


class Admitted(ServerMessage, tag="admitted", frozen=True):
    participants: list[ParticipantInfo]


class Denied(ServerMessage, tag="denied", frozen=True):
    pass


class ParticipantJoined(ServerMessage, tag="participant.joined", frozen=True):
    participant: ParticipantInfo


class ParticipantLeft(ServerMessage, tag="participant.left", frozen=True):
    id: str


class ParticipantUpdated(ServerMessage, tag="participant.updated", frozen=True):
    participant: ParticipantInfo


class Chat(ServerMessage, tag="chat", frozen=True, omit_defaults=True):
    id: str
    to: ChatTo
    text: str
    at: str
    # ``from`` is a Python keyword: the wire name is set with ``name=``.
    sender: Sender = msgspec.field(name="from")
    # ``to: "participant"``: the parent a facilitator wrote to privately.
    recipient: Sender | None = msgspec.field(default=None, name="participant")


class ChatHeld(ServerMessage, tag="chat.held", frozen=True):
    """To the sender only: her message went to the facilitators, not the group. It carries her
    own words back so her chat can keep them, marked as seen only by her and the facilitators
    (a message that vanished would feel like being silenced)."""

    id: str
    reason: Literal["safeguarding"] = "safeguarding"
    text: str = ""
    at: str = ""


class Signpost(ServerMessage, tag="signpost", frozen=True):
    resources: list[Resource]


class HelpReceived(ServerMessage, tag="help.received", frozen=True):
    pass


class AlertEscalated(ServerMessage, tag="alert.escalated", frozen=True):
    """Addition (to staff): an alert was escalated to the safeguarding lead."""

    alert: str
    reason: Literal["overdue", "urgent", "facilitator", "no_facilitator"]


class AlertAcked(ServerMessage, tag="alert.acked", frozen=True):
    alert: str
    by: PersonRef


class Muted(ServerMessage, tag="muted", frozen=True):
    locked: bool


class Allowed(ServerMessage, tag="allowed", frozen=True):
    """Addition: a mute lock was lifted; the participant may turn the microphone on."""


class Removed(ServerMessage, tag="removed", frozen=True):
    pass


class RoomUpdated(ServerMessage, tag="room.updated", frozen=True):
    room: RoomInfo


class RoomEnded(ServerMessage, tag="room.ended", frozen=True):
    pass


class RoomPaused(ServerMessage, tag="room.paused", frozen=True):
    pass


class RoomResumed(ServerMessage, tag="room.resumed", frozen=True):
    pass


class MediaOfferOut(ServerMessage, tag="media.offer", frozen=True):
    sdp: str


class MediaAnswerOut(ServerMessage, tag="media.answer", frozen=True):
    sdp: str


class VideoSlotInfo(msgspec.Struct, frozen=True):
    mid: str
    participant: str | None = None


class MediaSlots(ServerMessage, tag="media.slots", frozen=True):
    """Addition: which of the client's receive-only video slots (by ``mid``) shows whom."""

    slots: list[VideoSlotInfo]


class Ping(ServerMessage, tag="ping", frozen=True):
    """Addition: to clients that answer pings; the round trip to ``pong {n}`` is measured."""

    n: int


# How a person's connection is doing, as staff see it (server/signaling/quality.py).
Quality = Literal["good", "weak", "lost"]


class ParticipantQuality(ServerMessage, tag="participant.quality", frozen=True):
    """Addition, to staff only (a parent never learns another's network): the connection
    quality of the people whose level changed, by id; ``null``: no longer measured."""

    people: dict[str, Quality | None]


class AsideStarted(ServerMessage, tag="aside.started", frozen=True):
    """Addition: to the pair and to staff: these two now talk privately."""

    facilitator: PersonRef
    participant: PersonRef


class AsideEnded(ServerMessage, tag="aside.ended", frozen=True):
    """Addition: to the pair and to staff: both are back in the room's mix."""

    facilitator: str
    participant: str


# ---------------------------------------------------------------------------
# Edge codec
# ---------------------------------------------------------------------------


class ProtocolError(Exception):
    """A frame that cannot become a ClientMessage; ``code`` is the wire error code."""

    def __init__(self, code: str, message: str, ref: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.ref = ref


_decoder = msgspec.json.Decoder(AnyClientMessage)
_loose_decoder = msgspec.json.Decoder()
_encoder = msgspec.json.Encoder()


def decode(frame: str | bytes) -> AnyClientMessage:
    """Decode one text frame or raise ``ProtocolError`` with the code to answer.

    The typed decoder runs first (the fast path); only a failure pays for a
    second, loose parse that tells apart bad JSON, a non-object, an unknown
    type and a bad field, so the error code is precise.
    """
    try:
        message: AnyClientMessage = _decoder.decode(frame)
        return message
    except (msgspec.ValidationError, msgspec.DecodeError) as typed_error:
        raise _classify(frame, typed_error) from None
    except RecursionError:
        # msgspec raises RecursionError (not DecodeError) for JSON nested about a
        # thousand deep, which a 2 KB frame can be. Uncaught, it ended the
        # connection with a traceback; it is just a bad message.
        raise ProtocolError("bad_message", "nested too deeply") from None


def _classify(frame: str | bytes, typed_error: Exception) -> ProtocolError:
    if isinstance(frame, bytes) and frame.startswith(b"\x00"):
        return ProtocolError("bad_message", "text frames only")
    try:
        value = _loose_decoder.decode(frame)
    except msgspec.DecodeError:
        return ProtocolError("bad_message", "not valid JSON")
    except RecursionError:  # see decode(): valid but absurdly deep, e.g. inside a field
        return ProtocolError("bad_message", "nested too deeply")
    if not isinstance(value, dict):
        return ProtocolError("bad_message", "a message must be a JSON object")
    ref = value.get("ref")
    echo = ref if isinstance(ref, str) and len(ref) <= 64 else None
    kind = value.get("type")
    if not isinstance(kind, str):
        return ProtocolError("bad_message", "missing or non-string 'type'", echo)
    if kind not in CLIENT_TYPES:
        return ProtocolError("unknown_type", f"unknown message type {kind[:64]!r}", echo)
    # msgspec names the offending path (e.g. "Expected `str` - at `$.text`").
    return ProtocolError("bad_message", str(typed_error)[:200], echo)


def encode(message: ServerMessage) -> bytes:
    return _encoder.encode(message)


def message_type(message: ClientMessage | ServerMessage) -> str:
    """The wire ``type`` of a struct, for logs and metrics labels."""
    tag = type(message).__struct_config__.tag
    return str(tag)
