"""A volunteer's profile: what a coordinator needs to match them with groups and, later, with
parents asking for one-to-one support (issue 13, part 2).

- *Languages*: those Hearth's groups run in (checked), and any others as words ("Punjabi,
  Mirpuri"), for the coordinator to read.
- *Audiences*: the kinds of group they support (a group's audience, ``server/store/db.py``).
- *Availability*: a week's grid, each day in three parts (morning until 12:00, afternoon
  until 17:00, evening after), because matching asks "who can do Tuesday evenings?" and a
  grid answers that where free text cannot; a short note beside it for the rest ("term
  time only", "not the first week of the month").
- *Lived experience*: a few optional lines in the volunteer's words, seen by coordinators
  and admins only (never by the volunteer's groups, never in an audit entry).

Pure: ``server/programme/manage.save_profile`` checks (``profile_problems``) and tidies a
profile, and the store keeps it as given (``server/store/volunteers.py``); a page calls
``profile_problems`` itself too, to put its own words by each field.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

__all__ = ["AUDIENCES", "AVAILABILITY_NOTE_MAX", "DAYS", "LANGUAGES", "LIVED_EXPERIENCE_MAX",
           "OTHER_LANGUAGES_MAX", "PARTS", "SLOTS", "SUPERVISION_SOON", "Profile", "ordered",
           "profile_problems", "slot", "supervision_problem", "supervision_state"]

LANGUAGES: Final = ("en", "pl", "ur")
"""Languages a volunteer can be matched in: those Hearth's pages and groups speak."""
AUDIENCES: Final = ("mothers", "fathers_partners", "everyone")
"""The groups' audiences (``server/store/db.AUDIENCES``; a test keeps the two the same)."""
DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PARTS: Final = ("morning", "afternoon", "evening")
SLOTS: Final = tuple(f"{day}-{part}" for day in DAYS for part in PARTS)
OTHER_LANGUAGES_MAX: Final = 100
AVAILABILITY_NOTE_MAX: Final = 300
LIVED_EXPERIENCE_MAX: Final = 500
"""A few lines to match by ("twins, NICU stay, postnatal depression"), not a case history."""
SUPERVISION_SOON: Final = timedelta(days=14)
"""A supervision due this soon is flagged "due": two weeks to find a slot with a supervisor."""
SUPERVISION_EARLIEST: Final = date(2000, 1, 1)
SUPERVISION_AHEAD: Final = timedelta(days=3 * 366)
"""Supervision is every few weeks or months: a date years ahead is a typo (20277 for 2027)."""


def slot(day: str, part: str) -> str:
    """The availability slot of ``day`` (``DAYS``) and ``part`` (``PARTS``): "tue-evening"."""
    return f"{day}-{part}"


@dataclass(frozen=True, slots=True)
class Profile:
    staff_id: str
    languages: tuple[str, ...] = ()
    other_languages: str = ""
    audiences: tuple[str, ...] = ()
    availability: tuple[str, ...] = ()  # slots, in ``SLOTS`` order
    availability_note: str = ""
    lived_experience: str = ""
    supervision_due: date | None = None  # the next reflective supervision, set by a coordinator
    # Their supervisor's account (``reflective.supervisor`` says whether it still counts);
    # None: none chosen yet.
    supervisor_id: str | None = None

    @property
    def empty(self) -> bool:
        """Nothing recorded yet (the supervision date and supervisor apart)."""
        return not (self.languages or self.other_languages or self.audiences
                    or self.availability or self.availability_note or self.lived_experience)


def supervision_state(due: date | None, on: date) -> str:
    """"none" (no date set), "overdue" (the day has passed), "due" (within
    ``SUPERVISION_SOON``) or "planned"."""
    if due is None:
        return "none"
    if due < on:
        return "overdue"
    return "due" if due - on <= SUPERVISION_SOON else "planned"


def supervision_problem(due: date, on: date) -> str | None:
    """Why ``due`` cannot be a supervision date (set on the day ``on``), or None."""
    if not SUPERVISION_EARLIEST <= due <= on + SUPERVISION_AHEAD:
        return (f"a supervision date is between {SUPERVISION_EARLIEST.isoformat()} and three "
                "years from now")
    return None


def ordered(chosen: Iterable[str], allowed: tuple[str, ...]) -> tuple[str, ...]:
    """``chosen`` in ``allowed``'s order, once each (unknown values dropped: check first)."""
    wanted = set(chosen)
    return tuple(value for value in allowed if value in wanted)


def profile_problems(*, languages: Iterable[str] = (), other_languages: str = "",
                     audiences: Iterable[str] = (), availability: Iterable[str] = (),
                     availability_note: str = "", lived_experience: str = ""
                     ) -> dict[str, str]:
    """What is wrong with a profile's fields, by field (English, for the command line and
    ``manage.save_profile``; the pages put their own words by the same fields). Empty:
    all fine."""
    found = {}
    if set(languages) - set(LANGUAGES):
        found["languages"] = f"languages are chosen from {', '.join(LANGUAGES)}"
    if len(other_languages.strip()) > OTHER_LANGUAGES_MAX:
        found["other_languages"] = (f"other languages take at most {OTHER_LANGUAGES_MAX} "
                                    "characters")
    if set(audiences) - set(AUDIENCES):
        found["audiences"] = f"audiences are chosen from {', '.join(AUDIENCES)}"
    if set(availability) - set(SLOTS):
        found["availability"] = "availability is a day and a part of it, such as tue-evening"
    if len(availability_note.strip()) > AVAILABILITY_NOTE_MAX:
        found["availability_note"] = (f"the availability note takes at most "
                                      f"{AVAILABILITY_NOTE_MAX} characters")
    if len(lived_experience.strip()) > LIVED_EXPERIENCE_MAX:
        found["lived_experience"] = (f"lived experience takes at most {LIVED_EXPERIENCE_MAX} "
                                     "characters")
    return found
