"""Pre-encoded microphone audio for ``bench/media_capacity.py``'s load clients.

A load client must cost the machine as little as possible, so no client encodes:
``speech_packets`` synthesises a speech-like signal once and encodes it once with
libopus (mono, 32 kbps, 20 ms, ``voip``, as a browser sends a microphone), and every
client's ``PacketMicrophone`` hands those same ``av.Packet`` objects to aiortc, which
packs them into RTP without re-encoding (``RTCRtpSender`` accepts packets from
``recv()``). Each client starts at a different place in the loop, so the talkers'
pauses do not line up.

The signal, per 20 ms frame: a voiced sound (a fundamental of 95-230 Hz with a slow
intonation drift, 24 harmonics shaped by two formants that move from syllable to
syllable) plus a little breath noise, under a syllable envelope of 4-6 syllables a
second; phrases of 1-3 s separated by pauses of 0.2-0.6 s in which only faint noise
(about -66 dBFS) remains. Talking frames are about -20 dBFS RMS with peaks near
-6 dBFS; about 80 % of the time is talking. It is not speech, but it is what a mixer and
a codec see of speech: a pitched, formant-shaped, bursty signal with gaps.
"""

from __future__ import annotations

import asyncio
import fractions
import time
from typing import NoReturn

import av
import av.audio.codeccontext
import numpy as np
from aiortc import RTCRtpCodecParameters, RTCRtpSender
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtcrtpsender import RTCEncodedFrame
from av.audio.stream import AudioStream

from server.media.opus import OpusEncoder
from server.media.pcm import level_dbfs

SAMPLE_RATE = 48_000
FRAME_SAMPLES = 960  # 20 ms
FRAME_SECONDS = FRAME_SAMPLES / SAMPLE_RATE
TIME_BASE = fractions.Fraction(1, SAMPLE_RATE)
# What browsers send for a mono microphone with default settings (about 32 kbps).
MIC_BITRATE = 32_000


def speech_signal(seconds: float, seed: int = 1) -> np.ndarray:
    """``seconds`` of speech-like mono int16 audio at 48 kHz (see the module docstring)."""
    rng = np.random.default_rng(seed)
    total = int(seconds * SAMPLE_RATE)
    out = np.zeros(total)
    pos = 0
    while pos < total:
        # One phrase: a few syllables, then a pause.
        f0_base = rng.uniform(95, 230)
        phrase_end = min(total, pos + int(rng.uniform(1.0, 3.0) * SAMPLE_RATE))
        while pos < phrase_end:
            length = int(rng.uniform(0.15, 0.25) * SAMPLE_RATE)
            stop = min(phrase_end, pos + length)
            n = stop - pos
            t = np.arange(n) / SAMPLE_RATE
            f0 = f0_base * (1 + 0.08 * np.sin(2 * np.pi * rng.uniform(1, 3) * t
                                               + rng.uniform(0, 6.28)))
            phase = 2 * np.pi * np.cumsum(f0) / SAMPLE_RATE
            formants = (rng.uniform(300, 900), rng.uniform(900, 2500))
            voiced = np.zeros(n)
            for k in range(1, 25):
                freq = k * f0_base
                if freq > 8000:
                    break
                gain = sum(1 / (1 + ((freq - f) / 150) ** 2) for f in formants) + 0.05
                voiced += gain / k ** 0.5 * np.sin(k * phase)
            breath = rng.normal(0, 0.08, n)
            envelope = np.sin(np.pi * np.arange(n) / n) ** 1.5  # one syllable's swell
            out[pos:stop] = (voiced + breath) * envelope
            pos = stop
        pos += int(rng.uniform(0.2, 0.6) * SAMPLE_RATE)  # the pause stays near-silent
    peak = np.max(np.abs(out)) or 1.0
    out = out / peak * 16_000  # peaks near -6 dBFS
    out += rng.normal(0, 16, total)  # faint room noise everywhere, about -66 dBFS
    return np.clip(np.rint(out), -32767, 32767).astype(np.int16)


