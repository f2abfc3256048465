"""Deployment settings of the media path: addresses, UDP ports, STUN/TURN for clients."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time

import pytest

from server.datadir import SetupError
from server.media.ice import IceServers, turn_credentials
from server.settings import from_env
from tests.conftest import MakeServer
from tests.harness import harness
from tests.media.peers import MediaClient, until

pytestmark = pytest.mark.timeout(60)

CANDIDATE = re.compile(r"a=candidate:\S+ 1 udp \d+ (\S+) (\d+) typ host")


def test_turn_credentials_follow_coturns_shared_secret_scheme() -> None:
    username, password = turn_credentials("s3cret", ttl=3600, now=1_700_000_000)
    assert username == "1700003600:hearth"
    # coturn (use-auth-secret): password = base64(HMAC-SHA1(static-auth-secret, username)).
    expected = base64.b64encode(
        hmac.new(b"s3cret", b"1700003600:hearth", hashlib.sha1).digest()).decode()
    assert password == expected


def test_clients_get_stun_and_fresh_turn_credentials() -> None:
    servers = IceServers(stun_urls=("stun:stun.example.org:3478",),
                         turn_urls=("turn:turn.example.org:3478?transport=udp",),
                         turn_secret="s3cret", turn_ttl=600)
    stun, turn = servers.for_client(now=1000.0)
    assert stun == {"urls": ["stun:stun.example.org:3478"]}
    assert turn["username"] == "1600:hearth" and turn["credential"]
    assert IceServers(turn_urls=("turn:x",)).for_client() == ()  # no secret, no TURN


def test_media_settings_come_from_the_environment() -> None:
    settings = from_env({"HEARTH_MEDIA_PORTS": "50000-50099",
                         "HEARTH_MEDIA_ADDRESSES": "10.0.0.5, 10.0.0.6",
                         "HEARTH_MEDIA_PUBLIC_ADDRESS": "203.0.113.7",
                         "HEARTH_TURN_URLS": "turn:a,turn:b", "HEARTH_TURN_SECRET": "k"})
    assert settings.media_ports == (50000, 50099)
    assert settings.media_addresses == ("10.0.0.5", "10.0.0.6")
    assert settings.media_public_address == "203.0.113.7"
    assert settings.turn_urls == ("turn:a", "turn:b")
    for bad in ("50000-", "abc", "80-90", "60000-50000"):
        with pytest.raises(SetupError, match="HEARTH_MEDIA_PORTS"):
            from_env({"HEARTH_MEDIA_PORTS": bad})


async def test_media_uses_the_configured_ports_and_welcome_carries_turn(
        make_server: MakeServer) -> None:
    server = make_server(media_ports=(41000, 41009), turn_urls=("turn:turn.example.org",),
                         turn_secret="s3cret", stun_urls=("stun:stun.example.org",))
    async with harness(server) as h:
        room_id, invite = await h.room()
        fac = await h.facilitator(room_id)
        turn = fac.welcome["ice_servers"][1]
        expiry = int(turn["username"].split(":")[0])
        assert time.time() + 11 * 3600 < expiry < time.time() + 13 * 3600
        listener = MediaClient(await h.admitted(fac, invite, "Ann"), listen_only=True)
        speaker = MediaClient(fac, tone=440.0)
        try:
            for client in (listener, speaker):
                await client.connect()
            await speaker.mic_on()
            await until(lambda: listener.heard.count > 10, timeout=10)
            for client in (listener, speaker):
                assert client.answer_sdp is not None
                ports = [int(port) for _, port in CANDIDATE.findall(client.answer_sdp)]
                assert ports and all(41000 <= port <= 41009 for port in ports)
        finally:
            for client in (listener, speaker):
                await client.close()


async def test_a_public_address_is_advertised_instead_of_the_bound_one(
        make_server: MakeServer) -> None:
    server = make_server(media_public_address="203.0.113.7")
    async with harness(server) as h:
        room_id, _ = await h.room()
        fac = await h.facilitator(room_id)
        client = MediaClient(fac, listen_only=True)
        try:
            await client.connect()
            assert client.answer_sdp is not None
            assert {host for host, _ in CANDIDATE.findall(client.answer_sdp)} == {"203.0.113.7"}
            assert "127.0.0.1 " not in client.answer_sdp.split("a=candidate")[1]
        finally:
            await client.close()
