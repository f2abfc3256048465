"""Issue 12, part 2: the deadline sweeper runs on one node at a time.

Two real nodes share one PostgreSQL database and one Redis. The sweeper's lease is the
``alert-sweeper`` row of that database's ``leases`` table (server/safeguarding/sweeper.py),
so it already spans every node that shares the database: one node sweeps, the other
keeps trying to take the lease, and takes it once a dead holder's lease has expired.
An overdue alert reaches the lead exactly once, from whichever node sweeps."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from server.safeguarding.sweeper import Sweeper
from server.store.db import SqlStore
from server.store.records import AlertRecord
from tests.cluster.conftest import LEASE_TTL, Cluster, Node
from tests.safeguarding.faults import escalations_of, wait_for_escalation


def _sweeper(node: Node) -> Sweeper:
    found = node.server.app.state.sweeper
    assert isinstance(found, Sweeper)
    return found


@pytest.fixture
async def store(cluster: Cluster, own_postgres_url: str) -> AsyncIterator[SqlStore]:
    """The test's own connection to the nodes' database, signing with their audit key."""
    value = SqlStore(own_postgres_url,
                     audit_key=cluster.a.server.settings.load_or_create_audit_key()[0])
    try:
        yield value
    finally:
        await value.aclose()


async def _overdue_alert(store: SqlStore, room_id: str, n: int) -> str:
    """An alert nobody acknowledged whose first deadline passed long ago."""
    alert = AlertRecord(
        id=f"a_cluster_{n}", room_id=room_id, kind="help", severity="concern",
        categories=(), participant_id="p_1", participant_name="Gentle Otter", ack_within=1,
        created_at=datetime.now(UTC) - timedelta(seconds=30), excerpt="help")
    await store.safeguarding.raise_alert(alert, escalate=False)
    return alert.id


async def _one_holder(cluster: Cluster, timeout: float = 5.0) -> tuple[Node, Node]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        holding = [node for node in (cluster.a, cluster.b) if _sweeper(node).holding]
        assert len(holding) < 2, "both nodes hold the sweeper's lease"
        if holding:
            holder = holding[0]
            return holder, cluster.b if holder is cluster.a else cluster.a
        await asyncio.sleep(0.05)
    raise AssertionError("no node took the sweeper's lease")


async def _audit_rows(store: SqlStore, alert_id: str) -> int:
    """The sweeper's audit entries for the alert: its ``alert.overdue`` (escalating) and
    the ``escalation.raised`` that names it."""
    async with store.engine.connect() as connection:
        found = await connection.execute(text(
            "SELECT count(*) FROM audit WHERE (action = 'alert.overdue' AND target = :a)"
            " OR (action = 'escalation.raised' AND detail LIKE :named)"),
            {"a": alert_id, "named": f'%"alert":"{alert_id}"%'})
        return int(found.scalar_one())


async def test_one_node_sweeps_and_another_takes_over_when_it_dies(
        cluster: Cluster, store: SqlStore) -> None:
    room = await store.add_room("Mums", "mothers")
    holder, other = await _one_holder(cluster)
    # A few sweeps' worth of time: the other node keeps asking and never gets the lease.
    for _ in range(10):
        await asyncio.sleep(0.1)
        assert _sweeper(holder).holding and not _sweeper(other).holding

    first = await _overdue_alert(store, room.id, 1)
    await wait_for_escalation(store, first, timeout=5)
    await asyncio.sleep(1.0)  # more sweeps on both nodes: none escalates it again
    assert len(await escalations_of(store, first)) == 1
    assert await _audit_rows(store, first) == 2

    # The holder dies without letting go: the other node takes the lease once it expires
    # (LEASE_TTL, measured on the nodes' clocks) and sweeps what became due meanwhile.
    _sweeper(holder).abandon()
    holder.placement.abandon()
    holder.server.stop()
    died = time.monotonic()
    second = await _overdue_alert(store, room.id, 2)
    await wait_for_escalation(store, second, timeout=LEASE_TTL + 5)
    assert time.monotonic() - died <= LEASE_TTL + 3
    assert _sweeper(other).holding
    await asyncio.sleep(1.0)
    for alert_id in (first, second):
        assert len(await escalations_of(store, alert_id)) == 1
        assert await _audit_rows(store, alert_id) == 2
    assert await store.safeguarding.due_alerts(datetime.now(UTC)) == []
    assert (await store.safeguarding.verify_audit()).ok
