"""Encode a mix once, as speech-sized Opus, into packets any number of senders can share.

aiortc's own audio encoder is 96 kbps stereo and one per sender. Here one encoder
serves one *mix*: the room's full mix is encoded once per tick and the same
``av.Packet`` goes to every listener's ``RTCRtpSender`` (which accepts packets and
takes the RTP timestamp from ``pts``); each speaker's mix-minus has an encoder of its
own. All of them stamp packets with the mixer's tick clock, ``pts = tick.index * 960``,
so a listener can be switched between the shared and a personal stream without a jump
in their RTP timestamps.
"""

from __future__ import annotations

from fractions import Fraction

import av
import av.audio.codeccontext
from av.audio.stream import AudioStream

from server.media.pcm import check_frame
from server.media.types import FRAME_MS, FRAME_SAMPLES, SAMPLE_RATE, Pcm

TIME_BASE = Fraction(1, SAMPLE_RATE)
# Mono speech is transparent at 24-32 kbps; 28 leaves room either side.
DEFAULT_BITRATE = 28_000
# Browsers' network estimates rarely see more; Opus FEC is tuned for this much loss.
DEFAULT_EXPECTED_LOSS = 10
# libopus's own default and best quality. Measured here (bench/media_mixer.py, one mix):
# about 210 us per 20 ms frame at 10, 150 us at 5, 70 us at 0; lower it only if encoding
# many personal mixes at once does not fit the CPU budget.
DEFAULT_COMPLEXITY = 10


class OpusEncoder:
    """One Opus stream: 48 kHz mono, 20 ms frames, VBR, in-band FEC, voice mode.

    ``encode`` takes exactly one tick's frame and returns its packet(s): libopus emits
    one packet per 20 ms frame (its 6.5 ms look-ahead shows as a constant delay, not as a
    missing packet), each stamped with the ``pts`` given.
    """

    def __init__(self, bitrate: int = DEFAULT_BITRATE, *,
                 expected_loss_percent: int = DEFAULT_EXPECTED_LOSS,
                 complexity: int = DEFAULT_COMPLEXITY) -> None:
        if not 6_000 <= bitrate <= 510_000:
            raise ValueError("Opus bitrates run from 6 to 510 kbps")
        if not 0 <= expected_loss_percent <= 100:
            raise ValueError("expected_loss_percent is a percentage")
        if not 0 <= complexity <= 10:
            raise ValueError("Opus complexity runs from 0 to 10")
        codec = av.CodecContext.create("libopus", "w")
        assert isinstance(codec, av.audio.codeccontext.AudioCodecContext)
        codec.bit_rate = bitrate
        codec.sample_rate = SAMPLE_RATE
        codec.format = "s16"
        codec.layout = "mono"
        codec.time_base = TIME_BASE
        codec.options = {
            "application": "voip",
            "frame_duration": str(FRAME_MS),
            "vbr": "on",
            "fec": "1",
            "packet_loss": str(expected_loss_percent),
            "compression_level": str(complexity),  # FFmpeg's name for Opus complexity
        }
        codec.open()
        # FFmpeg leaves options it did not recognise in place: a misspelt one would
        # otherwise silently fall back to a default.
        if codec.options:
            raise RuntimeError(f"libopus ignored options {codec.options}")
        self._codec = codec
        self.bitrate = bitrate

    def encode(self, samples: Pcm, pts: int) -> list[av.Packet[AudioStream]]:
        """Encode one frame (960 int16 samples, else ``ValueError``) stamped ``pts``.

        The packets are ready for ``RTCRtpSender``: ``pts`` in 1/48000 s and
        ``time_base`` set. Do not change them after handing them to a sender.
        """
        check_frame(samples)
        frame = av.AudioFrame.from_ndarray(
            samples.reshape(1, FRAME_SAMPLES), format="s16", layout="mono",
        )
        frame.sample_rate = SAMPLE_RATE
        frame.pts = pts
        frame.time_base = TIME_BASE
        packets = self._codec.encode(frame)
        for packet in packets:
            # FFmpeg shifts pts back by the encoder's look-ahead (it starts negative);
            # the tick clock is what keeps shared and personal streams aligned.
            packet.pts = pts
            packet.time_base = TIME_BASE
        return packets
