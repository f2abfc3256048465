"""Quiet check-ins, the screen's verdicts and "the screen missed something" (web/static/room.js),
and the lead's counts of them (/lead), with a real server and headless Chromium."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from playwright.async_api import expect

from server.auth.passwords import hash_password
from server.safeguarding.assess import default_assessor
from server.safeguarding.words import CATEGORY_WORDS
from tests.harness import STAFF_PASSWORD, Harness
from tests.web.conftest import PHONE, OpenTab, Tab
from tests.web.test_browser import come_in, facilitate, moderate, person, say

pytestmark = pytest.mark.browser

# What the screen calls a concern (rule "suicide.burden" and the model): not urgent.
CONCERN = "I feel like a burden to everyone since the baby came"
URGENT = "I'm going to kill myself tonight"


async def counted(h: Harness, signal: str, verdict: str) -> dict[str, int]:
    """How often ``signal`` got ``verdict``, per model version (the server is shared)."""
    return {c.model_version: c.count for c in await h.store.safeguarding.feedback_counts()
            if c.signal == signal and c.verdict == verdict}


async def counted_more(h: Harness, before: dict[str, int], signal: str,
                       verdict: str) -> tuple[str, int]:
    """Wait for the count the page's action adds (stored in the background); the version
    and new count."""
    for _ in range(100):
        now = await counted(h, signal, verdict)
        grown = [(v, n) for v, n in now.items() if n > before.get(v, 0)]
        if grown:
            return grown[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"{signal} {verdict} was never counted")


async def group_with_robin(h: Harness, tabs: OpenTab, account: tuple[str, str], *,
                           phone: bool = False) -> tuple[Tab, Tab, str]:
    """A live group: a facilitator (on a desktop, or a phone), and Robin admitted on a phone."""
    room_id, invite = await h.room(name="Mums' circle")
    fac = await (tabs(viewport=PHONE) if phone else tabs())
    part = await tabs(viewport=PHONE)
    await facilitate(fac, account, room_id)
    return fac, part, await come_in(fac, part, invite, "Robin")


def sent(tab: Tab, kind: str) -> list[dict[str, Any]]:
    return [frame for frame in tab.sent if frame.get("type") == kind]


async def lead_sees(tab: Tab, h: Harness, version: str, signal: str, column: int,
                    count: int) -> None:
    """Log in as a new safeguarding lead and find ``count`` in the version's table."""
    name = f"lee-{id(tab)}"
    await h.store.add_staff(name, hash_password(STAFF_PASSWORD), "safeguarding_lead")
    page = tab.page
    await page.goto("/login")
    await page.get_by_label("Username").fill(name)
    await page.get_by_label("Password").fill(STAFF_PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url("**/lead")
    table = page.get_by_role("table", name=f"Model version {version}")
    row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=signal))
    await expect(row.get_by_role("cell").nth(column)).to_have_text(str(count))


async def test_a_concern_is_a_quiet_check_in_and_done_counts_the_verdict(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str]) -> None:
    fac, part, name = await group_with_robin(h, tabs, facilitator_account, phone=True)
    before = await counted(h, "rule:suicide.burden", "right")
    await say(part, CONCERN)

    row = person(fac, name)
    marker = row.locator("details.check-in > summary")
    await expect(marker).to_have_text(re.compile("^Check in"))
    await expect(fac.page.locator("#alerts li")).to_have_count(0)
    await expect(fac.page.locator("#alerts-empty")).to_be_visible()
    await expect(fac.page.locator("#check-ins li")).to_contain_text(name)
    await expect(fac.page.locator("#check-ins li")).to_contain_text("thoughts of suicide")
    await expect(fac.page).to_have_title("Group · Hearth")  # quiet: nothing counted in the tab

    # Coming back (a reload) restores it from welcome.alerts, the same quiet way.
    await fac.page.reload()
    await expect(marker).to_be_visible()
    await expect(fac.page.locator("#alerts li")).to_have_count(0)

    await marker.click()
    why = row.locator(".check-in-body")
    await expect(why).to_contain_text(CONCERN)
    await expect(why).to_contain_text("What it's about: thoughts of suicide")
    await expect(why).to_contain_text("“burden”")
    # The model is retrained from time to time: expect its words only when it fires today.
    model = default_assessor().assess(CONCERN).model
    if model is not None and model.category:
        await expect(why).to_contain_text(re.compile(
            r"the screen's model thought this (very likely |likely |possibly )sounded like "
            + re.escape(CATEGORY_WORDS[model.category]) + r" \(score [01]\.\d\d\)"))
    await row.get_by_label("Right call").check()
    await row.get_by_role("button", name=re.compile("^Done")).click()
    await expect(marker).to_have_count(0)
    await expect(fac.page.locator("#check-ins li")).to_have_count(0)
    acks = sent(fac, "alert.ack")
    assert len(acks) == 1 and acks[0]["verdict"] == "right"

    version, count = await counted_more(h, before, "rule:suicide.burden", "right")
    await lead_sees(await tabs(), h, version, "Rule “burden” (thoughts of suicide)", 0, count)
    fac.assert_clean()


