"""Mix-minus and the moderation rules the mixer enforces (ARCHITECTURE.md invariants 1, 2)."""

from __future__ import annotations

import numpy as np
import pytest

from server.media.jitter import JitterConfig, PushResult
from server.media.mixer import RoomMixer
from server.media.pcm import FULL_SCALE
from server.media.types import Aside, Roster, Seat
from tests.media.room import Room, Signal, heard, mix_of, sine
from tests.media.signals import amplitude_at, spectral_peaks, tone

LEVEL = 8000  # two of these sum below the limiter's knee: mixing is exact
ABSENT = 0.01 * LEVEL  # a tone weaker than 1 % of its level is not there

F = Seat("f", facilitator=True)  # facilitates, listens
A = Seat("a", microphone=True)
B = Seat("b", microphone=True)
C = Seat("c")  # listen-only


def room_with_a_and_b() -> Room:
    room = Room(F, A, B, C)
    room.send("a", sine(440, LEVEL))
    room.send("b", sine(880, LEVEL))
    room.run(5)  # jitter buffers fill, gates open
    return room


def test_each_speaker_hears_the_others_but_not_themselves() -> None:
    room = room_with_a_and_b()
    ticks = room.run(20)  # 400 ms: a 2.5 Hz FFT resolution
    for listener in ("c", "f"):
        assert spectral_peaks(heard(ticks, listener), 2) == pytest.approx([440, 880], abs=3)
    for speaker, own, other in (("a", 440, 880), ("b", 880, 440)):
        mix = heard(ticks, speaker)
        assert spectral_peaks(mix, 1) == pytest.approx([other], abs=3)
        assert amplitude_at(mix, other) == pytest.approx(LEVEL, rel=0.02)
        assert amplitude_at(mix, own) < ABSENT


def test_everyone_not_speaking_shares_one_full_mix() -> None:
    tick = room_with_a_and_b().step()
    assert tick.speakers == {"a", "b"}
    assert tick.full_mix_listeners == {"c", "f"}
    assert set(tick.personal_mixes) == {"a", "b"}
    assert tick.mix_for("c") is tick.mix_for("f") is tick.full_mix  # encoded once
    assert tick.full_mix is not None and not tick.full_mix.flags.writeable


def test_work_grows_with_speakers_not_listeners() -> None:
    listeners = [Seat(f"p{n}", microphone=n % 2 == 0) for n in range(12)]
    room = Room(F, A, B, *listeners)
    room.send("a", sine(440, LEVEL))
    room.send("b", sine(880, LEVEL))
    tick = room.run(5)[-1]
    assert set(tick.personal_mixes) == {"a", "b"}  # one mix-minus per speaker
    assert len(tick.full_mix_listeners) == 13  # everyone else shares a single array
    assert len({id(tick.mix_for(who)) for who in tick.full_mix_listeners}) == 1


def test_a_quiet_open_microphone_is_not_mixed_and_hears_the_full_mix() -> None:
    room = room_with_a_and_b()
    room.rules(F, A, B, C, Seat("d", microphone=True))
    hiss = np.random.default_rng(7)
    room.send("d", lambda _: hiss.normal(0, 20, 960).astype(np.int16))  # about -64 dBFS
    tick = room.run(5)[-1]
    assert "d" not in tick.speakers
    assert "d" in tick.full_mix_listeners and tick.mix_for("d") is tick.full_mix


def test_muting_removes_the_voice_from_every_mix_on_the_next_tick() -> None:
    room = room_with_a_and_b()
    room.rules(F, Seat("a", microphone=False), B, C)
    tick = room.step()
    for listener in ("a", "b", "c", "f"):
        mix = tick.mix_for(listener)
        assert mix is not None and amplitude_at(mix, 440) < ABSENT
    assert amplitude_at(mix_of(tick, "c"), 880) > 0.9 * LEVEL
    assert room.mixer.push("a", 99, tone(440, LEVEL, 99)) is PushResult.REFUSED


def test_audio_from_before_a_mute_is_not_played_after_unmuting() -> None:
    room = room_with_a_and_b()  # a's buffer holds a 440 Hz frame not yet played
    room.rules(F, Seat("a", microphone=False), B, C)
    room.run(3)
    room.rules(F, A, B, C)
    room.send("a", sine(660, LEVEL))  # a now says something else
    ticks = room.run(6)
    assert all(amplitude_at(heard(ticks, who), 440) < ABSENT for who in ("b", "c", "f"))
    assert amplitude_at(heard(ticks[3:], "c"), 660) > 0.9 * LEVEL


