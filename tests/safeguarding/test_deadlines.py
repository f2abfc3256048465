"""Issue 9, item 2: alert deadlines run from the database, not from a room in memory.

An unacknowledged alert reaches the safeguarding lead at its first deadline once no
facilitator can see it: the room ended, everyone left (and the room was swept from
memory), or the server restarted and nobody came back. Before the sweeper such an
alert was never re-sent or escalated. Two sweepers on one database never both
escalate one alert, and the lease lets one sweep at a time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from server.safeguarding.notify import BATCH_DELAY, Notifier
from server.safeguarding.service import SafeguardingService
from server.safeguarding.sweeper import Sweeper
from server.store.bus import open_bus
from server.store.db import SqlStore
from server.store.records import AlertRecord
from tests import harness
from tests.harness import TEST_AUDIT_KEY, ServerThread, SuiteHarness, audit_key_of, suite_harness
from tests.postgres import own_database
from tests.safeguarding.faults import (
    escalations_of,
    notices_for,
    wait_for_escalation,
    wait_for_notice,
)
from tests.safeguarding.test_durable import Process, admitted_group
from tests.safeguarding.test_journal_restart import prepare
from tests.safeguarding.test_notify import Receiver

DEADLINE = 2  # seconds: Settings.ack_within_concern for these tests


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(scope="module")
def deadline_server(tmp_path_factory: pytest.TempPathFactory,
                    receiver: Receiver) -> Iterator[ServerThread]:
    """Short deadlines, and an empty room leaves memory after 0.3 s (not 15 minutes),
    well before its alert's first deadline."""
    running = ServerThread(harness.test_settings(
        tmp_path_factory.mktemp("deadlines"), ack_within_concern=DEADLINE,
        empty_room_grace=0.3, webhook_url=receiver.url)).start()
    yield running
    running.stop()


@pytest.fixture
async def hs(deadline_server: ServerThread) -> AsyncIterator[SuiteHarness]:
    async with suite_harness(deadline_server) as value:
        yield value


async def _help_request(hs: SuiteHarness) -> tuple[Any, str]:
    group = await hs.group("Ann")
    await group.people[0].send("help.request", text="I just need to talk to someone")
    alert = await group.fac.expect("alert")
    assert alert["severity"] == "concern" and alert["ack_within"] == DEADLINE
    return group, str(alert["id"])


async def test_an_alert_of_an_ended_room_reaches_the_lead(hs: SuiteHarness,
                                                          receiver: Receiver) -> None:
    group, alert_id = await _help_request(hs)
    await group.fac.send("room.end")
    await group.fac.expect("room.ended")
    [escalation] = await wait_for_escalation(hs.store, alert_id, timeout=3 * DEADLINE)
    assert escalation.raised_by == "system" and escalation.room_id == group.room_id
    await wait_for_notice(receiver.requests, escalation.id)
    await asyncio.sleep(BATCH_DELAY + 1)
    assert len(await escalations_of(hs.store, alert_id)) == 1
    assert notices_for(receiver.requests, escalation.id) == 1
    assert (await hs.store.safeguarding.verify_audit()).ok


async def test_an_alert_of_a_room_everyone_left_reaches_the_lead(hs: SuiteHarness) -> None:
    group, alert_id = await _help_request(hs)
    for client in (*group.people, group.fac):
        await client.close()
    [escalation] = await wait_for_escalation(hs.store, alert_id, timeout=3 * DEADLINE)
    assert escalation.raised_by == "system"
    await asyncio.sleep(1.5)  # a few more sweeps
    assert len(await escalations_of(hs.store, alert_id)) == 1


async def test_an_alert_reaches_the_lead_after_a_restart_nobody_returns_from(
        tmp_path: Path) -> None:
    room_id, invite = await prepare(tmp_path, ("fran", "facilitator"))
    hearth = Process(tmp_path)
    hearth.env["HEARTH_REQUIRE_2FA"] = "none"  # two-step login has tests of its own
    hearth.env["HEARTH_ACK_WITHIN_CONCERN"] = str(DEADLINE)
    store = SqlStore(f"sqlite:///{tmp_path / 'hearth.db'}", audit_key=audit_key_of(tmp_path))
    try:
        hearth.start()
        origin = hearth.origin
        async with httpx.AsyncClient(base_url=origin, headers={"Origin": origin}) as http:
            fac, ann = await admitted_group(http, origin, room_id, invite)
            await ann.send("help.request", text="is anyone there")
            alert = await fac.expect("alert")
            hearth.kill()  # before its deadline; the room is gone with the process
            for client in (fac, ann):
                await client.ws.close()
        assert await escalations_of(store, alert["id"]) == []
        hearth.start()
        [escalation] = await wait_for_escalation(store, alert["id"], timeout=3 * DEADLINE)
        assert escalation.raised_by == "system"
        await asyncio.sleep(1.5)  # a few more sweeps
        assert len(await escalations_of(store, alert["id"])) == 1
    finally:
        hearth.stop()
        await store.aclose()


# -- two sweepers, one database ---------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from own_database(request.param, tmp_path / "hearth.db")


NOW = datetime.now(UTC).replace(microsecond=0)


def _alert(room_id: str, n: int, ack_within: int = 1) -> AlertRecord:
    return AlertRecord(
        id=f"a_sweep_{n}", room_id=room_id, kind="help", severity="concern",
        categories=(), participant_id="p_1", participant_name="Gentle Otter",
        ack_within=ack_within, created_at=NOW - timedelta(seconds=30), excerpt="help")


def _clock(at: datetime) -> Callable[[], datetime]:
    return lambda: at