async def test_open_check_ins_are_listed_when_the_session_ends(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str]) -> None:
    fac, part, name = await group_with_robin(h, tabs, facilitator_account)
    await say(part, CONCERN)
    await expect(person(fac, name).locator("details.check-in")).to_be_visible()

    await fac.page.get_by_role("button", name="End session").click()
    await fac.page.get_by_role("dialog").get_by_role("button", name="End session").click()
    ended = fac.page.locator("#end-view")
    await expect(ended.get_by_role("heading", name="The session has ended")).to_be_visible()
    follow_up = ended.locator("#end-check-ins")
    heading = follow_up.get_by_role("heading", name="Check in after the session")
    await expect(heading).to_be_visible()
    await expect(follow_up.locator("li")).to_have_count(1)
    await expect(follow_up.locator("li")).to_contain_text(name)
    await expect(follow_up.locator("li")).to_contain_text("thoughts of suicide")
    # A parent's ending never shows it.
    await expect(part.page.locator("#end-check-ins")).to_be_hidden()
    fac.assert_clean()


async def test_an_urgent_alert_says_why_in_words_and_takes_a_verdict(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str]) -> None:
    fac, part, name = await group_with_robin(h, tabs, facilitator_account)
    before = await counted(h, "rule:suicide.kill_self", "false_alarm")
    await say(part, URGENT)

    alert = fac.page.locator("#urgent-list li")
    await expect(alert).to_contain_text(f"{name} may need support")
    await expect(alert).to_contain_text("Urgent: please acknowledge within")
    await expect(alert).to_contain_text(
        "Why it was flagged: the screen's rules “doing it now”, “kill self” matched")
    await expect(alert).not_to_contain_text("rules:")
    await expect(person(fac, name).locator("details.check-in")).to_have_count(0)
    await alert.get_by_role("button", name="False alarm").click()
    await expect(alert).to_have_count(0)
    acks = sent(fac, "alert.ack")
    assert len(acks) == 1 and acks[0]["verdict"] == "false_alarm"

    version, count = await counted_more(h, before, "rule:suicide.kill_self", "false_alarm")
    await lead_sees(await tabs(), h, version, "Rule “kill self” (thoughts of suicide)", 1, count)
    fac.assert_clean()


async def test_the_screen_missed_something_is_counted_without_words(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str]) -> None:
    fac, part, name = await group_with_robin(h, tabs, facilitator_account, phone=True)
    before = await counted(h, "-", "missed")
    await say(part, "Honestly I've been giving my things away this week")

    await moderate(fac, name, "The screen missed something")
    await expect(person(fac, name).get_by_role("status")).to_contain_text(
        "Only the count is kept, never their words")
    frames = sent(fac, "screen.missed")
    assert len(frames) == 1 and set(frames[0]) == {"type", "ref", "participant"}
    await counted_more(h, before, "-", "missed")
    fac.assert_clean()