def encode_opus(samples: np.ndarray, bitrate: int = MIC_BITRATE) -> list[av.Packet[AudioStream]]:
    """Encode mono int16 48 kHz audio as 20 ms Opus packets, one per frame (Hearth's own
    encoder, at a browser's microphone bitrate).

    Packets come back with ``pts`` and ``time_base`` set; ``PacketMicrophone``
    overwrites ``pts`` as it hands each one out.
    """
    encoder = OpusEncoder(bitrate)
    packets: list[av.Packet[AudioStream]] = []
    for index in range(len(samples) // FRAME_SAMPLES):
        chunk = samples[index * FRAME_SAMPLES:(index + 1) * FRAME_SAMPLES]
        packets.extend(encoder.encode(np.ascontiguousarray(chunk, dtype=np.int16),
                                      index * FRAME_SAMPLES))
    return packets


def speech_packets(seconds: float = 12.0, seed: int = 1) -> list[av.Packet[AudioStream]]:
    """The benchmark's microphone: ``seconds`` of speech-like audio as Opus packets."""
    return encode_opus(speech_signal(seconds, seed))


def speech_levels(seconds: float = 12.0, seed: int = 1) -> list[int]:
    """The level of each of ``speech_packets``' frames as a browser puts it in the RTP
    audio-level header (RFC 6464/6465: the frame's RMS in dBov, -127 to 0)."""
    samples = speech_signal(seconds, seed)
    frames = samples[:len(samples) // FRAME_SAMPLES * FRAME_SAMPLES].reshape(-1, FRAME_SAMPLES)
    return [round(max(level_dbfs(frame), -127.0)) for frame in frames]


def send_levels(sender: RTCRtpSender, microphone: PacketMicrophone) -> None:
    """Make ``sender`` put each packet's level in the RTP audio-level header, as a
    browser does (aiortc measures the level only of frames it encodes itself, and the
    load clients send packets encoded once)."""
    take = sender._next_encoded_frame

    async def with_level(codec: RTCRtpCodecParameters) -> RTCEncodedFrame | None:
        frame = await take(codec)
        if frame is not None and microphone.level is not None:
            frame.audio_level = microphone.level
        return frame

    sender._next_encoded_frame = with_level  # type: ignore[method-assign]


class PacedTrack(MediaStreamTrack):
    """A track of pre-encoded packets, one every ``period`` seconds, paced on absolute
    deadlines (``start + n × period``) so that a late wake-up does not make the stream
    drift; ``lateness_max`` is the latest a packet went out (the load process's own stalls,
    which would show as gaps at the listeners too)."""

    period = FRAME_SECONDS

    def __init__(self) -> None:
        super().__init__()
        self._index = 0
        self._start: float | None = None
        self.lateness_max = 0.0

    async def _next(self) -> int:
        """Wait for the next packet's moment; its number from 0."""
        if self.readyState != "live":
            raise MediaStreamError
        now = time.monotonic()
        if self._start is None:
            self._start = now
        due = self._start + self._index * self.period
        if due > now:
            await asyncio.sleep(due - now)
        else:
            self.lateness_max = max(self.lateness_max, now - due)
        self._index += 1
        return self._index - 1


class PacketMicrophone(PacedTrack):
    """An audio track whose ``recv()`` returns pre-encoded Opus packets every 20 ms.

    The packets are shared between all the clients of a process: ``pts`` is set just
    before each is returned, and aiortc's sender reads it before it awaits anything else.
    """

    kind = "audio"

    def __init__(self, packets: list[av.Packet[AudioStream]], offset: int,
                 levels: list[int] | None = None) -> None:
        super().__init__()
        self._packets = packets
        self._levels = levels
        self._offset = offset
        self.level: int | None = None  # the last packet's (``send_levels``)

    async def recv(self) -> av.Packet[AudioStream]:
        index = await self._next()
        at = (self._offset + index) % len(self._packets)
        packet = self._packets[at]
        packet.pts = index * FRAME_SAMPLES
        if self._levels is not None:
            self.level = self._levels[at]
        return packet


class SilentTrack(MediaStreamTrack):
    """A track that is off: its ``recv()`` never returns, so nothing is sent on its
    transceiver (as on a browser's with no track); the subclass says which ``kind``."""

    async def recv(self) -> NoReturn:
        await asyncio.get_running_loop().create_future()  # until the sender is stopped
        raise AssertionError("unreachable")


class MutedMicrophone(SilentTrack):
    """A microphone that is off: a listener's transceiver, as a browser's with no
    microphone track."""

    kind = "audio"
