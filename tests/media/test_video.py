"""Video fan-out: one VP8 encoder per source, the same packets to every viewer, real peers.

The first tests drive a ``VideoSource`` from a local synthetic track and read the slots
directly; the later ones put real aiortc peer connections around it over the machine's
own address: a publisher sends a camera to an in-test "server" peer, which shows it in
``VideoSlot``s of two (or three) subscriber peers, and the subscribers decode what they
receive with aiortc's own VP8 decoder.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import av
import numpy as np
import numpy.typing as npt
import pytest
from aiortc import (
    MediaStreamTrack,
    RTCPeerConnection,
    RTCRtpReceiver,
    RTCRtpSender,
    VideoStreamTrack,
)
from aiortc.mediastreams import MediaStreamError

from server.media.video import (
    VideoPacket,
    VideoSettings,
    VideoSlot,
    VideoSource,
    fit_within,
    route_keyframe_requests,
    vp8_codec_preferences,
)

RED = (200, 40, 40)
BLUE = (40, 60, 210)
Colour = tuple[int, int, int]


class ColourCamera(VideoStreamTrack):
    """A camera at 30 fps (paced by aiortc): a solid colour with a small moving square.

    The square keeps the encoder busy with real inter-frame changes; it is small enough
    that the frame's mean colour stays close to ``colour``.
    """

    def __init__(self, colour: Colour, width: int = 320, height: int = 240) -> None:
        super().__init__()
        self.colour = colour
        self.width = width
        self.height = height
        self._count = 0

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        image = np.empty((self.height, self.width, 3), np.uint8)
        image[:] = self.colour
        x = (self._count * 4) % (self.width - 16)
        image[8:24, x:x + 16] = 255
        self._count += 1
        frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(format="yuv420p")
        frame.pts = pts
        frame.time_base = time_base
        return frame


class SteppedClock:
    """A clock that moves on by ``step`` each time it is read (frames without timestamps)."""

    def __init__(self, step: float) -> None:
        self.now = 1000.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


class BurstCamera(MediaStreamTrack):
    """Big frames as fast as the loop can take them, with no timestamps."""

    kind = "video"

    def __init__(self, count: int, width: int = 1920, height: int = 1080) -> None:
        super().__init__()
        rng = np.random.default_rng(7)
        image = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
        self._frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(
            format="yuv420p")
        self._left = count

    async def recv(self) -> av.VideoFrame:
        if self._left == 0:
            self.stop()
            raise MediaStreamError
        self._left -= 1
        await asyncio.sleep(0)
        frame = self._frame.reformat()  # a fresh frame object each time
        frame.pts = None
        return frame


def mean_colour(frame: av.VideoFrame) -> npt.NDArray[np.float64]:
    pixels = np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.float64)
    return np.asarray(pixels.mean(axis=(0, 1)), dtype=np.float64)


def timestamps(items: list[VideoPacket] | list[av.VideoFrame]) -> list[int]:
    stamps = [item.pts for item in items]
    assert all(pts is not None for pts in stamps)
    return [pts for pts in stamps if pts is not None]


def looks_like(frame: av.VideoFrame, colour: Colour, tolerance: float = 25) -> bool:
    return bool(np.all(np.abs(mean_colour(frame) - np.array(colour)) < tolerance))


async def eventually(condition: Callable[[], bool], timeout: float = 4.0) -> None:
    """Wait until ``condition()`` holds (checked every 20 ms), else fail."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


class SlotReader:
    """Reads a slot the way aiortc's sender would, keeping every packet."""

    def __init__(self, slot: VideoSlot) -> None:
        self.packets: list[VideoPacket] = []
        self._task = asyncio.create_task(self._run(slot))

    async def _run(self, slot: VideoSlot) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                self.packets.append(await slot.recv())

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


def decode_all(packets: list[VideoPacket]) -> list[av.VideoFrame]:
    decoder = av.CodecContext.create("libvpx", "r")
    assert isinstance(decoder, av.video.codeccontext.VideoCodecContext)
    return [frame for packet in packets for frame in decoder.decode(packet)]


# ---------------------------------------------------------------------------------------
# One source, slots read directly


