"""server/media/peer.py: what stands in for aiortc's audio jitter buffer and decoder queue."""

from __future__ import annotations

from fractions import Fraction

import av
import av.audio.codeccontext
import pytest
from aiortc import RTCRtpHeaderExtensionParameters, RTCRtpParameters
from aiortc.rtp import HeaderExtensionsMap, RtpPacket
from av.audio.stream import AudioStream

from server.media.mixer import RoomMixer
from server.media.opus import OpusEncoder
from server.media.peer import InlineOpus, InOrder, LevelledFrame, opus_samples
from server.media.types import Roster, Seat
from tests.media.signals import tone


def packet(sequence: int, ssrc: int = 1) -> RtpPacket:
    rtp = RtpPacket(sequence_number=sequence, timestamp=sequence * 960, ssrc=ssrc)
    rtp._data = bytes([sequence % 256])  # type: ignore[attr-defined]
    return rtp


def passed(buffer: InOrder, *sequences: int) -> list[int]:
    out = []
    for sequence in sequences:
        _, frame = buffer.add(packet(sequence))
        if frame is not None:
            out.append(frame.timestamp // 960)
    return out


def test_each_packet_is_a_frame_at_once_in_order() -> None:
    assert passed(InOrder(), 1, 2, 3, 5, 6) == [1, 2, 3, 5, 6]  # a gap is the mixer's to fill


def test_late_and_duplicate_packets_are_dropped() -> None:
    assert passed(InOrder(), 10, 12, 11, 12, 13) == [10, 12, 13]


def test_sequence_numbers_wrap() -> None:
    assert passed(InOrder(), 65534, 65535, 0, 1, 65535) == [65534, 65535, 0, 1]


def test_a_new_stream_starts_afresh() -> None:
    buffer = InOrder()
    assert passed(buffer, 5000, 5001) == [5000, 5001]
    assert passed(buffer, 20, 21) == [20, 21]  # far behind: the sender started again
    _, frame = buffer.add(packet(22, ssrc=2))  # another stream
    assert frame is not None
    _, frame = buffer.add(packet(3, ssrc=3))
    assert frame is not None


# ---- the sender's level, and decoding only what the mixer wants ----------------

def audio_level_map() -> HeaderExtensionsMap:
    extensions = HeaderExtensionsMap()
    extensions.configure(RTCRtpParameters(headerExtensions=[RTCRtpHeaderExtensionParameters(
        id=2, uri="urn:ietf:params:rtp-hdrext:ssrc-audio-level")]))
    return extensions


def test_the_audio_level_header_comes_through_as_dbfs() -> None:
    extensions = audio_level_map()
    sent = RtpPacket(payload_type=111, sequence_number=7, timestamp=7 * 960, ssrc=1,
                     payload=b"\xfc\x00")
    sent.extensions.audio_level = (True, 30)  # voice, -30 dBov
    # Parsed from the wire as aiortc's transport parses it, with the negotiated map.
    received = RtpPacket.parse(sent.serialize(extensions), extensions)
    received._data = received.payload  # type: ignore[attr-defined]  # as aiortc's receiver sets it
    _, frame = InOrder().add(received)
    assert isinstance(frame, LevelledFrame) and frame.level == -30.0
    bare = RtpPacket.parse(RtpPacket(payload_type=111, sequence_number=8, timestamp=8 * 960,
                                     ssrc=1, payload=b"\xfc\x00").serialize(extensions),
                           extensions)
    bare._data = bare.payload  # type: ignore[attr-defined]
    _, frame = InOrder().add(bare)
    assert isinstance(frame, LevelledFrame) and frame.level is None


def test_a_decoder_decodes_what_the_mixer_wants_and_passes_on_the_rest() -> None:
    mixer = RoomMixer(Roster((Seat("f", facilitator=True),
                              *(Seat(p, microphone=True) for p in "abc"))), max_voices=1)
    encoder = OpusEncoder()
    louder = OpusEncoder()  # "c", who gets louder
    a, b, c = (InlineOpus(person, mixer) for person in "abc")
    speakers = []
    for index in range(40):
        encoded = bytes(encoder.encode(tone(440, 6000, index), index * 960)[0])
        a.put((None, LevelledFrame(encoded, index * 960, -17.0)))
        b.put((None, LevelledFrame(encoded, index * 960, -17.0)))
        soft = index < 30
        voice = bytes(louder.encode(tone(440, 6000 if soft else 30000, index), index * 960)[0])
        c.put((None, LevelledFrame(voice, index * 960, -17.0 if soft else -3.0)))
        speakers.append(mixer.tick(index * 0.02).speakers)
    # "a" took the one place and "b", as loud, was next in line: both decoded. "c", as
    # loud, waited undecoded until it was far louder, was decoded before it took the
    # place (from then on), and then one of "a" and "b" was next in line, the other not.
    assert speakers[10] == {"a"} and speakers[-1] == {"c"}
    assert all(d.frames + d.skipped == 40 for d in (a, b, c))
    assert b.frames >= 28 and a.frames >= 30
    assert c.skipped >= 28 and c.frames >= sum("c" in s for s in speakers) >= 5
    assert a.skipped + b.skipped >= 5
    assert a.level == -17.0 and c.level == -3.0
    stats = mixer.jitter_stats("c")
    assert stats is not None and stats.accepted == 40  # every frame filed, one way or the other
    quiet = InlineOpus("c", mixer)
    quiet.put((None, LevelledFrame(encoded, 41 * 960, -90.0)))  # mixed: decoded however quiet
    unsaid = InlineOpus("a", mixer)
    unsaid.put((None, LevelledFrame(encoded, 41 * 960, None)))  # no level: always decoded
    assert (quiet.frames, unsaid.frames) == (1, 1)


@pytest.mark.parametrize("milliseconds", [10, 20, 40, 60])
@pytest.mark.parametrize("application", ["voip", "lowdelay"])
def test_a_packet_s_length_is_read_from_its_header_as_the_decoder_finds_it(
        milliseconds: int, application: str) -> None:
    encoder = av.CodecContext.create("libopus", "w")
    assert isinstance(encoder, av.audio.codeccontext.AudioCodecContext)
    encoder.sample_rate, encoder.format, encoder.layout = 48_000, "s16", "mono"
    encoder.time_base = Fraction(1, 48_000)
    encoder.options = {"application": application, "frame_duration": str(milliseconds)}
    encoder.open()
    decoder = av.CodecContext.create("libopus", "r")
    packets: list[av.Packet[AudioStream]] = []
    for index in range(12):
        frame = av.AudioFrame.from_ndarray(tone(440, 6000, index).reshape(1, -1),
                                           format="s16", layout="mono")
        frame.sample_rate, frame.pts = 48_000, index * 960
        packets.extend(encoder.encode(frame))
    assert packets
    for packet in packets:
        decoded = sum(f.samples for f in decoder.decode(av.Packet(bytes(packet))))
        assert opus_samples(bytes(packet)) == decoded == milliseconds * 48
    assert opus_samples(b"") == 0 and opus_samples(b"\x03") == 0


def test_a_sender_of_60_ms_packets_not_decoded_still_fills_every_tick() -> None:
    mixer = RoomMixer(Roster((Seat("f", facilitator=True),
                              *(Seat(p, microphone=True) for p in "abc"))), max_voices=1)
    encoder = av.CodecContext.create("libopus", "w")
    assert isinstance(encoder, av.audio.codeccontext.AudioCodecContext)
    encoder.sample_rate, encoder.format, encoder.layout = 48_000, "s16", "mono"
    encoder.time_base = Fraction(1, 48_000)
    encoder.options = {"frame_duration": "60"}
    encoder.open()
    packets: list[bytes] = []
    for index in range(30):
        frame = av.AudioFrame.from_ndarray(tone(440, 6000, index).reshape(1, -1),
                                           format="s16", layout="mono")
        frame.sample_rate, frame.pts = 48_000, index * 960
        packets.extend(bytes(p) for p in encoder.encode(frame))
    c = InlineOpus("c", mixer)
    for index in range(3 * len(packets) + 10):
        for person in "ab":  # talking first: they hold the place and the line
            mixer.push_level(person, index, -17.0)
        started = index - 10
        if started >= 0 and started % 3 == 0:  # "c" as loud, in 60 ms packets
            c.put((None, LevelledFrame(packets[started // 3], started * 960, -17.0)))
        mixer.tick(index * 0.02)
    assert c.frames == 0 and c.skipped == 3 * len(packets)
    stats = mixer.jitter_stats("c")
    assert stats is not None and stats.accepted == 3 * len(packets) and stats.concealed == 0
