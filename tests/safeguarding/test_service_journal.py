"""``SafeguardingService`` with its journal, on a real SQLite database: a record the
database does not take in time is journalled and the caller goes on; it is stored
and announced once; a replay of a record stored already changes nothing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest

from server.safeguarding.journal import Journal, JournalFile
from server.safeguarding.notify import Notifier
from server.safeguarding.service import (
    ESCALATIONS_CHANNEL,
    AckRecord,
    EscalateRecord,
    OverdueRecord,
    RaiseRecord,
    SafeguardingService,
)
from server.store.bus import Bus, Subscription, open_bus
from server.store.db import SqlStore
from server.store.records import AlertRecord
from tests.harness import TEST_AUDIT_KEY
from tests.safeguarding.faults import SqliteWriteLock, escalations_of

NOW = datetime.now(UTC).replace(microsecond=0)


@dataclass
class Setup:
    store: SqlStore
    bus: Bus
    announced: Subscription
    room_id: str
    path: Path


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    store = SqlStore(f"sqlite:///{tmp_path / 'hearth.db'}", audit_key=TEST_AUDIT_KEY)
    await store.migrate()
    bus = open_bus(None)
    announced = await bus.subscribe(ESCALATIONS_CHANNEL)
    room = await store.add_room("Mums", "mothers")
    yield Setup(store, bus, announced, room.id, tmp_path / "hearth.db")
    await announced.aclose()
    await bus.aclose()
    await store.aclose()


def _service(setup: Setup, journal: Journal, **options: float) -> SafeguardingService:
    service = SafeguardingService(setup.store, setup.bus, Notifier(), "http://hearth.test",
                                  journal, **options)
    service.start()
    return service


def _alert(room_id: str, n: int = 1) -> AlertRecord:
    return AlertRecord(
        id=f"a_{n}", room_id=room_id, kind="risk", severity="urgent", categories=("suicide",),
        participant_id="p_1", participant_name="Gentle Otter", ack_within=60,
        created_at=NOW, message_id="m_1", excerpt="I can't go on")


async def _announcements(setup: Setup, wait: float = 0.5) -> list[dict[str, object]]:
    got = []
    with contextlib.suppress(TimeoutError):
        while True:
            _, payload = await asyncio.wait_for(setup.announced.get(), wait)
            got.append(msgspec.json.decode(payload))
    return got


async def _until_caught_up(service: SafeguardingService, timeout: float = 10) -> None:
    for _ in range(int(timeout / 0.05)):
        if not service.journal_depth:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the journal did not empty")


async def test_a_record_the_database_keeps_waiting_is_journalled_and_stored_once(
        setup: Setup, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    service = _service(setup, Journal(JournalFile.in_folder(tmp_path)),
                       write_wait=0.2, stale_after=0.5)
    try:
        with caplog.at_level(logging.DEBUG), SqliteWriteLock(setup.path):
            started = asyncio.get_running_loop().time()
            assert await service.raise_alert(_alert(setup.room_id), escalate=True) is None
            assert asyncio.get_running_loop().time() - started < 1  # not the busy timeout
            assert service.journal_depth == 1 and service.caught_up()
            await asyncio.sleep(0.7)
            assert not service.caught_up()  # /readyz would say 503 now
        await _until_caught_up(service)
        assert service.caught_up()
        [escalation] = await escalations_of(setup.store, "a_1")
        assert [e["id"] for e in await _announcements(setup)] == [escalation.id]
        assert (await setup.store.safeguarding.verify_audit()).ok
        # Invariant 9: the failed writes were logged, and no log line (nor the database
        # errors' tracebacks) carries the excerpt, which is a statement parameter.
        assert "journalled" in caplog.text
        assert "I can't go on" not in caplog.text
    finally:
        await service.aclose()


async def test_a_full_disk_too_keeps_the_record_in_memory_until_stored(
        setup: Setup, caplog: pytest.LogCaptureFixture) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    service = _service(setup, Journal(JournalFile(Path("/dev/full")), retry_max=0.2),
                       write_wait=0.2)
    try:
        with caplog.at_level(logging.CRITICAL, "hearth.journal"), SqliteWriteLock(setup.path):
            assert await service.raise_alert(_alert(setup.room_id), escalate=True) is None
            assert service.journal_depth == 1
        assert "kept in memory" in caplog.text
        await _until_caught_up(service)
        [escalation] = await escalations_of(setup.store, "a_1")
        assert [e["id"] for e in await _announcements(setup)] == [escalation.id]
    finally:
        await service.aclose()


async def test_replaying_records_stored_already_changes_nothing(setup: Setup,
                                                                tmp_path: Path) -> None:
    """The window a SIGKILL can hit: committed, not yet marked done in the journal."""
    records = setup.store.safeguarding
    alert = _alert(setup.room_id)
    escalation = await records.raise_alert(alert, escalate=False)
    assert escalation is None
    later = NOW + timedelta(seconds=61)
    await records.reroute_alert("a_1", later, escalate=False)
    await records.escalate("a_1", "Fran", "she sounded low", later)
    await records.reroute_alert("a_1", later, escalate=True)  # escalated already: nothing
    await records.ack_alert("a_1", "Fran", later)
    verdict = await records.verify_audit()

    left = Journal(JournalFile.in_folder(tmp_path))
    for record in (RaiseRecord(alert, escalate=False), OverdueRecord("a_1", later, False),
                   EscalateRecord("a_1", "Fran", "she sounded low", later),
                   OverdueRecord("a_1", later, True), AckRecord("a_1", "Fran", later)):
        left.add("a_1", msgspec.json.encode(record))
    await left.aclose()  # as if the process had died here

    service = _service(setup, Journal(JournalFile.in_folder(tmp_path)))
    try:
        await _until_caught_up(service)
        assert await _announcements(setup) == []
        [stored] = await escalations_of(setup.store, "a_1")
        assert [n.text for n in (await records.escalation(stored.id) or stored).notes] == [
            "she sounded low"]
        again = await records.verify_audit()
        assert again.ok and again.checked == verdict.checked  # not one entry more
    finally:
        await service.aclose()
