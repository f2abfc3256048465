"""The durable store: one interface, SQLite by default and PostgreSQL by URL.

Both dialects go through the same SQLAlchemy code; ``tests/store/test_db.py``
is one contract suite run against each. Callers get plain frozen records,
never ORM objects, so no lazy load can happen outside a session.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, delete, event, make_url, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from server.rooms.schedule import DEFAULT_OPENS_BEFORE, DEFAULT_TIMEZONE
from server.store.contact import ContactBox
from server.store.hours import HoursRecords
from server.store.impact import ImpactRecords
from server.store.models import (
    BanRow,
    HealthRow,
    InviteRow,
    PlaceRow,
    RoomRow,
    RoomStaffRow,
    StaffRow,
    StaffSessionRow,
)
from server.store.records import SafeguardingRecords, aware
from server.store.referrals import ReferralRecords
from server.store.reflections import ReflectionRecords
from server.store.schedules import ScheduleRecords
from server.store.staffdata import TOMBSTONE, StaffDataRecords, is_tombstone
from server.store.volunteers import VolunteerRecords
from server.store.writer import transactor_for

# "coordinator" (issue 13): runs the programme around the groups: volunteers' profiles,
# training and supervision. What each role may open is the pages' (server/http/).
ROLES = ("facilitator", "safeguarding_lead", "admin", "coordinator")
AUDIENCES = ("mothers", "fathers_partners", "everyone")
# A group, or a one-to-one room a coordinator opened for a parent and her matched
# volunteer (issue 13, part 2: server/programme/referring.py).
ROOM_KINDS = ("group", "one_to_one")
# 128 random bits at least (the floor): 24 bytes = 192 bits, 32 URL-safe characters.
INVITE_BYTES = 24
# The readiness write's limit: past it the store is "not ready". Short, so /readyz (3 s
# for everything) answers fast even while a writer holds the lock; long enough for a
# busy but healthy SQLite writer (a write takes about a millisecond, a batch of 64 about
# one) or a PostgreSQL commit under load.
READY_WRITE_TIMEOUT = 2.0
# A group's name (the rooms.name column) and its own agreement (rooms.agreement): room
# for a dozen short rules, small enough to read on a phone before joining.
ROOM_NAME_MAX = 120
AGREEMENT_MAX = 2000


@dataclass(frozen=True, slots=True)
class Staff:
    id: str
    username: str
    password_hash: str
    role: str
    disabled: bool
    must_change_password: bool = False
    # The encrypted TOTP secret (server/auth/totp.py); None: no second factor enrolled.
    totp_secret: str | None = None
    # Erased at its owner's request (``server/auth/erasure.py``): a tombstone, not a person.
    erased: bool = False

    @property
    def two_factor(self) -> bool:
        return self.totp_secret is not None


@dataclass(frozen=True, slots=True)
class RoomRecord:
    id: str
    name: str
    audience: str
    lobby: bool
    focus: bool
    locked: bool
    # Archived: its invite links admit nobody and no staff token is issued for it.
    archived: bool = False
    # The group's own agreement (plain text, one rule a line); None: the default one.
    agreement: str | None = None
    # When it meets: its sessions' times are in this time zone, and its waiting room opens
    # this many minutes before each (server/rooms/schedule.py).
    timezone: str = DEFAULT_TIMEZONE
    opens_before: int = DEFAULT_OPENS_BEFORE
    kind: str = "group"  # ROOM_KINDS

    @property
    def one_to_one(self) -> bool:
        return self.kind == "one_to_one"


@dataclass(frozen=True, slots=True)
class Invite:
    code: str
    room_id: str
    revoked: bool


class Conflict(Exception):
    """The record already exists (for example a username that is taken)."""


class Store(Protocol):
    @property
    def safeguarding(self) -> SafeguardingRecords: ...
    @property
    def schedules(self) -> ScheduleRecords: ...
    @property
    def volunteers(self) -> VolunteerRecords: ...
    @property
    def staff_data(self) -> StaffDataRecords: ...
    @property
    def hours(self) -> HoursRecords: ...
    @property
    def referrals(self) -> ReferralRecords: ...
    @property
    def reflections(self) -> ReflectionRecords: ...
    @property
    def impact(self) -> ImpactRecords: ...

    async def ping(self) -> bool: ...
    async def aclose(self) -> None: ...

    async def add_staff(self, username: str, password_hash: str, role: str, *,
                        must_change_password: bool = False) -> Staff: ...
    async def staff_by_username(self, username: str) -> Staff | None: ...
    async def staff_by_id(self, staff_id: str) -> Staff | None: ...
    async def count_staff(self) -> int: ...
    async def set_password_hash(self, staff_id: str, password_hash: str) -> None: ...
    async def change_password(self, staff_id: str, password_hash: str,
                              keep_session: str) -> None: ...

    async def all_staff(self) -> list[Staff]: ...
    async def staff_ids(self) -> list[str]: ...
    async def set_disabled(self, staff_id: str, disabled: bool) -> bool: ...
    async def set_role(self, staff_id: str, role: str) -> int | None: ...
    async def reset_password(self, staff_id: str, password_hash: str) -> None: ...
    async def set_totp(self, staff_id: str, sealed_secret: str | None) -> None: ...
    async def use_totp_step(self, staff_id: str, step: int) -> bool: ...

    async def add_session(self, staff_id: str, secret: str, expires_at: datetime) -> None: ...
    async def session_staff(self, secret: str, now: datetime) -> Staff | None: ...
    async def session_staff_by_id(self, session_id: str, now: datetime) -> Staff | None: ...
    async def drop_session(self, secret: str) -> None: ...
    async def end_sessions(self, staff_id: str) -> None: ...

    async def add_room(self, name: str, audience: str, *,
                       facilitators: Sequence[str] = (), kind: str = "group",
                       archived: bool = False) -> RoomRecord: ...
    async def room(self, room_id: str, *,
                   include_archived: bool = False) -> RoomRecord | None: ...
    async def rooms(self, *, include_archived: bool = False) -> list[RoomRecord]: ...
    async def set_room_state(self, room_id: str, *, locked: bool, focus: bool) -> None: ...
    async def set_room_details(self, room_id: str, name: str, audience: str) -> bool: ...
    async def set_room_agreement(self, room_id: str, agreement: str | None) -> bool: ...
    async def set_room_archived(self, room_id: str, archived: bool) -> bool: ...

    async def add_invite(self, room_id: str) -> Invite: ...
    async def invite(self, code: str) -> Invite | None: ...
    async def live_invites(self, room_ids: Sequence[str]) -> dict[str, list[Invite]]: ...
    async def revoke_invite(self, code: str) -> bool: ...
    async def rotate_invite(self, room_id: str) -> tuple[Invite, int]: ...

    async def assign_staff(self, room_id: str, staff_id: str) -> bool: ...
    async def unassign_staff(self, room_id: str, staff_id: str) -> bool: ...
    async def is_assigned(self, room_id: str, staff_id: str) -> bool: ...
    async def staff_of_rooms(self, room_ids: Sequence[str]) -> dict[str, list[Staff]]: ...
    async def rooms_for(self, staff_id: str, *,
                        include_archived: bool = False) -> list[RoomRecord]: ...

    async def add_ban(self, room_id: str, participant_id: str, device: str | None) -> None: ...
    async def is_banned(self, room_id: str, participant_id: str | None,
                        device: str | None) -> bool: ...
    async def bans_for(self, room_id: str) -> tuple[set[str], set[str]]: ...

    async def keep_place(self, room_id: str, participant_id: str,
                         expires_at: datetime) -> None: ...
    async def drop_place(self, room_id: str, participant_id: str) -> None: ...
    async def drop_places(self, room_id: str) -> None: ...
    async def take_places(self, room_id: str, now: datetime) -> set[str]: ...
    async def suspend_places(self, resume_by: datetime, now: datetime,
                             rooms: Sequence[str] | None = None) -> None: ...


def _now() -> datetime:
    return datetime.now(UTC)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def session_id(secret: str) -> str:
    """A session's id: the SHA-256 of its secret, as the sessions table keys it. A staff
    room token carries this (never the secret), so the token dies with the session."""
    return _hash(secret)


def async_url(url: str) -> str:
    """Map the URLs people write to the async drivers Hearth uses."""
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url.split("://", 1)[1]
    return url


SQLITE_BUSY_TIMEOUT_MS = 5000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers and the one writer proceed together; foreign keys are
    # off by default in SQLite; busy_timeout makes a second process wait, not fail.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


# Where a connection keeps its running statement's start (``SqlStore.time_statements``).
_STARTED = "hearth_statement_started"


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    return config


class SqlStore:
    """``Store`` over SQLAlchemy async; the dialect comes from the URL."""

    def __init__(self, url: str, *, audit_key: bytes | None = None,
                 contact_key: bytes | None = None) -> None:
        """``audit_key`` signs and checks the audit log (``SafeguardingRecords``): the
        app's to give, never read here. Without one, everything but the audit log
        works, and a write or check of the log raises ``AuditKeyMissing``.
        ``contact_key`` seals and opens referrals' contact details
        (``server/store/contact.py``), likewise the app's to give; without one, sealing
        or opening them raises ``ContactKeyMissing``."""
        self.url = async_url(url)
        sqlite = make_url(self.url).get_backend_name() == "sqlite"
        # A SQLite file cannot go stale under us: no ping (one round trip to
        # aiosqlite's thread less per transaction). A server connection can.
        self.engine: AsyncEngine = create_async_engine(
            # hide_parameters: a failed statement's values (an alert's excerpt) never
            # reach an exception message, and so never a log (invariant 9).
            self.url, pool_pre_ping=not sqlite, hide_parameters=True)
        if sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._session = async_sessionmaker(self.engine, expire_on_commit=False)
        self._safeguarding = SafeguardingRecords(
            self._session, transactor_for(self.engine, _sqlite_pragmas), audit_key)
        self._schedules = ScheduleRecords(self._session)
        self._volunteers = VolunteerRecords(self._session)
        self._staff_data = StaffDataRecords(self._session)
        self._hours = HoursRecords(self._session)
        self._reflections = ReflectionRecords(self._session)
        self._impact = ImpactRecords(self._session)
        self._referrals = ReferralRecords(
            self._session, ContactBox(contact_key) if contact_key is not None else None)

    @property
    def safeguarding(self) -> SafeguardingRecords:
        """Alerts, escalations and the audit chain, on the same database."""
        return self._safeguarding

    def time_statements(self, observe: Callable[[str, float], None]) -> None:
        """Tell ``observe(statement, seconds)`` how long each statement took, from the
        driver's cursor call to its answer (``hearth_store_statement_seconds``). At the
        engine, so every query of the store, the safeguarding records and the schedules
        is timed by one hook, the database's round trip included."""

        def started(conn: Any, _cursor: Any, _statement: str, _parameters: Any,
                    _context: Any, _many: bool) -> None:
            conn.info[_STARTED] = time.perf_counter()

        def finished(conn: Any, _cursor: Any, statement: str, _parameters: Any,
                     _context: Any, _many: bool) -> None:
            began = conn.info.pop(_STARTED, None)
            if began is not None:
                observe(statement, time.perf_counter() - began)

        event.listen(self.engine.sync_engine, "before_cursor_execute", started)
        event.listen(self.engine.sync_engine, "after_cursor_execute", finished)

    @property
    def schedules(self) -> ScheduleRecords:
        """When each group meets: its sessions, time zone and waiting room's opening."""
        return self._schedules

    @property
    def volunteers(self) -> VolunteerRecords:
        """Volunteers' profiles, training records and supervision dates."""
        return self._volunteers

    @property
    def staff_data(self) -> StaffDataRecords:
        """A staff member's rows for their export, and their account's erasure."""
        return self._staff_data

    @property
    def hours(self) -> HoursRecords:
        """Volunteers' time, session by session."""
        return self._hours

    @property
    def reflections(self) -> ReflectionRecords:
        """Volunteers' debriefs and supervision notes (private: ``programme/reflective``)."""
        return self._reflections

    @property
    def impact(self) -> ImpactRecords:
        """What the anonymous impact report counts: sessions held, attendances, check-ins."""
        return self._impact

    @property
    def referrals(self) -> ReferralRecords:
        """Requests for one-to-one support; their contact details sealed."""
        return self._referrals

    async def migrate(self, to: str = "head") -> None:
        """Bring the schema to the newest revision (safe to call on every start), or up
        to revision ``to`` (the upgrade tests start from an older schema)."""

        def upgrade(connection: Connection) -> None:
            config = _alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, to)

        async with self.engine.begin() as connection:
            await connection.run_sync(upgrade)

    async def ping(self) -> bool:
        """Whether the database takes a write now: the ``health`` row rewritten within
        ``READY_WRITE_TIMEOUT``. A read would pass on a full disk, a read-only replica or
        while another process holds SQLite's write lock, when no alert could be stored.

        The limit is the database's own (SQLite's busy timeout, PostgreSQL's lock and
        statement timeouts, set for this transaction only), so the statement ends by
        itself rather than being cancelled mid-flight; ``asyncio.timeout`` (a little
        later) is only the backstop for a server that does not answer at all."""
        millis = int(READY_WRITE_TIMEOUT * 1000)
        try:
            async with asyncio.timeout(READY_WRITE_TIMEOUT + 0.5), \
                    self.engine.connect() as connection:
                sqlite = connection.dialect.name == "sqlite"
                if sqlite:  # this pooled connection only, restored below
                    await connection.exec_driver_sql(f"PRAGMA busy_timeout={millis}")
                    await connection.commit()
                try:
                    async with connection.begin():
                        if not sqlite:
                            await connection.exec_driver_sql(
                                f"SET LOCAL lock_timeout = {millis}")
                            await connection.exec_driver_sql(
                                f"SET LOCAL statement_timeout = {millis}")
                        await connection.execute(
                            update(HealthRow).where(HealthRow.id == 1)
                            .values(checked_at=_now()))
                finally:
                    if sqlite:
                        try:
                            await connection.exec_driver_sql(
                                f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
                            await connection.commit()
                        except BaseException:
                            # Never hand the pool a connection with the short timeout.
                            await connection.invalidate()
                            raise
        except Exception:  # any failure means "not ready"; /readyz reports it
            return False
        return True

    async def aclose(self) -> None:
        """Commit the audit entries still queued, then close every connection."""
        await self._safeguarding.aclose()
        await self.engine.dispose()

    # -- staff -----------------------------------------------------------------

    async def add_staff(self, username: str, password_hash: str, role: str, *,
                        must_change_password: bool = False) -> Staff:
        """A new account. ``must_change_password`` is for a password the member did not
        choose (the demo's generated ones); an operator-chosen one leaves it False."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        if is_tombstone(username.strip().lower()):
            raise ValueError(f"a username may not start with {TOMBSTONE!r}: those name "
                             "deleted accounts")
        row = StaffRow(
            id=f"s_{secrets.token_hex(8)}", username=username.strip().lower(),
            password_hash=password_hash, role=role, created_at=_now(), disabled=False,
            must_change_password=must_change_password,
        )
        try:
            async with self._session.begin() as session:
                session.add(row)
        except IntegrityError:
            raise Conflict(f"there is already a staff account called {row.username!r}") from None
        return _staff(row)

    async def staff_by_username(self, username: str) -> Staff | None:
        async with self._session() as session:
            row = await session.scalar(
                select(StaffRow).where(StaffRow.username == username.strip().lower())
            )
            return _staff(row) if row else None

    async def staff_by_id(self, staff_id: str) -> Staff | None:
        async with self._session() as session:
            row = await session.get(StaffRow, staff_id)
            return _staff(row) if row else None

    async def count_staff(self) -> int:
        async with self._session() as session:
            rows = await session.scalars(select(StaffRow.id))
            return len(rows.all())

    async def set_password_hash(self, staff_id: str, password_hash: str) -> None:
        async with self._session.begin() as session:
            await session.execute(
                update(StaffRow).where(StaffRow.id == staff_id).values(password_hash=password_hash)
            )

    async def change_password(self, staff_id: str, password_hash: str,
                              keep_session: str) -> None:
        """The member's own new password, in one transaction: store the hash, clear
        ``must_change_password`` and end every session of theirs but ``keep_session``
        (the secret of the one they changed it from)."""
        async with self._session.begin() as session:
            await session.execute(
                update(StaffRow).where(StaffRow.id == staff_id)
                .values(password_hash=password_hash, must_change_password=False)
            )
            await session.execute(
                delete(StaffSessionRow).where(StaffSessionRow.staff_id == staff_id,
                                              StaffSessionRow.id_hash != _hash(keep_session))
            )

    async def all_staff(self) -> list[Staff]:
        async with self._session() as session:
            rows = await session.scalars(select(StaffRow).order_by(StaffRow.username))
            return [_staff(row) for row in rows]

    async def staff_ids(self) -> list[str]:
        """Every account's id and nothing else (no hashes or secrets leave the database)."""
        async with self._session() as session:
            return list(await session.scalars(select(StaffRow.id)))

    async def set_disabled(self, staff_id: str, disabled: bool) -> bool:
        """Disable (or enable) an account; disabling ends every session of theirs in the
        same transaction, so their cookies and room tokens stop working at once.
        False: no such account."""
        async with self._session.begin() as session:
            row = await session.get(StaffRow, staff_id)
            if row is None:
                return False
            row.disabled = disabled
            if disabled:
                await session.execute(
                    delete(StaffSessionRow).where(StaffSessionRow.staff_id == staff_id))
            return True

    async def set_role(self, staff_id: str, role: str) -> int | None:
        """Give the account another role, in one transaction: every session of theirs
        ends (a room token carries the role it was issued for, and dies with its
        session), and leaving the facilitator role drops their room assignments (a lead
        or an admin may enter every group). Returns how many assignments were dropped;
        None: no such account. ValueError for an unknown role."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        async with self._session.begin() as session:
            row = await session.get(StaffRow, staff_id)
            if row is None:
                return None
            row.role = role
            await session.execute(
                delete(StaffSessionRow).where(StaffSessionRow.staff_id == staff_id))
            if role == "facilitator":
                return 0
            result = await session.execute(
                delete(RoomStaffRow).where(RoomStaffRow.staff_id == staff_id))
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def reset_password(self, staff_id: str, password_hash: str) -> None:
        """An admin's reset: a generated password the member must change at their next
        login, and every session of theirs ended."""
        async with self._session.begin() as session:
            await session.execute(
                update(StaffRow).where(StaffRow.id == staff_id)
                .values(password_hash=password_hash, must_change_password=True))
            await session.execute(
                delete(StaffSessionRow).where(StaffSessionRow.staff_id == staff_id))

    async def set_totp(self, staff_id: str, sealed_secret: str | None) -> None:
        """Enrol (an encrypted secret) or, with None, reset the second factor; a reset
        also ends every session of theirs."""
        async with self._session.begin() as session:
            await session.execute(
                update(StaffRow).where(StaffRow.id == staff_id)
                .values(totp_secret=sealed_secret, totp_last_step=None))
            if sealed_secret is None:
                await session.execute(
                    delete(StaffSessionRow).where(StaffSessionRow.staff_id == staff_id))

    async def use_totp_step(self, staff_id: str, step: int) -> bool:
        """Record that a code of time step ``step`` was used. False when that step (or a
        later one) was used already: a code is accepted once, even by two racing logins."""
        async with self._session.begin() as session:
            result = await session.execute(
                update(StaffRow).where(
                    StaffRow.id == staff_id,
                    or_(StaffRow.totp_last_step.is_(None), StaffRow.totp_last_step < step))
                .values(totp_last_step=step))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    # -- staff sessions ------------------------------------------------------------

    async def add_session(self, staff_id: str, secret: str, expires_at: datetime) -> None:
        async with self._session.begin() as session:
            session.add(StaffSessionRow(id_hash=_hash(secret), staff_id=staff_id,
                                        created_at=_now(), expires_at=expires_at))

    async def session_staff(self, secret: str, now: datetime) -> Staff | None:
        async with self._session() as session:
            found = await session.get(StaffSessionRow, _hash(secret))
            if found is None or aware(found.expires_at) <= now:
                return None
            row = await session.get(StaffRow, found.staff_id)
            return _staff(row) if row is not None and not row.disabled else None

    async def session_staff_by_id(self, session_id: str, now: datetime) -> Staff | None:
        """Like ``session_staff`` but by the session's id (the hash a room token carries)."""
        async with self._session() as session:
            found = await session.get(StaffSessionRow, session_id)
            if found is None or aware(found.expires_at) <= now:
                return None
            row = await session.get(StaffRow, found.staff_id)
            return _staff(row) if row is not None and not row.disabled else None

    async def drop_session(self, secret: str) -> None:
        async with self._session.begin() as session:
            found = await session.get(StaffSessionRow, _hash(secret))
            if found is not None:
                await session.delete(found)

    async def end_sessions(self, staff_id: str) -> None:
        async with self._session.begin() as session:
            await session.execute(
                delete(StaffSessionRow).where(StaffSessionRow.staff_id == staff_id))

    # -- rooms and invites ---------------------------------------------------------

    async def add_room(self, name: str, audience: str, *,
                       facilitators: Sequence[str] = (), kind: str = "group",
                       archived: bool = False) -> RoomRecord:
        """A new room, with ``facilitators`` (staff ids) assigned in the same transaction:
        an unknown id raises LookupError and nothing is created. ``kind``: ``ROOM_KINDS``;
        ``archived``: made archived (a one-to-one room kept shut until it is opened)."""
        name = _room_name(name, audience)
        if kind not in ROOM_KINDS:
            raise ValueError(f"a room's kind is one of {', '.join(ROOM_KINDS)}")
        now = _now()
        row = RoomRow(id=f"r_{secrets.token_hex(6)}", name=name, audience=audience,
                      lobby=True, focus=True, locked=False, created_at=now, kind=kind,
                      archived_at=now if archived else None)
        try:
            async with self._session.begin() as session:
                session.add(row)
                await session.flush()
                for staff_id in dict.fromkeys(facilitators):
                    session.add(RoomStaffRow(room_id=row.id, staff_id=staff_id,
                                             created_at=_now()))
        except IntegrityError:
            raise LookupError("no such staff account") from None
        return _room(row)

    async def room(self, room_id: str, *,
                   include_archived: bool = False) -> RoomRecord | None:
        """The room, or None. An archived room is None unless ``include_archived``: every
        way into a group (invites, staff tokens, a token from before it was archived at
        hello) asks without it, so an archived group admits nobody by default."""
        async with self._session() as session:
            row = await session.get(RoomRow, room_id)
            if row is None or (row.archived_at is not None and not include_archived):
                return None
            return _room(row)

    async def rooms(self, *, include_archived: bool = False) -> list[RoomRecord]:
        async with self._session() as session:
            query = select(RoomRow).order_by(RoomRow.created_at)
            if not include_archived:
                query = query.where(RoomRow.archived_at.is_(None))
            return [_room(row) for row in await session.scalars(query)]

    async def set_room_details(self, room_id: str, name: str, audience: str) -> bool:
        """Rename the room and set its audience (ValueError for a bad one). False: no
        such room. A session already running keeps what it started with."""
        name = _room_name(name, audience)
        async with self._session.begin() as session:
            result = await session.execute(
                update(RoomRow).where(RoomRow.id == room_id).values(name=name,
                                                                    audience=audience))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def set_room_agreement(self, room_id: str, agreement: str | None) -> bool:
        """The group's own agreement (plain text), or None for the default one;
        ValueError past ``AGREEMENT_MAX`` characters. False: no such room."""
        agreement = (agreement or "").strip() or None
        problem = room_problems(agreement=agreement).get("agreement")
        if problem:
            raise ValueError(problem)
        async with self._session.begin() as session:
            result = await session.execute(
                update(RoomRow).where(RoomRow.id == room_id).values(agreement=agreement))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def set_room_archived(self, room_id: str, archived: bool) -> bool:
        """Archive the room (now) or open it again. False: no such room, or it was
        already so (an archived room keeps the time it was first archived)."""
        async with self._session.begin() as session:
            result = await session.execute(
                update(RoomRow).where(RoomRow.id == room_id,
                                      RoomRow.archived_at.is_(None) if archived
                                      else RoomRow.archived_at.is_not(None))
                .values(archived_at=_now() if archived else None))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def set_room_state(self, room_id: str, *, locked: bool, focus: bool) -> None:
        async with self._session.begin() as session:
            await session.execute(
                update(RoomRow).where(RoomRow.id == room_id).values(locked=locked, focus=focus)
            )

    async def add_invite(self, room_id: str) -> Invite:
        row = InviteRow(code=secrets.token_urlsafe(INVITE_BYTES), room_id=room_id,
                        created_at=_now(), revoked_at=None)
        try:
            async with self._session.begin() as session:
                session.add(row)
        except IntegrityError:
            raise LookupError(f"no room {room_id!r}") from None
        return Invite(code=row.code, room_id=room_id, revoked=False)

    async def invite(self, code: str) -> Invite | None:
        async with self._session() as session:
            row = await session.get(InviteRow, code)
            return _invite(row) if row else None

    async def live_invites(self, room_ids: Sequence[str]) -> dict[str, list[Invite]]:
        """Each room's invites that are not revoked, oldest first, in one query (a page
        listing every group asks once, not once a group)."""
        found: dict[str, list[Invite]] = {room_id: [] for room_id in room_ids}
        async with self._session() as session:
            rows = await session.scalars(
                select(InviteRow).where(InviteRow.room_id.in_(list(room_ids)),
                                        InviteRow.revoked_at.is_(None))
                .order_by(InviteRow.created_at))
            for row in rows:
                found[row.room_id].append(_invite(row))
        return found

    async def revoke_invite(self, code: str) -> bool:
        async with self._session.begin() as session:
            row = await session.get(InviteRow, code)
            if row is None or row.revoked_at is not None:
                return False
            row.revoked_at = _now()
            return True

    async def rotate_invite(self, room_id: str) -> tuple[Invite, int]:
        """Revoke every live invite of the room and make a new one, in one transaction.
        Returns (the new invite, how many were revoked); LookupError for no such room."""
        now = _now()
        row = InviteRow(code=secrets.token_urlsafe(INVITE_BYTES), room_id=room_id,
                        created_at=now, revoked_at=None)
        try:
            async with self._session.begin() as session:
                result = await session.execute(
                    update(InviteRow).where(InviteRow.room_id == room_id,
                                            InviteRow.revoked_at.is_(None))
                    .values(revoked_at=now))
                session.add(row)
        except IntegrityError:
            raise LookupError(f"no room {room_id!r}") from None
        revoked = int(result.rowcount)  # type: ignore[attr-defined]
        return Invite(code=row.code, room_id=room_id, revoked=False), revoked

    # -- facilitators assigned to rooms ------------------------------------------------

    async def assign_staff(self, room_id: str, staff_id: str) -> bool:
        """Assign a facilitator to a room. False: already assigned; LookupError: no such
        room or account."""
        async with self._session() as session:
            if await session.get(RoomStaffRow, (room_id, staff_id)) is not None:
                return False
        try:
            async with self._session.begin() as session:
                session.add(RoomStaffRow(room_id=room_id, staff_id=staff_id, created_at=_now()))
        except IntegrityError:
            # A foreign key (no such room or account) or, rarely, a racing assignment.
            if await self.is_assigned(room_id, staff_id):
                return False
            raise LookupError("no such room or staff account") from None
        return True

    async def unassign_staff(self, room_id: str, staff_id: str) -> bool:
        async with self._session.begin() as session:
            result = await session.execute(
                delete(RoomStaffRow).where(RoomStaffRow.room_id == room_id,
                                           RoomStaffRow.staff_id == staff_id))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def is_assigned(self, room_id: str, staff_id: str) -> bool:
        async with self._session() as session:
            return await session.get(RoomStaffRow, (room_id, staff_id)) is not None

    async def staff_of_rooms(self, room_ids: Sequence[str]) -> dict[str, list[Staff]]:
        """Each room's assigned staff, by username, in one query."""
        found: dict[str, list[Staff]] = {room_id: [] for room_id in room_ids}
        async with self._session() as session:
            rows = await session.execute(
                select(RoomStaffRow.room_id, StaffRow)
                .join(RoomStaffRow, RoomStaffRow.staff_id == StaffRow.id)
                .where(RoomStaffRow.room_id.in_(list(room_ids))).order_by(StaffRow.username))
            for room_id, row in rows:
                found[room_id].append(_staff(row))
        return found

    async def rooms_for(self, staff_id: str, *,
                        include_archived: bool = False) -> list[RoomRecord]:
        """The rooms a facilitator is assigned to (the archived ones only if asked)."""
        async with self._session() as session:
            query = (select(RoomRow).join(RoomStaffRow, RoomStaffRow.room_id == RoomRow.id)
                     .where(RoomStaffRow.staff_id == staff_id).order_by(RoomRow.created_at))
            if not include_archived:
                query = query.where(RoomRow.archived_at.is_(None))
            return [_room(row) for row in await session.scalars(query)]

    # -- bans --------------------------------------------------------------------

    async def add_ban(self, room_id: str, participant_id: str, device: str | None) -> None:
        async with self._session.begin() as session:
            session.add(BanRow(room_id=room_id, participant_id=participant_id, device=device,
                               created_at=_now()))

    async def is_banned(self, room_id: str, participant_id: str | None,
                        device: str | None) -> bool:
        conditions = []
        if participant_id is not None:
            conditions.append(BanRow.participant_id == participant_id)
        if device is not None:
            conditions.append(BanRow.device == device)
        if not conditions:
            return False

        async with self._session() as session:
            found = await session.scalar(
                select(BanRow.id).where(BanRow.room_id == room_id, or_(*conditions)).limit(1)
            )
            return found is not None


    async def bans_for(self, room_id: str) -> tuple[set[str], set[str]]:
        """Every banned participant id and device hash of a room (loaded once per session)."""
        async with self._session() as session:
            rows = (await session.execute(
                select(BanRow.participant_id, BanRow.device).where(BanRow.room_id == room_id)
            )).all()
        return {r[0] for r in rows}, {r[1] for r in rows if r[1] is not None}

    # -- places in a live session (kept across a restart) --------------------------------

    async def keep_place(self, room_id: str, participant_id: str,
                         expires_at: datetime) -> None:
        """Remember that ``participant_id`` was admitted to the room's live session."""
        async with self._session.begin() as session:
            await session.merge(PlaceRow(room_id=room_id, participant_id=participant_id,
                                         expires_at=expires_at, resume_by=None))

    async def drop_place(self, room_id: str, participant_id: str) -> None:
        async with self._session.begin() as session:
            await session.execute(delete(PlaceRow).where(
                PlaceRow.room_id == room_id, PlaceRow.participant_id == participant_id))

    async def drop_places(self, room_id: str) -> None:
        """The room's session ended: nobody's place in it is kept."""
        async with self._session.begin() as session:
            await session.execute(delete(PlaceRow).where(PlaceRow.room_id == room_id))

    async def take_places(self, room_id: str, now: datetime) -> set[str]:
        """The places still valid in the room (a session held by no server until now),
        in one transaction: expired ones, or ones not taken back by their ``resume_by``,
        are deleted; the rest are the session's again (``resume_by`` cleared)."""
        async with self._session.begin() as session:
            rows = (await session.scalars(
                select(PlaceRow).where(PlaceRow.room_id == room_id))).all()
            kept: set[str] = set()
            for row in rows:
                resume_by = row.resume_by
                if aware(row.expires_at) <= now or (
                        resume_by is not None and aware(resume_by) <= now):
                    await session.delete(row)
                else:
                    row.resume_by = None
                    kept.add(row.participant_id)
            return kept

    async def suspend_places(self, resume_by: datetime, now: datetime,
                             rooms: Sequence[str] | None = None) -> None:
        """No server holds these sessions now (shutting down, or starting after a crash):
        every place must be taken back by ``resume_by`` (an earlier limit stays), and
        those expired or not taken back in time go. ``rooms``: only these rooms' places
        (a node of several gives up its own sessions only)."""
        if rooms is not None and not rooms:
            return
        query = select(PlaceRow)
        if rooms is not None:
            query = query.where(PlaceRow.room_id.in_(list(rooms)))
        async with self._session.begin() as session:
            rows = (await session.scalars(query)).all()
            for row in rows:
                if aware(row.expires_at) <= now or (
                        row.resume_by is not None and aware(row.resume_by) <= now):
                    await session.delete(row)
                elif row.resume_by is None or aware(row.resume_by) > resume_by:
                    row.resume_by = resume_by

def _staff(row: StaffRow) -> Staff:
    return Staff(id=row.id, username=row.username, password_hash=row.password_hash,
                 role=row.role, disabled=row.disabled,
                 must_change_password=bool(row.must_change_password),
                 totp_secret=row.totp_secret,
                 erased=is_tombstone(row.username))


def room_problems(*, name: str | None = None, audience: str | None = None,
                  agreement: str | None = None) -> dict[str, str]:
    """What the store refuses in a group's details, by field (``name``, ``audience``,
    ``agreement``; only those given are checked), in English for the command line; the
    admin's page puts its own words by the same fields. Empty: all of them are fine."""
    found = {}
    if name is not None and not 1 <= len(name.strip()) <= ROOM_NAME_MAX:
        found["name"] = f"a room name needs 1-{ROOM_NAME_MAX} characters"
    if audience is not None and audience not in AUDIENCES:
        found["audience"] = f"audience must be one of {', '.join(AUDIENCES)}"
    if agreement is not None and len(agreement.strip()) > AGREEMENT_MAX:
        found["agreement"] = f"a group agreement has at most {AGREEMENT_MAX} characters"
    return found


def _room_name(name: str, audience: str) -> str:
    """The name as stored (trimmed), or ValueError saying what is wrong with it or the
    audience."""
    found = room_problems(name=name, audience=audience)
    if found:
        raise ValueError(found.get("audience") or found["name"])
    return name.strip()


def _room(row: RoomRow) -> RoomRecord:
    return RoomRecord(id=row.id, name=row.name, audience=row.audience, lobby=row.lobby,
                      focus=row.focus, locked=row.locked,
                      archived=row.archived_at is not None, agreement=row.agreement,
                      timezone=row.timezone, opens_before=row.opens_before,
                      kind=row.kind or "group")


def _invite(row: InviteRow) -> Invite:
    return Invite(code=row.code, room_id=row.room_id, revoked=row.revoked_at is not None)
