"""The deadline sweeper: alert deadlines run from the database (invariant 6).

A live room reminds its facilitators of an alert at its first deadline and escalates
it at the second (``server/rooms/alerts.py``), but only while the room is in some
process's memory. The sweeper makes the deadlines independent of that: every
``every`` seconds it asks the database for alerts nobody acknowledged or escalated
whose first deadline has passed, and sends each to the safeguarding lead through
``SafeguardingService.overdue``, whether its room ended, emptied, or went with a
restart. Only one case is left to the room: a facilitator is present in the live
room and the second deadline has not come yet (they were just re-sent the alert).

Both paths may decide to escalate the same alert at the same moment; the database
decides (``reroute_alert``: the alert row locked, ``escalated_at`` checked, one
escalation per alert by a unique index), so exactly one raises it and announces it.

One process per deployment sweeps: the holder of the ``alert-sweeper`` lease, a row
with the holder and an expiry renewed as it goes; when the holder dies the lease
expires and another process takes it. Expiries are compared with each node's own
clock, so nodes' clocks must agree to well within ``lease_ttl`` (NTP does).

With several nodes (Redis configured, ``server/cluster/``) this database lease is also
what keeps the sweep on one node; it is deliberately not a Redis lease. Every node
already shares the database, and without it there is nothing to sweep, while a lease in
Redis would stop a node that did not hold it from taking over during a Redis outage.
Two sweepers at once (clocks apart, a holder paused past its expiry) cost nothing but
work: the escalation itself is idempotent in the database (above).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from server.safeguarding.service import SafeguardingService
from server.store.records import SafeguardingRecords

log = logging.getLogger("hearth.sweeper")

LEASE = "alert-sweeper"


def utc_now() -> datetime:
    return datetime.now(UTC)


class Sweeper:
    def __init__(self, records: SafeguardingRecords, service: SafeguardingService,
                 staff_present: Callable[[str], bool], *, every: float = 1.0,
                 lease_ttl: float = 10.0, clock: Callable[[], datetime] = utc_now,
                 holder: str | None = None) -> None:
        self._records = records
        self._service = service
        self._staff_present = staff_present
        self._every = every
        self._lease_ttl = lease_ttl
        self._clock = clock
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        # Until when this process holds the lease, as far as it knows.
        self._held_until: datetime | None = None
        self._task: asyncio.Task[None] | None = None
        self._failing = False
        self._abandoned = False

    @property
    def holding(self) -> bool:
        return self._held_until is not None and self._clock() < self._held_until

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            try:
                await self.sweep_once()
                if self._failing:
                    log.info("the deadline sweeper is working again")
                self._failing = False
            except Exception as exc:
                if not self._failing:  # once per outage, not once a second
                    log.warning("the deadline sweep failed; will try again: %s",
                                type(exc).__name__)
                self._failing = True
            await asyncio.sleep(self._every)

    async def _lease(self, now: datetime) -> bool:
        """Hold the lease; renewed once half of it is used, so a write every few
        seconds rather than every sweep."""
        if self._held_until is not None and now < self._held_until - timedelta(
                seconds=self._lease_ttl / 2):
            return True
        if await self._records.take_lease(LEASE, self.holder, now, self._lease_ttl):
            self._held_until = now + timedelta(seconds=self._lease_ttl)
            return True
        self._held_until = None
        return False

    async def sweep_once(self) -> int:
        """One sweep, if this process holds the lease; returns the escalations it raised."""
        now = self._clock()
        if not await self._lease(now):
            return 0
        raised = 0
        for alert in await self._records.due_alerts(now):
            second = alert.created_at + timedelta(seconds=2 * alert.ack_within)
            if now < second and self._staff_present(alert.room_id):
                continue  # the live room has reminded its facilitators
            if await self._service.overdue(alert.id, now, escalate=True) is not None:
                raised += 1
                log.info("alert escalated by the deadline sweeper",
                         extra={"alert": alert.id, "room": alert.room_id})
        return raised

    def abandon(self) -> None:
        """Stop sweeping and, at ``aclose``, let nothing go: what a crash looks like to
        the other processes, whose sweepers wait for the lease to expire (the cluster
        tests use it, as ``ClusterPlacement.abandon``). Safe from another thread."""
        self._abandoned = True
        if self._task is not None:
            self._task.get_loop().call_soon_threadsafe(self._task.cancel)

    async def aclose(self) -> None:
        """Stop sweeping and let the lease go, so another process takes over at once."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._held_until is not None and not self._abandoned:
            with contextlib.suppress(Exception):
                await self._records.drop_lease(LEASE, self.holder, self._clock())
            self._held_until = None
