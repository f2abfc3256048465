"""How the audit chain's writes reach the database: in one hop, in priority order.

Two parts, both used by ``server/store/records.py``:

- ``PriorityLock`` serializes the chain's writers in this process (the hash
  chain needs them one at a time) and lets an urgent writer (an alert) go
  ahead of everyone already queued (acknowledgements, moderation audit
  batches), so an alert never waits behind bookkeeping. Across processes the
  database serializes them (SQLite's single writer, PostgreSQL's row lock on
  ``audit_head``).
- A ``Transactor`` runs a plain synchronous function inside one transaction.
  On a SQLite file it runs it on a thread of its own with its own connection,
  so a whole write is one hand-off from the event loop instead of one per
  statement (aiosqlite's cost: docs/performance.md, "Alerts"). Elsewhere
  (PostgreSQL over asyncpg, SQLite in memory) it runs it through the async
  engine's ``run_sync``: the same statements, the same single transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections import deque
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.ext.asyncio import AsyncEngine

T = TypeVar("T")


class PriorityLock:
    """A mutex whose urgent waiters are served before its ordinary ones.

    Each class of waiter is served first come, first served. ``hold(urgent=True)``
    waits at most for the current holder and for urgent waiters ahead of it.
    Ordinary waiters can starve while urgent ones keep coming, which is what we
    want: urgent writes are rare (alerts), bookkeeping can wait.
    """

    def __init__(self) -> None:
        self._held = False
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._ordinary: deque[asyncio.Future[None]] = deque()

    @property
    def locked(self) -> bool:
        return self._held

    def waiting(self) -> tuple[int, int]:
        """(urgent, ordinary) waiters not yet served."""
        return len(self._urgent), len(self._ordinary)

    async def acquire(self, *, urgent: bool = False) -> None:
        if not self._held and not self._urgent and not self._ordinary:
            self._held = True
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._urgent if urgent else self._ordinary
        queue.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                # Handed the lock just as we were cancelled: pass it on.
                self.release()
            else:
                queue.remove(waiter)
            raise

    def release(self) -> None:
        """Hand the lock to the next waiter (urgent first), or free it."""
        if not self._held:
            raise RuntimeError("release of an unlocked PriorityLock")
        for queue in (self._urgent, self._ordinary):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)  # ownership passes on; _held stays True
                    return
        self._held = False

    @contextlib.asynccontextmanager
    async def hold(self, *, urgent: bool = False) -> AsyncIterator[None]:
        await self.acquire(urgent=urgent)
        try:
            yield
        finally:
            self.release()


class Transactor(Protocol):
    async def run(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in one transaction: committed when it returns, rolled back
        when it raises (the exception is re-raised here)."""
        ...

    async def aclose(self) -> None: ...


class AsyncTransactor:
    """``work`` through the async engine's ``run_sync`` (asyncpg, SQLite in memory)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def run(self, work: Callable[[Connection], T]) -> T:
        async with self._engine.begin() as connection:
            return await connection.run_sync(work)

    async def aclose(self) -> None:
        return None


class ThreadTransactor:
    """``work`` on one thread of its own with one SQLite connection of its own.

    The connection starts every transaction with ``BEGIN IMMEDIATE``, so it holds
    SQLite's write lock from the start (waiting up to ``busy_timeout`` for another
    writer) and reads the chain's head under it.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # One thread: writes are serialized anyway, and the connection stays on it.
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="hearth-chain")
        self._closed = False

    @classmethod
    def for_sqlite_file(cls, async_engine: AsyncEngine,
                        pragmas: Callable[[Any, Any], None]) -> ThreadTransactor:
        url = async_engine.url.set(drivername="sqlite")
        engine = create_engine(url, pool_size=1, max_overflow=0, hide_parameters=True)
        event.listen(engine, "connect", pragmas)
        event.listen(engine, "connect", _own_transactions)
        event.listen(engine, "begin", _begin_immediate)
        return cls(engine)

    def _in_transaction(self, work: Callable[[Connection], T]) -> T:
        with self._engine.begin() as connection:
            return work(connection)

    async def run(self, work: Callable[[Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        done = loop.run_in_executor(self._thread, functools.partial(self._in_transaction, work))
        try:
            return await asyncio.shield(done)
        except asyncio.CancelledError:
            # The thread carries on regardless: let it finish before the caller's
            # lock is released, so the next writer never overlaps this one.
            with contextlib.suppress(Exception):
                await done
            raise

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._thread, self._engine.dispose)
        self._thread.shutdown(wait=True)


def _own_transactions(dbapi_connection: Any, _record: Any) -> None:
    # Stop the sqlite3 module from issuing its own deferred BEGIN; _begin_immediate does.
    dbapi_connection.isolation_level = None


def _begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def transactor_for(engine: AsyncEngine, sqlite_pragmas: Callable[[Any, Any], None]) -> Transactor:
    """A thread of its own for a SQLite file; the async engine otherwise."""
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:" \
            and not database.startswith("file:"):
        return ThreadTransactor.for_sqlite_file(engine, sqlite_pragmas)
    return AsyncTransactor(engine)
