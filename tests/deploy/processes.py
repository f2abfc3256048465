"""Caddy and coturn as real processes, configured by the files docker-compose.yml uses.

Docker cannot run where the suite runs, so the deployment's topology runs as processes
instead: Debian's ``caddy`` and ``turnserver`` (installed by ``scripts/test``), each on
free loopback ports, each given ``deploy/Caddyfile`` or ``deploy/turnserver.conf``
unchanged. What differs from production is said where it is set: Caddy's environment
placeholders, and coturn's command-line options (which override the file's). The process
management itself (``Process``, ``Caddy``) is bench/cluster_procs.py's, shared with the
benchmarks of several nodes.

A missing binary skips the test locally and fails it under CI (``CI`` set), as a missing
``redis-server`` does (tests/redis_server.py).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from types import TracebackType

import pytest

from bench import cluster_procs
from bench.cluster_procs import (
    CADDYFILE,
    ROOT,
    TURNSERVER_CONF,
    MissingTool,
    Process,
    free_tcp_and_udp_port,
    tool,
)

__all__ = ["CADDYFILE", "ROOT", "TURNSERVER_CONF", "Caddy", "Process", "TurnServer",
           "binary", "free_tcp_and_udp_port"]


def binary(name: str, package: str) -> str:
    """The path of ``name``, or skip (fail under CI) naming the Debian package to install."""
    try:
        return tool(name, package)
    except MissingTool as missing:
        reason = f"{missing}; the deployment tests run the real one"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


class Caddy(cluster_procs.Caddy):
    """bench/cluster_procs.py's Caddy (deploy/Caddyfile unchanged, plain HTTP on a free
    loopback port), skipping the test (failing it under CI) where caddy is missing."""

    def __init__(self, directory: Path, node_a: str, node_b: str,
                 port: int | None = None) -> None:
        super().__init__(directory, node_a, node_b, port, binary=binary("caddy", "caddy"))


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
