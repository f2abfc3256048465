"""A private ``redis-server`` for tests, so fault tests can stop, freeze and restart it.

Tests never share a Redis with anything else: each :class:`RedisServer` runs its own
process on a free loopback port, in its own temporary directory, with persistence off
(``--save "" --appendonly no``) so a restart starts empty and nothing is written
outside the temporary directory.

Typical use (fixtures live in ``tests/store/conftest.py``)::

    with RedisServer() as server:      # started and answering PING
        url = server.url
        server.stop()                  # connection refused from here on
        server.start()                 # same port, fresh empty server

``stop()`` and ``start()`` are synchronous: they block the caller (also an event loop)
for the few milliseconds a local redis-server needs. That is deliberate: a fault test
wants the outage to be in effect the moment ``stop()`` returns.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import pytest

REDIS_SERVER_ENV = "HEARTH_TEST_REDIS_SERVER"
"""Optional path to the redis-server binary; otherwise it is looked up on PATH."""

# A local redis-server answers PING within a few milliseconds of starting; 10 s only
# matters on an overloaded CI machine, and failing then beats hanging the suite.
START_TIMEOUT = 10.0
# SIGTERM with persistence off exits at once; after this we SIGKILL rather than wait.
STOP_TIMEOUT = 10.0


def redis_server_binary() -> str:
    """Return the path of ``redis-server``, or skip the calling test when it is missing.

    Under CI (environment variable ``CI`` set) a missing binary fails the test instead:
    a CI run that silently skipped every Redis test would pass without testing Redis.
    """
    path = shutil.which(os.environ.get(REDIS_SERVER_ENV) or "redis-server")
    if path is None:
        reason = (
            "redis-server is not installed (install the redis-server package, "
            f"or set {REDIS_SERVER_ENV}); the Redis bus tests need a real server"
        )
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return path


def free_port() -> int:
    """Return a loopback TCP port that was free a moment ago.

    Another process may take it before redis-server binds it; :meth:`RedisServer.start`
    then fails with redis-server's log, which says so.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class RedisServer:
    """One private redis-server process on a fixed port; restartable.

    The port and directory are chosen once, in the constructor, so a client's URL stays
    valid across ``stop()``/``start()``: exactly what a real Redis restart looks like to
    the application. Call :meth:`close` (or use ``with``) to stop the process and remove
    the directory; otherwise the process would outlive the test run.
    """

    def __init__(self, binary: str | None = None, port: int | None = None) -> None:
        self.binary = binary or redis_server_binary()
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

        No graceful shutdown: nothing is persisted, and tests should not wait for it.
        """
        try:
            self.stop(graceful=False)
        finally:
            self._tempdir.cleanup()

    def __enter__(self) -> RedisServer:
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
