"""Reflection (issue 13, part 4): a volunteer's debrief after a session, and the notes of their
supervision. Pure: what each holds and what is wrong with one as typed.

*A debrief* is a few minutes' reflection offered after each session, for the volunteer's
own wellbeing (supporting others can bring back their own experiences) and for their
supervision: how it went, what affected them, anything else, and anything for
safeguarding. The last is raised to the safeguarding lead as an escalation
(``server/programme/reflective.py``): the lead reads that concern, never the debrief.

*A supervision note* is what a coordinator, as the volunteer's supervisor, writes after a
reflective supervision: the volunteer reads it too.

Who reads which, and the audit entry each reading writes, is ``reflective.py``'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

from server.safeguarding.words import CATEGORY_WORDS

__all__ = ["CONCERN_CATEGORIES", "NAME_MAX", "TEXT_MAX", "WENT", "Debrief", "DebriefForm",
           "SupervisionNote", "debrief_problems", "note_problems"]

WENT: Final = ("well", "mixed", "hard")
"""How the session went for them: three words a supervisor can see a pattern in."""
TEXT_MAX: Final = 2000
"""Each free-text answer: room for a few paragraphs, which is more than a debrief needs."""
NAME_MAX: Final = 64
"""Who a concern is about: the name they used in the group (a pseudonym's length)."""
CONCERN_CATEGORIES: Final = tuple(CATEGORY_WORDS)
"""What a concern may be about: the categories the lead's pages already put in words."""
NOTE_FURTHEST_BACK: Final = timedelta(days=366)
"""A supervision note is written soon after the supervision: a year back is a typo."""


@dataclass(frozen=True, slots=True)
class DebriefForm:
    """A debrief as typed (trimmed by the caller); ``concern``: the box was ticked."""

    went: str
    affected: str = ""
    notes: str = ""
    concern: bool = False
    concern_text: str = ""
    concern_about: str = ""
    concern_category: str = ""


@dataclass(frozen=True, slots=True)
class Debrief:
    id: str
    entry_id: str  # the session's time entry (``hours.TimeEntry``)
    staff_id: str
    went: str
    affected: str
    notes: str
    concern_text: str
    concern_about: str
    concern_category: str
    concern_alert: str | None  # the alert the concern was raised through, once it was
    concern_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @property
    def concern_raised(self) -> bool:
        return self.concern_alert is not None


@dataclass(frozen=True, slots=True)
class SupervisionNote:
    id: str
    staff_id: str  # the volunteer
    held_on: date
    text: str
    written_by: str  # the coordinator's staff id
    created_at: datetime


def debrief_problems(form: DebriefForm) -> dict[str, str]:
    """What is wrong with a debrief, by field, in English (the pages have their own words).
    A concern needs words: the lead cannot act on a ticked box alone."""
    found = {}
    if form.went not in WENT:
        found["went"] = f"how it went must be one of {', '.join(WENT)}"
    for name in ("affected", "notes", "concern_text"):
        if len(getattr(form, name)) > TEXT_MAX:
            found[name] = f"at most {TEXT_MAX} characters"
    if form.concern and not form.concern_text.strip():
        found["concern_text"] = "say what the concern is, for the safeguarding lead"
    if len(form.concern_about) > NAME_MAX:
        found["concern_about"] = f"at most {NAME_MAX} characters"
    if form.concern_category and form.concern_category not in CONCERN_CATEGORIES:
        found["concern_category"] = "choose from the list"
    return found


def note_problems(held_on: date | None, text: str, on: date) -> dict[str, str]:
    """What is wrong with a supervision note as of the day ``on``, by field."""
    found = {}
    if held_on is None or held_on > on or held_on < on - NOTE_FURTHEST_BACK:
        found["held_on"] = "the day it was held: today or within the last year"
    if not 1 <= len(text.strip()) <= TEXT_MAX:
        found["text"] = f"a note needs 1-{TEXT_MAX} characters"
    return found
