"""The staff page's "Open as facilitator" button works from the moment it can be pressed.

In Urdu and Polish the page's scripts run only once i18n.js has fetched the page's words, and
that can be after the page has finished loading: a tap in that moment did nothing at all, and
on a lead's escalation page that button is "Go to the group". So the button comes disabled
in the page and open-room.js enables it once it works (a CI run caught the race: a click
landed before the Urdu words had arrived and no error or room ever followed).
"""

from __future__ import annotations

import asyncio
import secrets

import pytest
from playwright.async_api import Route, expect

from tests.harness import Harness
from tests.web.conftest import OpenTab
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
    release = asyncio.Event()

    async def held(route: Route) -> None:
        await release.wait()
        await route.continue_()

    await page.route("**/i18n/*.json", held)
    await page.route("**/open-room.js*", held)
    await page.goto("/staff", wait_until="commit")
    button = page.locator(f"button.open-room[data-room='{room_id}']")
    await expect(button).to_be_disabled()
    release.set()
    await expect(button).to_be_enabled()
    await button.click()
    await page.wait_for_url("**/room")
