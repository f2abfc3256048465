"""RTCP read for the connection-quality indicator (``Peer.link_stats``, docs/media.md
"Link quality"): real aiortc peers and a real server. A parent whose client does not
answer pings still gets a level, from her peer connection's receiver reports alone, and
the figures behind it are real ones."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.conftest import MakeServer
from tests.harness import Client, SuiteHarness, suite_harness
from tests.media.peers import MediaClient, media_of, until

pytestmark = pytest.mark.timeout(60)


async def _watching_facilitator(hs: SuiteHarness, room_id: str) -> Client:
    client = Client(await hs.open())
    hs.clients.append(client)
    await client.send("hello", token=(await hs.staff_token_pooled(room_id))["token"],
                      features=["quality"])
    client.welcome = await client.expect("welcome")
    return client


async def test_receiver_reports_give_a_listener_her_level_with_real_figures(
        make_server: MakeServer) -> None:
    server = make_server(quality_every=0.5)
    async with suite_harness(server) as hs:
        room_id, invite = await hs.room()
        fac = await _watching_facilitator(hs, room_id)
        # Ann's client answers no pings: only RTCP can say how her link is.
        ann = await hs.connect((await hs.join_as(hs.browser(), invite, "Ann"))["token"])
        await hs.admit(fac, ann)
        talker = MediaClient(ann, tone=440.0)
        try:
            await talker.connect()
            await talker.mic_on()
            levels: dict[str, Any] = {}
            while levels.get(ann.id) != "good":
                message = await fac.expect("participant.quality", timeout=10)
                levels.update(message["people"])
            assert not [m for m in ann.seen if m["type"] in ("participant.quality", "ping")]

            # The figures, read on the server's own loop as its quality watch reads them.
            media = media_of(hs)
            loop = media.room(room_id)._clock.get_loop()  # the server thread's loop
            stats: dict[str, Any] = {}

            async def read() -> None:
                stats.update(await asyncio.wrap_future(
                    asyncio.run_coroutine_threadsafe(media.link_stats(room_id), loop)))

            async def with_round_trip() -> bool:
                await read()
                return stats.get(ann.id) is not None and stats[ann.id].round_trip is not None

            for _ in range(50):
                if await with_round_trip():
                    break
                await asyncio.sleep(0.1)
            link = stats[ann.id]
            assert link.round_trip is not None and 0 < link.round_trip < 0.3, link
            assert 0 <= link.loss < 0.03 and 0 <= link.jitter < 0.03, link
            assert link.report_age is not None and link.report_age < 5, link
            # The peer connection closes: no level is left standing for her.
            await talker.close()
            await until(lambda: ann.id not in media.room(room_id).peers, timeout=40)
            while levels.get(ann.id) is not None:
                message = await fac.expect("participant.quality", timeout=5)
                levels.update(message["people"])
        finally:
            await talker.close()
