"""Peer connections end with the person: leave, removal, room end, a dropped socket, a
peer connection closed or killed. Nothing is leaked (peers, tasks, decoder threads),
the mixer keeps its 20 ms clock whatever one client sends, and no client ever learns
another's address (invariant 1) nor do the logs (invariant 9).
"""

from __future__ import annotations

import asyncio
import fractions
import os
import re
import socket
import threading
import time

import av
import pytest
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError

from tests.harness import SuiteHarness
from tests.media.peers import AUDIBLE, MediaClient, media_of, until

pytestmark = pytest.mark.timeout(90)

B_TONE = 880.0



def server_task_names(hs: SuiteHarness) -> list[str]:
    """Names of the tasks alive on the server's event loop (asked on that loop)."""
    hub = hs.server.app.state.services.hub
    loop = hub._ticker.get_loop()

    async def names() -> list[str]:
        return [task.get_name() for task in asyncio.all_tasks()]

    return asyncio.run_coroutine_threadsafe(names(), loop).result(5)


def decoder_threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name.endswith("-decoder"))


def peers_in(hs: SuiteHarness, room_id: str) -> set[str]:
    room = media_of(hs).room(room_id)
    return set(room.peers) if room is not None else set()


async def test_every_way_of_leaving_closes_the_peer_and_leaks_nothing(
        hs: SuiteHarness) -> None:
    threads_before = decoder_threads()
    group = await hs.group("Ann", "Bea", "Cat", "Dee", "Eve")
    ann, bea, cat, dee, eve = (MediaClient(c, tone=440.0 + 110 * i)
                               for i, c in enumerate(group.people))
    clients = [ann, bea, cat, dee, eve]
    try:
        for client in clients:
            await client.connect()
            await client.mic_on()
        ids = {c.client.id for c in clients}
        await until(lambda: peers_in(hs, group.room_id) == ids)
        # Leave.
        await ann.client.send("leave")
        await until(lambda: ann.client.id not in peers_in(hs, group.room_id))
        # Removed by the facilitator.
        await group.fac.send("participant.remove", participant=bea.client.id)
        await until(lambda: bea.client.id not in peers_in(hs, group.room_id))
        # The socket drops without a goodbye (a killed tab).
        cat.client.ws.transport.abort()
        await until(lambda: cat.client.id not in peers_in(hs, group.room_id))
        # The peer connection is closed while the socket stays.
        await dee.pc.close()
        await until(lambda: dee.client.id not in peers_in(hs, group.room_id))
        # The room ends.
        await group.fac.send("room.end")
        await until(lambda: media_of(hs).room(group.room_id) is None)
    finally:
        for client in clients:
            await client.close()
    await until(lambda: not any(name.startswith(("media-", "mixer-"))
                                for name in server_task_names(hs)), timeout=10)
    await until(lambda: decoder_threads() <= threads_before, timeout=10)


