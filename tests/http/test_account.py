"""Changing one's own password, the must-change flag, landings and the staff navigation,
through the real server's forms and APIs."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator

import httpx
import pytest

from server.auth.passwords import MIN_PASSWORD, hash_password
from server.http.common import SESSION_COOKIE
from tests.conftest import MakeServer
from tests.harness import STAFF_PASSWORD, Harness, harness
from tests.http.test_lead import raise_escalation
from tests.http.test_pages import csrf_of

NEW_PASSWORD = "a kettle on the hob at dawn"
LANDINGS = {"facilitator": "/staff", "safeguarding_lead": "/lead", "admin": "/admin/directory",
            "coordinator": "/coordinator/volunteers"}
NAV = {
    "facilitator": [("/staff", "Your groups"), ("/account/one-to-one", "One-to-one"),
                    ("/account/training", "Your training"),
                    ("/account/hours", "Your hours"), ("/account/password", "Change password"),
                    ("/account/2fa", "Two-step login"), ("/account/data", "Your data")],
    "safeguarding_lead": [("/lead", "Escalations"), ("/staff", "Groups"),
                          ("/account/hours", "Your hours"),
                          ("/account/password", "Change password"),
                          ("/account/2fa", "Two-step login"),
                    ("/account/data", "Your data")],
    "admin": [("/admin/directory", "Directory"), ("/admin/rooms", "Manage groups"),
              ("/admin/staff", "Staff accounts"), ("/staff", "Groups"),
              ("/coordinator/volunteers", "Volunteers"), ("/reports/impact", "Impact report"),
              ("/account/password", "Change password"), ("/account/2fa", "Two-step login"),
                    ("/account/data", "Your data")],
    "coordinator": [("/coordinator/volunteers", "Volunteers"),
                    ("/coordinator/referrals", "One-to-one requests"),
                    ("/reports/impact", "Impact report"),
                    ("/account/password", "Change password"), ("/account/2fa", "Two-step login"),
                    ("/account/data", "Your data")],
}


async def new_staff(h: Harness, role: str, *, must_change: bool = False) -> str:
    username = f"{role[:4]}-{secrets.token_hex(4)}"
    await h.store.add_staff(username, hash_password(STAFF_PASSWORD), role,
                            must_change_password=must_change)
    return username


def browser_for(h: Harness) -> httpx.AsyncClient:
    """A browser of its own: its own cookies, sending the Origin a page of Hearth's would."""
    return httpx.AsyncClient(base_url=h.server.http, headers={"Origin": h.server.origin})


async def form_login(browser: httpx.AsyncClient, username: str,
                     password: str = STAFF_PASSWORD) -> httpx.Response:
    token = csrf_of(await browser.get("/login"))
    return await browser.post("/login", data={"username": username, "password": password,
                                              "csrf_token": token})


@pytest.fixture
async def browsers(h: Harness) -> AsyncIterator[list[httpx.AsyncClient]]:
    opened: list[httpx.AsyncClient] = []
    yield opened
    for browser in opened:
        await browser.aclose()


async def logged_in(h: Harness, browsers: list[httpx.AsyncClient], role: str, *,
                    must_change: bool = False) -> tuple[str, httpx.AsyncClient]:
    username = await new_staff(h, role, must_change=must_change)
    browser = browser_for(h)
    browsers.append(browser)
    response = await form_login(browser, username)
    assert response.status_code == 303, response.text
    return username, browser


def nav_of(page: httpx.Response) -> list[tuple[str, str, str]]:
    """(href, label, aria-current or "") of each link in the staff navigation."""
    found = re.search(r'<nav class="staff-nav" aria-label="Staff">(.*?)</nav>', page.text, re.S)
    assert found, "the page has no staff navigation"
    assert re.search(r'<button type="submit">Log out</button>', found.group(1))
    return [(href, label, current) for href, current, label in re.findall(
        r'<a href="([^"]+)"(?: aria-current="([^"]+)")?>([^<]+)</a>', found.group(1))]


async def change(browser: httpx.AsyncClient, current: str, new: str,
                 again: str | None = None) -> httpx.Response:
    token = csrf_of(await browser.get("/account/password"))
    return await browser.post("/account/password", data={
        "csrf_token": token, "current": current, "new": new,
        "again": new if again is None else again})