def test_a_mute_locked_participant_cannot_contribute() -> None:
    # Even with the microphone flag on (a stale state or a client that ignores the mute).
    room = Room(F, Seat("a", microphone=True, mute_locked=True), B, C)
    room.send("a", sine(440, LEVEL))
    room.send("b", sine(880, LEVEL))
    ticks = room.run(20)
    assert room.mixer.push("a", 100, tone(440, LEVEL, 100)) is PushResult.REFUSED
    assert all("a" not in tick.speakers for tick in ticks)
    for listener in ("a", "c", "f"):  # a may still listen
        assert amplitude_at(heard(ticks[5:], listener), 440) < ABSENT
        assert amplitude_at(heard(ticks[5:], listener), 880) > 0.9 * LEVEL


def test_the_lobby_neither_contributes_nor_hears() -> None:
    room = Room(F, A, C, Seat("l", place="lobby", microphone=True))
    room.send("a", sine(440, LEVEL))
    room.send("l", sine(660, LEVEL))
    ticks = room.run(20)
    assert room.mixer.push("l", 100, tone(660, LEVEL, 100)) is PushResult.REFUSED
    assert all(tick.mix_for("l") is None for tick in ticks)
    for listener in ("c", "f"):
        assert amplitude_at(heard(ticks[5:], listener), 660) < ABSENT


def test_a_removed_participant_neither_contributes_nor_hears() -> None:
    room = room_with_a_and_b()
    room.rules(F, B, C)  # a has no seat any more
    tick = room.step()
    assert tick.mix_for("a") is None
    assert amplitude_at(mix_of(tick, "c"), 440) < ABSENT
    assert room.mixer.push("a", 99, tone(440, LEVEL, 99)) is PushResult.REFUSED
    assert room.mixer.jitter_stats("a") is None


def test_a_paused_room_produces_nothing_until_a_facilitator_returns() -> None:
    room = room_with_a_and_b()
    room.rules(A, B, C)  # the last facilitator left
    paused = room.run(10)
    for tick in paused:
        assert tick.paused and tick.full_mix is None
        assert not tick.personal_mixes and not tick.full_mix_listeners
        assert all(tick.mix_for(who) is None for who in "abc")
    assert room.mixer.push("a", 99, tone(440, LEVEL, 99)) is PushResult.REFUSED
    room.rules(F, A, B, C)
    resumed = room.run(10)[-1]
    assert not resumed.paused
    assert amplitude_at(mix_of(resumed, "c"), 440) > 0.9 * LEVEL


def test_a_room_with_only_people_in_the_lobby_is_paused() -> None:
    assert Roster((Seat("f", place="lobby", facilitator=True), A)).paused
    assert RoomMixer(Roster((A,))).tick(0.0).paused


def test_an_aside_is_private_both_ways() -> None:
    p = Seat("p", microphone=True)
    f = Seat("f", facilitator=True, microphone=True)
    room = Room(f, p, A, B, C, asides=(Aside("f", "p"),))
    room.send("f", sine(300, LEVEL))
    room.send("p", sine(660, LEVEL))
    room.send("a", sine(440, LEVEL))
    room.send("b", sine(880, LEVEL))
    ticks = room.run(25)[5:]
    # The pair hear only each other...
    assert spectral_peaks(heard(ticks, "f"), 1) == pytest.approx([660], abs=3)
    assert spectral_peaks(heard(ticks, "p"), 1) == pytest.approx([300], abs=3)
    for private, room_voice in ((("f", 440), ("f", 880)), (("p", 440), ("p", 880))):
        for who, frequency in (private, room_voice):
            assert amplitude_at(heard(ticks, who), frequency) < ABSENT
    # ...and the room hears neither of them.
    for listener in ("a", "b", "c"):
        for frequency in (300, 660):
            assert amplitude_at(heard(ticks, listener), frequency) < ABSENT
    assert amplitude_at(heard(ticks, "c"), 440) > 0.9 * LEVEL
    # The room is not told that someone is talking in the aside.
    assert all(tick.speakers <= {"a", "b"} for tick in ticks)
    assert not any(who in ("f", "p") and on for tick in ticks for who, on in tick.speaking_changes)


def test_ending_an_aside_brings_the_pair_back() -> None:
    p = Seat("p", microphone=True)
    room = Room(F, p, A, C, asides=(Aside("f", "p"),))
    room.send("p", sine(660, LEVEL))
    room.send("a", sine(440, LEVEL))
    room.run(10)
    room.rules(F, p, A, C)
    ticks = room.run(10)[1:]
    assert amplitude_at(heard(ticks, "c"), 660) > 0.9 * LEVEL
    assert amplitude_at(heard(ticks, "p"), 440) > 0.9 * LEVEL
    assert amplitude_at(heard(ticks, "p"), 660) < ABSENT


