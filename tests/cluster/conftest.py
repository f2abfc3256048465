"""Fixtures for placement across nodes: a private redis-server, a client on it, and two
real Hearth nodes sharing one PostgreSQL database and that Redis."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from server.cluster.leases import Leases
from server.cluster.node import ClusterPlacement
from tests.harness import Harness, ServerThread, free_port, test_settings
from tests.redis_server import RedisServer

# Short times so a test sees a lease expire or a node die in a second or two, not ten.
LEASE_TTL = 2.0
BEAT_EVERY = 0.3
# The deadline sweeper's lease (a row in the shared database, not Redis) as short.
SWEEP_EVERY = 0.3


@pytest.fixture
async def redis(redis_server: RedisServer) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_server.url, protocol=2)
    try:
        yield client
    finally:
        await client.aclose()


@dataclass
class Node:
    name: str
    server: ServerThread
    h: Harness

    @property
    def ws(self) -> str:
        return self.server.ws

    @property
    def placement(self) -> ClusterPlacement:
        """The node's placement, to read (its Redis client is on the server's loop)."""
        found = self.server.app.state.services.hub.placement
        assert isinstance(found, ClusterPlacement)
        return found

    @property
    def id(self) -> str:
        return self.placement.node_id


@dataclass
class Cluster:
    a: Node
    b: Node
    redis: RedisServer
    # The test's own client and leases (the nodes' clients live on their servers' loops).
    client: Redis

    @property
    def leases(self) -> Leases:
        return Leases(self.client, LEASE_TTL)


@pytest.fixture
async def cluster(tmp_path: Path, own_postgres_url: str, redis_server: RedisServer,
                  redis: Redis) -> AsyncIterator[Cluster]:
    """Nodes "a" and "b": one database, one Redis, the same secret and audit keys (a
    token from one works at the other), each other's pages allowed as origins."""
    async with two_nodes(tmp_path, own_postgres_url, redis_server, redis) as running:
        yield running


@contextlib.asynccontextmanager
async def two_nodes(tmp_path: Path, database_url: str, redis_server: RedisServer,
                    redis: Redis, **overrides: Any) -> AsyncIterator[Cluster]:
    """The ``cluster`` fixture's nodes, with ``overrides`` to both nodes' settings (for
    a test that needs, say, caps of its own)."""
    ports = {"a": free_port(), "b": free_port()}
    origins = tuple(f"http://127.0.0.1:{port}" for port in ports.values())
    secret, audit = secrets.token_hex(32), secrets.token_hex(32)
    nodes: list[Node] = []
    try:
        for name, port in ports.items():
            settings = test_settings(
                tmp_path / name, port=port, database_url=database_url,
                redis_url=redis_server.url, secret_key=secret, audit_key=audit,
                node_id=f"node-{name}-{secrets.token_hex(2)}", allowed_origins=origins,
                lease_ttl=LEASE_TTL, node_beat_every=BEAT_EVERY,
                sweep_lease_ttl=LEASE_TTL, sweep_every=SWEEP_EVERY,
                node_ws_sources=("ws://127.0.0.1:*",), **overrides)
            server = ServerThread(settings).start()
            nodes.append(Node(name, server, Harness(server)))
        yield Cluster(nodes[0], nodes[1], redis_server, redis)
    finally:
        for node in nodes:
            await node.h.aclose()
            node.server.stop()