# ---- landings ---------------------------------------------------------------------------

@pytest.mark.parametrize("role", list(LANDINGS))
async def test_each_role_lands_where_its_work_is(
        h: Harness, browsers: list[httpx.AsyncClient], role: str) -> None:
    username = await new_staff(h, role)
    browser = browser_for(h)
    browsers.append(browser)
    response = await form_login(browser, username)
    assert response.status_code == 303 and response.headers["location"] == LANDINGS[role]
    landing = await browser.get(LANDINGS[role])
    assert landing.status_code == 200
    # Already logged in, /login sends them to the same place.
    again = await browser.get("/login")
    assert again.status_code == 303 and again.headers["location"] == LANDINGS[role]


async def test_the_login_page_names_no_role(h: Harness) -> None:
    async with browser_for(h) as browser:
        page = await browser.get("/login")
    assert "<title>Staff login · Hearth</title>" in page.text
    assert "<h1>Log in</h1>" in page.text
    assert "invite link you were given" in page.text  # the hint for parents
    assert "Facilitator" not in page.text and "facilitators" not in page.text


# ---- navigation -------------------------------------------------------------------------

@pytest.mark.parametrize("role", list(NAV))
async def test_every_staff_page_shows_the_roles_navigation(
        h: Harness, browsers: list[httpx.AsyncClient], role: str) -> None:
    _, browser = await logged_in(h, browsers, role)
    for href, _ in NAV[role]:
        page = await browser.get(href)
        assert page.status_code == 200, href
        nav = nav_of(page)
        assert [(link, label) for link, label, _ in nav] == NAV[role]
        assert [link for link, _, current in nav if current == "page"] == [href]
        assert not [link for link, _, current in nav if current and current != "page"]


async def test_an_escalation_page_marks_escalations_as_its_section(
        h: Harness, browsers: list[httpx.AsyncClient]) -> None:
    _, escalation_id = await raise_escalation(h)
    _, browser = await logged_in(h, browsers, "safeguarding_lead")
    nav = nav_of(await browser.get(f"/lead/escalations/{escalation_id}"))
    assert ("/lead", "Escalations", "true") in nav
    assert not [link for link, _, current in nav if current == "page"]


async def test_who_may_open_a_group_from_the_groups_page(
        h: Harness, browsers: list[httpx.AsyncClient]) -> None:
    room_id, _ = await h.room(name="Evening circle")
    for role, heading, opens in (("facilitator", "Your groups", True),
                                 ("safeguarding_lead", "Groups", True),
                                 ("admin", "Groups", False)):
        username, browser = await logged_in(h, browsers, role)
        await h.assign(room_id, username)  # a facilitator sees the groups they facilitate
        page = await browser.get("/staff")
        assert f"<h1>{heading}</h1>" in page.text and "Evening circle" in page.text
        assert ("Open as facilitator" in page.text) is opens, role


async def test_a_refusal_page_shows_the_navigation_too(
        h: Harness, browsers: list[httpx.AsyncClient]) -> None:
    _, browser = await logged_in(h, browsers, "facilitator")
    refused = await browser.get("/admin/directory")
    assert refused.status_code == 403 and "This page is for admins." in refused.text
    assert [label for _, label, _ in nav_of(refused)] == ["Your groups", "One-to-one",
                                                          "Your training", "Your hours",
                                                          "Change password",
                                                          "Two-step login", "Your data"]


# ---- must change password ---------------------------------------------------------------

@pytest.mark.parametrize("role", list(LANDINGS))
async def test_a_generated_password_sends_every_staff_page_to_the_change_form(
        h: Harness, browsers: list[httpx.AsyncClient], role: str) -> None:
    username = await new_staff(h, role, must_change=True)
    browser = browser_for(h)
    browsers.append(browser)
    response = await form_login(browser, username)
    assert response.status_code == 303 and response.headers["location"] == "/account/password"
    for path in ("/staff", "/lead", "/lead/escalations/e_any", "/admin/directory", "/login"):
        sent = await browser.get(path)
        assert sent.status_code == 303, path
        assert sent.headers["location"] == "/account/password", path
    form = await browser.get("/account/password")
    assert form.status_code == 200
    assert "The password you were given was only for your first login" in form.text
    # Only the page they can use is offered, and no live banner that would be refused.
    assert nav_of(form) == [("/account/password", "Change password", "page")]
    assert "lead-live.js" not in form.text


