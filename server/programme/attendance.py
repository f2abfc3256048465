"""Counting sessions held and who attended them, for the anonymous impact report.

The hub tells the counter three things: a room went live (a facilitator opened it), a parent
was admitted (the room machine's ``Attended`` effect), and the session is over. Each is one
call that only touches memory; the writes run in the background, in order per room (an
attendance needs its session's id first). A write the database is too busy or too far away
to take is tried again for a minute (``failures.retrying``: each of the three may be
repeated, a session's start finds the session it opened); one that still fails, or fails
for another reason, is logged and dropped: a report one attendance short is better than a
room held up by its bookkeeping.

Nothing that names anyone is written. ``visitor`` is a keyed hash of the browser's device
hash under a key of its own (so it cannot be matched with the bans table, which keeps the
device hash itself); ``who`` is keyed by the session too, so it means nothing outside it.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from server.store.failures import retrying
from server.store.impact import ImpactRecords

__all__ = ["AttendanceCounter", "NoCounter", "check_in_who"]

log = logging.getLogger("hearth.programme")
_PURPOSE = b"hearth impact report: visitors"


def _keyed(key: bytes, *parts: str) -> str:
    return hmac.new(key, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()[:40]


def check_in_who(key: bytes, held_id: str, participant_id: str) -> str:
    """Who gave a check-in, within its session only (one answer each)."""
    return _keyed(key, "check-in", held_id, participant_id)


class NoCounter:
    """Counts nothing (tests of the hub alone, and a hub without a store to count in)."""

    def live(self, room_id: str, audience: str) -> None: ...
    def attended(self, room_id: str, participant_id: str, device: str | None) -> None: ...
    def over(self, room_id: str) -> None: ...
    def moved(self, room_id: str) -> None: ...
    async def aclose(self) -> None: ...


class AttendanceCounter(NoCounter):
    def __init__(self, records: ImpactRecords, secret: str,
                 clock: Callable[[], datetime]) -> None:
        self._records = records
        self._key = hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()
        self._clock = clock
        # Each live room's held session id, as soon as it is written (a task until then).
        self._held: dict[str, asyncio.Task[str | None]] = {}
        self._pending: set[asyncio.Task[None]] = set()

    def live(self, room_id: str, audience: str) -> None:
        """The room is live: its held session (once per session; called each time staff
        enter a live room, so it must be cheap when known)."""
        if room_id in self._held:
            return
        at = self._clock()

        async def opened() -> str | None:
            try:
                return await retrying(functools.partial(
                    self._records.session_opened, room_id, audience, at), "a session's start")
            except Exception:
                log.exception("could not count a session", extra={"room": room_id})
                return None

        self._held[room_id] = asyncio.get_running_loop().create_task(opened())

    def attended(self, room_id: str, participant_id: str, device: str | None) -> None:
        held = self._held.get(room_id)
        if held is None:
            return  # admitted only into a live room, whose session is known: nothing to do
        at = self._clock()

        async def count() -> None:
            held_id = await held
            if held_id is None:
                return
            visitor = _keyed(self._key, "visitor", device) if device else None
            who = _keyed(self._key, "who", held_id, device or f"participant:{participant_id}")
            await retrying(functools.partial(self._records.attended, held_id, who, visitor, at),
                           "an attendance")

        self._later(count(), room_id, "attendance")

    def over(self, room_id: str) -> None:
        held = self._held.pop(room_id, None)
        if held is None:
            return
        at = self._clock()

        async def close() -> None:
            held_id = await held
            if held_id is not None:
                await retrying(functools.partial(self._records.session_closed, held_id, at),
                               "a session's end")

        self._later(close(), room_id, "session's end")

    def moved(self, room_id: str) -> None:
        """The room goes on on another node: its session is not over (that node takes the
        same held session up, ``ImpactRecords.session_opened``)."""
        self._held.pop(room_id, None)

    def _later(self, work: Awaitable[None], room_id: str, what: str) -> None:
        async def run() -> None:
            try:
                await work
            except Exception:
                log.exception("could not count a %s", what, extra={"room": room_id})

        task = asyncio.get_running_loop().create_task(run())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def aclose(self) -> None:
        """Finish the writes under way (the store closes after this). Sessions still live
        stay open in the database: another node, or this one restarted, takes them up."""
        waiting = [*self._pending, *self._held.values()]
        if waiting:
            await asyncio.wait(waiting, timeout=5)
