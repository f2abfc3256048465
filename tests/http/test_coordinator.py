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
from datetime import UTC, date, datetime, time
from typing import Any

import httpx
import pytest

from server import i18n
from server.auth import manage
from server.auth.passwords import verify_password
from server.http import admin_common, admin_directory, admin_rooms
from server.safeguarding.directory import (
    MAX_BYTES,
    MAX_ENTRIES,
    NOTE_MAX,
    Directory,
    DirectoryStore,
    InvalidDirectory,
    parse,
    problems,
)
from server.store.db import AGREEMENT_MAX, ROOM_NAME_MAX, room_problems
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
    invites = (await hs.store.live_invites([room_id]))[room_id]
    assert len(invites) == 1
    return invites[0].code


def group_agreement(page: httpx.Response, list_id: str = "group-agreement") -> list[str]:
    """The points of the join page's list ``list_id``, as the page has them."""
    listed = page.text[page.text.index(f'id="{list_id}"'):]
    listed = listed[:listed.index("</ul>")]
    return [point.strip() for point in re.findall(r"<li[^>]*>([^<]*)</li>", listed)]


def words_in(code: str, message: str, **params: object) -> str:
    """``message`` as a page in ``code`` shows it (compare with the page's text unescaped)."""
    translated = i18n.translations(code).ugettext(message)
    return translated % params if params else translated


# Hearth's points about safety, shown after a group's own agreement too (join.html).
SAFETY_POINTS = [
    "If we're worried about your safety or a child's, your facilitator will check in with "
    "you privately and may ask our safeguarding lead to help get you support.",
    "In an emergency, call 999. You can leave at any time with the Quick exit button."]


