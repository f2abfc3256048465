"""A small per-speaker jitter buffer: frames arrive when the network delivers them,
the mixer takes exactly one every 20 ms.

Frames are keyed by a sequence number that counts frames (see ``SequenceUnwrapper``
for turning RTP's wrapping 16-bit sequence, or a 32-bit timestamp divided by 960,
into one). Contract of one speaker's stream through the buffer:

- ``push`` files a frame, or drops it as late (its turn has passed) or duplicate.
- ``pop`` is called once per mixer tick and returns the frame whose turn it is, a
  concealment frame when that one is missing, or ``None`` while nothing is playing.
- Playback starts once ``target_depth`` frames are waiting (or the first one has
  waited that many ticks), which is the latency the buffer adds: 20-60 ms. Latency
  is kept there: a burst beyond ``max_depth`` is cut back at once, and a smaller
  excess that lasts ``drain_after`` ticks loses one frame (cross-faded, like a loss).
- A missing frame is replaced by the last one's pitch continued and faded out
  (``server/media/conceal.py``); after ``conceal_frames`` missing frames in a row the
  stream has stopped, has faded to silence, and the next frame starts it again.
- Real frames are played in strictly increasing sequence order, each at most once.
- A frame may come with the level its sender measured (the RTP audio-level header), and
  may arrive as that level alone (``push_level``): a microphone the mixer does not need
  to hear now is not decoded (``RoomMixer.wants``), but its level still drives the
  speaking flag and the choice of voices. It plays as silence with that level, and the
  next decoded frame after it fades in, as after any silence.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from server.media import conceal
from server.media.pcm import SILENCE, check_frame, frozen
from server.media.types import FRAME_SAMPLES, Pcm

# A waiting frame: its samples (None when it was not decoded) and its sender's level.
Frame = tuple[Pcm | None, float | None]


class PushResult(enum.Enum):
    ACCEPTED = "accepted"
    LATE = "late"  # its turn has passed (or it was played already): dropped
    DUPLICATE = "duplicate"  # that sequence is already waiting: dropped
    RESET = "reset"  # far from the stream's position: taken as a new stream, buffer restarted
    # Only from RoomMixer.push: this person may not be heard now (muted, mute-locked,
    # in the lobby, removed, or the room is paused), so the frame is not even buffered.
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class JitterConfig:
    """Tuning of one buffer; the defaults suit a LAN-to-WAN browser stream."""

    # Frames held before playback starts: 2 x 20 ms absorbs ordinary jitter. The brief
    # bounds it to 1-3 so that the mixer adds at most 60 ms of delay.
    target_depth: int = 2
    # More than this many frames waiting at a tick (a burst after a stall) are cut back
    # to target_depth, oldest dropped, so a delay spike does not become lasting latency.
    max_depth: int = 6
    # Waiting above target_depth for this many ticks in a row (1 s) drops one frame:
    # the slow way back to target latency after a spike (or a sender's fast clock).
    drain_after: int = 50
    # 3 x 20 ms of concealment, fading to silence: long enough to bridge a lost packet
    # or two, short enough that a stopped speaker is not heard repeating.
    conceal_frames: int = 3
    # A sequence more than this many frames away from the stream's position (1 s either
    # way) is not late or early but a new stream (the sender restarted). It also bounds
    # the frames that can wait at once, so a stalled mixer cannot make the buffer grow.
    reset_distance: int = 50

    def __post_init__(self) -> None:
        if not 1 <= self.target_depth <= 3:
            raise ValueError("target_depth must be 1, 2 or 3 frames")
        if self.max_depth < self.target_depth + 1:
            raise ValueError("max_depth must exceed target_depth")
        if self.conceal_frames < 1 or self.drain_after < 1:
            raise ValueError("conceal_frames and drain_after must be at least 1")
        if self.reset_distance <= self.max_depth:
            raise ValueError("reset_distance must exceed max_depth")


@dataclass(frozen=True, slots=True, eq=False)
class Playout:
    """What one tick plays for one speaker: a read-only frame of ``FRAME_SAMPLES`` samples."""

    samples: Pcm
    sequence: int
    concealed: bool  # True: made up in place of the missing frame ``sequence``
    # The level (dBFS) the sender gave for this frame, None if it gave none (or the frame
    # is concealed).
    level: float | None = None
    # True: the frame came as its level alone (not decoded); ``samples`` is silence.
    level_only: bool = False


@dataclass(slots=True)
class JitterStats:
    """Counters for metrics and tests; they only ever grow."""

    accepted: int = 0
    late: int = 0
    duplicate: int = 0
    resets: int = 0
    trimmed: int = 0  # dropped to bring latency back to target_depth
    concealed: int = 0


class JitterBuffer:
    """One speaker's frames between arrival and the mixer's tick. Not thread-safe:
    the adapter pushes and the mixer pops on the same event loop."""

    def __init__(self, config: JitterConfig | None = None) -> None:
        self.config = config or JitterConfig()
        self.stats = JitterStats()
        self._clear()

    def _clear(self) -> None:
        # Each frame's samples (None: not decoded) and the level its sender gave.
        self._waiting: dict[int, Frame] = {}
        self._next: int | None = None  # sequence whose turn is next; None before any
        self._playing = False
        self._ticks_waited = 0  # pops answered with None while frames were waiting
        # The last real frame played, continued when frames go missing.
        self._last_real: Pcm | None = None
        self._continuation: conceal.Samples | None = None
        self._concealed_run = 0  # missing frames in a row so far
        self._jumped = False  # playback skipped ahead: cross-fade into the next frame
        self._excess_ticks = 0  # ticks in a row with more than target_depth waiting

    @property
    def depth(self) -> int:
        """Frames waiting to be played."""
        return len(self._waiting)

    @property
    def playing(self) -> bool:
        return self._playing

    def push(self, sequence: int, samples: Pcm, level: float | None = None) -> PushResult:
        """File one frame, with the level its sender gave (dBFS) if any. ``samples`` must
        be 960 int16 samples (else ``ValueError``); it is copied, so the caller may reuse
        its array."""
        check_frame(samples)
        return self._file(sequence, (frozen(samples.copy()), level))

    def push_level(self, sequence: int, level: float) -> PushResult:
        """File a frame that was not decoded, by the level its sender gave (dBFS)."""
        return self._file(sequence, (None, float(level)))

    def _file(self, sequence: int, frame: Frame) -> PushResult:
        reference = self._next if self._next is not None else min(self._waiting, default=None)
        if reference is not None and abs(sequence - reference) > self.config.reset_distance:
            self._restart(sequence, frame)
            return PushResult.RESET
        if self._next is not None and sequence < self._next:
            self.stats.late += 1
            return PushResult.LATE
        if sequence in self._waiting:
            self.stats.duplicate += 1
            return PushResult.DUPLICATE
        self._waiting[sequence] = frame
        self.stats.accepted += 1
        return PushResult.ACCEPTED

    def pop(self) -> Playout | None:
        """The frame for this tick; call exactly once per tick. ``None``: nothing playing."""
        if not self._playing and not self._start():
            return None
        self._hold_latency()
        assert self._next is not None
        sequence = self._next
        self._next += 1
        frame = self._waiting.pop(sequence, None)
        if frame is None:
            return Playout(self._conceal(), sequence, concealed=True)
        samples, level = frame
        if samples is None:
            return Playout(self._play_level(), sequence, concealed=False, level=level,
                           level_only=True)
        return Playout(self._play_real(samples), sequence, concealed=False, level=level)

    def reset(self) -> None:
        """Forget everything (a muted or removed speaker): nothing stale plays later."""
        self._clear()

    # -- internals ---------------------------------------------------------------

    def _start(self) -> bool:
        """Begin playback if enough is waiting, or the first frame has waited long enough."""
        if not self._waiting:
            return False
        short = len(self._waiting) < self.config.target_depth
        if short and self._ticks_waited < self.config.target_depth:
            self._ticks_waited += 1
            return False
        self._playing = True
        self._ticks_waited = 0
        self._excess_ticks = 0
        self._next = min(self._waiting)
        # Nothing was playing, so the first frame rises from silence rather than
        # continuing an old signal.
        self._last_real = None
        self._continuation = None
        self._concealed_run = 0
        self._jumped = False
        return True

    def _play_real(self, frame: Pcm) -> Pcm:
        if self._last_real is None:
            out = conceal.fade_in(frame)
        elif self._concealed_run or self._jumped:
            out = conceal.crossfade(self._carry_on(conceal.CROSSFADE), frame)
        else:
            out = frame
        self._last_real = frame
        self._continuation = None
        self._concealed_run = 0
        self._jumped = False
        return frozen(out)

    def _play_level(self) -> Pcm:
        """A frame known by its level only: silence, and nothing to continue from, so
        the next decoded frame rises from silence and a loss after it stays silent."""
        self._last_real = None
        self._continuation = None
        self._concealed_run = 0
        self._jumped = False
        return SILENCE

    def _conceal(self) -> Pcm:
        self.stats.concealed += 1
        # Nothing to continue after a frame known by its level only (or, kept total, at
        # a start): silence.
        out = (SILENCE if self._last_real is None
               else conceal.to_pcm(self._carry_on(FRAME_SAMPLES)))
        self._concealed_run += 1
        if self._concealed_run >= self.config.conceal_frames:
            # Faded to silence: the speaker stopped (or is far behind). Wait for frames
            # again; anything older than the stream's position is still dropped as late.
            self._playing = False
            self._ticks_waited = 0
        return frozen(out)

    def _carry_on(self, count: int) -> conceal.Samples:
        """The next ``count`` samples of the faded continuation of the last real frame."""
        assert self._last_real is not None
        fade_length = self.config.conceal_frames * FRAME_SAMPLES
        if self._continuation is None:
            self._continuation = conceal.continuation(
                self._last_real, fade_length + conceal.CROSSFADE,
            )
        start = self._concealed_run * FRAME_SAMPLES
        piece = self._continuation[start : start + count]
        return piece * conceal.fade_gains(start, len(piece), fade_length)

    def _hold_latency(self) -> None:
        """Keep what waits near target_depth: cut a burst at once, drain an excess slowly."""
        depth = len(self._waiting)
        target = self.config.target_depth
        if depth > self.config.max_depth:
            self._skip_to(sorted(self._waiting)[-target:])
        elif depth > target:
            self._excess_ticks += 1
            if self._excess_ticks >= self.config.drain_after:
                self._skip_to(sorted(self._waiting)[1:])
        else:
            self._excess_ticks = 0

    def _skip_to(self, keep: list[int]) -> None:
        """Drop every waiting frame not in ``keep`` and play on from the first kept one."""
        self.stats.trimmed += len(self._waiting) - len(keep)
        self._waiting = {sequence: self._waiting[sequence] for sequence in keep}
        assert self._next is not None
        self._next = max(self._next, keep[0])
        self._jumped = True
        self._excess_ticks = 0

    def _restart(self, sequence: int, frame: Frame) -> None:
        """A new stream: drop what waits, continue smoothly into it if something was playing."""
        self.stats.resets += 1
        self._waiting = {sequence: frame}
        if self._playing:
            self._next = sequence
            self._jumped = True
        else:
            self._next = None
            self._ticks_waited = 0


class SequenceUnwrapper:
    """Turns a wrapping counter (RTP's 16-bit sequence, a 32-bit timestamp) into a plain int.

    Each value is placed at the candidate nearest the previous result, so reordering
    across the wrap (65535, 1, 0) keeps its order: 65535, 65537, 65536.
    """

    def __init__(self, bits: int = 16) -> None:
        self._modulus = 1 << bits
        self._last: int | None = None

    def unwrap(self, value: int) -> int:
        if not 0 <= value < self._modulus:
            raise ValueError(f"{value} is outside 0..{self._modulus - 1}")
        if self._last is None:
            self._last = value
            return value
        half = self._modulus // 2
        delta = (value - self._last) % self._modulus
        if delta >= half:
            delta -= self._modulus
        result = self._last + delta
        # Track the newest position only, so one very late packet cannot drag it back.
        self._last = max(self._last, result)
        return result
