"""Room audio end to end: real aiortc peers, a real server, tones checked by FFT.

A sends 440 Hz, B sends 880 Hz, C and the facilitator listen. Mix-minus means each
speaker hears the others and never themselves; the rules (mute, lock, lobby, pause,
aside) are enforced by the server's mixer, whatever a client keeps sending.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.harness import SuiteHarness, drain
from tests.media.peers import AUDIBLE, MediaClient, until

pytestmark = pytest.mark.timeout(60)

A_TONE, B_TONE = 440.0, 880.0


async def settle(*clients: MediaClient, seconds: float = 0.8) -> float:
    """Wait until every client receives audio, then ``seconds`` more; returns the window start."""
    await until(lambda: all(c.heard.count > 10 for c in clients), timeout=10)
    start = time.monotonic()
    await asyncio.sleep(seconds)
    return start


async def test_each_speaker_hears_the_others_and_a_listener_hears_everyone(
        hs: SuiteHarness) -> None:
    group = await hs.group("Ann", "Bea", "Cat")
    a = MediaClient(group.people[0], tone=A_TONE)
    b = MediaClient(group.people[1], tone=B_TONE)
    c = MediaClient(group.people[2], listen_only=True)
    fac = MediaClient(group.fac, listen_only=True)
    clients = (a, b, c, fac)
    try:
        for client in clients:
            await client.connect()
        await a.mic_on()
        await b.mic_on()
        since = await settle(*clients, seconds=1.0)
        assert c.heard.level(A_TONE, since) > AUDIBLE
        assert c.heard.level(B_TONE, since) > AUDIBLE
        assert fac.heard.level(A_TONE, since) > AUDIBLE
        assert a.heard.level(B_TONE, since) > AUDIBLE
        assert a.heard.level(A_TONE, since) < AUDIBLE / 4, "A hears their own voice"
        assert b.heard.level(A_TONE, since) > AUDIBLE
        assert b.heard.level(B_TONE, since) < AUDIBLE / 4, "B hears their own voice"
    finally:
        for client in clients:
            await client.close()
