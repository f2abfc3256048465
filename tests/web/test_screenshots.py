"""The README's pictures (docs/screenshots/), made by the browser as a parent, a facilitator
and the safeguarding lead see Hearth, in English and in Urdu, on a phone and a laptop.

Each view is also checked (it shows what it should, with no browser errors), so a broken page
fails here before its picture is kept. Running the tests refreshes the pictures; times and
made-up names differ from run to run, so they are committed when the pages change."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import expect

from server.auth.passwords import hash_password
from tests.harness import STAFF_PASSWORD, Harness
from tests.web.conftest import PHONE, OpenTab, Tab
from tests.web.test_browser import come_in, facilitate

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LAPTOP = {"width": 1280, "height": 800}
URGENT = "I've taken all my tablets and I want to die"


async def speak(tab: Tab, lang: str) -> None:
    """Choose the language with the page's own switcher, as a person would."""
    await tab.page.goto(f"/language?set={lang}&next=/")
    await expect(tab.page.locator("html")).to_have_attribute("lang", "ur" if lang == "ur"
                                                             else "en-GB")


async def say_here(tab: Tab, text: str) -> None:
    """Send a chat message whatever the page's language (by the box's id, not its label)."""
    box = tab.page.locator("#chat-text")
    await box.fill(text)
    await box.press("Enter")
    await expect(box).to_have_value("")


async def shoot(tab: Tab, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await tab.page.screenshot(path=str(SHOTS / f"{name}.png"))
    tab.assert_clean()


@pytest.mark.parametrize("lang", ["en", "ur"])
async def test_screenshots_of_the_main_pages(h: Harness, tabs: OpenTab, lang: str,
                                             facilitator_account: tuple[str, str]) -> None:
    room_id, invite = await h.room(name="Mums' circle" if lang == "en" else "ماؤں کا حلقہ")
    visitor = await tabs(viewport=PHONE, touch=True)
    await speak(visitor, lang)
    await visitor.page.goto(f"/join/{invite}")
    await expect(visitor.page.locator("#agreement-title")).to_be_visible()
    await shoot(visitor, f"join-{lang}-phone")

    # Everyone comes in the way the other browser tests do (with English labels), then
    # switches language with the page's own switcher: the room page comes back in it.
    parent = await tabs(viewport=PHONE, touch=True)
    fac = await tabs(viewport=LAPTOP)
    other = await tabs(viewport=PHONE, touch=True)
    await facilitate(fac, facilitator_account, room_id)
    await come_in(fac, parent, invite, "آمنہ" if lang == "ur" else "Robin")
    await come_in(fac, other, invite, "صدف" if lang == "ur" else "Wren")
    for tab in (parent, fac, other):
        await tab.page.goto(f"/language?set={lang}&next=/room")
        await expect(tab.page.locator("#chat-text")).to_be_visible()
    await say_here(other, "سب کو سلام، آج رات بہت تھکن ہے" if lang == "ur"
                   else "Evening all, shattered tonight")
    await say_here(parent, URGENT if lang == "en"
                   else "میں نے اپنی ساری گولیاں کھا لی ہیں اور میں مرنا چاہتی ہوں")
    await expect(parent.page.locator("#signpost")).to_be_visible()
    await parent.page.evaluate("window.scrollTo(0, 0)")
    await shoot(parent, f"room-parent-{lang}-phone")
    await expect(fac.page.locator("#urgent-list li")).to_be_visible()
    await shoot(fac, f"room-facilitator-{lang}-desktop")

    lead_name = f"lead-{lang}-{facilitator_account[0]}"
    await h.store.add_staff(lead_name, hash_password(STAFF_PASSWORD), "safeguarding_lead")
    lead = await tabs(viewport=LAPTOP)
    await speak(lead, lang)
    await lead.page.goto("/login")
    await lead.page.locator("#username").fill(lead_name)
    await lead.page.locator("#password").fill(STAFF_PASSWORD)
    await lead.page.locator("form.login-form button[type=submit]").click()
    await lead.page.wait_for_url("**/lead")
    await lead.page.locator("#open-escalations li a").first.click()
    await expect(lead.page.locator("#presence")).to_be_visible()
    # Local times replace the server's UTC fallback once the page's modules have run.
    await expect(lead.page.locator("time[data-local]").first).not_to_contain_text("UTC")
    await shoot(lead, f"lead-escalation-{lang}-desktop")