async def test_every_slot_gets_the_same_packets_from_one_encoder() -> None:
    async with VideoSource(ColourCamera(RED)) as source:
        slots = [VideoSlot() for _ in range(3)]
        for slot in slots:
            slot.show(source)
        readers = [SlotReader(slot) for slot in slots]
        await eventually(lambda: all(len(r.packets) >= 10 for r in readers))
        for reader in readers:
            await reader.stop()
        assert source.encoders == 1 and source.counters.encoders_opened == 1
        assert source.viewers == 3
        shortest = min(len(r.packets) for r in readers)
        first = readers[0].packets[:shortest]
        for reader in readers[1:]:
            assert all(a is b for a, b in zip(first, reader.packets[:shortest], strict=True))
        assert first[0].is_keyframe
        assert all(p.time_base == Fraction(1, 90_000) for p in first)
        pts = timestamps(first)
        assert pts == sorted(set(pts))
        frames = decode_all(first)
        assert (frames[-1].width, frames[-1].height) == (320, 240)
        assert looks_like(frames[-1], RED)
        for slot in slots:
            slot.stop()
        assert source.viewers == 0


async def test_large_frames_are_scaled_down_and_the_frame_rate_capped() -> None:
    async with VideoSource(ColourCamera(BLUE, 1280, 720)) as source:
        slot = VideoSlot(queue_size=64)
        slot.show(source)
        reader = SlotReader(slot)
        await eventually(lambda: source.counters.frames_received >= 30)
        await reader.stop()
        counters = source.counters
        # A 30 fps camera: every other frame goes (give or take pacing at the ends).
        assert counters.frames_dropped_rate >= 12
        assert counters.frames_encoded <= counters.frames_received // 2 + 2
        frames = decode_all(reader.packets)
        assert {(f.width, f.height) for f in frames} == {(640, 360)}
        assert looks_like(frames[-1], BLUE)
        gaps = np.diff(timestamps(reader.packets))
        assert gaps.min() >= 0.8 * 90_000 / 15  # nothing closer than the 15 fps grid allows
        slot.stop()


def test_frames_fit_within_the_limit_keeping_their_aspect() -> None:
    assert fit_within(1280, 720, 640, 360) == (640, 360)
    assert fit_within(1920, 1080, 640, 360) == (640, 360)
    assert fit_within(720, 1280, 640, 360) == (202, 360)  # a phone held upright
    assert fit_within(640, 480, 640, 360) == (480, 360)
    assert fit_within(320, 240, 640, 360) == (320, 240)  # small frames are not enlarged
    assert fit_within(321, 241, 640, 360) == (320, 240)  # 4:2:0 needs even sides


async def test_a_busy_encoder_drops_frames_instead_of_queueing_them() -> None:
    """Frames arriving faster than libvpx encodes them replace the one waiting."""
    settings = VideoSettings(max_width=1920, max_height=1080, max_fps=60, cpu_used=0)
    camera = BurstCamera(count=60)
    async with VideoSource(camera, settings, clock=SteppedClock(1 / 60)) as source:
        VideoSlot().show(source)  # watched: a camera nobody sees is not encoded at all
        await eventually(lambda: camera.readyState == "ended")
        counters = source.counters
        await eventually(lambda: counters.frames_encoded + counters.frames_dropped_busy
                         + counters.frames_dropped_rate == counters.frames_received)
        assert counters.frames_received == 60
        assert counters.frames_dropped_busy > 0
        assert counters.encoders_opened == 1


def encoder_threads() -> int:
    return sum(t.name.startswith("hearth-video-encoder") for t in threading.enumerate())


async def test_a_camera_nobody_sees_is_not_encoded() -> None:
    before = encoder_threads()
    async with VideoSource(ColourCamera(RED)) as source:
        await eventually(lambda: source.counters.frames_unwatched >= 5)
        assert source.counters.frames_encoded == 0 and source.encoders == 0
        assert encoder_threads() == before  # not even a thread until someone may see it
        slot = VideoSlot()
        slot.show(source)
        await eventually(lambda: source.counters.frames_encoded >= 3)
        assert encoder_threads() == before + 1
        assert source.counters.keyframes >= 1
        slot.stop()


