"""Rate limits per address and per account across nodes (issue 12, part 2): with Redis
configured, two real nodes spend from one budget; with Redis down, each node falls back to
its own count (server/auth/ratelimit.py, ``Limiter``), which still refuses."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from tests.cluster.conftest import Cluster, two_nodes
from tests.harness import ServerThread
from tests.redis_server import RedisServer

pytestmark = pytest.mark.postgres

# A burst of four, then one a minute: nothing refills while a test runs.
LIMITS: dict[str, Any] = {"login_burst": 4, "login_per_minute": 1, "join_burst": 3,
                          "join_per_minute": 1, "trusted_proxies": ("127.0.0.1",)}


@contextlib.asynccontextmanager
async def limited(tmp_path: Path, database_url: str, redis_server: RedisServer,
                  redis: Redis) -> AsyncIterator[Cluster]:
    """Two nodes on one database and one Redis, with real-sized rate limits and the
    test's own address trusted as a proxy (X-Forwarded-For names each "client")."""
    async with two_nodes(tmp_path, database_url, redis_server, redis, **LIMITS) as running:
        yield running


async def login(server: ServerThread, username: str, address: str) -> int:
    """One wrong-password login at ``server`` from ``address`` (through the trusted proxy)."""
    async with httpx.AsyncClient(base_url=server.http,
                                 headers={"Origin": server.origin}) as client:
        answer = await client.post("/api/login", headers={"X-Forwarded-For": address},
                                   json={"username": username, "password": "a wrong guess"})
        return answer.status_code


async def test_logins_and_joins_split_across_two_nodes_share_one_budget(
        tmp_path: Path, own_postgres_url: str, redis_server: RedisServer,
        redis: Redis) -> None:
    async with limited(tmp_path, own_postgres_url, redis_server, redis) as c:
        a, b = c.a.server, c.b.server
        nodes = [a, b] * 4
        # One address trying eight usernames, its attempts alternating between the nodes:
        # four pass in all (two at each node), not four at each.
        by_address = [await login(node, f"nobody-{n}", "203.0.113.7")
                      for n, node in enumerate(nodes)]
        assert by_address == [401] * 4 + [429] * 4, by_address
        # One account tried from eight addresses: the same.
        by_account = [await login(node, "Lead", f"198.51.100.{n}")
                      for n, node in enumerate(nodes)]
        assert by_account == [401] * 4 + [429] * 4, by_account
        # What Redis holds: a keyed hash per bucket, never an address or a username.
        kept = [key.decode() if isinstance(key, bytes) else key
                for key in await redis.keys("hearth:limit:*")]
        assert kept and all(key.startswith(("hearth:limit:login:", "hearth:limit:join:"))
                            for key in kept)
        assert not [key for key in kept if "203.0.113" in key or "lead" in key.lower()]
        for key in kept:
            assert 0 < await redis.pttl(key) <= 5 * 60 * 1000  # gone once refilled
        # Joins from one address, alternating: three in all.
        _, invite = await c.a.h.room()
        codes = []
        for node in nodes[:6]:
            async with httpx.AsyncClient(base_url=node.http,
                                         headers={"Origin": node.origin}) as client:
                answer = await client.post(
                    "/api/join", headers={"X-Forwarded-For": "192.0.2.50"},
                    json={"invite": invite, "agree": True})
                codes.append(answer.status_code)
                if answer.status_code == 429:
                    assert answer.json()["error"]["code"] == "rate_limited"
        assert codes == [201] * 3 + [429] * 3, codes


async def test_with_redis_down_each_node_counts_on_its_own_and_still_refuses(
        tmp_path: Path, own_postgres_url: str, redis_server: RedisServer,
        redis: Redis) -> None:
    async with limited(tmp_path, own_postgres_url, redis_server, redis) as c:
        a, b = c.a.server, c.b.server
        # Shared while Redis answers: two attempts, one at each node.
        assert [await login(a, "x1", "203.0.113.9"), await login(b, "x2", "203.0.113.9")] == [
            401, 401]
        redis_server.stop()
        # Each node goes on from its own count (one spent here of four), rather than
        # letting everything through or refusing everyone.
        at_a = [await login(a, f"y{n}", "203.0.113.9") for n in range(5)]
        at_b = [await login(b, f"z{n}", "203.0.113.9") for n in range(5)]
        assert at_a == [401, 401, 401, 429, 429], at_a
        assert at_b == [401, 401, 401, 429, 429], at_b
        assert "login rate limits are counted on this node only" in a.logs.text()
        limiters = [node.app.state.services.login_limiter for node in (a, b)]
        assert not any(limiter.shared for limiter in limiters)
        # Redis back (empty, as a restart without persistence): the limits are shared
        # again by themselves, once each node asks Redis again (every RETRY_AFTER).
        redis_server.start()
        deadline = time.monotonic() + 15
        probe = 0
        while not all(limiter.shared for limiter in limiters):
            assert time.monotonic() < deadline, "the limits were not shared again"
            probe += 1
            for node in (a, b):
                await login(node, f"probe-{probe}", f"192.0.2.{probe % 250}")
            await asyncio.sleep(0.2)
        assert "shared by every node again" in a.logs.text()
        # A fresh address: four in all across both nodes again.
        fresh = [await login(node, f"w{n}", "203.0.113.77")
                 for n, node in enumerate([a, b] * 3)]
        assert fresh == [401] * 4 + [429] * 2, fresh
