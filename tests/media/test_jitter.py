"""The per-speaker jitter buffer: order, duplicates, lateness, concealment, fade-out."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pytest

from server.media.conceal import CROSSFADE
from server.media.jitter import (
    JitterBuffer,
    JitterConfig,
    Playout,
    PushResult,
    SequenceUnwrapper,
)
from server.media.types import FRAME_SAMPLES, Pcm
from tests.media.signals import largest_step, natural_step, silence, tone

Signal = Callable[[int], Pcm]


def a440(index: int) -> Pcm:
    return tone(440, 10_000, index)


def voice_like(index: int) -> Pcm:
    """A 180 Hz fundamental with two harmonics: periodic like a vowel, not a pure tone."""
    return tone(180, 6000, index) + tone(360, 3000, index) + tone(540, 1500, index)


def run(buffer: JitterBuffer, arrivals: Iterable[Iterable[int]], signal: Signal = a440,
        ) -> list[Playout | None]:
    """Each tick: push the listed sequence numbers (frame ``n`` of ``signal``), then pop."""
    played = []
    for pushes in arrivals:
        for sequence in pushes:
            buffer.push(sequence, signal(sequence))
        played.append(buffer.pop())
    return played


def real_sequences(played: list[Playout | None]) -> list[int]:
    return [p.sequence for p in played if p is not None and not p.concealed]


def audio(played: list[Playout | None]) -> np.ndarray:
    return np.concatenate([p.samples if p is not None else silence() for p in played])


def test_a_steady_stream_plays_in_order_after_target_depth() -> None:
    played = run(JitterBuffer(JitterConfig(target_depth=2)), [[n] for n in range(6)])
    assert played[0] is None  # one frame waiting, target is two
    assert real_sequences(played) == [0, 1, 2, 3, 4]
    for p in played[2:]:
        assert p is not None
        assert np.array_equal(p.samples, a440(p.sequence))


def test_the_first_frame_rises_from_silence() -> None:
    played = run(JitterBuffer(), [[0], [1]])
    first = played[1]
    assert first is not None and first.sequence == 0
    assert abs(int(first.samples[0])) < 200  # faded in, not a jump to the tone
    assert np.array_equal(first.samples[CROSSFADE:], a440(0)[CROSSFADE:])


def test_reordered_frames_come_out_in_order() -> None:
    played = run(JitterBuffer(JitterConfig(target_depth=3)),
                 [[2, 0], [1], [4], [3], [5], [], [], []])
    assert real_sequences(played) == [0, 1, 2, 3, 4, 5]
    assert not any(p.concealed for p in played if p is not None and p.sequence <= 5)


def test_duplicates_are_dropped_and_played_once() -> None:
    buffer = JitterBuffer()
    assert buffer.push(0, a440(0)) is PushResult.ACCEPTED
    assert buffer.push(0, a440(0)) is PushResult.DUPLICATE
    played = run(buffer, [[1], [1], [2], [], []])
    assert real_sequences(played) == [0, 1, 2]
    assert buffer.stats.duplicate == 2


def test_a_frame_whose_turn_has_passed_is_dropped_as_late() -> None:
    buffer = JitterBuffer()
    run(buffer, [[0], [1], [2]])
    assert buffer.push(0, a440(0)) is PushResult.LATE  # played already
    assert buffer.push(1, a440(1)) is PushResult.LATE  # being played
    assert buffer.stats.late == 2


@pytest.mark.parametrize("signal, frequency, amplitude", [
    (a440, 440, 10_000),
    (lambda n: tone(880, 10_000, n), 880, 10_000),
    (voice_like, 540, 10_500),  # steepest slope: the sum of the harmonics' slopes
])
def test_a_missing_frame_is_concealed_without_a_click(
    signal: Signal, frequency: float, amplitude: float,
) -> None:
    arrivals = [[n] if n != 5 else [] for n in range(12)]
    played = run(JitterBuffer(), arrivals, signal)
    concealed = [p for p in played if p is not None and p.concealed]
    assert [p.sequence for p in concealed] == [5]
    assert real_sequences(played) == [0, 1, 2, 3, 4, 6, 7, 8, 9, 10]
    # The gap is filled with the voice carried on, not silence...
    reference = np.sqrt(np.mean(signal(5).astype(np.float64) ** 2))
    assert np.sqrt(np.mean(concealed[0].samples.astype(np.float64) ** 2)) > 0.6 * reference
    # ...and neither seam (into the concealment, back to real frames) steps harder
    # than the signal itself does: no click.
    steady = audio(played[2:])  # after the first frame's fade-in
    limit = 1.5 * natural_step(frequency, amplitude)
    assert largest_step(steady) <= limit
    at = played[2:].index(concealed[0]) * FRAME_SAMPLES
    for seam in (at, at + FRAME_SAMPLES):
        assert abs(int(steady[seam]) - int(steady[seam - 1])) <= limit


def test_silence_in_the_gap_would_have_clicked() -> None:
    """The click check above can see a click: the naive fill fails it."""
    frames = [a440(n) if n != 5 else silence() for n in range(12)]
    assert largest_step(np.concatenate(frames)) > 5 * natural_step(440, 10_000)


def test_a_speaker_who_stops_sending_fades_out() -> None:
    buffer = JitterBuffer(JitterConfig(conceal_frames=3))
    played = run(buffer, [[n] if n < 6 else [] for n in range(14)])
    tail = [p for p in played if p is not None and p.concealed]
    assert [p.sequence for p in tail] == [6, 7, 8]
    levels = [np.sqrt(np.mean(p.samples.astype(np.float64) ** 2)) for p in tail]
    assert levels[0] > levels[1] > levels[2] > 0
    assert abs(int(tail[-1].samples[-1])) <= 50  # faded all the way to silence
    assert played[-4:] == [None] * 4
    assert not buffer.playing
    assert largest_step(audio(played[2:])) <= 1.5 * natural_step(440, 10_000)


def test_a_speaker_who_comes_back_starts_afresh() -> None:
    buffer = JitterBuffer(JitterConfig(target_depth=2))
    arrivals = [[n] for n in range(4)] + [[]] * 6 + [[20], [21], [22]]
    played = run(buffer, arrivals)
    assert real_sequences(played)[-2:] == [20, 21]
    restart = next(p for p in played if p is not None and p.sequence == 20)
    assert abs(int(restart.samples[0])) < 200  # rises from silence again
    assert buffer.push(3, a440(3)) is PushResult.LATE  # the old stream stays behind


def test_a_lone_frame_plays_after_waiting_target_depth_ticks() -> None:
    played = run(JitterBuffer(JitterConfig(target_depth=2)), [[0], [], [], []])
    assert played[:2] == [None, None]
    assert played[2] is not None and played[2].sequence == 0


def test_a_burst_is_cut_back_to_target_depth_and_joins_smoothly() -> None:
    buffer = JitterBuffer(JitterConfig(target_depth=2, max_depth=4))
    # Frames 3-10 are held up in the network and then arrive at once.
    played = run(buffer, [[0], [1], [2], [], [], [3, 4, 5, 6, 7, 8, 9, 10], [11], [12], [13]])
    assert buffer.stats.late == 1  # frame 3: its turn was concealed already
    assert buffer.stats.trimmed == 5  # 4-8: playback goes on from 9
    assert real_sequences(played)[-5:] == [2, 9, 10, 11, 12]
    assert buffer.depth == 1
    assert largest_step(audio(played[2:])) <= 1.5 * natural_step(440, 10_000)


def test_a_lasting_excess_drains_one_frame_at_a_time() -> None:
    buffer = JitterBuffer(JitterConfig(target_depth=2, drain_after=50))
    # One tick brings two frames: from then on one frame more than needed waits.
    arrivals = [[0], [1, 2]] + [[n] for n in range(3, 80)]
    played = run(buffer, arrivals)
    assert buffer.stats.trimmed == 1
    assert buffer.depth == 1  # back to target: two waiting at each tick, one after it
    sequences = real_sequences(played)
    assert len(sequences) == len(set(sequences)) == 78 and sequences == sorted(sequences)
    assert largest_step(audio(played[2:])) <= 1.5 * natural_step(440, 10_000)


def test_a_far_jump_is_a_new_stream() -> None:
    buffer = JitterBuffer()
    run(buffer, [[0], [1], [2]])
    assert buffer.push(5000, a440(5000)) is PushResult.RESET
    played = run(buffer, [[5001], [5002]])
    assert real_sequences(played) == [5000, 5001]
    assert buffer.stats.resets == 1


def test_frames_are_copied_in_and_read_only_out() -> None:
    buffer = JitterBuffer(JitterConfig(target_depth=1))
    frame = a440(0)
    buffer.push(0, frame)
    frame[:] = 0
    played = buffer.pop()
    assert played is not None and played.samples[CROSSFADE:].any()
    with pytest.raises(ValueError, match="read-only"):
        played.samples[0] = 1


def test_reset_forgets_what_was_waiting() -> None:
    buffer = JitterBuffer(JitterConfig(target_depth=1))
    buffer.push(0, a440(0))
    buffer.reset()
    assert buffer.depth == 0 and buffer.pop() is None


@pytest.mark.parametrize("kwargs", [
    {"target_depth": 0}, {"target_depth": 4}, {"target_depth": 3, "max_depth": 3},
    {"conceal_frames": 0}, {"reset_distance": 5},
])
def test_config_is_checked(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        JitterConfig(**kwargs)


def test_unwrapper_extends_rtp_sequence_numbers_across_the_wrap() -> None:
    unwrapper = SequenceUnwrapper()
    assert [unwrapper.unwrap(v) for v in (65534, 65535, 1, 0, 2)] == [
        65534, 65535, 65537, 65536, 65538,
    ]


def test_unwrapper_handles_32_bit_timestamps_going_back_a_little() -> None:
    unwrapper = SequenceUnwrapper(bits=32)
    top = 2**32 - 960
    assert unwrapper.unwrap(top) == top
    assert unwrapper.unwrap(0) == 2**32
    assert unwrapper.unwrap(top) == top  # a late one stays in the past
    assert unwrapper.unwrap(960) == 2**32 + 960
    with pytest.raises(ValueError):
        unwrapper.unwrap(2**32)


def test_a_frame_known_by_its_level_plays_as_silence_and_the_next_rises_from_it() -> None:
    buffer = JitterBuffer(JitterConfig(target_depth=1))
    buffer.push(0, a440(0))
    assert buffer.push_level(1, -20.0) is PushResult.ACCEPTED
    buffer.push(2, a440(2))
    first, told, after = buffer.pop(), buffer.pop(), buffer.pop()
    assert first is not None and told is not None and after is not None
    assert first.level is None and first.samples.any()
    assert told.level == -20.0 and not told.concealed and not told.samples.any()
    # Nothing to continue from: the decoded frame after it fades in from zero.
    assert after.level is None and abs(int(after.samples[0])) < 50
    assert np.abs(after.samples[-100:]).max() > 5000


def test_a_loss_after_a_frame_known_by_its_level_is_silence() -> None:
    buffer = JitterBuffer(JitterConfig(target_depth=1))
    buffer.push_level(0, -18.0)
    buffer.push(2, a440(2))
    told, missing = buffer.pop(), buffer.pop()
    assert told is not None and told.level == -18.0
    assert missing is not None and missing.concealed and not missing.samples.any()
    assert buffer.stats.concealed == 1


def test_levels_are_late_duplicate_and_reset_like_frames() -> None:
    buffer = JitterBuffer(JitterConfig(target_depth=1))
    buffer.push_level(5, -30.0)
    assert buffer.push_level(5, -30.0) is PushResult.DUPLICATE
    assert buffer.pop() is not None
    assert buffer.push_level(4, -30.0) is PushResult.LATE
    assert buffer.push_level(500, -25.0) is PushResult.RESET
