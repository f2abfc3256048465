"""Alerts, escalations and the audit chain, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy import Connection, select
from sqlalchemy.exc import OperationalError

from server.safeguarding.escalation import EscalationError
from server.store import failures
from server.store import records as records_module
from server.store.db import SqlStore
from server.store.models import AuditRow
from server.store.records import AUDIT_BATCH, AlertRecord
from server.store.writer import Transactor
from tests.harness import TEST_AUDIT_KEY

T = TypeVar("T")

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def alert(room_id: str, n: int = 1, severity: str = "urgent", **extra: object) -> AlertRecord:
    fields: dict[str, object] = {
        "id": f"a_{n}", "room_id": room_id, "kind": "risk", "severity": severity,
        "categories": ("suicide",), "participant_id": "p_1", "participant_name": "Gentle Otter",
        "ack_within": 60, "created_at": NOW, "message_id": "m_1",
        "excerpt": "I can't go on", "rules": ("suicide.intent",),
    }
    fields.update(extra)
    return AlertRecord(**fields)  # type: ignore[arg-type]


async def test_urgent_alert_is_stored_with_its_escalation_and_audit(store: SqlStore) -> None:
    room = await store.add_room("Mums", "mothers")
    records = store.safeguarding
    escalation = await records.raise_alert(alert(room.id), escalate=True)
    assert escalation is not None and escalation.state == "raised"
    assert escalation.excerpt == "I can't go on" and escalation.raised_by == "system"
    assert [a.id for a in await records.open_alerts(room.id)] == ["a_1"]
    assert [e.id for e in await records.escalations()] == [escalation.id]
    verdict = await records.verify_audit()
    assert verdict.ok and verdict.checked == 2


async def test_concern_alert_is_not_escalated_until_overdue(store: SqlStore) -> None:
    room = await store.add_room("Mums", "mothers")
    records = store.safeguarding
    assert await records.raise_alert(alert(room.id, severity="concern"), escalate=False) is None
    assert await records.escalations() == []
    (fresh,) = await records.open_alerts(room.id)
    assert (fresh.reminded_at, fresh.escalated_at) == (None, None)
    assert await records.reroute_alert("a_1", NOW + timedelta(minutes=5), escalate=False) is None
    # What a room taken up again reads, so that it does not remind a second time.
    (reminded,) = await records.open_alerts(room.id)
    assert (reminded.reminded_at, reminded.escalated_at) == (NOW + timedelta(minutes=5), None)
    late = await records.reroute_alert("a_1", NOW + timedelta(minutes=6), escalate=True)
    assert late is not None and late.alert_id == "a_1"
    (escalated,) = await records.open_alerts(room.id)
    assert escalated.escalated_at == NOW + timedelta(minutes=6)
    # Only once.
    assert await records.reroute_alert("a_1", NOW + timedelta(minutes=7), escalate=True) is None


async def test_ack_is_once_and_stops_rerouting(store: SqlStore) -> None:
    room = await store.add_room("Mums", "mothers")
    records = store.safeguarding
    await records.raise_alert(alert(room.id, severity="concern"), escalate=False)
    assert await records.ack_alert("a_1", "Fran", NOW) is True
    assert await records.ack_alert("a_1", "Fran", NOW) is False
    assert await records.ack_alert("a_missing", "Fran", NOW) is False
    assert await records.open_alerts(room.id) == []
    assert await records.reroute_alert("a_1", NOW, escalate=True) is None


async def test_escalation_lifecycle_with_notes_and_outcome(store: SqlStore) -> None:
    room = await store.add_room("Dads", "fathers_partners")
    records = store.safeguarding
    await records.raise_alert(alert(room.id, severity="concern"), escalate=False)
    raised, created = await records.escalate("a_1", "Fran", "He mentioned a plan", NOW)
    assert created and raised.state == "raised" and raised.raised_by == "Fran"
    again, created = await records.escalate("a_1", "Sam", "Second note", NOW)
    assert not created and again.id == raised.id and [n.text for n in again.notes] == [
        "He mentioned a plan", "Second note"]
    acked = await records.change_escalation(raised.id, "Lead", state="acknowledged",
                                            outcome=None, note="On it", at=NOW)
    assert acked.state == "acknowledged"
    with pytest.raises(EscalationError, match="back"):
        await records.change_escalation(raised.id, "Lead", state="raised", outcome=None,
                                        note="", at=NOW)
    with pytest.raises(EscalationError, match="outcome"):
        await records.change_escalation(raised.id, "Lead", state="closed", outcome=None,
                                        note="", at=NOW)
    with pytest.raises(EscalationError, match="outcome must be"):
        await records.change_escalation(raised.id, "Lead", state=None, outcome="shrug",
                                        note="", at=NOW)
    acted = await records.change_escalation(raised.id, "Lead", state="action_taken",
                                            outcome="crisis_team", note="Crisis team called",
                                            at=NOW)
    closed = await records.change_escalation(raised.id, "Lead", state="closed", outcome=None,
                                             note="", at=NOW + timedelta(hours=1))
    assert acted.outcome == "crisis_team" and closed.state == "closed"
    assert closed.closed_at == NOW + timedelta(hours=1)
    assert await records.escalations() == []
    assert [e.id for e in await records.escalations(open_only=False)] == [raised.id]
    with pytest.raises(EscalationError, match="closed"):
        await records.change_escalation(raised.id, "Lead", state=None, outcome=None,
                                        note="late note", at=NOW)
    with pytest.raises(LookupError):
        await records.change_escalation("e_missing", "Lead", state=None, outcome=None,
                                        note="", at=NOW)
    with pytest.raises(LookupError):
        await records.escalate("a_missing", "Fran", "", NOW)
    assert (await records.verify_audit()).ok


async def test_excerpts_are_purged_on_schedule(store: SqlStore) -> None:
    room = await store.add_room("Mums", "mothers")
    records = store.safeguarding
    await records.raise_alert(alert(room.id, 1), escalate=True)
    await records.raise_alert(alert(room.id, 2, severity="concern"), escalate=False)
    await records.ack_alert("a_2", "Fran", NOW)
    [open_one] = await records.escalations()
    # Nothing is due yet: the escalation is open, and the cut-off is before everything.
    assert await records.purge_excerpts(NOW - timedelta(days=1)) == 0
    later = NOW + timedelta(days=100)
    # The open escalation's alert keeps its excerpt; the acknowledged concern loses it.
    assert await records.purge_excerpts(later) == 1
    assert (await records.alert("a_1")).excerpt is not None  # type: ignore[union-attr]
    assert (await records.alert("a_2")).excerpt is None  # type: ignore[union-attr]
    await records.change_escalation(open_one.id, "Lead", state="closed",
                                    outcome="signposted", note="", at=NOW)
    await records.ack_alert("a_1", "Fran", NOW)
    assert await records.purge_excerpts(later) == 2
    gone = await records.escalation(open_one.id)
    assert gone is not None and gone.excerpt is None
    assert (await records.verify_audit()).ok


async def _fill(store: SqlStore, entries: int) -> None:
    for n in range(entries):
        await store.safeguarding.audit("Fran", "participant.mute", room_id="r_x",
                                       target=f"p_{n}", detail={"lock": n % 2 == 0})


async def test_audit_chain_verifies_when_untouched(store: SqlStore) -> None:
    await _fill(store, 6)
    verdict = await store.safeguarding.verify_audit()
    assert verdict.ok and verdict.checked == 6 and verdict.first_bad is None


@pytest.mark.parametrize("statement, first_bad", [
    ("UPDATE audit SET actor = 'Mallory' WHERE seq = 3", 3),
    ("UPDATE audit SET detail = '{\"lock\":false}' WHERE seq = 1", 1),
    ("DELETE FROM audit WHERE seq = 4", 4),
    ("DELETE FROM audit WHERE seq = 6", 6),
    ("UPDATE audit SET hash = prev_hash WHERE seq = 5", 5),
])
async def test_audit_chain_names_the_first_bad_entry(store: SqlStore, statement: str,
                                                     first_bad: int) -> None:
    await _fill(store, 6)
    async with store.engine.begin() as connection:
        await connection.exec_driver_sql(statement)
    verdict = await store.safeguarding.verify_audit()
    assert not verdict.ok
    assert verdict.first_bad == first_bad, verdict.reason


# -- the batch writer and alerts first (docs/performance.md, "Alerts") ------------------


async def _chain_rows(store: SqlStore) -> list[tuple[int, str, str | None]]:
    """(seq, action, target) of every audit entry, in chain order."""
    async with store.engine.connect() as connection:
        rows = await connection.execute(
            select(AuditRow.seq, AuditRow.action, AuditRow.target).order_by(AuditRow.seq))
        return [(r.seq, r.action, r.target) for r in rows]


def _admissions(store: SqlStore, room_id: str, count: int) -> list[asyncio.Future[None]]:
    return [store.safeguarding.audit("Fran", "participant.admit", room_id=room_id,
                                     target=f"p_{n}", detail={"n": n}, at=NOW)
            for n in range(count)]


async def test_a_burst_of_audit_entries_is_batched_and_chained_in_call_order(
        store: SqlStore) -> None:
    room = await store.add_room("Mums", "mothers")
    await asyncio.gather(*_admissions(store, room.id, 1000))
    verdict = await store.safeguarding.verify_audit()
    assert verdict.ok and verdict.checked == 1000, verdict.reason
    rows = await _chain_rows(store)
    assert [target for _, _, target in rows] == [f"p_{n}" for n in range(1000)]
    # One transaction per batch, not per entry: at least 16 entries in each.
    assert store.safeguarding.audit_transactions == -(-1000 // AUDIT_BATCH) <= 1000 // 16


async def test_an_alert_goes_ahead_of_a_backlog_of_audit_entries(store: SqlStore) -> None:
    room = await store.add_room("Mums", "mothers")
    records = store.safeguarding
    backlog = _admissions(store, room.id, 1000)
    await backlog[0]  # the first batch is committed and the writer is on the next one
    escalation = await records.raise_alert(alert(room.id), escalate=True)
    assert escalation is not None
    # Committed while most of the backlog was still queued: it waited for the
    # batch being written, not for all of them.
    assert sum(f.done() for f in backlog) <= 2 * AUDIT_BATCH
    await asyncio.gather(*backlog)
    rows = await _chain_rows(store)
    actions = [action for _, action, _ in rows]
    raised = actions.index("alert.raised")
    assert raised <= 2 * AUDIT_BATCH
    # The alert's two entries are one transaction: adjacent, in order.
    assert rows[raised + 1][1:] == ("escalation.raised", escalation.id)
    # The backlog still chains in call order around them, none lost.
    admitted = [target for _, action, target in rows if action == "participant.admit"]
    assert admitted == [f"p_{n}" for n in range(1000)]
    verdict = await records.verify_audit()
    assert verdict.ok and verdict.checked == 1002, verdict.reason


class _Gate:
    """A transactor that holds its first transaction until the test opens the gate, so
    the test knows exactly who is queued behind it."""

    def __init__(self, real: Transactor) -> None:
        self.real = real
        self.open = asyncio.Event()
        self.holding = asyncio.Event()

    async def run(self, work: Callable[[Connection], T]) -> T:
        if not self.open.is_set():
            self.holding.set()
            await self.open.wait()
        return await self.real.run(work)

    async def aclose(self) -> None:
        await self.real.aclose()


async def test_an_alert_is_written_before_acks_and_audit_batches_queued_earlier(
        store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    room = await store.add_room("Mums", "mothers")
    records = store.safeguarding
    for n in range(5):
        await records.raise_alert(alert(room.id, 100 + n, severity="concern"), escalate=False)
    gate = _Gate(records._transactor)
    monkeypatch.setattr(records, "_transactor", gate)
    backlog = _admissions(store, room.id, 3 * AUDIT_BATCH)
    await gate.holding.wait()  # the writer holds the lock, its first batch in hand
    acks = [asyncio.create_task(records.ack_alert(f"a_{100 + n}", "Fran", NOW))
            for n in range(5)]
    await asyncio.sleep(0)  # the acks are queued for the lock
    urgent = asyncio.create_task(records.raise_alert(alert(room.id), escalate=True))
    await asyncio.sleep(0)
    gate.open.set()
    assert all(await asyncio.gather(*acks))
    escalation = await urgent
    await asyncio.gather(*backlog)
    actions = [action for _, action, _ in (await _chain_rows(store))[5:]]  # after the setup
    assert actions == (["participant.admit"] * AUDIT_BATCH  # the batch being written
                       + ["alert.raised", "escalation.raised"]  # ahead of everyone queued
                       + ["alert.ack"] * 5  # then the rest, first come first served
                       + ["participant.admit"] * (2 * AUDIT_BATCH))
    assert escalation is not None
    assert (await records.verify_audit()).ok


async def test_queued_audit_entries_are_committed_on_close(store: SqlStore) -> None:
    room = await store.add_room("Mums", "mothers")
    queued = _admissions(store, room.id, 300)  # nobody awaits them before closing
    await store.aclose()
    assert all(f.done() and f.exception() is None for f in queued)
    with pytest.raises(RuntimeError, match="closed"):
        store.safeguarding.audit("Fran", "participant.admit", room_id=room.id)
    reopened = SqlStore(store.url, audit_key=TEST_AUDIT_KEY)
    try:
        verdict = await reopened.safeguarding.verify_audit()
        assert verdict.ok and verdict.checked == 300, verdict.reason
        rows = await _chain_rows(reopened)
        assert [target for _, _, target in rows] == [f"p_{n}" for n in range(300)]
    finally:
        await reopened.aclose()


class _FailsOnce:
    """A transactor whose first transaction fails (a passing fault, or one bad entry)."""

    def __init__(self, real: Transactor) -> None:
        self.real = real
        self.failed = False

    async def run(self, work: Callable[[Connection], T]) -> T:
        if not self.failed:
            self.failed = True
            raise RuntimeError("disk hiccup")
        return await self.real.run(work)

    async def aclose(self) -> None:
        await self.real.aclose()


async def test_a_failed_batch_is_retried_entry_by_entry_in_order(
        store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    room = await store.add_room("Mums", "mothers")
    records = store.safeguarding
    monkeypatch.setattr(records, "_transactor", _FailsOnce(records._transactor))
    await asyncio.gather(*_admissions(store, room.id, 10))
    rows = await _chain_rows(store)
    assert [target for _, _, target in rows] == [f"p_{n}" for n in range(10)]
    assert (await records.verify_audit()).ok


class _Busy:
    """A transactor whose audit batches fail as SQLite's do when another process holds the
    write lock past the busy timeout, while ``busy`` is set; alerts still get through (as
    when the lock comes free between two tries)."""

    def __init__(self, real: Transactor) -> None:
        self.real = real
        self.busy = True
        self.refused = 0

    async def run(self, work: Callable[[Connection], T]) -> T:
        if self.busy and getattr(work, "func", None) is records_module._chain:
            self.refused += 1
            raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
        return await self.real.run(work)

    async def aclose(self) -> None:
        await self.real.aclose()


async def test_audit_entries_the_database_would_not_take_are_tried_again_in_order(
        store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """A busy database used to cost the moderation entries of its busy timeout: now their
    batch waits, outside the lock (an alert goes first), and is written when it can be."""
    room = await store.add_room("Mums", "mothers")
    records = store.safeguarding
    busy = _Busy(records._transactor)
    monkeypatch.setattr(records, "_transactor", busy)
    monkeypatch.setattr(failures, "RETRY_DELAYS", (0.05,))
    queued = _admissions(store, room.id, 100)
    while busy.refused < 3:
        await asyncio.sleep(0.01)
    # An alert is stored while the entries wait: they do not hold the lock between tries.
    assert await records.raise_alert(alert(room.id), escalate=True) is not None
    assert not any(f.done() for f in queued)
    busy.busy = False
    await asyncio.wait_for(asyncio.gather(*queued), 5)
    rows = await _chain_rows(store)
    assert [action for _, action, _ in rows[:2]] == ["alert.raised", "escalation.raised"]
    assert [target for _, _, target in rows[2:]] == [f"p_{n}" for n in range(100)]
    assert (await records.verify_audit()).ok


async def test_audit_entries_are_given_up_only_after_the_retry_window(
        store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    room = await store.add_room("Mums", "mothers")
    records = store.safeguarding
    busy = _Busy(records._transactor)
    monkeypatch.setattr(records, "_transactor", busy)
    monkeypatch.setattr(failures, "RETRY_DELAYS", (0.05,))
    monkeypatch.setattr(failures, "RETRY_FOR", 0.5)
    started = asyncio.get_running_loop().time()
    given_up = await asyncio.gather(*_admissions(store, room.id, 3), return_exceptions=True)
    assert asyncio.get_running_loop().time() - started >= 0.5
    assert busy.refused >= 5  # tried again and again within the window
    assert all(isinstance(e, OperationalError) for e in given_up), given_up
    # The database is back: later entries are written and the chain is whole.
    busy.busy = False
    await asyncio.gather(*_admissions(store, room.id, 2))
    assert [target for _, _, target in await _chain_rows(store)] == ["p_0", "p_1"]
    assert (await records.verify_audit()).ok


async def test_two_processes_appending_at_once_keep_one_chain(store: SqlStore) -> None:
    """A second store on the same database stands in for a second process: its own
    lock, its own connections; the database's lock on the head orders them."""
    room = await store.add_room("Mums", "mothers")
    other = SqlStore(store.url, audit_key=TEST_AUDIT_KEY)
    try:
        work: list[Awaitable[Any]] = []
        for n in range(3):
            work += _admissions(store, room.id, 100)
            work += _admissions(other, room.id, 100)
            work.append(store.safeguarding.raise_alert(alert(room.id, 10 + n), escalate=True))
            work.append(other.safeguarding.raise_alert(alert(room.id, 20 + n), escalate=False))
            work.append(other.safeguarding.ack_alert(f"a_{20 + n}", "Sam", NOW))
        await asyncio.gather(*work)
    finally:
        await other.aclose()
    verdict = await store.safeguarding.verify_audit()
    assert verdict.ok and verdict.checked == 600 + 3 * 2 + 3 * 2, verdict.reason


async def test_checking_the_log_while_another_process_appends_never_sees_it_broken(
        store: SqlStore) -> None:
    """The check reads the head and the entries as one snapshot. Read apart (the head,
    then the entries), an append committed in between made a sound log look cut short:
    "the log ends at entry 10 but its head says 9", as the failover test once saw."""
    room = await store.add_room("Mums", "mothers")
    other = SqlStore(store.url, audit_key=TEST_AUDIT_KEY)
    verdicts = []
    try:
        async def append() -> None:
            for n in range(150):
                await other.safeguarding.audit("Fran", "participant.admit", room_id=room.id,
                                               target=f"p_{n}", detail={"n": n}, at=NOW)

        appending = asyncio.create_task(append())
        while not appending.done():
            verdicts.append(await store.safeguarding.verify_audit())
        await appending
    finally:
        await other.aclose()
    assert len(verdicts) >= 10  # the checks did overlap the appends
    assert [v.reason for v in verdicts if not v.ok] == []
    assert verdicts[-1].checked <= 150 == (await store.safeguarding.verify_audit()).checked