async def test_keyframe_requests_are_rate_limited_per_source() -> None:
    settings = VideoSettings(keyframe_min_interval=0.5)
    async with VideoSource(ColourCamera(RED), settings) as source:
        slot = VideoSlot(queue_size=64)
        slot.show(source)
        reader = SlotReader(slot)
        await eventually(lambda: source.counters.keyframes >= 1)
        # Twenty viewers asking for a keyframe on every frame for a second.
        for _ in range(50):
            for _ in range(20):
                slot.request_keyframe()
            await asyncio.sleep(0.02)
        await reader.stop()
        counters = source.counters
        assert counters.keyframe_requests >= 1000
        assert 2 <= counters.keyframes <= 4  # the first, then at most one per 0.5 s
        assert counters.frames_encoded > 3 * counters.keyframes
        slot.stop()


async def test_a_switch_waits_for_a_keyframe_and_timestamps_only_go_forward() -> None:
    async with VideoSource(ColourCamera(RED)) as red, VideoSource(ColourCamera(BLUE)) as blue:
        slot = VideoSlot(queue_size=64)
        slot.show(red)
        reader = SlotReader(slot)
        await eventually(lambda: len(reader.packets) >= 8)
        keyframes_before = blue.counters.keyframes
        switched_at = len(reader.packets)
        slot.show(blue)
        await eventually(lambda: len(reader.packets) >= switched_at + 8)
        await reader.stop()
        after = reader.packets[switched_at:]
        # The first packet after the switch is one of blue's keyframes, asked for by show().
        assert after[0].is_keyframe
        assert blue.counters.keyframes > keyframes_before
        assert blue.counters.keyframe_requests >= 1
        pts = timestamps(reader.packets)
        assert pts == sorted(set(pts))
        assert looks_like(decode_all(reader.packets[:switched_at])[-1], RED)
        assert looks_like(decode_all(after)[-1], BLUE)
        assert red.viewers == 0 and blue.viewers == 1
        slot.stop()


async def test_showing_nothing_sends_nothing() -> None:
    async with VideoSource(ColourCamera(RED)) as source:
        slot = VideoSlot()
        slot.show(source)
        reader = SlotReader(slot)
        await eventually(lambda: len(reader.packets) >= 3)
        slot.show(None)
        stopped_at = len(reader.packets)
        await asyncio.sleep(0.5)
        assert len(reader.packets) == stopped_at
        assert source.viewers == 0
        await reader.stop()
        slot.stop()


async def test_a_slow_viewer_resyncs_at_a_keyframe_without_holding_up_the_others() -> None:
    async with VideoSource(ColourCamera(RED)) as source:
        fast, slow = VideoSlot(queue_size=4), VideoSlot(queue_size=4)
        fast.show(source)
        slow.show(source)
        reader = SlotReader(fast)
        # The slow viewer reads nothing for a second (15 packets > its queue of 4).
        await eventually(lambda: len(reader.packets) >= 15)
        assert slow.counters.resyncs >= 1 and slow.counters.packets_dropped > 0
        assert fast.counters.resyncs == 0
        # A viewer that is not reading costs the others no keyframes: only the two
        # show() calls asked for one.
        assert source.counters.keyframe_requests == 2
        assert source.counters.keyframes == 1
        slow_reader = SlotReader(slow)
        await eventually(lambda: len(slow_reader.packets) >= 5)
        assert source.counters.keyframe_requests == 3  # asked when it read again
        await reader.stop()
        await slow_reader.stop()
        # Whatever the slow viewer still gets is decodable: it starts at a keyframe.
        assert slow_reader.packets[0].is_keyframe
        assert looks_like(decode_all(slow_reader.packets)[-1], RED)
        assert all(any(p is q for q in reader.packets) for p in slow_reader.packets[-3:])
        fast.stop()
        slow.stop()


async def test_closing_a_source_blanks_its_slots_and_ends_its_thread() -> None:
    source = VideoSource(ColourCamera(RED))
    slot = VideoSlot()
    slot.show(source)
    reader = SlotReader(slot)
    await eventually(lambda: len(reader.packets) >= 2)
    await source.close()
    await source.close()  # idempotent
    assert slot.source is None and source.encoders == 0
    assert not [t for t in threading.enumerate() if t.name.startswith("hearth-video-encoder")]
    with pytest.raises(RuntimeError):
        slot.show(source)
    await reader.stop()
    slot.stop()
    assert slot.readyState == "ended"


