"""The room on a phone (390x844, a touch screen): the chat box and Send in view without
scrolling, no keyboard words, and every control at least 44 px each way."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.harness import Harness
from tests.web.conftest import PHONE, OpenTab, Tab, page_words
from tests.web.test_browser import come_in, facilitate, say

# HEARTH_SHOTS=/tmp/phone keeps the facilitator's phone page, to look at (never in the repo).
SHOTS = os.environ.get("HEARTH_SHOTS")

pytestmark = pytest.mark.browser

SMALL_CONTROLS = """() => [...document.querySelectorAll(
    'button, summary, select, a.call-link, a.quick-exit, input[type=checkbox], input[type=radio]')]
  .filter((el) => el.offsetParent !== null && !el.closest('[hidden]'))
  .map((el) => { const r = el.getBoundingClientRect();
                 return { what: (el.id || el.textContent || el.tagName).trim().slice(0, 40),
                          w: Math.round(r.width), h: Math.round(r.height) }; })
  .filter((c) => c.w < 44 || c.h < 44)"""


async def in_view_unscrolled(tab: Tab, selector: str) -> None:
    box = await tab.page.locator(selector).bounding_box()
    assert box is not None
    assert await tab.page.evaluate("window.scrollY") == 0
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], (selector, box)


async def test_chat_and_send_are_in_view_on_a_phone_with_no_keyboard_words(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str]) -> None:
    room_id, invite = await h.room(name="Mums' circle")
    fac = await tabs(viewport=PHONE, touch=True)
    ann = await tabs(viewport=PHONE, touch=True)
    await facilitate(fac, facilitator_account, room_id)
    await come_in(fac, ann, invite, "Ann")
    # A parent, and the facilitator: her controls fold behind one button on a phone, and
    # her panels come after the chat. (Letting Ann in scrolled to the waiting room: the
    # page as it opens is what counts.)
    await fac.page.evaluate("window.scrollTo(0, 0)")
    for tab in (ann, fac):
        await in_view_unscrolled(tab, "#chat-text")
        await in_view_unscrolled(tab, "#chat-send")
    for tab in (ann, fac):
        await expect(tab.page.locator("#chat-hint")).to_be_hidden()
        await expect(tab.page.locator("footer")).not_to_contain_text("Esc", use_inner_text=True)
    # A laptop keeps the keyboard words.
    laptop = await tabs()
    await laptop.page.goto("/")
    await expect(laptop.page.locator("footer")).to_contain_text("Press Esc twice",
                                                              use_inner_text=True)


async def test_every_control_is_at_least_44_px_on_a_touch_screen(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str]) -> None:
    room_id, invite = await h.room(name="Mums' circle")
    fac = await tabs(viewport=PHONE, touch=True)
    ann, bea = await tabs(viewport=PHONE, touch=True), await tabs(viewport=PHONE, touch=True)
    await facilitate(fac, facilitator_account, room_id)
    await come_in(fac, ann, invite, "Ann")
    await come_in(fac, bea, invite, "Bea")
    await fac.page.locator("#people li").filter(has_text="Ann").get_by_text("Options").click()
    await fac.page.get_by_text("Group controls").click()
    await expect(fac.page.get_by_role("button", name="End session")).to_be_visible()
    for tab in (ann, fac):
        small = await tab.page.evaluate(SMALL_CONTROLS)
        assert not small, small
    report = ann.page.get_by_role("button", name="Report Bea")
    box = await report.bounding_box()
    assert box is not None and box["width"] >= 44 and box["height"] >= 44


@pytest.mark.parametrize("lang", ["en", "ur"])
async def test_a_facilitator_on_a_phone_has_the_chat_first_and_her_panels_a_tap_away(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str], lang: str) -> None:
    room_id, invite = await h.room(name="Mums' circle")
    fac = await tabs(viewport=PHONE, touch=True)
    ann = await tabs(viewport=PHONE, touch=True)
    await facilitate(fac, facilitator_account, room_id)
    await come_in(fac, ann, invite, "Ann")
    waiting = await h.participant(invite, "Bea")
    await fac.page.goto(f"/language?set={lang}&next=/room")
    await expect(fac.page.locator("html")).to_have_attribute("lang", "ur" if lang == "ur"
                                                              else "en-GB")
    await expect(fac.page.locator("#lobby li")).to_have_count(1)
    await in_view_unscrolled(fac, "#chat-text")
    await in_view_unscrolled(fac, "#chat-send")
    # Someone waiting shows above the chat, in words (the count), and one tap reaches her.
    jump = fac.page.get_by_role("link", name=await page_words(fac.page, "Waiting"))
    await expect(jump).to_contain_text("(1)")
    await in_view_unscrolled(fac, "#jump-waiting")
    await jump.click()
    await expect(fac.page.get_by_role("button", name=await page_words(
        fac.page, "Let in {name}", name="Bea"))).to_be_in_viewport()
    # The group's controls are one tap away, and every control is big enough to tap.
    await fac.page.evaluate("window.scrollTo(0, 0)")
    controls = fac.page.get_by_text(await page_words(fac.page, "Group controls"))
    await in_view_unscrolled(fac, "#group-controls > summary")
    await controls.click()
    await expect(fac.page.get_by_role("button", name=await page_words(
        fac.page, "Lock group"))).to_be_visible()
    small = await fac.page.evaluate(SMALL_CONTROLS)
    assert not small, small
    if SHOTS:
        await fac.page.screenshot(path=str(Path(SHOTS) / f"facilitator-{lang}-phone.png"))
    await controls.click()
    await waiting.close()
    fac.assert_clean()


async def test_urgent_alerts_stay_above_a_facilitators_chat_on_a_phone(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str]) -> None:
    room_id, invite = await h.room(name="Mums' circle")
    fac = await tabs(viewport=PHONE, touch=True)
    ann = await tabs(viewport=PHONE, touch=True)
    await facilitate(fac, facilitator_account, room_id)
    await come_in(fac, ann, invite, "Ann")
    await say(ann, "I've taken all my tablets and I want to die")
    urgent = fac.page.locator("#urgent-alerts")
    await expect(urgent).to_be_visible()
    await fac.page.evaluate("window.scrollTo(0, 0)")
    strip = await urgent.bounding_box()
    chat = await fac.page.locator("#chat-panel").bounding_box()
    assert strip is not None and chat is not None
    assert strip["y"] < chat["y"] and strip["y"] < PHONE["height"]
