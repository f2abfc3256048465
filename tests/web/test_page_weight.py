"""Page weight (issue 11, item 9): what a parent's browser downloads to reach the room.

Bytes are counted the way Chromium's DevTools counts "transferred": the encoded (so
compressed) body plus headers of every HTTP response that came over the network
(``Network.loadingFinished``'s ``encodedDataLength`` over the DevTools protocol), nothing
for what the cache answered. WebSocket frames are not page weight and are not counted.
A KB is 1,024 bytes.

The first load starts at the invite link in a fresh browser window (the join page, its
assets, the join itself, then the room page and everything it fetches); the second opens
the room again in the same window, as a parent coming back would. Figures are printed
(``pytest -s``) and kept in docs/performance.md, "Page weight and caching".
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser

from tests.harness import Harness, ServerThread
from tests.web.conftest import _CSP_LISTENER, LOOP, PHONE, Tab
from tests.web.test_browser import join, wait_in_lobby

pytestmark = pytest.mark.browser

FIRST_LOAD_LIMIT = 100 * 1024
SECOND_LOAD_LIMIT = 10 * 1024
RISK_DOCUMENTS = "/api/risk-"


@dataclass
class Transfers:
    """Bytes received per request, from the DevTools protocol's network events."""

    urls: dict[str, str] = field(default_factory=dict)
    received: dict[str, int] = field(default_factory=dict)

    def reset(self) -> None:
        self.urls.clear()
        self.received.clear()

    def since(self, path: str) -> Transfers:
        """The requests made from the first one for ``path`` on (in the order sent)."""
        ids = list(self.urls)
        start = next(i for i, key in enumerate(ids) if self.urls[key].endswith(path))
        kept = {key: self.urls[key] for key in ids[start:]}
        return Transfers(kept, {k: n for k, n in self.received.items() if k in kept})

    def sizes(self) -> list[tuple[str, int]]:
        """(URL, bytes) of every finished request, largest first."""
        return sorted(((self.urls.get(key, key), n) for key, n in self.received.items()),
                      key=lambda row: -row[1])

    def total(self, matching: str = "") -> int:
        return sum(n for url, n in self.sizes() if matching in url)

    def table(self) -> str:
        return "\n".join(f"  {n:>8,} B  {url}" for url, n in self.sizes())


@pytest_asyncio.fixture(loop_scope=LOOP)
async def window(browser: Browser, server: ServerThread) -> AsyncIterator[Tab]:
    """A fresh window like ``tabs`` opens, without its route for the neutral site: while
    Playwright intercepts any request, Chromium's HTTP cache is off, and the cache is
    what the second load measures."""
    context = await browser.new_context(base_url=server.http, viewport=PHONE,
                                        locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(5_000)
    await context.add_init_script(_CSP_LISTENER)
    tab = Tab(context, await context.new_page())

    def on_console(message: Any) -> None:
        if message.type in ("error", "assert"):
            tab.problems.append(f"console {message.type}: {message.text}")

    tab.page.on("console", on_console)
    tab.page.on("pageerror", lambda error: tab.problems.append(f"uncaught: {error}"))
    yield tab
    await context.close()


async def watch_transfers(tab: Tab) -> Transfers:
    transfers = Transfers()
    cdp = await tab.context.new_cdp_session(tab.page)

    def on_request(event: dict[str, Any]) -> None:
        transfers.urls[event["requestId"]] = event["request"]["url"]

    def on_finished(event: dict[str, Any]) -> None:
        transfers.received[event["requestId"]] = int(event["encodedDataLength"])

    cdp.on("Network.requestWillBeSent", on_request)
    cdp.on("Network.loadingFinished", on_finished)
    await cdp.send("Network.enable")
    return transfers


async def settle(tab: Tab) -> None:
    """Wait until the room is shown and nothing it fetches is still on the way."""
    await wait_in_lobby(tab)
    await tab.page.wait_for_load_state("networkidle")


async def use_message_box(tab: Tab) -> None:
    """What going to the message box loads (the risk rules and model, for the draft check):
    the focus event the box gets, then until the documents have come."""
    async with tab.page.expect_response(lambda r: "/api/risk-model" in r.url):
        await tab.page.evaluate(
            "document.getElementById('chat-text').dispatchEvent(new FocusEvent('focus'))")
    await tab.page.wait_for_load_state("networkidle")
    await tab.page.wait_for_timeout(200)  # the last body's loadingFinished


async def visit(h: Harness, tab: Tab) -> tuple[Transfers, Transfers]:
    """What the first visit (invite link to the room) and the second (the room again)
    transferred; both printed."""
    _, invite = await h.room()
    transfers = await watch_transfers(tab)
    await join(tab, invite, "Wren")
    await settle(tab)
    first = Transfers(dict(transfers.urls), dict(transfers.received))
    await use_message_box(tab)
    boxed = Transfers(dict(transfers.urls), dict(transfers.received))
    transfers.reset()
    await tab.page.goto("/room")
    await settle(tab)
    await use_message_box(tab)
    tab.assert_clean()
    risk = boxed.total(matching=RISK_DOCUMENTS)
    assert first.total(matching=RISK_DOCUMENTS) == 0  # not before the message box is used
    print(f"\nfirst load (invite link to room): {first.total() / 1024:.1f} KB, of which the "
          f"room page and what it fetched {first.since('/room').total() / 1024:.1f} KB; the "
          f"risk rules and model when the message box is first used {risk / 1024:.1f} KB"
          f"\n{boxed.table()}")
    print(f"second load (the room again): {transfers.total() / 1024:.1f} KB\n"
          f"{transfers.table()}")
    return first, transfers


async def test_the_room_again_costs_under_10_kb(h: Harness, window: Tab) -> None:
    _, second = await visit(h, window)
    assert second.total() < SECOND_LOAD_LIMIT, f"second load\n{second.table()}"
    # Every script, the stylesheet, the icon and both risk documents came from the cache.
    fetched = [url for url, size in second.sizes() if size > 0]
    assert not [url for url in fetched if "/static/" in url or RISK_DOCUMENTS in url], fetched


async def test_the_first_visit_costs_under_100_kb(h: Harness, window: Tab) -> None:
    first, _ = await visit(h, window)
    assert first.total() < FIRST_LOAD_LIMIT, f"first load\n{first.table()}"
