"""Whatever order frames arrive in: no crash, order kept, bounded, and never a click."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from server.media.jitter import JitterBuffer, JitterConfig, Playout, PushResult
from server.media.types import FRAME_SAMPLES
from tests.media.signals import largest_step, natural_step, silence, tone

configs = st.builds(
    JitterConfig,
    target_depth=st.integers(1, 3),
    max_depth=st.integers(4, 8),
    drain_after=st.integers(1, 60),
    conceal_frames=st.integers(1, 5),
)
# Per tick, the sequence numbers that arrive before the mixer takes its frame. Within
# 40 of each other they are never far enough apart to count as a new stream.
nearby_arrivals = st.lists(st.lists(st.integers(0, 40), max_size=5), max_size=70)
# Anywhere in a large range: new streams, jumps back, huge gaps.
scattered_arrivals = st.lists(st.lists(st.integers(0, 1 << 20), max_size=4), max_size=40)


def drive(config: JitterConfig, arrivals: list[list[int]],
          ) -> tuple[JitterBuffer, list[Playout | None], list[PushResult]]:
    buffer = JitterBuffer(config)
    played: list[Playout | None] = []
    results: list[PushResult] = []
    for pushes in arrivals:
        results.extend(buffer.push(n, tone(440, 10_000, n)) for n in pushes)
        played.append(buffer.pop())
        assert buffer.depth <= 2 * config.reset_distance + 1
    return buffer, played, results


@settings(max_examples=300, deadline=None)
@given(configs, nearby_arrivals)
def test_any_arrival_order_plays_in_order_each_frame_once(
    config: JitterConfig, arrivals: list[list[int]],
) -> None:
    buffer, played, results = drive(config, arrivals)
    pushed = {n for pushes in arrivals for n in pushes}
    sequences = [p.sequence for p in played if p is not None]
    assert sequences == sorted(set(sequences))  # strictly increasing: nothing twice
    assert {p.sequence for p in played if p is not None and not p.concealed} <= pushed
    assert PushResult.RESET not in results
    stats = buffer.stats
    assert stats.accepted + stats.late + stats.duplicate == len(results)


@settings(max_examples=300, deadline=None)
@given(configs, nearby_arrivals)
def test_any_arrival_order_of_a_tone_never_clicks(
    config: JitterConfig, arrivals: list[list[int]],
) -> None:
    """Starts fade in, gaps are carried on, resumptions and skips cross-fade, ends fade out."""
    _, played, _ = drive(config, arrivals)
    heard = np.concatenate([silence()] + [p.samples if p else silence() for p in played])
    assert largest_step(heard) <= 1.5 * natural_step(440, 10_000)


@settings(max_examples=200, deadline=None)
@given(configs, scattered_arrivals)
def test_scattered_sequence_numbers_never_break_it(
    config: JitterConfig, arrivals: list[list[int]],
) -> None:
    buffer, played, results = drive(config, arrivals)
    for p in played:
        if p is not None:
            assert p.samples.shape == (FRAME_SAMPLES,) and p.samples.dtype == np.int16
            assert not p.samples.flags.writeable
    stats = buffer.stats
    assert stats.accepted + stats.late + stats.duplicate + stats.resets == len(results)
