"""A staff member's first login with a generated password, in a real browser: sent to
the change-password form, a mistake explained, the change made, their role's page reached."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.async_api import expect

from server.auth.passwords import hash_password
from tests.harness import STAFF_PASSWORD, Harness
from tests.web.conftest import DESKTOP, PHONE, OpenTab
from tests.web.test_browser import page_fits

pytestmark = pytest.mark.browser

NEW_PASSWORD = "blackbirds sing before dawn"


@pytest.mark.parametrize(("role", "viewport", "landing", "heading", "nav"), [
    ("facilitator", PHONE, "/staff", "Your groups", ["Your groups", "One-to-one",
                                                     "Your training", "Your hours",
                                                     "Change password", "Two-step login",
                                                     "Your data"]),
    ("safeguarding_lead", PHONE, "/lead", "Escalations",
     ["Escalations", "Groups", "Your hours", "Change password", "Two-step login",
      "Your data"]),
    ("admin", DESKTOP, "/admin/directory", "Signposting directory",
     ["Directory", "Manage groups", "Staff accounts", "Groups", "Volunteers",
      "Impact report", "Change password", "Two-step login", "Your data"]),
])
async def test_first_login_changes_the_generated_password_then_lands_on_the_roles_page(
        h: Harness, tabs: OpenTab, role: str, viewport: dict[str, int], landing: str,
        heading: str, nav: list[str]) -> None:
    username = f"first-{uuid.uuid4().hex[:8]}"
    await h.store.add_staff(username, hash_password(STAFF_PASSWORD), role,
                            must_change_password=True)
    tab = await tabs(viewport=viewport)
    page = tab.page
    await page.goto("/login")
    await expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(STAFF_PASSWORD)
    await page.get_by_role("button", name="Log in").click()

    # Sent to the form, which says why; the other pages send them back to it.
    await page.wait_for_url("**/account/password")
    await expect(page.get_by_role("heading", name="Change your password")).to_be_visible()
    await expect(page.get_by_text("only for your first login")).to_be_visible()
    staff_nav = page.get_by_role("navigation", name="Staff")
    await expect(staff_nav.get_by_role("link")).to_have_text(["Change password"])
    await expect(staff_nav.get_by_role("link", name="Change password")).to_have_attribute(
        "aria-current", "page")
    await page.goto(landing)
    await page.wait_for_url("**/account/password")
    await page_fits(tab)

    # A mistake: explained next to the field, which is marked and described.
    await page.get_by_label("Current password").fill(STAFF_PASSWORD)
    await page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    await page.get_by_label("New password again").fill(NEW_PASSWORD + " and dusk")
    await page.get_by_role("button", name="Change password").click()
    await expect(page.get_by_role("alert")).to_contain_text("has not been changed yet")
    again = page.get_by_label("New password again")
    await expect(again).to_have_attribute("aria-invalid", "true")
    await expect(again).to_have_accessible_description(re.compile("not the same"))
    await page_fits(tab)

    # Done right: their role's page, with a confirmation, and the whole navigation.
    await page.get_by_label("Current password").fill(STAFF_PASSWORD)
    await page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    await page.get_by_label("New password again").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Change password").click()
    await page.wait_for_url(f"**{landing}?notice=password-changed")
    await expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    await expect(page.get_by_role("status").filter(
        has_text="Your password has been changed.")).to_be_visible()
    await expect(staff_nav.get_by_role("link")).to_have_text(nav)
    await expect(staff_nav.get_by_role("link", name=nav[0])).to_have_attribute(
        "aria-current", "page")
    await expect(staff_nav.get_by_role("button", name="Log out")).to_be_visible()
    await page_fits(tab)
    staff = await h.store.staff_by_username(username)
    assert staff is not None and not staff.must_change_password

    # Log out from the navigation; the new password is the one that works now.
    await staff_nav.get_by_role("button", name="Log out").click()
    await page.wait_for_url("**/")
    await page.goto("/login")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(f"**{landing}")
    tab.assert_clean("400 (Bad Request)")  # Chromium logs the refused form's status