# ---------------------------------------------------------------------------------------
# Real peers: publisher -> server -> subscribers


async def connect(offerer: RTCPeerConnection, answerer: RTCPeerConnection) -> None:
    """Offer/answer without trickle: aiortc gathers before ``localDescription`` is set."""
    await offerer.setLocalDescription(await offerer.createOffer())
    await answerer.setRemoteDescription(offerer.localDescription)
    await answerer.setLocalDescription(await answerer.createAnswer())
    await offerer.setRemoteDescription(answerer.localDescription)


@dataclass
class Subscriber:
    """A viewer: its own peer connection, and on the server side its slot and sender."""

    client: RTCPeerConnection
    server: RTCPeerConnection
    slot: VideoSlot
    sender: RTCRtpSender
    frames: list[av.VideoFrame] = field(default_factory=list)
    receiver: RTCRtpReceiver | None = None
    reader: asyncio.Task[None] | None = None

    @property
    def latest(self) -> av.VideoFrame | None:
        return self.frames[-1] if self.frames else None

    async def send_pli(self) -> None:
        """What a browser does when it lost a picture (aiortc's receiver does it too)."""
        assert self.receiver is not None
        ssrc = self.receiver.getSynchronizationSources()[0].source
        await self.receiver._send_rtcp_pli(ssrc)


class Scene:
    """The in-test server with its sources and subscribers; closes everything at the end."""

    def __init__(self) -> None:
        self.peers: list[RTCPeerConnection] = []
        self.sources: list[VideoSource] = []
        self.subscribers: list[Subscriber] = []

    def _peer(self) -> RTCPeerConnection:
        peer = RTCPeerConnection()
        self.peers.append(peer)
        return peer

    async def publish(self, colour: Colour) -> VideoSource:
        publisher, server = self._peer(), self._peer()
        publisher.addTrack(ColourCamera(colour))
        received: asyncio.Future[MediaStreamTrack] = asyncio.get_running_loop().create_future()
        server.on("track", received.set_result)
        await connect(publisher, server)
        source = VideoSource(await received)
        self.sources.append(source)
        return source

    async def subscribe(self) -> Subscriber:
        client, server = self._peer(), self._peer()
        slot = VideoSlot()
        transceiver = server.addTransceiver(slot, direction="sendonly")
        transceiver.setCodecPreferences(vp8_codec_preferences())
        route_keyframe_requests(transceiver.sender, slot)
        subscriber = Subscriber(client, server, slot, transceiver.sender)

        def on_track(track: MediaStreamTrack) -> None:
            subscriber.reader = asyncio.create_task(self._watch(track, subscriber.frames))

        client.on("track", on_track)
        await connect(server, client)
        subscriber.receiver = client.getTransceivers()[0].receiver
        self.subscribers.append(subscriber)
        return subscriber

    @staticmethod
    async def _watch(track: MediaStreamTrack, frames: list[av.VideoFrame]) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                assert isinstance(frame, av.VideoFrame)
                frames.append(frame)

    async def close(self) -> None:
        for source in self.sources:
            await source.close()
        for peer in self.peers:
            await peer.close()
        for subscriber in self.subscribers:
            if subscriber.reader is not None:
                subscriber.reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await subscriber.reader


@pytest.fixture
async def scene() -> AsyncIterator[Scene]:
    built = Scene()
    try:
        yield built
    finally:
        await built.close()


async def test_two_subscribers_see_the_camera_through_one_shared_encoder(scene: Scene) -> None:
    camera = await scene.publish(RED)
    first, second = await scene.subscribe(), await scene.subscribe()
    first.slot.show(camera)
    second.slot.show(camera)
    await eventually(lambda: all(s.latest is not None and looks_like(s.latest, RED)
                                 and len(s.frames) >= 5 for s in (first, second)))
    assert camera.encoders == 1 and camera.counters.encoders_opened == 1
    assert camera.viewers == 2
    # Both senders took their packets from the one encoder, none encoded anything.
    assert first.slot.counters.packets_sent > 0 and second.slot.counters.packets_sent > 0
    assert camera.counters.frames_encoded >= max(first.slot.counters.packets_sent,
                                                 second.slot.counters.packets_sent)
    for subscriber in (first, second):
        codecs = subscriber.server.getTransceivers()[0]._codecs  # what was negotiated
        assert codecs[0].mimeType == "video/VP8"


