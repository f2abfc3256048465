"""server/media/routing.py: who sees whose camera (invariant 4) and stable slots."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from server.media.routing import assign, assign_all, visible_to
from server.rooms.types import MediaSeat, MediaView


def seat(pid: str, *, staff: bool = False, video: bool = True, place: str = "room",
         shared: bool = True) -> MediaSeat:
    return MediaSeat(participant_id=pid, conn=hash(pid), place=place,  # type: ignore[arg-type]
                     staff=staff, audio=False, video=video, mute_locked=False, shared=shared)


ROOM = (seat("fac", staff=True), seat("ann"), seat("bob"), seat("cat", video=False),
        seat("lou", place="lobby"))
ALL = {"fac", "ann", "bob", "cat", "lou"}


def test_focus_mode_shows_participants_cameras_to_facilitators_only() -> None:
    seen = visible_to(MediaView(seats=ROOM, focus=True), ALL)
    assert seen["fac"] == ["ann", "bob"]
    assert seen["ann"] == ["fac"]
    assert seen["bob"] == ["fac"]
    assert seen["cat"] == ["fac"]
    assert "lou" not in seen  # the lobby sees nothing


def test_without_focus_everyone_in_the_room_sees_everyone_else() -> None:
    seen = visible_to(MediaView(seats=ROOM, focus=False), ALL)
    assert seen["ann"] == ["fac", "bob"]
    assert seen["cat"] == ["fac", "ann", "bob"]


def test_without_focus_a_parents_camera_reaches_the_group_only_once_she_says_yes() -> None:
    room = (seat("fac", staff=True), seat("ann", shared=False), seat("bob"))
    seen = visible_to(MediaView(seats=room, focus=False), {"fac", "ann", "bob"})
    assert seen["fac"] == ["ann", "bob"]  # facilitators see her all the same
    assert seen["bob"] == ["fac"]  # bob doesn't see ann until she says yes
    assert seen["ann"] == ["fac", "bob"]  # she sees those who said yes


def test_a_camera_counts_only_while_the_server_receives_it() -> None:
    seen = visible_to(MediaView(seats=ROOM, focus=False), {"ann"})
    assert seen["bob"] == ["ann"]
    assert seen["fac"] == ["ann"]


def test_slots_stay_put_when_others_come_and_go() -> None:
    assert assign((), ["a", "b"], 3) == ("a", "b", None)
    assert assign(("a", "b", None), ["b", "c"], 3) == ("c", "b", None)
    assert assign(("c", "b", None), ["b", "c", "d", "e"], 3) == ("c", "b", "d")
    assert assign(("c", "b", "d"), [], 3) == (None, None, None)


@given(st.lists(st.sampled_from("abcdefgh"), unique=True),
       st.lists(st.sampled_from("abcdefgh"), unique=True), st.integers(0, 5))
def test_assign_shows_the_first_wanted_and_keeps_the_rest_in_place(
        before: list[str], wanted: list[str], slots: int) -> None:
    previous = tuple(assign((), before, slots))
    after = assign(previous, wanted, slots)
    assert len(after) == slots
    assert {p for p in after if p is not None} == set(wanted[:slots])
    for index, person in enumerate(previous):
        if person is not None and person in wanted[:slots]:
            assert after[index] == person


def test_assign_all_covers_viewers_with_slots_only() -> None:
    view = MediaView(seats=ROOM, focus=True)
    result = assign_all({}, view, ALL, {"fac": 1, "ann": 2})
    assert result == {"fac": ("ann",), "ann": ("fac", None)}


def test_a_paused_room_shows_no_cameras() -> None:
    no_facilitator = tuple(s for s in ROOM if not s.staff)
    assert visible_to(MediaView(seats=no_facilitator, focus=False), ALL) == {}
