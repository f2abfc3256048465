"""What Hearth holds about one staff member, read for their export, and the erasure of it
(``staff_erasures``, migration 0013), one short transaction each.

What goes into an export and what an erasure means is ``server/auth/erasure.py``'s; this
module reads and writes the rows. The audit chain is never written here: its entries are
hash-chained and signed, and an erasure leaves them as they are (the docs say why).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.safeguarding.escalation import OPEN_STATES
from server.store.models import (
    AlertRow,
    DebriefRow,
    DirectoryRow,
    EscalationNoteRow,
    EscalationRow,
    HoursRow,
    RoomRow,
    RoomStaffRow,
    StaffErasureRow,
    StaffRow,
    StaffSessionRow,
    SupervisionNoteRow,
    TrainingRecordRow,
    VolunteerProfileRow,
)
from server.store.records import aware

__all__ = ["TOMBSTONE", "Erasure", "Refusal", "StaffDataRecords", "is_tombstone"]

# What an erased account's username becomes, with 8 hex digits of its id; no new account
# may take such a name (``SqlStore.add_staff``), so the name itself marks the tombstone.
TOMBSTONE = "deleted-"


def is_tombstone(username: str) -> bool:
    """Whether ``username`` is an erased account's: the name alone says so, whatever else
    is done to the row (enabling it again does not bring the person back)."""
    return username.startswith(TOMBSTONE)


@dataclass(frozen=True, slots=True)
class Erasure:
    """A request to delete an account: ``pending``, ``declined`` (with ``reason``) or
    ``done``."""

    staff_id: str
    state: str
    requested_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class NoteWritten:
    """An escalation note a staff member wrote: their words, nothing of the parent's."""

    escalation_id: str
    at: datetime
    state: str
    outcome: str | None
    text: str


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an account cannot be erased now: ``code`` is ``erased`` (it has been),
    ``last_admin`` (nobody else could run Hearth) or ``open_escalations`` (a lead holding
    ``count`` of them)."""

    code: str
    count: int = 0


def _erasure(row: StaffErasureRow) -> Erasure:
    return Erasure(staff_id=row.staff_id, state=row.state,
                   requested_at=aware(row.requested_at), decided_at=aware(row.decided_at),
                   decided_by=row.decided_by, reason=row.reason)


async def _active_admins(session: AsyncSession) -> list[str]:
    """The ids of the admins who can log in (not disabled, not erased)."""
    rows = (await session.execute(select(StaffRow.id, StaffRow.username).where(
        StaffRow.role == "admin", StaffRow.disabled.is_(False)))).all()
    return [r[0] for r in rows if not is_tombstone(r[1])]


async def _refusal(session: AsyncSession, row: StaffRow) -> Refusal | None:
    """Why ``row``'s account cannot be erased now, as ``session`` sees the tables."""
    if is_tombstone(row.username):
        return Refusal("erased")
    if row.role == "admin" and not set(await _active_admins(session)) - {row.id}:
        return Refusal("last_admin")
    if row.role == "safeguarding_lead":
        held = await session.scalar(
            select(func.count(func.distinct(EscalationRow.id)))
            .join(EscalationNoteRow, EscalationNoteRow.escalation_id == EscalationRow.id)
            .where(EscalationNoteRow.by == row.username,
                   EscalationRow.state.in_(sorted(OPEN_STATES))))
        if held:
            return Refusal("open_escalations", int(held))
    return None


