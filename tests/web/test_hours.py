"""Issue 13, part 4 in a real browser, in English and in Urdu (right to left): a facilitator on
a phone leaves her group, follows "Write your debrief" from the end of the session to her
private debrief, raises a safeguarding concern from it (which reaches the lead as an
escalation), and finds the session on "Hours you have given". Both pages are checked with
axe-core and must fit the phone's width.

``HEARTH_SHOTS=/tmp/shots-hours`` keeps a phone and a desktop screenshot of each page."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.async_api import expect

from server.auth.passwords import hash_password
from tests.harness import STAFF_PASSWORD, Harness
from tests.web.conftest import PHONE, OpenTab, Tab, page_words
from tests.web.test_accessibility import _RUN_AXE, AXE, WCAG_TAGS
from tests.web.test_browser import confirm, page_fits
from tests.web.test_screenshots import speak
from tests.web.test_staff_admin import log_in, shot

pytestmark = pytest.mark.browser


async def accessible(tab: Tab) -> None:
    """axe-core finds nothing against WCAG 2.1 AA on the page as it is."""
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE}")
    await tab.page.evaluate(AXE.read_text())
    violations = await tab.page.evaluate(_RUN_AXE, WCAG_TAGS)
    assert not violations, violations


@pytest.mark.parametrize("lang", ["en", "ur"])
async def test_a_facilitator_leaves_writes_her_debrief_and_sees_her_hours(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str], lang: str) -> None:
    room_id, _ = await h.room(name="Tuesday mums")  # she is its facilitator
    fran = await tabs(viewport=PHONE, touch=True)
    page = fran.page
    await log_in(page, facilitator_account[0])
    await page.wait_for_url("**/staff")
    await speak(fran, lang)
    await page.goto("/staff")
    await page.locator(f"button.open-room[data-room='{room_id}']").click()
    await page.wait_for_url("**/room")
    await expect(page.locator("#status")).to_have_text(await page_words(
        page, "The group is running. You're facilitating."))

    await page.get_by_role("button", name=await page_words(page, "Leave"), exact=True).click()
    await confirm(fran, await page_words(page, "Leave"))
    offer = page.locator("#end-debrief")
    await expect(offer).to_be_visible()
    await offer.get_by_role("link", name=await page_words(page, "Write your debrief")).click()
    await page.wait_for_url(re.compile(r"/account/hours/h_\w+/debrief$"))
    await expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ur"
                                                         else "ltr")
    await shot(page, f"debrief-form-{lang}")
    await page.get_by_label(await page_words(page, "Hard")).check()
    await page.get_by_label(await page_words(page, "What affected you?")).fill(
        "Her story was so like my first weeks")
    await page.get_by_label(await page_words(
        page, "I have a safeguarding concern to raise with the safeguarding lead")).check()
    await page.get_by_label(await page_words(page, "What is the concern?")).fill(
        "Wren said her partner checks her phone and keeps her money")
    await page.get_by_label(await page_words(page, "Who is it about? (optional)")).fill("Wren")
    await page.get_by_role("button", name=await page_words(page, "Save my debrief")).click()
    await expect(page.locator("main .notice.ok").first).to_have_text(await page_words(
        page, "Your debrief is saved, and your concern has gone to the safeguarding lead."))
    await page_fits(fran)
    await accessible(fran)
    await page.evaluate("window.scrollTo(0, 0)")  # the sticky header where it belongs
    await shot(page, f"debrief-{lang}")

    [escalation] = [e for e in await h.store.safeguarding.escalations()
                    if e.room_id == room_id]
    assert (escalation.participant_name, escalation.raised_by) == ("Wren",
                                                                   facilitator_account[0])

    await page.get_by_role("link", name=await page_words(page, "Back to your hours")).click()
    await page.wait_for_url("**/account/hours#session-*")
    await expect(page.get_by_role("heading", level=1)).to_have_text(await page_words(
        page, "Hours you have given"))
    session = page.locator(".session").first
    await expect(session).to_contain_text("Tuesday mums")
    await expect(session.locator(".badge.concern")).to_have_text(await page_words(
        page, "concern raised"))
    await expect(session.get_by_role("link", name=await page_words(page, "Your debrief"))
                 ).to_be_visible()
    await session.get_by_text(await page_words(page, "Correct this time")).click()
    await expect(session.get_by_label(await page_words(page, "The whole session, in minutes"))
                 ).to_have_value("15")  # what it counts for now
    await page_fits(fran)
    await accessible(fran)
    await page.evaluate("window.scrollTo(0, 0)")
    await shot(page, f"hours-{lang}")
    fran.assert_clean()

    # The lead reads the concern, and nothing else of the debrief.
    lead_name = f"lena-{secrets.token_hex(3)}"
    await h.store.add_staff(lead_name, hash_password(STAFF_PASSWORD), "safeguarding_lead")
    lead = await tabs()
    await log_in(lead.page, lead_name)
    await lead.page.wait_for_url("**/lead")
    await speak(lead, lang)
    await lead.page.goto(f"/lead/escalations/{escalation.id}")
    await expect(lead.page.locator("main")).to_contain_text(
        "Wren said her partner checks her phone and keeps her money")
    await expect(lead.page.locator("main")).not_to_contain_text("so like my first weeks")
    await shot(lead.page, f"lead-debrief-concern-{lang}")
    lead.assert_clean()
