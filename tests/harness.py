"""A real Hearth server on a free port, and real clients to talk to it.

``ServerThread`` runs uvicorn (the same configuration ``hearth serve`` uses)
in a thread with its own event loop, so tests on pytest-asyncio's loops can
connect to it like any outside client. Logs are captured for the tests that
check what a log may and may not contain (invariant 9).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from pythonjsonlogger.json import JsonFormatter
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench.cluster_procs import free_port as free_port  # re-exported: the tests take it from here
from server import logs
from server.app import create_app
from server.auth.passwords import hash_password
from server.cli import uvicorn_config
from server.http.common import SESSION_COOKIE
from server.settings import Settings
from server.store.db import SqlStore

STAFF_PASSWORD = "correct horse battery staple"


class LogCapture(logging.Handler):
    """Keeps every formatted log line, exactly as the JSON handler would write it."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self._lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        line = self.format(record)
        with self._lock:
            self.lines.append(line)

    def text(self) -> str:
        with self._lock:
            return "\n".join(self.lines)


# The audit key of the stores tests open on their own databases (not a server's).
TEST_AUDIT_KEY = b"an audit key for tests, 32 bytes or more"


def audit_key_of(data_dir: Path) -> bytes:
    """The audit key of the server on ``data_dir`` (made now if it has none yet), for a
    test's own store on the same database: its entries must verify with the server's."""
    return Settings(data_dir=data_dir).load_or_create_audit_key()[0]


def test_settings(data_dir: Path, **overrides: Any) -> Settings:
    port = free_port()
    base = Settings(
        data_dir=data_dir, host="127.0.0.1", port=port,
        # Long enough for a client on a machine the whole suite is loading (load average
        # 14 seen) to say hello; the tests of the timeout itself set their own.
        hello_timeout=10.0,
        # The shared test server sees every test's joins from one address.
        join_burst=10_000, join_per_minute=100_000, login_burst=10_000,
        login_per_minute=100_000, support_burst=10_000, support_per_minute=100_000,
        ws_per_address=10_000, ws_waiting_per_address=10_000, ws_waiting_total=10_000,
        # Media on loopback: the test clients gather on the machine's other addresses,
        # so the server's candidates and theirs can be told apart.
        media_addresses=("127.0.0.1",),
        # Two-step login has tests of its own (tests/http/test_two_factor.py); elsewhere a
        # lead or admin logs in with a password, as they did before it existed.
        require_2fa=(),
    )
    return replace(base, **overrides)


class ServerThread:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings.with_secret()
        self.app = create_app(self.settings)
        config = uvicorn_config(self.app, self.settings)
        # asyncio's own loop in this thread, as before uvloop came with uvicorn[standard]:
        # uvloop reports a transport that aioice leaves to the garbage collector as an
        # unraisable ResourceWarning in whichever later test the collector runs, which
        # warnings-as-errors turns into that test's failure. Servers started as processes
        # (tests/test_cli.py, test_install.py, the durability tests) run on uvloop.
        config.loop = "asyncio"
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.logs = LogCapture()

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.settings.port}"

    @property
    def origin(self) -> str:
        return self.http

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.settings.port}/ws"

    def start(self) -> ServerThread:
        root = logging.getLogger()
        # Configure once per test process: configuring again would replace the root
        # handlers and so drop the log captures of servers already running.
        handler = next((h for h in root.handlers if isinstance(h.formatter, JsonFormatter)),
                       None)
        if handler is None:
            logs.configure()
            handler = root.handlers[0]
        self.logs.setFormatter(handler.formatter)
        for flt in handler.filters:
            self.logs.addFilter(flt)
        logging.getLogger().addHandler(self.logs)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)
        logging.getLogger().removeHandler(self.logs)


