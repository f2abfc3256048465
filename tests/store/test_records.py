"""Alerts, escalations and the audit chain, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.safeguarding.escalation import EscalationError
from server.store.db import SqlStore
from server.store.records import AlertRecord

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
    assert await records.reroute_alert("a_1", NOW + timedelta(minutes=5), escalate=False) is None
    late = await records.reroute_alert("a_1", NOW + timedelta(minutes=6), escalate=True)
    assert late is not None and late.alert_id == "a_1"
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
