"""Real aiortc clients for the media tests: a tone on the microphone, FFT on what arrives.

Each ``MediaClient`` is a protocol client (``tests.harness.Client``) plus one
``RTCPeerConnection`` with the server, made the way a browser would: one audio
transceiver (``sendrecv`` with a microphone track, or ``recvonly`` to listen only),
optionally a camera transceiver and receive-only video slots, an offer, the server's answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import math
import time
from collections import deque
from typing import Any

import av
import numpy as np
from aiortc import (
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError

from tests.harness import Client, SuiteHarness

RATE = 48_000
SAMPLES = 960
TIME_BASE = fractions.Fraction(1, RATE)


class ToneTrack(MediaStreamTrack):
    """A microphone that plays a steady sine at ``freq`` Hz (-12 dBFS), paced in real time."""

    kind = "audio"

    def __init__(self, freq: float, amplitude: float = 0.25) -> None:
        super().__init__()
        self.freq = freq
        self.amplitude = amplitude
        self._pts = 0
        self._start: float | None = None

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        wait = self._start + self._pts / RATE - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        t = (self._pts + np.arange(SAMPLES)) / RATE
        wave = self.amplitude * 32767 * np.sin(2 * math.pi * self.freq * t)
        frame = av.AudioFrame.from_ndarray(wave.astype(np.int16).reshape(1, -1),
                                           format="s16", layout="mono")
        frame.sample_rate = RATE
        frame.pts = self._pts
        frame.time_base = TIME_BASE
        self._pts += SAMPLES
        return frame


class ColourTrack(MediaStreamTrack):
    """A camera showing one solid colour, 320x240 at 15 frames a second."""

    kind = "video"

    def __init__(self, rgb: tuple[int, int, int]) -> None:
        super().__init__()
        self.rgb = rgb
        self._count = 0
        self._start: float | None = None

    async def recv(self) -> av.VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        wait = self._start + self._count / 15 - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        image = np.empty((240, 320, 3), dtype=np.uint8)
        image[:] = self.rgb
        frame = av.VideoFrame.from_ndarray(image, format="rgb24")
        frame.pts = self._count * 6000
        frame.time_base = fractions.Fraction(1, 90_000)
        self._count += 1
        return frame


def colour_of(frame: av.VideoFrame) -> tuple[int, int, int]:
    mean = frame.to_ndarray(format="rgb24").reshape(-1, 3).mean(axis=0)
    return (int(mean[0]), int(mean[1]), int(mean[2]))


class Heard:
    """What one client's speaker received: the last few seconds of decoded mono audio."""

    def __init__(self, seconds: float = 3.0) -> None:
        self.frames: deque[tuple[float, np.ndarray[Any, Any]]] = deque(
            maxlen=int(seconds * RATE / SAMPLES))
        self.count = 0

    def add(self, frame: av.AudioFrame) -> None:
        samples = frame.to_ndarray().reshape(-1)
        channels = len(frame.layout.channels)
        self.frames.append((time.monotonic(), samples[::channels].astype(np.float64)))
        self.count += 1

    def since(self, moment: float) -> np.ndarray[Any, Any]:
        parts = [samples for at, samples in self.frames if at >= moment]
        return np.concatenate(parts) if parts else np.zeros(0)

    def level(self, freq: float, since: float) -> float:
        """Amplitude (0..1 of full scale) of ``freq`` in what arrived after ``since``."""
        audio = self.since(since)
        if len(audio) < SAMPLES * 5:
            return 0.0
        window = np.hanning(len(audio))
        spectrum = np.abs(np.fft.rfft(audio * window)) / (window.sum() / 2) / 32767
        freqs = np.fft.rfftfreq(len(audio), 1 / RATE)
        band = (freqs > freq - 15) & (freqs < freq + 15)
        return float(spectrum[band].max())


# Hearing a tone: its amplitude in the spectrum is well above what codec noise leaves.
AUDIBLE = 0.02


class MediaClient:
    def __init__(self, client: Client, *, tone: float | None = None, listen_only: bool = False,
                 camera: MediaStreamTrack | None = None, slots: int = 0,
                 configuration: RTCConfiguration | None = None) -> None:
        self.client = client
        # As browsers do: every m-line on one transport. (aiortc's "balanced" default
        # leaves all but the first video m-line on a transport BUNDLE then stops.)
        # A test may give its own (ICE servers, relay only): max-bundle there too.
        self.pc = RTCPeerConnection(
            configuration or RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        self.heard = Heard()
        self.mic = ToneTrack(tone) if tone is not None else None
        self.listen_only = listen_only
        self.camera = camera
        self.slots = slots
        self.answer_sdp: str | None = None
        self.video_frames: dict[str, list[av.VideoFrame]] = {}
        self._tasks: list[asyncio.Task[None]] = []

    async def connect(self, timeout: float = 10.0) -> None:
        pc = self.pc

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            if track.kind == "audio":
                self._tasks.append(asyncio.ensure_future(self._listen(track)))
            else:
                mid = next(t.mid for t in pc.getTransceivers() if t.receiver.track is track)
                self._tasks.append(asyncio.ensure_future(self._watch(str(mid), track)))

        if self.listen_only or self.mic is None:
            pc.addTransceiver("audio", direction="recvonly")
        else:
            pc.addTransceiver(self.mic, direction="sendrecv")
        if self.camera is not None:
            pc.addTransceiver(self.camera, direction="sendonly")
        for _ in range(self.slots):
            pc.addTransceiver("video", direction="recvonly")
        await pc.setLocalDescription(await pc.createOffer())
        await self.client.send("media.offer", sdp=pc.localDescription.sdp, ref="offer")
        answer = await self.client.expect("media.answer", timeout=timeout)
        self.answer_sdp = answer["sdp"]
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))

    async def _listen(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                assert isinstance(frame, av.AudioFrame)
                self.heard.add(frame)

    async def _watch(self, mid: str, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                assert isinstance(frame, av.VideoFrame)
                frames = self.video_frames.setdefault(mid, [])
                frames.append(frame)
                del frames[:-5]

    def colours(self) -> dict[str, tuple[int, int, int]]:
        """The colour each video slot (by mid) showed last."""
        return {mid: colour_of(frames[-1]) for mid, frames in self.video_frames.items()
                if frames}

    async def mic_on(self) -> None:
        await self.client.send("media.state", audio=True, video=self.camera is not None,
                               ref="mic")
        await self.client.expect("ack", ref="mic")

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await self.pc.close()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def media_of(hs: SuiteHarness) -> Any:
    """The server's media service (the server runs in this process, on its own loop)."""
    return hs.server.app.state.services.hub.media


async def until(check: Any, timeout: float = 5.0, every: float = 0.05) -> float:
    """Poll ``check()`` until true; returns the seconds it took (AssertionError on timeout)."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not true within {timeout}s: {check}")
        await asyncio.sleep(every)
    return time.monotonic() - start
