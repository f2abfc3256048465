"""Admitted participants' places in a live session, kept across a server restart.

A room's session lives in memory (``server/rooms/machine.py``): who was admitted, who
is there. A restart used to lose it, so a parent whose connection dropped because the
server restarted came back to the waiting room with no word of why. ``Places`` keeps
the one fact needed to put them back: this participant id was admitted to this room's
running session. The machine says when that changes (``PersistPlace``: admitted, or
left or removed); the hub says when the session is over (``session_over``: ended, or
emptied for ``empty_room_grace``) and asks for the places when it builds a room
(``take``), so a room built after a restart starts with them.

What a place cannot outlive:

- the participant's token: ``expires_at`` is the admission time plus the token's life
  (``join_token_ttl``), after which the token could not say hello anyway;
- the session: it is deleted when the session ends, and while no server holds the
  session (from a clean shutdown, or from the start after a crash, whichever is first)
  it must be taken back within ``empty_room_grace``, the time an empty room's session
  lasts anyway;
- the person's welcome: leaving (``leave``, Quick exit included) or being removed
  deletes it, and a banned participant is never restored (the hub filters the room's
  bans as well).

Writes go to the store in the order the room made them, one at a time, through one
queue: a place given up right after it was kept must not come back because two
transactions raced. ``take`` joins the same queue, so it sees every earlier write.
A write the database does not take for want of itself (SQLite busy past its timeout,
PostgreSQL restarting) is tried again (``failures.retrying``) before the next one, so the
order holds; any other failure, or one that lasts past the retry window, is logged and the
write dropped: the worst outcome is the old behaviour (a parent waits in the lobby after a
restart), never someone let in who was not. Writes are idempotent (kept, given up, all
given up, a deadline that only moves earlier), so one tried twice does no harm. Nobody
waits long on the queue: a room being built waits ``TAKE_WAIT`` at most for its places
(then everyone waits to be admitted, as when the store cannot answer), and a server
closing waits ``CLOSE_WAIT`` for the writes still queued.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Collection
from datetime import datetime, timedelta

from server.store import failures
from server.store.db import Store

log = logging.getLogger("hearth.places")

# How long a room being built waits for its places (behind the writes queued before them),
# and a closing server for the queued writes: a parent joining or an operator stopping the
# server should not wait out a database outage (failures.RETRY_FOR) for places.
TAKE_WAIT = 5.0
CLOSE_WAIT = 10.0

Clock = Callable[[], datetime]
_Job = tuple[Callable[[], Awaitable[object]], "asyncio.Future[object] | None", str]


class Places:
    def __init__(self, store: Store, *, lifetime: float, grace: float, clock: Clock) -> None:
        """``lifetime``: how long a place may last at most (the token's life);
        ``grace``: how long a session nobody holds keeps its places (``empty_room_grace``)."""
        self._store = store
        self._lifetime = timedelta(seconds=lifetime)
        self._grace = timedelta(seconds=grace)
        self._clock = clock
        self._jobs: deque[_Job] = deque()
        self._worker: asyncio.Task[None] | None = None

    # -- what the hub tells it ---------------------------------------------------------

    def kept(self, room_id: str, participant_id: str) -> None:
        """A facilitator admitted ``participant_id`` to the room's session."""
        until = self._clock() + self._lifetime
        self._submit(lambda: self._store.keep_place(room_id, participant_id, until),
                     "a place")

    def given_up(self, room_id: str, participant_id: str) -> None:
        """They left or were removed: their token no longer takes them straight in."""
        self._submit(lambda: self._store.drop_place(room_id, participant_id), "a place")

    def session_over(self, room_id: str) -> None:
        """The room's session ended (``room.end``, or empty past the grace)."""
        self._submit(lambda: self._store.drop_places(room_id), "the places")

    def suspend(self, rooms: Collection[str] | None = None) -> None:
        """No server holds any session now (starting up, perhaps after a crash; or
        shutting down): each place must be taken back within the grace. ``rooms``: only
        these sessions' places (nodes sharing the store: the others run elsewhere)."""
        now = self._clock()
        chosen = None if rooms is None else tuple(rooms)
        self._submit(lambda: self._store.suspend_places(now + self._grace, now, chosen),
                     "the places' deadline")

    async def take(self, room_id: str) -> set[str]:
        """The participants whose places in the room's session are still valid, now the
        session is held here again. Empty (everyone waits to be admitted) if the store
        cannot answer."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[object] = loop.create_future()
        now = self._clock()
        self._jobs.append((lambda: self._store.take_places(room_id, now), future, "places"))
        self._wake()
        try:
            # On timeout the future is cancelled, and the queue skips the read.
            found = await asyncio.wait_for(future, TAKE_WAIT)
        except Exception as exc:  # TimeoutError included
            # The type only: a database's message can quote the row (a participant id).
            log.error("could not read the places of a session: %s", type(exc).__name__,
                      extra={"room": room_id})
            return set()
        assert isinstance(found, set)
        return found

    async def aclose(self, rooms: Collection[str] | None = None) -> None:
        """At shutdown: mark every place (``rooms``: those sessions' only) as waiting to
        be taken back, then finish the writes still queued."""
        self.suspend(rooms)
        worker = self._worker
        if worker is None:
            return
        done, _ = await asyncio.wait([worker], timeout=CLOSE_WAIT)
        if not done:
            lost = len(self._jobs) + 1
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)
            self._jobs.clear()
            log.error("closing without saving %d writes of places: the database did not "
                      "take them within %g s", lost, CLOSE_WAIT)

    # -- the queue ---------------------------------------------------------------------------

    def _submit(self, work: Callable[[], Awaitable[object]], what: str) -> None:
        self._jobs.append((work, None, what))
        self._wake()

    def _wake(self) -> None:
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        while self._jobs:
            work, future, what = self._jobs.popleft()
            if future is not None and future.done():
                continue  # a read whose room stopped waiting for it
            try:
                # A read is answered at once, failure included: its room is waiting.
                result = await (work() if future is not None
                                else failures.retrying(work, what))
            except Exception as exc:
                if future is not None:
                    if not future.done():
                        future.set_exception(exc)
                else:
                    # The type only: nothing about a person belongs in a log line, and a
                    # database's message can quote the row (retrying logs the passing causes).
                    log.error("could not save %s: %s", what, type(exc).__name__)
                continue
            if future is not None and not future.done():
                future.set_result(result)
