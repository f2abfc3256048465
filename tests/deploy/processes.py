"""Caddy and coturn as real processes, configured by the files docker-compose.yml uses.

Docker cannot run where the suite runs, so the deployment's topology runs as processes
instead: Debian's ``caddy`` and ``turnserver`` (installed by ``scripts/test``), each on
free loopback ports, each given ``deploy/Caddyfile`` or ``deploy/turnserver.conf``
unchanged. What differs from production is said where it is set: Caddy's environment
placeholders, and coturn's command-line options (which override the file's).

A missing binary skips the test locally and fails it under CI (``CI`` set), as a missing
``redis-server`` does (tests/redis_server.py).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
CADDYFILE = DEPLOY / "Caddyfile"
TURNSERVER_CONF = DEPLOY / "turnserver.conf"

START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0


def binary(name: str, package: str) -> str:
    """The path of ``name``, or skip (fail under CI) naming the Debian package to install."""
    found = shutil.which(name)
    if found is None:
        reason = (f"{name} is not installed (Debian's {package} package: scripts/test "
                  f"installs it); the deployment tests run the real one")
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return found


def free_tcp_and_udp_port() -> int:
    """A loopback port free for both TCP and UDP a moment ago (coturn listens on both)."""
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
    off for it, which is what a test without a public name and a certificate authority
    can do. TLS itself is Caddy's own, tested by Caddy; what this file decides, and the
    tests check, is the routing. The admin endpoint is off, so parallel test workers
    never meet on its fixed port, and Caddy's storage is a temporary folder.
    """

    def __init__(self, directory: Path, node_a: str, node_b: str,
                 port: int | None = None) -> None:
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
        self.process = Process("caddy", [binary("caddy", "caddy"), "run", "--config",
                                         str(CADDYFILE), "--adapter", "caddyfile"],
                               directory, env)

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def __enter__(self) -> Caddy:
        self.process.start()
        self.process.wait_until(lambda: _answers(self.port), f"answer on port {self.port}")
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.process.stop()


class TurnServer:
    """``turnserver -c deploy/turnserver.conf`` with the test's overrides on its command line.

    The overrides, and why they are for the test only:

    * ``--listening-ip=127.0.0.1`` and free ports: clients reach it on loopback, beside
      other test workers. ``--relay-ip``: the machine's own address (``relay_ip``), where
      the Hearth server under test has its media too, so that relayed packets cross
      between two real addresses as they do between a TURN host and a media node.
    * ``--static-auth-secret``: the file holds no secret (compose adds it).
    * ``--allowed-peer-ip=<relay_ip>``: a test machine's address is private (10/8,
      172.16/12...) or reserved (192.0.2.0/24 in some sandboxes), which the file refuses
      as a peer, rightly: in production the nodes' media is on the host's public address,
      and relaying into a private network would let anyone with credentials reach its
      hosts. Only that one address is let through; a test checks that every other denied
      range, loopback included, stays denied. (No ``--allow-loopback-peers``.)
    * ``--pidfile``, ``--userdb``: in the test's folder, not the system's. (Its log goes to
      stdout, as the file says, which is the test's log file.)
    """

    RELAY_PORTS = 40

    def __init__(self, directory: Path, secret: str, relay_ip: str) -> None:
        self.port = free_tcp_and_udp_port()
        self.relay_ip = relay_ip
        # coturn takes the next free port of its range when one is taken.
        low = 20000 + (self.port * 7919) % 30000
        self.relay_ports = (low, low + self.RELAY_PORTS - 1)
        self.secret = secret
        self.directory = directory
        self.process = Process("turnserver", [
            binary("turnserver", "coturn"), "-c", str(TURNSERVER_CONF),
            "--listening-ip=127.0.0.1", f"--relay-ip={relay_ip}",
            f"--listening-port={self.port}",
            f"--min-port={self.relay_ports[0]}", f"--max-port={self.relay_ports[1]}",
            f"--static-auth-secret={secret}",
            f"--allowed-peer-ip={relay_ip}",
            f"--pidfile={directory / 'turnserver.pid'}",
            f"--userdb={directory / 'turndb'}",
        ], directory)

    @property
    def url(self) -> str:
        return f"turn:127.0.0.1:{self.port}?transport=udp"

    def _listening(self) -> bool:
        # A STUN binding request over UDP: answered once coturn's listeners are up.
        request = bytes.fromhex("000100002112a442") + os.urandom(12)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(0.2)
            try:
                sock.sendto(request, ("127.0.0.1", self.port))
                answer = sock.recv(2048)
            except OSError:
                return False
        return answer[:2] == b"\x01\x01" and answer[8:20] == request[8:20]

    def log(self) -> str:
        return self.process.log()

    def __enter__(self) -> TurnServer:
        self.process.start()
        self.process.wait_until(self._listening, f"STUN answer on port {self.port}")
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.process.stop()
