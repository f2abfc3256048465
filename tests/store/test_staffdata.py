"""Issue 13, part 6: an account's erasure in the store (server/store/staffdata.py), on SQLite
and PostgreSQL: one transaction leaves a tombstone and nothing else of theirs, and renames
them in the tables outside the audit chain, which is not touched."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from server.programme.profile import Profile
from server.store.db import SqlStore
from server.store.records import AlertRecord


async def test_an_erasure_leaves_a_tombstone_and_the_chain_as_it_was(store: SqlStore) -> None:
    now = datetime.now(UTC)
    fran = await store.add_staff("fran", "hash", "facilitator")
    lead = await store.add_staff("lena", "hash", "safeguarding_lead")
    room = await store.add_room("Group", "mothers", facilitators=[fran.id])
    await store.add_session(fran.id, "secret", now + timedelta(hours=1))
    await store.volunteers.save_profile(Profile(fran.id, lived_experience="NICU stay"))
    await store.volunteers.add_training(fran.id, "induction", date(2026, 1, 5), "cora")
    await store.volunteers.add_training(lead.id, "induction", date(2026, 1, 5), "fran")
    alert = AlertRecord(id="a_1", room_id=room.id, kind="risk", severity="urgent",
                        categories=("suicide",), participant_id="p_1",
                        participant_name="Wren", ack_within=60, created_at=now,
                        excerpt="words")
    await store.safeguarding.raise_alert(alert, escalate=False)
    await store.safeguarding.ack_alert("a_1", "fran", now)
    escalation, _ = await store.safeguarding.escalate("a_1", "fran", "worried", now)
    await store.safeguarding.audit("fran", "staff.erase.request", target=fran.id)
    assert await store.staff_data.request_erasure(fran.id, now)
    assert not await store.staff_data.request_erasure(fran.id, now)  # pending already
    assert [e.staff_id for e in await store.staff_data.erasures()] == [fran.id]
    hashed = store.safeguarding.pseudonym("fran")
    assert len(hashed) == 64 and hashed != store.safeguarding.pseudonym("lena")

    former = await store.staff_data.erase(fran.id, "deleted-abc", hashed, "command line", now)
    assert former == "fran"
    assert await store.staff_data.erase(fran.id, "deleted-abc", hashed, "x", now) is None
    member = await store.staff_by_id(fran.id)
    assert member is not None and member.erased and member.disabled
    assert member.username == "deleted-abc" and await store.staff_by_username("fran") is None
    assert await store.session_staff("secret", now) is None
    assert await store.rooms_for(fran.id) == []
    assert await store.volunteers.profile(fran.id) == Profile(fran.id)
    assert await store.volunteers.training(fran.id) == []
    assert [t.entered_by for t in await store.volunteers.training(lead.id)] == ["deleted-abc"]
    kept = await store.safeguarding.escalation(escalation.id)
    assert kept is not None and kept.raised_by == "deleted-abc"
    assert [(n.by, n.text) for n in kept.notes] == [("deleted-abc", "worried")]
    acked = await store.safeguarding.alert("a_1")
    assert acked is not None and acked.acked_by == "deleted-abc"
    assert await store.staff_data.erased_names() == {hashed: "deleted-abc"}
    request = await store.staff_data.erasure(fran.id)
    assert request is not None and request.state == "done"
    # Nothing in the chain was rewritten.
    assert (await store.safeguarding.verify_audit()).ok
    assert [e.actor for e in await store.safeguarding.audit_entries()
            if e.action == "staff.erase.request"] == ["fran"]
