"""``hearth room schedule|sessions|unschedule|zone``: when groups meet, from the command line.

A coordinator scripting a term's groups writes, for example::

    hearth room zone r_ab12 Europe/London --opens-before 15
    hearth room schedule r_ab12 2027-01-12 10:00 --minutes 90 --weekly --until 2027-03-30
    hearth room sessions r_ab12

Times are wall-clock times in the group's time zone (``server/rooms/schedule.py``).
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, date, datetime, time
from typing import Any

from server.auth import manage
from server.cli_common import CommandError
from server.rooms.schedule import DEFAULT_OPENS_BEFORE, current_or_next, timezone, upcoming
from server.store.db import RoomRecord, SqlStore

ACTIONS = ("schedule", "sessions", "unschedule", "zone")
SHOWN = 5  # upcoming meetings ``sessions`` lists


def add_parsers(room: Any) -> None:
    """The schedule commands, under ``hearth room``."""
    add = room.add_parser("schedule", help="add a session (once, or weekly) to a room")
    add.add_argument("room", help="the room's id")
    add.add_argument("date", help="the first (or only) day, YYYY-MM-DD")
    add.add_argument("time", help="its start, HH:MM in the room's time zone")
    add.add_argument("--minutes", type=int, default=90, help="how long it lasts (default 90)")
    add.add_argument("--weekly", action="store_true", help="meet every week from that day")
    add.add_argument("--until", metavar="YYYY-MM-DD", help="a weekly series' last day")
    listed = room.add_parser("sessions", help="a room's sessions and its next meetings")
    listed.add_argument("room", help="the room's id")
    remove = room.add_parser("unschedule", help="remove a session (a whole weekly series)")
    remove.add_argument("room", help="the room's id")
    remove.add_argument("session", help="the session's id, as sessions lists it")
    zone = room.add_parser("zone", help="a room's time zone and when its waiting room opens")
    zone.add_argument("room", help="the room's id")
    zone.add_argument("timezone", help="an IANA time zone, e.g. Europe/London")
    zone.add_argument("--opens-before", type=int, default=None, metavar="MINUTES",
                      help=f"open the waiting room this early (default: unchanged, "
                           f"or {DEFAULT_OPENS_BEFORE})")


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{what} {text!r} is not a date like 2027-01-12") from None


def _clock(text: str) -> time:
    try:
        found = time.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a time like 10:00") from None
    return found.replace(second=0, microsecond=0)


async def run(store: SqlStore, actor: str, room: RoomRecord, args: argparse.Namespace) -> str:
    """One schedule command for ``room``; the line(s) to print."""
    try:
        if args.action == "schedule":
            added = await manage.add_session(
                store, actor, room, _day(args.date, "date"), _clock(args.time), args.minutes,
                weekly=args.weekly, until=_day(args.until, "--until") if args.until else None)
            meeting = current_or_next([added], timezone(room.timezone), datetime.now(UTC))
            return json.dumps({"session": added.id,
                               "next": meeting.starts.isoformat() if meeting else None})
        if args.action == "unschedule":
            if not await manage.remove_session(store, actor, room, args.session):
                raise CommandError(f"room {room.id} has no session {args.session!r}")
            return f"removed {args.session} from {room.id}"
        if args.action == "zone":
            before = room.opens_before if args.opens_before is None else args.opens_before
            changed = await manage.set_schedule_settings(store, actor, room, args.timezone,
                                                         before)
            return (f"{room.id} meets in {args.timezone}; its waiting room opens {before} "
                    f"minutes before each session" + ("" if changed else " (unchanged)"))
        return await _listing(store, room)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


async def _listing(store: SqlStore, room: RoomRecord) -> str:
    zone = timezone(room.timezone)
    sessions = await store.schedules.for_room(room.id)
    lines = [f"{room.id} meets in {room.timezone}; the waiting room opens "
             f"{room.opens_before} minutes before each session"]
    if not sessions:
        lines.append("no sessions: the group is open whenever a facilitator runs it")
    for s in sessions:
        repeat = (f"weekly from {s.first}" + (f" until {s.until}" if s.until else "")
                  if s.weekly else f"on {s.first}")
        lines.append(f"{s.id}  {s.start:%H:%M} for {s.minutes} minutes, {repeat}")
    now = datetime.now(UTC)
    for meeting in upcoming(sessions, zone, now, SHOWN):
        local = meeting.starts.astimezone(zone)
        lines.append(f"next: {local:%a %Y-%m-%d %H:%M %Z} ({meeting.session_id})")
    return "\n".join(lines)
