"""deploy/Caddyfile, unchanged, in front of two real Hearth nodes.

Caddy serves plain HTTP on a free loopback port here (see ``Caddy``: an ``http://`` site
address is the one thing the test changes, through ``CADDY_SITE``); the nodes' addresses
come in through ``CADDY_NODE_A`` and ``CADDY_NODE_B`` as in compose. What is checked is
what the file decides: /nodes/a/* reaches node A and only A, /nodes/b/* node B, every
other path either node, /metrics nobody.

Two set-ups. Independent nodes (each its own database and secret key), so a token is
good at one node only and tells them apart: no PostgreSQL needed. Then the deployment's
own shape: nodes sharing PostgreSQL and Redis, each with ``HEARTH_NODE_WS_URL`` at its
prefix through Caddy, where a parent joining through the public address is sent to the
node that runs the room, and a hello at the other node is answered ``moved``.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from server.settings import Settings
from tests.deploy.processes import Caddy, free_tcp_and_udp_port
from tests.harness import Client, Harness, ServerThread, free_port
from tests.harness import test_settings as settings_for  # (not collected as a test)
from tests.redis_server import RedisServer

pytestmark = pytest.mark.timeout(60)


@dataclass
class Front:
    caddy: Caddy
    nodes: dict[str, ServerThread]
    harnesses: dict[str, Harness]

    async def hello(self, path: str, token: str) -> tuple[Client, dict[str, Any]]:
        """Open a WebSocket through Caddy at ``path`` (the page's origin), say hello and
        return the client and the first answer."""
        ws = await connect(self.caddy.ws + path, origin=self.caddy.http,  # type: ignore[arg-type]
                           compression=None, open_timeout=5, max_queue=None)
        client = Client(ws)
        await client.send("hello", token=token, ref="hi")
        return client, await client.recv(timeout=5)


def node_settings(tmp_path: Path, name: str, caddy_port: int, **overrides: Any) -> Settings:
    """A node behind the proxy: Caddy's address is its public URL (so the pages' origin
    is allowed) and Caddy is the one proxy it believes."""
    return settings_for(tmp_path / name, public_base_url=f"http://127.0.0.1:{caddy_port}",
                         trusted_proxies=("127.0.0.1",), **overrides)


@contextlib.asynccontextmanager
async def front(tmp_path: Path, per_node: Callable[[str, int], dict[str, Any]] | None = None,
                **shared: Any) -> AsyncIterator[Front]:
    """Nodes a and b with ``shared`` settings and ``per_node(name, caddy_port)`` ones,
    and Caddy before them."""
    caddy_port = free_tcp_and_udp_port()
    nodes: dict[str, ServerThread] = {}
    harnesses: dict[str, Harness] = {}
    try:
        for name in ("a", "b"):
            own = per_node(name, caddy_port) if per_node else {}
            settings = node_settings(tmp_path, name, caddy_port, port=free_port(),
                                     **shared, **own)
            nodes[name] = ServerThread(settings).start()
            harnesses[name] = Harness(nodes[name])
        folder = tmp_path / "caddy"
        folder.mkdir()
        with Caddy(folder, f"127.0.0.1:{nodes['a'].settings.port}",
                   f"127.0.0.1:{nodes['b'].settings.port}", port=caddy_port) as caddy:
            yield Front(caddy, nodes, harnesses)
    finally:
        for h in harnesses.values():
            await h.aclose()
        for node in nodes.values():
            node.stop()


async def test_each_prefix_reaches_its_own_node_and_the_rest_either(tmp_path: Path) -> None:
    async with front(tmp_path) as f, httpx.AsyncClient(base_url=f.caddy.http) as http:
        health = await http.get("/healthz")
        assert health.status_code == 200 and health.json() == {"status": "ok"}
        assert "server" not in health.headers  # neither Caddy's nor uvicorn's name
        assert (await http.get("/metrics")).status_code == 404
        assert (await http.get("/nodes/a/healthz")).json() == {"status": "ok"}
        # Each node has its own database and secret key: its staff token is good there
        # and nowhere else, which tells the nodes apart.
        tokens = {}
        for name, h in f.harnesses.items():
            room_id, _ = await h.room(name=f"Group on {name}")
            tokens[name] = (room_id, (await h.staff_token(room_id, name="Fran"))["token"])
        for name, (room_id, token) in tokens.items():
            other = "b" if name == "a" else "a"
            client, welcome = await f.hello(f"/nodes/{name}/ws", token)
            assert welcome["type"] == "welcome", welcome
            assert welcome["room"]["id"] == room_id
            await client.close()
            client, refused = await f.hello(f"/nodes/{other}/ws", token)
            assert (refused["type"], refused["code"]) == ("error", "unauthorized")
            assert await client.closed() == 4401
        # Caddy passes the page's Origin on untouched: another site's page is refused
        # by the node (accepted, then closed 1008, as the protocol says).
        stranger = Client(await connect(f.caddy.ws + "/nodes/a/ws",
                                        origin="https://elsewhere.example",  # type: ignore[arg-type]
                                        open_timeout=5))
        assert await stranger.closed() == 1008




@pytest.mark.postgres
async def test_a_parent_joining_through_the_public_address_reaches_the_rooms_node(
        tmp_path: Path, own_postgres_url: str, redis_server: RedisServer) -> None:
    """The deployment's shape: shared PostgreSQL, Redis, keys; each node's
    HEARTH_NODE_WS_URL is its prefix on the public address."""
    def per_node(name: str, caddy_port: int) -> dict[str, Any]:
        return {"node_id": f"node-{name}-{secrets.token_hex(2)}",
                "node_ws_url": f"ws://127.0.0.1:{caddy_port}/nodes/{name}/ws"}

    async def run(f: Front) -> None:
        h = f.harnesses["a"]
        room_id, invite = await h.room()
        staff = await h.staff_token(room_id, name="Fran")
        owner_url = staff["ws_url"]
        owner = next(n for n in "ab" if owner_url == f"{f.caddy.ws}/nodes/{n}/ws")
        other = "b" if owner == "a" else "a"
        fac, welcome = await f.hello(f"/nodes/{owner}/ws", staff["token"])
        assert welcome["type"] == "welcome", welcome
        # The other node's prefix reaches the other node, which sends the browser back.
        stray, moved = await f.hello(f"/nodes/{other}/ws", staff["token"])
        assert (moved["type"], moved["code"], moved["ws_url"]) == ("error", "moved", owner_url)
        assert await stray.closed() == 4307
        # A parent joins through the public address (either node answers) and is sent
        # to the room's node, through Caddy, where the facilitator lets her in.
        async with httpx.AsyncClient(base_url=f.caddy.http,
                                     headers={"Origin": f.caddy.http}) as http:
            joined = await http.post("/api/join", json={"invite": invite, "name": "Ann",
                                                         "agree": True})
        assert joined.status_code == 201, joined.text
        assert joined.json()["ws_url"] == owner_url
        path = owner_url.removeprefix(f.caddy.ws)
        ann, answer = await f.hello(path, joined.json()["token"])
        assert answer["type"] == "welcome", answer
        knock = await fac.expect("lobby.knock")
        await fac.send("lobby.admit", participant=knock["participant"]["id"])
        await ann.expect("admitted")
        for client in (fac, ann):
            await client.close()

    async with front(tmp_path, per_node, database_url=own_postgres_url,
                     redis_url=redis_server.url, secret_key=secrets.token_hex(32),
                     audit_key=secrets.token_hex(32)) as f:
        await run(f)