async def test_the_session_apis_refuse_until_the_password_is_changed(
        h: Harness, browsers: list[httpx.AsyncClient]) -> None:
    room_id, _ = await h.room()
    _, lead = await logged_in(h, browsers, "safeguarding_lead", must_change=True)
    _, fac = await logged_in(h, browsers, "facilitator", must_change=True)
    _, admin = await logged_in(h, browsers, "admin", must_change=True)
    calls = [
        (fac, "POST", f"/api/rooms/{room_id}/token", {}),
        (lead, "POST", f"/api/rooms/{room_id}/token", {}),
        (lead, "GET", "/api/escalations", None),
        (lead, "GET", "/api/escalations/stream", None),
        (lead, "GET", "/api/escalations/e_any", None),
        (lead, "POST", "/api/escalations/e_any", {"state": "acknowledged"}),
        (admin, "PUT", "/api/directory", {}),
    ]
    for browser, method, path, body in calls:
        response = await browser.request(method, path, json=body)
        assert response.status_code == 403, (method, path, response.text)
        error = response.json()["error"]
        assert error["code"] == "password_change_required", (method, path)
        assert "/account/password" in error["message"]
    # Other refusals still come first: a page of another site is turned away as before,
    # and without a session it is 401.
    fac.headers["Origin"] = "https://elsewhere.example"
    forged = await fac.post(f"/api/rooms/{room_id}/token", json={})
    assert forged.status_code == 403 and forged.json()["error"]["code"] == "forbidden"
    anonymous = await h.http.post(f"/api/rooms/{room_id}/token", json={})
    assert anonymous.status_code == 401


async def test_changing_the_password_lets_the_apis_answer(
        h: Harness, browsers: list[httpx.AsyncClient]) -> None:
    room_id, _ = await h.room()
    username, fac = await logged_in(h, browsers, "facilitator", must_change=True)
    await h.assign(room_id, username)
    assert (await fac.post(f"/api/rooms/{room_id}/token", json={})).status_code == 403
    done = await change(fac, STAFF_PASSWORD, NEW_PASSWORD)
    assert done.status_code == 303
    assert (await fac.post(f"/api/rooms/{room_id}/token", json={})).status_code == 201


# ---- the change-password form ------------------------------------------------------------