@dataclass
class Client:
    """A WebSocket client speaking protocol v1, with helpers for expectations."""

    ws: ClientConnection
    welcome: dict[str, Any] = field(default_factory=dict)
    seen: list[dict[str, Any]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.welcome["you"]["id"])

    async def send(self, type_: str, **fields: Any) -> None:
        await self.ws.send(json.dumps({"type": type_, **fields}))

    async def send_raw(self, data: str | bytes) -> None:
        await self.ws.send(data)

    async def recv(self, timeout: float = 3.0) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.ws.recv(), timeout)
        message: dict[str, Any] = json.loads(raw)
        self.seen.append(message)
        return message

    async def expect(self, type_: str, timeout: float = 3.0, **match: Any) -> dict[str, Any]:
        """Read until a message of ``type_`` (matching ``match``) arrives; others are kept
        in ``seen``."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"no {type_} {match or ''} within {timeout}s; saw {self.seen[-8:]}")
            try:
                message = await self.recv(remaining)
            except TimeoutError:
                continue
            if message["type"] == type_ and all(message.get(k) == v for k, v in match.items()):
                return message

    async def nothing(self, wait: float = 0.3) -> list[dict[str, Any]]:
        """Everything that arrives within ``wait`` seconds (to assert that nothing did)."""
        got: list[dict[str, Any]] = []
        with contextlib.suppress(TimeoutError):
            while True:
                got.append(await self.recv(wait))
        return got

    async def closed(self, timeout: float = 3.0) -> int:
        """Wait for the server to close; returns the close code."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                await self.recv(deadline - time.monotonic())
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else 1006
        except TimeoutError:
            pass
        raise AssertionError(f"still open after {timeout}s")

    async def close(self) -> None:
        await self.ws.close()


class Harness:
    """What a test needs: rooms, staff, joins and connected clients on one server."""

    def __init__(self, server: ServerThread) -> None:
        self.server = server
        self.store = SqlStore(server.settings.resolved_database_url,
                              audit_key=server.settings.load_or_create_audit_key()[0],
                              contact_key=server.settings.contact_key_bytes())
        self.http = httpx.AsyncClient(base_url=server.http, headers={"Origin": server.origin})
        self.clients: list[Client] = []
        self._staff_count = 0
        # Facilitators (staff ids) assigned to every room this harness makes from now on.
        self.facilitate_every_room: list[str] = []

    async def aclose(self) -> None:
        for client in self.clients:
            with contextlib.suppress(Exception):
                await client.close()
        await self.http.aclose()
        await self.store.aclose()

    async def room(self, audience: str = "mothers", name: str = "Test group") -> tuple[str, str]:
        record = await self.store.add_room(name, audience,
                                           facilitators=self.facilitate_every_room)
        invite = await self.store.add_invite(record.id)
        return record.id, invite.code

    async def join(self, invite: str, name: str | None = "Ann", **extra: Any) -> dict[str, Any]:
        response = await self.http.post("/api/join", json={"invite": invite, "name": name,
                                                           "agree": True, **extra})
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()
        return data

    async def staff(self, role: str = "facilitator") -> tuple[str, httpx.AsyncClient]:
        """A new staff account, logged in; returns (username, client with its session cookie)."""
        self._staff_count += 1
        username = f"{role}-{secrets.token_hex(4)}-{self._staff_count}"
        await self.store.add_staff(username, hash_password(STAFF_PASSWORD), role)
        client = httpx.AsyncClient(base_url=self.server.http,
                                   headers={"Origin": self.server.origin})
        response = await client.post("/api/login", json={"username": username,
                                                          "password": STAFF_PASSWORD})
        assert response.status_code == 200, response.text
        return username, client

    async def assign(self, room_id: str, username: str) -> None:
        """Assign a facilitator to a room (only assigned facilitators take its tokens)."""
        member = await self.store.staff_by_username(username)
        assert member is not None
        if member.role == "facilitator":
            await self.store.assign_staff(room_id, member.id)

    async def staff_token(self, room_id: str, role: str = "facilitator",
                          name: str | None = None) -> dict[str, Any]:
        username, client = await self.staff(role)
        await self.assign(room_id, username)
        try:
            response = await client.post(f"/api/rooms/{room_id}/token",
                                          json={"name": name} if name else {})
            assert response.status_code == 201, response.text
            data: dict[str, Any] = response.json()
            return data
        finally:
            await client.aclose()

    async def open(self, origin: str | None = None, **kwargs: Any) -> ClientConnection:
        # No client-side flow control: with the default (16 frames) a test client that
        # leaves more than 16 messages unread stops reading its socket, so it never sees
        # the server's close frame and each close() waits out the 10 s close timeout.
        kwargs.setdefault("max_queue", None)
        ws = await connect(self.server.ws, origin=origin or self.server.origin,  # type: ignore[arg-type]
                           compression=None, open_timeout=5, **kwargs)
        return ws

    async def connect(self, token: str, **kwargs: Any) -> Client:
        client = Client(await self.open(**kwargs))
        self.clients.append(client)
        await client.send("hello", token=token)
        client.welcome = await client.expect("welcome")
        return client

    async def participant(self, invite: str, name: str = "Ann") -> Client:
        return await self.connect((await self.join(invite, name))["token"])

    async def facilitator(self, room_id: str, name: str | None = None,
                          role: str = "facilitator") -> Client:
        return await self.connect((await self.staff_token(room_id, role, name))["token"])

    async def admitted(self, fac: Client, invite: str, name: str = "Ann") -> Client:
        """A participant who joined and was admitted by ``fac``."""
        who = await self.participant(invite, name)
        await self.let_in(fac, who)
        return who

    @staticmethod
    async def let_in(fac: Client, who: Client) -> None:
        """``fac`` lets in ``who``, who has just knocked (the next knock ``fac`` reads)."""
        await fac.expect("lobby.knock")
        await fac.send("lobby.admit", participant=who.id)
        await who.expect("admitted")


