"""When a group meets: its sessions, one-off or weekly, in the group's own time zone.

A session is kept as a wall-clock time in the group's time zone (a date, a time of day and
a length), never as a UTC instant: a weekly group at 10:00 in London meets at 10:00 in
both winter and summer time, so each occurrence is placed in its own day's offset. Pages
then show each occurrence in the reader's own time zone (``<time data-local>``), so a
parent in Lahore sees when a London group meets in her time.

The waiting room (the lobby) of a group with sessions opens ``opens_before`` minutes
before each occurrence and stays open until it ends; a group with no sessions is open
whenever a facilitator runs it, as before schedules existed.
"""

from __future__ import annotations

import heapq
import itertools
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

__all__ = [
    "DEFAULT_OPENS_BEFORE",
    "DEFAULT_TIMEZONE",
    "MAX_MINUTES",
    "MAX_OPENS_BEFORE",
    "MAX_SESSIONS",
    "Occurrence",
    "Session",
    "current_or_next",
    "lobby_opens",
    "occurrences",
    "timezone",
    "timezone_problem",
    "upcoming",
]

DEFAULT_TIMEZONE: Final = "Europe/London"
DEFAULT_OPENS_BEFORE: Final = 15
"""Minutes: long enough to check a microphone and read the agreement, short enough that
nobody waits alone in an empty lobby for long."""
MAX_OPENS_BEFORE: Final = 120
MAX_MINUTES: Final = 8 * 60
"""A session's longest length: a long day workshop, not a room left open for days."""
MAX_SESSIONS: Final = 50
"""Sessions (one-off or weekly series) a group may have: a page of them, not a calendar."""


@dataclass(frozen=True, slots=True)
class Session:
    """One session, or a weekly series of them, in the group's time zone."""

    id: str
    room_id: str
    first: date  # the day of the first (or only) meeting
    start: time  # its wall-clock start in the group's time zone
    minutes: int
    weekly: bool = False
    until: date | None = None  # the last day a weekly series may meet (inclusive)


@dataclass(frozen=True, slots=True, order=True)
class Occurrence:
    """One meeting: when it starts and ends (aware, UTC), and which session it is."""

    starts: datetime
    ends: datetime
    session_id: str


def timezone(name: str) -> zoneinfo.ZoneInfo:
    """The time zone named ``name`` (IANA, e.g. ``Europe/London``); ValueError if unknown."""
    problem = timezone_problem(name)
    if problem:
        raise ValueError(problem)
    return zoneinfo.ZoneInfo(name)


def timezone_problem(name: str) -> str | None:
    """Why ``name`` is not a time zone Hearth can use, or None."""
    # available_timezones() reads the tzdata package or the system database once; a name
    # outside it (or a path such as "../etc") is refused before ZoneInfo opens any file.
    if name not in _zones():
        return "not a known time zone (use a name such as Europe/London or Asia/Karachi)"
    return None


_ZONES: set[str] = set()


def _zones() -> set[str]:
    if not _ZONES:
        _ZONES.update(zoneinfo.available_timezones())
    return _ZONES


def _days(session: Session, earliest: date) -> Iterator[date]:
    """The session's meeting days, skipping whole weeks before ``earliest``."""
    day = session.first
    if not session.weekly:
        yield day
        return
    if earliest > day:
        day += timedelta(days=7 * ((earliest - day).days // 7))
    while session.until is None or day <= session.until:
        yield day
        day += timedelta(days=7)


def _occurrence(session: Session, day: date, zone: zoneinfo.ZoneInfo) -> Occurrence:
    # Wall clock in the group's zone, then UTC: each day gets its own offset (summer time).
    # A start inside the spring-forward gap (01:30 on the last Sunday of March in London)
    # resolves, as zoneinfo does with fold 0, to the hour after.
    starts = datetime.combine(day, session.start, tzinfo=zone).astimezone(UTC)
    return Occurrence(starts, starts + timedelta(minutes=session.minutes), session.id)


def _meetings(session: Session, zone: zoneinfo.ZoneInfo, start: datetime
              ) -> Iterator[Occurrence]:
    """The session's meetings that have not ended by ``start``, in order (endless for a
    weekly series without a last day: callers take what they need)."""
    # A meeting that began the day before ``start`` (in the zone) may still overlap it.
    earliest = (start.astimezone(zone) - timedelta(minutes=session.minutes, days=1)).date()
    for day in _days(session, earliest):
        meeting = _occurrence(session, day, zone)
        if meeting.ends > start:
            yield meeting


def _merged(sessions: Iterable[Session], zone: zoneinfo.ZoneInfo, start: datetime
            ) -> Iterator[Occurrence]:
    """Every session's meetings from ``start`` on, in order of starting time: each session's
    are in order already, so a lazy merge reads only as far as the caller goes."""
    return heapq.merge(*(_meetings(s, zone, start) for s in sessions))


def occurrences(sessions: Iterable[Session], zone: zoneinfo.ZoneInfo, start: datetime,
                end: datetime) -> list[Occurrence]:
    """Every meeting that overlaps [start, end), in order of starting time."""
    return list(itertools.takewhile(lambda m: m.starts < end, _merged(sessions, zone, start)))


def current_or_next(sessions: Iterable[Session], zone: zoneinfo.ZoneInfo,
                    now: datetime) -> Occurrence | None:
    """The meeting going on at ``now``, else the next one to start; None if none is planned."""
    return next(_merged(sessions, zone, now), None)


def upcoming(sessions: Iterable[Session], zone: zoneinfo.ZoneInfo, now: datetime,
             count: int) -> list[Occurrence]:
    """The meeting going on at ``now`` and the next ones to start: at most ``count``, however
    far ahead they were planned."""
    return list(itertools.islice(_merged(sessions, zone, now), count))


def lobby_opens(sessions: Iterable[Session], zone: zoneinfo.ZoneInfo, opens_before: int,
                now: datetime) -> tuple[bool, Occurrence | None]:
    """Whether the waiting room is open at ``now``, and the meeting it is (or will be) open
    for. Open: no sessions at all (a group without a schedule), or from ``opens_before``
    minutes before a meeting starts until it ends."""
    sessions = list(sessions)
    if not sessions:
        return True, None
    early = timedelta(minutes=opens_before)
    # A meeting that starts within ``early`` of now is the one the lobby opens for.
    meeting = current_or_next(sessions, zone, now)
    if meeting is None:
        return False, None
    return meeting.starts - early <= now, meeting
