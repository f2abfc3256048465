"""The room on a phone (390x844, a touch screen): the chat box and Send in view without
scrolling, no keyboard words, and every control at least 44 px each way."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.harness import Harness
from tests.web.conftest import PHONE, OpenTab, Tab
from tests.web.test_browser import come_in, facilitate

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
    # A parent (the facilitator's page has its controls above, and the chat before alerts).
    await in_view_unscrolled(ann, "#chat-text")
    await in_view_unscrolled(ann, "#chat-send")
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
    for tab in (ann, fac):
        small = await tab.page.evaluate(SMALL_CONTROLS)
        assert not small, small
    report = ann.page.get_by_role("button", name="Report Bea")
    box = await report.bounding_box()
    assert box is not None and box["width"] >= 44 and box["height"] >= 44
