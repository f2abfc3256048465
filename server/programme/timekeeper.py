"""Volunteer time from the rooms: who of the staff joined which room when, and when they left,
kept as time entries (``server/store/hours.py``) without ever holding a room up.

The hub tells the timekeeper of each staff connection that enters a room (``joined``) and
of each connection that goes (``left``: the Leave button, the session ending, their login
ending, the socket closing, the room moving to another node). Both are plain method calls
that only touch memory; the span is written afterwards by one background task, one span at
a time in the order they ended (so a person's reconnections merge in order).

*A database hiccup* costs nothing but a delay: a failed write is retried with a backoff
(``retry_first`` doubling to ``retry_max``) for as long as the process runs, the spans
waiting in memory (one small record per staff member leaving, so memory is never the
issue). At shutdown the hub reports everyone still connected as leaving, and the writes
still waiting get ``close_wait`` to finish; what cannot be stored by then is logged as lost
(the staff id and times: no names, nothing said), and the volunteer can add it as a
correction of a nearby session, or their coordinator can note it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from server import protocol as p
from server.programme.hours import Span
from server.rooms.types import Identity
from server.store.db import Store

log = logging.getLogger("hearth.hours")

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def staff_id_of(who: Identity) -> str | None:
    """The account behind a staff connection (its participant id is ``f_`` and the staff
    id: ``server/http/api.py`` ``room_token``); None for anyone else."""
    if who.role not in p.STAFF_ROLES or not who.participant_id.startswith("f_"):
        return None
    return who.participant_id.removeprefix("f_")


@dataclass(frozen=True, slots=True)
class _Open:
    """A staff connection in a room, since ``started``."""

    staff_id: str
    room_id: str
    audience: str
    role: str
    started: datetime


class Timekeeper:
    def __init__(self, store: Store, prep_minutes: int, *, clock: Clock = utc_now,
                 retry_first: float = 0.5, retry_max: float = 30.0,
                 close_wait: float = 5.0) -> None:
        self._store = store
        self._prep_minutes = prep_minutes
        self._clock = clock
        self._retry_first = retry_first
        self._retry_max = retry_max
        self._close_wait = close_wait
        self._open: dict[int, _Open] = {}
        self._waiting: deque[Span] = deque()
        self._writer: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self.failures = 0
        """Writes that failed and were tried again (for the tests and the curious)."""

    # -- what the hub tells it (memory only: never blocks, never raises) ----------------------

    def joined(self, conn_id: int, staff_id: str, room_id: str, audience: str,
               role: str) -> None:
        """A staff member's connection ``conn_id`` entered the room."""
        self._open[conn_id] = _Open(staff_id, room_id, audience, role, self._clock())

    def left(self, conn_id: int) -> None:
        """Connection ``conn_id`` has gone (any other connection: nothing happens, and a
        connection reported twice is counted once)."""
        opened = self._open.pop(conn_id, None)
        if opened is None:
            return
        self._waiting.append(Span(opened.staff_id, opened.room_id, opened.audience,
                                  opened.role, opened.started, self._clock()))
        self._idle.clear()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write())

    def leave_all(self) -> None:
        """Shutting down: every connection still open leaves now."""
        for conn_id in list(self._open):
            self.left(conn_id)

    # -- the writes ----------------------------------------------------------------------------

    @property
    def waiting(self) -> int:
        """Spans not stored yet."""
        return len(self._waiting)

    async def settled(self, within: float = 2.0) -> bool:
        """Wait (up to ``within`` seconds) until every span that has ended is stored: a page
        read just after someone left the room (the debrief link) then finds their session.
        False if some still wait (the database is slow or away)."""
        try:
            async with asyncio.timeout(within):
                await self._idle.wait()
        except TimeoutError:
            return False
        return True

    async def _write(self) -> None:
        pause = self._retry_first
        while self._waiting:
            span = self._waiting[0]
            try:
                await self._store.hours.record(span, self._prep_minutes)
            except LookupError:
                # The room or the account is gone (deleted in the meantime): nothing to keep.
                log.warning("a session's time was not kept: its room or account is gone",
                            extra={"staff": span.staff_id, "room": span.room_id})
            except Exception as exc:
                # The type only: a database error's message can carry the statement.
                self.failures += 1
                log.warning("could not store a session's time (%s); trying again in %.1f s",
                            type(exc).__name__, pause, extra={"staff": span.staff_id})
                await asyncio.sleep(pause)
                pause = min(pause * 2, self._retry_max)
                continue
            self._waiting.popleft()
            pause = self._retry_first
        self._idle.set()

    async def aclose(self) -> None:
        """Store what waits, within ``close_wait``; log what could not be."""
        if self._writer is not None and not self._writer.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._writer), self._close_wait)
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
        for span in self._waiting:
            log.error("a session's time could not be stored before shutdown",
                      extra={"staff": span.staff_id, "room": span.room_id,
                             "started": span.started.isoformat(),
                             "ended": span.ended.isoformat()})
        self._waiting.clear()
        self._idle.set()
