"""Who is speaking: an energy gate with hysteresis, and a rate-limited public flag.

Two outputs per person, because they serve different needs:

- ``gate_open`` decides who is mixed. It opens on the very frame that is loud enough
  (the first syllable is not lost) and closes only after ``hangover`` of quiet, so the
  pauses between words do not chop. Only people whose gate is open are in the room's
  mix, which is why everyone else can share one encoded full mix without hearing their
  own background noise come back.
- ``speaking`` is what the room is told. It follows the gate, but changes at most once
  per ``min_flag_interval``, so a hesitant speaker cannot flood every client with
  ``participant.updated`` messages.

Time comes in as ``now`` (seconds on any monotonic clock), so tests need no clock.
"""

from __future__ import annotations

from dataclasses import dataclass

# ``now`` values are sums of 20 ms steps; allow float rounding when comparing intervals.
_EPSILON = 1e-6


@dataclass(frozen=True, slots=True)
class SpeechConfig:
    # Browsers apply automatic gain control, which brings speech to roughly -30..-15
    # dBFS RMS; noise suppression leaves a quiet room well below -55 dBFS. Opening at
    # -45 catches soft speech; closing only below -52 is the hysteresis that stops a
    # level hovering near one threshold from flapping the gate.
    open_dbfs: float = -45.0
    close_dbfs: float = -52.0
    # Quiet this long (seconds) closes the gate: longer than a pause between words.
    hangover: float = 0.3
    # At most one change of the public flag per person per this many seconds.
    min_flag_interval: float = 0.3

    def __post_init__(self) -> None:
        if self.close_dbfs > self.open_dbfs:
            raise ValueError("close_dbfs must not be above open_dbfs")
        if self.hangover < 0 or self.min_flag_interval < 0:
            raise ValueError("durations must not be negative")


class SpeechDetector:
    """One person's gate and flag. Feed it one level per tick, in time order."""

    def __init__(self, config: SpeechConfig | None = None) -> None:
        self.config = config or SpeechConfig()
        self._gate_open = False
        self._last_voice = 0.0  # when the level was last above close_dbfs (gate open)
        self._speaking = False
        self._last_change: float | None = None

    @property
    def gate_open(self) -> bool:
        return self._gate_open

    @property
    def speaking(self) -> bool:
        return self._speaking

    def update(self, level_dbfs: float, now: float) -> bool | None:
        """Take this tick's level; return the new ``speaking`` value if it changed, else None.

        ``level_dbfs`` is ``-inf`` when the person sent nothing or may not be heard.
        """
        config = self.config
        if level_dbfs >= config.open_dbfs or (self._gate_open and level_dbfs >= config.close_dbfs):
            self._gate_open = True
            self._last_voice = now
        elif self._gate_open and now - self._last_voice >= config.hangover - _EPSILON:
            self._gate_open = False

        if self._gate_open == self._speaking:
            return None
        if (
            self._last_change is not None
            and now - self._last_change < config.min_flag_interval - _EPSILON
        ):
            return None  # not yet: re-evaluated on a later tick, so the flag catches up
        self._speaking = self._gate_open
        self._last_change = now
        return self._speaking
