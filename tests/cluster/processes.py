"""Two ``hearth serve`` nodes as child processes behind Caddy: what failover is tested on.

The nodes of ``conftest.py`` run in threads of the test process, so they cannot die the
way a machine does: stopping one runs its shutdown. A child process killed with SIGKILL
is a real crash: nothing released, nothing written, its sockets reset by the kernel,
its heartbeat and leases left to expire in Redis.

The topology is the deployment's (docker-compose.yml), started by bench/cluster_procs.py
(which the benchmarks of several nodes share): nodes ``a`` and ``b`` share one fresh
PostgreSQL database, one private Redis and the keys; Caddy runs deploy/Caddyfile
unchanged in front, so each node's WebSocket is ``/nodes/<name>/ws`` at the public
address and ``/ws`` there reaches any node that is up. Timings are the production
defaults (heartbeat 2 s, leases 10 s) unless a module sets others, since what a failover
test measures is how long people really wait. Here a missing caddy, redis-server or
PostgreSQL skips the test (fails it under CI).

Starting a node takes several seconds (more on a busy machine), so a module shares one
``Deployment``; each test has a room of its own (``ProcessCluster``) and finds both nodes
running (``ensure_running`` starts again the one an earlier test killed).

``ProcessCluster.reconnect`` is what web/static/room.js does after a dropped connection
(``cluster_procs.come_back``): where it was welcomed last, else through the page's own
origin, following ``moved``, trying again after a refused connection, a proxy's error
or 1013, on the same schedule.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from redis.asyncio import Redis
from websockets.asyncio.client import connect

from bench import cluster_procs
from bench.cluster_procs import (
    FACILITATOR,
    PASSWORD,
    Deployment,
    NodeProcess,
    come_back,
)
from server.cluster.leases import Lease, Leases
from server.store.db import SqlStore
from tests.deploy.processes import binary
from tests.harness import Client
from tests.postgres import create_database, drop_database
from tests.redis_server import redis_server_binary

__all__ = ["FACILITATOR", "PASSWORD", "Deployment", "NodeProcess", "ProcessCluster",
           "cluster_room", "deployment"]


@contextlib.contextmanager
def deployment(directory: Path, **settings: str) -> Iterator[Deployment]:
    """Nodes ``a`` and ``b`` as processes on a new database and a private Redis, Caddy in
    front, all ready (``cluster_procs.deployment``). ``settings``: more environment for
    both nodes."""
    caddy, redis = binary("caddy", "caddy"), redis_server_binary()
    database_url, database = create_database()
    try:
        with cluster_procs.deployment(directory, database_url, caddy_binary=caddy,
                                      redis_binary=redis, **settings) as running:
            yield running
    finally:
        drop_database(database)


@dataclass
class ProcessCluster:
    """One test's view of the deployment: a room of its own (with its invite, Fran
    assigned to it), and the test's own Redis and database clients."""

    d: Deployment
    redis: Redis
    store: SqlStore
    room_id: str
    invite: str
    # Every WebSocket the test opened, closed at its end (even those whose node died).
    clients: list[Client] = field(default_factory=list)

    @property
    def nodes(self) -> dict[str, NodeProcess]:
        return self.d.nodes

    @property
    def origin(self) -> str:
        return self.d.origin

    @property
    def own_ws(self) -> str:
        return self.d.own_ws

    def node_ws(self, name: str) -> str:
        return self.d.node_ws(name)

    @property
    def leases(self) -> Leases:
        return Leases(self.redis, self.d.lease_ttl)

    async def lease(self) -> Lease | None:
        return await self.leases.get(self.room_id)

    async def place(self, name: str) -> Lease:
        """Put the room on node ``name`` (as placement would have, had it chosen that
        node); the node adopts the lease at the room's first ``hello``."""
        taken, lease = await self.leases.acquire(self.room_id, name)
        assert taken, lease
        return lease

    def http(self) -> httpx.AsyncClient:
        """A browser's view: the public address, with its Origin header."""
        return httpx.AsyncClient(base_url=self.origin, headers={"Origin": self.origin},
                                 timeout=10)

    async def staff_token(self, username: str = FACILITATOR) -> dict[str, Any]:
        async with self.http() as http:
            login = await http.post("/api/login", json={"username": username,
                                                         "password": PASSWORD})
            assert login.status_code == 200, login.text
            answer = await http.post(f"/api/rooms/{self.room_id}/token", json={})
            assert answer.status_code == 201, answer.text
            found: dict[str, Any] = answer.json()
            return found

    async def join(self, name: str) -> dict[str, Any]:
        async with self.http() as http:
            answer = await http.post("/api/join", json={
                "invite": self.invite, "name": name, "agree": True})
        assert answer.status_code == 201, answer.text
        found: dict[str, Any] = answer.json()
        return found

    async def _open(self, url: str) -> Client:
        ws = await connect(url, origin=self.origin,  # type: ignore[arg-type]
                           compression=None, open_timeout=5, max_queue=None)
        client = Client(ws)
        self.clients.append(client)
        return client

    async def hello(self, url: str, token: str) -> tuple[Client, dict[str, Any]]:
        """Open ``url``, say hello; the client and the first answer."""
        client = await self._open(url)
        await client.send("hello", token=token, ref="hi")
        return client, await client.recv(timeout=10)

    async def close_code(self, url: str, token: str) -> int:
        """Open ``url``, say hello, and return the code the server closes with."""
        client = await self._open(url)
        await client.send("hello", token=token)
        return await client.closed(timeout=10)

    async def connect(self, url: str, token: str) -> Client:
        client, first = await self.hello(url, token)
        assert first["type"] == "welcome", first
        client.welcome = first
        return client

    async def reconnect(self, token: str, home: str) -> tuple[Client, list[str]]:
        """Back into the room after a dropped connection, as the web page does
        (``cluster_procs.come_back``): each try after the page's next wait, first at
        ``home`` (where it was welcomed last) and, if that cannot even be opened, at once
        through the page's own origin (any node); ``moved`` is followed at once. Returns
        the client (welcomed) and what each try met, for the test's output."""

        async def hello_at(url: str) -> tuple[Client, dict[str, Any]]:
            # The benchmark's hello (bench/cluster_procs.py), its socket kept as a Client
            # so the test closes it at its end.
            ws, first = await cluster_procs.hello_at(url, token, self.origin)
            client = Client(ws, seen=[first])
            self.clients.append(client)
            if first["type"] == "welcome":
                client.welcome = first
            return client, first

        client, _, tries = await come_back(hello_at, home, self.own_ws, where=self._where)
        return client, tries

    def _where(self, url: str) -> str:
        return url.removeprefix(self.d.caddy.ws)


@contextlib.asynccontextmanager
async def cluster_room(d: Deployment) -> AsyncIterator[ProcessCluster]:
    """A new room on the deployment, with both nodes running."""
    await asyncio.to_thread(d.ensure_running)
    store = SqlStore(d.database_url, audit_key=d.audit_key.encode())
    redis = Redis.from_url(d.redis_server.url, protocol=2)
    cluster: ProcessCluster | None = None
    try:
        room_id, invite = await cluster_procs.add_room(store, "Mums' circle")
        cluster = ProcessCluster(d, redis, store, room_id, invite)
        yield cluster
    finally:
        for client in cluster.clients if cluster is not None else ():
            with contextlib.suppress(Exception):
                await client.close()
        await redis.aclose()
        await store.aclose()
