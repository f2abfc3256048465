"""Issue 11, item 8: the coordinator's pages, through the real server's forms, API and
WebSocket. An admin makes a group, renames it, gives it its own agreement and archives
it (its links, tokens and old tokens then admit nobody); makes an account with a password
shown once, changes a role and assigns groups from the account's card; and edits the
signposting directory one entry at a time, with mistakes marked next to their fields."""

from __future__ import annotations

import html
import json
import re
import secrets
from typing import Any

import httpx
import pytest

from server.auth.passwords import verify_password
from tests.harness import SuiteHarness
from tests.http.test_account import form_login
from tests.http.test_api import error_code
from tests.http.test_pages import csrf_of
from tests.http.test_staff_security import account, admin_post, audit_by, browsers, token_for

__all__ = ["browsers"]  # the fixture, used by name


def unique(name: str) -> str:
    return f"{name} {secrets.token_hex(3)}"


async def room_named(hs: SuiteHarness, name: str) -> str:
    found = [r for r in await hs.store.rooms(include_archived=True) if r.name == name]
    assert len(found) == 1, name
    return found[0].id


async def live_invite(hs: SuiteHarness, room_id: str) -> str:
    invites = [i for i in await hs.store.invites_for(room_id) if not i.revoked]
    assert len(invites) == 1
    return invites[0].code


def field_of(page: httpx.Response, field_id: str) -> str:
    """The opening tag of the form control with ``id``."""
    control = r"<(?:input|select|textarea|fieldset)[^>]*"
    found = re.search(control + rf'\bid="{re.escape(field_id)}"[^>]*>', page.text)
    assert found, field_id
    return found.group(0)


# ---- groups ----------------------------------------------------------------------------

