"""Repeated help requests from one person show as one alert with a count (web/static/room.js)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.harness import Harness
from tests.web.conftest import PHONE, OpenTab
from tests.web.test_browser import ask_for_help, come_in, facilitate

pytestmark = pytest.mark.browser


async def test_asking_again_counts_on_the_same_alert(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str]) -> None:
    room_id, invite = await h.room(name="Mums' circle")
    fac = await tabs()
    part = await tabs(viewport=PHONE)
    await facilitate(fac, facilitator_account, room_id)
    name = await come_in(fac, part, invite, "Robin")
    for _ in range(3):
        await ask_for_help(part)
    alerts = fac.page.locator("#alerts li")
    await expect(alerts).to_have_count(1)
    await expect(alerts).to_contain_text(f"{name} asked for help 3 times", timeout=10_000)
