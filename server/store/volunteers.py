"""Volunteers' profiles and training records in the database (``volunteer_profiles``,
``training_records``), one short transaction each.

What the fields mean and which values they take is ``server/programme/``'s; this module
keeps the rows. Who may change them, the checks and tidying of what is saved (a profile is
saved as it is given), and the audit entry each change writes, are
``server/programme/manage.py``'s.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.programme.profile import Profile
from server.programme.training import MODULE_ID, TrainingRecord
from server.store.models import StaffRow, TrainingRecordRow, VolunteerProfileRow
from server.store.records import aware

__all__ = ["VolunteerRecords"]

# A volunteer's training records: years of refreshers, never thousands. Past it, the
# coordinator removes old ones (the newest of each module is the one that counts).
MAX_RECORDS = 200


def _listed(value: str) -> tuple[str, ...]:
    return tuple(item for item in value.split(",") if item)


def _profile(row: VolunteerProfileRow) -> Profile:
    return Profile(staff_id=row.staff_id, languages=_listed(row.languages),
                   other_languages=row.other_languages, audiences=_listed(row.audiences),
                   availability=_listed(row.availability),
                   availability_note=row.availability_note,
                   lived_experience=row.lived_experience, supervision_due=row.supervision_due,
                   supervisor_id=row.supervisor_id)


def _record(row: TrainingRecordRow) -> TrainingRecord:
    return TrainingRecord(id=row.id, staff_id=row.staff_id, module=row.module,
                          completed_on=row.completed_on, entered_by=row.entered_by,
                          entered_at=aware(row.created_at))


class VolunteerRecords:
    """The ``volunteer_profiles`` and ``training_records`` rows."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._session = sessions

    # -- profiles ------------------------------------------------------------------------

    async def profile(self, staff_id: str) -> Profile:
        """The account's profile; an empty one if nothing was recorded yet."""
        return (await self.profiles([staff_id]))[staff_id]

    async def profiles(self, staff_ids: Sequence[str]) -> dict[str, Profile]:
        """Each account's profile (empty ones for those without), in one query."""
        found = {staff_id: Profile(staff_id) for staff_id in staff_ids}
        if not staff_ids:
            return found
        async with self._session() as session:
            rows = await session.scalars(select(VolunteerProfileRow).where(
                VolunteerProfileRow.staff_id.in_(list(staff_ids))))
            found.update((row.staff_id, _profile(row)) for row in rows)
        return found

    async def save_profile(self, profile: Profile) -> Profile:
        """Keep ``profile``'s fields as given (checked and tidied by
        ``server/programme/manage.save_profile``); its supervision date and supervisor
        are ``set_supervision``'s and ``set_supervisor``'s, and stay. LookupError: no such
        account."""
        values = {
            "languages": ",".join(profile.languages),
            "other_languages": profile.other_languages,
            "audiences": ",".join(profile.audiences),
            "availability": ",".join(profile.availability),
            "availability_note": profile.availability_note,
            "lived_experience": profile.lived_experience,
        }
        async with self._session.begin() as session:
            row = await self._row(session, profile.staff_id)
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = datetime.now(UTC)
            return _profile(row)

    async def set_supervision(self, staff_id: str, due: date | None) -> Profile:
        """The day the volunteer's next supervision is due (None: none planned).
        LookupError: no such account."""
        async with self._session.begin() as session:
            row = await self._row(session, staff_id)
            row.supervision_due = due
            row.updated_at = datetime.now(UTC)
            return _profile(row)

    async def set_supervisor(self, staff_id: str, supervisor_id: str | None) -> Profile:
        """The volunteer's supervisor (a coordinator's account: the caller checks it is
        one; None: none). LookupError: no such account (the volunteer's or the
        supervisor's)."""
        try:
            async with self._session.begin() as session:
                row = await self._row(session, staff_id)
                row.supervisor_id = supervisor_id
                row.updated_at = datetime.now(UTC)
                return _profile(row)
        except IntegrityError:
            raise LookupError("no such staff account") from None

    async def _row(self, session: AsyncSession, staff_id: str) -> VolunteerProfileRow:
        """The account's profile row, made (empty) if it had none."""
        row = await session.get(VolunteerProfileRow, staff_id)
        if row is not None:
            return row
        if await session.get(StaffRow, staff_id) is None:
            raise LookupError("no such staff account")
        row = VolunteerProfileRow(staff_id=staff_id, languages="", other_languages="",
                                  audiences="", availability="", availability_note="",
                                  lived_experience="", supervision_due=None,
                                  supervisor_id=None, updated_at=datetime.now(UTC))
        session.add(row)
        return row

    # -- training records ----------------------------------------------------------------

    async def add_training(self, staff_id: str, module: str, completed_on: date,
                           entered_by: str) -> TrainingRecord:
        """A completion of ``module`` (an id from the modules file: the caller checks it is
        one). ValueError for a malformed id or too many records; LookupError: no such
        account."""
        if not MODULE_ID.fullmatch(module):
            raise ValueError(f"{module!r} is not a module id")
        row = TrainingRecordRow(id=f"t_{secrets.token_hex(6)}", staff_id=staff_id,
                                module=module, completed_on=completed_on,
                                entered_by=entered_by[:64], created_at=datetime.now(UTC))
        try:
            async with self._session.begin() as session:
                count = await session.scalar(
                    select(func.count()).select_from(TrainingRecordRow)
                    .where(TrainingRecordRow.staff_id == staff_id))
                if (count or 0) >= MAX_RECORDS:
                    raise ValueError(f"a volunteer has at most {MAX_RECORDS} training "
                                     "records: remove old ones first")
                session.add(row)
        except IntegrityError:
            raise LookupError("no such staff account") from None
        return _record(row)

    async def remove_training(self, staff_id: str, record_id: str) -> TrainingRecord | None:
        """Remove one of the volunteer's records; the removed record, or None if they have
        none by that id."""
        async with self._session.begin() as session:
            row = await session.get(TrainingRecordRow, record_id)
            if row is None or row.staff_id != staff_id:
                return None
            removed = _record(row)
            await session.execute(delete(TrainingRecordRow)
                                  .where(TrainingRecordRow.id == record_id))
            return removed

    async def training(self, staff_id: str) -> list[TrainingRecord]:
        return (await self.training_for([staff_id]))[staff_id]

    async def training_for(self, staff_ids: Sequence[str]) -> dict[str, list[TrainingRecord]]:
        """Each account's records, newest completion first, in one query."""
        found: dict[str, list[TrainingRecord]] = {staff_id: [] for staff_id in staff_ids}
        if not staff_ids:
            return found
        async with self._session() as session:
            rows = await session.scalars(
                select(TrainingRecordRow)
                .where(TrainingRecordRow.staff_id.in_(list(staff_ids)))
                .order_by(TrainingRecordRow.completed_on.desc(),
                          TrainingRecordRow.created_at.desc()))
            for row in rows:
                found[row.staff_id].append(_record(row))
        return found