@contextlib.asynccontextmanager
async def harness(server: ServerThread) -> AsyncIterator[Harness]:
    h = Harness(server)
    try:
        yield h
    finally:
        await h.aclose()


# ---------------------------------------------------------------------------
# Additions for the signaling suite: barriers, browsers, pooled staff, groups.
# ---------------------------------------------------------------------------

SYNC_TYPE = "test.sync"
"""A message type the server does not know: answered with ``error unknown_type`` echoing
the ref, by the endpoint alone (the room never sees it), so it is a side-effect-free barrier."""


async def drain(client: Client, timeout: float = 3.0) -> list[dict[str, Any]]:
    """Every message the server queued for ``client`` before now, exactly; no sleeping.

    Sends a barrier (an unknown type with a unique ref) and reads up to its answer. The
    server handles one connection's frames in order and queues every message for a
    connection in order, so whatever another client's command caused (once that client
    saw its answer) arrives before the barrier's answer. The barrier costs one message
    from the connection's rate budget.
    """
    ref = f"sync-{time.monotonic_ns()}"
    start = len(client.seen)
    await client.send(SYNC_TYPE, ref=ref)
    await client.expect("error", timeout=timeout, ref=ref)
    client.seen.pop()  # the barrier's own answer leaves no trace
    return client.seen[start:]


@dataclass
class PooledStaff:
    username: str
    role: str
    cookie: str


# Logged-in staff accounts kept per server for the whole run: an argon2 hash and a
# login cost about 0.3 s each, and most tests need one facilitator in a room of their own.
_STAFF_POOLS: weakref.WeakKeyDictionary[ServerThread, dict[str, list[PooledStaff]]] = (
    weakref.WeakKeyDictionary()
)


@dataclass
class Group:
    """A live room: a facilitator and admitted participants, every queue drained."""

    room_id: str
    invite: str
    fac: Client
    people: list[Client]


async def _pooled_token(h: Harness, room_id: str, role: str, name: str | None,
                        used: dict[str, int]) -> tuple[PooledStaff, dict[str, Any]]:
    pool = _STAFF_POOLS.setdefault(h.server, {}).setdefault(role, [])
    index = used.get(role, 0)
    used[role] = index + 1
    if index >= len(pool):
        username, client = await h.staff(role)
        try:
            cookie = client.cookies.get(SESSION_COOKIE)
        finally:
            await client.aclose()
        assert cookie, "login set no session cookie"
        pool.append(PooledStaff(username, role, cookie))
    member = pool[index]
    await h.assign(room_id, member.username)
    async with httpx.AsyncClient(base_url=h.server.http, headers={
        "Origin": h.server.origin, "Cookie": f"{SESSION_COOKIE}={member.cookie}",
    }) as client:
        response = await client.post(f"/api/rooms/{room_id}/token",
                                     json={"name": name} if name else {})
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return member, data


