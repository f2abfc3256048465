"""One participant's peer connection with the server, and the track that carries their mix.

The server never forwards a participant's packets to anyone: their audio is decoded
(by aiortc's receiver) and handed to the room's mixer, which decides by the room's
rules whether anyone hears it. What they receive is ``MixTrack``: Opus packets the
room's mixer encoded, the same packet object for everyone who hears the shared mix.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import av
import numpy as np
from aiortc import MediaStreamTrack, RTCPeerConnection
from aiortc.mediastreams import MediaStreamError
from av.audio.stream import AudioStream

from server.media.routing import Slots
from server.media.types import FRAME_SAMPLES, Pcm
from server.media.video import VideoSlot, VideoSource

log = logging.getLogger("hearth.media")

# Packets a listener may have waiting: enough for a stalled sender loop to catch up,
# few enough that a listener never lags the room by more than 100 ms.
MIX_QUEUE = 5

# (participant, frame counter, samples): what the mixer's push takes.
FrameSink = Callable[[str, int, Pcm], None]


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


def mono(frame: av.AudioFrame) -> Pcm | None:
    """aiortc's Opus decoder gives 20 ms of interleaved s16 stereo; take one channel."""
    if frame.samples != FRAME_SAMPLES or frame.format.name != "s16":
        return None
    samples: Pcm = frame.to_ndarray().reshape(-1).astype(np.int16, copy=False)
    channels = len(frame.layout.channels)
    return np.ascontiguousarray(samples[::channels]) if channels > 1 else samples


class Peer:
    """A participant's single peer connection with the server."""

    def __init__(self, participant: str, conn: int, pc: RTCPeerConnection) -> None:
        self.participant = participant
        self.conn = conn
        self.pc = pc
        self.mix = MixTrack()
        self.frames_in = 0
        # DTLS transports whose state is watched (by id), so each is watched once.
        self.watched: set[int] = set()
        # Their camera as the server receives it (encoded once for every viewer).
        self.camera: VideoSource | None = None
        # Their fixed receive-only video slots: (mid, outgoing track), and who each shows.
        self.slots: list[tuple[str, VideoSlot]] = []
        self.showing: Slots = ()
        self._readers: set[asyncio.Task[None]] = set()
        self._closing: asyncio.Task[None] | None = None

    def read_audio(self, track: MediaStreamTrack, sink: FrameSink) -> None:
        """Feed every decoded frame of ``track`` to ``sink`` until the track ends."""
        task = asyncio.get_running_loop().create_task(self._read(track, sink),
                                                      name=f"media-in-{self.participant}")
        self._readers.add(task)
        task.add_done_callback(self._readers.discard)

    async def _read(self, track: MediaStreamTrack, sink: FrameSink) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            if not isinstance(frame, av.AudioFrame) or frame.pts is None:
                continue
            samples = mono(frame)
            if samples is None:
                continue  # not a 20 ms frame: nothing the mixer can line up
            self.frames_in += 1
            sink(self.participant, frame.pts // FRAME_SAMPLES, samples)

    def close(self) -> asyncio.Task[None]:
        """Close the connection (once); the task finishes when aiortc has let go of it."""
        if self._closing is None:
            self._closing = asyncio.get_running_loop().create_task(
                self._close(), name=f"media-close-{self.participant}")
        return self._closing

    async def _close(self) -> None:
        self.mix.stop()
        for _, slot in self.slots:
            slot.stop()
        for task in list(self._readers):
            task.cancel()
        if self.camera is not None:
            await self.camera.close()
        with contextlib.suppress(Exception):
            await self.pc.close()
        if self._readers:
            await asyncio.gather(*self._readers, return_exceptions=True)
