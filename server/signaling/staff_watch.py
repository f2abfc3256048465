"""Staff room connections re-checked against the database every few seconds.

A staff token is checked at hello (its login session, the account, the assignment),
and the web admin pages close a member's connections on the node that serves them.
But an account disabled from the command line, or a session ended on another node,
leaves connections already open elsewhere untouched. This watch asks the same
question of every open staff connection on this node every ``every`` seconds and
closes the ones that would now be refused. A database that cannot answer closes
nobody: a facilitator is not thrown out of a live group by a hiccup.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from server.rooms.types import Identity

log = logging.getLogger("hearth.staff_watch")

Check = Callable[[Identity, str | None], Awaitable[str | None]]
Close = Callable[[str, str, str], int]


@dataclass(frozen=True, slots=True)
class Watched:
    identity: Identity
    session: str | None


class StaffWatch:
    def __init__(self, check: Check, close: Close, every: float) -> None:
        self._check = check
        self._close = close
        self._every = every
        self._watched: dict[int, Watched] = {}
        self._task: asyncio.Task[None] | None = None

    def add(self, conn_id: int, identity: Identity, session: str | None) -> None:
        self._watched[conn_id] = Watched(identity, session)
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    def discard(self, conn_id: int) -> None:
        self._watched.pop(conn_id, None)

    async def check_now(self) -> int:
        """One round; returns how many connections were closed."""
        closed = 0
        for conn_id, watched in list(self._watched.items()):
            try:
                why = await self._check(watched.identity, watched.session)
            except Exception as exc:
                log.warning("could not re-check staff connections: %s", type(exc).__name__)
                return closed
            if why is None or conn_id not in self._watched:
                continue
            self._watched.pop(conn_id, None)
            staff_id = watched.identity.participant_id.removeprefix("f_")
            closed += self._close(staff_id, why, watched.identity.room_id)
        return closed

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._every)
            try:
                await self.check_now()
            except Exception:
                log.exception("staff connection check failed; will try again")

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
