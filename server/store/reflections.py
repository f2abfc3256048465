"""Volunteers' debriefs and supervision notes in the database (``debriefs``,
``supervision_notes``, migration 0014), one short transaction each.

Who may read or write them, the audit entry each coordinator's reading writes and the
concern a debrief raises are ``server/programme/reflective.py``'s; what the fields hold is
``server/programme/debriefs.py``'s. This module keeps the rows, and nothing here is ever
logged: they are a volunteer's private words.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.programme.debriefs import Debrief, DebriefForm, SupervisionNote
from server.store.models import DebriefRow, SupervisionNoteRow
from server.store.records import aware

__all__ = ["ReflectionRecords"]


def _debrief(row: DebriefRow) -> Debrief:
    return Debrief(id=row.id, entry_id=row.hours_id, staff_id=row.staff_id, went=row.went,
                   affected=row.affected, notes=row.notes, concern_text=row.concern_text,
                   concern_about=row.concern_about, concern_category=row.concern_category,
                   concern_alert=row.concern_alert, concern_at=aware(row.concern_at),
                   created_at=aware(row.created_at), updated_at=aware(row.updated_at))


def _note(row: SupervisionNoteRow) -> SupervisionNote:
    return SupervisionNote(id=row.id, staff_id=row.staff_id, held_on=row.held_on,
                           text=row.text, written_by=row.written_by,
                           created_at=aware(row.created_at))


class ReflectionRecords:
    """The ``debriefs`` and ``supervision_notes`` rows."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._session = sessions

    # -- debriefs ------------------------------------------------------------------------------

    async def save_debrief(self, staff_id: str, entry_id: str, form: DebriefForm,
                           now: datetime, *, concern_alert: str | None = None) -> Debrief:
        """The debrief of the session ``entry_id`` (the caller has checked it is theirs),
        made or replaced as typed. A concern once raised stays as it was raised (its words,
        who, what, its alert): ``concern_alert`` is kept only for a debrief that has none
        yet. LookupError: no such session or account."""
        try:
            async with self._session.begin() as session:
                row = await session.scalar(select(DebriefRow).where(
                    DebriefRow.hours_id == entry_id).with_for_update())
                if row is None:
                    row = DebriefRow(id=f"d_{secrets.token_hex(8)}", hours_id=entry_id,
                                     staff_id=staff_id, concern_text="", concern_about="",
                                     concern_category="", created_at=now)
                    session.add(row)
                row.went, row.affected, row.notes = form.went, form.affected, form.notes
                row.updated_at = now
                if row.concern_alert is None and concern_alert is not None:
                    row.concern_alert, row.concern_at = concern_alert, now
                    row.concern_text = form.concern_text
                    row.concern_about = form.concern_about
                    row.concern_category = form.concern_category
                await session.flush()
                return _debrief(row)
        except IntegrityError:
            raise LookupError("no such session or account") from None

    async def debrief(self, entry_id: str) -> Debrief | None:
        async with self._session() as session:
            row = await session.scalar(select(DebriefRow).where(DebriefRow.hours_id == entry_id))
            return _debrief(row) if row else None

    async def debriefs(self, staff_id: str) -> list[Debrief]:
        """The person's debriefs, newest first."""
        async with self._session() as session:
            rows = await session.scalars(select(DebriefRow).where(DebriefRow.staff_id == staff_id)
                                         .order_by(DebriefRow.created_at.desc()))
            return [_debrief(row) for row in rows]

    # -- supervision notes ---------------------------------------------------------------------

    async def add_note(self, staff_id: str, held_on: date, text: str, written_by: str,
                       now: datetime) -> SupervisionNote:
        """A note of the volunteer's supervision. LookupError: no such account."""
        row = SupervisionNoteRow(id=f"n_{secrets.token_hex(8)}", staff_id=staff_id,
                                 held_on=held_on, text=text, written_by=written_by[:32],
                                 created_at=now)
        try:
            async with self._session.begin() as session:
                session.add(row)
        except IntegrityError:
            raise LookupError("no such staff account") from None
        return _note(row)

    async def notes(self, staff_id: str) -> list[SupervisionNote]:
        """The volunteer's supervision notes, the newest supervision first."""
        async with self._session() as session:
            rows = await session.scalars(
                select(SupervisionNoteRow).where(SupervisionNoteRow.staff_id == staff_id)
                .order_by(SupervisionNoteRow.held_on.desc(),
                          SupervisionNoteRow.created_at.desc()))
            return [_note(row) for row in rows]
