"""Issue 9: facilitators assigned to rooms, staff tokens that die with their session, and an
admin's disable / enable / password reset / invite revoke and rotate, through the real
server's APIs, forms and WebSocket."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text

from server.auth.passwords import verify_password
from tests.harness import STAFF_PASSWORD, Harness, SuiteHarness
from tests.http.test_account import NEW_PASSWORD, change, form_login
from tests.http.test_api import error_code
from tests.http.test_pages import csrf_of


@pytest.fixture
async def browsers(hs: SuiteHarness) -> AsyncIterator[list[httpx.AsyncClient]]:
    opened: list[httpx.AsyncClient] = []
    yield opened
    for browser in opened:
        await browser.aclose()


async def account(hs: SuiteHarness, browsers: list[httpx.AsyncClient],
                  role: str = "facilitator") -> tuple[str, str, httpx.AsyncClient]:
    """A new account of ``role``, logged in with the form: (username, staff id, browser)."""
    username, api_client = await hs.staff(role)
    await api_client.aclose()
    staff = await hs.store.staff_by_username(username)
    assert staff is not None
    browser = httpx.AsyncClient(base_url=hs.server.http, headers={"Origin": hs.server.origin})
    browsers.append(browser)
    assert (await form_login(browser, username)).status_code == 303
    return username, staff.id, browser


async def token_for(browser: httpx.AsyncClient, room_id: str) -> httpx.Response:
    return await browser.post(f"/api/rooms/{room_id}/token", json={})


async def admin_post(admin: httpx.AsyncClient, path: str, page: str,
                     **fields: str) -> httpx.Response:
    token = csrf_of(await admin.get(page))
    return await admin.post(path, data={"csrf_token": token, **fields})


async def audit_by(h: Harness, actor: str) -> list[tuple[str, str | None, str]]:
    """(action, target, detail) of each audit entry by ``actor``, oldest first."""
    async with h.store.engine.connect() as connection:
        rows = (await connection.execute(text(
            "SELECT action, target, detail FROM audit WHERE actor = :a ORDER BY seq"),
            {"a": actor})).all()
    return [(str(r[0]), r[1], str(r[2])) for r in rows]


# ---- room assignment -----------------------------------------------------------------

async def test_a_facilitator_takes_tokens_only_for_their_groups(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    mums, mums_invite = await hs.room("mothers", "Mums assigned")
    dads, dads_invite = await hs.room("fathers_partners", "Dads not assigned")
    username, _, fac = await account(hs, browsers)
    await hs.assign(mums, username)

    assert (await token_for(fac, mums)).status_code == 201
    refused = await token_for(fac, dads)
    assert refused.status_code == 403 and error_code(refused) == "forbidden"
    assert refused.json()["error"]["message"] == "you are not a facilitator of this group"
    # /staff lists their group and its invite link only.
    page = (await fac.get("/staff")).text
    assert "Mums assigned" in page and mums_invite in page
    assert "Dads not assigned" not in page and dads_invite not in page

    # The lead enters any group; an admin sees every group and its links.
    _, _, lead = await account(hs, browsers, "safeguarding_lead")
    assert (await token_for(lead, dads)).status_code == 201
    _, _, admin = await account(hs, browsers, "admin")
    listing = (await admin.get("/staff")).text
    assert mums_invite in listing and dads_invite in listing


async def test_unassigning_closes_the_room_and_refuses_the_old_token(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    room_id, _ = await hs.room()
    username, staff_id, fac_browser = await account(hs, browsers)
    await hs.assign(room_id, username)
    token = (await token_for(fac_browser, room_id)).json()["token"]
    fac = await hs.connect(token)
    _, _, admin = await account(hs, browsers, "admin")

    page = (await admin.get("/admin/rooms")).text
    assert username in page
    done = await admin_post(admin, f"/admin/rooms/{room_id}/unassign", "/admin/rooms",
                            staff=staff_id)
    assert done.status_code == 303
    assert await fac.closed() == 4401
    _, code = await hs.refused(token)
    assert code == 4401
    assert (await token_for(fac_browser, room_id)).status_code == 403

    again = await admin_post(admin, f"/admin/rooms/{room_id}/assign", "/admin/rooms",
                             staff=staff_id)
    assert again.status_code == 303
    assert (await token_for(fac_browser, room_id)).status_code == 201


# ---- tokens die with the session --------------------------------------------------------

async def test_logout_kills_the_room_token_of_that_session_and_closes_the_room(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    room_id, _ = await hs.room()
    username, _, fac_browser = await account(hs, browsers)
    await hs.assign(room_id, username)
    token = (await token_for(fac_browser, room_id)).json()["token"]
    second = (await token_for(fac_browser, room_id)).json()["token"]
    live = await hs.connect(token)

    assert (await fac_browser.post("/api/logout")).status_code == 204
    assert await live.closed() == 4401
    seen, code = await hs.refused(second)
    assert code == 4401
    assert seen[-1]["type"] == "error" and seen[-1]["code"] == "unauthorized"


async def test_a_staff_token_without_a_session_is_refused(hs: SuiteHarness) -> None:
    """A token signed the old way (no session in it) names no login: refused at hello."""
    from server.auth.tokens import Signer
    from server.rooms.types import Identity

    room_id, _ = await hs.room()
    username, api_client = await hs.staff()
    await api_client.aclose()
    staff = await hs.store.staff_by_username(username)
    assert staff is not None and hs.server.settings.secret_key
    signer = Signer(hs.server.settings.secret_key)
    token = signer.join_token(Identity(room_id=room_id, participant_id=f"f_{staff.id}",
                                       name="Fran", role="facilitator"))
    _, code = await hs.refused(token)
    assert code == 4401


# ---- disable and enable -------------------------------------------------------------------

async def test_disabling_ends_cookies_tokens_and_open_rooms_at_once(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    room_id, invite = await hs.room()
    username, staff_id, fac_browser = await account(hs, browsers)
    await hs.assign(room_id, username)
    token = (await token_for(fac_browser, room_id)).json()["token"]
    spare = (await token_for(fac_browser, room_id)).json()["token"]
    fac = await hs.connect(token)
    parent = await hs.connect((await hs.join_as(hs.browser(), invite, "Robin"))["token"])
    await fac.expect("lobby.knock")
    _, _, admin = await account(hs, browsers, "admin")

    done = await admin_post(admin, f"/admin/staff/{staff_id}/disable", "/admin/staff")
    assert done.status_code == 303
    assert await fac.closed() == 4401
    # The cookie is dead, the spare token is refused at hello, and the password no longer logs in.
    assert (await fac_browser.get("/staff")).headers.get("location") == "/login"
    assert (await token_for(fac_browser, room_id)).status_code == 401
    _, code = await hs.refused(spare)
    assert code == 4401
    async with httpx.AsyncClient(base_url=hs.server.http,
                                 headers={"Origin": hs.server.origin}) as fresh:
        login = await fresh.post("/api/login", json={"username": username,
                                                     "password": STAFF_PASSWORD})
        assert login.status_code == 401
        listing = (await admin.get("/admin/staff")).text
        assert "disabled" in listing

        enabled = await admin_post(admin, f"/admin/staff/{staff_id}/enable", "/admin/staff")
        assert enabled.status_code == 303
        login = await fresh.post("/api/login", json={"username": username,
                                                     "password": STAFF_PASSWORD})
        assert login.status_code == 200
    await parent.close()


async def test_only_an_admin_may_manage_accounts_and_not_their_own(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    _, staff_id, fac = await account(hs, browsers)
    _, lead_id, lead = await account(hs, browsers, "safeguarding_lead")
    assert (await lead.get("/admin/staff")).status_code == 403
    token = csrf_of(await lead.get("/lead"))
    refused = await lead.post(f"/admin/staff/{staff_id}/disable", data={"csrf_token": token})
    assert refused.status_code == 403
    _, admin_id, admin = await account(hs, browsers, "admin")
    no_csrf = await admin.post(f"/admin/staff/{staff_id}/disable", data={})
    assert no_csrf.status_code == 403
    own = await admin_post(admin, f"/admin/staff/{admin_id}/disable", "/admin/staff")
    assert own.status_code == 400
    member = await hs.store.staff_by_id(staff_id)
    assert member is not None and not member.disabled
    assert (await fac.get("/staff")).status_code == 200
    assert lead_id


# ---- password reset ----------------------------------------------------------------------

async def test_an_admin_resets_a_password_shown_once_and_changed_at_login(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    username, staff_id, fac = await account(hs, browsers)
    _, _, admin = await account(hs, browsers, "admin")
    reset = await admin_post(admin, f"/admin/staff/{staff_id}/reset-password", "/admin/staff")
    assert reset.status_code == 200 and reset.headers["cache-control"] == "no-store"
    found = re.search(r'id="reset-password"[^>]*>([^<]+)</code>', reset.text)
    assert found
    password = found.group(1)
    member = await hs.store.staff_by_id(staff_id)
    assert member is not None and member.must_change_password
    assert verify_password(member.password_hash, password)
    assert password not in (await admin.get("/admin/staff")).text  # shown once only
    # Their old session ended; the old password no longer works; the new one must be changed.
    assert (await fac.get("/staff")).headers.get("location") == "/login"
    async with httpx.AsyncClient(base_url=hs.server.http,
                                 headers={"Origin": hs.server.origin}) as fresh:
        assert (await form_login(fresh, username)).status_code == 401
        landed = await form_login(fresh, username, password)
        assert landed.headers["location"] == "/account/password"
        changed = await change(fresh, password, NEW_PASSWORD)
        assert changed.status_code == 303 and changed.headers["location"].startswith("/staff")


# ---- invites -------------------------------------------------------------------------------

async def test_rotating_an_invite_ends_the_old_link_and_makes_a_new_one(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    room_id, old = await hs.room()
    _, _, admin = await account(hs, browsers, "admin")
    rotated = await admin_post(admin, f"/admin/rooms/{room_id}/rotate", "/admin/rooms")
    assert rotated.status_code == 303
    refused = await hs.join_response(old)
    assert refused.status_code == 404 and error_code(refused) == "invite_not_found"
    assert (await hs.http.get(f"/join/{old}")).status_code == 404
    invites = (await hs.store.live_invites([room_id]))[room_id]
    assert len(invites) == 1 and invites[0].code != old
    assert (await hs.join_response(invites[0].code)).status_code == 201

    revoked = await admin_post(admin, f"/admin/rooms/{room_id}/revoke", "/admin/rooms",
                               code=invites[0].code)
    assert revoked.status_code == 303
    assert (await hs.join_response(invites[0].code)).status_code == 404
    assert "No working invite link" in (await admin.get("/admin/rooms")).text


# ---- the audit chain ------------------------------------------------------------------------

async def test_admin_actions_are_audited_without_password_material(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    room_id, _ = await hs.room()
    username, staff_id, _ = await account(hs, browsers)
    admin_name, _, admin = await account(hs, browsers, "admin")
    for path, fields in ((f"/admin/rooms/{room_id}/assign", {"staff": staff_id}),
                         (f"/admin/rooms/{room_id}/unassign", {"staff": staff_id}),
                         (f"/admin/rooms/{room_id}/rotate", {}),
                         (f"/admin/staff/{staff_id}/disable", {}),
                         (f"/admin/staff/{staff_id}/enable", {})):
        page = "/admin/rooms" if "rooms" in path else "/admin/staff"
        assert (await admin_post(admin, path, page, **fields)).status_code == 303
    reset = await admin_post(admin, f"/admin/staff/{staff_id}/reset-password", "/admin/staff")
    password = re.search(r'id="reset-password"[^>]*>([^<]+)<', reset.text)
    assert password
    entries = await audit_by(hs, admin_name)
    assert [action for action, _, _ in entries] == [
        "room.assign", "room.unassign", "invite.rotate", "staff.disable", "staff.enable",
        "staff.password_reset"]
    assert all(target == staff_id for action, target, _ in entries
               if action.startswith(("staff.", "room.")))
    text = repr(entries)
    assert password.group(1) not in text and "argon2" not in text
    assert (await hs.store.safeguarding.verify_audit()).ok
    assert username


async def test_weak_passwords_are_refused_kindly(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    _, _, fac = await account(hs, browsers)
    for weak in ("aaaaaaaaaa", "password12"):
        refused = await change(fac, STAFF_PASSWORD, weak)
        assert refused.status_code == 400
        assert "too easy to guess" in refused.text, weak
    assert "common password" in (await change(fac, STAFF_PASSWORD, "password12")).text
    assert (await change(fac, STAFF_PASSWORD, NEW_PASSWORD)).status_code == 303

