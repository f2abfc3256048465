"""The limiter and the level meter."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from server.media.pcm import FULL_SCALE, LIMIT_KNEE, check_frame, level_dbfs, limit
from tests.media.signals import silence, tone

# Sums of up to sixteen int16 voices, the range the mixer can produce.
sums = hnp.arrays(np.int32, st.integers(1, 64),
                  elements=st.integers(-16 * 32768, 16 * 32767))


def test_below_the_knee_samples_pass_unchanged() -> None:
    quiet = np.arange(-LIMIT_KNEE, LIMIT_KNEE + 1, 97, dtype=np.int32)
    assert np.array_equal(limit(quiet), quiet.astype(np.int16))


@given(sums)
def test_limit_never_wraps_and_never_amplifies(mix: np.ndarray) -> None:
    out = limit(mix).astype(np.int64)
    assert limit(mix).dtype == np.int16
    assert np.all(np.abs(out) <= FULL_SCALE)
    assert np.all(np.sign(out) == np.sign(mix))
    assert np.all(np.abs(out) <= np.abs(mix.astype(np.int64)))


def test_limit_is_monotonic() -> None:
    ramp = np.arange(-20 * 32768, 20 * 32768, 31, dtype=np.int32)
    assert np.all(np.diff(limit(ramp).astype(np.int64)) >= 0)


def test_level_of_a_full_scale_sine_is_minus_3_dbfs() -> None:
    assert level_dbfs(tone(1000, FULL_SCALE, 0)) == pytest.approx(-3.01, abs=0.05)
    assert level_dbfs(silence()) == -math.inf


@pytest.mark.parametrize("bad", [
    np.zeros(959, dtype=np.int16),
    np.zeros(960, dtype=np.int32),
    np.zeros((2, 960), dtype=np.int16),
])
def test_a_frame_must_be_960_mono_int16_samples(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="960 int16"):
        check_frame(bad)
