"""Issue 13, part 6: a staff member downloads everything Hearth holds about them, and asks
for their account to be deleted, which an admin confirms or declines, through the real
server's pages. The erased account is a tombstone; the audit chain is not rewritten and
still verifies, and shows the tombstone instead of the name."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import httpx
from sqlalchemy import text

from server.auth import erasure
from server.programme.profile import Profile
from tests.harness import SuiteHarness
from tests.http.test_account import form_login
from tests.http.test_lead import raise_escalation
from tests.http.test_pages import csrf_of
from tests.http.test_staff_security import account, admin_post, browsers

__all__ = ["browsers"]  # the fixture, used by name

PARENT_NAME = "Quiet Wren"  # raise_escalation's participant
PARENT_WORDS = "I want it all to stop"  # and the excerpt of her alert
LIVED = "Postnatal depression after my second, 2019"


async def download(browser: httpx.AsyncClient) -> tuple[httpx.Response, dict[str, Any]]:
    response = await browser.get("/account/data.json")
    assert response.status_code == 200, response.text
    return response, json.loads(response.text)


async def usernames_in_staff_table(hs: SuiteHarness, username: str) -> int:
    async with hs.store.engine.connect() as connection:
        return int((await connection.execute(text(
            "SELECT count(*) FROM staff WHERE username = :u"), {"u": username})).scalar_one())


async def ask_to_delete(browser: httpx.AsyncClient) -> httpx.Response:
    token = csrf_of(await browser.get("/account/data"))
    return await browser.post("/account/data/delete", data={"csrf_token": token,
                                                             "confirm": "yes"})


async def test_the_export_holds_their_data_and_nobody_elses(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    room_id, _ = await hs.room(name="Data group")
    fac_name, fac_id, fac = await account(hs, browsers)
    other_name, other_id, _ = await account(hs, browsers)
    cora_name, _, _ = await account(hs, browsers, "coordinator")
    admin_name, _, admin = await account(hs, browsers, "admin")
    for staff_id in (fac_id, other_id):
        assigned = await admin_post(admin, f"/admin/staff/{staff_id}/assign", "/admin/staff",
                                    room=room_id)
        assert assigned.status_code == 303
    await hs.store.volunteers.save_profile(Profile(fac_id, languages=("pl",),
                                                   lived_experience=LIVED))
    await hs.store.volunteers.set_supervision(fac_id, date(2027, 1, 15))
    await hs.store.volunteers.add_training(fac_id, "induction", date(2026, 3, 3), cora_name)

    response, data = await download(fac)
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"].startswith("application/json")
    account_part = data["account"]
    assert account_part["username"] == fac_name and account_part["role"] == "facilitator"
    assert account_part["two_step_login"] is False and account_part["created_at"]
    assert data["groups"] == [{"room": room_id, "name": "Data group",
                               "assigned_at": data["groups"][0]["assigned_at"]}]
    assert len(data["sessions"]) >= 1
    volunteer = data["volunteer"]
    assert volunteer["lived_experience"] == LIVED and volunteer["languages"] == ["pl"]
    assert volunteer["supervision_due"] == "2027-01-15"
    assert [t["module"] for t in volunteer["training"]] == ["induction"]
    actions = [(e["action"], e["as"], e.get("by")) for e in data["audit"]]
    assert ("room.assign", "subject", "another staff member") in actions
    # No secret, nobody else: not the password hash, not who recorded the training, not
    # the admin who assigned them, not the other facilitator of the group.
    body = response.text
    for absent in ("$argon2", "password_hash", "totp", cora_name, admin_name, other_name,
                   other_id):
        assert absent not in body, absent

    # The admin's own export: their actions on other accounts name nobody.
    response, data = await download(admin)
    assert fac_name not in response.text and other_name not in response.text
    assigns = [e for e in data["audit"] if e["action"] == "room.assign"]
    assert len(assigns) == 2 and all(e == {**e, "as": "actor", "about": "another staff account"}
                                     for e in assigns)
    assert all("detail" not in e and "target" not in e for e in assigns)

    # A lead's escalation notes are hers (her words), the parent's name and words are not.
    _, escalation_id = await raise_escalation(hs)
    lead_name, lead_id, lead = await account(hs, browsers, "safeguarding_lead")
    await hs.store.safeguarding.change_escalation(
        escalation_id, lead_name, state="acknowledged", outcome=None,
        note="Rang the health visitor at 3pm", at=datetime.now(UTC))
    response, data = await download(lead)
    notes = data["escalation_notes"]
    assert [(n["escalation"], n["text"]) for n in notes] == [
        (escalation_id, "Rang the health visitor at 3pm")]
    assert PARENT_NAME not in response.text and PARENT_WORDS not in response.text
    changed = [e for e in data["audit"] if e["action"] == "escalation.changed"]
    assert changed and changed[0]["target"] == escalation_id

    # Every download is audited, as the account's own action.
    async with hs.store.engine.connect() as connection:
        exports = (await connection.execute(text(
            "SELECT actor FROM audit WHERE action = 'staff.export' AND target = :t"),
            {"t": lead_id})).scalars().all()
    assert exports == [lead_name]
    # Only for the logged-in: no session, no data.
    async with httpx.AsyncClient(base_url=hs.server.http) as anon:
        assert (await anon.get("/account/data.json")).status_code == 303


async def test_a_deletion_asked_for_declined_asked_again_and_confirmed(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    room_id, _ = await hs.room(name="Erasure group")
    fac_name, fac_id, fac = await account(hs, browsers)
    admin_name, _, admin = await account(hs, browsers, "admin")
    await admin_post(admin, f"/admin/staff/{fac_id}/assign", "/admin/staff", room=room_id)
    await hs.store.volunteers.save_profile(Profile(fac_id, lived_experience=LIVED))
    await hs.store.volunteers.add_training(fac_id, "induction", date(2026, 3, 3), "cora")

    # The box must be ticked; a forged form is refused.
    page = await fac.get("/account/data")
    assert page.status_code == 200 and "Delete my account" in page.text
    unticked = await fac.post("/account/data/delete", data={"csrf_token": csrf_of(page)})
    assert unticked.status_code == 400 and "Please tick the box" in unticked.text
    forged = await fac.post("/account/data/delete", data={"csrf_token": "x", "confirm": "yes"})
    assert forged.status_code == 403
    asked = await ask_to_delete(fac)
    assert asked.status_code == 303 and asked.headers["location"] == "/account/data?done=asked"
    assert "You have asked for your account to be deleted" in (await fac.get(
        "/account/data")).text

    # The admin sees it, and declines with a reason the member then reads.
    listing = (await admin.get("/admin/staff")).text
    assert f'id="erase-{fac_id}"' in listing
    declined = await admin_post(admin, f"/admin/staff/{fac_id}/decline-erase", "/admin/staff",
                                reason="Your Tuesday group needs you until June")
    assert declined.status_code == 303
    mine = (await fac.get("/account/data")).text
    assert "An admin did not delete your account." in mine
    assert "Your Tuesday group needs you until June" in mine
    assert (await admin.get("/admin/staff")).text.count(f'id="erase-{fac_id}"') == 0

    # Asked again, confirmed (the box ticked): the account is a tombstone.
    assert (await ask_to_delete(fac)).status_code == 303
    unconfirmed = await admin_post(admin, f"/admin/staff/{fac_id}/erase", "/admin/staff")
    assert unconfirmed.status_code == 400
    erased = await admin_post(admin, f"/admin/staff/{fac_id}/erase", "/admin/staff",
                              confirm="yes")
    assert erased.status_code == 303 and "done=erased" in erased.headers["location"]
    tombstone = erasure.tombstone_for(fac_id)

    member = await hs.store.staff_by_id(fac_id)
    assert member is not None and member.erased and member.disabled
    assert member.username == tombstone and member.totp_secret is None
    assert await usernames_in_staff_table(hs, fac_name) == 0
    assert (await fac.get("/account/data")).status_code == 303  # their session ended
    async with httpx.AsyncClient(base_url=hs.server.http,
                                 headers={"Origin": hs.server.origin}) as again:
        refused = await form_login(again, fac_name)
        assert refused.status_code != 303 and "/staff" not in refused.headers.get(
            "location", "")
    assert await hs.store.rooms_for(fac_id) == []
    assert (await hs.store.volunteers.profile(fac_id)).lived_experience == ""
    assert await hs.store.volunteers.training(fac_id) == []
    assert await hs.store.staff_data.sessions(fac_id) == []
    # Nothing more can be done with it on the admin's page.
    enable = await admin_post(admin, f"/admin/staff/{fac_id}/enable", "/admin/staff")
    assert enable.status_code == 400 and "has been deleted" in enable.text
    for action, data in (("assign", {"room": room_id}), ("reset-password", {}),
                         ("role", {"role": "coordinator"}), ("erase", {"confirm": "yes"}),
                         ("decline-erase", {"reason": "no"})):
        refused = await admin_post(admin, f"/admin/staff/{fac_id}/{action}", "/admin/staff",
                                   **data)
        assert refused.status_code == 400 and "has been deleted: nothing more" in refused.text
    member = await hs.store.staff_by_id(fac_id)
    assert member is not None and member.erased and member.disabled
    assert member.role == "facilitator" and await hs.store.rooms_for(fac_id) == []

    # The chain was not rewritten: it verifies, and still has the entries written under
    # the name; shown, they carry the tombstone, and the export of the tombstone has no name.
    assert (await hs.store.safeguarding.verify_audit()).ok
    async with hs.store.engine.connect() as connection:
        raw = (await connection.execute(text(
            "SELECT actor, action, detail FROM audit WHERE target = :t ORDER BY seq"),
            {"t": fac_id})).all()
    actions = [r[1] for r in raw]
    assert actions.count("staff.erase.request") == 2 and "staff.erase.decline" in actions
    assert actions[-1] == "staff.erase" and raw[-1][0] == admin_name
    assert fac_name not in raw[-1][2] and tombstone in raw[-1][2]
    assert any(r[0] == fac_name for r in raw)  # written before, kept as written
    shown = [s for s in await erasure.audit_listing(hs.store, 2000) if s["target"] == fac_id]
    assert shown and all(fac_name not in json.dumps(s) for s in shown)
    assert [s["actor"] for s in shown if s["action"] == "staff.erase.request"] == [tombstone] * 2
    assigned = [s for s in shown if s["action"] == "room.assign"]
    assert assigned[0]["detail"]["username"] == tombstone and assigned[0]["actor"] == admin_name
    exported = json.dumps(await erasure.export(hs.store, member, "test"))
    assert fac_name not in exported and LIVED not in exported and tombstone in exported


async def test_the_last_admin_and_a_lead_with_open_escalations_are_refused(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    # A lead who has worked an escalation that is still open holds it.
    _, escalation_id = await raise_escalation(hs, 2)
    lead_name, lead_id, lead = await account(hs, browsers, "safeguarding_lead")
    await hs.store.safeguarding.change_escalation(
        escalation_id, lead_name, state="acknowledged", outcome=None, note="On it",
        at=datetime.now(UTC))
    _, admin_id, admin = await account(hs, browsers, "admin")
    assert (await ask_to_delete(lead)).status_code == 303
    listing = (await admin.get("/admin/staff")).text
    assert "still holds open escalations" in listing
    refused = await admin_post(admin, f"/admin/staff/{lead_id}/erase", "/admin/staff",
                               confirm="yes")
    assert refused.status_code == 400 and "still holds open escalations" in refused.text
    still = await hs.store.staff_by_id(lead_id)
    assert still is not None and not still.erased

    # Closed: the deletion goes ahead, and the note stays, by the tombstone.
    await hs.store.safeguarding.change_escalation(
        escalation_id, lead_name, state="closed", outcome="signposted", note="Done",
        at=datetime.now(UTC))
    done = await admin_post(admin, f"/admin/staff/{lead_id}/erase", "/admin/staff",
                            confirm="yes")
    assert done.status_code == 303
    kept = await hs.store.safeguarding.escalation(escalation_id)
    assert kept is not None
    assert [(n.by, n.text) for n in kept.notes] == [
        (erasure.tombstone_for(lead_id), "On it"), (erasure.tombstone_for(lead_id), "Done")]

    # An admin cannot confirm their own deletion; the last admin is refused whoever asks.
    assert (await ask_to_delete(admin)).status_code == 303
    own = await admin_post(admin, f"/admin/staff/{admin_id}/erase", "/admin/staff",
                           confirm="yes")
    assert own.status_code == 400 and "your own account" in own.text
    member = await hs.store.staff_by_id(admin_id)
    assert member is not None
    others = [a for a in await hs.store.staff_data.active_admins() if a != admin_id]
    refusal = await erasure.problem(hs.store, member)
    assert (refusal is None) == bool(others)  # the shared server has other admins
