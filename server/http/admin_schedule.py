"""The schedule part of ``/admin/rooms``: a group's sessions (add one, once or weekly;
remove one), its time zone and how early its waiting room opens.

The actions return what ``admin_rooms.room_action`` does next: the ``done`` word, or a
``Refusal`` to re-show the page with what was typed and the words by each field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from starlette.datastructures import FormData
from starlette.requests import Request

from server import i18n
from server.auth import manage
from server.http.admin_common import (
    NOT_SAVED,
    Refusal,
    RoomAction,
    parse_clock,
    parse_day,
    parse_number,
)
from server.http.admin_common import field as form_field
from server.http.common import services
from server.http.schedule import agenda
from server.i18n import N_, Phrase, Words
from server.rooms.schedule import (
    MAX_MINUTES,
    MAX_OPENS_BEFORE,
    MAX_SESSIONS,
    Occurrence,
    Session,
)
from server.store.db import RoomRecord, Staff, Store
from server.store.schedules import session_problems, settings_problems

__all__ = ["ACTIONS", "COMMON_ZONES", "DONE", "TYPED", "Schedules", "schedules"]

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


def _describe(session: Session) -> str:
    """A session in the page's language: "Every Tuesday at 10:00 for 90 minutes, from 8
    Dec 2026 until 30 Mar 2027", or "8 Dec 2026 at 10:00 for 60 minutes"."""
    clock = i18n.when_words(session.start, "clock")
    first = i18n.when_words(session.first, "date")
    if not session.weekly:
        return i18n.gettext("{date} at {time} for {minutes} minutes", date=first,
                            time=clock, minutes=session.minutes)
    weekday = i18n.when_words(session.first, "weekday")
    if session.until is None:
        return i18n.gettext("Every {weekday} at {time} for {minutes} minutes, from {first}",
                            weekday=weekday, time=clock,
                            minutes=session.minutes, first=first)
    return i18n.gettext("Every {weekday} at {time} for {minutes} minutes, from {first} "
                        "until {until}", weekday=weekday, time=clock,
                        minutes=session.minutes, first=first,
                        until=i18n.when_words(session.until, "date"))


@dataclass(frozen=True, slots=True)
class RoomSchedule:
    sessions: list[tuple[str, str]]  # (id, words)
    next: Occurrence | None


@dataclass(frozen=True, slots=True)
class Schedules:
    """Each room's sessions, described, and its meeting that is on or next, as of ``now``."""

    now: datetime
    rooms: dict[str, RoomSchedule]


async def schedules(store: Store, rooms: Sequence[RoomRecord],
                    now: datetime | None = None) -> Schedules:
    """The schedule part of each room's card: ``schedule.agenda``'s meetings (the one
    place a room's meeting that is on or next is worked out), with its sessions in words."""
    found = await agenda(store, rooms, now)
    return Schedules(found.now, {
        room.id: RoomSchedule([(s.id, _describe(s)) for s in found.sessions[room.id]],
                              found.next.get(room.id))
        for room in rooms})


def typed_session(form: FormData) -> dict[str, str]:
    """The form that adds a session, as typed."""
    return {"first": form_field(form, "first", 10), "start": form_field(form, "start", 8),
            "minutes": form_field(form, "minutes", 4), "until": form_field(form, "until", 10),
            "weekly": "on" if form.get("weekly") else ""}


def typed_settings(form: FormData) -> dict[str, str]:
    """The time zone and waiting room form, as typed."""
    return {"timezone": form_field(form, "timezone", 64).strip(),
            "opens_before": form_field(form, "opens_before", 4)}


async def _add(request: Request, admin: Staff, room: RoomRecord, form: FormData
               ) -> str | Refusal:
    typed = typed_session(form)
    first, start = parse_day(typed["first"]), parse_clock(typed["start"])
    minutes = parse_number(typed["minutes"])
    until = parse_day(typed["until"]) if typed["weekly"] else None
    problems = set(session_problems(first, start, minutes, until))
    if typed["weekly"] and typed["until"] and until is None:
        problems.add("until")
    if problems or first is None or start is None or minutes is None:
        return Refusal(400, NOT_SAVED, typed, {k: PROBLEMS[k] for k in problems})
    try:
        await manage.add_session(services(request).store, admin.username, room, first, start,
                                 minutes, weekly=bool(typed["weekly"]), until=until)
    except ValueError:  # validated above: only the number of sessions is left
        return Refusal(400, TOO_MANY, typed)
    return "session-added"


async def _remove(request: Request, admin: Staff, room: RoomRecord, form: FormData
                  ) -> str | Refusal:
    if not await manage.remove_session(services(request).store, admin.username, room,
                                       form_field(form, "session", 40)):
        return Refusal(404, N_("There is no such session."))
    return "session-removed"


async def _settings(request: Request, admin: Staff, room: RoomRecord, form: FormData
                    ) -> str | Refusal:
    typed = typed_settings(form)
    opens_before = parse_number(typed["opens_before"])
    problems = settings_problems(typed["timezone"], opens_before)
    if problems or opens_before is None:
        return Refusal(400, NOT_SAVED, typed, {k: PROBLEMS[k] for k in problems})
    changed = await manage.set_schedule_settings(services(request).store, admin.username,
                                                 room, typed["timezone"], opens_before)
    return "schedule" if changed else "unchanged"


ACTIONS: dict[str, RoomAction] = {"session-add": _add, "session-remove": _remove,
                                  "schedule": _settings}
# What each form sends back when it had expired (nothing typed is lost).
TYPED = {"session-add": typed_session, "schedule": typed_settings}
