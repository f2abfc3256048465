"""The web client across nodes, in a real browser: it opens its WebSocket at the node
the join answer names (not the page's own), and follows ``moved`` to the room's new
node without waiting to be let in again."""

from __future__ import annotations

import asyncio
import json

import pytest
from playwright.async_api import Browser, WebSocket, expect

from tests.cluster.conftest import LEASE_TTL, Cluster
from tests.cluster.test_nodes import room_on
from tests.web.conftest import _CSP_LISTENER, DESKTOP, own_browser  # noqa: F401 - a fixture
from tests.web.test_browser import chat_line, join, say, wait_in_lobby

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


async def test_the_page_connects_where_the_room_runs_and_follows_it_when_it_moves(
        cluster: Cluster, own_browser: Browser) -> None:  # noqa: F811 - the fixture
    from tests.web.conftest import Tab

    a, b = cluster.a, cluster.b
    room_id, invite, fac = await room_on(cluster, b)
    context = await own_browser.new_context(base_url=a.server.http, viewport=DESKTOP,
                                        locale="en-GB")
    context.set_default_timeout(5_000)
    await context.add_init_script(_CSP_LISTENER)
    page = await context.new_page()
    tab = Tab(context, page)
    sockets: list[str] = []

    def on_websocket(socket: WebSocket) -> None:
        sockets.append(socket.url)

    page.on("websocket", on_websocket)
    page.on("console", lambda m: tab.problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: tab.problems.append(f"uncaught: {error}"))
    try:
        # The page comes from node A; the room runs on node B.
        await join(tab, invite, "Ann")
        await wait_in_lobby(tab)
        assert sockets == [b.ws]
        knock = await fac.expect("lobby.knock")
        await fac.send("lobby.admit", participant=knock["participant"]["id"])
        await expect(page.locator("#chat-text")).to_be_visible()
        await say(tab, "Hello from Ann")
        await fac.expect("chat", text="Hello from Ann")
        # Node A takes the room over; B sends everyone there (moved, 4307).
        current = await cluster.leases.get(room_id)
        assert (await cluster.leases.acquire(room_id, a.id, replacing=current))[0]
        await fac.expect("error", timeout=LEASE_TTL + 2, code="moved")
        for _ in range(100):
            if len(sockets) > 1:
                break
            await asyncio.sleep(0.05)
        assert sockets == [b.ws, a.ws]
        # Straight back into the group at A: no waiting room, no one to let her in.
        fac_again = await a.h.connect((await a.h.staff_token(room_id))["token"])
        await expect(page.locator("#chat-text")).to_be_visible()
        await fac_again.send("chat.send", text="Still with you, Ann", to="room")
        await expect(chat_line(tab, "Still with you, Ann")).to_be_visible()
        assert any(p["name"] == "Ann" for p in fac_again.welcome["participants"])
        tab.assert_clean()
        # Where the page is welcomed is kept with the session, so a reload dials the
        # group's node first, and a node that cannot be reached is skipped for the page's
        # own server at once (as after a failover, when the kept node has died).
        gone = "ws://127.0.0.1:9/ws"
        await page.evaluate("""(gone) => {
            const kept = JSON.parse(sessionStorage.getItem("hearth.session"));
            sessionStorage.setItem("hearth.session", JSON.stringify({...kept, ws_url: gone}));
        }""", gone)
        sockets.clear()
        await page.reload()
        await expect(page.locator("#chat-text")).to_be_visible()
        assert sockets == [gone, a.ws]
        kept = json.loads((await tab.session_storage())["hearth.session"])
        assert kept["ws_url"] == a.ws
        tab.assert_clean(gone)
    finally:
        await context.close()
