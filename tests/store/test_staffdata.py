"""Issue 13, part 6: an account's erasure in the store (server/store/staffdata.py), on SQLite
and PostgreSQL: one transaction leaves a tombstone and nothing else of theirs, and renames
them in the tables outside the audit chain, which is not touched; it checks, in that
transaction, that it may (so two admins erasing each other at once leave one); an erased
account is given nothing again (``server/auth/manage.py``, ``server/programme/manage.py``);
the export says when it holds only the newest audit entries; and migration 0013."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import inspect, text

from server.auth import erasure
from server.auth import manage as accounts
from server.programme import manage as volunteers
from server.programme.profile import Profile
from server.programme.training import load_modules
from server.store.db import SqlStore
from server.store.records import AlertRecord
from server.store.staffdata import Refusal
from tests.store.test_db import _downgrade


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
    # A second erasure is refused, and the former name's hash stays the first one's.
    assert await store.staff_data.erase(fran.id, "deleted-abc", "another hash", "x",
                                        now) == Refusal("erased")
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


async def _alert_escalated(store: SqlStore, room_id: str, now: datetime) -> str:
    """An urgent alert escalated by a facilitator; the escalation's id."""
    alert = AlertRecord(id="a_1", room_id=room_id, kind="risk", severity="urgent",
                        categories=("suicide",), participant_id="p_1",
                        participant_name="Wren", ack_within=60, created_at=now,
                        excerpt="words")
    await store.safeguarding.raise_alert(alert, escalate=False)
    escalation, _ = await store.safeguarding.escalate("a_1", "fran", "worried", now)
    return escalation.id


async def test_an_erased_account_is_given_nothing_again(store: SqlStore) -> None:
    now = datetime.now(UTC)
    fran = await store.add_staff("fran", "hash", "facilitator")
    room = await store.add_room("Group", "mothers")
    hashed = store.safeguarding.pseudonym("fran")
    assert await store.staff_data.erase(fran.id, "deleted-abc", hashed, "command line",
                                        now) == "fran"
    gone = await store.staff_by_id(fran.id)
    assert gone is not None and gone.erased and gone.disabled

    # Through the manage layer, which the pages and the command line both use.
    modules = load_modules()
    changes = [
        accounts.assign(store, "ada", room, gone),
        accounts.unassign(store, "ada", room, gone),
        accounts.set_disabled(store, "ada", gone, False),
        accounts.set_disabled(store, "ada", gone, True),
        accounts.set_role(store, "ada", gone, "coordinator"),
        accounts.reset_password(store, "ada", gone),
        accounts.reset_two_factor(store, "ada", gone),
        volunteers.save_profile(store, "cora", gone, Profile(fran.id, languages=("en",))),
        volunteers.record_training(store, "cora", gone, modules, "induction",
                                   date(2026, 1, 5)),
        volunteers.set_supervision(store, "cora", gone, date(2027, 1, 15)),
    ]
    for change in changes:
        with pytest.raises(accounts.AccountErased,
                           match="deleted-abc has been deleted: nothing more can be done"):
            await change
    after = await store.staff_by_id(fran.id)
    assert after == gone  # still disabled, same role, no password, no second factor
    assert await store.rooms_for(fran.id) == []
    assert await store.volunteers.profile(fran.id) == Profile(fran.id)
    assert await store.volunteers.training(fran.id) == []
    assert [e for e in await store.safeguarding.audit_entries(1000)
            if e.target == fran.id] == []

    # In the store, erased is the tombstone name's alone: enabling the row does not bring
    # the person back, nor open it to a second erasure.
    assert await store.set_disabled(fran.id, False)
    enabled = await store.staff_by_id(fran.id)
    assert enabled is not None and enabled.erased and not enabled.disabled
    assert await store.staff_data.active_admins() == []
    for member in (enabled, fran):  # fran: a page's stale copy, from before the erasure
        with pytest.raises(erasure.ErasureRefused) as refused:
            await erasure.erase(store, "command line", "command line", member)
        assert refused.value.code == "erased"
    assert await store.staff_data.erase(fran.id, "deleted-xyz", "other", "x",
                                        now) == Refusal("erased")
    assert await store.staff_data.erased_names() == {hashed: "deleted-abc"}
    request = await store.staff_data.erasure(fran.id)
    assert request is not None and request.decided_by == "command line"


