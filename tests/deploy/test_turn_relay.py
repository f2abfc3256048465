"""coturn with deploy/turnserver.conf: a parent who can only relay still hears the group.

A real ``turnserver`` (the file unchanged, the test's overrides on its command line: see
``TurnServer``), a real Hearth server given its URL and shared secret, and real aiortc
peers. The parent's peer connection is relay only (``iceTransportPolicy: relay``, as a
browser behind a firewall that lets nothing else through ends up), using exactly the
credentials Hearth handed out in ``welcome``; the facilitator speaks a tone.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from aioice import stun
from aioice.ice import CandidatePair
from aioice.turn import TurnClientUdpProtocol
from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCIceServer,
    RTCIceTransportPolicy,
    RTCPeerConnection,
)

from server.addresses import machine_ipv4
from server.media.ice import turn_credentials
from tests.conftest import MakeServer
from tests.deploy.processes import TurnServer
from tests.harness import harness
from tests.media.peers import AUDIBLE, MediaClient, until

pytestmark = pytest.mark.timeout(60)

TONE = 440.0

# Peers the file must refuse even with the test's one exception (the machine's address)
# in place: loopback, private, shared (CGNAT), link-local (the cloud metadata service),
# "this network", documentation and benchmarking ranges, multicast.
DENIED_PEERS = ("127.0.0.1", "127.0.0.2", "10.1.2.3", "172.16.0.1", "172.31.255.254",
                "192.168.1.1", "100.64.0.1", "169.254.169.254", "0.1.2.3", "192.0.2.1",
                "198.18.0.1", "224.0.0.1")


def machine_address() -> str:
    """The machine's own IPv4 address (not loopback): where coturn relays from and the
    Hearth server under test has its media, as on two hosts of a real deployment."""
    found = [a for a in machine_ipv4() if not a.startswith(("127.", "169.254."))]
    if not found:
        reason = "this machine has no IPv4 address but loopback; the relay test needs one"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return found[0]


@pytest.fixture
def turn(tmp_path: Path) -> Iterator[TurnServer]:
    folder = tmp_path / "turn"
    folder.mkdir()
    with TurnServer(folder, secrets.token_hex(16), machine_address()) as server:
        yield server


def relay_only(welcome: dict[str, Any]) -> RTCConfiguration:
    """The browser's configuration from ``welcome.ice_servers``, relay candidates only."""
    servers = [RTCIceServer(urls=entry["urls"], username=entry.get("username"),
                            credential=entry.get("credential"))
               for entry in welcome["ice_servers"]]
    return RTCConfiguration(iceServers=servers, bundlePolicy=RTCBundlePolicy.MAX_BUNDLE,
                            iceTransportPolicy=RTCIceTransportPolicy.RELAY)


def selected_pair(pc: RTCPeerConnection) -> CandidatePair:
    """The candidate pair ICE nominated for the (bundled) transport's one component."""
    ice = pc.getTransceivers()[0].receiver.transport.transport
    pair: CandidatePair = ice._connection._nominated[1]
    return pair


async def test_a_parent_relayed_through_coturn_hears_the_facilitator(
        make_server: MakeServer, turn: TurnServer) -> None:
    # The server's media on the machine's address; its candidates checked even where that
    # address is private (HEARTH_MEDIA_ALLOW_PRIVATE), since coturn relays from it too.
    server = make_server(turn_urls=(turn.url,), turn_secret=turn.secret,
                         media_addresses=(turn.relay_ip,), media_allow_private=True)
    async with harness(server) as h:
        room_id, invite = await h.room()
        fac = await h.facilitator(room_id)
        ann = await h.admitted(fac, invite, "Ann")
        (entry,) = ann.welcome["ice_servers"]
        assert entry["urls"] == [turn.url]
        listener = MediaClient(ann, listen_only=True, configuration=relay_only(ann.welcome))
        speaker = MediaClient(fac, tone=TONE)
        try:
            for client in (listener, speaker):
                await client.connect(timeout=15)
            # Her offer names no address of hers: only coturn's relay.
            offer = listener.pc.localDescription.sdp
            assert " typ relay" in offer and " typ host" not in offer and " typ srflx" not in offer
            await speaker.mic_on()
            await until(lambda: listener.heard.count > 10, timeout=15)
            since = time.monotonic()
            await asyncio.sleep(1.0)
            assert listener.heard.level(TONE, since) > AUDIBLE
            decoded = listener.heard.since(since)
            assert float(np.sqrt(np.mean(decoded ** 2))) > 300, "the mix arrived silent"
            # ICE chose a pair through coturn: her side is a relayed address from the
            # file's range as the test narrowed it, the other the server's media socket.
            # (Her relayed address is a private one here: a public one in production.)
            pair = selected_pair(listener.pc)
            assert pair.local_candidate.type == "relay"
            low, high = turn.relay_ports
            assert low <= pair.local_candidate.port <= high
            assert pair.local_candidate.host == turn.relay_ip
            assert pair.remote_candidate.host == turn.relay_ip
            assert pair.remote_candidate.type == "host"
        finally:
            for client in (listener, speaker):
                await client.close()


async def _allocation(turn: TurnServer, password: str) -> tuple[asyncio.DatagramTransport,
                                                                 TurnClientUdpProtocol]:
    username, _ = turn_credentials(turn.secret, 600)
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(
        lambda: TurnClientUdpProtocol(("127.0.0.1", turn.port), username=username,
                                      password=password, lifetime=600,
                                      channel_refresh_time=500),
        remote_addr=("127.0.0.1", turn.port))
    return transport, protocol


async def test_coturn_refuses_private_peers_and_wrong_credentials(turn: TurnServer) -> None:
    _, password = turn_credentials(turn.secret, 600)
    transport, protocol = await _allocation(turn, password)
    try:
        await protocol.connect()
        for number, peer in enumerate(DENIED_PEERS, start=0x4000):
            with pytest.raises(stun.TransactionFailed) as failed:
                await protocol.channel_bind(number, (peer, 9))
            assert failed.value.response.attributes["ERROR-CODE"][0] == 403, peer
        # The test's own exception (the machine's address) is the only one.
        await protocol.channel_bind(0x4100, (turn.relay_ip, 9))
    finally:
        await protocol.delete()
    assert transport.is_closing()

    # Credentials not made with the shared secret get no allocation.
    transport, protocol = await _allocation(turn, "not-" + password)
    try:
        with pytest.raises(stun.TransactionFailed) as failed:
            await protocol.connect()
        assert failed.value.response.attributes["ERROR-CODE"][0] == 401
    finally:
        transport.close()
