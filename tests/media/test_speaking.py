"""Speaking detection: gate hysteresis and hangover, and the rate-limited public flag."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.media.speaking import SpeechConfig, SpeechDetector

LOUD, BETWEEN, QUIET = -20.0, -48.0, -70.0  # around the -45 / -52 dBFS thresholds


def at(tick: int) -> float:
    """Time of a tick, computed rather than summed, as the adapter's clock would give."""
    return tick * 0.02


def test_the_first_loud_frame_opens_the_gate_and_sets_the_flag() -> None:
    detector = SpeechDetector()
    assert detector.update(QUIET, at(0)) is None
    assert detector.update(LOUD, at(1)) is True
    assert detector.gate_open and detector.speaking


def test_between_the_thresholds_the_state_holds_either_way() -> None:
    closed = SpeechDetector()
    opened = SpeechDetector()
    opened.update(LOUD, at(0))
    for tick in range(1, 200):
        closed.update(BETWEEN, at(tick))
        opened.update(BETWEEN, at(tick))
    assert not closed.gate_open and not closed.speaking
    assert opened.gate_open and opened.speaking


def test_the_gate_closes_after_the_hangover_of_quiet() -> None:
    detector = SpeechDetector(SpeechConfig(hangover=0.3))
    for tick in range(50):
        detector.update(LOUD, at(tick))
    changes = {tick: detector.update(QUIET, at(tick)) for tick in range(50, 70)}
    # Last loud frame at tick 49 (0.98 s): open until 1.28 s, closed at 1.28 s.
    assert [tick for tick, change in changes.items() if change is not None] == [64]
    assert changes[64] is False
    assert not detector.gate_open


def test_silence_from_nobody_counts_as_quiet() -> None:
    detector = SpeechDetector(SpeechConfig(hangover=0.0))
    detector.update(LOUD, at(0))
    assert detector.update(-math.inf, at(20)) is False


def test_the_flag_changes_at_most_once_per_300_ms_and_then_catches_up() -> None:
    detector = SpeechDetector(SpeechConfig(hangover=0.0, min_flag_interval=0.3))
    changes = []
    for tick in range(100):  # loud and quiet alternate every tick for 2 s
        change = detector.update(LOUD if tick % 2 == 0 else QUIET, at(tick))
        if change is not None:
            changes.append(at(tick))
    assert len(changes) >= 3
    assert all(b - a >= 0.3 - 1e-9 for a, b in itertools.pairwise(changes))
    for tick in range(100, 120):  # then quiet: the flag settles on False
        detector.update(QUIET, at(tick))
    assert not detector.speaking


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([LOUD, BETWEEN, QUIET, -math.inf]), max_size=300),
       st.floats(0.0, 0.5), st.floats(0.0, 0.6))
def test_flag_changes_are_rate_limited_for_any_levels(
    levels: list[float], hangover: float, interval: float,
) -> None:
    detector = SpeechDetector(SpeechConfig(hangover=hangover, min_flag_interval=interval))
    changes = []
    for tick, level in enumerate(levels):
        change = detector.update(level, at(tick))
        if change is not None:
            assert change == detector.speaking == detector.gate_open
            changes.append(at(tick))
    assert all(b - a >= interval - 1e-6 for a, b in itertools.pairwise(changes))


@pytest.mark.parametrize("kwargs", [
    {"open_dbfs": -50.0, "close_dbfs": -40.0}, {"hangover": -1.0}, {"min_flag_interval": -1.0},
])
def test_config_is_checked(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        SpeechConfig(**kwargs)