class SuiteHarness(Harness):
    """``Harness`` plus what the signaling suite needs (used through the ``hs`` fixture)."""

    def __init__(self, server: ServerThread) -> None:
        super().__init__(server)
        self._pool_used: dict[str, int] = {}
        self.browsers: list[httpx.AsyncClient] = []
        self.staff_names: list[str] = []

    async def aclose(self) -> None:
        for browser in self.browsers:
            with contextlib.suppress(Exception):
                await browser.aclose()
        await super().aclose()

    def browser(self, local_address: str | None = None) -> httpx.AsyncClient:
        """A separate browser: its own cookie jar (so its own device cookie), optionally
        connecting from another loopback address."""
        transport = httpx.AsyncHTTPTransport(local_address=local_address)
        client = httpx.AsyncClient(base_url=self.server.http, transport=transport,
                                   headers={"Origin": self.server.origin})
        self.browsers.append(client)
        return client

    async def join_response(self, invite: str, name: str | None = "Ann",
                            browser: httpx.AsyncClient | None = None,
                            **extra: Any) -> httpx.Response:
        body: dict[str, Any] = {"invite": invite, "agree": True, **extra}
        if name is not None:
            body["name"] = name
        return await (browser or self.http).post("/api/join", json=body)

    async def join_as(self, browser: httpx.AsyncClient, invite: str,
                      name: str | None = "Ann") -> dict[str, Any]:
        response = await self.join_response(invite, name, browser)
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()
        return data

    async def staff_token_pooled(self, room_id: str, name: str | None = None,
                                 role: str = "facilitator") -> dict[str, Any]:
        """A room token for the next pooled staff account of ``role`` not yet used in this test."""
        member, data = await _pooled_token(self, room_id, role, name, self._pool_used)
        self.staff_names.append(member.username)
        return data

    async def fac(self, room_id: str, name: str | None = "Fran",
                  role: str = "facilitator") -> Client:
        """A facilitator (or safeguarding lead) connected to ``room_id``, from the pool."""
        return await self.connect((await self.staff_token_pooled(room_id, name, role))["token"])

    async def refused(self, token: str, **kwargs: Any) -> tuple[list[dict[str, Any]], int]:
        """Say hello with ``token`` expecting to be turned away: (messages received, close code)."""
        client = Client(await self.open(**kwargs))
        self.clients.append(client)
        with contextlib.suppress(ConnectionClosed):  # it may be closed before the hello
            await client.send("hello", token=token)
        code = await client.closed()
        return client.seen, code

    async def admit(self, fac: Client, who: Client) -> None:
        """``fac`` admits ``who`` (already knocking); waits until every effect is queued."""
        await expect_where(fac, "lobby.knock", lambda m: m["participant"]["id"] == who.id)
        await fac.send("lobby.admit", participant=who.id, ref=f"admit-{who.id}")
        await fac.expect("ack", ref=f"admit-{who.id}")
        await who.expect("admitted")

    async def group(self, *names: str, fac_name: str = "Fran") -> Group:
        """A new room with a facilitator and the named participants admitted, all drained."""
        room_id, invite = await self.room()
        fac = await self.fac(room_id, fac_name)
        people: list[Client] = []
        for name in names:
            who = await self.connect((await self.join_as(self.browser(), invite, name))["token"])
            await self.admit(fac, who)
            people.append(who)
        for client in (fac, *people):
            await drain(client)
        return Group(room_id, invite, fac, people)


async def expect_where(client: Client, type_: str, check: Callable[[dict[str, Any]], bool],
                       timeout: float = 3.0) -> dict[str, Any]:
    """Like ``Client.expect`` but matching with a predicate (e.g. on a nested id)."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"no matching {type_} within {timeout}s; saw {client.seen[-8:]}")
        message = await client.expect(type_, timeout=remaining)
        if check(message):
            return message


@contextlib.asynccontextmanager
async def suite_harness(server: ServerThread) -> AsyncIterator[SuiteHarness]:
    h = SuiteHarness(server)
    try:
        yield h
    finally:
        await h.aclose()