async def test_the_erasure_checks_again_in_its_own_transaction(store: SqlStore) -> None:
    now = datetime.now(UTC)
    ada = await store.add_staff("ada", "hash", "admin")
    bea = await store.add_staff("bea", "hash", "admin")
    # What the page says beforehand: ada may go (bea stays), but not by her own hand.
    assert await erasure.problem(store, ada) is None
    own = await erasure.problem(store, ada, actor_id=ada.id)
    assert own is not None and own.code == "yourself"
    with pytest.raises(erasure.ErasureRefused, match="their own account"):
        await erasure.erase(store, "ada", ada.id, ada)
    # bea is erased after that answer: the erasure itself refuses the last admin.
    assert await store.staff_data.erase(bea.id, "deleted-bea", "h", ada.id, now) == "bea"
    with pytest.raises(erasure.ErasureRefused, match="last admin") as refused:
        await erasure.erase(store, "command line", "command line", ada)
    assert refused.value.code == "last_admin"
    assert await store.staff_data.erase(ada.id, "deleted-ada", "h", "x",
                                        now) == Refusal("last_admin")
    # A disabled admin is no admin to run Hearth.
    cat = await store.add_staff("cat", "hash", "admin")
    await store.set_disabled(cat.id, True)
    assert await store.staff_data.erase(ada.id, "deleted-ada", "h", "x",
                                        now) == Refusal("last_admin")
    assert await store.staff_data.active_admins() == [ada.id]

    # A lead holding an open escalation (she wrote a note on it) is refused until it closes.
    room = await store.add_room("Group", "mothers")
    escalation_id = await _alert_escalated(store, room.id, now)
    lena = await store.add_staff("lena", "hash", "safeguarding_lead")
    await store.safeguarding.change_escalation(escalation_id, "lena", state="acknowledged",
                                               outcome=None, note="On it", at=now)
    assert await store.staff_data.refusal(lena.id) == Refusal("open_escalations", 1)
    assert await store.staff_data.erase(lena.id, "deleted-len", "h", "x",
                                        now) == Refusal("open_escalations", 1)
    with pytest.raises(erasure.ErasureRefused, match="1 open escalation"):
        await erasure.erase(store, "command line", "command line", lena)
    await store.safeguarding.change_escalation(escalation_id, "lena", state="closed",
                                               outcome="signposted", note="Done", at=now)
    assert await store.staff_data.refusal(lena.id) is None
    assert await store.staff_data.erase(lena.id, "deleted-len", "h", "x", now) == "lena"
    with pytest.raises(LookupError):
        await store.staff_data.erase("s_nobody", "deleted-nob", "h", "x", now)


async def test_two_admins_erasing_each_other_at_once_leave_one(store: SqlStore) -> None:
    for n in range(3):
        ada = await store.add_staff(f"ada{n}", "hash", "admin")
        bea = await store.add_staff(f"bea{n}", "hash", "admin")
        before = set(await store.staff_data.active_admins())
        others = before - {ada.id, bea.id}
        for admin in others:  # each round starts with these two only
            await store.set_disabled(admin, True)
        results = await asyncio.gather(
            erasure.erase(store, ada.username, ada.id, bea),
            erasure.erase(store, bea.username, bea.id, ada), return_exceptions=True)
        refused = [r for r in results if isinstance(r, erasure.ErasureRefused)]
        assert len(refused) == 1 and refused[0].code == "last_admin", results
        assert sum(isinstance(r, str) for r in results) == 1, results
        assert len(await store.staff_data.active_admins()) == 1


async def test_an_export_says_when_it_holds_only_the_newest_audit_entries(
        store: SqlStore) -> None:
    fran = await store.add_staff("fran", "hash", "facilitator")
    for n in range(5):
        await store.safeguarding.audit("command line", "staff.enable", target=fran.id,
                                       detail={"n": n})
    whole = await erasure.export(store, fran, "command line", max_audit=5)
    assert whole["audit_truncated"] is False
    assert [e["detail"] for e in whole["audit"]] == [{"n": n} for n in range(5)]
    assert not any("audit entries older" in line for line in whole["not_included"])
    # Exactly as many as may be shown (the five and the export's own entry): all of them.
    exact = await erasure.export(store, fran, "command line", max_audit=6)
    assert exact["audit_truncated"] is False and len(exact["audit"]) == 6

    newest = [e.seq for e in await store.safeguarding.audit_about(fran.id, ["fran"], 3)]
    part = await erasure.export(store, fran, "command line", max_audit=3)
    assert part["audit_truncated"] is True
    assert [e["seq"] for e in part["audit"]] == newest and len(newest) == 3
    assert [e["action"] for e in part["audit"]] == ["staff.enable", "staff.export",
                                                    "staff.export"]
    assert part["not_included"][-1].startswith("audit entries older than the newest 3:")
    assert json.loads(json.dumps(part)) == part


async def test_0013_adds_staff_erasures_to_an_existing_database(empty_url: str) -> None:
    store = SqlStore(empty_url)
    try:
        await store.migrate(to="0012")
        async with store.engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO staff (id, username, password_hash, role, created_at, disabled) "
                "VALUES ('s_old', 'fran', 'hash', 'facilitator', :at, true)"),
                {"at": datetime.now(UTC)})
        await store.migrate()
        # A disabled account from before is not an erased one, and has no request.
        old = await store.staff_by_id("s_old")
        assert old is not None and old.disabled and not old.erased
        assert await store.staff_data.erasure("s_old") is None
        now = datetime.now(UTC)
        assert await store.staff_data.request_erasure("s_old", now)
        assert [e.staff_id for e in await store.staff_data.erasures()] == ["s_old"]

        await _downgrade(store, "0012")
        async with store.engine.connect() as connection:
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            staff = (await connection.execute(text("SELECT count(*) FROM staff"))).scalar()
        assert "staff_erasures" not in tables and staff == 1
        await store.migrate()  # and up again: the request went with its table
        assert await store.staff_data.erasure("s_old") is None
        assert await store.staff_data.erase("s_old", "deleted-old", "h", "command line",
                                            now) == "fran"
        request = await store.staff_data.erasure("s_old")
        assert request is not None and request.state == "done"
    finally:
        await store.aclose()
