"""Buttons that work only through script can be pressed only once their script has wired them.

In Urdu and Polish the page's scripts run only once i18n.js has fetched the page's words, and
that can be after the page has finished loading (seconds, on a slow phone): a tap in that
moment did nothing at all. On a lead's escalation page that button is "Go to the group"; on
the join page, "Join the group" sent the form the browser's own way instead, reloading the
page with her name in the address (and so in the browser's history). So such buttons come
disabled (or hidden, where the page offers another way, as the invite link to select by hand
beside "Copy link") and their script enables them (a CI run caught the first race: a click
landed before the Urdu words had arrived and no error or room ever followed).
"""

from __future__ import annotations

import asyncio
import secrets

import pytest
from playwright.async_api import Route, expect

from tests.harness import Harness
from tests.web.conftest import PHONE, OpenTab, Tab, page_words
from tests.web.test_screenshots import speak
from tests.web.test_staff_admin import signed_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["en", "ur"])
async def test_open_as_facilitator_is_enabled_only_once_it_works(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str], lang: str) -> None:
    room_id, _ = await h.room(name=f"Tuesday mums {secrets.token_hex(2)}")
    fran = await signed_in(tabs, facilitator_account[0], lang)
    page = fran.page
    # Hold back what the button's script waits for: the page's words (Urdu) and the script
    # itself (in English there are no words to wait for).
    release = await hold(fran, "open-room", "copy-link")
    await page.goto("/staff", wait_until="commit")
    button = page.locator(f"button.open-room[data-room='{room_id}']")
    copy = page.locator("button.copy-link").first
    await expect(button).to_be_disabled()
    await expect(copy).to_be_hidden()  # the link beside it can be selected by hand meanwhile
    release.set()
    await expect(button).to_be_enabled()
    await expect(copy).to_be_visible()
    await button.click()
    await page.wait_for_url("**/room")


async def hold(tab: Tab, *scripts: str) -> asyncio.Event:
    """Hold back what the page's controls wait for, until the event is set: the page's words
    (in Urdu) and ``scripts`` (in English there are no words to wait for), named without
    ``.js``: they are served under hashed names, ``join.0123456789.js``."""
    release = asyncio.Event()

    async def held(route: Route) -> None:
        await release.wait()
        await route.continue_()

    for pattern in ("**/i18n/*.json", *(f"**/{script}.*.js" for script in scripts)):
        await tab.page.route(pattern, held)
    return release


@pytest.mark.parametrize("lang", ["en", "ur"])
async def test_the_join_pages_buttons_are_enabled_only_once_they_work(
        h: Harness, tabs: OpenTab, lang: str) -> None:
    _, invite = await h.room()
    tab = await tabs(viewport=PHONE, touch=True)
    page = tab.page
    await speak(tab, lang)
    release = await hold(tab, "join", "device-check")
    await page.goto(f"/join/{invite}", wait_until="commit")
    buttons = [page.locator(f"#{name}") for name in (
        "join-button", "another-name", "check-mic", "check-camera", "check-sound")]
    for button in buttons:
        await expect(button).to_be_disabled()
    # Enter in the name box, her first instinct once it is filled, sends nothing yet: the
    # form's own submission would put her name in the address.
    name = page.locator("#name")
    await name.fill("Willow")
    await page.locator("#agree").check()
    await name.press("Enter")
    await page.wait_for_timeout(300)
    assert "Willow" not in page.url and "?" not in page.url
    release.set()
    for button in buttons:
        await expect(button).to_be_enabled()
    await page.get_by_role("button", name=await page_words(page, "Join the group")).click()
    await page.wait_for_url("**/room")
    assert "Willow" not in page.url
    tab.assert_clean()