class GarbageTrack(MediaStreamTrack):
    """A "microphone" whose packets are random bytes, sent as Opus without encoding."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self._pts = 0
        self._start = time.monotonic()

    async def recv(self) -> av.Packet:  # type: ignore[type-arg]
        if self.readyState != "live":
            raise MediaStreamError
        await asyncio.sleep(max(0.0, self._start + self._pts / 48_000 - time.monotonic()))
        packet = av.Packet(os.urandom(80))
        packet.pts = self._pts
        packet.time_base = fractions.Fraction(1, 48_000)
        self._pts += 960
        return packet


async def test_the_mixer_keeps_time_through_garbage_and_silence(hs: SuiteHarness) -> None:
    group = await hs.group("Ann", "Bea", "Cat")
    junk = MediaClient(group.people[0], tone=440.0)
    garbage = GarbageTrack()
    junk.mic = garbage  # type: ignore[assignment]
    bea = MediaClient(group.people[1], tone=B_TONE)
    cat = MediaClient(group.people[2], listen_only=True)
    clients = (junk, bea, cat)
    try:
        for client in clients:
            await client.connect()
        await junk.mic_on()
        await bea.mic_on()
        await until(lambda: cat.heard.count > 10, timeout=10)
        # Raw junk at the server's media port too, outside any SRTP session.
        assert junk.answer_sdp is not None
        port = int(re.search(r"candidate:\S+ 1 udp \d+ 127\.0\.0\.1 (\d+)",
                             junk.answer_sdp).group(1))  # type: ignore[union-attr]
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            for _ in range(200):
                sock.sendto(os.urandom(120), ("127.0.0.1", port))
        room = media_of(hs).room(group.room_id)
        ticks, frames, started = room.ticks, cat.heard.count, time.monotonic()
        await asyncio.sleep(2.0)
        elapsed = time.monotonic() - started
        # 50 ticks a second, give or take a busy machine; every tick reached Cat.
        assert 40 * elapsed <= room.ticks - ticks <= 55 * elapsed
        assert cat.heard.count - frames >= 40 * elapsed
        assert cat.heard.level(B_TONE, started) > AUDIBLE
        # A hundred undecodable packets make one warning, not a hundred.
        assert hs.server.logs.text().count("undecodable audio") == 1
        # One speaker stops sending altogether: the others carry on.
        garbage.stop()
        ticks, frames, started = room.ticks, cat.heard.count, time.monotonic()
        await asyncio.sleep(1.5)
        elapsed = time.monotonic() - started
        assert 40 * elapsed <= room.ticks - ticks <= 55 * elapsed
        assert cat.heard.count - frames >= 40 * elapsed
        assert cat.heard.level(B_TONE, started) > AUDIBLE
    finally:
        for client in clients:
            await client.close()


CANDIDATE = re.compile(r"candidate:\S+ \d+ udp \d+ (\S+) (\d+) typ")


def candidates_of(sdp: str) -> set[tuple[str, str]]:
    return set(CANDIDATE.findall(sdp))


async def test_no_client_ever_receives_another_clients_address(hs: SuiteHarness) -> None:
    group = await hs.group("Ann", "Bea")
    clients = [MediaClient(group.people[0], tone=440.0),
               MediaClient(group.people[1], tone=B_TONE),
               MediaClient(group.fac, listen_only=True)]
    try:
        for client in clients:
            await client.connect()
            await client.mic_on()
        await until(lambda: all(c.heard.count > 5 for c in clients), timeout=10)
        # Trickled candidates too, as browsers send them.
        for client in clients:
            for host, port in candidates_of(client.pc.localDescription.sdp):
                await client.client.send("media.candidate", sdpMid="0", sdpMLineIndex=0,
                                         candidate=f"candidate:1 1 udp 2122260223 {host} "
                                                   f"{port} typ host")
        await asyncio.sleep(0.5)
        for client in clients:
            await client.client.nothing(0.2)
        own = {id(c): candidates_of(c.pc.localDescription.sdp) for c in clients}
        assert all(own.values())
        for client in clients:
            assert client.answer_sdp is not None
            server_side = candidates_of(client.answer_sdp)
            assert server_side and all(host == "127.0.0.1" for host, _ in server_side)
            received = "\n".join(str(m) for m in client.client.seen)
            for other in clients:
                if other is client:
                    continue
                for host, port in own[id(other)]:
                    assert f"{host} {port}" not in received
                    assert host not in client.answer_sdp
        logs = hs.server.logs.text()
        for addresses in own.values():
            for host, port in addresses:
                assert host not in logs and f"{host}', {port}" not in logs
    finally:
        for client in clients:
            await client.close()


async def test_a_new_peer_connection_from_the_same_person_replaces_the_old(
        hs: SuiteHarness) -> None:
    group = await hs.group("Ann")
    speaker = MediaClient(group.fac, tone=B_TONE)
    first = MediaClient(group.people[0], listen_only=True)
    second = MediaClient(group.people[0], listen_only=True)
    try:
        await speaker.connect()
        await speaker.mic_on()
        await first.connect()
        await until(lambda: first.heard.count > 5, timeout=10)
        old = media_of(hs).room(group.room_id).peers[group.people[0].id]
        # The browser's first connection breaks on its side only; the page makes a new one.
        second.client.seen.clear()
        await second.connect()
        await until(lambda: second.heard.count > 5, timeout=10)
        new = media_of(hs).room(group.room_id).peers[group.people[0].id]
        assert new is not old
        await until(lambda: old.pc.connectionState == "closed")
    finally:
        for client in (speaker, first, second):
            await client.close()


async def test_what_a_client_may_ask_of_the_media_path_is_bounded(hs: SuiteHarness) -> None:
    group = await hs.group("Ann")
    ann = MediaClient(group.people[0], listen_only=True)
    try:
        await ann.connect()
        client = ann.client
        # Candidates naming loopback, link-local or an mDNS name are acknowledged and
        # never checked; past twenty, candidates are refused.
        for n, host in enumerate(["127.0.0.1", "169.254.169.254", "abcd.local"]):
            await client.send("media.candidate", sdpMid="0", sdpMLineIndex=0, ref=f"c{n}",
                              candidate=f"candidate:1 1 udp 2122260223 {host} 9 typ host")
            await client.expect("ack", ref=f"c{n}")
        peer = media_of(hs).room(group.room_id).peers[client.id]
        remote = peer.pc.getTransceivers()[0].receiver.transport.transport.getRemoteCandidates()
        assert not any(c.ip in ("127.0.0.1", "169.254.169.254", "abcd.local") for c in remote)
        for n in range(3, 20):
            await client.send("media.candidate", sdpMid="0", sdpMLineIndex=0, ref=f"c{n}",
                              candidate=f"candidate:1 1 udp 1 203.0.113.{n} 9 typ host")
            await client.expect("ack", ref=f"c{n}")
        await client.send("media.candidate", sdpMid="0", sdpMLineIndex=0, ref="c-many",
                          candidate="candidate:1 1 udp 1 203.0.113.99 9 typ host")
        assert (await client.expect("error", ref="c-many"))["code"] == "rate_limited"
        # A second offer straight away is answered, but no sooner than a second after
        # the first: a flood of offers costs its sender waiting.
        started = time.monotonic()
        second = MediaClient(client, listen_only=True)
        await second.connect()
        assert time.monotonic() - started > 0.5
        await second.close()
    finally:
        await ann.close()


async def test_only_a_few_people_waiting_in_the_lobby_may_connect_media(
        hs: SuiteHarness) -> None:
    group = await hs.group()
    waiting = []
    try:
        for n in range(9):
            token = (await hs.join_as(hs.browser(), group.invite, f"Wai{n}"))["token"]
            waiting.append(MediaClient(await hs.connect(token), listen_only=True))
        for client in waiting[:8]:
            await client.connect()
        last = waiting[8]
        last.pc.addTransceiver("audio", direction="recvonly")
        await last.pc.setLocalDescription(await last.pc.createOffer())
        await last.client.send("media.offer", sdp=last.pc.localDescription.sdp, ref="o")
        error = await last.client.expect("error", ref="o")
        assert error["code"] == "forbidden"
        # Let in, the same person connects.
        await group.fac.send("lobby.admit", participant=last.client.id)
        await last.client.expect("admitted")
        await asyncio.sleep(1.0)  # offers are paced per person
        await last.client.send("media.offer", sdp=last.pc.localDescription.sdp, ref="o2")
        await last.client.expect("media.answer")
    finally:
        for client in waiting:
            await client.close()
