"""Volunteer time (issue 13, part 4): a session's time entry, how long it counts for, when
two stretches of one person's presence in one room are one session, the totals a volunteer
reads, and the checks on their correction. Pure: times in, numbers out.

*A time entry* is a session as the rooms saw it: from the moment a member of staff joined a
room until they left it (the Leave button, the session ending, or their connection
closing), plus the preparation time the service sets (``HEARTH_PREP_MINUTES``). Their
connection dropping and coming back, or a second tab, makes overlapping or nearby
stretches: those are one session (``merges``), so nothing is counted twice and the
preparation is added once.

*A correction* is the volunteer's own figure for the whole session (preparation included):
the room cannot know they stayed on the phone to a parent afterwards, or left a tab open
over lunch. The recorded figure is kept beside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from server.programme.training import PROGRAMME_TIMEZONE

__all__ = ["MAX_MINUTES", "MERGE_GAP", "REASON_MAX", "HoursSummary", "MonthTotal", "Span",
           "TimeEntry", "correction_problems", "merges", "month_of", "parse_minutes",
           "span_minutes", "summarise"]

MAX_MINUTES: Final = 24 * 60
"""A session counts for at most a day: a larger correction is a typo (900 for 90)."""
MERGE_GAP: Final = timedelta(minutes=15)
"""Stretches of one person in one room this close are one session: a dropped connection, a
browser restarted or a phone changing networks comes back well within it, and a room left
empty keeps its session this long anyway (``Settings.empty_room_grace``, 15 minutes)."""
REASON_MAX: Final = 200
"""A correction's reason: a few words ("stayed on to talk to a parent"), not an account."""
MONTH_ZONE: Final = ZoneInfo(PROGRAMME_TIMEZONE)
"""Months are UK months, as the programme's days are UK days."""


@dataclass(frozen=True, slots=True)
class Span:
    """One stretch of a member of staff's presence in a room, as one connection saw it."""

    staff_id: str
    room_id: str
    audience: str
    role: str
    started: datetime
    ended: datetime


@dataclass(frozen=True, slots=True)
class TimeEntry:
    """A session's time, as stored (``server/store/hours.py``)."""

    id: str
    staff_id: str | None  # None once the account was erased (the time stays, anonymous)
    room_id: str
    room_name: str
    audience: str
    role: str
    started_at: datetime
    ended_at: datetime
    minutes: int  # joined to left
    prep_minutes: int
    corrected_minutes: int | None = None
    corrected_by: str | None = None
    corrected_at: datetime | None = None
    correction_reason: str = ""

    @property
    def recorded(self) -> int:
        """What the rooms recorded: presence plus preparation."""
        return self.minutes + self.prep_minutes

    @property
    def total(self) -> int:
        """What the session counts for: the volunteer's correction, else as recorded."""
        return self.recorded if self.corrected_minutes is None else self.corrected_minutes

    @property
    def corrected(self) -> bool:
        return self.corrected_minutes is not None


def span_minutes(started: datetime, ended: datetime) -> int:
    """Joined to left in whole minutes, to the nearest (never negative)."""
    return max(0, round((ended - started).total_seconds() / 60))


def merges(started: datetime, ended: datetime, span: Span, gap: timedelta = MERGE_GAP) -> bool:
    """Whether ``span`` belongs to the session ``started``-``ended`` of the same person in the
    same room: it overlaps it, or comes within ``gap`` of either end."""
    return span.started <= ended + gap and span.ended >= started - gap


def month_of(when: datetime) -> date:
    """The first day of ``when``'s UK month."""
    local = (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(MONTH_ZONE)
    return local.date().replace(day=1)


@dataclass(frozen=True, slots=True)
class MonthTotal:
    month: date  # its first day
    minutes: int
    sessions: int


@dataclass(frozen=True, slots=True)
class HoursSummary:
    minutes: int
    sessions: int
    months: tuple[MonthTotal, ...]  # newest first


def summarise(entries: Iterable[TimeEntry]) -> HoursSummary:
    """The time given in all, and month by month (UK months, newest first)."""
    by_month: dict[date, list[int]] = {}
    for entry in entries:
        by_month.setdefault(month_of(entry.started_at), []).append(entry.total)
    months = tuple(MonthTotal(month, sum(found), len(found))
                   for month, found in sorted(by_month.items(), reverse=True))
    return HoursSummary(minutes=sum(m.minutes for m in months),
                        sessions=sum(m.sessions for m in months), months=months)


def parse_minutes(text: str) -> int | None:
    """A correction's minutes as typed: a whole number from 0 to ``MAX_MINUTES``; None for
    anything else (a minus sign, a fraction, "1h30", more than a day)."""
    text = text.strip()
    if not text.isascii() or not text.isdecimal():
        return None
    minutes = int(text)
    return minutes if minutes <= MAX_MINUTES else None


def correction_problems(minutes: str, reason: str) -> dict[str, str]:
    """What is wrong with a correction, by field (``minutes``, ``reason``), in English for
    the command line and the logs; the pages put their own words by the same fields."""
    found = {}
    if parse_minutes(minutes) is None:
        found["minutes"] = (f"the time must be whole minutes from 0 to {MAX_MINUTES} "
                            "(24 hours)")
    if not 1 <= len(reason.strip()) <= REASON_MAX:
        found["reason"] = f"a correction needs a reason of 1-{REASON_MAX} characters"
    return found
