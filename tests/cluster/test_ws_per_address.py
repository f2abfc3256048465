"""WebSockets per address across nodes (issue 12, part 2): with Redis configured, the caps
of one address (server/signaling/admission.py) hold for both real nodes together, and a
node that stops beating stops counting; with Redis down each node counts on its own."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from redis.asyncio import Redis
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from server.cluster import keys
from tests.cluster.conftest import BEAT_EVERY, Cluster, Node, two_nodes
from tests.redis_server import RedisServer

pytestmark = pytest.mark.postgres

# Three sockets per address, two of them before hello; a socket may wait 10 s for its
# hello, so the waiting ones stay while the test looks at them.
CAPS = {"ws_per_address": 3, "ws_waiting_per_address": 2, "hello_timeout": 10.0}
# What one node says past the cap (server/signaling/endpoint.py): accepted, then this.
REFUSED = (1013, "too many connections; try again later")


class Sockets:
    """Raw WebSockets from one loopback address, closed at the end."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.opened: list[ClientConnection] = []

    async def open(self, node: Node) -> ClientConnection:
        ws = await node.h.open(local_addr=(self.address, 0))
        self.opened.append(ws)
        return ws

    async def admitted(self, node: Node) -> ClientConnection:
        """A socket ``node`` keeps open: its ping is answered (a refused one is closed
        straight after the handshake, before any ping)."""
        ws = await self.open(node)
        await asyncio.wait_for(await ws.ping(), 3)
        return ws

    async def refusal(self, node: Node) -> tuple[int, str] | None:
        """How ``node`` closes a new socket at once: (code, reason), None if it did not."""
        ws = await self.open(node)
        try:
            await asyncio.wait_for(ws.recv(), 3)
        except ConnectionClosed as closed:
            return (closed.rcvd.code, closed.rcvd.reason) if closed.rcvd else None
        except TimeoutError:
            return None
        return None

    async def admitted_soon(self, node: Node, within: float = 5.0) -> ClientConnection:
        """A socket ``node`` keeps open, once a place freed elsewhere is given back (a
        node tells Redis just after the close, or the welcome, that freed it)."""
        deadline = time.monotonic() + within
        while True:
            ws = await self.open(node)
            try:
                await asyncio.wait_for(await ws.ping(), 3)
                return ws
            except ConnectionClosed as closed:
                assert closed.rcvd and closed.rcvd.code == REFUSED[0], closed
            assert time.monotonic() < deadline, "the freed place was not given back"
            await asyncio.sleep(0.05)

    async def aclose(self) -> None:
        for ws in self.opened:
            await ws.close()


@pytest.fixture
async def capped(tmp_path: Path, own_postgres_url: str, redis_server: RedisServer,
                 redis: Redis) -> AsyncIterator[Cluster]:
    async with two_nodes(tmp_path, own_postgres_url, redis_server, redis, **CAPS) as c:
        # Each node learns the other's name at its next beat (server/cluster/sockets.py):
        # node a started first and has not counted b's sockets until then.
        await asyncio.sleep(2 * BEAT_EVERY)
        yield c


async def until(check: Callable[[], Awaitable[bool]], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, f"not within {within} s"
        await asyncio.sleep(0.05)


async def test_one_address_holds_its_share_across_both_nodes_and_a_dead_nodes_count_goes(
        capped: Cluster, redis: Redis) -> None:
    a, b = capped.a, capped.b
    room_id, invite = await a.h.room()
    assert (await capped.leases.acquire(room_id, a.id))[0]  # the room runs on node a
    token = (await a.h.join(invite))["token"]
    one = Sockets("127.0.0.2")
    try:
        first = await one.admitted(a)
        await one.admitted(b)
        # Two sockets before hello, one at each node: the cap of two is for both nodes
        # together, so a third is refused at b, where only one of them is.
        assert await one.refusal(b) == REFUSED
        await first.send(f'{{"type": "hello", "token": "{token}"}}')
        assert '"welcome"' in str(await asyncio.wait_for(first.recv(), 5))
        # One past hello now (a says so to Redis just after its welcome): b takes one
        # more; then three are open (one at a, two at b), and a, holding one of them,
        # refuses the fourth.
        third = await one.admitted_soon(b)
        assert await one.refusal(a) == REFUSED
        # Another address is not affected.
        other = Sockets("127.0.0.3")
        await other.admitted(a)
        await other.aclose()
        # A socket closed at b gives its place back, to a socket at a.
        await one.opened[1].close()
        await one.admitted_soon(a)
        # What Redis holds: a keyed hash of each address, never the address.
        fields = [f.decode() if isinstance(f, bytes) else f
                  for f in await redis.hkeys(keys.sockets(b.id))]
        assert fields and all(re.fullmatch(r"[ow]:[0-9a-f]{32}", f) for f in fields), fields
        # b stops beating, as a crashed node does (its socket stays open, but b no longer
        # says so): once b is known dead its count is gone with it, and a takes one more.
        b.placement.abandon()
        await until(lambda: _gone(redis, keys.sockets(b.id)))
        await one.admitted(a)
        assert await one.refusal(a) == REFUSED
        assert not third.close_code  # still open at b: only its count went
    finally:
        await one.aclose()


async def _gone(redis: Redis, key: str) -> bool:
    return not await redis.exists(key)


async def test_with_redis_down_each_node_counts_websockets_on_its_own(
        capped: Cluster, redis_server: RedisServer, redis: Redis) -> None:
    a, b = capped.a, capped.b
    one = Sockets("127.0.0.4")
    try:
        await one.admitted(a)
        redis_server.stop()
        # Neither everyone refused nor no limit: each node goes on from its own count.
        await one.admitted(a)
        assert await one.refusal(a) == REFUSED
        await one.admitted(b)
        await one.admitted(b)
        assert await one.refusal(b) == REFUSED
        assert "WebSockets per address are counted on this node only" in a.server.logs.text()
        # Redis back, empty: each node writes its own count into it again at its next
        # beat. With one of b's two sockets closed, b alone would take another; the
        # address's three (two at a) say no.
        redis_server.start()
        await until(lambda: _counted(redis, a, b, {b"2"}, {b"2"}))
        # Each learns the other's name again at its next beat (Redis forgot the registry).
        await asyncio.sleep(2 * BEAT_EVERY)
        await one.opened[3].close()
        await until(lambda: _counted(redis, a, b, {b"2"}, {b"1"}))
        assert await one.refusal(b) == REFUSED
    finally:
        await one.aclose()


async def _counted(redis: Redis, a: Node, b: Node, at_a: set[bytes], at_b: set[bytes],
                   ) -> bool:
    """Whether Redis holds these counts (open and waiting alike) of the one address."""
    try:
        return (set(await redis.hvals(keys.sockets(a.id))) == at_a
                and set(await redis.hvals(keys.sockets(b.id))) == at_b)
    except Exception:  # the test's own client, reconnecting after the restart
        return False
