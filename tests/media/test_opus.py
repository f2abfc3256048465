"""One Opus encoder per mix: speech settings, tick-clock timestamps, packets aiortc can send."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import av
import av.audio.codeccontext
import numpy as np
import pytest
from aiortc.codecs.opus import OpusEncoder as AiortcOpusEncoder

from server.media.opus import OpusEncoder
from server.media.types import Pcm
from tests.media.signals import amplitude_at, spectral_peaks, tone


def decode(packets: list[av.Packet[Any]]) -> np.ndarray:
    decoder = av.CodecContext.create("libopus", "r")
    assert isinstance(decoder, av.audio.codeccontext.AudioCodecContext)
    decoder.sample_rate = 48_000
    decoder.format = "s16"
    decoder.layout = "mono"
    frames = [frame.to_ndarray()[0] for packet in packets for frame in decoder.decode(packet)]
    return np.concatenate(frames)


def encode(signal: list[Pcm], bitrate: int = 28_000) -> list[av.Packet[Any]]:
    encoder = OpusEncoder(bitrate)
    packets = []
    for index, frame in enumerate(signal):
        produced = encoder.encode(frame, pts=index * 960)
        assert len(produced) == 1  # one packet per tick, none held back
        packets += produced
    return packets


def test_a_tone_survives_encoding_and_decoding() -> None:
    packets = encode([tone(440, 10_000, n) for n in range(50)])
    decoded = decode(packets)[960 * 5:]  # past the codec's start-up
    assert spectral_peaks(decoded, 1) == pytest.approx([440], abs=3)
    assert amplitude_at(decoded, 440) == pytest.approx(10_000, rel=0.1)


def test_mix_minus_survives_the_codec() -> None:
    """Encoding does not bring back a voice the mix left out."""
    packets = encode([tone(880, 8000, n) for n in range(50)])
    decoded = decode(packets)[960 * 5:]
    assert amplitude_at(decoded, 880) > 0.9 * 8000
    assert amplitude_at(decoded, 440) < 0.01 * 8000


def test_packets_carry_the_tick_clock_and_fit_the_bitrate() -> None:
    packets = encode([tone(440, 10_000, n) for n in range(50)], bitrate=28_000)
    assert [p.pts for p in packets] == [n * 960 for n in range(50)]
    assert all(p.time_base == Fraction(1, 48_000) for p in packets)
    bits_per_second = sum(p.size for p in packets) * 8 / 1.0  # 50 packets: one second
    assert 20_000 < bits_per_second < 36_000  # VBR wanders around the target


def test_one_packet_can_be_handed_to_several_aiortc_senders() -> None:
    """aiortc's sender packs an ``av.Packet`` itself; packing leaves it unchanged."""
    packet = OpusEncoder().encode(tone(440, 10_000, 7), pts=7 * 960)[0]
    first, second = AiortcOpusEncoder(), AiortcOpusEncoder()
    assert first.pack(packet) == second.pack(packet) == ([bytes(packet)], 7 * 960)


def test_lower_complexity_still_carries_the_tone() -> None:
    encoder = OpusEncoder(complexity=0)
    packets = [encoder.encode(tone(440, 10_000, n), pts=n * 960)[0] for n in range(30)]
    assert spectral_peaks(decode(packets)[960 * 5:], 1) == pytest.approx([440], abs=3)


@pytest.mark.parametrize("bitrate, loss, complexity", [
    (5_000, 10, 10), (28_000, 101, 10), (28_000, 10, 11),
])
def test_settings_are_checked(bitrate: int, loss: int, complexity: int) -> None:
    with pytest.raises(ValueError):
        OpusEncoder(bitrate, expected_loss_percent=loss, complexity=complexity)


def test_a_wrong_frame_is_refused() -> None:
    with pytest.raises(ValueError):
        OpusEncoder().encode(np.zeros(480, dtype=np.int16), pts=0)