async def test_a_pli_and_a_new_subscriber_force_a_keyframe_on_the_shared_encoder(
        scene: Scene) -> None:
    camera = await scene.publish(RED)
    first = await scene.subscribe()
    first.slot.show(camera)
    await eventually(lambda: len(first.frames) >= 3)
    await asyncio.sleep(camera.settings.keyframe_min_interval)
    before = camera.counters.keyframes
    await first.send_pli()
    await eventually(lambda: camera.counters.keyframes > before)
    assert camera.counters.keyframes_forced >= 2  # the first viewer's, then the PLI's

    await asyncio.sleep(camera.settings.keyframe_min_interval)
    before = camera.counters.keyframes
    second = await scene.subscribe()
    second.slot.show(camera)
    await eventually(lambda: camera.counters.keyframes > before and len(second.frames) >= 3)
    assert looks_like(second.frames[-1], RED)
    assert camera.encoders == 1


async def test_switching_a_slot_changes_the_picture_without_renegotiating(scene: Scene) -> None:
    red, blue = await scene.publish(RED), await scene.publish(BLUE)
    viewer = await scene.subscribe()
    viewer.slot.show(red)
    await eventually(lambda: viewer.latest is not None and looks_like(viewer.latest, RED))
    offer_before = viewer.server.localDescription.sdp
    switched_at = len(viewer.frames)
    viewer.slot.show(blue)
    await eventually(lambda: viewer.latest is not None and looks_like(viewer.latest, BLUE))
    assert viewer.server.localDescription.sdp == offer_before
    assert viewer.server.signalingState == viewer.client.signalingState == "stable"
    assert len(viewer.client.getTransceivers()) == 1
    # aiortc's receiver unwraps RTP timestamps: one going backwards would show up as a
    # jump of 2**32 in the frames' pts; the pts only move forward, in real time.
    pts = timestamps(viewer.frames)
    assert all(0 < later - earlier < 5 * 90_000 for earlier, later in itertools.pairwise(pts))
    assert switched_at < len(viewer.frames)
    # Nothing was encoded twice: each source has its one encoder.
    assert red.encoders == blue.encoders == 1


async def test_showing_nothing_stops_the_packets(scene: Scene) -> None:
    camera = await scene.publish(RED)
    viewer = await scene.subscribe()
    viewer.slot.show(camera)
    await eventually(lambda: len(viewer.frames) >= 3)
    viewer.slot.show(None)
    await asyncio.sleep(0.2)  # packets already handed to the sender may still arrive
    sent = await packets_sent(viewer.sender)
    frames = len(viewer.frames)
    await asyncio.sleep(0.6)
    assert await packets_sent(viewer.sender) == sent
    assert len(viewer.frames) == frames
    viewer.slot.show(camera)  # and it comes back, from a keyframe
    await eventually(lambda: len(viewer.frames) > frames)
    assert looks_like(viewer.frames[-1], RED)


async def packets_sent(sender: RTCRtpSender) -> int:
    stats: Any = await sender.getStats()
    return sum(s.packetsSent for s in stats.values() if s.type == "outbound-rtp")


async def test_closing_everything_leaves_no_threads_or_tasks() -> None:
    def ours() -> set[str]:
        # The loop's default executor (aiortc's publisher-side encoder uses it) is the
        # loop's own and goes with it; everything else must be gone.
        return {t.name for t in threading.enumerate() if not t.name.startswith("asyncio_")}

    threads_before = ours()
    tasks_before = asyncio.all_tasks()
    built = Scene()
    camera = await built.publish(RED)
    viewers = [await built.subscribe(), await built.subscribe()]
    for viewer in viewers:
        viewer.slot.show(camera)
    await eventually(lambda: all(len(v.frames) >= 2 for v in viewers))
    assert any(name.startswith("hearth-video-encoder") for name in ours())
    await built.close()
    await eventually(lambda: ours() == threads_before
                     and asyncio.all_tasks() == tasks_before, timeout=3)
    assert all(v.slot.readyState == "ended" for v in viewers)  # the senders stopped them
    assert camera.closed and camera.viewers == 0