class StaffDataRecords:
    """A staff member's rows across the tables, and their erasure."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._session = sessions

    # -- reading, for the export -----------------------------------------------------------

    async def created_at(self, staff_id: str) -> datetime | None:
        async with self._session() as session:
            found = await session.scalar(select(StaffRow.created_at)
                                         .where(StaffRow.id == staff_id))
            return aware(found)

    async def sessions(self, staff_id: str) -> list[tuple[datetime, datetime]]:
        """(created, expires) of each login session: never its secret or its hash."""
        async with self._session() as session:
            rows = (await session.execute(
                select(StaffSessionRow.created_at, StaffSessionRow.expires_at)
                .where(StaffSessionRow.staff_id == staff_id)
                .order_by(StaffSessionRow.created_at))).all()
        return [(aware(r[0]), aware(r[1])) for r in rows]

    async def assignments(self, staff_id: str) -> list[tuple[str, str, datetime]]:
        """(room id, room name, assigned at) of each group they are assigned to."""
        async with self._session() as session:
            rows = (await session.execute(
                select(RoomRow.id, RoomRow.name, RoomStaffRow.created_at)
                .join(RoomStaffRow, RoomStaffRow.room_id == RoomRow.id)
                .where(RoomStaffRow.staff_id == staff_id)
                .order_by(RoomStaffRow.created_at))).all()
        return [(r[0], r[1], aware(r[2])) for r in rows]

    async def notes_by(self, names: list[str]) -> list[NoteWritten]:
        """The escalation notes written under ``names`` (their words, the state they left)."""
        async with self._session() as session:
            rows = (await session.scalars(
                select(EscalationNoteRow).where(EscalationNoteRow.by.in_(names))
                .order_by(EscalationNoteRow.id))).all()
        return [NoteWritten(escalation_id=r.escalation_id, at=aware(r.at), state=r.state,
                            outcome=r.outcome, text=r.text) for r in rows]

    async def active_admins(self) -> list[str]:
        """The ids of the admins who can log in (not disabled, not erased)."""
        async with self._session() as session:
            return await _active_admins(session)

    async def refusal(self, staff_id: str) -> Refusal | None:
        """Why the account cannot be erased now, or None, for a page to say before anyone
        asks (``erase`` checks again, in its transaction). LookupError: no such account."""
        async with self._session() as session:
            row = await session.get(StaffRow, staff_id)
            if row is None:
                raise LookupError("no such staff account")
            return await _refusal(session, row)

    # -- requests --------------------------------------------------------------------------

    async def erasure(self, staff_id: str) -> Erasure | None:
        async with self._session() as session:
            row = await session.get(StaffErasureRow, staff_id)
            return _erasure(row) if row else None

    async def erasures(self, state: str = "pending") -> list[Erasure]:
        async with self._session() as session:
            rows = await session.scalars(select(StaffErasureRow)
                                         .where(StaffErasureRow.state == state)
                                         .order_by(StaffErasureRow.requested_at))
            return [_erasure(row) for row in rows]

    async def request_erasure(self, staff_id: str, now: datetime) -> bool:
        """Ask for the account's deletion; False if a request is pending (or done) already.
        A declined request is opened again."""
        async with self._session.begin() as session:
            row = await session.get(StaffErasureRow, staff_id)
            if row is None:
                session.add(StaffErasureRow(staff_id=staff_id, state="pending",
                                            requested_at=now, reason=""))
                return True
            if row.state != "declined":
                return False
            row.state, row.requested_at, row.reason = "pending", now, ""
            row.decided_at = row.decided_by = None
            return True

    async def decline_erasure(self, staff_id: str, by: str, reason: str,
                              now: datetime) -> bool:
        """Decline a pending request, with the reason the member will read; False if
        none is pending."""
        async with self._session.begin() as session:
            result = await session.execute(
                update(StaffErasureRow).where(StaffErasureRow.staff_id == staff_id,
                                              StaffErasureRow.state == "pending")
                .values(state="declined", reason=reason[:500], decided_at=now, decided_by=by))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    # -- the erasure -----------------------------------------------------------------------

    async def erase(self, staff_id: str, tombstone: str, former_name: str, by: str,
                    now: datetime) -> str | Refusal:
        """Erase the account in one transaction; its former username, or the ``Refusal``
        saying why not (checked in the same transaction, so two admins erasing each other
        at once cannot leave Hearth without one). LookupError: no such account.

        The row stays as ``tombstone`` (the audit log's entries point at its id), disabled,
        with no password or second factor; its sessions, assignments, volunteer profile,
        training records, debriefs and supervision notes go, and it is no volunteer's
        supervisor any more; its time entries stay in the
        programme's totals without the person (no account, no correction's reason or
        corrector); where another table names it by username (escalation notes
        and who raised one, an alert's acknowledgement, a training record they entered for
        someone else, the directory's last editor) the tombstone takes its place. The
        request row (made if there was none: the command line's erasure) keeps only the
        keyed hash ``former_name``."""
        async with self._session.begin() as session:
            if session.get_bind().dialect.name == "sqlite":
                # SQLite has one writer: take its lock before reading, so an erasure
                # running at the same time finishes first and this one reads its result.
                await session.execute(update(StaffRow).where(StaffRow.id == staff_id)
                                      .values(disabled=StaffRow.disabled))
            # PostgreSQL: the admins' rows, locked in id order (so two erasures never
            # deadlock) until this commits; a second erasure waits, then counts again.
            await session.execute(select(StaffRow.id).where(StaffRow.role == "admin")
                                  .order_by(StaffRow.id).with_for_update())
            row = await session.get(StaffRow, staff_id, with_for_update=True)
            if row is None:
                raise LookupError("no such staff account")
            refused = await _refusal(session, row)
            if refused is not None:
                return refused
            former = row.username
            row.username = tombstone
            # Not an argon2 hash: nothing verifies against it.
            row.password_hash = "!erased"  # noqa: S105
            row.disabled = True
            row.must_change_password = False
            row.totp_secret = None
            row.totp_last_step = None
            for table in (StaffSessionRow, RoomStaffRow, VolunteerProfileRow,
                          TrainingRecordRow, DebriefRow, SupervisionNoteRow):
                await session.execute(delete(table).where(table.staff_id == staff_id))
            # Supervisor of nobody now (the row stays, so ON DELETE SET NULL never fires).
            await session.execute(update(VolunteerProfileRow)
                                  .where(VolunteerProfileRow.supervisor_id == staff_id)
                                  .values(supervisor_id=None))
            await session.execute(update(HoursRow).where(HoursRow.staff_id == staff_id)
                                  .values(staff_id=None, corrected_by=None,
                                          correction_reason=""))
            for column in (EscalationNoteRow.by, EscalationRow.raised_by, AlertRow.acked_by,
                           TrainingRecordRow.entered_by, DirectoryRow.updated_by):
                await session.execute(update(column.class_).where(column == former)
                                      .values({column.key: tombstone}))
            request = await session.get(StaffErasureRow, staff_id)
            if request is None:
                request = StaffErasureRow(staff_id=staff_id, requested_at=now, reason="")
                session.add(request)
            request.state, request.decided_at, request.decided_by = "done", now, by
            request.former_name = former_name
            return former

    async def erased_names(self) -> dict[str, str]:
        """Keyed hash of each erased account's former username -> its tombstone."""
        async with self._session() as session:
            rows = (await session.execute(
                select(StaffErasureRow.former_name, StaffRow.username)
                .join(StaffRow, StaffRow.id == StaffErasureRow.staff_id)
                .where(StaffErasureRow.former_name.is_not(None)))).all()
        return {r[0]: r[1] for r in rows if r[0] is not None}
