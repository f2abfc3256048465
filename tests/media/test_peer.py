"""server/media/peer.py: what stands in for aiortc's audio jitter buffer."""

from __future__ import annotations

from aiortc.rtp import RtpPacket

from server.media.peer import InOrder


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
