"""Several Hearth nodes as real processes, as docker-compose.yml runs them: the benchmarks'
and the tests' one copy of the process management.

Docker cannot run here, so the deployment's topology runs as child processes on loopback:
nodes ``a`` and ``b`` (``python -m server serve``, or another runner with the same
options) sharing one fresh PostgreSQL database, one private ``redis-server`` and the keys,
with Debian's ``caddy`` running deploy/Caddyfile unchanged in front, so each node's
WebSocket is ``/nodes/<name>/ws`` at the public address and ``/ws`` there reaches any
node that is up. Timings are the production defaults (heartbeat 2 s, leases 10 s) unless
the caller sets others, since what a failover measures is how long people really wait.

``bench/failover.py`` and ``bench/cluster_fanout.py`` use it directly; the tests use it
through thin wrappers (tests/cluster/processes.py, tests/deploy/processes.py,
tests/redis_server.py, tests/postgres.py) that turn a missing program or database into a
skipped test (a failed one under CI). Here a missing program raises ``MissingTool`` with
the package to install, and an unreachable PostgreSQL its own error: nothing in this
module needs pytest.

``come_back`` is what web/static/room.js does after a dropped connection, for any client:
the benchmark's and the tests' follow the same schedule.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from bench.calibrate import tree_env
from server.auth.passwords import hash_password
from server.store.db import SqlStore

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
CADDYFILE = DEPLOY / "Caddyfile"
TURNSERVER_CONF = DEPLOY / "turnserver.conf"

# Caddy, coturn and redis-server answer within milliseconds of starting; these only
# matter on an overloaded machine, and failing then beats hanging.
START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0

PASSWORD = "a long enough password for the tests"
FACILITATOR = "fran"
LEAD = "lee"
NODES = ("a", "b")
# The node's command after the interpreter: ``hearth serve``. bench/cluster_fanout.py runs
# bench/fanout_server.py instead (the same app, per-address HTTP limits lifted).
SERVE = ("-m", "server", "serve")
# A Python process with aiortc and the risk model loaded takes a few seconds to start;
# two at once on a busy two-core machine, much longer.
NODE_START_TIMEOUT = 90.0
# web/static/room.js: the waits between tries after a dropped connection (the last one
# repeated, each stretched by up to a fifth at random so a whole group does not come
# back in the same millisecond), how long it keeps trying before it says the connection
# is lost, and how many ``moved`` in a row it follows without a welcome.
RETRY_DELAYS = (0.5, 1.0, 2.0, 3.0)
RETRY_JITTER = 0.2
RETRY_FOR = 60.0
MOVES = 5
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


class MissingTool(RuntimeError):
    """A program the topology needs is not installed; the message names its package."""


def tool(name: str, package: str, path: str | None = None) -> str:
    """The path of ``name`` (or of ``path``, when given), or ``MissingTool``."""
    found = shutil.which(path or name)
    if found is None:
        raise MissingTool(f"{name} is not installed (Debian's {package} package: "
                          "scripts/test installs it)")
    return found


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that was free a moment ago (the benchmarks' and the tests')."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def free_tcp_and_udp_port() -> int:
    """A loopback port free for both TCP and UDP a moment ago (coturn listens on both;
    Caddy may serve HTTP/3 on UDP)."""
    for _ in range(50):
        with socket.socket() as tcp, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            tcp.bind(("127.0.0.1", 0))
            port: int = tcp.getsockname()[1]
            try:
                udp.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no port free for both TCP and UDP")


def _run(work: Coroutine[Any, Any, Any]) -> Any:
    """A coroutine on a loop of its own in a thread of its own (callers may be inside a
    running loop: fixtures, or a benchmark's own)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result()


# -- PostgreSQL -------------------------------------------------------------------------


def postgres_admin_url() -> str:
    """The PostgreSQL server new databases are made on: ``HEARTH_TEST_POSTGRES_URL``, else
    the machine's own (127.0.0.1:5432, trust auth, database ``test``)."""
    return os.environ.get("HEARTH_TEST_POSTGRES_URL", DEFAULT_POSTGRES)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def _create(url: str, name: str) -> None:
    connection = await asyncpg.connect(url, timeout=5)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def _drop(url: str, name: str) -> None:
    connection = await asyncpg.connect(url, timeout=5)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def create_database(admin_url: str) -> tuple[str, str]:
    """A new, empty database on ``admin_url``'s server: (its URL, its name). Raises
    ``OSError``, ``asyncpg.PostgresError`` or ``TimeoutError`` when none answers."""
    name = f"hearth_test_{secrets.token_hex(4)}"
    _run(_create(admin_url, name))
    return _with_database(admin_url, name), name


def drop_database(admin_url: str, name: str) -> None:
    _run(_drop(admin_url, name))


@contextlib.contextmanager
def new_database(admin_url: str | None = None) -> Iterator[str]:
    """A database of its own for the block (its URL), dropped afterwards."""
    admin = admin_url or postgres_admin_url()
    url, name = create_database(admin)
    try:
        yield url
    finally:
        drop_database(admin, name)


# -- child processes --------------------------------------------------------------------


class Process:
    """One child process with its output in a file (nobody drains a pipe), stopped for sure."""

    def __init__(self, name: str, args: list[str], directory: Path,
                 env: dict[str, str] | None = None) -> None:
        self.name = name
        self.args = args
        self.directory = directory
        self.log_path = directory / f"{name}.log"
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(self.args, cwd=self.directory, env=self.env,
                                            stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=subprocess.STDOUT)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def wait_until(self, ready: object, what: str) -> None:
        """Poll ``ready()`` until true; the process's log in the error otherwise."""
        deadline = time.monotonic() + START_TIMEOUT
        while not ready():  # type: ignore[operator]
            if not self.alive():
                self.stop()
                raise RuntimeError(f"{self.name} exited before {what}:\n{self.log()[-4000:]}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name}: no {what} within {START_TIMEOUT} s:\n"
                                   f"{self.log()[-4000:]}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL, as a crash or a pulled plug: no shutdown code runs in the child."""
        process, self.process = self.process, None
        if process is not None:
            process.kill()
            process.wait()

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
        process.wait()  # reaped: no ResourceWarning under filterwarnings = error


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Caddy:
    """``caddy run`` on deploy/Caddyfile, serving plain HTTP on a free loopback port.

    The file is production's; only its placeholders differ. ``CADDY_SITE`` is
    ``http://127.0.0.1:PORT``: an ``http://`` site address turns Caddy's automatic HTTPS
    off for it, which is what a run without a public name and a certificate authority
    can do. TLS itself is Caddy's own, tested by Caddy; what this file decides, and the
    tests check, is the routing. The admin endpoint is off, so parallel test workers
    never meet on its fixed port, and Caddy's storage is a temporary folder.
    """

    def __init__(self, directory: Path, node_a: str, node_b: str,
                 port: int | None = None, binary: str | None = None) -> None:
        self.port = port or free_tcp_and_udp_port()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(directory),
            "XDG_DATA_HOME": str(directory / "data"),
            "XDG_CONFIG_HOME": str(directory / "config"),
            "CADDY_SITE": f"http://127.0.0.1:{self.port}",
            "CADDY_EMAIL": "tests@example.org",
            "CADDY_NODE_A": node_a,
            "CADDY_NODE_B": node_b,
            "CADDY_ADMIN": "off",
        }
        self.process = Process("caddy", [binary or tool("caddy", "caddy"), "run", "--config",
                                         str(CADDYFILE), "--adapter", "caddyfile"],
                               directory, env)

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        self.process.start()
        self.process.wait_until(lambda: _answers(self.port), f"answer on port {self.port}")
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.process.stop()


class RedisServer:
    """One private redis-server process on a fixed port; restartable.

    It never shares a Redis with anything else: its own process on a free loopback port,
    in its own temporary directory, with persistence off (``--save "" --appendonly no``)
    so a restart starts empty and nothing is written outside the temporary directory.

    The port and directory are chosen once, in the constructor, so a client's URL stays
    valid across ``stop()``/``start()``: exactly what a real Redis restart looks like to
    the application. Call :meth:`close` (or use ``with``) to stop the process and remove
    the directory; otherwise the process would outlive the run.

    ``stop()`` and ``start()`` are synchronous: they block the caller (also an event loop)
    for the few milliseconds a local redis-server needs. That is deliberate: a fault test
    wants the outage to be in effect the moment ``stop()`` returns.
    """

    def __init__(self, binary: str | None = None, port: int | None = None) -> None:
        # HEARTH_TEST_REDIS_SERVER: the same override the tests' fixtures honour, so a run
        # they start finds the binary they found.
        self.binary = binary or tool("redis-server", "redis-server",
                                     os.environ.get("HEARTH_TEST_REDIS_SERVER"))
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self._tempdir = tempfile.TemporaryDirectory(prefix="hearth-redis-")
        self.directory = Path(self._tempdir.name)
        self.log_path = self.directory / "redis.log"
        self.console_path = self.directory / "console.log"
        self.socket_path = self.directory / "redis.sock"
        self._process: subprocess.Popen[bytes] | None = None
        self._paused = False

    @property
    def url(self) -> str:
        """``redis://`` URL of this server (database 0)."""
        return f"redis://{self.host}:{self.port}/0"

    @property
    def unix_url(self) -> str:
        """``unix://`` URL of this server's Unix socket (the server listens on both)."""
        return f"unix://{self.socket_path}"

    @property
    def running(self) -> bool:
        """True while the process is alive (it may still be paused)."""
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Start the server and return once it answers PING. No-op when running."""
        if self.running:
            return
        command = [
            self.binary,
            "--port", str(self.port),
            "--bind", self.host,
            "--save", "",
            "--appendonly", "no",
            "--unixsocket", str(self.socket_path),
            "--unixsocketperm", "700",
            "--dir", str(self.directory),
            "--logfile", str(self.log_path),
            "--daemonize", "no",
        ]  # fmt: skip
        # Output before the log file is open (bad options, port in use) goes to a file
        # rather than a pipe: nobody drains a pipe, and a full one would block the server.
        with self.console_path.open("ab") as console:
            self._process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + START_TIMEOUT
        while not self._answers_ping():
            if self._process.poll() is not None:
                self._reap()
                raise RuntimeError(f"redis-server exited while starting:\n{self._log_tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"redis-server did not answer on port {self.port} within "
                    f"{START_TIMEOUT} s:\n{self._log_tail()}"
                )
            time.sleep(0.01)

    def stop(self, *, graceful: bool = True) -> None:
        """Stop the server and wait for it. No-op when stopped.

        Clients see their connections closed and new connections refused, as on a restart
        of a real Redis. ``graceful`` sends SIGTERM (SIGKILL after :data:`STOP_TIMEOUT`),
        which redis-server acts on at its next cron tick, up to 100 ms later; otherwise
        SIGKILL at once, as in a crash.
        """
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            if not graceful:
                process.kill()  # also ends a paused process
            else:
                if self._paused:
                    # A stopped process does not handle SIGTERM until it is continued.
                    process.send_signal(signal.SIGCONT)
                process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
        self._reap()

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections stay open, nothing answers.

        That is the failure socket timeouts exist for; :meth:`resume` undoes it.
        """
        if not self.running or self._process is None:
            raise RuntimeError("redis-server is not running")
        self._process.send_signal(signal.SIGSTOP)
        self._paused = True

    def resume(self) -> None:
        """Continue a server frozen by :meth:`pause`."""
        if self._process is not None and self._paused:
            self._process.send_signal(signal.SIGCONT)
            self._paused = False

    def close(self) -> None:
        """Kill the server and delete its directory. Idempotent.

        No graceful shutdown: nothing is persisted, and nobody should wait for it.
        """
        try:
            self.stop(graceful=False)
        finally:
            self._tempdir.cleanup()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _reap(self) -> None:
        # Waiting for the child is what keeps Popen's "subprocess is still running"
        # ResourceWarning away under filterwarnings = error.
        if self._process is not None:
            self._process.wait()
            self._process = None
        self._paused = False

    def _answers_ping(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def _log_tail(self, lines: int = 20) -> str:
        tails = []
        for path in (self.console_path, self.log_path):
            try:
                text = path.read_text(errors="replace")
            except OSError:
                continue
            tails.extend(text.splitlines()[-lines:])
        return "\n".join(tails) or "(redis-server wrote no output)"


# -- Hearth nodes ------------------------------------------------------------------------


class NodeProcess:
    """One node: ``python -m server serve`` (or ``argv`` after the interpreter) on a fixed
    port and data folder, its output in a file; started again after a kill on the same
    port, folder and node id."""

    def __init__(self, name: str, directory: Path, env: dict[str, str],
                 argv: Sequence[str] = SERVE) -> None:
        self.name = name
        self.port = free_port()
        folder = directory / f"node-{name}"
        (folder / "data").mkdir(mode=0o700, parents=True, exist_ok=True)
        self.process = Process(
            f"hearth-{name}",
            [sys.executable, *argv, "--host", "127.0.0.1", "--port", str(self.port)],
            folder, {**env, "HEARTH_DATA_DIR": str(folder / "data"), "HEARTH_NODE_ID": name})

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid

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


async def _prepare(url: str, audit: str) -> None:
    """The database before any node starts (so none makes demo data): migrated, with the
    staff accounts: Fran the facilitator, Lee the safeguarding lead."""
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
    beat_every: float

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
        """Both nodes up and ready: any an earlier run killed is started again."""
        running(self.nodes.values())

    def store(self) -> SqlStore:
        """A store on the deployment's database (the caller closes it)."""
        return SqlStore(self.database_url, audit_key=self.audit_key.encode())


async def add_room(store: SqlStore, name: str, audience: str = "mothers") -> tuple[str, str]:
    """A new room with an invite and Fran as its facilitator: (room id, invite code)."""
    fran = await store.staff_by_username(FACILITATOR)
    assert fran is not None, "the deployment makes Fran"
    room = await store.add_room(name, audience, facilitators=[fran.id])
    return room.id, (await store.add_invite(room.id)).code


def running(nodes: Iterable[NodeProcess]) -> None:
    """Start those of ``nodes`` not running, together, and wait until all are ready."""
    chosen = list(nodes)
    for node in chosen:
        if not node.alive():
            node.start()
    with ThreadPoolExecutor(len(chosen)) as pool:
        for done in [pool.submit(node.wait_ready) for node in chosen]:
            done.result()


@contextlib.contextmanager
def deployment(directory: Path, database_url: str, *, argv: Sequence[str] = SERVE,
               caddy_binary: str | None = None, redis_binary: str | None = None,
               tree: Path | str | None = None, **settings: str) -> Iterator[Deployment]:
    """Nodes ``a`` and ``b`` as processes on ``database_url`` (new and empty: the caller
    makes it and drops it) and a private Redis, Caddy in front, all ready. ``argv``: each
    node's command after the interpreter; ``tree``: the source tree the nodes import
    ``server`` (and ``bench``) from, whatever is installed (a benchmark's baseline copy,
    :func:`bench.calibrate.export_commit`, or this checkout; default: what the interpreter
    finds); ``settings``: more environment for both nodes (``HEARTH_...="value"``). The
    database is prepared and Caddy configured by this checkout's code either way."""
    secret, audit = secrets.token_hex(32), secrets.token_hex(32)
    redis_server = RedisServer(redis_binary)
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
        if tree is not None:
            env = tree_env(Path(tree), env)
        for name in NODES:
            nodes[name] = NodeProcess(name, directory, {
                **env, "HEARTH_NODE_WS_URL": f"ws://127.0.0.1:{caddy_port}/nodes/{name}/ws"},
                argv)
        running(nodes.values())
        folder = directory / "caddy"
        folder.mkdir()
        with Caddy(folder, f"127.0.0.1:{nodes['a'].port}", f"127.0.0.1:{nodes['b'].port}",
                   port=caddy_port, binary=caddy_binary) as caddy:
            yield Deployment(nodes, caddy, redis_server, database_url, audit,
                             lease_ttl=float(settings.get("HEARTH_NODE_LEASE_TTL", 10)),
                             beat_every=float(settings.get("HEARTH_NODE_BEAT_EVERY", 2)))
    finally:
        for node in nodes.values():
            node.stop()
        redis_server.close()


def add_deployment_options(parser: argparse.ArgumentParser) -> None:
    """The options every benchmark on this topology takes."""
    parser.add_argument("--postgres", metavar="URL",
                        help="the PostgreSQL server a new database is made on (default: "
                             "$HEARTH_TEST_POSTGRES_URL, else 127.0.0.1:5432 as the tests)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the folder with the nodes' and Caddy's logs")


@contextlib.contextmanager
def bench_deployment(opts: argparse.Namespace, prefix: str, **options: Any
                     ) -> Iterator[Deployment]:
    """A benchmark's deployment (:func:`deployment`) on a new database, in a temporary
    folder that is removed afterwards unless ``--keep`` asked for it or the run failed (its
    logs then say why)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    keep = opts.keep
    try:
        with new_database(opts.postgres) as url, deployment(folder, url, **options) as d:
            yield d
    except BaseException:
        keep = True
        raise
    finally:
        if keep:
            print(f"logs kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


# -- the web client's way back -------------------------------------------------------------


class NoSocket(Exception):
    """The WebSocket could not be opened at all (refused, a proxy's 502, a timeout)."""


class NoAnswer(Exception):
    """The WebSocket opened but closed (or stayed silent) before answering the hello."""


C = TypeVar("C")


async def hello_at(url: str, token: str, origin: str,
                   ) -> tuple[ClientConnection, dict[str, Any]]:
    """The page's hello, for ``come_back``: open a WebSocket at ``url`` from ``origin``,
    say hello with ``token`` and return the socket and the first answer, closing the
    socket when that is not a ``welcome``. Raises ``NoSocket`` or ``NoAnswer``. The
    failover benchmark and tests/cluster/processes.py both come back through this one."""
    try:
        ws = await connect(url, origin=origin,  # type: ignore[arg-type]
                           compression=None, open_timeout=5, max_queue=None)
    except (OSError, InvalidHandshake, TimeoutError) as error:
        raise NoSocket(type(error).__name__) from error
    try:
        await ws.send(json.dumps({"type": "hello", "token": token}))
        first: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 10))
    except (ConnectionClosed, TimeoutError) as error:
        with contextlib.suppress(Exception):
            await ws.close()
        raise NoAnswer(type(error).__name__) from error
    if first.get("type") != "welcome":
        with contextlib.suppress(Exception):
            await ws.close()
    return ws, first


async def come_back(hello_at: Callable[[str], Awaitable[tuple[C, dict[str, Any]]]],
                    home: str, own_ws: str, *, where: Callable[[str], str] = str,
                    ) -> tuple[C, str, list[str]]:
    """Back into the room after a dropped connection, as web/static/room.js does.

    ``hello_at(url)`` opens a WebSocket at ``url``, says hello and returns the client and
    the first answer (closing the socket itself when that is not a ``welcome``); it raises
    ``NoSocket`` or ``NoAnswer``. Each try comes after the next of ``RETRY_DELAYS``
    (stretched by up to ``RETRY_JITTER``) and goes first to ``home`` (where the client
    was welcomed last) and, if that cannot even be opened, at once to ``own_ws`` (the
    page's own origin: any node); a ``moved`` answer is followed at once, at most
    ``MOVES`` times in a row. Returns the welcomed client, the URL that welcomed it and
    what each try met (``where(url): answer @seconds since the call``); ``TimeoutError``
    after ``RETRY_FOR``."""
    tries: list[str] = []
    dropped = time.monotonic()
    retries = moves = 0

    def since() -> str:
        return f"@{time.monotonic() - dropped:.2f}"

    while time.monotonic() - dropped < RETRY_FOR:
        delay = RETRY_DELAYS[min(retries, len(RETRY_DELAYS) - 1)]
        retries += 1
        await asyncio.sleep(delay * (1 + RETRY_JITTER * random.random()))
        url: str = home
        fallback: str | None = own_ws
        while True:
            try:
                client, first = await hello_at(url)
            except NoSocket as error:
                tries.append(f"{where(url)}: {error} {since()}")
                if fallback is not None and fallback != url:
                    url, fallback = fallback, None
                    continue
                break
            except NoAnswer as error:
                tries.append(f"{where(url)}: {error} {since()}")
                break
            tries.append(f"{where(url)}: {first.get('code') or first.get('type')} {since()}")
            if first.get("type") == "welcome":
                return client, url, tries
            if first.get("code") == "moved" and moves < MOVES:
                moves += 1
                url, fallback = str(first["ws_url"]), None
                continue
            break
    raise TimeoutError(f"not back within {RETRY_FOR} s: {tries}")
