"""A test driver for ``RoomMixer`` that plays the adapter: senders push, then the mixer ticks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np

from server.media.jitter import JitterConfig
from server.media.mixer import RoomMixer, Tick
from server.media.pcm import level_dbfs
from server.media.types import Aside, Pcm, Roster, Seat
from tests.media.signals import tone

Signal = Callable[[int], Pcm]
TICK_SECONDS = 0.02


def sine(frequency: float, amplitude: float = 8000, *, phase: float = 0.0) -> Signal:
    return lambda index: tone(frequency, amplitude, index, phase=phase)


class Room:
    """Every tick, each current sender's frame for that tick arrives, then the mixer runs.

    With ``levels``, senders say their level as a browser does (the RTP audio-level
    header) and the driver plays ``InlineOpus``: it hands a frame over decoded only if
    the mixer ``wants`` it, else by its level alone; ``decoded`` and ``told`` count each.
    """

    def __init__(self, *seats: Seat, asides: tuple[Aside, ...] = (),
                 jitter: JitterConfig | None = None, levels: bool = False) -> None:
        self.mixer = RoomMixer(Roster(seats, asides), jitter=jitter)
        self.senders: dict[str, Signal] = {}
        self.index = 0
        self.levels = levels
        self.decoded: Counter[str] = Counter()
        self.told: Counter[str] = Counter()
        self.claims: dict[str, float] = {}  # a level a sender gives, whatever it sends

    def send(self, participant: str, signal: Signal) -> None:
        self.senders[participant] = signal

    def stop(self, participant: str) -> None:
        del self.senders[participant]

    def rules(self, *seats: Seat, asides: tuple[Aside, ...] = ()) -> None:
        self.mixer.set_roster(Roster(seats, asides))

    def step(self) -> Tick:
        for participant, signal in self.senders.items():
            frame = signal(self.index)
            level = self.claims.get(participant, level_dbfs(frame)) if self.levels else None
            if level is None or self.mixer.wants(participant, level):
                self.decoded[participant] += 1
                self.mixer.push(participant, self.index, frame, level)
            else:
                self.told[participant] += 1
                self.mixer.push_level(participant, self.index, level)
        tick = self.mixer.tick(self.index * TICK_SECONDS)
        self.index += 1
        return tick

    def run(self, ticks: int) -> list[Tick]:
        return [self.step() for _ in range(ticks)]


def mix_of(tick: Tick, participant: str) -> Pcm:
    """What ``participant`` heard in ``tick`` (fails if they got nothing)."""
    mix = tick.mix_for(participant)
    assert mix is not None, f"{participant} heard nothing in tick {tick.index}"
    return mix


def heard(ticks: list[Tick], participant: str) -> np.ndarray:
    """What ``participant`` heard over ``ticks``, end to end (fails if they got nothing)."""
    return np.concatenate([mix_of(tick, participant) for tick in ticks])
