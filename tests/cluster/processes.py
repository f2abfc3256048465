"""Two ``hearth serve`` nodes as child processes behind Caddy: what failover is tested on.

The nodes of ``conftest.py`` run in threads of the test process, so they cannot die the
way a machine does: stopping one runs its shutdown. A child process killed with SIGKILL
is a real crash: nothing released, nothing written, its sockets reset by the kernel,
its heartbeat and leases left to expire in Redis.

The topology is the deployment's (docker-compose.yml): nodes ``a`` and ``b`` share one
fresh PostgreSQL database, one private Redis and the keys; Caddy runs deploy/Caddyfile
unchanged in front (tests/deploy/processes.py), so each node's WebSocket is
``/nodes/<name>/ws`` at the public address and ``/ws`` there reaches any node that is up.
Timings are the production defaults (heartbeat 2 s, leases 10 s) unless a module sets
others, since what a failover test measures is how long people really wait.

Starting a node takes several seconds (more on a busy machine), so a module shares one
``Deployment``; each test has a room of its own (``ProcessCluster``) and finds both nodes
running (``ensure_running`` starts again the one an earlier test killed).

``ProcessCluster.reconnect`` is what web/static/room.js does after a dropped connection:
where it was welcomed last, else through the page's own origin, following ``moved``,
trying again after a refused connection, a proxy's error or 1013, on the same schedule.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import sys
import time
from collections.abc import AsyncIterator, Coroutine, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from redis.asyncio import Redis
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from server.auth.passwords import hash_password
from server.cluster.leases import Lease, Leases
from server.store.db import SqlStore
from tests.deploy.processes import Caddy, Process, free_tcp_and_udp_port
from tests.harness import Client, free_port
from tests.postgres import create_database, drop_database
from tests.redis_server import RedisServer

PASSWORD = "a long enough password for the tests"
FACILITATOR = "fran"
LEAD = "lee"
NODES = ("a", "b")
# A Python process with aiortc and the risk model loaded takes a few seconds to start;
# two at once on a busy two-core machine, much longer.
NODE_START_TIMEOUT = 90.0
# web/static/room.js: the waits between tries after a dropped connection (the last one
# repeated), and how long it keeps trying before it says the connection is lost.
RETRY_DELAYS = (0.5, 1.0, 2.0, 3.0)
RETRY_FOR = 60.0


class NodeProcess:
    """One node: ``python -m server serve`` on a fixed port and data folder, its output
    in a file; started again after a kill on the same port, folder and node id."""

    def __init__(self, name: str, directory: Path, env: dict[str, str]) -> None:
        self.name = name
        self.port = free_port()
        folder = directory / f"node-{name}"
        folder.mkdir(parents=True, exist_ok=True)
        self.process = Process(
            f"hearth-{name}",
            [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1",
             "--port", str(self.port)],
            folder, {**env, "HEARTH_DATA_DIR": str(folder / "data"), "HEARTH_NODE_ID": name})

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.process.alive()

    def start(self) -> None:
        self.process.start()

    def wait_ready(self) -> None:
        """Until ``/readyz`` answers 200 (database and Redis reached); blocking."""
        deadline = time.monotonic() + NODE_START_TIMEOUT
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.http}/readyz", timeout=2).status_code == 200:
                    return
            if not self.process.alive():
                raise RuntimeError(f"node {self.name} exited:\n{self.process.log()[-4000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"node {self.name} not ready in {NODE_START_TIMEOUT} s:\n"
                                   f"{self.process.log()[-4000:]}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: the node dies as a machine does, mid-session."""
        self.process.kill()

    def stop(self) -> None:
        self.process.stop()

    def log(self) -> str:
        return self.process.log()


def _run(work: Coroutine[Any, Any, Any]) -> Any:
    """Database set-up from a plain fixture, on a loop of its own in a thread of its own."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result()


async def _prepare(url: str, audit: str) -> None:
    """The database before any node starts (so none makes demo data): migrated, with the
    staff accounts every test uses."""
    store = SqlStore(url, audit_key=audit.encode())
    try:
        await store.migrate()
        await store.add_staff(FACILITATOR, hash_password(PASSWORD), "facilitator")
        await store.add_staff(LEAD, hash_password(PASSWORD), "safeguarding_lead")
    finally:
        await store.aclose()


@dataclass
class Deployment:
    nodes: dict[str, NodeProcess]
    caddy: Caddy
    redis_server: RedisServer
    database_url: str
    audit_key: str
    lease_ttl: float

    @property
    def origin(self) -> str:
        """The public address: where the pages come from (Caddy)."""
        return self.caddy.http

    @property
    def own_ws(self) -> str:
        """The page's own origin's WebSocket: any node that is up answers it."""
        return f"{self.caddy.ws}/ws"

    def node_ws(self, name: str) -> str:
        """A node's WebSocket through Caddy (its HEARTH_NODE_WS_URL)."""
        return f"{self.caddy.ws}/nodes/{name}/ws"

    def ensure_running(self) -> None:
        """Both nodes up and ready: any an earlier test killed is started again."""
        _running(self.nodes.values())


