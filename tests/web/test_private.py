"""Private check-ins in the page (web/static/room.js): a facilitator writes to one parent, she
sees it marked private and her reply goes to the facilitators only; nobody else sees either."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.harness import Harness
from tests.web.conftest import PHONE, OpenTab
from tests.web.test_browser import chat_line, live_group, moderate, say

pytestmark = pytest.mark.browser


async def test_a_facilitator_writes_privately_to_one_parent_and_she_replies_privately(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str]) -> None:
    fac = await tabs()
    ann, bea = await tabs(viewport=PHONE), await tabs(viewport=PHONE)
    await live_group(h, fac, facilitator_account, {"Ann": ann, "Bea": bea})

    await moderate(fac, "Ann", "Write privately")
    option = fac.page.locator("#chat-to option", has_text="Privately to Ann")
    await expect(fac.page.get_by_label("Send to")).to_have_value(
        str(await option.get_attribute("value")))
    await expect(fac.page.get_by_label("Your message")).to_be_focused()
    await fac.page.get_by_label("Your message").fill("How are you doing today, Ann?")
    await fac.page.get_by_label("Your message").press("Enter")

    line = ann.page.locator("#chat-log li").filter(has_text="How are you doing today")
    await expect(line).to_contain_text("Private: only you and the facilitators see this")
    await expect(fac.page.locator("#chat-log li").filter(has_text="How are you doing today")
                 ).to_contain_text("Private to Ann")
    # Her reply is private unless she chooses otherwise, and she is told so.
    await expect(ann.page.get_by_label("Send to")).to_have_value("facilitators")
    await expect(ann.page.locator("#notices")).to_contain_text("has written to you privately")
    await ann.page.get_by_label("Your message").fill("Honestly not great")
    await ann.page.get_by_label("Your message").press("Enter")
    await expect(chat_line(fac, "Honestly not great")).to_be_visible()

    await say(bea, "Morning all")
    await expect(chat_line(ann, "Morning all")).to_be_visible()
    for private in ("How are you doing today", "Honestly not great"):
        await expect(bea.page.locator("#chat-log")).not_to_contain_text(private)
    # Private messages are only for facilitators to start.
    await expect(bea.page.locator("#chat-to option", has_text="Privately")).to_have_count(0)
    for tab in (fac, ann, bea):
        tab.assert_clean()


async def test_private_to_someone_who_leaves_falls_back_to_everyone(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str]) -> None:
    fac, ann = await tabs(), await tabs(viewport=PHONE)
    await live_group(h, fac, facilitator_account, {"Ann": ann})
    await moderate(fac, "Ann", "Write privately")
    await ann.context.close()  # her phone gives up: she is gone from the group
    await expect(fac.page.locator("#people")).not_to_contain_text("Ann")
    await expect(fac.page.get_by_label("Send to")).to_have_value("room")
    await expect(fac.page.locator("#chat-to option", has_text="Privately")).to_have_count(0)
