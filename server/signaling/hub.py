"""The node's rooms and connections: commands in, effects carried out.

The hub is the adapter around the pure ``Room`` machines. It owns the map
from connection ids to ``Connection`` objects, encodes each outgoing message
once however many recipients it has, and turns the other effects into store
writes. Alerts and escalations are made durable first (committed, or
journalled by ``SafeguardingService`` when the database fails) and announced
after (invariant 6); other writes run in the background, tracked and awaited
on shutdown. Alert deadlines are ticked here for live rooms only; the
database-driven sweeper (``server/safeguarding/sweeper.py``) covers every
alert, in memory or not.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import msgspec

from server import protocol as p
from server.cluster.placement import LocalPlacement, Placement
from server.media.ice import IceServers, MediaNetwork
from server.media.service import MediaService, MediaSettings
from server.metrics import Metrics
from server.programme.attendance import NoCounter
from server.programme.timekeeper import Timekeeper, staff_id_of
from server.rooms import Connect, Disconnect, Identity, Receive, Room, RoomConfig
from server.rooms.alerts import parse_at
from server.rooms.machine import iso
from server.rooms.types import (
    CLOSE_MOVED,
    CLOSE_REMOVED,
    CLOSE_UNAUTHORIZED,
    AckAlert,
    AlertOverdue,
    Attended,
    Close,
    Command,
    ConnId,
    Effect,
    EscalateAlert,
    MediaSignal,
    MediaView,
    ModerationAction,
    PersistBan,
    PersistPlace,
    PersistRoomState,
    RaiseAlert,
    ScreenFeedback,
    Screening,
    Send,
    Speaking,
    Tick,
)
from server.safeguarding.assess import RiskAssessor
from server.safeguarding.directory import Directory, DirectoryStore
from server.safeguarding.service import SafeguardingService, info_for
from server.settings import Settings
from server.signaling.connection import Connection
from server.signaling.places import Places
from server.signaling.quality import QualityBook
from server.store.db import Store
from server.store.failures import retrying
from server.store.records import AlertRecord

log = logging.getLogger("hearth.hub")

Clock = Callable[[], datetime]
# Alert deadlines are whole seconds; a one-second tick is precise enough.
TICK_SECONDS = 1.0
# Connection quality is measured room by room, the rooms spread over this many steps of
# each period, so a busy node sends its pings in small batches, not all at once.
QUALITY_STEPS = 5


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class Bans:
    """A live room's banned participants and devices (device: a keyed hash)."""

    participants: set[str]
    devices: set[str]

    def excludes(self, who: Identity) -> bool:
        return who.participant_id in self.participants or (
            who.device is not None and who.device in self.devices)

    def add(self, participant_id: str, device: str | None) -> None:
        self.participants.add(participant_id)
        if device is not None:
            self.devices.add(device)


