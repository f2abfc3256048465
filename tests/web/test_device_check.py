"""The join page's optional device check (web/static/device-check.js), in Chromium with its
fake microphone (a beeping tone) and camera (a test pattern): off until asked, working when
asked, and everything stopped when the check is closed."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import expect

from tests.harness import Harness
from tests.web.conftest import PHONE, OpenTab, Tab

pytestmark = pytest.mark.browser

# Counts the tracks the page has open (test instrumentation, added before the page's scripts).
TRACKS = """
window.__live = () => window.__tracks.filter((t) => t.readyState === "live").length;
window.__tracks = [];
const get = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
navigator.mediaDevices.getUserMedia = async (c) => {
  const stream = await get(c);
  window.__tracks.push(...stream.getTracks());
  return stream;
};
"""


async def until(tab: Tab, condition: str, seconds: float = 10.0) -> None:
    """Poll ``condition`` in the page (wait_for_function would need eval, which the CSP
    rightly refuses)."""
    for _ in range(int(seconds * 10)):
        if await tab.page.evaluate(f"() => Boolean({condition})"):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"never true: {condition}")


async def test_the_device_check_is_off_until_asked_and_stops_when_closed(
        h: Harness, tabs: OpenTab) -> None:
    _, invite = await h.room(name="Mums' circle")
    tab = await tabs(viewport=PHONE)
    await tab.context.add_init_script(TRACKS)
    page = tab.page
    await page.goto(f"/join/{invite}")
    check = page.locator("#device-check")
    await expect(check).not_to_have_attribute("open", "")
    assert await page.evaluate("window.__tracks.length") == 0  # nothing on by itself

    await page.get_by_text("Check your sound and camera (optional)").click()
    await page.get_by_role("button", name="Test my microphone").click()
    # The fake microphone beeps: the meter moves and the page says so.
    await expect(page.locator("#device-status")).to_contain_text("Your microphone is working",
                                                                 timeout=15_000)
    await page.get_by_role("button", name="Test my camera").click()
    preview = page.locator("#camera-preview")
    await expect(preview).to_be_visible()
    await until(tab, "document.getElementById('camera-preview').videoWidth > 0")
    assert await page.evaluate("window.__live()") == 2

    await page.get_by_text("Check your sound and camera (optional)").click()  # close it
    await until(tab, "window.__live() === 0")
    await expect(preview).to_be_hidden()
    tab.assert_clean()
