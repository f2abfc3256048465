"""Where the server's media sockets live, and the ICE servers clients are given.

Invariant 1 (no participant learns another's address) holds because every media path
ends at the server: the SDP a client receives lists only the candidates gathered here.
Deployments need to say which addresses those are and which UDP ports they use, so
that a firewall can be opened for exactly that range; aioice (under aiortc) offers
neither, so ``restrict_gathering`` replaces one connection's host-candidate gathering
with one that binds the configured addresses within the configured ports, and can
advertise a public address in their place (1:1 NAT, as in a cloud VM).

The server gathers host candidates only: STUN and TURN are for the clients behind
NATs, given to them in ``welcome``. TURN credentials use coturn's shared-secret
("REST API") scheme: the username is ``expiry:label`` and the password the base64
HMAC-SHA1 of it under the secret coturn also knows, so they lapse on their own.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import random
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass

from aioice import Candidate
from aioice.candidate import candidate_foundation, candidate_priority
from aioice.ice import Connection, StunProtocol
from aiortc import RTCPeerConnection

from server.addresses import machine_ipv4

# aioice's own receive buffer size for media sockets.
UDP_BUFFER = 1024 * 1024

# Its own generator, leaving the process-wide one to whatever else shares the process.
_SHUFFLE = random.Random()


@dataclass(frozen=True, slots=True)
class MediaNetwork:
    """Deployment settings for the server's media sockets."""

    # Addresses to bind; empty: every IPv4 address of the machine (loopback only if
    # there is nothing else).
    addresses: tuple[str, ...] = ()
    # Advertised instead of the bound address (a 1:1 NAT's public address).
    public_address: str | None = None
    # Inclusive UDP port range; None: any port the system gives.
    ports: tuple[int, int] | None = None
    # Whether the server may send checks to browsers' private-range addresses (a
    # deployment whose browsers share its network); they still reach it either way.
    allow_private: bool = False


def host_addresses() -> list[str]:
    return machine_ipv4() or ["127.0.0.1"]


def restrict_gathering(pc: RTCPeerConnection, network: MediaNetwork) -> None:
    """Make ``pc`` gather on the configured addresses and ports only.

    Call after ``setRemoteDescription`` (which creates the ICE transports) and before
    ``setLocalDescription`` (which gathers).
    """
    seen: set[int] = set()
    for transceiver in pc.getTransceivers():
        connection = transceiver.sender.transport.transport.iceGatherer._connection
        if id(connection) not in seen:
            seen.add(id(connection))
            # An instance attribute shadows the method: RTCIceGatherer.gather() calls it.
            connection.gather_candidates = _gatherer(connection, network)  # type: ignore[method-assign]


def _gatherer(connection: Connection, network: MediaNetwork):  # type: ignore[no-untyped-def]
    async def gather_candidates() -> None:
        if connection._local_candidates_start:
            return
        connection._local_candidates_start = True
        addresses = list(network.addresses) or host_addresses()
        for component in connection._components:
            for address in addresses:
                protocol = await _bind(connection, address, network.ports)
                name = protocol.transport.get_extra_info("sockname")
                protocol.local_candidate = Candidate(
                    foundation=candidate_foundation("host", "udp", name[0]),
                    component=component, transport="udp",
                    priority=candidate_priority(component, "host"),
                    host=network.public_address or name[0], port=name[1], type="host",
                )
                connection._protocols.append(protocol)
                connection._local_candidates.append(protocol.local_candidate)
        connection._local_candidates_end = True

    return gather_candidates


async def _bind(connection: Connection, address: str,
                ports: tuple[int, int] | None) -> StunProtocol:
    loop = asyncio.get_running_loop()
    choices: Sequence[int] = [0]
    if ports is not None:
        choices = _SHUFFLE.sample(range(ports[0], ports[1] + 1), ports[1] - ports[0] + 1)
    for port in choices:
        try:
            transport, protocol = await loop.create_datagram_endpoint(
                lambda: StunProtocol(connection), local_addr=(address, port))
        except OSError:
            continue  # taken: try the next port of the range
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, UDP_BUFFER)
        return protocol
    raise OSError(f"no free UDP port for media on {address} in {ports}")


@dataclass(frozen=True, slots=True)
class IceServers:
    """STUN/TURN servers for clients (``welcome.ice_servers``)."""

    stun_urls: tuple[str, ...] = ()
    turn_urls: tuple[str, ...] = ()
    turn_secret: str | None = None
    # How long TURN credentials work: a long session with a margin.
    turn_ttl: int = 12 * 3600

    def for_client(self, now: float | None = None) -> tuple[dict[str, object], ...]:
        servers: list[dict[str, object]] = []
        if self.stun_urls:
            servers.append({"urls": list(self.stun_urls)})
        if self.turn_urls and self.turn_secret:
            username, credential = turn_credentials(self.turn_secret, self.turn_ttl, now)
            servers.append({"urls": list(self.turn_urls), "username": username,
                            "credential": credential})
        return tuple(servers)


def turn_credentials(secret: str, ttl: int, now: float | None = None) -> tuple[str, str]:
    """coturn ``use-auth-secret``: ``(expiry:hearth, base64(HMAC-SHA1(secret, username)))``.

    The label names no one: TURN servers log usernames.
    """
    expiry = int((time.time() if now is None else now) + ttl)
    username = f"{expiry}:hearth"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()
