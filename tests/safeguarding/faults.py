"""Helpers for the database-fault tests: a SQLite write lock held from outside, the
lead's live stream as a lead's browser reads it, and waiting for a stored escalation."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from server.store.db import SqlStore
from server.store.records import Escalation


class SqliteWriteLock:
    """``BEGIN EXCLUSIVE`` on the database from another connection, held by a thread
    until the ``with`` block ends: every writer waits out its busy timeout and fails,
    as on a disk that will not take writes (root ignores file permissions)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._locked = threading.Event()
        self._release = threading.Event()
        self._thread = threading.Thread(target=self._hold, daemon=True)
        self._error: BaseException | None = None

    def _hold(self) -> None:
        try:
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            try:
                connection.execute("BEGIN EXCLUSIVE")
                self._locked.set()
                self._release.wait(120)
                connection.execute("ROLLBACK")
            finally:
                connection.close()
        except BaseException as exc:  # reported by __enter__
            self._error = exc
            self._locked.set()

    def __enter__(self) -> SqliteWriteLock:
        self._thread.start()
        self._locked.wait(30)
        if self._error is not None:
            raise self._error
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._release.set()
        self._thread.join(10)


class LeadStream:
    """A safeguarding lead's live view (``/api/escalations/stream``), read in the
    background; ``raised(room_id)`` counts the escalations announced for a room."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.events: list[dict[str, Any]] = []
        self._ready = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        async with self.client.stream("GET", "/api/escalations/stream", timeout=None) as reply:
            async for line in reply.aiter_lines():
                if line.startswith("data: "):
                    data = json.loads(line[6:])
                    if "open" in data:
                        self._ready.set()  # the snapshot: subscribed from here on
                    else:
                        self.events.append(data)

    async def ready(self) -> LeadStream:
        await asyncio.wait_for(self._ready.wait(), 10)
        return self

    def raised(self, room_id: str) -> int:
        return sum(1 for e in self.events
                   if e.get("event") == "raised" and e.get("room_id") == room_id)

    async def aclose(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
            await self._task
        await self.client.aclose()


def notices_for(requests: list[tuple[dict[str, str], bytes]], escalation_id: str) -> int:
    """How many webhook notices were about the escalation (notices may be batched)."""
    count = 0
    for _, body in requests:
        data = json.loads(body)
        for notice in data.get("escalations", [data]):
            count += notice.get("escalation") == escalation_id
    return count


async def wait_for_notice(requests: list[tuple[dict[str, str], bytes]], escalation_id: str,
                          timeout: float = 8.0) -> None:
    """Until a webhook named the escalation (the notifier batches for a couple of seconds)."""
    deadline = time.monotonic() + timeout
    while not notices_for(requests, escalation_id):
        if time.monotonic() > deadline:
            raise AssertionError(f"no webhook named {escalation_id} within {timeout}s")
        await asyncio.sleep(0.1)


async def escalations_of(store: SqlStore, alert_id: str) -> list[Escalation]:
    return [e for e in await store.safeguarding.escalations(open_only=False)
            if e.alert_id == alert_id]


async def wait_for_escalation(store: SqlStore, alert_id: str,
                              timeout: float) -> list[Escalation]:
    """The alert's escalations once there is one (the store may be down meanwhile)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            found = await escalations_of(store, alert_id)
            if found:
                return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"no escalation for {alert_id} within {timeout}s")
