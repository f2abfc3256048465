"""Pre-encoded cameras for ``bench/media_capacity.py``'s load clients, and what a viewer saw.

A load client must cost the machine as little as possible, so no client encodes or, by
default, decodes video: ``camera_packets`` encodes a moving picture once (Hearth's own
``VideoEncoder``: VP8, 640x360, 15 fps, 400 kbps, the first frame a keyframe and no
other), and every camera's ``PacketCamera`` hands those same ``av.Packet`` objects to
aiortc, which packs them into RTP without re-encoding (``RTCRtpSender`` accepts packets
from ``recv()``, as it does from Hearth's ``VideoSlot``). The bank is 160 pictures (10.7 s)
of a pattern sliding 4 pixels a picture, so it loops seamlessly; every cycle starts again
at its keyframe, so the stream stays decodable, and a PLI or FIR from the server (its
decoder lost the picture) restarts the cycle at once, as a browser answers with a
keyframe.

``SlotVideo`` counts what one receive-only video slot of one viewer received, from the
RTP packets alone: frames (a new RTP timestamp), keyframes (the VP8 payload header of a
frame's first packet), gaps between frames while the slot shows someone, and how long
the slot took to show a frame after ``media.slots`` named someone new.
"""

from __future__ import annotations

import av
from aiortc.rtp import RtpPacket
from av.video.stream import VideoStream

from bench.media_audio import PacedTrack, SilentTrack
from bench.video_encode import pictures
from server.media.video import VIDEO_CLOCK_RATE, VideoEncoder, VideoSettings

WIDTH, HEIGHT = 640, 360
FPS = 15
FRAME_SECONDS = 1 / FPS
PTS_STEP = VIDEO_CLOCK_RATE // FPS
# 640 / 4 pixels a picture: the pattern is back where it started, so the loop has no jump.
BANK_FRAMES = WIDTH // 4
# A frame more than this after the previous one on a slot showing someone is a visible
# stall (four frame times at 15 fps).
VIDEO_GAP_MS = 250
VIDEO_GAP_NS = VIDEO_GAP_MS * 1_000_000


def camera_packets(frames: int = BANK_FRAMES) -> list[av.Packet[VideoStream]]:
    """The benchmark's camera: ``frames`` VP8 frames at 640x360, the first a keyframe."""
    # No periodic keyframe inside the bank: the cycle's own start is the only one.
    encoder = VideoEncoder(VideoSettings(keyframe_interval=600.0))
    packets: list[av.Packet[VideoStream]] = []
    for index, picture in enumerate(pictures(WIDTH, HEIGHT, count=frames)):
        produced, _ = encoder.encode(picture, index * PTS_STEP, index == 0)
        packets.extend(produced)
    if len(packets) != frames or not packets[0].is_keyframe:
        raise RuntimeError("the camera bank needs one packet a frame, starting at a keyframe")
    return packets


class PacketCamera(PacedTrack):
    """A video track whose ``recv()`` returns pre-encoded VP8 packets at 15 fps.

    Paced on absolute deadlines like ``PacketMicrophone``; the packets are shared by every
    camera of the process (``pts`` is set just before each is returned, and aiortc's
    sender packs it before it awaits anything else). ``request_keyframe`` (a PLI or FIR
    reaching the sender) makes the next frame the bank's keyframe.
    """

    kind = "video"
    period = FRAME_SECONDS

    def __init__(self, packets: list[av.Packet[VideoStream]]) -> None:
        super().__init__()
        self._packets = packets
        self._position = 0
        self.keyframe_requests = 0
        self.frames_sent = 0

    def request_keyframe(self) -> None:
        self.keyframe_requests += 1
        self._position = 0

    async def recv(self) -> av.Packet[VideoStream]:
        index = await self._next()
        packet = self._packets[self._position]
        self._position = (self._position + 1) % len(self._packets)
        packet.pts = index * PTS_STEP
        self.frames_sent += 1
        return packet


class CameraOff(SilentTrack):
    """A camera that is off: nothing is sent (the camera transceiver of a browser whose
    camera is off has no track)."""

    kind = "video"


def is_vp8_keyframe_start(payload: bytes) -> bool | None:
    """For the first RTP packet of a VP8 frame, whether the frame is a keyframe; None for
    any other packet (RFC 7741: the payload descriptor, then the VP8 header's P bit)."""
    if len(payload) < 2:
        return None
    first = payload[0]
    if not first & 0x10 or first & 0x07:  # S (start of a partition), partition 0
        return None
    offset = 1
    if first & 0x80:  # X: extension byte I L T K
        flags = payload[1]
        offset = 2
        if flags & 0x80:  # I: picture id, 7 or 15 bits
            offset += 2 if len(payload) > offset and payload[offset] & 0x80 else 1
        if flags & 0x40:  # L: TL0PICIDX
            offset += 1
        if flags & 0x30:  # T or K: TID/KEYIDX
            offset += 1
    if len(payload) <= offset:
        return None
    return not payload[offset] & 0x01  # P = 0: a keyframe


class Window:
    """The measured interval, in ``time.monotonic_ns``; shared by a process's probes."""

    def __init__(self) -> None:
        self.start = 2**62
        self.end = 2**62


class SlotVideo:
    """What one receive-only video slot (one ``mid``) of one viewer received."""

    __slots__ = ("first_frame_pending", "frames", "gaps", "keyframes", "last_frame_ns",
                 "last_timestamp", "max_gap", "mid", "packets", "showing", "since_ns",
                 "starts_ms", "switches", "window")

    def __init__(self, mid: str, window: Window) -> None:
        self.mid = mid
        self.window = window
        self.showing: str | None = None  # whose camera, by media.slots
        self.since_ns = 0  # when media.slots last changed what it shows
        self.first_frame_pending = False
        self.starts_ms: list[float] = []  # media.slots naming someone -> their first frame
        self.last_frame_ns = 0
        self.last_timestamp = -1
        # In the window:
        self.packets = self.frames = self.keyframes = self.gaps = self.max_gap = 0
        self.switches = 0

    def show(self, participant: str | None, now: int) -> None:
        if participant == self.showing:
            return
        self.showing = participant
        self.since_ns = now
        self.first_frame_pending = participant is not None
        self.last_frame_ns = 0  # a gap is between two frames of one camera
        if self.window.start <= now < self.window.end:
            self.switches += 1

    def arrived(self, packet: RtpPacket, now: int) -> None:
        window = self.window
        inside = window.start <= now < window.end
        if inside:
            self.packets += 1
        if packet.timestamp == self.last_timestamp:
            return  # another packet of the same frame
        self.last_timestamp = packet.timestamp
        if self.first_frame_pending:
            self.first_frame_pending = False
            self.starts_ms.append((now - self.since_ns) / 1e6)
        if inside:
            self.frames += 1
            if is_vp8_keyframe_start(packet.payload):
                self.keyframes += 1
            if self.last_frame_ns and self.showing is not None:
                gap = now - self.last_frame_ns
                if gap > VIDEO_GAP_NS:
                    self.gaps += 1
                self.max_gap = max(self.max_gap, gap)
        self.last_frame_ns = now