def test_what_was_said_in_an_aside_is_not_played_to_the_room_after_it() -> None:
    p = Seat("p", microphone=True)
    room = Room(F, p, A, C, asides=(Aside("f", "p"),))
    room.send("p", sine(1500, LEVEL))  # in private
    room.send("a", sine(440, LEVEL))
    room.run(10)  # frames of the aside are waiting in the buffer as it ends
    room.rules(F, p, A, C)
    room.send("p", sine(660, LEVEL))  # to the room
    ticks = room.run(10)
    for tick in ticks:
        assert amplitude_at(mix_of(tick, "c"), 1500) < ABSENT
    assert amplitude_at(heard(ticks[4:], "c"), 660) > 0.9 * LEVEL


def test_a_muted_aside_partner_is_silence() -> None:
    p = Seat("p", microphone=False)
    room = Room(F, p, asides=(Aside("f", "p"),))
    room.send("p", sine(660, LEVEL))
    tick = room.run(5)[-1]
    assert not np.any(mix_of(tick, "f"))


def test_ten_loud_speakers_never_wrap_around() -> None:
    speakers = [Seat(f"s{n}", microphone=True) for n in range(10)]
    # Depth 1: the frame pushed in a tick is the one mixed in it, so the true sum is known.
    room = Room(F, *speakers, jitter=JitterConfig(target_depth=1))
    signals: dict[str, Signal] = {}
    for n, seat in enumerate(speakers):
        # Full scale and nearly in phase: the sum peaks near ten times int16's range.
        signals[seat.participant] = sine(300, FULL_SCALE, phase=0.1 * n)
        room.send(seat.participant, signals[seat.participant])
    room.run(4)
    for _ in range(10):
        index = room.index
        tick = room.step()
        frames = {who: signal(index).astype(np.int64) for who, signal in signals.items()}
        total = np.sum(list(frames.values()), axis=0)
        expected = {"f": total, **{who: total - frame for who, frame in frames.items()}}
        assert np.abs(total).max() > 9 * FULL_SCALE
        for who, true_sum in expected.items():
            mix = tick.mix_for(who)
            assert mix is not None and mix.dtype == np.int16
            assert np.abs(mix.astype(np.int64)).max() <= FULL_SCALE
            assert np.array_equal(np.sign(mix), np.sign(true_sum))  # no sign flips
    # What the limiter prevents: the same sum in int16 flips sign.
    assert np.any(np.sign(total.astype(np.int16)) != np.sign(total))


def test_speaking_flags_follow_the_voice_rate_limited() -> None:
    room = Room(F, A, C)
    room.send("a", sine(440, LEVEL))
    ticks = room.run(30)
    room.stop("a")
    ticks += room.run(40)
    changes = [(tick.index, who, on) for tick in ticks for who, on in tick.speaking_changes]
    assert [(who, on) for _, who, on in changes] == [("a", True), ("a", False)]
    (started, *_), (stopped, *_) = changes
    # a stops at tick 30; concealment fades for 3 ticks, then 300 ms of hangover.
    assert 30 + 3 + 15 - 1 <= stopped <= 30 + 3 + 15 + 1
    assert started <= 2


def test_frames_are_checked_even_when_refused() -> None:
    mixer = RoomMixer(Roster((F,)))
    with pytest.raises(ValueError):
        mixer.push("nobody", 0, np.zeros(480, dtype=np.int16))


def test_tick_index_counts_ticks() -> None:
    mixer = RoomMixer(Roster((F,)))
    assert [mixer.tick(n * 0.02).index for n in range(3)] == [0, 1, 2]


@pytest.mark.parametrize("seats, asides", [
    ((A, A), ()),
    ((F, A), (Aside("f", "f"),)),
    ((F, A), (Aside("a", "f"),)),  # a is not a facilitator
    ((F, Seat("l", place="lobby")), (Aside("f", "l"),)),
    ((F, A), (Aside("f", "nobody"),)),
    ((F, Seat("g", facilitator=True), A), (Aside("f", "a"), Aside("g", "a"))),
])
def test_an_inconsistent_roster_is_refused(seats: tuple[Seat, ...],
                                           asides: tuple[Aside, ...]) -> None:
    with pytest.raises(ValueError):
        Roster(seats, asides)


