"""Volunteers' time entries in the database (``volunteer_hours``, migration 0014), one short
transaction each.

What an entry means, when two stretches are one session and what a correction may be are
``server/programme/hours.py``'s; the audit entry of a correction is
``server/programme/reflective.py``'s. This module keeps the rows.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.programme.hours import MERGE_GAP, Span, TimeEntry, merges, span_minutes
from server.store.models import HoursRow, RoomRow, StaffRow
from server.store.records import aware

__all__ = ["HoursRecords"]


def _entry(row: HoursRow, room_name: str) -> TimeEntry:
    return TimeEntry(id=row.id, staff_id=row.staff_id, room_id=row.room_id,
                     room_name=room_name, audience=row.audience, role=row.role,
                     started_at=aware(row.started_at), ended_at=aware(row.ended_at),
                     minutes=row.minutes, prep_minutes=row.prep_minutes,
                     corrected_minutes=row.corrected_minutes, corrected_by=row.corrected_by,
                     corrected_at=aware(row.corrected_at),
                     correction_reason=row.correction_reason)


class HoursRecords:
    """The ``volunteer_hours`` rows."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._session = sessions

    async def record(self, span: Span, prep_minutes: int,
                     gap: timedelta = MERGE_GAP) -> TimeEntry:
        """Keep ``span``: it widens the person's session in that room it belongs to (the
        newest one it overlaps or comes within ``gap`` of), or starts a new one with
        ``prep_minutes`` of preparation. A correction already made stays (the volunteer's
        word for the session). LookupError: no such account or room."""
        try:
            async with self._session.begin() as session:
                await self._lock(session, span.staff_id)
                row = await session.scalar(
                    select(HoursRow).where(
                        HoursRow.staff_id == span.staff_id, HoursRow.room_id == span.room_id,
                        HoursRow.started_at <= span.ended + gap,
                        HoursRow.ended_at >= span.started - gap)
                    .order_by(HoursRow.ended_at.desc()).limit(1))
                if row is not None and merges(aware(row.started_at), aware(row.ended_at),
                                              span, gap):
                    row.started_at = min(aware(row.started_at), span.started)
                    row.ended_at = max(aware(row.ended_at), span.ended)
                    row.minutes = span_minutes(aware(row.started_at), aware(row.ended_at))
                else:
                    row = HoursRow(id=f"h_{secrets.token_hex(8)}", staff_id=span.staff_id,
                                   room_id=span.room_id, audience=span.audience,
                                   role=span.role, started_at=span.started,
                                   ended_at=span.ended,
                                   minutes=span_minutes(span.started, span.ended),
                                   prep_minutes=prep_minutes, correction_reason="",
                                   created_at=span.ended)
                    session.add(row)
                await session.flush()
                name = await session.scalar(select(RoomRow.name)
                                            .where(RoomRow.id == span.room_id))
                return _entry(row, name or "")
        except IntegrityError:
            raise LookupError("no such staff account or room") from None

    @staticmethod
    async def _lock(session: AsyncSession, staff_id: str) -> None:
        """Serialize one person's merges: two spans of theirs stored at once (two nodes)
        would each miss the other and make two sessions. PostgreSQL: their staff row, held
        until commit. SQLite: the write lock, taken before reading."""
        if session.get_bind().dialect.name == "sqlite":
            await session.execute(update(StaffRow).where(StaffRow.id == staff_id)
                                  .values(disabled=StaffRow.disabled))
        else:
            await session.execute(select(StaffRow.id).where(StaffRow.id == staff_id)
                                  .with_for_update())

    async def entries(self, staff_id: str) -> list[TimeEntry]:
        """The person's sessions, newest first, with their groups' names."""
        return await self._select(HoursRow.staff_id == staff_id)

    async def entries_for(self, staff_ids: Sequence[str]) -> dict[str, list[TimeEntry]]:
        """Each person's sessions, newest first, in one query (the coordinator's list)."""
        found: dict[str, list[TimeEntry]] = {staff_id: [] for staff_id in staff_ids}
        if staff_ids:
            for entry in await self._select(HoursRow.staff_id.in_(list(staff_ids))):
                assert entry.staff_id is not None
                found[entry.staff_id].append(entry)
        return found

    async def entry(self, staff_id: str, entry_id: str) -> TimeEntry | None:
        """One of the person's sessions; None if they have none by that id (someone
        else's looks the same as none at all)."""
        found = await self._select(HoursRow.staff_id == staff_id, HoursRow.id == entry_id)
        return found[0] if found else None

    async def latest_in(self, staff_id: str, room_id: str) -> TimeEntry | None:
        """The person's newest session in the room, if any."""
        found = await self._select(HoursRow.staff_id == staff_id, HoursRow.room_id == room_id,
                                   limit=1)
        return found[0] if found else None

    async def _select(self, *where: Any, limit: int | None = None) -> list[TimeEntry]:
        query = (select(HoursRow, RoomRow.name).join(RoomRow, RoomRow.id == HoursRow.room_id)
                 .where(*where).order_by(HoursRow.started_at.desc()))
        if limit is not None:
            query = query.limit(limit)
        async with self._session() as session:
            return [_entry(row, name) for row, name in (await session.execute(query)).all()]

    async def correct(self, staff_id: str, entry_id: str, minutes: int, reason: str,
                      by: str, now: datetime) -> tuple[TimeEntry, TimeEntry] | None:
        """The volunteer's own figure for a session of theirs: (before, after), or None if
        they have none by that id. The recorded figures stay as they were."""
        async with self._session.begin() as session:
            row = await session.scalar(select(HoursRow).where(
                HoursRow.id == entry_id, HoursRow.staff_id == staff_id).with_for_update())
            if row is None:
                return None
            name = await session.scalar(select(RoomRow.name).where(RoomRow.id == row.room_id))
            before = _entry(row, name or "")
            row.corrected_minutes = minutes
            row.corrected_by = by
            row.corrected_at = now
            row.correction_reason = reason
            await session.flush()
            return before, _entry(row, name or "")
