"""What Hearth holds about one staff member, read for their export, and the erasure of it
(``staff_erasures``, migration 0013), one short transaction each.

What goes into an export and what an erasure means is ``server/auth/erasure.py``'s; this
module reads and writes the rows. The audit chain is never written here: its entries are
hash-chained and signed, and an erasure leaves them as they are (the docs say why).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.safeguarding.audit import Entry
from server.safeguarding.escalation import OPEN_STATES
from server.store.models import (
    AlertRow,
    AuditRow,
    DirectoryRow,
    EscalationNoteRow,
    EscalationRow,
    RoomRow,
    RoomStaffRow,
    StaffErasureRow,
    StaffRow,
    StaffSessionRow,
    TrainingRecordRow,
    VolunteerProfileRow,
)

__all__ = ["TOMBSTONE", "Erasure", "StaffDataRecords"]

# What an erased account's username becomes, with 8 hex digits of its id; no new account
# may take such a name (``SqlStore.add_staff``), so the name itself marks the tombstone.
TOMBSTONE = "deleted-"

# How the audit entries about one account are read for its export: a member with years of
# entries gets the newest ones; the export says when some were left out.
MAX_AUDIT = 5000


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _maybe(value: datetime | None) -> datetime | None:
    return None if value is None else _aware(value)


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


def _erasure(row: StaffErasureRow) -> Erasure:
    return Erasure(staff_id=row.staff_id, state=row.state,
                   requested_at=_aware(row.requested_at), decided_at=_maybe(row.decided_at),
                   decided_by=row.decided_by, reason=row.reason)


class StaffDataRecords:
    """A staff member's rows across the tables, and their erasure."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._session = sessions

    # -- reading, for the export -----------------------------------------------------------

    async def created_at(self, staff_id: str) -> datetime | None:
        async with self._session() as session:
            found = await session.scalar(select(StaffRow.created_at)
                                         .where(StaffRow.id == staff_id))
            return _maybe(found)

    async def sessions(self, staff_id: str) -> list[tuple[datetime, datetime]]:
        """(created, expires) of each login session: never its secret or its hash."""
        async with self._session() as session:
            rows = (await session.execute(
                select(StaffSessionRow.created_at, StaffSessionRow.expires_at)
                .where(StaffSessionRow.staff_id == staff_id)
                .order_by(StaffSessionRow.created_at))).all()
        return [(_aware(r[0]), _aware(r[1])) for r in rows]

    async def assignments(self, staff_id: str) -> list[tuple[str, str, datetime]]:
        """(room id, room name, assigned at) of each group they are assigned to."""
        async with self._session() as session:
            rows = (await session.execute(
                select(RoomRow.id, RoomRow.name, RoomStaffRow.created_at)
                .join(RoomStaffRow, RoomStaffRow.room_id == RoomRow.id)
                .where(RoomStaffRow.staff_id == staff_id)
                .order_by(RoomStaffRow.created_at))).all()
        return [(r[0], r[1], _aware(r[2])) for r in rows]

    async def audit_about(self, staff_id: str, names: list[str]) -> list[Entry]:
        """The audit entries whose actor is one of ``names`` (the member's username) or
        whose target is their account, oldest first (the newest ``MAX_AUDIT``)."""
        condition = AuditRow.target == staff_id
        if names:
            condition = condition | AuditRow.actor.in_(names)
        async with self._session() as session:
            rows = (await session.scalars(select(AuditRow).where(condition)
                                          .order_by(AuditRow.seq.desc())
                                          .limit(MAX_AUDIT))).all()
        return [Entry(seq=r.seq, at=_aware(r.at), actor=r.actor, action=r.action,
                      room_id=r.room_id, target=r.target, detail=r.detail,
                      prev_hash=r.prev_hash, hash=r.hash, mac=r.mac) for r in reversed(rows)]

    async def notes_by(self, names: list[str]) -> list[NoteWritten]:
        """The escalation notes written under ``names`` (their words, the state they left)."""
        async with self._session() as session:
            rows = (await session.scalars(
                select(EscalationNoteRow).where(EscalationNoteRow.by.in_(names))
                .order_by(EscalationNoteRow.id))).all()
        return [NoteWritten(escalation_id=r.escalation_id, at=_aware(r.at), state=r.state,
                            outcome=r.outcome, text=r.text) for r in rows]

    async def open_escalations_of(self, username: str) -> int:
        """How many open escalations ``username`` has worked on (written a note to: they
        acknowledged it, recorded an action or added a note), and so holds."""
        async with self._session() as session:
            found = await session.scalar(
                select(func.count(func.distinct(EscalationRow.id)))
                .join(EscalationNoteRow, EscalationNoteRow.escalation_id == EscalationRow.id)
                .where(EscalationNoteRow.by == username,
                       EscalationRow.state.in_(sorted(OPEN_STATES))))
        return int(found or 0)

    async def active_admins(self) -> list[str]:
        """The ids of the admins who can log in (not disabled; an erased one is disabled)."""
        async with self._session() as session:
            return list(await session.scalars(select(StaffRow.id).where(
                StaffRow.role == "admin", StaffRow.disabled.is_(False))))

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
                    now: datetime) -> str | None:
        """Erase the account in one transaction; its former username, or None if there is
        no such (live) account.

        The row stays as ``tombstone`` (the audit log's entries point at its id), disabled,
        with no password or second factor; its sessions, assignments, volunteer profile and
        training records go; where another table names it by username (escalation notes
        and who raised one, an alert's acknowledgement, a training record they entered for
        someone else, the directory's last editor) the tombstone takes its place. The
        request row (made if there was none: the command line's erasure) keeps only the
        keyed hash ``former_name``."""
        async with self._session.begin() as session:
            row = await session.get(StaffRow, staff_id, with_for_update=True)
            if row is None or (row.disabled and row.username.startswith(TOMBSTONE)):
                return None
            former = row.username
            row.username = tombstone
            # Not an argon2 hash: nothing verifies against it.
            row.password_hash = "!erased"  # noqa: S105
            row.disabled = True
            row.must_change_password = False
            row.totp_secret = None
            row.totp_last_step = None
            for table in (StaffSessionRow, RoomStaffRow, VolunteerProfileRow,
                          TrainingRecordRow):
                await session.execute(delete(table).where(table.staff_id == staff_id))
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
