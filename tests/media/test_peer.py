"""server/media/peer.py: what stands in for aiortc's audio jitter buffer and decoder queue."""

from __future__ import annotations

from aiortc import RTCRtpHeaderExtensionParameters, RTCRtpParameters
from aiortc.rtp import HeaderExtensionsMap, RtpPacket

from server.media.mixer import RoomMixer
from server.media.opus import OpusEncoder
from server.media.peer import InlineOpus, InOrder, LevelledFrame
from server.media.types import Pcm, Roster, Seat
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


class MixerRoom:
    """A real mixer behind the ``Microphones`` a decoder feeds (``RoomMedia`` without the
    clock and the encoders)."""

    def __init__(self, *seats: Seat) -> None:
        self.mixer = RoomMixer(Roster(seats), max_voices=1)

    def wants(self, participant: str, level: float | None) -> bool:
        return self.mixer.wants(participant, level)

    def push(self, participant: str, sequence: int, samples: Pcm, level: float | None) -> None:
        self.mixer.push(participant, sequence, samples, level)

    def push_level(self, participant: str, sequence: int, level: float) -> None:
        self.mixer.push_level(participant, sequence, level)


def test_a_decoder_decodes_what_the_mixer_wants_and_passes_on_the_rest() -> None:
    room = MixerRoom(Seat("f", facilitator=True), Seat("a", microphone=True),
                     Seat("b", microphone=True))
    encoder = OpusEncoder()
    a, b = InlineOpus("a", room), InlineOpus("b", room)
    for index in range(40):
        encoded = bytes(encoder.encode(tone(440, 6000, index), index * 960)[0])
        a.put((None, LevelledFrame(encoded, index * 960, -17.0)))
        b.put((None, LevelledFrame(encoded, index * 960, -17.0 if index < 30 else -2.0)))
        room.mixer.tick(index * 0.02)
    # "a" took the one place and was decoded while it held it; "b", as loud, waited
    # undecoded until it was far louder, was decoded before it took the place, and then
    # "a" (now far quieter than the voice it would have to replace) was not.
    assert room.mixer.tick(0.8).speakers == {"b"}
    assert b.skipped >= 28 and b.frames >= 10 and b.frames + b.skipped == 40
    assert a.frames >= 30 and a.skipped >= 1 and a.frames + a.skipped == 40
    assert a.level == -17.0 and b.level == -2.0
    stats = room.mixer.jitter_stats("b")
    assert stats is not None and stats.accepted == 40  # every frame filed, one way or the other
    quiet = InlineOpus("b", room)
    quiet.put((None, LevelledFrame(encoded, 41 * 960, -90.0)))  # mixed: decoded however quiet
    unsaid = InlineOpus("a", room)
    unsaid.put((None, LevelledFrame(encoded, 41 * 960, None)))  # no level: always decoded
    assert (quiet.frames, unsaid.frames) == (1, 1)
