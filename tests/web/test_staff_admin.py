"""Issue 9 in a real browser: an admin disables a facilitator who is in a group (their room
closes and their login ends), and a member sets up two-step login with a QR code page and
logs in with a code (pyotp stands in for the phone's app)."""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path

import pyotp
import pytest
from playwright.async_api import Page, expect

from server.auth.passwords import hash_password
from tests.harness import STAFF_PASSWORD, Harness
from tests.web.conftest import PHONE, OpenTab, Tab, own_server
from tests.web.test_browser import facilitate
from tests.web.test_screenshots import speak

pytestmark = pytest.mark.browser
# /admin/rooms lists every group: a server of this module's own (tests/web/conftest.py).
server = own_server("admin")

# Set HEARTH_SHOTS=/tmp/shots9 to keep screenshots of the pages for a look (never in the repo).
SHOTS = os.environ.get("HEARTH_SHOTS")


async def shot(page: Page, name: str) -> None:
    """A phone-sized and a desktop-sized screenshot, when HEARTH_SHOTS asks for them."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        size = page.viewport_size
        await page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)
        await page.set_viewport_size({"width": 1280, "height": 800})
        await page.screenshot(path=str(Path(SHOTS) / f"{name}-desktop.png"), full_page=True)
        if size:
            await page.set_viewport_size(size)


async def log_in(page: Page, username: str, password: str = STAFF_PASSWORD) -> None:
    await page.goto("/login")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Log in").click()


async def signed_in(tabs: OpenTab, username: str, lang: str, lands: str = "**/*") -> Tab:
    """A phone with ``username`` logged in (on the page matching ``lands``), its pages in
    ``lang``."""
    tab = await tabs(viewport=PHONE, touch=True)
    await log_in(tab.page, username)
    await tab.page.wait_for_url(lands)
    await speak(tab, lang)
    return tab


async def test_an_admin_disables_a_facilitator_who_is_in_a_group(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str]) -> None:
    room_id, _ = await h.room(name="Tuesday mums")
    fac = await tabs()
    await facilitate(fac, facilitator_account, room_id)

    admin_name = f"ada-{secrets.token_hex(3)}"
    await h.store.add_staff(admin_name, hash_password(STAFF_PASSWORD), "admin")
    admin = await tabs(viewport=PHONE)
    await log_in(admin.page, admin_name)
    await admin.page.wait_for_url("**/admin/directory")
    await admin.page.get_by_role("link", name="Manage groups").click()
    await expect(admin.page.locator(f"#room-{room_id}")).to_contain_text(
        facilitator_account[0])
    await shot(admin.page, "admin-rooms-phone")
    await admin.page.get_by_role("link", name="Staff accounts").click()
    await shot(admin.page, "admin-staff-phone")
    await admin.page.get_by_role("button", name=f"Disable {facilitator_account[0]}").click()
    await expect(admin.page.get_by_role("status")).to_contain_text("The account is disabled")
    await shot(admin.page, "admin-staff-disabled-phone")

    # The facilitator's room connection is closed and their login is over.
    await expect(fac.page.locator("#status")).not_to_have_text(
        re.compile("You're facilitating"), timeout=5_000)
    await fac.page.goto("/staff")
    await fac.page.wait_for_url("**/login")
    admin.assert_clean()


async def test_two_step_login_set_up_and_used(h: Harness, tabs: OpenTab) -> None:
    username = f"lee-{secrets.token_hex(3)}"
    await h.store.add_staff(username, hash_password(STAFF_PASSWORD), "safeguarding_lead")
    tab = await tabs(viewport=PHONE)
    page = tab.page
    await log_in(page, username)
    await page.wait_for_url("**/lead")
    await page.get_by_role("link", name="Two-step login").click()
    qr = page.get_by_role("img", name="QR code to scan with your authenticator app")
    await expect(qr).to_be_visible()
    assert await qr.evaluate("img => img.naturalWidth") > 0  # the data: URL drew (CSP allows)
    await shot(page, "two-step-setup-phone")
    secret = (await page.locator("code.secret-key").inner_text()).replace(" ", "")
    now = time.time()
    await page.get_by_label("6-digit code").fill(pyotp.TOTP(secret).at(now))
    await page.get_by_role("button", name="Turn on two-step login").click()
    await page.wait_for_url("**/lead?notice=two-factor-on")
    # (The lead's live banner is a status too, so the notice is found by its class.)
    await expect(page.locator("main .notice.ok")).to_contain_text("Two-step login is set up")

    await page.get_by_role("button", name="Log out").click()
    await log_in(page, username)
    await page.wait_for_url("**/login/code")
    await shot(page, "two-step-code-phone")
    step = max(int(now // 30) + 1, int(time.time() // 30))
    await page.get_by_label("6-digit code from your authenticator app").fill(
        pyotp.TOTP(secret).generate_otp(step))
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url("**/lead")
    tab.assert_clean()