def voices_room(*levels: tuple[str, float, float], told: bool = False) -> Room:
    """A room mixing at most three voices, seats p1..p5; each sender is (id, frequency,
    amplitude). ``told``: senders give their levels and only wanted frames are decoded."""
    seats = [F, *(Seat(f"p{n}", microphone=True) for n in range(1, 6)), C]
    room = Room(*seats, levels=told)
    room.mixer = RoomMixer(Roster(tuple(seats)), max_voices=3)
    for pid, frequency, amplitude in levels:
        room.send(pid, sine(frequency, amplitude))
    return room


@pytest.mark.parametrize("told", [False, True], ids=["all decoded", "levels told"])
def test_at_most_three_voices_are_mixed_the_loudest(told: bool) -> None:
    room = voices_room(("p1", 300, 2000), ("p2", 500, 3000), ("p3", 700, 4000),
                       ("p4", 900, 9000), ("p5", 1100, 12000), told=told)
    ticks = room.run(40)
    last = ticks[-1]
    assert len(last.speakers) == 3
    # Every mixed voice has a mix-minus; everyone else, talking or not, shares the full mix.
    assert set(last.personal_mixes) == last.speakers
    assert {"p1", "p2"} & last.full_mix_listeners == {"p1", "p2"}
    assert {"p4", "p5"} <= last.speakers
    mix = heard(ticks[-20:], "c")
    assert amplitude_at(mix, 300) < ABSENT
    assert amplitude_at(mix, 1100) == pytest.approx(12000, rel=0.05)


@pytest.mark.parametrize("told", [False, True], ids=["all decoded", "levels told"])
def test_a_mixed_voice_keeps_its_place_against_one_barely_louder(told: bool) -> None:
    room = voices_room(("p1", 300, 6000), ("p2", 500, 6000), ("p3", 700, 6000), told=told)
    room.run(10)
    room.send("p4", sine(900, 7000))  # 1.3 dB louder than the others: not enough to swap
    ticks = room.run(30)
    assert all(t.speakers == {"p1", "p2", "p3"} for t in ticks)
    room.send("p5", sine(1100, 16000))  # 8.5 dB louder: takes the quietest place
    ticks = room.run(30)
    assert "p5" in ticks[-1].speakers and len(ticks[-1].speakers) == 3


@pytest.mark.parametrize("told", [False, True], ids=["all decoded", "levels told"])
def test_a_voice_leaving_the_mix_fades_out_instead_of_clicking(told: bool) -> None:
    # Frequencies that do not fit a whole number of cycles in 20 ms, so a voice cut at
    # a frame's edge would stop mid-wave.
    room = voices_room(("p1", 310, 6000), ("p2", 530, 6000), ("p3", 730, 6000), told=told)
    room.run(10)
    room.send("p5", sine(1130, 16000))
    ticks = room.run(30)
    assert len({t.speakers for t in ticks}) > 1  # someone did leave the mix
    mix = heard(ticks, "c").astype(np.int32)
    # No sample steps further than all the tones at their steepest could move it.
    steepest = 2 * np.pi * (16000 * 1130 + 6000 * (310 + 530 + 730)) / 48_000
    assert np.abs(np.diff(mix)).max() <= steepest


def test_max_voices_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_voices"):
        RoomMixer(max_voices=0)


# ---- decoding only what may be heard (the RTP audio-level header) --------------

def test_only_the_mixed_voices_are_decoded_and_everyone_talking_shows_as_speaking() -> None:
    room = voices_room(*((f"p{n}", 300 + 200 * n, 6000) for n in range(1, 6)), told=True)
    ticks = room.run(60)
    mixed = ticks[-1].speakers
    assert len(mixed) == 3 and all(t.speakers == mixed for t in ticks[-40:])
    waiting = {"p1", "p2", "p3", "p4", "p5"} - mixed
    for person in mixed:
        assert room.told[person] == 0, f"{person} is mixed but was not decoded"
    # One waiting voice is next in line, decoded so that it can take a place at once; the
    # other was decoded only while there was room for it (the first ticks), never since.
    assert sorted(room.told[person] for person in waiting) == [0, 58]
    # The speaking flag comes from the levels: the two not decoded are talking too, and
    # still flagged so at the end (a silent frame's level would have closed their gates).
    flags: dict[str, bool] = {}
    for tick in ticks:
        flags.update(tick.speaking_changes)
    assert flags == dict.fromkeys(("p1", "p2", "p3", "p4", "p5"), True)
    mix = heard(ticks[-20:], "c")
    for n in range(1, 6):
        present = amplitude_at(mix, 300 + 200 * n) > 0.9 * 6000
        assert present == (f"p{n}" in mixed)


