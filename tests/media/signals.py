"""Test signals and measurements: phase-continuous tones, tone amplitude, FFT peaks."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from server.media.types import FRAME_SAMPLES, SAMPLE_RATE, Pcm

Floats = npt.NDArray[np.float64]


def tone(frequency: float, amplitude: float, index: int, *, phase: float = 0.0) -> Pcm:
    """Frame ``index`` of an endless sine: consecutive frames join without a seam."""
    t = (index * FRAME_SAMPLES + np.arange(FRAME_SAMPLES)) / SAMPLE_RATE
    return np.rint(amplitude * np.sin(2 * np.pi * frequency * t + phase)).astype(np.int16)


def amplitude_at(samples: npt.NDArray[np.generic], frequency: float) -> float:
    """Estimated amplitude of a sine at ``frequency`` in ``samples`` (Hann-windowed DFT).

    The window keeps a tone a few hundred hertz away from leaking in, so a 960-sample
    frame is enough to tell 440 Hz from 880 Hz.
    """
    x = np.asarray(samples, dtype=np.float64)
    window = np.hanning(len(x))
    phasor = np.exp(-2j * np.pi * frequency * np.arange(len(x)) / SAMPLE_RATE)
    return float(2 * abs(np.sum(x * window * phasor)) / np.sum(window))


def spectral_peaks(samples: npt.NDArray[np.generic], count: int) -> list[float]:
    """The ``count`` strongest frequencies (Hz), each a local maximum of the spectrum."""
    x = np.asarray(samples, dtype=np.float64)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    frequencies = np.fft.rfftfreq(len(x), 1 / SAMPLE_RATE)
    is_peak = np.r_[False, (spectrum[1:-1] > spectrum[:-2]) & (spectrum[1:-1] >= spectrum[2:]),
                    False]
    order = np.argsort(spectrum[is_peak])[::-1][:count]
    return sorted(float(f) for f in frequencies[is_peak][order])


def largest_step(samples: npt.NDArray[np.generic]) -> float:
    """The largest difference between neighbouring samples: a click shows up here."""
    return float(np.max(np.abs(np.diff(np.asarray(samples, dtype=np.float64)))))


def natural_step(frequency: float, amplitude: float) -> float:
    """The largest sample-to-sample step of a clean sine: its steepest slope."""
    return amplitude * 2 * np.pi * frequency / SAMPLE_RATE


def silence() -> Pcm:
    return np.zeros(FRAME_SAMPLES, dtype=np.int16)
