"""Loss concealment: continue the last good frame so a missing one does not click.

Silence in place of a lost 20 ms frame is a step from the signal to zero and back,
heard as a click. Repeating the whole last frame is no better: 20 ms is rarely a whole
number of pitch periods, so the repeat starts out of phase. Instead the last pitch
period is repeated (the idea of ITU-T G.711 Appendix I, without its refinements) and
faded out, and playback that resumes after a gap cross-fades from that continuation.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from server.media.types import FRAME_SAMPLES, SAMPLE_RATE, Pcm

Samples = npt.NDArray[np.float64]

# Voice pitch lies between about 70 Hz and 400 Hz; search periods from 2.5 ms to 15 ms.
MIN_PERIOD = SAMPLE_RATE // 400  # 120 samples
MAX_PERIOD = SAMPLE_RATE * 15 // 1000  # 720 samples
# Compare the last 5 ms with earlier stretches: long enough for a stable match, short
# enough that the longest period still fits in one 960-sample frame.
_MATCH = FRAME_SAMPLES - MAX_PERIOD  # 240 samples
# 2.5 ms: long enough to hide a jump between two signals, short enough not to smear speech.
CROSSFADE = SAMPLE_RATE * 25 // 10_000  # 120 samples


def pitch_period(history: Pcm) -> int:
    """The lag in ``[MIN_PERIOD, MAX_PERIOD]`` at which ``history`` best repeats itself.

    ``history`` is one frame (the last good one). For silence or noise, where nothing
    repeats, any lag is as good as another and the longest is returned.
    """
    signal = history.astype(np.float64)
    tail = signal[-_MATCH:]
    # Window k is signal[start + k : start + k + _MATCH], i.e. lag = MAX_PERIOD - k.
    start = len(signal) - _MATCH - MAX_PERIOD
    span = signal[start : len(signal) - MIN_PERIOD]
    windows = np.lib.stride_tricks.sliding_window_view(span, _MATCH)
    correlation = windows @ tail
    squares = np.concatenate(([0.0], np.cumsum(span * span)))
    energies = squares[_MATCH:] - squares[:-_MATCH]
    denominator = np.sqrt(np.maximum(energies, 0.0) * float(tail @ tail))
    score = np.divide(
        correlation, denominator, out=np.zeros_like(correlation), where=denominator > 1e-9,
    )
    if not np.any(score > 0.0):
        return MAX_PERIOD
    return MAX_PERIOD - int(np.argmax(score))


def continuation(history: Pcm, length: int) -> Samples:
    """``length`` samples that carry on periodically from the end of ``history``, unfaded."""
    period = pitch_period(history)
    cycle = history[-period:].astype(np.float64)
    repeats = -(-length // period)
    return np.tile(cycle, repeats)[:length]


def fade_gains(start: int, count: int, fade_length: int) -> Samples:
    """Gains for samples ``start .. start+count`` of a linear fade from 1 to 0 over ``fade_length``.

    Reaches exactly 0 at sample ``fade_length - 1`` and stays 0 after it, so a fade that
    ends a stream ends in silence, not in a step.
    """
    positions = np.arange(start, start + count, dtype=np.float64)
    return np.clip(1.0 - (positions + 1.0) / fade_length, 0.0, 1.0)


def crossfade(previous: Samples, frame: Pcm) -> Pcm:
    """``frame`` with its first ``len(previous)`` samples blended in from ``previous``.

    ``previous`` is what would have been heard had the old signal gone on; the blend
    starts on it and ends on ``frame``, so the seam has no step.
    """
    count = len(previous)
    weights = (np.arange(count, dtype=np.float64) + 1.0) / (count + 1.0)
    out = frame.copy()
    head = frame[:count].astype(np.float64) * weights + previous * (1.0 - weights)
    out[:count] = np.rint(head).astype(np.int16)
    return out


def fade_in(frame: Pcm) -> Pcm:
    """``frame`` rising from silence over its first ``CROSSFADE`` samples (a stream's start)."""
    return crossfade(np.zeros(CROSSFADE, dtype=np.float64), frame)


def to_pcm(samples: Samples) -> Pcm:
    """Round float samples that are already within int16 range back to int16."""
    return np.rint(samples).astype(np.int16)