class Hub:
    def __init__(self, store: Store, settings: Settings, directories: DirectoryStore,
                 safeguarding: SafeguardingService, screen: RiskAssessor, metrics: Metrics,
                 clock: Clock = utc_now) -> None:
        self._store = store
        self._settings = settings
        self._directories = directories
        self._safeguarding = safeguarding
        self._screen = screen
        self._metrics = metrics
        self._clock = clock
        self._rooms: dict[str, Room] = {}
        self._room_of: dict[int, str] = {}
        self._conns: dict[int, Connection] = {}
        self._ids = itertools.count(1)
        self._background: set[asyncio.Task[None]] = set()
        self._sweeps: dict[str, asyncio.TimerHandle] = {}
        # Each live room's bans, loaded with the room and kept in step with PersistBan.
        self._bans: dict[str, Bans] = {}
        # Admitted participants' places, kept in the store so a restart gives them back.
        self._places = Places(store, lifetime=settings.join_token_ttl,
                              grace=settings.empty_room_grace, clock=clock)
        self._ticker: asyncio.Task[None] | None = None
        # Connection quality for staff (server/signaling/quality.py), measured by one task.
        self._quality = QualityBook(settings.quality_every)
        self._quality_task: asyncio.Task[None] | None = None
        self._ice = IceServers(stun_urls=settings.stun_urls, turn_urls=settings.turn_urls,
                               turn_secret=settings.turn_secret, turn_ttl=settings.turn_ttl)
        self.media = MediaService(
            MediaSettings(network=MediaNetwork(addresses=settings.media_addresses,
                                               public_address=settings.media_public_address,
                                               ports=settings.media_ports,
                                               allow_private=settings.media_allow_private),
                          opus_complexity=settings.opus_complexity,
                          personal_opus_complexity=settings.personal_opus_complexity,
                          mixed_voices=settings.mixed_voices,
                          video_slots=settings.video_slots),
            send=self._send_one, on_speaking=self._speaking,
            lateness=metrics.mixer_lateness.observe)
        # The media_version of each room's view the media service last saw.
        self._media_seen: dict[str, int] = {}
        # Which rooms this node runs (server/cluster/): told when a room is forgotten.
        # Set by the app before start(); one process running every room by default.
        self.placement: Placement = LocalPlacement()
        # The programme around the rooms, told what happens in them; both set by the app,
        # and nothing is counted without them. Volunteers' time (staff connections in
        # and out: server/programme/timekeeper.py), and sessions held and attendances for
        # the impact report (server/programme/attendance.py).
        self.timekeeper: Timekeeper | None = None
        self.programme: NoCounter = NoCounter()

    def next_conn_id(self) -> int:
        return next(self._ids)

    def room(self, room_id: str) -> Room | None:
        return self._rooms.get(room_id)

    @property
    def connection_count(self) -> int:
        return len(self._conns)

    @property
    def room_count(self) -> int:
        return len(self._rooms)

    def has_room(self, room_id: str) -> bool:
        return room_id in self._rooms

    def is_locked(self, room_id: str) -> bool | None:
        """The live lock state, or None when no session is running on this node."""
        room = self._rooms.get(room_id)
        return None if room is None else room.locked

    def staff_present(self, room_id: str) -> bool:
        """True while a facilitator is in the room's live session on this node: the
        room reminds them of an overdue alert itself (the sweeper asks)."""
        room = self._rooms.get(room_id)
        return room is not None and room.live

    def start(self) -> None:
        self._ticker = asyncio.get_running_loop().create_task(self._tick_forever())
        self._quality_task = asyncio.get_running_loop().create_task(self._measure_forever())
        # Sessions a crashed process held: their places wait for their people from now.
        # Not when nodes share the store: the others' sessions are running, and which
        # sessions a crashed node held is not known (docs/architecture.md, Placement).
        if not self.placement.clustered:
            self._places.suspend()

    # -- lifecycle of a connection ----------------------------------------------

    async def attach(self, conn: Connection, who: Identity,
                     features: tuple[str, ...] = ()) -> bool:
        """Admit a connection whose token was valid. False: it was turned away (and closed).
        ``features``: the protocol additions its hello says it understands.

        A room with a live session answers from memory (its config and its ban list);
        only the first arrival pays for the store, so thousands can join a busy node
        quickly (docs/performance.md).
        """
        room = self._rooms.get(who.room_id)
        if room is None:
            record = await self._store.room(who.room_id)
            if record is None:
                self._reject(conn, "unauthorized", "this group no longer exists",
                             CLOSE_UNAUTHORIZED)
                return False
            directory = await self._directories.current()
            open_alerts = await self._store.safeguarding.open_alerts(record.id)
            bans = await self._store.bans_for(record.id)
            # Places kept from this session before a restart; never a banned person's.
            admitted = await self._places.take(record.id) - bans[0]
            # Awaiting above let another connection create it meanwhile.
            room = self._rooms.get(who.room_id) or self._new_room(
                record.id, record.name, record.audience, record.locked, record.focus,
                directory, open_alerts, bans, admitted)
        if who.role == "participant" and self._bans[room.id].excludes(who):
            conn.close(CLOSE_REMOVED, "banned")
            return False
        escalations: tuple[p.EscalationInfo, ...] = ()
        if who.role == "safeguarding_lead":
            escalations = tuple(info_for(e) for e in await self._safeguarding.open_escalations())
        sweep = self._sweeps.pop(who.room_id, None)
        if sweep is not None:
            sweep.cancel()
        self._conns[conn.id] = conn
        self._room_of[conn.id] = who.room_id
        self._metrics.connections.set(len(self._conns))
        self._run(room, Connect(conn.id, who, escalations))
        if conn.closed:
            return False
        self._quality.join(conn.id, features, staff=who.role in p.STAFF_ROLES)
        seats = room.media_view().seats
        if conn.id in self._quality.watchers(seats):
            snapshot = self._quality.snapshot(room.id)
            if snapshot is not None:
                conn.enqueue(p.encode(snapshot).decode())
        if room.live:  # its first ping now, so staff see its level within moments
            self._measure_one(room, conn.id, time.monotonic())
        if who.role in p.STAFF_ROLES and room.live:
            # A room goes live only when staff arrive: its held session starts (or, taken
            # up again after a failover, goes on) here, not on every command it handles.
            self.programme.live(room.id, room.config.audience)
        staff_id = staff_id_of(who)
        if staff_id is not None and self.timekeeper is not None:
            # Staff never wait in the lobby: from here they are in the room.
            self.timekeeper.joined(conn.id, staff_id, room.id, room.config.audience, who.role)
        return True

    def _new_room(self, room_id: str, name: str, audience: str, locked: bool, focus: bool,
                  directory: Directory, open_alerts: list[AlertRecord],
                  bans: tuple[set[str], set[str]], admitted: set[str]) -> Room:
        self._bans[room_id] = Bans(*bans)
        screen = self._screen

        def screening(text: str) -> Screening:
            found = screen.assess(text)
            model = found.model
            signal = None
            if model is not None and found.model_version is not None:
                signal = p.ModelSignal(
                    version=found.model_version, category=model.category or "",
                    score=round(model.urgent if found.severity == "urgent"
                                else model.any_risk, 2))
            return Screening(severity=found.severity.value, categories=found.categories,
                             rules=found.rules, model=signal)

        room = self._rooms[room_id] = Room(RoomConfig(
            id=room_id, name=name, audience=audience,  # type: ignore[arg-type]
            locked=locked, focus=focus,
            ice_servers=self._ice.for_client,
            video_slots=self._settings.video_slots,
            help_resources=directory.for_help(audience),
            ack_within_urgent=self._settings.ack_within_urgent,
            ack_within_concern=self._settings.ack_within_concern,
            screen=screening,
            signpost=lambda categories: directory.lookup(tuple(categories), audience),
            open_alerts=tuple(_wire_alert(a) for a in open_alerts),
            reminded_alerts=frozenset(a.id for a in open_alerts if a.reminded_at is not None),
            escalated_alerts=frozenset(a.id for a in open_alerts if a.escalated_at is not None),
            admitted=tuple(sorted(admitted)),
            # Its node stopped and this one took it over: everything above came from the
            # database as after a restart; the people coming back are told it moved.
            failover=self.placement.took_over(room_id),
        ))
        self._metrics.rooms.set(len(self._rooms))
        return room

    def receive(self, conn: Connection, message: p.AnyClientMessage) -> None:
        room = self._rooms.get(self._room_of.get(conn.id, ""))
        if room is not None:
            self._run(room, Receive(conn.id, message))

    def pong(self, conn: Connection, n: int, now: float) -> bool:
        """A ``pong``; False when it answered no outstanding ping (the endpoint then
        counts it against the flood limits like any other message)."""
        answered, first = self._quality.pong(conn.id, n, now)
        room = self._rooms.get(self._room_of.get(conn.id, ""))
        if first and room is not None:  # the first level is shown at once
            self._measure_one(room, conn.id, now)
        return answered

    def _measure_one(self, room: Room, conn_id: ConnId, now: float) -> None:
        """A round of connection quality for one connection only (no media stats)."""
        for effect in self._quality.round(room.id, room.media_view().seats, None, now,
                                          only=conn_id):
            self._apply(room.id, effect)

    def detach(self, conn: Connection) -> None:
        """The socket is gone (or going): forget it. Safe to call twice."""
        self._quality.leave(conn.id)
        room_id = self._room_of.pop(conn.id, None)
        self._conns.pop(conn.id, None)
        self._metrics.connections.set(len(self._conns))
        room = self._rooms.get(room_id or "")
        if room is not None:
            self._run(room, Disconnect(conn.id))
        # Every connection's end comes through here (the endpoint calls it whatever closed
        # the socket): a staff member's time in the room ends with it.
        if self.timekeeper is not None:
            self.timekeeper.left(conn.id)

    def close_staff(self, staff_id: str, reason: str, room_id: str | None = None) -> int:
        """Close a staff member's open room connections on this node (in ``room_id``
        only, if given) with 4401: their session ended, their account was disabled or
        they were taken off the room. Returns how many were closed."""
        participant_id = f"f_{staff_id}"
        closed = 0
        for conn_id, in_room in list(self._room_of.items()):
            room = self._rooms.get(in_room)
            member = room.member_for(conn_id) if room is not None else None
            conn = self._conns.get(conn_id)
            if (member is None or conn is None or member.id != participant_id
                    or (room_id is not None and in_room != room_id)):
                continue
            self._reject(conn, "unauthorized", reason, CLOSE_UNAUTHORIZED)
            self.detach(conn)
            closed += 1
        return closed

    def evict(self, room_id: str, ws_url: str) -> None:
        """Another node holds the room's lease now (server/cluster/node.py): stop running
        it here. Everyone in it is told where it is (``error moved``, close 4307) and the
        room is forgotten; the participants' places stay in the store for the new owner,
        so nobody waits to be admitted again."""
        room = self._rooms.get(room_id)
        if room is None:
            return
        text = p.encode(p.Error(code="moved", message="this group is now on another server",
                                ws_url=ws_url)).decode()
        for conn_id, in_room in list(self._room_of.items()):
            if in_room != room_id:
                continue
            conn = self._conns.pop(conn_id, None)
            self._room_of.pop(conn_id, None)
            self._quality.leave(conn_id)
            if conn is not None:
                conn.enqueue(text)
                conn.close(CLOSE_MOVED, "moved")
        self._metrics.connections.set(len(self._conns))
        self._forget(room_id, session_over=False)

    @property
    def store(self) -> Store:
        """The store, for the endpoint's check of a staff token's session at hello."""
        return self._store

    @staticmethod
    def _reject(conn: Connection, code: str, message: str, close_code: int) -> None:
        conn.enqueue(p.encode(p.Error(code=code, message=message)).decode())
        conn.close(close_code, code)

    # -- carrying out effects ------------------------------------------------------

    def _run(self, room: Room, command: Command) -> None:
        for effect in room.handle(command, self._clock()):
            self._apply(room.id, effect)
        if self._media_seen.get(room.id) != room.media_version:
            try:
                self.media.update(room.id, room.media_view())
                self._media_seen[room.id] = room.media_version
            except Exception:
                # Not marked seen: the next command tries the whole view again.
                log.exception("could not apply the media rules", extra={"room": room.id})
        if room.ended:
            self._forget(room.id)
        elif room.empty and room.id not in self._sweeps:
            self._sweeps[room.id] = asyncio.get_running_loop().call_later(
                self._settings.empty_room_grace, self._sweep, room.id
            )

    def _apply(self, room_id: str, effect: Effect) -> None:
        if isinstance(effect, Send):
            if not effect.to:
                return
            text = p.encode(effect.message).decode()  # once, whatever the fan-out
            conns = self._conns
            for conn_id in effect.to:
                conn = conns.get(conn_id)
                if conn is not None:
                    conn.enqueue(text)
            self._metrics.messages_out.inc(len(effect.to))
        elif isinstance(effect, Close):
            conn = self._conns.get(effect.conn)
            if conn is not None:
                conn.close(effect.code, effect.reason)
                # The machine already forgot this connection; don't tell it twice.
                self._room_of.pop(effect.conn, None)
                self._quality.leave(effect.conn)
                self._conns.pop(effect.conn, None)
                self._metrics.connections.set(len(self._conns))
        elif isinstance(effect, RaiseAlert):
            self._in_background(self._raise(room_id, effect), "alert")
        elif isinstance(effect, AlertOverdue):
            self._in_background(self._overdue(room_id, effect), "overdue alert")
        elif isinstance(effect, EscalateAlert):
            self._in_background(self._escalate(effect), "escalation")
        elif isinstance(effect, AckAlert):
            acked = effect.alert
            self._metrics.alert_ack_age.labels(acked.kind, acked.severity).observe(effect.age)
            self._in_background(self._safeguarding.ack(acked.id, effect.by, self._clock()),
                                "ack")
        elif isinstance(effect, ScreenFeedback):
            version = effect.model_version or self._screen.model_version or "rules only"
            # Tried again while the database is busy or away, as the precision figures a
            # lead reads are made of these; a commit lost in flight may count one twice.
            self._retried_in_background(functools.partial(
                self._store.safeguarding.record_feedback, effect.verdict, effect.rules,
                version, effect.model_category, self._clock()), "screen feedback")
        elif isinstance(effect, PersistBan):
            bans = self._bans.get(effect.room_id)
            if bans is not None:
                bans.add(effect.participant_id, effect.device)
            # Tried again while the database is busy or away: a ban lost here would let
            # the person back in after a restart or on another node.
            self._retried_in_background(functools.partial(
                self._store.add_ban, effect.room_id, effect.participant_id, effect.device),
                "a ban")
        elif isinstance(effect, PersistPlace):
            if effect.kept:
                self._places.kept(effect.room_id, effect.participant_id)
            else:
                self._places.given_up(effect.room_id, effect.participant_id)
        elif isinstance(effect, Attended):
            self.programme.attended(effect.room_id, effect.participant_id, effect.device)
        elif isinstance(effect, PersistRoomState):
            self._retried_in_background(functools.partial(
                self._store.set_room_state, effect.room_id, locked=effect.locked,
                focus=effect.focus), "a room's lock and focus")
        elif isinstance(effect, MediaSignal):
            self.media.signal(room_id, effect.conn, effect.participant_id, effect.message)
        elif isinstance(effect, ModerationAction):
            # Ids only in the log: names are pseudonyms, but logs need none of them.
            log.info("moderation", extra={"room": effect.room_id, "action": effect.action,
                                          "actor": effect.actor, "target": effect.target})
            # Invariant 8: every moderation action goes into the audit chain.
            self._in_background(self._store.safeguarding.audit(
                effect.actor, effect.action, room_id=effect.room_id, target=effect.target,
                detail=dict(effect.detail), at=self._clock()), "audit entry")

    def _send_one(self, conn_id: int, message: p.ServerMessage) -> None:
        conn = self._conns.get(conn_id)
        if conn is not None:
            conn.enqueue(p.encode(message).decode())

    def _speaking(self, room_id: str, participant_id: str, speaking: bool) -> None:
        room = self._rooms.get(room_id)
        if room is not None:
            self._run(room, Speaking(participant_id, speaking))

    def _then(self, room_id: str, effects: tuple[Effect, ...]) -> None:
        for effect in effects:
            self._apply(room_id, effect)

    async def _raise(self, room_id: str, effect: RaiseAlert) -> None:
        alert = effect.alert
        record = AlertRecord(
            id=alert.id, room_id=room_id, kind=alert.kind, severity=alert.severity,
            categories=tuple(alert.categories), participant_id=effect.participant_id,
            participant_name=alert.participant.name, ack_within=alert.ack_within,
            created_at=parse_at(alert.at), message_id=alert.message.id if alert.message else None,
            excerpt=alert.message.text if alert.message else alert.text, rules=effect.rules,
            model=msgspec.json.encode(alert.model).decode() if alert.model else None,
        )
        try:
            # Returns once the alert is committed or journalled; the journal stores it
            # when the database is back, and only then is the lead told.
            await self._safeguarding.raise_alert(record, escalate=effect.escalate)
        except Exception as exc:
            # Not an outage (those are journalled) but a fault of ours: the facilitator
            # must still be told. The type only: a message could quote the excerpt.
            log.error("could not store an alert: %s", type(exc).__name__,
                      extra={"alert": alert.id})
        self._then(room_id, effect.then)

    async def _overdue(self, room_id: str, effect: AlertOverdue) -> None:
        # The database decides whether this raises the escalation or the sweeper
        # already did; either way the room's facilitators may be told it is escalated.
        try:
            await self._safeguarding.overdue(effect.alert_id, self._clock(),
                                             escalate=effect.escalate)
        except Exception as exc:
            log.error("could not store an overdue alert: %s", type(exc).__name__,
                      extra={"alert": effect.alert_id})
        self._then(room_id, effect.then)

    async def _escalate(self, effect: EscalateAlert) -> None:
        try:
            await self._safeguarding.escalate(effect.alert_id, effect.by, effect.note,
                                              self._clock())
            answer: p.ServerMessage = p.Ack(ref=effect.ref)
        except LookupError:
            answer = p.Error(code="not_found", message="no such alert", ref=effect.ref)
        except Exception:
            log.exception("could not store an escalation")
            answer = p.Error(code="invalid_state",
                             message="the escalation could not be saved; please try again",
                             ref=effect.ref)
        conn = self._conns.get(effect.conn)
        if conn is not None:
            conn.enqueue(p.encode(answer).decode())
        if isinstance(answer, p.Ack):
            self._apply("", Send(effect.staff, p.AlertEscalated(alert=effect.alert_id,
                                                                 reason="facilitator")))

    def _retried_in_background(self, write: Callable[[], Awaitable[object]], what: str) -> None:
        """A write that may be repeated, in the background, tried again while the database is
        busy or away (``failures.retrying``)."""
        self._in_background(retrying(write, what), what)

    def _in_background(self, work: Awaitable[object], what: str) -> None:
        async def run() -> None:
            try:
                await work
            except Exception:
                log.exception("could not save %s", what)

        task = asyncio.get_running_loop().create_task(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- time ------------------------------------------------------------------------

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            for room in [r for r in self._rooms.values() if r.needs_ticks]:
                self._run(room, Tick())

    async def _measure_forever(self) -> None:
        """Connection quality: each live room once every ``quality_every`` seconds, a
        fifth of the rooms at each step (the same room always in the same step)."""
        step = 0
        while True:
            await asyncio.sleep(self._quality.every / QUALITY_STEPS)
            step = (step + 1) % QUALITY_STEPS
            for room in [r for r in self._rooms.values()
                         if r.live and hash(r.id) % QUALITY_STEPS == step]:
                try:
                    await self._measure(room)
                except Exception:
                    log.exception("could not measure connection quality",
                                  extra={"room": room.id})

    async def _measure(self, room: Room) -> None:
        seats = room.media_view().seats
        if not self._quality.watchers(seats):
            return  # nobody here would see it: no pings, no stats
        media = await self.media.link_stats(room.id)
        if self._rooms.get(room.id) is not room:
            return
        for effect in self._quality.round(room.id, room.media_view().seats, media,
                                          time.monotonic()):
            self._apply(room.id, effect)

    # -- rooms without anyone ------------------------------------------------------------

    def _sweep(self, room_id: str) -> None:
        self._sweeps.pop(room_id, None)
        room = self._rooms.get(room_id)
        if room is not None and room.empty:
            if room.locked:
                # A session that simply emptied must not leave next week's group locked.
                self._in_background(self._store.set_room_state(
                    room_id, locked=False, focus=room.focus), "room state")
            self._forget(room_id)

    def _forget(self, room_id: str, *, session_over: bool = True) -> None:
        # The room's open alerts need nothing here: their deadlines are in the database,
        # where the sweeper finds them (and one still in the journal once it is stored).
        # The session is over, and with it everyone's place in it; unless the room only
        # moved to another node (evict), which takes the places over.
        if session_over:
            self._places.session_over(room_id)
            self.programme.over(room_id)
        else:
            self.programme.moved(room_id)
        self._rooms.pop(room_id, None)
        self.placement.released(room_id)
        self._quality.forget_room(room_id)
        self._media_seen.pop(room_id, None)
        self.media.update(room_id, MediaView())
        self._bans.pop(room_id, None)
        sweep = self._sweeps.pop(room_id, None)
        if sweep is not None:
            sweep.cancel()
        self._metrics.rooms.set(len(self._rooms))

    # -- shutdown --------------------------------------------------------------------

    async def aclose(self) -> None:
        # Everyone still here leaves now, before the sockets close: their time is written
        # while the store is open (the timekeeper's own aclose comes later).
        if self.timekeeper is not None:
            self.timekeeper.leave_all()
        for task in (self._ticker, self._quality_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        for handle in self._sweeps.values():
            handle.cancel()
        self._sweeps.clear()
        for conn in list(self._conns.values()):
            conn.close(1001, "server shutting down")
        await asyncio.gather(*(c.flush() for c in list(self._conns.values())),
                             return_exceptions=True)
        await self.media.aclose()
        # After the sockets: their going changes no place. The places now wait for
        # their people (within empty_room_grace) until a server holds the rooms again:
        # with nodes sharing the store, the places of this node's rooms only.
        await self._places.aclose(list(self._rooms) if self.placement.clustered else None)
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)


def _wire_alert(record: AlertRecord) -> p.Alert:
    """An alert from the store as the wire shows it (after a restart)."""
    message = None
    text = record.excerpt
    if record.message_id is not None and record.excerpt is not None:
        message, text = p.MessageExcerpt(id=record.message_id, text=record.excerpt), None
    return p.Alert(
        id=record.id, kind=record.kind, severity=record.severity,  # type: ignore[arg-type]
        participant=p.PersonRef(id=record.participant_id, name=record.participant_name),
        categories=list(record.categories),
        at=iso(record.created_at.astimezone(UTC)),
        ack_within=record.ack_within, message=message, text=text, rules=list(record.rules),
        model=msgspec.json.decode(record.model, type=p.ModelSignal) if record.model else None,
    )