def _running(nodes: Iterable[NodeProcess]) -> None:
    """Start those of ``nodes`` not running, together, and wait until all are ready."""
    chosen = list(nodes)
    for node in chosen:
        if not node.alive():
            node.start()
    with ThreadPoolExecutor(len(chosen)) as pool:
        for done in [pool.submit(node.wait_ready) for node in chosen]:
            done.result()


@contextlib.contextmanager
def deployment(directory: Path, **settings: str) -> Iterator[Deployment]:
    """Nodes ``a`` and ``b`` as processes on a new database and a private Redis, Caddy in
    front, all ready. ``settings``: more environment for both nodes."""
    database_url, database = create_database()
    secret, audit = secrets.token_hex(32), secrets.token_hex(32)
    redis_server = RedisServer()
    caddy_port = free_tcp_and_udp_port()
    nodes: dict[str, NodeProcess] = {}
    try:
        redis_server.start()
        _run(_prepare(database_url, audit))
        env = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
        env |= {
            "HEARTH_DATABASE_URL": database_url, "HEARTH_REDIS_URL": redis_server.url,
            "HEARTH_SECRET_KEY": secret, "HEARTH_AUDIT_KEY": audit,
            "HEARTH_PUBLIC_URL": f"http://127.0.0.1:{caddy_port}",
            "HEARTH_TRUSTED_PROXIES": "127.0.0.1",
            # Two-step login has tests of its own; media stays on loopback.
            "HEARTH_REQUIRE_2FA": "none", "HEARTH_MEDIA_ADDRESSES": "127.0.0.1",
            **settings,
        }
        for name in NODES:
            nodes[name] = NodeProcess(name, directory, {
                **env, "HEARTH_NODE_WS_URL": f"ws://127.0.0.1:{caddy_port}/nodes/{name}/ws"})
        _running(nodes.values())
        folder = directory / "caddy"
        folder.mkdir()
        with Caddy(folder, f"127.0.0.1:{nodes['a'].port}", f"127.0.0.1:{nodes['b'].port}",
                   port=caddy_port) as caddy:
            yield Deployment(nodes, caddy, redis_server, database_url, audit,
                             lease_ttl=float(settings.get("HEARTH_NODE_LEASE_TTL", 10)))
    finally:
        for node in nodes.values():
            node.stop()
        redis_server.close()
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
        """Back into the room after a dropped connection, as the web page does: each try
        first at ``home`` (where it was welcomed last) and, if that cannot even be opened,
        at once through the page's own origin (any node); ``moved`` is followed at once.
        A socket closed before an answer (1013 after ``placement_unavailable``, or a
        node dying) is tried again after the next of ``RETRY_DELAYS``. Returns the client
        (welcomed) and what each try met, for the test's output."""
        tries: list[str] = []
        delays = iter(RETRY_DELAYS)
        delay = RETRY_DELAYS[0]
        started = time.monotonic()
        url: str = home
        fallback: str | None = self.own_ws
        while time.monotonic() - started < RETRY_FOR:
            try:
                client = await self._open(url)
            except (OSError, InvalidHandshake, TimeoutError) as error:
                tries.append(f"{self._where(url)}: {type(error).__name__}")
                if fallback is not None and fallback != url:
                    url, fallback = fallback, None
                    continue
            else:
                try:
                    await client.send("hello", token=token, ref="hi")
                    first = await client.recv(timeout=10)
                except (ConnectionClosed, TimeoutError) as error:
                    tries.append(f"{self._where(url)}: {type(error).__name__}")
                else:
                    tries.append(f"{self._where(url)}: {first.get('code') or first['type']}")
                    if first["type"] == "welcome":
                        client.welcome = first
                        return client, tries
                    with contextlib.suppress(Exception):
                        await client.close()
                    if first.get("code") == "moved":
                        url, fallback = str(first["ws_url"]), None
                        continue
            url, fallback = home, self.own_ws
            delay = next(delays, delay)
            await asyncio.sleep(delay)
        raise AssertionError(f"not back within {RETRY_FOR} s: {tries}")

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
        room = await store.add_room("Mums' circle", "mothers")
        invite = await store.add_invite(room.id)
        fran = await store.staff_by_username(FACILITATOR)
        assert fran is not None
        await store.assign_staff(room.id, fran.id)
        cluster = ProcessCluster(d, redis, store, room.id, invite.code)
        yield cluster
    finally:
        for client in cluster.clients if cluster is not None else ():
            with contextlib.suppress(Exception):
                await client.close()
        await redis.aclose()
        await store.aclose()
