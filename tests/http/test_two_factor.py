"""Two-step login (TOTP) against a real server with HEARTH_REQUIRE_2FA's default: set-up
with a QR code, login with a code pyotp computes here, replay refused, required roles
sent to set it up first, and an admin's reset."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import AsyncIterator

import httpx
import pyotp
import pytest

from server.auth.passwords import hash_password
from server.settings import Settings
from tests.conftest import MakeServer
from tests.harness import STAFF_PASSWORD, Harness, ServerThread, harness
from tests.http.test_account import form_login
from tests.http.test_pages import csrf_of


@pytest.fixture
def server_2fa(make_server: MakeServer) -> ServerThread:
    return make_server(require_2fa=Settings.require_2fa)


@pytest.fixture
async def h2(server_2fa: ServerThread) -> AsyncIterator[Harness]:
    async with harness(server_2fa) as value:
        yield value


@pytest.fixture
async def browsers() -> AsyncIterator[list[httpx.AsyncClient]]:
    opened: list[httpx.AsyncClient] = []
    yield opened
    for browser in opened:
        await browser.aclose()


async def new_browser(h: Harness, browsers: list[httpx.AsyncClient]) -> httpx.AsyncClient:
    browser = httpx.AsyncClient(base_url=h.server.http, headers={"Origin": h.server.origin})
    browsers.append(browser)
    return browser


async def member(h: Harness, role: str) -> str:
    username = f"{role[:4]}-{secrets.token_hex(4)}"
    await h.store.add_staff(username, hash_password(STAFF_PASSWORD), role)
    return username


def secret_on(page: httpx.Response) -> str:
    found = re.search(r'<code class="secret-key"[^>]*>([A-Z2-7 ]+)</code>', page.text)
    assert found, "the set-up page shows no key"
    return found.group(1).replace(" ", "")


async def enrol(browser: httpx.AsyncClient) -> tuple[str, int]:
    """Set up two-step login from the page, as an app would; returns (secret, step used)."""
    page = await browser.get("/account/2fa")
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in page.text  # the QR code, inline, no script
    secret = secret_on(page)
    enrol_token = re.search(r'name="enrol" value="([^"]+)"', page.text)
    assert enrol_token
    now = time.time()
    done = await browser.post("/account/2fa", data={
        "csrf_token": csrf_of(page), "enrol": enrol_token.group(1),
        "code": pyotp.TOTP(secret).at(now)})
    assert done.status_code == 303, done.text
    return secret, int(now // 30)


def next_code(secret: str, used_step: int) -> str:
    """A valid code for a later step than ``used_step`` (the one before +1 is accepted),
    so the test never waits for the clock."""
    step = max(used_step + 1, int(time.time() // 30))
    return pyotp.TOTP(secret).generate_otp(step)


async def test_a_lead_is_sent_to_set_up_two_step_login_before_anything_works(
        h2: Harness, browsers: list[httpx.AsyncClient]) -> None:
    room_id, _ = await h2.room()
    username = await member(h2, "safeguarding_lead")
    browser = await new_browser(h2, browsers)
    landed = await form_login(browser, username)
    assert landed.status_code == 303 and landed.headers["location"] == "/account/2fa"
    for path in ("/lead", "/staff", "/admin/directory"):
        page = await browser.get(path)
        assert page.status_code == 303 and page.headers["location"] == "/account/2fa", path
    token = await browser.post(f"/api/rooms/{room_id}/token", json={})
    assert token.status_code == 403
    assert token.json()["error"]["code"] == "two_factor_required"
    escalations = await browser.get("/api/escalations")
    assert escalations.status_code == 403
    assert escalations.json()["error"]["code"] == "two_factor_required"
    api_login = await h2.http.post("/api/login", json={"username": username,
                                                       "password": STAFF_PASSWORD})
    assert api_login.json()["staff"]["two_factor_required"] is True

    secret, step = await enrol(browser)
    assert (await browser.get("/lead")).status_code == 200
    assert (await browser.post(f"/api/rooms/{room_id}/token", json={})).status_code == 201
    stored = await h2.store.staff_by_username(username)
    assert stored is not None and stored.totp_secret and secret not in stored.totp_secret
    assert secret not in h2.server.logs.text()
    assert step


async def test_login_asks_for_the_code_and_a_code_works_once(
        h2: Harness, browsers: list[httpx.AsyncClient]) -> None:
    username = await member(h2, "admin")
    first = await new_browser(h2, browsers)
    await form_login(first, username)
    secret, used = await enrol(first)

    browser = await new_browser(h2, browsers)
    asked = await form_login(browser, username)
    assert asked.status_code == 303 and asked.headers["location"] == "/login/code"
    assert "hearth_session" not in browser.cookies  # no session before the code
    assert (await browser.get("/admin/directory")).headers["location"] == "/login"
    # The enrolment's own code does not log in.
    page = await browser.get("/login/code")
    stale = await browser.post("/login/code", data={
        "csrf_token": csrf_of(page), "code": pyotp.TOTP(secret).generate_otp(used)})
    assert stale.status_code == 401
    code = next_code(secret, used)
    wrong = await browser.post("/login/code", data={"csrf_token": csrf_of(page),
                                                    "code": "000000" if code != "000000"
                                                    else "111111"})
    assert wrong.status_code == 401
    ok = await browser.post("/login/code", data={"csrf_token": csrf_of(page), "code": code})
    assert ok.status_code == 303 and ok.headers["location"] == "/admin/directory"
    assert (await browser.get("/admin/directory")).status_code == 200

    # The same code again, in another browser: refused (replay).
    other = await new_browser(h2, browsers)
    await form_login(other, username)
    page = await other.get("/login/code")
    replay = await other.post("/login/code", data={"csrf_token": csrf_of(page), "code": code})
    assert replay.status_code == 401

    # The JSON API: password alone is not enough; a used code is refused too.
    api = await h2.http.post("/api/login", json={"username": username,
                                                 "password": STAFF_PASSWORD})
    assert api.status_code == 401 and api.json()["error"]["code"] == "code_required"
    api = await h2.http.post("/api/login", json={"username": username,
                                                 "password": STAFF_PASSWORD, "code": code})
    assert api.status_code == 401 and api.json()["error"]["code"] == "bad_code"


async def test_codes_count_against_the_login_limit_per_account(
        make_server: MakeServer, browsers: list[httpx.AsyncClient]) -> None:
    server = make_server(require_2fa=("admin",), login_burst=5, login_per_minute=1)
    async with harness(server) as h:
        username = await member(h, "admin")
        setup = await new_browser(h, browsers)
        await form_login(setup, username)
        await enrol(setup)
        statuses = []
        for _ in range(8):
            api = await h.http.post("/api/login", json={
                "username": username, "password": STAFF_PASSWORD, "code": "123456"})
            statuses.append(api.status_code)
        assert 429 in statuses


async def test_an_admin_resets_two_step_login(
        h2: Harness, browsers: list[httpx.AsyncClient]) -> None:
    fac_name = await member(h2, "facilitator")
    fac = await new_browser(h2, browsers)
    assert (await form_login(fac, fac_name)).headers["location"] == "/staff"  # not required
    secret, _ = await enrol(fac)  # but open to them
    fac_id = (await h2.store.staff_by_username(fac_name)).id  # type: ignore[union-attr]

    admin_name = await member(h2, "admin")
    admin = await new_browser(h2, browsers)
    await form_login(admin, admin_name)
    _, used = await enrol(admin)
    page = await admin.get("/admin/staff")
    assert "Reset two-step login" in page.text
    reset = await admin.post(f"/admin/staff/{fac_id}/reset-2fa",
                             data={"csrf_token": csrf_of(page)})
    assert reset.status_code == 303
    after = await h2.store.staff_by_id(fac_id)
    assert after is not None and not after.two_factor
    assert (await fac.get("/staff")).headers["location"] == "/login"  # sessions ended
    again = await new_browser(h2, browsers)
    assert (await form_login(again, fac_name)).headers["location"] == "/staff"
    assert secret and used