@pytest.mark.parametrize(("current", "new", "again", "field", "words"), [
    ("not my password!", NEW_PASSWORD, None, "current", "not your current password"),
    (STAFF_PASSWORD, "short", None, "new", f"at least {MIN_PASSWORD} characters"),
    (STAFF_PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!", "again", "not the same"),
    (STAFF_PASSWORD, STAFF_PASSWORD, None, "new", "different from your current one"),
])
async def test_a_refused_change_says_why_and_keeps_the_session(
        h: Harness, browsers: list[httpx.AsyncClient], current: str, new: str,
        again: str | None, field: str, words: str) -> None:
    username, browser = await logged_in(h, browsers, "facilitator", must_change=True)
    response = await change(browser, current, new, again)
    assert response.status_code == 400
    assert "Your password has not been changed yet." in response.text
    assert words in response.text
    assert re.search(rf'<p id="{field}-error" class="field-error">', response.text)
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', response.text, re.S)
    assert re.search(rf'id="{field}"[^>]*aria-describedby="[^"]*{field}-error', response.text,
                     re.S)
    assert NEW_PASSWORD not in response.text and STAFF_PASSWORD not in response.text
    # Nothing changed, and they are still logged in and still asked to change it.
    staff = await h.store.staff_by_username(username)
    assert staff is not None and staff.must_change_password
    assert (await browser.get("/account/password")).status_code == 200
    assert (await browser.get("/staff")).headers["location"] == "/account/password"
    async with browser_for(h) as another:  # the password they were given still works
        assert (await form_login(another, username)).status_code == 303


async def test_the_form_needs_its_csrf_token_and_a_login(
        h: Harness, browsers: list[httpx.AsyncClient]) -> None:
    _, browser = await logged_in(h, browsers, "admin")
    page = await browser.get("/account/password")
    data = {"current": STAFF_PASSWORD, "new": NEW_PASSWORD, "again": NEW_PASSWORD}
    missing = await browser.post("/account/password", data=data)
    assert missing.status_code == 403 and "This form had expired" in missing.text
    forged = await browser.post("/account/password",
                                data={**data, "csrf_token": csrf_of(page) + "x"})
    assert forged.status_code == 403
    async with browser_for(h) as anonymous:
        assert (await anonymous.get("/account/password")).headers["location"] == "/login"
        token = csrf_of(await anonymous.get("/login"))
        posted = await anonymous.post("/account/password", data={**data, "csrf_token": token})
        assert posted.status_code == 303 and posted.headers["location"] == "/login"


@pytest.mark.parametrize("role", list(LANDINGS))
async def test_a_changed_password_ends_the_other_sessions_and_keeps_this_one(
        h: Harness, browsers: list[httpx.AsyncClient], role: str) -> None:
    username, browser = await logged_in(h, browsers, role, must_change=True)
    elsewhere = browser_for(h)  # the same person, logged in on another device
    browsers.append(elsewhere)
    assert (await elsewhere.post("/api/login", json={"username": username,
                                                      "password": STAFF_PASSWORD})).is_success
    cookie = browser.cookies.get(SESSION_COOKIE)

    done = await change(browser, STAFF_PASSWORD, NEW_PASSWORD)

    assert done.status_code == 303
    assert done.headers["location"] == f"{LANDINGS[role]}?notice=password-changed"
    assert browser.cookies.get(SESSION_COOKIE) == cookie  # the same session carries on
    landed = await browser.get(done.headers["location"])
    assert landed.status_code == 200
    assert 'class="notice ok" role="status">Your password has been changed.' in landed.text
    staff = await h.store.staff_by_username(username)
    assert staff is not None and not staff.must_change_password
    # The other device is logged out; the old password no longer works; the new one does.
    assert (await elsewhere.get("/staff")).headers["location"] == "/login"
    assert (await elsewhere.get("/api/escalations")).status_code == 401
    async with browser_for(h) as fresh:
        old = await form_login(fresh, username, STAFF_PASSWORD)
        assert old.status_code == 401
        new = await form_login(fresh, username, NEW_PASSWORD)
        assert new.status_code == 303 and new.headers["location"] == LANDINGS[role]


async def test_without_the_flag_the_form_is_there_to_change_it_any_time(
        h: Harness, browsers: list[httpx.AsyncClient]) -> None:
    _, browser = await logged_in(h, browsers, "safeguarding_lead")
    page = await browser.get("/account/password")
    assert page.status_code == 200 and "Choose a new password" in page.text
    assert "only for your first login" not in page.text
    done = await change(browser, STAFF_PASSWORD, NEW_PASSWORD)
    assert done.status_code == 303 and done.headers["location"].startswith("/lead?")


async def test_password_attempts_share_the_login_limit(make_server: MakeServer) -> None:
    server = make_server(login_burst=4, login_per_minute=1)
    async with harness(server) as h:
        username = await new_staff(h, "facilitator", must_change=True)
        async with browser_for(h) as browser:
            assert (await form_login(browser, username)).status_code == 303  # 1 of 4
            for _ in range(3):  # 2, 3 and 4 of 4: wrong guesses at the current password
                assert (await change(browser, "guess " * 3, NEW_PASSWORD)).status_code == 400
            limited = await change(browser, STAFF_PASSWORD, NEW_PASSWORD)
            assert limited.status_code == 429 and "Too many attempts" in limited.text
            assert (await browser.get("/account/password")).status_code == 200  # still in
            # The login form shares the budget: no way round it there either.
            async with browser_for(h) as another:
                assert (await form_login(another, username)).status_code == 429
        staff = await h.store.staff_by_username(username)
        assert staff is not None and staff.must_change_password
