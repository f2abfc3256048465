"""Cameras through the server: encoded once per source, fanned out to the viewers the
room's rules allow (invariant 4: in focus mode a participant's camera reaches
facilitators only), over a fixed set of slots per connection.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.harness import SuiteHarness, expect_where
from tests.media.peers import ColourTrack, MediaClient, media_of, until

pytestmark = pytest.mark.timeout(90)

RED, BLUE = (220, 30, 30), (30, 30, 220)


def close_to(colour: tuple[int, int, int], wanted: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(colour, wanted, strict=True))


def shows(client: MediaClient, wanted: tuple[int, int, int]) -> bool:
    return any(close_to(colour, wanted) for colour in client.colours().values())



async def test_focus_mode_cameras(hs: SuiteHarness) -> None:
    group = await hs.group("Ann", "Bea")
    fac = MediaClient(group.fac, camera=ColourTrack(RED), slots=4)
    ann = MediaClient(group.people[0], camera=ColourTrack(BLUE), slots=4)
    bea = MediaClient(group.people[1], slots=4)
    clients = (fac, ann, bea)
    try:
        for client in clients:
            await client.connect()
        for client in (fac, ann):
            await client.client.send("media.state", audio=False, video=True, ref="cam")
            await client.client.expect("ack", ref="cam")
        # The facilitator's camera reaches both participants ...
        await until(lambda: shows(ann, RED) and shows(bea, RED), timeout=15)
        # ... Ann's reaches the facilitator, and never Bea (focus mode is the default).
        await until(lambda: shows(fac, BLUE), timeout=15)
        await asyncio.sleep(1.0)
        assert not shows(bea, BLUE)
        slots = await expect_where(bea.client, "media.slots",
                                   lambda m: any(s["participant"] for s in m["slots"]))
        assert [s["participant"] for s in slots["slots"] if s["participant"]] == [fac.client.id]
        # One encoder per camera, however many watch it.
        room = media_of(hs).room(group.room_id)
        camera = room.peers[fac.client.id].camera
        assert camera.encoders == 1 and camera.viewers == 2
        # Focus off: Ann's camera still reaches only the facilitator until she says yes ...
        await group.fac.send("room.focus", on=False)
        await asyncio.sleep(1.0)
        assert not shows(bea, BLUE)
        # ... then Bea sees Ann too, in another slot, without renegotiating.
        await ann.client.send("media.state", audio=False, video=True, share=True)
        await until(lambda: shows(bea, BLUE) and shows(bea, RED), timeout=15)
        # Ann turns her camera off: it leaves Bea's slot at once.
        await ann.client.send("media.state", audio=False, video=False)
        await expect_where(bea.client, "media.slots",
                           lambda m: ann.client.id not in [s["participant"] for s in m["slots"]])
        assert room.peers[ann.client.id].camera.viewers == 0
        # Back on; then the facilitator leaves: a paused room shows nobody (invariant 2).
        await ann.client.send("media.state", audio=False, video=True)
        await expect_where(bea.client, "media.slots",
                           lambda m: ann.client.id in [s["participant"] for s in m["slots"]])
        await group.fac.close()
        await expect_where(bea.client, "media.slots",
                           lambda m: not any(s["participant"] for s in m["slots"]))
        # The departed facilitator stops viewing as their peer connection is torn down,
        # which may finish just after Bea's slots are cleared.
        await until(lambda: room.peers[ann.client.id].camera.viewers == 0, timeout=5)
    finally:
        for client in clients:
            await client.close()
