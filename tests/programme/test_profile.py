"""Issue 13, part 3: a volunteer's profile fields and supervision dates
(server/programme/profile.py)."""

from __future__ import annotations

from datetime import date

from server import i18n
from server.programme.profile import (
    AUDIENCES,
    LANGUAGES,
    SLOTS,
    ordered,
    profile_problems,
    supervision_problem,
    supervision_state,
)
from server.store import db


def test_the_vocabularies_are_the_groups_and_the_pages() -> None:
    assert AUDIENCES == db.AUDIENCES
    assert set(LANGUAGES) == set(i18n.LANGUAGES)
    assert len(SLOTS) == 21 and SLOTS[0] == "mon-morning" and SLOTS[-1] == "sun-evening"


def test_profile_problems_name_each_field() -> None:
    assert profile_problems(languages=["en", "ur"], audiences=["mothers"],
                            availability=["tue-evening"], lived_experience="Twins, NICU") == {}
    found = profile_problems(languages=["fr"], audiences=["babies"], availability=["tue-night"],
                             other_languages="x" * 101, availability_note="y" * 301,
                             lived_experience="z" * 501)
    assert set(found) == {"languages", "audiences", "availability", "other_languages",
                          "availability_note", "lived_experience"}


def test_choices_are_kept_in_their_vocabularys_order() -> None:
    assert ordered(["ur", "en", "ur"], LANGUAGES) == ("en", "ur")
    assert ordered(["sun-evening", "mon-morning"], SLOTS) == ("mon-morning", "sun-evening")


def test_supervision_is_overdue_once_its_day_has_passed() -> None:
    on = date(2026, 12, 6)
    assert supervision_state(None, on) == "none"
    assert supervision_state(date(2026, 12, 5), on) == "overdue"
    assert supervision_state(on, on) == "due"
    assert supervision_state(date(2026, 12, 20), on) == "due"
    assert supervision_state(date(2026, 12, 21), on) == "planned"
    assert supervision_problem(date(2027, 1, 15), on) is None
    assert supervision_problem(date(2277, 1, 15), on) is not None
