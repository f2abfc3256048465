"""The load clients' cameras and what a viewer's slot counts (bench/media_video.py); no
network."""

from __future__ import annotations

import asyncio

from aiortc.codecs.vpx import Vp8Encoder
from aiortc.rtp import RtpPacket

from bench.media_video import (
    PTS_STEP,
    PacketCamera,
    SlotVideo,
    Window,
    camera_packets,
    is_vp8_keyframe_start,
)

MS = 1_000_000


def test_the_bank_starts_at_its_only_keyframe_and_rtp_shows_which_frames_are_keys() -> None:
    bank = camera_packets(frames=6)
    assert [p.is_keyframe for p in bank] == [True] + [False] * 5
    packer = Vp8Encoder()
    for index, packet in enumerate(bank):
        payloads, _ = packer.pack(packet)
        # The first RTP packet of a frame says whether it is a keyframe; the others do not.
        assert is_vp8_keyframe_start(payloads[0]) is (index == 0)
        assert all(is_vp8_keyframe_start(p) is None for p in payloads[1:])


async def test_a_camera_paces_its_frames_and_restarts_at_the_keyframe_when_asked() -> None:
    bank = camera_packets(frames=4)
    camera = PacketCamera(bank)
    sent = [await camera.recv() for _ in range(3)]
    assert [p.pts for p in sent] == [0, PTS_STEP, 2 * PTS_STEP]
    camera.request_keyframe()
    packet = await camera.recv()
    assert packet.is_keyframe and packet.pts == 3 * PTS_STEP
    assert camera.keyframe_requests == 1 and camera.frames_sent == 4
    camera.stop()
    await asyncio.sleep(0)


def frame(timestamp: int, payload: bytes) -> RtpPacket:
    return RtpPacket(payload_type=96, sequence_number=timestamp, timestamp=timestamp,
                     payload=payload)


KEY, DELTA, MIDDLE = b"\x10\x00", b"\x10\x01", b"\x00\x01"


def test_a_slot_counts_frames_keyframes_gaps_and_its_start_in_the_window() -> None:
    window = Window()
    window.start, window.end = 1000 * MS, 2000 * MS
    slot = SlotVideo("2", window)
    slot.show("fac", 900 * MS)
    slot.arrived(frame(1, KEY), 950 * MS)  # before the window: its start only
    assert slot.starts_ms == [50.0] and slot.frames == 0
    slot.arrived(frame(2, DELTA), 1010 * MS)
    slot.arrived(frame(2, MIDDLE), 1011 * MS)  # the same frame's second packet
    slot.arrived(frame(3, KEY), 1100 * MS)
    slot.arrived(frame(4, DELTA), 1400 * MS)  # 300 ms after the last: a gap
    assert (slot.frames, slot.packets, slot.keyframes, slot.gaps) == (3, 4, 1, 1)
    assert slot.max_gap == 300 * MS
    # A new camera in the slot: no gap across the switch, a new start.
    slot.show("ann", 1500 * MS)
    slot.arrived(frame(10, KEY), 1900 * MS)
    assert slot.gaps == 1 and slot.switches == 1 and slot.starts_ms == [50.0, 400.0]
