"""Issue 13, part 5 in a real browser: a parent leaving a group is asked, once and
anonymously, how she feels now compared with when she came in; her answer reaches the impact
report, which a coordinator reads (with its charts) from her navigation. On a phone and a
desktop, in English and in Urdu (right to left)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import expect

from server.auth.passwords import hash_password
from tests.harness import STAFF_PASSWORD, Harness
from tests.web.conftest import PHONE, OpenTab, page_words
from tests.web.test_browser import confirm, join, page_fits, wait_in_lobby
from tests.web.test_screenshots import speak
from tests.web.test_staff_admin import shot, signed_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["en", "ur"])
async def test_a_parent_says_how_she_feels_as_she_leaves_and_the_report_counts_it(
        h: Harness, tabs: OpenTab, lang: str) -> None:
    room_id, invite = await h.room(name=f"Impact {secrets.token_hex(3)}")
    fac = await h.facilitator(room_id, "Fran")
    parent = await tabs(viewport=PHONE, touch=True)
    page = parent.page
    await speak(parent, lang)
    await join(parent, invite, "Nia")
    await wait_in_lobby(parent)
    knock = await fac.expect("lobby.knock")
    await fac.send("lobby.admit", participant=knock["participant"]["id"])
    await expect(page.locator("#chat-text")).to_be_visible()

    async def W(text: str) -> str:
        return await page_words(page, text)

    await page.locator("#leave").click()
    await confirm(parent, await W("Leave"))
    question = page.get_by_role("group", name=await W(
        "How do you feel now compared with when you came in?"))
    await expect(question).to_be_visible()
    await page_fits(parent)
    await shot(page, f"check-in-{lang}")
    await question.get_by_role("button", name=await W("Better"), exact=True).click()
    await expect(page.locator("#end-feel-done")).to_have_text(await W("Thank you for telling us."))
    await expect(question.get_by_role("button", name=await W("Worse"))).to_be_hidden()
    now = datetime.now(UTC)
    rows = await h.store.impact.rows(now - timedelta(minutes=10), now + timedelta(minutes=1))
    assert "better" in [answer for *_, answer in rows.check_ins]
    assert not parent.problems, parent.problems

    # A coordinator reads the report from her navigation.
    name = f"cora-{secrets.token_hex(3)}"
    await h.store.add_staff(name, hash_password(STAFF_PASSWORD), "coordinator")
    reader = await signed_in(tabs, name, lang, "**/coordinator/volunteers")
    await reader.page.goto("/coordinator/volunteers")
    await reader.page.wait_for_load_state()
    report = reader.page
    await report.get_by_role("link", name=await page_words(report, "Impact report")).click()
    await report.wait_for_url("**/reports/impact")
    await expect(report.get_by_role("heading", level=1, name=await page_words(
        report, "Impact report"))).to_be_visible()
    await expect(report.get_by_role("img", name=await page_words(
        report, "Attendances each month"))).to_be_visible()
    answers = report.get_by_role("region", name=await page_words(
        report, "How parents felt as they left"))
    await expect(answers.get_by_role("row", name=await page_words(report, "Better"))
                 ).to_be_visible()
    await page_fits(reader)
    await shot(report, f"impact-report-{lang}")
    assert not reader.problems, reader.problems
