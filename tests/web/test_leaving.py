"""Issue 11, item 5, "Quick exit, leaving, coming back", in a real browser.

- After a Quick exit, Back and the tab's history hold nothing of Hearth beyond the page
  the parent came from: moving around Hearth (the skip link included) replaces entries.
- A support site's link opens in the same tab after a kind warning (never a new tab
  that would outlive a Quick exit), from the signposting, the draft-support box and the
  end of a visit.
- The join page suggests a private window, and says why.
- An Escape that closes a dialog never counts towards Escape twice.
- Leave asks first; afterwards "Rejoin the group" (while the token lasts) goes back to
  the waiting room.
- After a server restart an admitted parent is back in the group, and told why.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, Route, expect

from tests import harness
from tests.harness import Harness, ServerThread, SuiteHarness
from tests.web.conftest import LOOP, NEUTRAL_SITE, PHONE, OpenTab, Tab
from tests.web.test_browser import (
    ask_for_help,
    come_in,
    confirm,
    facilitate,
    heading,
    join,
    person,
    say,
    wait_in_lobby,
)

pytestmark = pytest.mark.browser

OUTSIDE = "https://messages.example/"
SAMARITANS = "https://www.samaritans.org/"


async def history_length(page: Page) -> int:
    length: int = await page.evaluate("history.length")
    return length


async def sent_leave(tab: Tab) -> None:
    for _ in range(100):
        if "leave" in tab.sent_types():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"the page never said goodbye: {tab.sent_types()}")


async def answer_support_sites(tab: Tab) -> list[str]:
    """Support sites answered locally; returns the list of URLs visited."""
    visits: list[str] = []

    async def site(route: Route) -> None:
        visits.append(route.request.url)
        await route.fulfill(status=200, content_type="text/html",
                            body="<!doctype html><title>Support</title><h1>Support</h1>")

    for host in ("www.samaritans.org", "111.nhs.uk", "giveusashout.org",
                 "pandasfoundation.org.uk"):
        await tab.context.route(f"https://{host}/**", site)
    return visits


# -- 1. history --------------------------------------------------------------------------------


async def test_after_quick_exit_back_leads_past_hearth(
        h: Harness, tabs: OpenTab, server: ServerThread) -> None:
    _, invite = await h.room()
    tab = await tabs(viewport=PHONE)
    page = tab.page

    async def outside(route: Route) -> None:  # where the invite link was shared
        await route.fulfill(status=200, content_type="text/html", body=(
            f'<!doctype html><title>Messages</title><a href="{server.http}/join/{invite}">'
            "Our group's link</a>"))

    await tab.context.route(f"{OUTSIDE}**", outside)
    await page.goto(OUTSIDE)
    await page.get_by_role("link", name="Our group's link").click()
    await page.wait_for_url("**/join/*")
    arrived = await history_length(page)

    # A keyboard user takes the skip link on each page: an in-page link, which would
    # otherwise add an entry for /join/...#main behind the group.
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator("main")).to_be_focused()
    assert await history_length(page) == arrived
    await page.get_by_label("I've read and agree to the group agreement").check()
    await page.get_by_role("button", name="Join the group").click()
    await page.wait_for_url("**/room")
    await wait_in_lobby(tab)
    await page.get_by_role("link", name="Skip to content").focus()
    await page.keyboard.press("Enter")
    await expect(page.locator("main")).to_be_focused()
    assert await history_length(page) == arrived

    await page.get_by_role("link", name="Quick exit").click()
    await page.wait_for_url(NEUTRAL_SITE)
    assert await history_length(page) == arrived  # Hearth's one entry became the weather
    await page.go_back()
    assert page.url == OUTSIDE, page.url
    await page.go_forward()
    assert page.url == NEUTRAL_SITE
    tab.assert_clean()


# -- 2. support sites open here, after a word ------------------------------------------------


async def test_support_links_open_in_this_tab_after_a_kind_warning(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str]) -> None:
    room_id, invite = await h.room()
    fac = await tabs()
    part = await tabs(viewport=PHONE)
    visits = await answer_support_sites(part)
    await facilitate(fac, facilitator_account, room_id)
    await come_in(fac, part, invite, "Iris")
    page = part.page
    length = await history_length(page)

    # The draft-support box offers the sites too; a middle click would open a tab: it
    # asks instead, and "Stay here" keeps everything as it was.
    await page.get_by_label("Your message").fill("I want to kill myself")
    box = page.locator("#draft-support")
    await expect(box).to_be_visible()
    await box.locator(f'a[href^="{SAMARITANS.rstrip("/")}"]').click(button="middle")
    dialog = page.get_by_role("dialog", name="Open the Samaritans website?")
    await expect(dialog).to_contain_text("This will leave the group page")
    await expect(dialog).to_contain_text("you can come back to the group")
    await dialog.get_by_role("button", name="Stay here").click()
    await expect(dialog).to_have_count(0)
    await page.get_by_label("Your message").fill("")

    # The signposting shown after asking for help: "Open the website" leaves, here.
    await ask_for_help(part)
    signpost = page.get_by_role("region", name="Help is there for you")
    await expect(signpost).to_be_visible()
    await signpost.locator(f'a[href^="{SAMARITANS.rstrip("/")}"]').click()
    await confirm(part, "Open the website")
    await page.wait_for_url(f"{SAMARITANS}**")
    assert visits == [SAMARITANS] and len(part.context.pages) == 1
    await sent_leave(part)
    await expect(person(fac, "Iris")).to_have_count(0)
    # Back leads past the group, never into it.
    assert await history_length(page) == length
    await page.go_back()
    assert "127.0.0.1" not in page.url, page.url
    part.assert_clean()


async def test_the_end_of_a_visit_lists_support_sites_that_open_here(
        h: Harness, tabs: OpenTab) -> None:
    _, invite = await h.room()
    part = await tabs(viewport=PHONE)
    visits = await answer_support_sites(part)
    await join(part, invite, "Jo")
    await wait_in_lobby(part)
    await part.page.get_by_role("button", name="Leave", exact=True).click()
    await confirm(part, "Leave")
    await expect(heading(part, "You've left the group")).to_be_visible()
    support = part.page.locator("#support-now")
    await support.get_by_role("link", name="Website of Samaritans").click()
    dialog = part.page.get_by_role("dialog", name="Open the Samaritans website?")
    await expect(dialog).to_contain_text("This will leave the group page")
    await dialog.get_by_role("button", name="Open the website").click()
    await part.page.wait_for_url(f"{SAMARITANS}**")
    assert visits == [SAMARITANS] and len(part.context.pages) == 1
    part.assert_clean()


# -- 3. a private window ---------------------------------------------------------------------


async def test_the_join_page_suggests_a_private_window_and_says_why(
        h: Harness, tabs: OpenTab) -> None:
    _, invite = await h.room()
    tab = await tabs(viewport=PHONE)
    await tab.page.goto(f"/join/{invite}")
    hint = tab.page.locator("#private-window")
    await expect(hint).to_be_visible()
    await expect(hint).to_contain_text("private (incognito) window")
    await expect(hint).to_contain_text("nothing about Hearth stays in this browser's history")
    tab.assert_clean()


# -- 4. Escape that a dialog takes -----------------------------------------------------------


async def test_escape_that_closes_a_dialog_never_counts_towards_quick_exit(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str]) -> None:
    room_id, invite = await h.room()
    fac = await tabs()
    part = await tabs(viewport=PHONE)
    await facilitate(fac, facilitator_account, room_id)
    await come_in(fac, part, invite, "Kit")
    page = part.page

    await page.get_by_role("button", name="Ask for help privately").click()
    dialog = page.get_by_role("dialog", name="Ask a facilitator for help")
    await expect(dialog).to_be_visible()
    await page.keyboard.press("Escape")  # closes the dialog, and nothing more
    await expect(dialog).to_have_count(0)
    await page.wait_for_timeout(300)
    await page.keyboard.press("Escape")  # the first of a pair, not the second
    await page.wait_for_timeout(900)
    assert part.neutral_visits == [] and page.url.endswith("/room")
    assert "leave" not in part.sent_types()
    await expect(page.locator("#chat-text")).to_be_visible()
    await expect(person(fac, "Kit")).to_have_count(1)

    # Escape twice still leaves at once.
    await page.keyboard.press("Escape")
    await page.keyboard.press("Escape")
    await page.wait_for_url(NEUTRAL_SITE)
    part.assert_clean()


# -- 5. leaving asks first, and coming back ----------------------------------------------------


async def test_leave_asks_first_and_rejoin_goes_back_to_the_waiting_room(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str]) -> None:
    room_id, invite = await h.room()
    fac = await tabs()
    part = await tabs(viewport=PHONE)
    await facilitate(fac, facilitator_account, room_id)
    await come_in(fac, part, invite, "Lee")
    page = part.page

    await page.get_by_role("button", name="Leave", exact=True).click()
    dialog = page.get_by_role("dialog", name="Leave the group?")
    await expect(dialog).to_contain_text("It's fine to leave whenever you need to")
    await dialog.get_by_role("button", name="Stay").click()
    await expect(dialog).to_have_count(0)
    await expect(page.locator("#chat-text")).to_be_visible()
    assert "leave" not in part.sent_types()

    await page.get_by_role("button", name="Leave", exact=True).click()
    await confirm(part, "Leave")
    await expect(heading(part, "You've left the group")).to_be_visible()
    assert await part.session_storage() == {}  # the token is kept in the page only
    await expect(person(fac, "Lee")).to_have_count(0)

    # Rejoin: a fresh hello with the kept token ends in the waiting room, as any rejoin.
    await page.get_by_role("button", name="Rejoin the group").click()
    await wait_in_lobby(part)
    assert (await part.session_storage()).keys() == {"hearth.session"}
    await fac.page.get_by_role("button", name="Let in Lee").click()
    await expect(page.locator("#chat-text")).to_be_visible()
    await say(part, "Back again")
    await expect(fac.page.locator("#chat-log")).to_contain_text("Back again")

    # Leaving from the waiting room asks too; a Quick exit from the end leaves nothing.
    await page.get_by_role("button", name="Leave", exact=True).click()
    await confirm(part, "Leave")
    await page.get_by_role("button", name="Rejoin the group").click()
    await wait_in_lobby(part)
    await page.locator("#lobby-leave").click()
    await confirm(part, "Leave")
    await expect(page.get_by_role("button", name="Rejoin the group")).to_be_visible()
    await page.get_by_role("link", name="Quick exit").click()
    await page.wait_for_url(NEUTRAL_SITE)
    await page.goto("/room")
    await expect(heading(part, "You're not in a group right now")).to_be_visible()
    await expect(page.get_by_role("button", name="Rejoin the group")).to_have_count(0)
    part.assert_clean()
    fac.assert_clean()


async def test_rejoin_is_offered_only_while_the_token_lasts(h: Harness, tabs: OpenTab) -> None:
    _, invite = await h.room()
    part = await tabs(viewport=PHONE)

    async def short_lived(route: Route) -> None:  # a token that expires in 2 s
        response = await route.fetch()
        body = await response.json()
        body["expires_in"] = 2
        await route.fulfill(response=response, body=json.dumps(body))

    await part.context.route("**/api/join", short_lived)
    await join(part, invite, "May")
    await wait_in_lobby(part)
    stored = json.loads((await part.session_storage())["hearth.session"])
    assert stored["expires_in"] == 2 and stored["expires_at"] > 0
    await part.page.get_by_role("button", name="Leave", exact=True).click()
    await confirm(part, "Leave")
    rejoin = part.page.get_by_role("button", name="Rejoin the group")
    await expect(rejoin).to_be_visible()
    await expect(rejoin).to_have_count(0, timeout=4_000)
    await expect(part.page.locator("#end-next")).to_have_text("You can close this tab now.")
    part.assert_clean()


# -- 6. a server restart ---------------------------------------------------------------------------


@pytest_asyncio.fixture(loop_scope=LOOP)
async def restartable(tmp_path: Path) -> AsyncIterator[list[ServerThread]]:
    """Servers started (and restarted) on one data folder and port by the test."""
    running: list[ServerThread] = []
    yield running
    for server in running:
        await asyncio.to_thread(server.stop)


async def test_a_parent_is_back_in_the_group_after_a_server_restart_and_told_why(
        browser: Browser, tmp_path: Path, restartable: list[ServerThread]) -> None:
    settings = harness.test_settings(tmp_path)
    first = await asyncio.to_thread(ServerThread(settings).start)
    restartable.append(first)
    hs = SuiteHarness(first)
    room_id, invite = await hs.room()
    fac_token = str((await hs.staff_token_pooled(room_id, "Fran"))["token"])
    fac = await hs.connect(fac_token)

    context = await browser.new_context(base_url=first.http, viewport=PHONE,
                                        locale="en-GB", timezone_id="Europe/London")
    try:
        page = await context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(str(error)))
        tab = Tab(context, page)
        await join(tab, invite, "Nell")
        await wait_in_lobby(tab)
        knock = await fac.expect("lobby.knock")
        await fac.send("lobby.admit", participant=knock["participant"]["id"])
        await expect(page.locator("#chat-text")).to_be_visible()

        await hs.aclose()
        restartable.remove(first)
        await asyncio.to_thread(first.stop)
        second = await asyncio.to_thread(ServerThread(settings).start)
        restartable.append(second)
        hs = SuiteHarness(second)
        fac = await hs.connect(fac_token)

        notices = page.locator("#notices")
        await expect(notices).to_contain_text(
            "The group's server restarted; you're back in the group.", timeout=15_000)
        await expect(page.locator("#lobby-view")).to_be_hidden()
        await expect(page.locator("#chat-text")).to_be_enabled()
        await say(tab, "Still here after the restart")
        await fac.expect("chat", text="Still here after the restart")
        assert problems == []  # uncaught errors (the failed reconnects are console noise)
    finally:
        await context.close()
        await hs.aclose()
