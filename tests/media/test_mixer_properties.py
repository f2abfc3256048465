"""Random rooms, rule changes and arrival orders against the mixer, and what must hold.

Every person sends their own tone, at a frequency whose period is a whole number of
samples and whose 960-sample window holds whole cycles, so the tones are orthogonal and
what a mix contains can be read off by frequency. Levels are low enough that any sum
stays below the limiter's knee, where mixing is exact. On every tick:

- a paused room (no facilitator in it) gives nobody anything; otherwise everyone in the
  room gets exactly one mix and nobody else gets one;
- nobody ever hears their own voice (mix-minus);
- the voices of the muted, mute-locked, lobby and seatless are in no mix;
- an aside member's voice reaches their partner only, and they hear nobody else.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from server.media.jitter import PushResult
from server.media.mixer import RoomMixer, Tick
from server.media.types import Aside, Place, Roster, Seat
from tests.media.signals import amplitude_at, tone

PEOPLE = ("f", "g", "p1", "p2", "p3", "p4")  # f and g are facilitators
FREQUENCY = dict(zip(PEOPLE, (500, 1000, 1500, 2000, 3000, 4000), strict=True))
PLACES: tuple[Place | None, ...] = ("room", "room", "lobby", None)  # None: no seat
LEVEL = 3000  # six of these stay below the knee
ABSENT = 0.02 * LEVEL


@st.composite
def rosters(draw: st.DrawFn) -> Roster:
    seats = []
    for person in PEOPLE:
        place = draw(st.sampled_from(PLACES))
        if place is None:
            continue  # no seat: never joined, left, or removed
        seats.append(Seat(person, place=place, facilitator=person in ("f", "g"),
                          microphone=draw(st.booleans()), mute_locked=draw(st.booleans())))
    in_room = [s.participant for s in seats if s.place == "room"]
    asides: list[Aside] = []
    for facilitator in ("f", "g"):
        taken = {p for a in asides for p in (a.facilitator, a.participant)}
        partners = [p for p in in_room if p != facilitator and p not in taken]
        if facilitator in in_room and facilitator not in taken and partners and draw(st.booleans()):
            asides.append(Aside(facilitator, draw(st.sampled_from(partners))))
    return Roster(tuple(seats), tuple(asides))


# Per tick, who delivers which frame, in arrival order: (person, offset from this tick).
# Offsets below zero are late or duplicate frames; frames never sent are losses.
arrivals = st.lists(st.tuples(st.sampled_from(PEOPLE), st.integers(-3, 1)), max_size=12)


@dataclass
class Phase:
    roster: Roster
    ticks: list[list[tuple[str, int]]]


phases = st.lists(st.builds(Phase, rosters(), st.lists(arrivals, min_size=1, max_size=8)),
                  min_size=1, max_size=5)


@settings(max_examples=150, deadline=None)
@given(phases)
def test_rules_hold_for_any_rooms_and_arrival_orders(plan: list[Phase]) -> None:
    mixer = RoomMixer()
    index = 0
    for phase in plan:
        mixer.set_roster(phase.roster)
        seats = {s.participant: s for s in phase.roster.seats}
        partner = {a.facilitator: a.participant for a in phase.roster.asides}
        partner.update({b: a for a, b in partner.items()})
        for pushes in phase.ticks:
            for person, offset in pushes:
                result = mixer.push(person, index + offset, tone(FREQUENCY[person], LEVEL,
                                                                 index + offset))
                audible = person in seats and seats[person].may_speak and not phase.roster.paused
                assert (result is PushResult.REFUSED) == (not audible)
            tick = mixer.tick(index * 0.02)
            index += 1
            check(tick, seats, partner, phase.roster.paused)


def check(tick: Tick, seats: dict[str, Seat], partner: dict[str, str], paused: bool) -> None:
    assert tick.paused == paused
    for listener in PEOPLE:
        mix = tick.mix_for(listener)
        in_room = listener in seats and seats[listener].place == "room"
        if paused or not in_room:
            assert mix is None, f"{listener} must hear nothing"
            continue
        assert mix is not None and mix.shape == (960,)
        assert (listener in tick.personal_mixes) != (listener in tick.full_mix_listeners)
        for speaker in PEOPLE:
            present = amplitude_at(mix, FREQUENCY[speaker]) >= ABSENT
            if not present:
                continue
            assert speaker != listener, f"{listener} hears their own voice"
            seat = seats.get(speaker)
            assert seat is not None and seat.may_speak, f"{speaker} may not be heard"
            if speaker in partner or listener in partner:
                assert partner.get(listener) == speaker, f"aside leak {speaker}->{listener}"
