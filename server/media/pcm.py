"""Sample-level arithmetic: loudness and the limiter that keeps a sum inside int16.

Sums are taken in int32 (fifteen full-scale int16 voices need 20 bits), and only the
limiter turns them back into int16, so a loud sum is compressed, never wrapped around
into a sign flip (which is heard as a loud crack).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from server.media.types import FRAME_SAMPLES, Pcm

Mix32 = npt.NDArray[np.int32]

FULL_SCALE = 32_767
# Below the knee samples pass unchanged, so one or two people talking at ordinary
# levels are mixed bit-exactly; only peaks above 75 % of full scale are bent.
LIMIT_KNEE = 24_576
_HEADROOM = FULL_SCALE - LIMIT_KNEE
SILENCE_DBFS = -math.inf


def check_frame(samples: Pcm) -> None:
    """Raise ``ValueError`` unless ``samples`` is one mono frame of int16 (960 samples)."""
    if samples.dtype != np.int16 or samples.shape != (FRAME_SAMPLES,):
        raise ValueError(
            f"expected {FRAME_SAMPLES} int16 samples, got {samples.shape} {samples.dtype}"
        )


def level_dbfs(samples: Pcm) -> float:
    """RMS level of a frame in dB relative to full scale; ``-inf`` for digital silence."""
    as_float = samples.astype(np.float32)
    mean_square = float(np.dot(as_float, as_float)) / len(samples)
    if mean_square <= 0.0:
        return SILENCE_DBFS
    return 10.0 * math.log10(mean_square / (FULL_SCALE * FULL_SCALE))


def limit(mix: Mix32) -> Pcm:
    """Bring an int32 sum into int16 without wrap-around.

    Contract: the result has the same shape, every sample keeps the sign of its input,
    ``|out| <= |in|`` and ``|out| <= 32767``; samples within ±``LIMIT_KNEE`` are unchanged,
    and the curve is monotonic with slope 1 at the knee (tanh), so there is no kink to hear.
    Memoryless: it needs no state per listener, which keeps mix-minus cheap.
    """
    peak = int(max(mix.max(), -int(mix.min()))) if mix.size else 0
    if peak <= LIMIT_KNEE:
        return mix.astype(np.int16)
    values = mix.astype(np.float64)
    magnitude = np.abs(values)
    bent = LIMIT_KNEE + _HEADROOM * np.tanh((magnitude - LIMIT_KNEE) / _HEADROOM)
    shaped = np.where(magnitude > LIMIT_KNEE, np.copysign(bent, values), values)
    # tanh may round to exactly 1.0; the clip is only a guard against float rounding.
    return np.clip(np.rint(shaped), -FULL_SCALE, FULL_SCALE).astype(np.int16)


def frozen(samples: Pcm) -> Pcm:
    """Mark an array read-only so a frame shared by several consumers cannot be changed."""
    samples.setflags(write=False)
    return samples


# One read-only frame of digital silence, for whoever needs one.
SILENCE: Pcm = frozen(np.zeros(FRAME_SAMPLES, dtype=np.int16))