async def test_an_admin_makes_a_group_renames_it_and_sets_its_agreement(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    admin_name, _, admin = await account(hs, browsers, "admin")
    name = unique("Thursday dads")
    made = await admin_post(admin, "/admin/rooms", "/admin/rooms", name=name,
                            audience="fathers_partners")
    assert made.status_code == 303
    room_id = await room_named(hs, name)
    assert made.headers["location"] == f"/admin/rooms?done=created#room-{room_id}"
    page = await admin.get(made.headers["location"])
    assert "The group is ready" in page.text
    invite = await live_invite(hs, room_id)
    assert f"/join/{invite}" in page.text  # its first invite link, with a Copy button
    assert 'class="copy-link small-button"' in page.text
    joining = await hs.http.get(f"/join/{invite}")
    assert joining.status_code == 200 and "dads and partners" in joining.text

    # Renamed, and opened to every parent.
    renamed = unique("Thursday parents")
    changed = await admin_post(admin, f"/admin/rooms/{room_id}/details", "/admin/rooms",
                               name=renamed, audience="everyone")
    assert changed.status_code == 303 and "done=changed" in changed.headers["location"]
    record = await hs.store.room(room_id)
    assert record is not None and (record.name, record.audience) == (renamed, "everyone")

    # Its own agreement: one point a line, a typed list's dashes dropped, never HTML.
    agreement = "Be kind to each other.\r\n\r\n- No recording, please.\r\n<b>Bold</b> & more"
    saved = await admin_post(admin, f"/admin/rooms/{room_id}/agreement", "/admin/rooms",
                             agreement=agreement)
    assert saved.status_code == 303 and "done=agreement" in saved.headers["location"]
    joining = await hs.http.get(f"/join/{invite}")
    listed = joining.text[joining.text.index('id="group-agreement"'):]
    listed = listed[:listed.index("</ul>")]
    assert re.findall(r'<li dir="auto">([^<]*)</li>', listed) == [
        "Be kind to each other.", "No recording, please.", "&lt;b&gt;Bold&lt;/b&gt; &amp; more"]
    assert "What&#39;s shared here stays here" not in joining.text  # not the standard one
    # Cleared: the standard agreement again.
    assert (await admin_post(admin, f"/admin/rooms/{room_id}/agreement", "/admin/rooms",
                             agreement="  ")).status_code == 303
    joining = await hs.http.get(f"/join/{invite}")
    assert 'id="group-agreement"' not in joining.text
    assert "shared here stays here" in html.unescape(joining.text)

    actions = [a for a, _, _ in await audit_by(hs, admin_name)]
    assert actions == ["room.add", "room.change", "room.agreement", "room.agreement"]
    assert (await hs.store.safeguarding.verify_audit()).ok


async def test_mistakes_are_refused_in_words_and_the_form_keeps_what_was_typed(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    _, _, admin = await account(hs, browsers, "admin")
    before = len(await hs.store.rooms(include_archived=True))
    refused = await admin_post(admin, "/admin/rooms", "/admin/rooms", name="   ",
                               audience="fathers_partners")
    assert refused.status_code == 400
    assert "Please give the group a name" in refused.text
    assert 'aria-invalid="true"' in field_of(refused, "new-name")
    assert 'value="fathers_partners" selected' in refused.text  # the choice kept
    no_audience = await admin_post(admin, "/admin/rooms", "/admin/rooms", name="Kept name",
                                   audience="astronauts")
    assert no_audience.status_code == 400
    assert "Please choose who the group is for." in no_audience.text
    assert 'value="Kept name"' in field_of(no_audience, "new-name")
    assert len(await hs.store.rooms(include_archived=True)) == before

    room_id, _ = await hs.room(name=unique("Agreement group"))
    too_long = "A point of the agreement.\n" * 85  # 2,210 characters
    long = await admin_post(admin, f"/admin/rooms/{room_id}/agreement", "/admin/rooms",
                            agreement=too_long)
    assert long.status_code == 400 and "too long" in long.text
    assert f'aria-describedby="agreement-{room_id}-hint agreement-{room_id}-error"' in long.text
    assert too_long.strip() in html.unescape(long.text)  # what was typed, to trim
    record = await hs.store.room(room_id)
    assert record is not None and record.agreement is None


async def test_an_archived_group_admits_nobody_until_it_is_opened_again(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    room_id, invite = await hs.room(name=unique("Archived group"))
    username, _, fac = await account(hs, browsers)
    await hs.assign(room_id, username)
    old_parent_token = (await hs.join_response(invite)).json()["token"]
    old_staff_token = (await token_for(fac, room_id)).json()["token"]
    admin_name, _, admin = await account(hs, browsers, "admin")

    archived = await admin_post(admin, f"/admin/rooms/{room_id}/archive", "/admin/rooms")
    assert archived.status_code == 303 and "done=archived" in archived.headers["location"]
    # The join page says so kindly; joining and staff tokens are refused in words.
    page = await hs.http.get(f"/join/{invite}")
    assert page.status_code == 410 and "This group has closed" in page.text
    refused = await hs.join_response(invite)
    assert refused.status_code == 410 and error_code(refused) == "room_archived"
    token = await token_for(fac, room_id)
    assert token.status_code == 410 and error_code(token) == "room_archived"
    assert "archived" in token.json()["error"]["message"]
    # Tokens from before are refused at hello; the facilitator no longer sees the group.
    for old in (old_parent_token, old_staff_token):
        _, code = await hs.refused(old)
        assert code == 4401
    assert room_id not in (await fac.get("/staff")).text
    listing = (await admin.get("/admin/rooms")).text
    assert "Archived groups" in listing and f"/admin/rooms/{room_id}/unarchive" in listing
    # Nothing but opening it again is done to an archived group.
    rotate = await admin_post(admin, f"/admin/rooms/{room_id}/rotate", "/admin/rooms")
    assert rotate.status_code == 400

    opened = await admin_post(admin, f"/admin/rooms/{room_id}/unarchive", "/admin/rooms")
    assert opened.status_code == 303
    assert (await hs.join_response(invite)).status_code == 201
    assert (await token_for(fac, room_id)).status_code == 201
    assert room_id in (await fac.get("/staff")).text
    actions = [a for a, _, _ in await audit_by(hs, admin_name)]
    assert actions == ["room.archive", "room.unarchive"]


async def test_a_group_with_people_in_it_is_not_archived(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    room_id, invite = await hs.room(name=unique("Busy group"))
    _, _, admin = await account(hs, browsers, "admin")
    parent = await hs.participant(invite)  # waiting in the lobby
    refused = await admin_post(admin, f"/admin/rooms/{room_id}/archive", "/admin/rooms")
    assert refused.status_code == 409 and "People are in this group now" in refused.text
    record = await hs.store.room(room_id)
    assert record is not None and not record.archived
    # Still there, waiting, and told nothing of it.
    assert all(m["type"] != "error" for m in await parent.nothing())
    await parent.close()


async def test_only_an_admin_changes_groups_and_only_with_the_form(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    room_id, _ = await hs.room(name=unique("Guarded group"))
    _, _, lead = await account(hs, browsers, "safeguarding_lead")
    token = csrf_of(await lead.get("/lead"))
    for path, fields in (("/admin/rooms", {"name": "Lead's group", "audience": "everyone"}),
                         (f"/admin/rooms/{room_id}/archive", {}),
                         (f"/admin/rooms/{room_id}/details",
                          {"name": "Renamed", "audience": "everyone"}),
                         ("/admin/staff", {"username": "newbie", "role": "admin"}),
                         ("/admin/directory/entries", {"entries": "0", "checked": "2026-12-06"})):
        refused = await lead.post(path, data={"csrf_token": token, **fields})
        assert refused.status_code == 403, path
    _, _, admin = await account(hs, browsers, "admin")
    for path, fields in (("/admin/rooms", {"name": "No token", "audience": "everyone"}),
                         (f"/admin/rooms/{room_id}/archive", {}),
                         (f"/admin/rooms/{room_id}/agreement", {"agreement": "x"}),
                         ("/admin/staff", {"username": "no-token", "role": "facilitator"})):
        refused = await admin.post(path, data=fields)
        assert refused.status_code == 403 and "That form had expired" in refused.text, path
    record = await hs.store.room(room_id)
    assert record is not None and record.name.startswith("Guarded group")
    assert record.agreement is None
    assert await hs.store.staff_by_username("no-token") is None


# ---- accounts ----------------------------------------------------------------------------

async def test_an_admin_makes_an_account_whose_password_is_shown_once(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    admin_name, _, admin = await account(hs, browsers, "admin")
    username = f"newfac-{secrets.token_hex(3)}"
    made = await admin_post(admin, "/admin/staff", "/admin/staff", username=username,
                            role="facilitator")
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    assert "Account made" in made.text
    found = re.search(r'id="reset-password"[^>]*>([^<]+)</code>', made.text)
    assert found
    password = found.group(1)
    member = await hs.store.staff_by_username(username)
    assert member is not None and member.role == "facilitator" and member.must_change_password
    assert verify_password(member.password_hash, password)
    assert password not in (await admin.get("/admin/staff")).text
    async with httpx.AsyncClient(base_url=hs.server.http,
                                 headers={"Origin": hs.server.origin}) as fresh:
        landed = await form_login(fresh, username, password)
        assert landed.headers["location"] == "/account/password"

    # Mistakes: words next to the field, what was typed kept, nothing made.
    taken = await admin_post(admin, "/admin/staff", "/admin/staff", username=username.upper(),
                             role="admin")
    assert taken.status_code == 400 and "already an account" in taken.text
    assert f'value="{username.upper()}"' in field_of(taken, "new-username")
    assert 'value="admin" selected' in taken.text
    spaced = await admin_post(admin, "/admin/staff", "/admin/staff", username="two words",
                              role="facilitator")
    assert spaced.status_code == 400 and "with no spaces" in spaced.text
    assert 'aria-invalid="true"' in field_of(spaced, "new-username")
    no_role = await admin_post(admin, "/admin/staff", "/admin/staff", username="someone-new",
                               role="boss")
    assert no_role.status_code == 400 and "Please choose a role." in no_role.text
    assert await hs.store.staff_by_username("someone-new") is None
    entries = await audit_by(hs, admin_name)
    assert [(a, t) for a, t, _ in entries] == [("staff.add", member.id)]
    assert password not in repr(entries)


async def test_a_new_role_ends_logins_and_connections_and_drops_assignments(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    room_id, _ = await hs.room(name=unique("Role group"))
    username, staff_id, fac_browser = await account(hs, browsers)
    await hs.assign(room_id, username)
    fac = await hs.connect((await token_for(fac_browser, room_id)).json()["token"])
    admin_name, admin_id, admin = await account(hs, browsers, "admin")

    changed = await admin_post(admin, f"/admin/staff/{staff_id}/role", "/admin/staff",
                               role="safeguarding_lead")
    assert changed.status_code == 303 and "done=role" in changed.headers["location"]
    assert await fac.closed() == 4401
    assert (await fac_browser.get("/staff")).headers.get("location") == "/login"
    member = await hs.store.staff_by_id(staff_id)
    assert member is not None and member.role == "safeguarding_lead"
    assert not await hs.store.is_assigned(room_id, staff_id)
    page = await admin.get(changed.headers["location"])
    assert "The role is changed" in page.text

    # Not one's own, not to the same role, not to one that does not exist.
    own = await admin_post(admin, f"/admin/staff/{admin_id}/role", "/admin/staff",
                           role="facilitator")
    assert own.status_code == 400
    same = await admin_post(admin, f"/admin/staff/{staff_id}/role", "/admin/staff",
                            role="safeguarding_lead")
    assert same.status_code == 400
    bad = await admin_post(admin, f"/admin/staff/{staff_id}/role", "/admin/staff", role="boss")
    assert bad.status_code == 400
    entries = await audit_by(hs, admin_name)
    assert [a for a, _, _ in entries] == ["staff.role"]
    detail = json.loads(entries[0][2])
    assert detail["role"] == "safeguarding_lead" and detail["was"] == "facilitator"
    assert detail["unassigned"] == 1


async def test_a_facilitators_card_lists_and_changes_their_groups(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    room_name = unique("Card group")
    room_id, _ = await hs.room(name=room_name)
    _, staff_id, fac_browser = await account(hs, browsers)
    _, lead_id, _ = await account(hs, browsers, "safeguarding_lead")
    admin_name, _, admin = await account(hs, browsers, "admin")

    assigned = await admin_post(admin, f"/admin/staff/{staff_id}/assign", "/admin/staff",
                                room=room_id)
    assert assigned.status_code == 303
    assert assigned.headers["location"].endswith(f"#staff-{staff_id}")
    assert await hs.store.is_assigned(room_id, staff_id)
    page = (await admin.get("/admin/staff")).text
    start = page.index(f'id="staff-{staff_id}"')
    end = page.find('class="card account"', start)
    card = page[start:end if end > 0 else len(page)]
    assert room_name in card and f'name="room" value="{room_id}"' in card

    fac = await hs.connect((await token_for(fac_browser, room_id)).json()["token"])
    removed = await admin_post(admin, f"/admin/staff/{staff_id}/unassign", "/admin/staff",
                               room=room_id)
    assert removed.status_code == 303
    assert await fac.closed() == 4401
    assert not await hs.store.is_assigned(room_id, staff_id)
    # A lead is not assigned (they enter every group); an unknown group is refused.
    lead = await admin_post(admin, f"/admin/staff/{lead_id}/assign", "/admin/staff",
                            room=room_id)
    assert lead.status_code == 400 and "Only facilitators are assigned" in lead.text
    nowhere = await admin_post(admin, f"/admin/staff/{staff_id}/assign", "/admin/staff",
                               room="r_nope")
    assert nowhere.status_code == 400
    assert [a for a, _, _ in await audit_by(hs, admin_name)] == ["room.assign",
                                                                 "room.unassign"]


# ---- the directory, one entry at a time -------------------------------------------------------

def directory_form(document: dict[str, Any]) -> list[tuple[str, str]]:
    """The form's fields for ``document`` (the directory's JSON), as the page fills them."""
    fields = [("entries", str(len(document["resources"]))),
              ("checked", document["checked"]), ("note", document.get("note", ""))]
    for n, entry in enumerate(document["resources"]):
        key = f"e{n}-"
        for name in ("id", "name", "contact", "hours", "url", "tel", "sms", "sms_body"):
            fields.append((key + name, entry.get(name) or ""))
        fields.append((key + "languages", ", ".join(entry.get("languages", ["en"]))))
        fields += [(key + "categories", c) for c in entry["categories"]]
        fields += [(key + "audiences", a) for a in entry.get("audiences", ["*"])]
        if entry.get("interpreting"):
            fields.append((key + "interpreting", "1"))
        if entry.get("pending"):
            fields.append((key + "pending", "1"))
    return fields


async def post_form(admin: httpx.AsyncClient, fields: list[tuple[str, str]],
                    action: str = "save") -> httpx.Response:
    token = csrf_of(await admin.get("/admin/directory"))
    body = httpx.QueryParams([*fields, ("action", action), ("csrf_token", token)])
    return await admin.post("/admin/directory/entries", content=str(body),
                            headers={"Content-Type": "application/x-www-form-urlencoded"})


async def test_the_directory_form_marks_a_mistake_then_saves_the_fix(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    admin_name, _, admin = await account(hs, browsers, "admin")
    shipped = (await admin.get("/api/directory")).json()
    at = next(n for n, e in enumerate(shipped["resources"]) if e["id"] == "samaritans")
    try:
        page = await admin.get("/admin/directory")
        assert 'id="e0-name"' in page.text and "Advanced: the whole directory as JSON" in page.text
        # The form as the page shows it saves the directory unchanged.
        same = await post_form(admin, directory_form(shipped))
        assert same.status_code == 303 and same.headers["location"] == "/admin/directory?done=saved"
        assert (await admin.get("/api/directory")).json() == shipped

        edited = json.loads(json.dumps(shipped))
        edited["resources"][at]["tel"] = "116 CALL"
        edited["resources"][at]["name"] = "Samaritans (edited)"
        edited["resources"][at]["categories"] = []
        refused = await post_form(admin, directory_form(edited))
        assert refused.status_code == 400 and "Not saved" in refused.text
        tel = field_of(refused, f"e{at}-tel")
        assert 'aria-invalid="true"' in tel and 'value="116 CALL"' in tel
        assert f'aria-describedby="e{at}-tel-hint e{at}-tel-error"' in tel
        assert "Please give the number to call as 3 to 15 digits" in refused.text
        assert f'id="e{at}-categories-error"' in refused.text
        assert 'value="Samaritans (edited)"' in field_of(refused, f"e{at}-name")
        assert (await admin.get("/api/directory")).json() == shipped  # nothing saved

        edited["resources"][at]["tel"] = "116 123"  # spaces are fine
        edited["resources"][at]["categories"] = ["help", "suicide"]
        saved = await post_form(admin, directory_form(edited))
        assert saved.status_code == 303
        now = (await admin.get("/api/directory")).json()["resources"][at]
        assert (now["tel"], now["name"], now["categories"]) == (
            "116123", "Samaritans (edited)", ["help", "suicide"])

        # Add and remove change the form only, keeping what was typed.
        added = await post_form(admin, directory_form(edited), action="add")
        count = len(edited["resources"])
        assert added.status_code == 200 and f'id="e{count}-name"' in added.text
        assert "autofocus" in field_of(added, f"e{count}-name")
        removed = await post_form(admin, directory_form(edited), action=f"remove-{at}")
        assert removed.status_code == 200 and f'id="e{count - 1}-name"' not in removed.text
        assert "Samaritans (edited)" not in removed.text.split('id="directory"')[0]
        assert len((await admin.get("/api/directory")).json()["resources"]) == count

        # A date that is not one, and two entries with one id, are refused too.
        bad = json.loads(json.dumps(edited))
        bad["checked"] = "last week"
        bad["resources"][1]["id"] = bad["resources"][0]["id"]
        refused = await post_form(admin, directory_form(bad))
        assert refused.status_code == 400
        assert 'aria-invalid="true"' in field_of(refused, "checked")
        no_csrf = await admin.post("/admin/directory/entries",
                                   data=dict(directory_form(edited)))
        assert no_csrf.status_code == 403
        actions = [a for a, _, _ in await audit_by(hs, admin_name)]
        assert actions == ["directory.changed", "directory.changed"]
    finally:
        await admin.put("/api/directory", content=json.dumps(shipped))


@pytest.mark.parametrize("tel", ["0808 2000 247", "+44 808 2000 247"])
def test_numbers_are_read_with_their_spaces_taken_out(tel: str) -> None:
    from server.http.admin_directory import _document

    entry = {"id": "x", "name": "X", "contact": "Call", "hours": "", "url": "", "tel": tel,
             "sms": "", "sms_body": "", "languages": "en, pl", "categories": ["help"],
             "audiences": ["*"], "interpreting": False, "pending": False}
    document = _document({"checked": "2026-12-06", "note": ""}, [entry])
    assert document["resources"][0]["tel"] == tel.replace(" ", "")
    assert document["resources"][0]["languages"] == ["en", "pl"]
