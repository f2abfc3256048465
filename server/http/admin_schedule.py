"""The schedule part of ``/admin/rooms``: a group's sessions (add one, once or weekly;
remove one), its time zone and how early its waiting room opens.

The actions return what ``admin_rooms.room_action`` does next: the ``done`` word, or a
``Refusal`` to re-show the page with what was typed and the words by each field.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from babel.dates import format_date
from starlette.datastructures import FormData

from server import i18n
from server.auth import manage
from server.http.admin_common import field as form_field
from server.i18n import N_, Phrase, Words
from server.rooms.schedule import (
    MAX_MINUTES,
    MAX_OPENS_BEFORE,
    MAX_SESSIONS,
    Occurrence,
    Session,
    current_or_next,
    timezone,
)
from server.store.db import RoomRecord, Store
from server.store.schedules import session_problems, settings_problems

__all__ = ["ACTIONS", "COMMON_ZONES", "DONE", "Refusal", "schedules"]

# Offered first in the time zone field (any IANA name is taken): where Hearth's groups
# and their parents are.
COMMON_ZONES = ("Europe/London", "Europe/Dublin", "Europe/Warsaw", "Asia/Karachi",
                "Europe/Berlin", "Europe/Amsterdam", "Europe/Oslo", "Europe/Stockholm")
DONE = {
    "session-added": N_("The session is saved. Its join page shows the next one, and the "
                        "waiting room opens before each."),
    "session-removed": N_("The session is removed."),
    "schedule": N_("The time zone and the waiting room's opening are saved."),
}
PROBLEMS: dict[str, Words] = {
    "first": N_("Please give the date of the first session."),
    "start": N_("Please give a start time, such as 10:00."),
    "minutes": Phrase(N_("A session lasts between 15 and %(max)s minutes."),
                      {"max": MAX_MINUTES}),
    "until": N_("A weekly series can't end before its first session."),
    "timezone": N_("Please choose a time zone from the list, such as Europe/London."),
    "opens_before": Phrase(N_("The waiting room opens between 0 and %(max)s minutes "
                              "before."), {"max": MAX_OPENS_BEFORE}),
}
TOO_MANY = Phrase(N_("A group has at most %(max)s sessions. Please remove one that has "
                     "ended first."), {"max": MAX_SESSIONS})
NOT_SAVED = N_("Not saved: please see below.")


@dataclass(frozen=True, slots=True)
class Refusal:
    """Re-show the page: ``status``, the words at the top, what was typed, field problems."""

    status: int
    message: Words
    typed: dict[str, str] = field(default_factory=dict)
    errors: dict[str, Words] = field(default_factory=dict)


def _describe(session: Session) -> str:
    """A session in the page's language: "Every Tuesday at 10:00 for 90 minutes, from 8
    Dec 2026 until 30 Mar 2027", or "8 Dec 2026 at 10:00 for 60 minutes"."""
    code = i18n.current().code
    clock = session.start.strftime("%H:%M")
    first = format_date(session.first, "medium", locale=code)
    if not session.weekly:
        return i18n.gettext("{date} at {time} for {minutes} minutes", date=first,
                            time=clock, minutes=session.minutes)
    weekday = format_date(session.first, "EEEE", locale=code)
    if session.until is None:
        return i18n.gettext("Every {weekday} at {time} for {minutes} minutes, from {first}",
                            weekday=weekday, time=clock,
                            minutes=session.minutes, first=first)
    return i18n.gettext("Every {weekday} at {time} for {minutes} minutes, from {first} "
                        "until {until}", weekday=weekday, time=clock,
                        minutes=session.minutes, first=first,
                        until=format_date(session.until, "medium", locale=code))


@dataclass(frozen=True, slots=True)
class RoomSchedule:
    sessions: list[tuple[str, str]]  # (id, words)
    next: Occurrence | None


async def schedules(store: Store, rooms: Sequence[RoomRecord]) -> dict[str, RoomSchedule]:
    """Each room's sessions, described, and its meeting that is on or next."""
    now = datetime.now(UTC)
    by_room = await store.schedules.for_rooms([r.id for r in rooms])
    found = {}
    for room in rooms:
        sessions = by_room.get(room.id, [])
        found[room.id] = RoomSchedule(
            [(s.id, _describe(s)) for s in sessions],
            current_or_next(sessions, timezone(room.timezone), now) if sessions else None)
    return found


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _clock(text: str) -> time | None:
    try:
        return time.fromisoformat(text).replace(second=0, microsecond=0) if text else None
    except ValueError:
        return None


def _number(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


async def _add(store: Store, actor: str, room: RoomRecord, form: FormData) -> str | Refusal:
    typed = {"first": form_field(form, "first", 10), "start": form_field(form, "start", 8),
             "minutes": form_field(form, "minutes", 4), "until": form_field(form, "until", 10),
             "weekly": "on" if form.get("weekly") else ""}
    first, start, minutes = _day(typed["first"]), _clock(typed["start"]), _number(typed["minutes"])
    until = _day(typed["until"]) if typed["weekly"] else None
    problems = set(session_problems(first, start, minutes, until))
    if typed["weekly"] and typed["until"] and until is None:
        problems.add("until")
    if problems or first is None or start is None or minutes is None:
        return Refusal(400, NOT_SAVED, typed, {k: PROBLEMS[k] for k in problems})
    try:
        await manage.add_session(store, actor, room, first, start, minutes,
                                 weekly=bool(typed["weekly"]), until=until)
    except ValueError:  # validated above: only the number of sessions is left
        return Refusal(400, TOO_MANY, typed)
    return "session-added"


async def _remove(store: Store, actor: str, room: RoomRecord, form: FormData) -> str | Refusal:
    if not await manage.remove_session(store, actor, room, form_field(form, "session", 40)):
        return Refusal(404, N_("There is no such session."))
    return "session-removed"


async def _settings(store: Store, actor: str, room: RoomRecord, form: FormData
                    ) -> str | Refusal:
    typed = {"timezone": form_field(form, "timezone", 64).strip(),
             "opens_before": form_field(form, "opens_before", 4)}
    opens_before = _number(typed["opens_before"])
    problems = settings_problems(typed["timezone"], opens_before)
    if problems or opens_before is None:
        return Refusal(400, NOT_SAVED, typed, {k: PROBLEMS[k] for k in problems})
    changed = await manage.set_schedule_settings(store, actor, room, typed["timezone"],
                                                 opens_before)
    return "schedule" if changed else "unchanged"


Action = Callable[[Store, str, RoomRecord, FormData], Awaitable[str | Refusal]]
ACTIONS: dict[str, Action] = {"session-add": _add, "session-remove": _remove,
                              "schedule": _settings}
