"""Mix-minus for one room, as a pure state machine: frames and rules in, mixes out.

The adapter (issue 3) drives it like this, all on the room's event loop:

- ``set_roster(roster)`` whenever the room state machine changes who is where, who is
  muted, or who is in an aside. It takes effect on the next tick.
- ``push(participant, sequence, samples, level)`` for every decoded 20 ms frame that
  arrives, ``push_level(participant, sequence, level)`` for one that was not decoded
  because ``wants`` said no (``level``: what the sender's RTP audio-level header said).
- ``tick(now)`` every 20 ms, then send ``tick.full_mix`` (encoded once) to every
  ``tick.full_mix_listeners`` and each ``tick.personal_mixes[p]`` to ``p`` alone.

What the rules mean here (ARCHITECTURE.md invariants 1 and 2):

- Only seats that ``may_speak`` (in the room, microphone on, not mute-locked) have a
  buffer; anyone else's frames are refused on arrival, so muted audio is never even held.
- A paused room (no facilitator in it) mixes nothing and gives nobody anything.
- Lobby seats and people without a seat (removed) receive nothing.
- The two people in an aside hear each other only; the room does not hear them and
  they do not hear the room.

Cost per tick grows with the number of people speaking, not speakers x listeners: the
speakers are summed once in int32, each speaker's mix is that sum minus their own frame
(exact, because it is taken before limiting), and every non-speaker shares one array.

``max_voices`` caps how many voices are mixed at once (the loudest, kept stable), as
conferencing mixers do: more than three people talking together is cross-talk nobody
can follow, and each voice in the mix costs an encoder for its mix-minus. A voice that
leaves the mix fades out over one frame and one that joins fades in, so nothing clicks.

Decoding is most of what a microphone costs, so a frame is decoded only if it may be
heard (``wants``): its sender is mixed now, in an aside, next in line for a place (the
loudest waiting voice, who takes a place the moment one frees), or loud enough to take
a free place or a mixed voice's. Any other frame is filed by the level its sender put in the RTP
audio-level header (RFC 6464; browsers and aiortc send it), which is all the speaking
flag and the choice of voices need. With every microphone in a 12-person room open,
four of the twelve are decoded instead of twelve (docs/performance.md).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from server.media.conceal import fade_gains, fade_in, to_pcm
from server.media.jitter import JitterBuffer, JitterConfig, JitterStats, Playout, PushResult
from server.media.pcm import SILENCE, Mix32, check_frame, frozen, level_dbfs, limit
from server.media.speaking import SpeechConfig, SpeechDetector
from server.media.types import FRAME_SAMPLES, Pcm, Roster, Seat

# A waiting voice replaces the quietest mixed one only when this much louder.
SWAP_MARGIN_DB = 6.0
# A waiting voice is decoded once within this much of replacing one, so that it has
# decoded frames waiting by the time it is mixed (its loudness is smoothed, and the
# jitter buffer holds 40 ms: the frames decoded now are the ones mixed then).
WARM_MARGIN_DB = 4.0
# Waiting voices decoded all the same, the loudest first: the place of a voice that stops,
# is muted or leaves goes to the loudest waiting one at once, with frames already queued
# (40 ms of them), which must be decoded ones.
NEXT_IN_LINE = 1
# A decoded frame's level is the sender's word for it unless that is this much above what
# was decoded: a client claiming to be loud while sending silence cannot hold a place.
# (aiortc's clients send the mono level and an upmix 3 dB quieter.)
TOLD_ABOVE_HEARD_DB = 6.0


@dataclass(frozen=True, slots=True)
class Tick:
    """What one 20 ms tick produced. Every array is read-only and ``FRAME_SAMPLES`` long.

    Each person in the room (when not paused) is in exactly one of
    ``full_mix_listeners`` and ``personal_mixes``; anyone else is in neither.
    """

    # Ticks since the mixer was made: the adapter's RTP clock, pts = index * 960.
    index: int
    paused: bool
    # The room's mix of every speaker: one array for all of full_mix_listeners, to be
    # encoded once. None when paused.
    full_mix: Pcm | None
    full_mix_listeners: frozenset[str]
    # Speakers' mix-minus (everyone but themselves), and each aside member's partner.
    personal_mixes: Mapping[str, Pcm]
    # Whose voice is in full_mix this tick (their gate is open).
    speakers: frozenset[str]
    # (participant, speaking) for each public speaking flag that changed this tick.
    speaking_changes: tuple[tuple[str, bool], ...]

    def mix_for(self, participant: str) -> Pcm | None:
        """What ``participant`` hears this tick; None if they receive nothing."""
        personal = self.personal_mixes.get(participant)
        if personal is not None:
            return personal
        if participant in self.full_mix_listeners:
            return self.full_mix
        return None


class RoomMixer:
    """The audio of one room. Not thread-safe; holds no clock (``now`` is passed in)."""

    def __init__(
        self,
        roster: Roster | None = None,
        *,
        jitter: JitterConfig | None = None,
        speech: SpeechConfig | None = None,
        max_voices: int | None = None,
    ) -> None:
        if max_voices is not None and max_voices < 1:
            raise ValueError("max_voices must be at least 1 (or None for no limit)")
        self._max_voices = max_voices
        # Voices mixed in the last tick, and each speaker's smoothed level (dBFS), by
        # which the loudest are chosen without flapping between near-equal voices.
        self._voices: list[str] = []
        self._next_in_line: list[str] = []  # decoded while waiting (NEXT_IN_LINE)
        self._loudness: dict[str, float] = {}
        self._jitter_config = jitter or JitterConfig()
        self._speech_config = speech or SpeechConfig()
        self._index = 0
        self._roster = Roster()
        self._seats: dict[str, Seat] = {}
        self._partner: dict[str, str] = {}  # aside member -> the other member
        self._buffers: dict[str, JitterBuffer] = {}  # exactly the seats that may be heard
        self._detectors: dict[str, SpeechDetector] = {}  # one per seat
        self.set_roster(roster or Roster())

    @property
    def roster(self) -> Roster:
        return self._roster

    def set_roster(self, roster: Roster) -> None:
        """Adopt new rules from the next tick on.

        Anyone who may no longer be heard loses their buffered frames at once, so audio
        from before a mute is never played after it (nor after a later unmute). So does
        anyone whose aside begins or ends: what they said in private is never played to
        the room after the aside (nor what they said to the room, privately).
        """
        self._roster = roster
        self._seats = {seat.participant: seat for seat in roster.seats}
        before = self._partner
        self._partner = {}
        for aside in roster.asides:
            self._partner[aside.facilitator] = aside.participant
            self._partner[aside.participant] = aside.facilitator
        for person, buffer in self._buffers.items():
            if before.get(person) != self._partner.get(person):
                buffer.reset()
        audible = set() if roster.paused else {
            person for person, seat in self._seats.items() if seat.may_speak
        }
        for person in list(self._buffers):
            if person not in audible:
                del self._buffers[person]
        for person in audible:
            if person not in self._buffers:
                self._buffers[person] = JitterBuffer(self._jitter_config)
        for person in list(self._detectors):
            if person not in self._seats:
                del self._detectors[person]
        for person in self._seats:
            if person not in self._detectors:
                self._detectors[person] = SpeechDetector(self._speech_config)

    def push(self, participant: str, sequence: int, samples: Pcm,
             level: float | None = None) -> PushResult:
        """File one decoded frame from ``participant`` (``ValueError`` if not 960 int16),
        with the level its sender gave (dBFS) if any: then that level, not one measured
        here, is theirs for this frame, as for the frames that are not decoded, so that
        voices are compared on one scale.

        ``REFUSED`` if that person may not be heard now; otherwise the jitter buffer's verdict.
        """
        check_frame(samples)
        buffer = self._buffers.get(participant)
        if buffer is None:
            return PushResult.REFUSED
        return buffer.push(sequence, samples, level)

    def push_level(self, participant: str, sequence: int, level: float) -> PushResult:
        """File a frame that was not decoded (``wants`` said no) by its sender's level
        (dBFS): it counts for the speaking flag and the choice of voices, and plays as
        silence. ``REFUSED`` if that person may not be heard now."""
        buffer = self._buffers.get(participant)
        if buffer is None:
            return PushResult.REFUSED
        return buffer.push_level(sequence, level)

    def wants(self, participant: str, level: float | None) -> bool:
        """Whether a frame arriving now from ``participant`` must be decoded, given the
        level (dBFS) its sender measured (``None``: it did not say, so decode).

        No for anyone who may not be heard (the frame would be refused) and for a voice
        too quiet to open the gate or to take the place of a mixed one; yes for the
        mixed voices, the two in an aside (they hear each other whatever the level) and
        anyone who might be mixed within the jitter buffer's delay."""
        if participant not in self._buffers:
            return False
        if (level is None or participant in self._partner or participant in self._voices
                or participant in self._next_in_line):
            return True
        if level < self._speech_config.close_dbfs:
            return False
        voices = self._voices
        if self._max_voices is None or len(voices) < self._max_voices:
            return True
        loudness = self._loudness
        quietest = min(loudness.get(person, -120.0) for person in voices)
        # The loudness _choose_voices will give them if this level goes on.
        expected = _smoothed(loudness.get(participant), level)
        return expected > quietest + SWAP_MARGIN_DB - WARM_MARGIN_DB

    def jitter_stats(self, participant: str) -> JitterStats | None:
        """The buffer counters of someone who may currently be heard, else None."""
        buffer = self._buffers.get(participant)
        return buffer.stats if buffer is not None else None

    def _choose_voices(self, gated: list[str], levels: dict[str, float],
                       frames: dict[str, Pcm]) -> list[str]:
        """The loudest ``max_voices`` of the gated speakers, keeping the last tick's voices
        unless a newcomer is clearly louder; ``frames`` gets the fades of who joins or leaves."""
        assert self._max_voices is not None
        loudness = self._loudness
        for person in list(loudness):
            if person not in levels:
                del loudness[person]
        for person, level in levels.items():
            loudness[person] = _smoothed(loudness.get(person), level)
        voices = [p for p in self._voices if p in levels]
        waiting = sorted((p for p in gated if p not in voices),
                         key=lambda p: loudness[p], reverse=True)
        while waiting and len(voices) < self._max_voices:
            voices.append(waiting.pop(0))
        if waiting and voices:
            quietest = min(voices, key=lambda p: loudness[p])
            if loudness[waiting[0]] > loudness[quietest] + SWAP_MARGIN_DB:
                voices[voices.index(quietest)] = waiting[0]
        mixed = list(voices)
        for person in voices:
            if person not in self._voices:
                frames[person] = fade_in(frames[person])
        for person in self._voices:
            if person not in voices and person in frames and person in levels:
                # Still talking but no longer mixed: one last frame, fading to silence.
                frame = frames[person]
                frames[person] = to_pcm(frame * fade_gains(0, len(frame), len(frame)))
                mixed.append(person)
        self._voices = voices
        self._next_in_line = waiting[:NEXT_IN_LINE]
        return mixed

    def tick(self, now: float) -> Tick:
        """Advance 20 ms: take one frame per audible person and mix. Call every 20 ms."""
        index = self._index
        self._index += 1
        plays: dict[str, Playout] = {}
        for person, buffer in self._buffers.items():
            played = buffer.pop()
            if played is not None:
                plays[person] = played
        frames: dict[str, Pcm] = {person: played.samples for person, played in plays.items()}

        changes: list[tuple[str, bool]] = []
        speakers: list[str] = []
        levels: dict[str, float] = {}
        for person, detector in self._detectors.items():
            # An aside member's voice is not the room's: their detector hears silence,
            # so the room's speaking flag never reveals that someone talks in private.
            played = None if person in self._partner else plays.get(person)
            level = -math.inf if played is None else _level(played)
            change = detector.update(level, now)
            if change is not None:
                changes.append((person, change))
            if played is not None and detector.gate_open:
                speakers.append(person)
                levels[person] = level
        if self._max_voices is not None:
            speakers = self._choose_voices(speakers, levels, frames)

        if self._roster.paused:
            return Tick(index=index, paused=True, full_mix=None, full_mix_listeners=frozenset(),
                        personal_mixes=MappingProxyType({}), speakers=frozenset(),
                        speaking_changes=tuple(changes))

        total: Mix32 = np.zeros(FRAME_SAMPLES, dtype=np.int32)
        for person in speakers:
            total += frames[person]
        full_mix = frozen(limit(total))
        personal: dict[str, Pcm] = {
            person: frozen(limit(total - frames[person])) for person in speakers
        }
        for person, partner in self._partner.items():
            personal[person] = frames.get(partner, SILENCE)
        listeners = frozenset(
            person for person, seat in self._seats.items()
            if seat.place == "room" and person not in personal
        )
        return Tick(index=index, paused=False, full_mix=full_mix, full_mix_listeners=listeners,
                    personal_mixes=MappingProxyType(personal), speakers=frozenset(speakers),
                    speaking_changes=tuple(changes))


def _smoothed(loudness: float | None, level: float) -> float:
    """A voice's loudness after a frame at ``level`` (dBFS), from what it was (``None``:
    new). About 100 ms of memory: follows a voice, ignores a single loud syllable."""
    return level if loudness is None else 0.8 * loudness + 0.2 * max(level, -120.0)


def _level(played: Playout) -> float:
    """What a frame counts for in the gate and the choice of voices (dBFS): its sender's
    level for a frame not decoded; for a decoded one, what was decoded, or the sender's
    level when it gave one no more than ``TOLD_ABOVE_HEARD_DB`` above that (so decoded and
    undecoded voices are compared on one scale)."""
    if played.level is None:
        return level_dbfs(played.samples)
    if played.level_only:
        return played.level
    return min(played.level, level_dbfs(played.samples) + TOLD_ABOVE_HEARD_DB)
