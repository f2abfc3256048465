"""One participant's peer connection with the server, and the track that carries their mix.

The server never forwards a participant's packets to anyone: their audio is decoded
(here, on the loop, when the mixer may use it; else only its level is passed on) and
handed to the room's mixer, which decides by the room's rules whether anyone hears it.
What they receive is ``MixTrack``: Opus packets the room's mixer encoded, the same packet
object for everyone who hears the shared mix.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from datetime import datetime

import av
import av.audio.codeccontext
import numpy as np
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCRtpReceiver
from aiortc.jitterbuffer import JitterFrame
from aiortc.mediastreams import MediaStreamError
from aiortc.rtp import RtpPacket
from av.audio.stream import AudioStream

from server.media.mixer import RoomMixer
from server.media.routing import Slots
from server.media.types import FRAME_SAMPLES, SAMPLE_RATE, LinkStats, Pcm
from server.media.video import VideoSlot, VideoSource

log = logging.getLogger("hearth.media")

# Packets a listener may have waiting: enough for a stalled sender loop to catch up,
# few enough that a listener never lags the room by more than 100 ms.
MIX_QUEUE = 5


class LevelledFrame(JitterFrame):
    """An encoded frame with its sender's level from the RTP audio-level header (dBFS;
    ``None`` without one)."""

    def __init__(self, data: bytes, timestamp: int, level: float | None) -> None:
        super().__init__(data=data, timestamp=timestamp)
        self.level = level


class MixTrack(MediaStreamTrack):
    """Outgoing audio: encoded mix packets, handed to aiortc's sender as they are.

    ``RTCRtpSender`` packs an ``av.Packet`` without re-encoding and stamps RTP time
    from its ``pts`` (the mixer's tick clock), so one packet can go to many senders.
    """

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self._queue: asyncio.Queue[av.Packet[AudioStream]] = asyncio.Queue(MIX_QUEUE)
        self.sent = 0

    def put(self, packet: av.Packet[AudioStream]) -> None:
        if self._queue.full():
            self._queue.get_nowait()  # the oldest is the least useful
        self._queue.put_nowait(packet)

    async def recv(self) -> av.Packet[AudioStream]:
        if self.readyState != "live":
            raise MediaStreamError
        packet = await self._queue.get()
        self.sent += 1
        return packet


class InlineOpus:
    """Decodes a receiver's Opus frames on the event loop, straight into the mixer, when
    the mixer wants them (``RoomMixer.wants``), else passes on the sender's level alone.

    aiortc gives every receiver a decoder thread fed through a ``queue.Queue``, and
    hands each decoded frame back to the loop with ``run_coroutine_threadsafe``: two
    thread hops per 20 ms per speaker, which measured as a third of a 12-person room's
    CPU (docs/performance.md "Media"), while decoding itself is about 20 us. This object
    takes the queue's place: ``put`` is called on the loop with each reassembled frame,
    so it decodes there and pushes to the mixer. The thread aiortc still starts waits in
    ``get`` until the receiver stops, then ends as it would have.

    A frame that is not decoded leaves the decoder behind its stream; when decoding
    resumes, the packet before (kept) is decoded first and thrown away, so the decoder
    has its recent past again, as after a single lost packet.
    """

    def __init__(self, participant: str, mixer: RoomMixer) -> None:
        self.participant = participant
        self.frames = 0  # frames decoded and handed to the mixer
        self.skipped = 0  # frames passed on by their level alone
        self.failures = 0
        self.level: float | None = None  # the sender's level in the last packet, if given
        self._mixer = mixer
        # The previous packet, while packets are being skipped.
        self._behind: bytes | None = None
        self._codec = av.CodecContext.create("libopus", "r")
        assert isinstance(self._codec, av.audio.codeccontext.AudioCodecContext)
        self._codec.format = "s16"
        self._codec.layout = "mono"
        self._codec.sample_rate = 48_000
        self._stopped = threading.Event()

    def put(self, item: tuple[object, JitterFrame] | None) -> None:
        if item is None:
            self._stopped.set()
            return
        _, encoded = item
        sequence = encoded.timestamp // FRAME_SAMPLES
        level = self.level = encoded.level if isinstance(encoded, LevelledFrame) else None
        mixer = self._mixer
        if level is not None and not mixer.wants(self.participant, level):
            # As many ticks as the packet holds (browsers send 20 ms, one), as decoding
            # it would have given; a length that is not whole ticks gives none.
            ticks, extra = divmod(opus_samples(encoded.data), FRAME_SAMPLES)
            for offset in range(ticks if not extra else 0):
                mixer.push_level(self.participant, sequence + offset, level)
                self.skipped += 1
            self._behind = encoded.data
            return
        if self._behind is not None:
            self._decode(self._behind)  # its output was heard by nobody: only its state
            self._behind = None
        for frame in self._decode(encoded.data):
            # Mono s16: one plane, read in place (to_ndarray stacks planes, a copy).
            samples: Pcm = np.frombuffer(memoryview(frame.planes[0]), dtype=np.int16,
                                         count=frame.samples)
            # Browsers send 20 ms; a client sending 40 or 60 ms packets is cut into
            # ticks. Anything else cannot line up with the mixer's 20 ms and is dropped.
            if len(samples) % FRAME_SAMPLES:
                continue
            for start in range(0, len(samples), FRAME_SAMPLES):
                self.frames += 1
                mixer.push(self.participant, sequence, samples[start:start + FRAME_SAMPLES],
                           level)
                sequence += 1

    def _decode(self, data: bytes) -> list[av.AudioFrame]:
        try:
            return self._codec.decode(av.Packet(data))
        except av.FFmpegError:
            self.failures += 1
            if self.failures == 1 or self.failures % 3000 == 0:
                log.warning("undecodable audio", extra={"failures": self.failures})
            return []

    def get(self) -> None:
        """What aiortc's decoder thread waits on: nothing, until the receiver stops."""
        self._stopped.wait()



# Samples at 48 kHz in one Opus frame, by the TOC byte's configuration number (RFC 6716,
# 3.1): SILK 10/20/40/60 ms, hybrid 10/20 ms, CELT 2.5/5/10/20 ms.
_OPUS_FRAME_SAMPLES = (
    *(480, 960, 1920, 2880) * 3, *(480, 960) * 2, *(120, 240, 480, 960) * 4)


def opus_samples(packet: bytes) -> int:
    """Samples (48 kHz) an Opus packet decodes to, from its TOC byte and frame count
    (RFC 6716, 3.1-3.2: code 0 one frame, 1 and 2 two, 3 a count in the next byte);
    0 for a packet too short to say. PyAV has no such call, and decoding is what
    a packet not wanted is spared."""
    if not packet:
        return 0
    toc = packet[0]
    code = toc & 0x3
    if code == 0:
        count = 1
    elif code in (1, 2):
        count = 2
    elif len(packet) > 1:
        count = packet[1] & 0x3F
    else:
        return 0
    return _OPUS_FRAME_SAMPLES[toc >> 3] * count


# A packet this far behind the last one is a stream that started again, not a late one.
RESTART_DISTANCE = 1000


class InOrder:
    """Stands in for aiortc's audio jitter buffer: each packet is a frame at once.

    aiortc's buffer holds four packets (80 ms) before it releases the first, in front of
    the mixer's own jitter buffer, which already reorders, fills gaps and holds 40 ms.
    Here a packet goes straight to the decoder, unless it is older than one already
    decoded (an Opus decoder must see its stream in order): the mixer conceals it.
    """

    def __init__(self) -> None:
        self._last: int | None = None
        self._ssrc: int | None = None

    def add(self, packet: RtpPacket) -> tuple[bool, JitterFrame | None]:
        sequence = packet.sequence_number
        behind = (self._last - sequence) % 65536 if self._last is not None else 0
        if packet.ssrc != self._ssrc or behind > RESTART_DISTANCE:
            self._ssrc, self._last, behind = packet.ssrc, None, 0  # a new stream
        if behind > 0:
            return False, None  # late: its turn has passed
        if sequence == self._last:
            return False, None  # a duplicate
        self._last = sequence
        # RFC 6464: the level in -dBov, 0 (loudest) to 127 (silence or quieter), which is
        # dBFS of the frame's RMS as the mixer measures it.
        told = packet.extensions.audio_level
        level = -float(told[1]) if told is not None else None
        return False, LevelledFrame(packet._data, packet.timestamp, level)  # type: ignore[attr-defined]


def decode_inline(receiver: RTCRtpReceiver, decoder: InlineOpus) -> None:
    """Make ``receiver`` decode on the loop through ``decoder``, each packet as it
    arrives (call before the receiver starts)."""
    receiver._RTCRtpReceiver__decoder_queue = decoder  # type: ignore[attr-defined]
    receiver._RTCRtpReceiver__jitter_buffer = InOrder()  # type: ignore[attr-defined]


class Peer:
    """A participant's single peer connection with the server."""

    def __init__(self, participant: str, conn: int, pc: RTCPeerConnection) -> None:
        self.participant = participant
        self.conn = conn
        self.pc = pc
        self.mix = MixTrack()
        # The microphone's decoder, on the loop (see InlineOpus).
        self.decoder: InlineOpus | None = None
        # DTLS transports whose state is watched (by id), so each is watched once.
        self.watched: set[int] = set()
        # Trickled candidates so far (capped: each makes the server send checks).
        self.candidates = 0
        self.closing = False
        # Their camera as the server receives it (encoded once for every viewer).
        self.camera: VideoSource | None = None
        # Their fixed receive-only video slots: (mid, outgoing track), and who each shows.
        self.slots: list[tuple[str, VideoSlot]] = []
        self.showing: Slots = ()
        self._closing: asyncio.Task[None] | None = None
        # The microphone's cumulative (received, lost) at the last link_stats reading.
        self._inbound_seen: tuple[int, int] = (0, 0)

    @property
    def frames_in(self) -> int:
        """Microphone frames handed to the mixer (heard or not), decoded or known by
        their level alone."""
        return self.decoder.frames + self.decoder.skipped if self.decoder is not None else 0

    async def link_stats(self, now: datetime) -> LinkStats | None:
        """The audio link as RTCP describes it now (``now``: aware UTC), or None before
        the audio m-line is set up. Reads what aiortc keeps from each receiver report
        (``RTCRtpSender.getStats``: remote-inbound-rtp) and from the packets received
        (``RTCRtpReceiver.getStats``: inbound-rtp); neither suspends, so reading every
        peer of a room every few seconds costs microseconds and starts no task."""
        audio = next((t for t in self.pc.getTransceivers()
                      if t.kind == "audio" and t.sender.track is self.mix), None)
        if audio is None or self.closing:
            return None
        try:
            sent = await audio.sender.getStats()
            received = await audio.receiver.getStats()
        except Exception:  # a transport not started yet, or going away
            return None
        round_trip, loss, jitter, age = None, 0.0, 0.0, None
        for stats in sent.values():
            if stats.type == "remote-inbound-rtp":
                round_trip = getattr(stats, "roundTripTime", None)
                loss = getattr(stats, "fractionLost", 0) / 256  # RFC 3550: 8-bit fixed point
                jitter = stats.jitter / SAMPLE_RATE  # Opus's RTP clock is 48 kHz
                age = max(0.0, (now - stats.timestamp).total_seconds())
        for stats in received.values():
            if stats.type == "inbound-rtp":
                got, lost = stats.packetsReceived, stats.packetsLost
                got_before, lost_before = self._inbound_seen
                self._inbound_seen = (got, lost)
                expected = (got - got_before) + (lost - lost_before)
                if expected > 0 and lost > lost_before:
                    loss = max(loss, (lost - lost_before) / expected)
                jitter = max(jitter, stats.jitter / SAMPLE_RATE)
        return LinkStats(round_trip=round_trip, loss=loss, jitter=jitter, report_age=age)

    def close(self) -> asyncio.Task[None]:
        """Close the connection (once); the task finishes when aiortc has let go of it."""
        if self._closing is None:
            self._closing = asyncio.get_running_loop().create_task(
                self._close(), name=f"media-close-{self.participant}")
        return self._closing

    async def _close(self) -> None:
        self.closing = True
        self.mix.stop()
        for _, slot in self.slots:
            slot.stop()
        if self.camera is not None:
            await self.camera.close()
        with contextlib.suppress(Exception):
            await self.pc.close()
        if self.camera is not None and not self.camera.closed:
            await self.camera.close()  # made while the connection was closing
