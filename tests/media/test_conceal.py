"""Pitch-period concealment in isolation."""

from __future__ import annotations

import numpy as np
import pytest

from server.media import conceal
from tests.media.signals import largest_step, natural_step, silence, tone


@pytest.mark.parametrize("frequency", [100, 200, 300])
def test_pitch_period_finds_a_whole_number_of_cycles(frequency: int) -> None:
    period = conceal.pitch_period(tone(frequency, 8000, 3))
    cycles = period / (48_000 / frequency)
    assert abs(cycles - round(cycles)) * (48_000 / frequency) <= 0.5  # within half a sample


def test_pitch_period_of_silence_is_the_longest() -> None:
    assert conceal.pitch_period(silence()) == conceal.MAX_PERIOD


@pytest.mark.parametrize("frequency", [137.0, 220.0, 440.0, 880.0])
def test_continuation_carries_on_without_a_step(frequency: float) -> None:
    last = tone(frequency, 10_000, 7)
    joined = np.concatenate([last.astype(np.float64), conceal.continuation(last, 960)])
    assert largest_step(joined) <= 1.25 * natural_step(frequency, 10_000)


def test_fade_gains_end_in_silence() -> None:
    gains = conceal.fade_gains(0, 3 * 960, 3 * 960)
    assert gains[0] == pytest.approx(1.0, abs=1e-3)
    assert gains[-1] == 0.0
    assert np.all(np.diff(gains) < 0)
    assert np.all(conceal.fade_gains(3 * 960, 10, 3 * 960) == 0.0)
