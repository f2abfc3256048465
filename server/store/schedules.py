"""Groups' sessions in the database (``room_sessions``) and each group's schedule settings.

The wall-clock meaning of a session lives in ``server/rooms/schedule.py``; this module only
keeps and checks the rows, one short transaction each.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, date, datetime, time

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.rooms.schedule import (
    MAX_MINUTES,
    MAX_OPENS_BEFORE,
    MAX_SESSIONS,
    Session,
    timezone_problem,
)
from server.store.models import RoomRow, RoomSessionRow

__all__ = ["ScheduleRecords", "session_problems"]


def session_problems(first: date | None, start: time | None, minutes: int | None,
                     until: date | None = None) -> dict[str, str]:
    """What is wrong with a session's fields, by field (English, for the command line; the
    admin's page puts its own words by the same fields). Empty: it can be kept."""
    found = {}
    if first is None:
        found["first"] = "a session needs a date (YYYY-MM-DD)"
    if start is None:
        found["start"] = "a session needs a start time (HH:MM)"
    if minutes is None or not 15 <= minutes <= MAX_MINUTES:
        found["minutes"] = f"a session lasts 15 to {MAX_MINUTES} minutes"
    if until is not None and first is not None and until < first:
        found["until"] = "a series cannot end before its first session"
    return found


def settings_problems(zone: str, opens_before: int | None) -> dict[str, str]:
    """What is wrong with a group's time zone or its waiting room's opening, by field."""
    found = {}
    problem = timezone_problem(zone)
    if problem:
        found["timezone"] = problem
    if opens_before is None or not 0 <= opens_before <= MAX_OPENS_BEFORE:
        found["opens_before"] = f"the waiting room opens 0 to {MAX_OPENS_BEFORE} minutes before"
    return found


def _session(row: RoomSessionRow) -> Session:
    return Session(id=row.id, room_id=row.room_id, first=row.first, start=row.start,
                   minutes=row.minutes, weekly=row.weekly, until=row.until)


class ScheduleRecords:
    """The ``room_sessions`` rows and the rooms' ``timezone`` and ``opens_before``."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._session = sessions

    async def add(self, room_id: str, first: date, start: time, minutes: int, *,
                  weekly: bool = False, until: date | None = None) -> Session:
        """A new session (ValueError saying what is wrong; LookupError: no such room)."""
        problems = session_problems(first, start, minutes, until)
        if problems:
            raise ValueError("; ".join(problems.values()))
        row = RoomSessionRow(id=f"s_{secrets.token_hex(6)}", room_id=room_id, first=first,
                             start=start.replace(second=0, microsecond=0, tzinfo=None),
                             minutes=minutes, weekly=weekly,
                             until=until if weekly else None, created_at=datetime.now(UTC))
        async with self._session.begin() as session:
            if await session.get(RoomRow, room_id) is None:
                raise LookupError(f"no room {room_id!r}")
            count = await session.scalar(select(func.count()).select_from(RoomSessionRow)
                                         .where(RoomSessionRow.room_id == room_id))
            if (count or 0) >= MAX_SESSIONS:
                raise ValueError(f"a group has at most {MAX_SESSIONS} sessions: "
                                 "remove one that has ended first")
            session.add(row)
        return _session(row)

    async def for_room(self, room_id: str) -> list[Session]:
        return (await self.for_rooms([room_id])).get(room_id, [])

    async def for_rooms(self, room_ids: Sequence[str]) -> dict[str, list[Session]]:
        """Each room's sessions (rooms without any are left out), in one query."""
        if not room_ids:
            return {}
        async with self._session() as session:
            rows = await session.scalars(
                select(RoomSessionRow).where(RoomSessionRow.room_id.in_(list(room_ids)))
                .order_by(RoomSessionRow.first, RoomSessionRow.start, RoomSessionRow.id))
            found: dict[str, list[Session]] = {}
            for row in rows:
                found.setdefault(row.room_id, []).append(_session(row))
            return found

    async def remove(self, room_id: str, session_id: str) -> Session | None:
        """Remove one of the room's sessions; the removed session, or None if it had none
        by that id."""
        async with self._session.begin() as session:
            row = await session.get(RoomSessionRow, session_id)
            if row is None or row.room_id != room_id:
                return None
            removed = _session(row)
            await session.execute(delete(RoomSessionRow).where(RoomSessionRow.id == session_id))
            return removed

    async def set_settings(self, room_id: str, zone: str, opens_before: int) -> bool:
        """The room's time zone and how early its waiting room opens (ValueError saying what
        is wrong); False: no such room."""
        problems = settings_problems(zone, opens_before)
        if problems:
            raise ValueError("; ".join(problems.values()))
        async with self._session.begin() as session:
            result = await session.execute(
                update(RoomRow).where(RoomRow.id == room_id)
                .values(timezone=zone, opens_before=opens_before))
            return bool(result.rowcount)  # type: ignore[attr-defined]
