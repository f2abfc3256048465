"""The lead's live banner comes back by itself after the bus was down (web/static/lead-live.js).

While Redis is down the stream answers 503, and a browser's EventSource gives up on an
error answer for good: the page must open a new one later, and show what it missed.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from server.auth.passwords import hash_password
from tests.conftest import MakeServer
from tests.harness import STAFF_PASSWORD, harness
from tests.http.test_lead import raise_escalation
from tests.redis_server import RedisServer
from tests.web.conftest import DESKTOP

pytestmark = [pytest.mark.browser]


async def test_the_banner_recovers_after_a_redis_outage(browser: Browser,
                                                        make_server: MakeServer) -> None:
    redis = RedisServer()
    redis.start()
    try:
        server = make_server(redis_url=redis.url)
        async with harness(server) as h:
            await h.store.add_staff("lee", hash_password(STAFF_PASSWORD), "safeguarding_lead")
            context = await browser.new_context(base_url=server.http, viewport=DESKTOP)
            context.set_default_timeout(5_000)
            page = await context.new_page()
            redis.stop()  # the stream will answer 503 from the start
            await page.goto("/login")
            await page.get_by_label("Username").fill("lee")
            await page.get_by_label("Password").fill(STAFF_PASSWORD)
            await page.get_by_role("button", name="Log in").click()
            await page.wait_for_url("**/lead")
            await raise_escalation(h, n=3)  # raised while the lead's stream is down
            redis.start()
            banner = page.locator("#lead-live")
            await expect(banner).to_contain_text("1 open escalation", timeout=20_000)
            await context.close()
    finally:
        redis.close()