def test_a_louder_voice_is_decoded_before_it_takes_a_place() -> None:
    room = voices_room(("p1", 300, 6000), ("p2", 500, 6000), ("p3", 700, 6000), told=True)
    room.run(10)
    room.send("p5", sine(1100, 16000))
    ticks = room.run(30)
    joined = [t for t in ticks if "p5" in t.speakers]
    assert joined and len(ticks[-1].speakers) == 3
    # Its first mixed frame fades in, the rest are whole: it was decoded before it was
    # mixed, not heard as silence while it caught up.
    assert amplitude_at(mix_of(joined[0], "c"), 1100) > 0.3 * 16000
    for tick in joined[1:]:
        assert amplitude_at(mix_of(tick, "c"), 1100) == pytest.approx(16000, rel=0.05)
    assert room.told["p5"] == 0


def test_a_rising_voice_is_decoded_before_it_takes_a_place() -> None:
    room = voices_room(("p1", 300, 6000), ("p2", 500, 6000), ("p3", 700, 6000), told=True)
    room.run(10)
    # Someone starting to talk: half a decibel louder each 20 ms, from the others' level.
    room.send("p5", lambda index: tone(1100, 6000 * 10 ** (min(index - 10, 30) / 40), index))
    ticks = room.run(50)
    joined = [t for t in ticks if "p5" in t.speakers]
    assert joined
    # Its first mixed frame fades in (so it is about half there), the rest are whole:
    # none of them is the silence of a frame that was not decoded.
    assert amplitude_at(mix_of(joined[0], "c"), 1100) > 0.3 * 6000
    for tick in joined[1:]:
        assert amplitude_at(mix_of(tick, "c"), 1100) > 0.9 * 6000


def test_a_place_freed_by_a_mute_goes_at_once_to_a_decoded_voice() -> None:
    frequencies = {"p1": 300.0, "p2": 500.0, "p3": 700.0, "p4": 900.0}
    room = voices_room(*((p, f, 6000) for p, f in frequencies.items()), told=True)
    mixed = room.run(20)[-1].speakers
    (waiting,) = set(frequencies) - mixed
    muted = sorted(mixed)[0]
    room.rules(F, *(Seat(f"p{n}", microphone=f"p{n}" != muted) for n in range(1, 6)), C)
    ticks = room.run(10)
    joined = [t for t in ticks if waiting in t.speakers]
    assert joined and joined[0] is ticks[0]
    # Its first mixed frame fades in, the rest are whole: not the silence of frames
    # that were not decoded while it waited.
    assert amplitude_at(mix_of(joined[0], "c"), frequencies[waiting]) > 0.3 * 6000
    for tick in joined[1:]:
        assert amplitude_at(mix_of(tick, "c"), frequencies[waiting]) > 0.9 * 6000


def test_a_voice_claiming_to_be_loud_cannot_take_a_place_with_silence() -> None:
    room = voices_room(("p1", 300, 6000), ("p2", 500, 6000), ("p3", 700, 6000),
                       ("p4", 900, 6000), told=True)
    room.run(10)
    room.send("p5", lambda index: np.zeros(960, dtype=np.int16))
    room.claims["p5"] = -3.0  # says 14 dB louder than anyone, sends nothing
    ticks = room.run(100)
    assert not any("p5" in tick.speakers for tick in ticks)
    assert all(len(tick.speakers) == 3 for tick in ticks)


def test_what_the_mixer_wants_decoded() -> None:
    seats = (F, A, B, C, Seat("d", microphone=True))
    mixer = RoomMixer(Roster(seats, (Aside("f", "d"),)), max_voices=1)
    assert not mixer.wants("c", -10.0)  # listen-only: it would be refused
    assert not mixer.wants("nobody", -10.0)
    assert mixer.wants("a", None)  # no level given: decode
    assert not mixer.wants("a", -70.0)  # too quiet to open the gate
    assert mixer.wants("a", -20.0)  # a free place in the mix
    assert mixer.wants("d", -90.0)  # in an aside: the partner hears every frame
    for index in range(6):  # "a" takes the one place
        mixer.push("a", index, tone(440, 6000, index))
        mixer.tick(index * 0.02)
    assert mixer.wants("a", -70.0)  # mixed: decoded however quiet, until it leaves
    assert not mixer.wants("b", -20.0)  # as loud as "a": would not take its place
    assert mixer.wants("b", -3.0)  # far louder: would
    assert mixer.push_level("c", 0, -10.0) is PushResult.REFUSED