async def post_in(browser: httpx.AsyncClient, path: str, page: str, language: str,
                  **fields: str) -> httpx.Response:
    """``admin_post`` from a browser whose language is ``language``."""
    headers = {"Accept-Language": language}
    token = csrf_of(await browser.get(page, headers=headers))
    return await browser.post(path, data={"csrf_token": token, **fields}, headers=headers)


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

    # Renamed, and opened to every parent (the one settings form, its agreement empty).
    renamed = unique("Thursday parents")
    changed = await admin_post(admin, f"/admin/rooms/{room_id}/details", "/admin/rooms",
                               name=renamed, audience="everyone", agreement="")
    assert changed.status_code == 303 and "done=changed" in changed.headers["location"]
    record = await hs.store.room(room_id)
    assert record is not None and (record.name, record.audience) == (renamed, "everyone")

    # Its own agreement: one point a line, a typed list's dashes dropped, never HTML.
    agreement = "Be kind to each other.\r\n\r\n- No recording, please.\r\n<b>Bold</b> & more"
    saved = await admin_post(admin, f"/admin/rooms/{room_id}/details", "/admin/rooms",
                             name=renamed, audience="everyone", agreement=agreement)
    assert saved.status_code == 303 and "done=agreement" in saved.headers["location"]
    joining = await hs.http.get(f"/join/{invite}")
    assert group_agreement(joining) == [
        "Be kind to each other.", "No recording, please.", "&lt;b&gt;Bold&lt;/b&gt; &amp; more"]
    assert "What&#39;s shared here stays here" not in joining.text  # not the standard one
    # Hearth's points about safety follow it, in the page's language.
    assert [html.unescape(p) for p in group_agreement(joining, "agreement-safety")
            ] == SAFETY_POINTS
    polish = await hs.http.get(f"/join/{invite}", headers={"Accept-Language": "pl"})
    assert [html.unescape(p) for p in group_agreement(polish, "agreement-safety")] == [
        words_in("pl", point) for point in SAFETY_POINTS]
    assert words_in("pl", SAFETY_POINTS[1]) != SAFETY_POINTS[1]
    assert "Be kind to each other." in polish.text  # the group's own, as written
    # Cleared: the standard agreement again.
    assert (await admin_post(admin, f"/admin/rooms/{room_id}/details", "/admin/rooms",
                             name=renamed, audience="everyone",
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

    room_name = unique("Agreement group")
    room_id, _ = await hs.room(name=room_name)
    too_long = "A point of the agreement.\n" * 85  # 2,210 characters
    long = await admin_post(admin, f"/admin/rooms/{room_id}/details", "/admin/rooms",
                            name=room_name, audience="mothers", agreement=too_long)
    assert long.status_code == 400 and "too long" in long.text
    assert f'aria-describedby="agreement-{room_id}-hint agreement-{room_id}-error"' in long.text
    assert too_long.strip() in html.unescape(long.text)  # what was typed, to trim
    record = await hs.store.room(room_id)
    assert record is not None and record.agreement is None


async def test_one_settings_form_saves_whatever_changed_and_loses_nothing(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    name = unique("Settings group")
    room_id, _ = await hs.room(name=name)
    admin_name, _, admin = await account(hs, browsers, "admin")
    page = (await admin.get("/admin/rooms")).text
    card = page[page.index(f'id="room-{room_id}"'):]
    card = card[:card.index("</details>")]
    # One form, one Save, for the name, the audience and the agreement together; the admin
    # is told the agreement is shown exactly as written in every language of the page.
    assert card.count("<form") == 1 and card.count('type="submit"') == 1
    assert 'name="agreement"' in card and 'name="name"' in card
    assert "exactly as you write it in every language of the page" in card

    # Both changed at once: both saved, each audited once.
    renamed = unique("Settings group renamed")
    both = await admin_post(admin, f"/admin/rooms/{room_id}/details", "/admin/rooms",
                            name=renamed, audience="everyone", agreement="Be gentle.")
    assert both.status_code == 303 and "done=details" in both.headers["location"]
    record = await hs.store.room(room_id)
    assert record is not None
    assert (record.name, record.audience, record.agreement) == (renamed, "everyone",
                                                                "Be gentle.")
    assert "The group&#39;s name, audience and agreement are saved" in (
        await admin.get(both.headers["location"])).text
    # Nothing changed: nothing written, nothing audited.
    same = await admin_post(admin, f"/admin/rooms/{room_id}/details", "/admin/rooms",
                            name=renamed, audience="everyone", agreement="Be gentle.\r\n")
    assert same.status_code == 303 and "done=unchanged" in same.headers["location"]

    # A mistake in one field saves nothing, and every field comes back as typed.
    typed_agreement = "A new point, typed with care.\nAnd another."
    refused = await admin_post(admin, f"/admin/rooms/{room_id}/details", "/admin/rooms",
                               name="  ", audience="mothers", agreement=typed_agreement)
    assert refused.status_code == 400
    assert 'aria-invalid="true"' in field_of(refused, f"name-{room_id}")
    assert 'aria-invalid="true"' not in field_of(refused, f"agreement-{room_id}")
    assert typed_agreement in html.unescape(refused.text)
    assert 'value="mothers" selected' in refused.text
    long_agreement = "x" * (AGREEMENT_MAX + 1)
    refused = await admin_post(admin, f"/admin/rooms/{room_id}/details", "/admin/rooms",
                               name="Kept new name", audience="mothers",
                               agreement=long_agreement)
    assert refused.status_code == 400
    assert 'value="Kept new name"' in field_of(refused, f"name-{room_id}")
    assert 'aria-invalid="true"' not in field_of(refused, f"name-{room_id}")
    assert 'aria-invalid="true"' in field_of(refused, f"agreement-{room_id}")
    assert long_agreement in refused.text
    record = await hs.store.room(room_id)
    assert record is not None
    assert (record.name, record.audience, record.agreement) == (renamed, "everyone",
                                                                "Be gentle.")
    actions = [a for a, _, _ in await audit_by(hs, admin_name)]
    assert actions == ["room.change", "room.agreement"]


async def test_the_limits_are_named_in_the_pages_language(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    name = unique("Limits group")
    room_id, _ = await hs.room(name=name)
    _, _, admin = await account(hs, browsers, "admin")
    # The words carry the store's own limits, as placeholders a translation keeps.
    assert "%(max)s" in admin_rooms.BAD_NAME and "%(max)s" in admin_rooms.LONG_AGREEMENT
    refused = await post_in(admin, f"/admin/rooms/{room_id}/details", "/admin/rooms", "pl",
                            name="x" * (ROOM_NAME_MAX + 1), audience="mothers",
                            agreement="y" * (AGREEMENT_MAX + 1))
    assert refused.status_code == 400
    text = html.unescape(refused.text)
    assert words_in("pl", admin_rooms.BAD_NAME, max=ROOM_NAME_MAX) in text
    assert words_in("pl", admin_rooms.LONG_AGREEMENT, max=AGREEMENT_MAX) in text
    assert str(ROOM_NAME_MAX) in words_in("pl", admin_rooms.BAD_NAME, max=ROOM_NAME_MAX)


@pytest.mark.parametrize(("name", "audience", "agreement"), [
    ("Fine", "mothers", ""), ("   ", "mothers", ""), ("x" * (ROOM_NAME_MAX + 1), "everyone", ""),
    ("Fine", "astronauts", ""), ("Fine", "everyone", "z" * (AGREEMENT_MAX + 1)),
    (" " + "x" * ROOM_NAME_MAX + " ", "fathers_partners", " " + "z" * AGREEMENT_MAX + "\n"),
])
def test_the_page_refuses_exactly_what_the_store_refuses(name: str, audience: str,
                                                         agreement: str) -> None:
    typed = {"name": name, "audience": audience, "agreement": agreement}
    assert set(admin_rooms._details_errors(typed)) == set(
        room_problems(name=name, audience=audience, agreement=agreement))


async def test_an_expired_form_keeps_what_was_typed(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    room_id, _ = await hs.room(name=unique("Expired form group"))
    _, _, admin = await account(hs, browsers, "admin")
    made = await admin.post("/admin/rooms", data={"name": "Typed before lunch",
                                                  "audience": "fathers_partners",
                                                  "csrf_token": "stale"})
    assert made.status_code == 403 and "That form had expired" in made.text
    assert 'value="Typed before lunch"' in field_of(made, "new-name")
    assert 'value="fathers_partners" selected' in made.text

    typed = "A long agreement, typed slowly.\nIts second point."
    details = await admin.post(f"/admin/rooms/{room_id}/details", data={
        "name": "A name typed slowly", "audience": "everyone", "agreement": typed,
        "csrf_token": "stale"})
    assert details.status_code == 403 and "That form had expired" in details.text
    card = details.text[details.text.index(f'id="room-{room_id}"'):]
    assert card.startswith(f'id="room-{room_id}"')
    assert re.search(r'<details class="room-settings" open>', card[:card.index("</details>")])
    assert 'value="A name typed slowly"' in field_of(details, f"name-{room_id}")
    assert typed in html.unescape(details.text)
    record = await hs.store.room(room_id)
    assert record is not None and record.agreement is None  # and nothing saved

    username = f"typed-{secrets.token_hex(3)}"
    staff = await admin.post("/admin/staff", data={"username": username,
                                                   "role": "safeguarding_lead",
                                                   "csrf_token": "stale"})
    assert staff.status_code == 403 and "That form had expired" in staff.text
    assert f'value="{username}"' in field_of(staff, "new-username")
    assert 'value="safeguarding_lead" selected' in staff.text
    assert await hs.store.staff_by_username(username) is None


async def test_the_groups_page_assigns_with_the_staff_pages_words(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    room_id, _ = await hs.room(name=unique("Assigning group"))
    lead_name, lead_id, _ = await account(hs, browsers, "safeguarding_lead")
    _, fac_id, fac_browser = await account(hs, browsers)
    admin_name, _, admin = await account(hs, browsers, "admin")
    refused = await post_in(admin, f"/admin/rooms/{room_id}/assign", "/admin/rooms", "pl",
                            staff=lead_id)
    assert refused.status_code == 400
    text = html.unescape(refused.text)
    assert words_in("pl", admin_common.ONLY_FACILITATORS) in text
    assert words_in("pl", admin_common.ONLY_FACILITATORS) != admin_common.ONLY_FACILITATORS
    assert lead_name not in text.split('<ul class="rooms">')[0]  # nothing typed echoed
    assert not await hs.store.is_assigned(room_id, lead_id)

    assigned = await admin_post(admin, f"/admin/rooms/{room_id}/assign", "/admin/rooms",
                                staff=fac_id)
    assert assigned.status_code == 303 and "done=assigned" in assigned.headers["location"]
    fac = await hs.connect((await token_for(fac_browser, room_id)).json()["token"])
    removed = await admin_post(admin, f"/admin/rooms/{room_id}/unassign", "/admin/rooms",
                               staff=fac_id)
    assert removed.status_code == 303 and "done=unassigned" in removed.headers["location"]
    assert await fac.closed() == 4401  # their connection to the group is closed at once
    assert [a for a, _, _ in await audit_by(hs, admin_name)] == ["room.assign",
                                                                 "room.unassign"]


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
    room = await hs.store.room(room_id)
    assert room is not None
    await manage.add_session(hs.store, "test", room, date(2027, 3, 1), time(10), 60)
    sessions = await hs.store.schedules.for_room(room_id)
    # A facilitator who has asked for their account to be deleted: nobody but an admin,
    # with the form, confirms or declines it.
    _, fac_id, fac = await account(hs, browsers)
    asked = await fac.post("/account/data/delete", data={
        "csrf_token": csrf_of(await fac.get("/account/data")), "confirm": "yes"})
    assert asked.status_code == 303
    attempts: tuple[tuple[str, dict[str, str]], ...] = (
        ("/admin/rooms", {"name": "Not theirs", "audience": "everyone"}),
        (f"/admin/rooms/{room_id}/archive", {}),
        (f"/admin/rooms/{room_id}/details",
         {"name": "Renamed", "audience": "everyone", "agreement": "x"}),
        (f"/admin/rooms/{room_id}/session-add",
         {"first": "2027-04-05", "start": "18:00", "minutes": "60"}),
        (f"/admin/rooms/{room_id}/session-remove", {"session": sessions[0].id}),
        (f"/admin/rooms/{room_id}/schedule",
         {"timezone": "Asia/Karachi", "opens_before": "45"}),
        ("/admin/staff", {"username": "no-token", "role": "admin"}),
        (f"/admin/staff/{fac_id}/erase", {"confirm": "yes"}),
        (f"/admin/staff/{fac_id}/decline-erase", {"reason": "Not now"}))
    # A lead and a coordinator, each with a form's valid token: not their pages.
    _, _, lead = await account(hs, browsers, "safeguarding_lead")
    _, _, coordinator = await account(hs, browsers, "coordinator")
    for browser, page in ((lead, "/lead"), (coordinator, "/coordinator/volunteers")):
        token = csrf_of(await browser.get(page))
        for path, fields in (*attempts, ("/admin/directory/entries",
                                         {"entries": "0", "checked": "2026-12-06"})):
            refused = await browser.post(path, data={"csrf_token": token, **fields})
            assert refused.status_code == 403, (page, path)
    # An admin without the form's token: the form had expired.
    _, _, admin = await account(hs, browsers, "admin")
    for path, fields in attempts:
        refused = await admin.post(path, data=fields)
        assert refused.status_code == 403 and "That form had expired" in refused.text, path
    # Nothing changed.
    record = await hs.store.room(room_id)
    assert record is not None and record.name.startswith("Guarded group")
    assert record.agreement is None and not record.archived
    assert (record.timezone, record.opens_before) == (room.timezone, room.opens_before)
    assert await hs.store.schedules.for_room(room_id) == sessions
    assert await hs.store.staff_by_username("no-token") is None
    assert not [r for r in await hs.store.rooms() if r.name == "Not theirs"]
    member = await hs.store.staff_by_id(fac_id)
    assert member is not None and not member.erased and not member.disabled
    pending = await hs.store.staff_data.erasure(fac_id)
    assert pending is not None and pending.state == "pending"


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

        # A date that is not one, and two entries with one id, are refused together: the
        # second entry with the id is marked, whatever else is wrong.
        bad = json.loads(json.dumps(edited))
        bad["checked"] = "last week"
        bad["resources"][1]["id"] = bad["resources"][0]["id"]
        refused = await post_form(admin, directory_form(bad))
        assert refused.status_code == 400
        assert 'aria-invalid="true"' in field_of(refused, "checked")
        assert 'aria-invalid="true"' in field_of(refused, "e1-id")
        assert 'aria-invalid="true"' not in field_of(refused, "e0-id")
        assert "different from every other entry" in refused.text
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


def without_help(document: dict[str, Any], audiences: tuple[str, ...]) -> dict[str, Any]:
    """``document`` with every live entry for help taken out of ``audiences``' reach:
    marked as a gap to fill when it is shown in every group, else shown to the rest."""
    changed: dict[str, Any] = json.loads(json.dumps(document))
    for entry in changed["resources"]:
        if "help" not in entry["categories"] or entry.get("pending"):
            continue
        shown = entry.get("audiences", ["*"])
        if "*" in shown:
            entry["pending"] = True
        else:
            entry["audiences"] = [a for a in shown if a not in audiences] or ["*"]
            if entry["audiences"] == ["*"]:
                entry["pending"] = True
    return changed


async def test_every_kind_of_group_keeps_a_crisis_contact(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    _, _, admin = await account(hs, browsers, "admin")
    shipped = (await admin.get("/api/directory")).json()
    assert not problems(shipped) and Directory.default().for_help("fathers_partners")
    for audience in ("mothers", "fathers_partners", "everyone"):
        assert Directory(parse(shipped)).for_help(audience), audience
    dads_left_out = without_help(shipped, ("fathers_partners",))
    dads_left_out["resources"].append({
        "id": "mums-line", "name": "Mums' line", "contact": "Call 0800 000 000",
        "categories": ["help"], "audiences": ["mothers", "everyone"]})
    with pytest.raises(InvalidDirectory, match="fathers_partners") as refused:
        parse(dads_left_out)
    assert (refused.value.field, refused.value.audience) == ("help", "fathers_partners")
    try:
        # The API, the JSON editor and the form all refuse it, in words on the pages.
        put = await admin.put("/api/directory", content=json.dumps(dads_left_out))
        assert put.status_code == 400 and "fathers_partners" in put.json()["error"]["message"]
        text = json.dumps(dads_left_out)
        editor = await admin_post(admin, "/admin/directory", "/admin/directory", directory=text)
        assert editor.status_code == 400
        assert html.unescape(editor.text).count(admin_directory.NO_HELP["fathers_partners"]) == 1
        assert 'aria-invalid="true"' in field_of(editor, "directory")
        nobody = without_help(shipped, ("mothers", "fathers_partners", "everyone"))
        form = await post_form(admin, directory_form(nobody))
        assert form.status_code == 400
        page = html.unescape(form.text)
        for words in admin_directory.NO_HELP.values():
            assert words in page
        # Along with any other mistake, not only once the rest is right.
        nobody["resources"][0]["tel"] = "not a number"
        both = html.unescape((await post_form(admin, directory_form(nobody))).text)
        assert admin_directory.NO_HELP["mothers"] in both
        assert "Please give the number to call as 3 to 15 digits" in both
        assert (await admin.get("/api/directory")).json() == shipped  # nothing saved
    finally:
        await admin.put("/api/directory", content=json.dumps(shipped))


async def test_a_saved_directory_that_breaks_the_rule_gives_way_to_the_shipped_one(
        hs: SuiteHarness) -> None:
    shipped = Directory.default().data
    broken = without_help(json.loads(Directory.default().to_json()), ("mothers",))
    directories = DirectoryStore(hs.store.safeguarding)
    try:
        await hs.store.safeguarding.save_directory(json.dumps(broken), "test", datetime.now(UTC))
        current = await directories.current()
        assert current.data == shipped and current.for_help("mothers")
    finally:
        # What manage.save_directory saved, handed back as the directory now in use.
        saved = await manage.save_directory(directories, "test", shipped)
        assert isinstance(saved, Directory) and saved.data == shipped
        assert saved is await directories.current()


async def test_the_json_editor_says_what_is_wrong_in_words(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    _, _, admin = await account(hs, browsers, "admin")
    shipped = (await admin.get("/api/directory")).json()
    at = next(n for n, e in enumerate(shipped["resources"]) if e["id"] == "samaritans")
    bad = json.loads(json.dumps(shipped))
    bad["resources"][at]["tel"] = "116 CALL"
    refused = await post_in(admin, "/admin/directory", "/admin/directory", "pl",
                            directory=json.dumps(bad))
    assert refused.status_code == 400
    text = html.unescape(refused.text)
    assert words_in("pl", admin_directory.NOT_SAVED_ENTRY, number=at + 1) in text
    assert words_in("pl", str(admin_directory.FIELD_PROBLEMS["tel"])) in text
    assert "Expected" not in text and "$.resources" not in text  # never msgspec's words
    assert 'aria-invalid="true"' in field_of(refused, "directory")
    assert '"116 CALL"' in text  # what was typed, to fix
    not_json = await admin_post(admin, "/admin/directory", "/admin/directory",
                                directory="{not json")
    assert not_json.status_code == 400
    assert admin_directory.NOT_READ in html.unescape(not_json.text)
    assert "malformed" not in not_json.text


async def test_the_directorys_limits_are_the_same_everywhere_and_refused_in_words(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    _, _, admin = await account(hs, browsers, "admin")
    shipped = (await admin.get("/api/directory")).json()
    try:
        # A note past NOTE_MAX is refused by the form (never cut to fit) and the API alike.
        long_note = dict(shipped, note="n" * (NOTE_MAX + 1))
        form = await post_form(admin, directory_form(long_note))
        assert form.status_code == 400
        assert 'aria-invalid="true"' in field_of(form, "note")
        assert words_in("en", "Please keep the note to %(max)s characters or fewer.",
                        max=NOTE_MAX) in html.unescape(form.text)
        assert long_note["note"] in form.text  # as typed
        assert (await admin.put("/api/directory", content=json.dumps(long_note))
                ).status_code == 400
        # More than MAX_ENTRIES entries: refused by the form, the editor and the API.
        many = json.loads(json.dumps(shipped))
        many["resources"] += [{"id": f"local-{n}", "name": f"Local team {n}",
                               "contact": "Call 0800 000 000", "categories": ["help"]}
                              for n in range(MAX_ENTRIES + 1 - len(shipped["resources"]))]
        too_many = admin_directory.TOO_MANY
        assert isinstance(too_many, i18n.Phrase)
        wanted = too_many.message % too_many.params
        form = await post_form(admin, directory_form(many))
        assert form.status_code == 400 and wanted in html.unescape(form.text)
        editor = await admin_post(admin, "/admin/directory", "/admin/directory",
                                  directory=json.dumps(many))
        assert editor.status_code == 400 and wanted in html.unescape(editor.text)
        assert (await admin.put("/api/directory", content=json.dumps(many))).status_code == 400
        # Adding one to a full form says so, and saves nothing.
        full = dict(shipped, resources=many["resources"][:MAX_ENTRIES])
        added = await post_form(admin, directory_form(full), action="add")
        assert added.status_code == 400 and wanted in html.unescape(added.text)
        assert f'id="e{MAX_ENTRIES}-name"' not in added.text
        # Past MAX_BYTES: the editor says so in words (never cut), the API answers 413.
        padded = json.dumps(shipped) + " " * MAX_BYTES
        editor = await admin_post(admin, "/admin/directory", "/admin/directory",
                                  directory=padded)
        assert editor.status_code == 400
        assert admin_directory.TOO_LARGE in html.unescape(editor.text)
        assert (await admin.put("/api/directory", content=padded)).status_code == 413
        assert (await admin.get("/api/directory")).json() == shipped  # nothing saved
    finally:
        await admin.put("/api/directory", content=json.dumps(shipped))