async def test_two_sweepers_never_both_escalate_an_alert(database_url: str) -> None:
    stores = [SqlStore(database_url, audit_key=TEST_AUDIT_KEY) for _ in range(2)]
    await stores[0].migrate()
    bus = open_bus(None)
    services = [SafeguardingService(store, bus, Notifier(), "http://hearth.test")
                for store in stores]
    try:
        room = await stores[0].add_room("Mums", "mothers")
        for n in range(12):
            await stores[0].safeguarding.raise_alert(_alert(room.id, n), escalate=False)
        sweepers = [Sweeper(store.safeguarding, service, lambda _: False, holder=f"node-{i}",
                            clock=_clock(NOW))
                    for i, (store, service) in enumerate(zip(stores, services, strict=True))]

        async def sweeps(sweeper: Sweeper) -> int:  # each node sweeps over and over
            return sum([await sweeper.sweep_once() for _ in range(3)])

        raised = await asyncio.gather(*(sweeps(s) for s in sweepers))
        assert sorted(raised) == [0, 12]
        assert sorted(s.holding for s in sweepers) == [False, True]  # one lease, one sweeper
        # Without the lease (a holder that paused past its expiry and woke up), the
        # database still lets one escalation through per alert.
        for n in range(12, 18):
            await stores[0].safeguarding.raise_alert(_alert(room.id, n), escalate=False)
        results = await asyncio.gather(*(
            service.overdue(f"a_sweep_{n}", NOW, escalate=True)
            for n in range(12, 18) for service in (*services, *services)))
        assert sum(r is not None for r in results) == 6
        for n in range(18):
            assert len(await escalations_of(stores[1], f"a_sweep_{n}")) == 1
        assert await stores[1].safeguarding.due_alerts(NOW) == []
        assert (await stores[1].safeguarding.verify_audit()).ok
    finally:
        for store in stores:
            await store.aclose()
        await bus.aclose()


async def test_the_lease_passes_on_when_it_expires_or_is_let_go(database_url: str) -> None:
    store = SqlStore(database_url, audit_key=TEST_AUDIT_KEY)
    await store.migrate()
    bus = open_bus(None)
    service = SafeguardingService(store, bus, Notifier(), "http://hearth.test")
    try:
        def sweeper(holder: str, at: datetime) -> Sweeper:
            return Sweeper(store.safeguarding, service, lambda _: False, holder=holder,
                           lease_ttl=10, clock=_clock(at))

        first, second = sweeper("node-a", NOW), sweeper("node-b", NOW + timedelta(seconds=5))
        await first.sweep_once()
        await second.sweep_once()
        assert first.holding and not second.holding
        # node-a dies without a word: node-b takes over once the lease has run out.
        later = sweeper("node-b", NOW + timedelta(seconds=11))
        await later.sweep_once()
        assert later.holding
        # A holder that stops lets go, so the next one need not wait.
        await later.aclose()
        successor = sweeper("node-c", NOW + timedelta(seconds=12))
        await successor.sweep_once()
        assert successor.holding
    finally:
        await store.aclose()
        await bus.aclose()


async def test_a_live_room_with_a_facilitator_keeps_its_alert_until_the_second_deadline(
        tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'hearth.db'}", audit_key=TEST_AUDIT_KEY)
    await store.migrate()
    bus = open_bus(None)
    service = SafeguardingService(store, bus, Notifier(), "http://hearth.test")
    try:
        room = await store.add_room("Mums", "mothers")
        alert = replace(_alert(room.id, 1, ack_within=20), created_at=NOW)
        await store.safeguarding.raise_alert(alert, escalate=False)

        def at(seconds: int, present: bool) -> Sweeper:
            return Sweeper(store.safeguarding, service, lambda _: present, holder="node",
                           clock=_clock(NOW + timedelta(seconds=seconds)))

        assert await at(10, present=False).sweep_once() == 0  # not due yet
        assert await at(25, present=True).sweep_once() == 0  # the room reminds its staff
        assert await at(40, present=True).sweep_once() == 1  # the second deadline
    finally:
        await store.aclose()
        await bus.aclose()


# -- the migration --------------------------------------------------------------------------


async def test_0005_gives_existing_alerts_their_deadlines(database_url: str) -> None:
    store = SqlStore(database_url, audit_key=TEST_AUDIT_KEY)
    try:
        await store.migrate(to="0004")
        async with store.engine.begin() as connection:
            created = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
            await connection.execute(text(
                "INSERT INTO rooms (id, name, audience, lobby, focus, locked, created_at) "
                "VALUES ('r_1', 'Mums', 'mothers', true, true, false, :at)"), {"at": created})
            for alert_id in ("a_left", "a_escalated"):
                await connection.execute(text(
                    "INSERT INTO alerts (id, room_id, kind, severity, categories, rules, "
                    "participant_id, participant_name, ack_within, created_at) VALUES "
                    "(:id, 'r_1', 'help', 'concern', '[]', '[]', 'p_1', 'Otter', 300, :at)"),
                    {"id": alert_id, "at": created})
            await connection.execute(text(
                "INSERT INTO escalations (id, alert_id, room_id, severity, categories, "
                "participant_name, state, raised_by, created_at, updated_at) VALUES "
                "('e_1', 'a_escalated', 'r_1', 'concern', '[]', 'Otter', 'raised', 'Fran', "
                ":at, :at)"), {"at": created + timedelta(minutes=1)})

        await store.migrate()  # 0004 -> head, as a start does

        due = await store.safeguarding.due_alerts(created + timedelta(seconds=300))
        assert [a.id for a in due] == ["a_left"]  # the escalated one is settled
        assert await store.safeguarding.due_alerts(created + timedelta(seconds=299)) == []
        async with store.engine.connect() as connection:
            row = (await connection.execute(text(
                "SELECT escalated_at FROM alerts WHERE id = 'a_escalated'"))).one()
        assert row.escalated_at is not None
    finally:
        await store.aclose()
