"""The node's rooms and connections: commands in, effects carried out.

The hub is the adapter around the pure ``Room`` machines. It owns the map
from connection ids to ``Connection`` objects, encodes each outgoing message
once however many recipients it has, and turns persistence effects into
store writes that run in the background (tracked, awaited on shutdown).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from server import protocol as p
from server.metrics import Metrics
from server.rooms import Connect, Disconnect, Identity, Receive, Room, RoomConfig
from server.rooms.types import (
    CLOSE_REMOVED,
    CLOSE_UNAUTHORIZED,
    Close,
    Effect,
    ModerationAction,
    PersistBan,
    PersistRoomState,
    Send,
)
from server.safeguarding.directory import Directory
from server.settings import Settings
from server.signaling.connection import Connection
from server.store.db import Store

log = logging.getLogger("hearth.hub")

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Hub:
    def __init__(self, store: Store, settings: Settings, directory: Directory,
                 metrics: Metrics, clock: Clock = utc_now) -> None:
        self._store = store
        self._settings = settings
        self._directory = directory
        self._metrics = metrics
        self._clock = clock
        self._rooms: dict[str, Room] = {}
        self._room_of: dict[int, str] = {}
        self._conns: dict[int, Connection] = {}
        self._ids = itertools.count(1)
        self._background: set[asyncio.Task[None]] = set()
        self._sweeps: dict[str, asyncio.TimerHandle] = {}

    def next_conn_id(self) -> int:
        return next(self._ids)

    def room(self, room_id: str) -> Room | None:
        return self._rooms.get(room_id)

    @property
    def connection_count(self) -> int:
        return len(self._conns)

    # -- lifecycle of a connection ----------------------------------------------

    async def attach(self, conn: Connection, who: Identity) -> bool:
        """Admit a connection whose token was valid. False: it was turned away (and closed)."""
        record = await self._store.room(who.room_id)
        if record is None:
            self._reject(conn, "unauthorized", "this group no longer exists", CLOSE_UNAUTHORIZED)
            return False
        if who.role == "participant" and await self._store.is_banned(
            who.room_id, who.participant_id, who.device
        ):
            conn.close(CLOSE_REMOVED, "banned")
            return False
        room = self._rooms.get(who.room_id)
        if room is None:
            room = self._rooms[who.room_id] = Room(RoomConfig(
                id=record.id, name=record.name, audience=record.audience,  # type: ignore[arg-type]
                locked=record.locked, focus=record.focus,
                ice_servers=self._settings.ice_servers,
                help_resources=self._directory.for_help(record.audience),
                ack_within_urgent=self._settings.ack_within_urgent,
                ack_within_concern=self._settings.ack_within_concern,
            ))
            self._metrics.rooms.set(len(self._rooms))
        sweep = self._sweeps.pop(who.room_id, None)
        if sweep is not None:
            sweep.cancel()
        self._conns[conn.id] = conn
        self._room_of[conn.id] = who.room_id
        self._metrics.connections.set(len(self._conns))
        self._run(room, Connect(conn.id, who))
        return not conn.closed

    def receive(self, conn: Connection, message: p.AnyClientMessage) -> None:
        room = self._rooms.get(self._room_of.get(conn.id, ""))
        if room is not None:
            self._run(room, Receive(conn.id, message))

    def detach(self, conn: Connection) -> None:
        """The socket is gone (or going): forget it. Safe to call twice."""
        room_id = self._room_of.pop(conn.id, None)
        self._conns.pop(conn.id, None)
        self._metrics.connections.set(len(self._conns))
        room = self._rooms.get(room_id or "")
        if room is not None:
            self._run(room, Disconnect(conn.id))

    @staticmethod
    def _reject(conn: Connection, code: str, message: str, close_code: int) -> None:
        conn.enqueue(p.encode(p.Error(code=code, message=message)).decode())
        conn.close(close_code, code)

    # -- carrying out effects ------------------------------------------------------

    def _run(self, room: Room, command: Connect | Disconnect | Receive) -> None:
        effects = room.handle(command, self._clock())
        for effect in effects:
            self._apply(effect)
        if room.ended:
            self._forget(room.id)
        elif room.empty and room.id not in self._sweeps:
            self._sweeps[room.id] = asyncio.get_running_loop().call_later(
                self._settings.empty_room_grace, self._sweep, room.id
            )

    def _apply(self, effect: Effect) -> None:
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
                self._conns.pop(effect.conn, None)
                self._metrics.connections.set(len(self._conns))
        elif isinstance(effect, PersistBan):
            self._in_background(
                self._store.add_ban(effect.room_id, effect.participant_id, effect.device),
                "ban",
            )
        elif isinstance(effect, PersistRoomState):
            self._in_background(
                self._store.set_room_state(effect.room_id, locked=effect.locked,
                                           focus=effect.focus),
                "room state",
            )
        elif isinstance(effect, ModerationAction):
            # Ids only: names are pseudonyms but logs need none of them.
            log.info("moderation", extra={"room": effect.room_id, "action": effect.action,
                                          "actor": effect.actor, "target": effect.target})

    def _in_background(self, work: object, what: str) -> None:
        async def run() -> None:
            try:
                await work  # type: ignore[misc]
            except Exception:
                log.exception("could not save %s", what)

        task = asyncio.get_running_loop().create_task(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _sweep(self, room_id: str) -> None:
        self._sweeps.pop(room_id, None)
        room = self._rooms.get(room_id)
        if room is not None and room.empty:
            self._forget(room_id)

    def _forget(self, room_id: str) -> None:
        self._rooms.pop(room_id, None)
        sweep = self._sweeps.pop(room_id, None)
        if sweep is not None:
            sweep.cancel()
        self._metrics.rooms.set(len(self._rooms))

    def is_locked(self, room_id: str) -> bool | None:
        """The live lock state, or None when no session is running on this node."""
        room = self._rooms.get(room_id)
        return None if room is None else room.locked

    # -- shutdown --------------------------------------------------------------------

    async def aclose(self) -> None:
        for handle in self._sweeps.values():
            handle.cancel()
        self._sweeps.clear()
        for conn in list(self._conns.values()):
            conn.close(1001, "server shutting down")
        await asyncio.gather(*(c.flush() for c in list(self._conns.values())),
                             return_exceptions=True)
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
