"""Video fan-out: decode once, encode once per source, hand the same packets to every viewer.

aiortc's ``MediaRelay`` gives each viewer's ``RTCRtpSender`` decoded frames, so every
viewer gets an encoder of its own: N viewers of one camera cost N VP8 encodes per
frame. Here a camera is a ``VideoSource``: its frames (already decoded by aiortc's
receiver) are encoded once, off the event loop, by one VP8 encoder, and each
``av.Packet`` goes unchanged to every ``VideoSlot`` showing that source. A slot is the
outgoing track of one viewer's peer connection; aiortc's sender packs the packet into
RTP without re-encoding (``Vp8Encoder.pack``).

Timestamps: every source stamps its packets on one server timeline (the monotonic
clock in 90 kHz units, the RTP video clock), so a slot that switches from one source
to another keeps RTP timestamps that only move forward, with no bookkeeping per slot
and no change to the shared packets. aiortc derives the RTP timestamp as a random
origin plus ``packet.pts``.

Keyframes: a viewer can only start decoding at a keyframe, so a slot that starts
showing a source (or falls behind and drops packets) passes nothing until the next
keyframe and asks the source for one. The source forces keyframes at most once per
``keyframe_min_interval`` however many viewers ask, so that many people joining cannot
turn the stream into keyframes only; a request inside that window is served when it
ends, not lost. ``route_keyframe_requests`` sends a viewer's RTCP PLI/FIR there.

Nothing here knows about rooms or who may see whom: the caller decides which source
each slot shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, TypeAlias

import av
import av.video.codeccontext
from aiortc import MediaStreamTrack, RTCRtpCodecCapability, RTCRtpSender
from aiortc.mediastreams import MediaStreamError
from av.video.frame import PictureType
from av.video.stream import VideoStream

logger = logging.getLogger(__name__)

# The RTP clock rate of every video codec WebRTC uses.
VIDEO_CLOCK_RATE = 90_000
TIME_BASE = Fraction(1, VIDEO_CLOCK_RATE)

# What ``VideoSlot.recv`` returns: one object shared by every viewer of a source.
VideoPacket: TypeAlias = "av.Packet[VideoStream]"
Clock: TypeAlias = Callable[[], float]

# Each encoder thread gets a distinct name, so a leak is easy to spot in a thread list.
_encoder_numbers = itertools.count(1)


@dataclass(frozen=True, slots=True)
class VideoSettings:
    """How a source is encoded. The defaults suit faces in a support group, not sport."""

    # Larger frames are scaled down to fit, keeping their aspect ratio: a face in a
    # grid of tiles needs no more, and encoding cost grows with the pixel count.
    max_width: int = 640
    max_height: int = 360
    # Frames arriving faster are dropped before encoding (browsers send 30 fps).
    max_fps: float = 15.0
    # VP8 bitrate in bit/s, held close to constant so a keyframe does not burst.
    bitrate: int = 400_000
    # Keyframes come on demand (a new viewer, a PLI); this one is a backstop for
    # receivers that lost a packet and never asked.
    keyframe_interval: float = 10.0
    # At most one forced keyframe per source in this many seconds.
    keyframe_min_interval: float = 0.5
    # libvpx realtime speed. Negative values fix the speed (positive ones let libvpx
    # vary it with the time left before the deadline, which on a shared machine makes
    # cost unpredictable). Measured here, 640x360: -6 about 1.8 ms a frame, -8 about
    # 1.7, -12 about 1.2 (tools: bench/video_encode.py).
    cpu_used: int = -8

    def __post_init__(self) -> None:
        if self.max_width < 16 or self.max_height < 16:
            raise ValueError("the largest frame must be at least 16x16")
        if not 1 <= self.max_fps <= 60:
            raise ValueError("max_fps runs from 1 to 60")
        if not 50_000 <= self.bitrate <= 4_000_000:
            raise ValueError("VP8 bitrates here run from 50 kbps to 4 Mbps")
        if self.keyframe_interval <= 0 or self.keyframe_min_interval < 0:
            raise ValueError("keyframe intervals must be positive")
        if not -16 <= self.cpu_used <= 16:
            raise ValueError("libvpx cpu-used runs from -16 to 16")


@dataclass(slots=True)
class SourceCounters:
    """What a source has done so far. Written on the event loop only; read anywhere."""

    frames_received: int = 0  # decoded frames taken from the track
    frames_encoded: int = 0
    frames_dropped_rate: int = 0  # above max_fps
    frames_dropped_busy: int = 0  # the encoder was still busy with an earlier frame
    frames_unwatched: int = 0  # nobody was shown this camera: not encoded at all
    keyframes: int = 0  # all keyframes produced: the first, periodic and forced ones
    keyframes_forced: int = 0  # frames sent to the encoder marked as keyframes
    keyframe_requests: int = 0  # force_keyframe calls, rate-limited or not
    encoders_opened: int = 0  # 1, plus one per change of the frame size
    encode_failures: int = 0  # frames libvpx refused (logged once per run of failures)


def fit_within(width: int, height: int, max_width: int, max_height: int) -> tuple[int, int]:
    """The size to encode a ``width`` x ``height`` frame at: scaled down to fit, even sides.

    Frames that fit are kept as they are (apart from rounding odd sides down to even, which
    4:2:0 chroma needs); frames that do not are scaled by one factor, keeping the aspect.
    """
    scale = min(1.0, max_width / width, max_height / height)
    fitted_width = max(2, int(width * scale) // 2 * 2)
    fitted_height = max(2, int(height * scale) // 2 * 2)
    return fitted_width, fitted_height


def vp8_codec_preferences() -> list[RTCRtpCodecCapability]:
    """The codecs to pass to ``transceiver.setCodecPreferences`` for every video slot.

    Packets from a source are VP8: a sender that negotiated H.264 would pack them as
    H.264 and the viewer would decode garbage, so a slot's transceiver must offer VP8
    (and its retransmission format) only.
    """
    capabilities = RTCRtpSender.getCapabilities("video")
    return [codec for codec in capabilities.codecs
            if codec.mimeType.lower() in ("video/vp8", "video/rtx")]


class VideoEncoder:
    """One libvpx context with the source settings (a VideoSource uses it from its own thread).

    Not thread-safe: one thread at a time. Public so the benchmark measures the real thing.
    """

    def __init__(self, settings: VideoSettings) -> None:
        self._settings = settings
        self._codec: av.video.codeccontext.VideoCodecContext | None = None

    def encode(self, frame: av.VideoFrame, pts: int,
               keyframe: bool) -> tuple[list[VideoPacket], bool]:
        """Encode one frame stamped ``pts`` (1/90000 s), as a keyframe if ``keyframe``.

        Returns its packets (one for VP8 with no look-ahead) and whether a new encoder
        was opened (the first frame, or a new size). Takes the frame over: a frame that
        needs no scaling gets its ``pts`` and picture type set, so do not share it.
        """
        width, height = fit_within(frame.width, frame.height,
                                   self._settings.max_width, self._settings.max_height)
        # One swscale pass both scales and converts (aiortc's decoder yields yuv420p,
        # so usually this is a copy at most).
        if (width, height) != (frame.width, frame.height) or frame.format.name != "yuv420p":
            frame = frame.reformat(width=width, height=height, format="yuv420p")
        opened = False
        if self._codec is None or (self._codec.width, self._codec.height) != (width, height):
            # A camera changed resolution: a fresh encoder, whose first frame is a keyframe.
            self._codec = self._open(width, height)
            opened = True
        frame.pts = pts
        frame.time_base = TIME_BASE
        # libvpx turns an I picture type into VPX_EFLAG_FORCE_KF for this frame only.
        frame.pict_type = PictureType.I if keyframe else PictureType.NONE
        packets = self._codec.encode(frame)
        for packet in packets:
            packet.pts = pts
            packet.time_base = TIME_BASE
        return packets, opened

    def _open(self, width: int, height: int) -> av.video.codeccontext.VideoCodecContext:
        settings = self._settings
        codec = av.CodecContext.create("libvpx", "w")
        assert isinstance(codec, av.video.codeccontext.VideoCodecContext)
        codec.width = width
        codec.height = height
        codec.pix_fmt = "yuv420p"
        codec.time_base = TIME_BASE
        codec.framerate = Fraction(settings.max_fps).limit_denominator(1000)
        codec.bit_rate = settings.bitrate
        codec.gop_size = max(1, round(settings.keyframe_interval * settings.max_fps))
        codec.qmin = 2
        codec.qmax = 56
        # One thread: a source's frames are small, and sources already run in parallel.
        codec.thread_count = 1
        codec.options = {
            "deadline": "realtime",
            "cpu-used": str(settings.cpu_used),
            # No look-ahead: each frame in gives its packet out at once.
            "lag-in-frames": "0",
            # minrate = maxrate = bit_rate makes libvpx's rate control CBR; FFmpeg turns
            # bufsize into a one-second rate-control buffer, as aiortc does.
            "minrate": str(settings.bitrate),
            "maxrate": str(settings.bitrate),
            "bufsize": str(settings.bitrate),
            "undershoot-pct": "100",
            "overshoot-pct": "15",
            # Viewers lose packets independently; this keeps a loss from corrupting
            # more than the frames that refer to the lost one.
            "error-resilient": "1",
            "static-thresh": "1",
        }
        codec.open()
        # FFmpeg leaves options it did not recognise in place: a misspelt one would
        # otherwise silently fall back to a default.
        if codec.options:
            raise RuntimeError(f"libvpx ignored options {codec.options}")
        return codec


@dataclass(slots=True)
class _Job:
    frame: av.VideoFrame
    pts: int
    keyframe: bool


class VideoSource:
    """One camera: frames from one inbound track, encoded once, shared by every slot.

    Create it on the event loop (it starts reading at once) and ``await close()`` it when
    the camera goes away; it is also an async context manager. The track is not stopped
    by ``close``: it belongs to its peer connection. Close the source when the track
    ends or is no longer wanted, since aiortc queues a track's frames until someone
    reads them.

    Reading happens in a task on the loop (cheap); scaling and encoding happen on a
    thread of the source's own, so the 20 ms audio ticks on the loop never wait for a
    VP8 encode. When the thread is still busy, the newest frame replaces the one waiting
    (frames are dropped, never queued), so a slow machine lowers the frame rate rather
    than adding delay.
    """

    def __init__(self, track: MediaStreamTrack, settings: VideoSettings | None = None, *,
                 clock: Clock = time.monotonic) -> None:
        if track.kind != "video":
            raise ValueError("a VideoSource reads a video track")
        self.settings = settings or VideoSettings()
        self.counters = SourceCounters()
        self._track = track
        self._clock = clock
        self._loop = asyncio.get_running_loop()
        self._slots: set[VideoSlot] = set()
        self._closed = False
        # Timeline: maps the track's media time onto the server clock (see _stamp).
        self._offset: float | None = None
        self._last_pts = -1
        self._next_due: float | None = None
        # Keyframe requests, all handled on the loop.
        self._keyframe_wanted = False
        self._last_keyframe_at = -float("inf")
        # The mailbox between the reader task and the encoder thread: at most one job.
        self._lock = threading.Lock()
        self._wakeup = threading.Condition(self._lock)
        self._pending: _Job | None = None
        self._stopping = False
        self._thread_done: asyncio.Future[None] = self._loop.create_future()
        # Started with the first frame someone may see: most cameras in a group stay off,
        # and a thread per idle camera m-line would be hundreds of threads on a busy node.
        self._thread: threading.Thread | None = None
        self._reader = self._loop.create_task(self._read(), name="hearth-video-source-reader")

    @property
    def encoders(self) -> int:
        """Encoders this source has open: 1 once it has encoded a frame, 0 after close."""
        return 0 if self._closed else min(1, self.counters.encoders_opened)

    @property
    def viewers(self) -> int:
        """How many slots show this source now."""
        return len(self._slots)

    @property
    def closed(self) -> bool:
        return self._closed

    def force_keyframe(self) -> None:
        """Make the next encoded frame a keyframe, rate-limited per source.

        At most one keyframe is forced per ``keyframe_min_interval``: a request inside
        that window is served by the first frame after it (requests collapse into one),
        and any keyframe the encoder produces anyway serves every request made before it.
        Safe to call as often as viewers ask.
        """
        self.counters.keyframe_requests += 1
        self._keyframe_wanted = True

    async def close(self) -> None:
        """Stop reading and encoding; the slots showing this source go blank. Idempotent."""
        if self._closed:
            await asyncio.shield(self._thread_done)
            return
        self._closed = True
        for slot in list(self._slots):
            slot._source_closed(self)
        self._slots.clear()
        self._reader.cancel()
        with self._lock:
            self._stopping = True
            self._pending = None
            self._wakeup.notify()
        try:
            await self._reader
        except asyncio.CancelledError:
            if not self._reader.cancelled():
                raise  # close itself was cancelled
        if self._thread is None:
            self._thread_finished()  # never started: nothing to wait for
        # The thread says it is done through the loop, so joining here cannot block it.
        await asyncio.shield(self._thread_done)
        if self._thread is not None:
            self._thread.join()

    async def __aenter__(self) -> VideoSource:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # Slots call these two.
    def _attach(self, slot: VideoSlot) -> None:
        if self._closed:
            raise RuntimeError("this source is closed")
        self._slots.add(slot)
        self.force_keyframe()

    def _detach(self, slot: VideoSlot) -> None:
        self._slots.discard(slot)

    async def _read(self) -> None:
        try:
            while True:
                frame = await self._track.recv()
                if isinstance(frame, av.VideoFrame):
                    self._accept(frame)
        except MediaStreamError:
            logger.debug("video source track ended")
        except Exception:
            # A broken track ends this source's reading, not close() or the loop.
            logger.exception("video source stopped reading its track")

    def _accept(self, frame: av.VideoFrame) -> None:
        self.counters.frames_received += 1
        if not self._slots:
            # A camera nobody may see (focus mode, or it is off) costs no encoding; the
            # first viewer's attach asks for a keyframe, so they start cleanly.
            self.counters.frames_unwatched += 1
            return
        now = self._clock()
        at = self._stamp(frame, now)
        if not self._due(at):
            self.counters.frames_dropped_rate += 1
            return
        pts = max(round(at * VIDEO_CLOCK_RATE), self._last_pts + 1)
        self._last_pts = pts
        keyframe = False
        if (self._keyframe_wanted
                and now - self._last_keyframe_at >= self.settings.keyframe_min_interval):
            keyframe = True
            self._keyframe_wanted = False
            self._last_keyframe_at = now
            self.counters.keyframes_forced += 1
        with self._lock:
            waiting = self._pending
            if waiting is not None:
                # The encoder is behind: the newer frame takes the older one's place,
                # and inherits its keyframe mark so a forced keyframe is not lost.
                self.counters.frames_dropped_busy += 1
                keyframe = keyframe or waiting.keyframe
            self._pending = _Job(frame, pts, keyframe)
            self._wakeup.notify()
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run_encoder,
                name=f"hearth-video-encoder-{next(_encoder_numbers)}", daemon=True)
            self._thread.start()

    def _stamp(self, frame: av.VideoFrame, now: float) -> float:
        """When on the server timeline this frame was captured.

        The track's own timestamps carry the publisher's frame spacing (smoother than
        arrival times, which the network and the decoder thread jitter). They are mapped
        onto the server clock with the smallest delay seen so far, so a stamp is never in
        the future; if the mapping falls more than a second behind (the publisher's clock
        runs slow, or its timestamps jumped), it starts again from now.
        """
        if frame.pts is None or frame.time_base is None:
            return now
        media = float(frame.pts * frame.time_base)
        if (self._offset is None or media + self._offset > now
                or now - (media + self._offset) > 1.0):
            self._offset = now - media
        return media + self._offset

    def _due(self, at: float) -> bool:
        """Frame-rate cap on stamps: keep a frame only when the next slot in time is reached."""
        interval = 1.0 / self.settings.max_fps
        # Frames come on the publisher's clock: accept one a few ms early rather than
        # drop every other frame of a stream that is already at the cap.
        tolerance = 0.2 * interval
        if self._next_due is not None and at < self._next_due - tolerance:
            return False
        if self._next_due is None or at - self._next_due >= interval:
            self._next_due = at + interval  # a gap (or the first frame): restart the grid
        else:
            self._next_due += interval
        return True

    def _run_encoder(self) -> None:
        encoder = VideoEncoder(self.settings)
        failed = False
        try:
            while True:
                with self._lock:
                    while self._pending is None and not self._stopping:
                        self._wakeup.wait()
                    if self._stopping:
                        return
                    job, self._pending = self._pending, None
                assert job is not None
                try:
                    packets, opened = encoder.encode(job.frame, job.pts, job.keyframe)
                except Exception:
                    # One line per failing source, not one per frame.
                    if not failed:
                        logger.exception("VP8 encode failed; frames are dropped until it works")
                    failed = True
                    self._call_on_loop(self._count_failure)
                    continue
                failed = False
                self._call_on_loop(self._publish, packets, opened)
        finally:
            self._call_on_loop(self._thread_finished)

    def _call_on_loop(self, callback: Callable[..., None], *args: Any) -> None:
        # A closed loop raises RuntimeError: then nobody is left to tell.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(callback, *args)

    def _count_failure(self) -> None:
        self.counters.encode_failures += 1

    def _thread_finished(self) -> None:
        if not self._thread_done.done():
            self._thread_done.set_result(None)

    def _publish(self, packets: list[VideoPacket], opened: bool) -> None:
        if self._closed:
            return
        if opened:
            self.counters.encoders_opened += 1
        for packet in packets:
            self.counters.frames_encoded += 1
            if packet.is_keyframe:
                self.counters.keyframes += 1
                # Every viewer attached before now receives this keyframe.
                self._keyframe_wanted = False
                self._last_keyframe_at = max(self._last_keyframe_at, self._clock())
            for slot in list(self._slots):
                slot._offer(packet)


@dataclass(slots=True)
class SlotCounters:
    """What a slot has done so far (event loop only)."""

    packets_sent: int = 0  # returned from recv
    packets_skipped: int = 0  # not passed while waiting for a keyframe
    packets_dropped: int = 0  # thrown away because the viewer fell behind
    resyncs: int = 0  # times the slot fell behind and waited for a keyframe
    switches: int = 0  # show() calls that changed the source


class VideoSlot(MediaStreamTrack):
    """One outgoing video track of one viewer: shows one source at a time, or nothing.

    A peer connection gets a fixed number of these, added once as send-only
    transceivers (codecs from ``vp8_codec_preferences``) with
    ``route_keyframe_requests`` applied to each sender; after that, cameras turning on
    and off are ``show`` calls, never a renegotiation.

    ``recv`` returns the source's shared ``av.Packet`` objects, unchanged. After a
    switch it passes nothing until the new source's next keyframe (and asks for one).
    With nothing to show it waits, and the sender sends nothing. A viewer that falls
    more than ``queue_size`` packets behind loses the backlog and resyncs at a keyframe
    (asked for when it reads again), so one slow connection never holds up the source
    or the other viewers, and a sender that is not reading at all costs them nothing.
    """

    kind = "video"

    def __init__(self, *, queue_size: int = 8) -> None:
        super().__init__()
        if queue_size < 1:
            raise ValueError("a slot holds at least one packet")
        self.counters = SlotCounters()
        self._queue_size = queue_size
        self._queue: deque[VideoPacket] = deque()
        self._ready = asyncio.Event()
        self._source: VideoSource | None = None
        self._awaiting_keyframe = True
        self._resync_pending = False
        self._last_pts = -1

    @property
    def source(self) -> VideoSource | None:
        """The source being shown, or None."""
        return self._source

    def show(self, source: VideoSource | None) -> None:
        """Carry ``source`` from its next keyframe on (None: send nothing).

        Packets of the previous source still waiting are dropped at once, so nothing of
        a camera that was just turned off or hidden is sent after this call.
        """
        if source is self._source:
            return
        if self.readyState != "live":
            raise RuntimeError("this slot has ended")
        if self._source is not None:
            self._source._detach(self)
        self._queue.clear()
        self._awaiting_keyframe = True
        self._resync_pending = False
        self._source = None
        self.counters.switches += 1
        if source is not None:
            source._attach(self)  # asks for a keyframe
            self._source = source

    def request_keyframe(self) -> None:
        """The viewer lost a picture (PLI/FIR): ask the shown source for a keyframe."""
        if self._source is not None:
            self._source.force_keyframe()

    async def recv(self) -> VideoPacket:
        """The next packet to send; waits while there is nothing to show."""
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            if self._queue:
                packet = self._queue.popleft()
                self.counters.packets_sent += 1
                return packet
            if self._resync_pending:
                # The viewer is reading again after falling behind: now a keyframe helps.
                self._resync_pending = False
                self.request_keyframe()
            self._ready.clear()
            await self._ready.wait()

    def stop(self) -> None:
        """End the slot (aiortc calls this when the sender stops); stops showing anything."""
        if self._source is not None:
            self._source._detach(self)
            self._source = None
        self._queue.clear()
        super().stop()
        self._ready.set()

    def _source_closed(self, source: VideoSource) -> None:
        if self._source is source:
            self._source = None
            self._queue.clear()
            self._awaiting_keyframe = True
            self._resync_pending = False

    def _offer(self, packet: VideoPacket) -> None:
        """A packet of the shown source: queue it unless it cannot be decoded by the viewer."""
        pts = packet.pts if packet.pts is not None else self._last_pts + 1
        if pts <= self._last_pts:
            # Only possible just after a switch: RTP timestamps must not go backwards.
            self.counters.packets_skipped += 1
            if self._awaiting_keyframe and packet.is_keyframe:
                self.request_keyframe()  # that keyframe was this slot's; ask again
            return
        if self._awaiting_keyframe:
            if not packet.is_keyframe:
                self.counters.packets_skipped += 1
                return
            self._awaiting_keyframe = False
            self._resync_pending = False
        if len(self._queue) >= self._queue_size:
            self._fall_behind(packet)
            if self._awaiting_keyframe:
                return
        self._queue.append(packet)
        self._last_pts = pts
        self._ready.set()

    def _fall_behind(self, incoming: VideoPacket) -> None:
        """The viewer is not keeping up: drop the backlog rather than the source's pace.

        Every VP8 frame refers to the one before, so dropping the oldest packets makes
        the rest undecodable until a keyframe: keep from the newest queued keyframe on
        if there is one, otherwise drop everything and wait for (and ask for) the next.
        """
        self.counters.resyncs += 1
        if incoming.is_keyframe:
            self.counters.packets_dropped += len(self._queue)
            self._queue.clear()
            return
        newest_keyframe = max((index for index, packet in enumerate(self._queue)
                               if packet.is_keyframe), default=0)
        if newest_keyframe > 0:
            for _ in range(newest_keyframe):
                self._queue.popleft()
                self.counters.packets_dropped += 1
            return
        self.counters.packets_dropped += len(self._queue) + 1
        self._queue.clear()
        self._awaiting_keyframe = True
        # Ask for the keyframe only once the viewer reads again (see recv): a sender that
        # is not reading at all (not connected yet, or stuck) would otherwise force a
        # keyframe on every viewer of the source each time its queue filled up.
        self._resync_pending = True


def route_keyframe_requests(sender: RTCRtpSender, slot: VideoSlot) -> None:
    """Send RTCP PLI/FIR arriving at ``sender`` (which sends ``slot``) to the slot's source.

    aiortc's sender answers PLI/FIR by calling ``self._send_keyframe()``, which only sets
    a flag that its own encoder reads; packets that arrive already encoded bypass that
    encoder, so the request would be dropped and a viewer that lost a packet would
    stay frozen until the periodic keyframe. An instance attribute of the same name
    shadows the method for this one sender.
    """
    if sender.kind != "video":
        raise ValueError("keyframe requests come to video senders")
    sender._send_keyframe = slot.request_keyframe  # type: ignore[method-assign]
