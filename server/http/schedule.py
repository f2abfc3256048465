"""When a group meets, on the web: the join page's next session, the waiting room's opening
at ``/api/join``, staff's sessions of the day, and "add to calendar" (``.ics``) files.

The times themselves come from ``server/rooms/schedule.py``; pages carry them as UTC
instants in ``<time data-local>`` so each reader sees her own local time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import icalendar
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.http.common import invited_room, services
from server.rooms.schedule import (
    Occurrence,
    Session,
    current_or_next,
    lobby_opens,
    occurrences,
    timezone,
)
from server.store.db import RoomRecord, Store

__all__ = ["Agenda", "Timing", "agenda", "calendar", "routes", "timing"]


@dataclass(frozen=True, slots=True)
class Timing:
    """A group's timing at the moment ``now``: whether its waiting room is open, the meeting
    that is on or next (None: none planned), and when the waiting room opens for it. A page
    says "on now" against this same ``now``, never a second reading of the clock."""

    now: datetime
    scheduled: bool  # the group has sessions at all (else it is open whenever it runs)
    open: bool
    meeting: Occurrence | None
    opens_at: datetime | None

    @property
    def on_now(self) -> bool:
        return self.meeting is not None and self.meeting.starts <= self.now


async def timing(store: Store, room: RoomRecord, now: datetime | None = None) -> Timing:
    now = now or datetime.now(UTC)
    sessions = await store.schedules.for_room(room.id)
    is_open, meeting = lobby_opens(sessions, timezone(room.timezone), room.opens_before, now)
    opens_at = (meeting.starts - timedelta(minutes=room.opens_before)
                if meeting is not None else None)
    return Timing(now, bool(sessions), is_open, meeting, opens_at)


@dataclass(frozen=True, slots=True)
class Agenda:
    """For a staff page, at the moment ``now``: the meetings of its rooms from now to the
    end of today (in each room's own time zone), each scheduled room's meeting that is on
    or next (when asked for), and each room's sessions as stored."""

    now: datetime
    today: list[tuple[RoomRecord, Occurrence]]
    next: dict[str, Occurrence]
    sessions: dict[str, list[Session]]


async def agenda(store: Store, rooms: Sequence[RoomRecord], now: datetime | None = None,
                 *, upcoming: bool = True) -> Agenda:
    """``upcoming`` False: no room's meeting that is on or next (a page that lists only
    today's, such as the lead's)."""
    now = now or datetime.now(UTC)
    by_room = await store.schedules.for_rooms([r.id for r in rooms])
    today: list[tuple[RoomRecord, Occurrence]] = []
    following: dict[str, Occurrence] = {}
    for room in rooms:
        sessions = by_room.get(room.id)
        if not sessions:
            continue
        zone = timezone(room.timezone)
        midnight = datetime.combine(now.astimezone(zone).date() + timedelta(days=1),
                                    datetime.min.time(), tzinfo=zone)
        today.extend((room, meeting) for meeting in
                     occurrences(sessions, zone, now, midnight.astimezone(UTC)))
        meeting = current_or_next(sessions, zone, now) if upcoming else None
        if meeting is not None:
            following[room.id] = meeting
    return Agenda(now, sorted(today, key=lambda pair: (pair[1].starts, pair[0].name)),
                  following, {room.id: list(by_room.get(room.id) or []) for room in rooms})


def calendar(room: RoomRecord, sessions: Sequence[Session], link: str, host: str) -> bytes:
    """An iCalendar file with one event per session (a weekly one repeats), in the room's
    time zone with its VTIMEZONE, so calendars move it with summer time as the group does."""
    zone = timezone(room.timezone)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Hearth//group sessions//EN")
    cal.add("version", "2.0")
    cal.add("name", room.name)
    stamp = datetime.now(UTC).replace(microsecond=0)
    for session in sessions:
        event = icalendar.Event()
        event.add("uid", f"{session.id}@{host}")
        event.add("dtstamp", stamp)
        event.add("summary", f"Hearth: {room.name}")
        event.add("dtstart", datetime.combine(session.first, session.start, tzinfo=zone))
        event.add("duration", timedelta(minutes=session.minutes))
        event.add("url", link)
        # The link is the way in: calendars show the description, not always the URL.
        event.add("description", link)
        if session.weekly:
            rule: dict[str, object] = {"freq": "weekly"}
            if session.until is not None:
                # RFC 5545: UNTIL is UTC when DTSTART has a time zone; the series' last day
                # is inclusive, so the end of that day in the room's zone.
                last = datetime.combine(session.until + timedelta(days=1),
                                        datetime.min.time(), tzinfo=zone)
                rule["until"] = last.astimezone(UTC) - timedelta(seconds=1)
            event.add("rrule", rule)
        cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


async def calendar_file(request: Request) -> Response:
    """``/join/{code}/calendar.ics``: the group's sessions for a parent's calendar. Answers
    for a live invite of a group that is not archived only."""
    svc = services(request)
    code = request.path_params["code"][:128]
    found = await invited_room(svc.store, code)
    if found is None or found[1].archived:
        return Response("This invite link doesn't work any more.\n", status_code=404,
                        media_type="text/plain")
    _invite, room = found
    sessions = await svc.store.schedules.for_room(room.id)
    if not sessions:
        return Response("This group has no sessions planned yet.\n", status_code=404,
                        media_type="text/plain")
    link = f"{svc.settings.public_url}/join/{code}"
    # Event UIDs name Hearth's own address, not whatever Host the request came with.
    body = calendar(room, sessions, link, urlsplit(svc.settings.public_url).hostname
                    or "hearth")
    return Response(body, media_type="text/calendar; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="hearth-group.ics"',
        # The file holds the invite link: never kept by a shared cache.
        "Cache-Control": "private, no-store"})


routes = [Route("/join/{code}/calendar.ics", calendar_file)]
