"""Safeguarding records: alerts, escalations and the audit chain.

Every write here is one transaction that also appends its audit entries, so a
record and its audit trail are committed together or not at all. Callers
announce a record only after the method returns (invariant 6: durable
before anyone is told).

The chain is written one transaction at a time (each reads the head the last
one wrote). In this process a ``PriorityLock`` queues the writers, alerts
first; across processes the head row's lock (PostgreSQL) or SQLite's single
writer does. The hot writes (alerts, acknowledgements, moderation audit
entries) are plain Core statements run in one hop by a ``Transactor``
(``server/store/writer.py``); moderation entries are queued and written in
batches by one writer task, so a burst of admissions takes one place in the
queue per batch instead of one per entry. docs/performance.md, "Alerts", has
the measurements behind each choice.

Every entry is signed as it is written: its ``mac`` (and the head's) is made with
the audit key the app hands to ``SafeguardingRecords``; why, and how a database
from before the key is signed once, is in ``server/safeguarding/audit.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import hmac
import json
import logging
import secrets
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, cast, overload

from sqlalchemy import Connection, CursorResult, Row, func, insert, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.safeguarding.audit import (
    MIN_AUDIT_KEY_BYTES,
    AuditKeyMissing,
    Entry,
    Head,
    SigningPlan,
    Verdict,
    canonical,
    entry_hash,
    entry_mac,
    head_mac,
    plan_signing,
    verify,
)
from server.safeguarding.escalation import OPEN_STATES, EscalationError, check_change
from server.store import failures
from server.store.failures import passing, why
from server.store.models import (
    AlertRow,
    AuditHeadRow,
    AuditRow,
    DirectoryRow,
    EscalationNoteRow,
    EscalationRow,
    LeaseRow,
    ScreenFeedbackRow,
)
from server.store.writer import PriorityLock, Transactor

log = logging.getLogger("hearth.store")

# Moderation audit entries written per transaction by the batch writer. A batch
# is one place in the writers' queue, so an alert waits for at most the batch
# being written: 64 entries take about 1.1 ms on SQLite with its fsync (0.4 ms
# for one; docs/performance.md, "Alerts"), and a session start's burst of
# hundreds of admissions becomes a handful of transactions.
AUDIT_BATCH = 64
# A batch of moderation entries the database would not take for a passing reason (SQLite's
# write lock held past its busy timeout, PostgreSQL restarting) goes back to the head of the
# queue and is tried again after ``failures.pause``, the lock let go between tries so that
# alerts still go first, until ``failures.RETRY_FOR`` seconds after the first failure; only
# then are its entries given up (their callers log it). One busy timeout used to drop them: a
# facilitator's mute missing from the audit log (invariant 8) because ten busy rooms kept
# SQLite writing. Closing gives a failing database AUDIT_CLOSE_RETRY_FOR more.
AUDIT_CLOSE_RETRY_FOR = 10.0


@overload
def aware(value: datetime) -> datetime: ...
@overload
def aware(value: datetime | None) -> datetime | None: ...
def aware(value: datetime | None) -> datetime | None:
    """``value`` with its time zone: SQLite hands times back naive even for
    ``timezone=True`` columns (they are stored in UTC). The store's one copy of this."""
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class AlertRecord:
    id: str
    room_id: str
    kind: str
    severity: str
    categories: tuple[str, ...]
    participant_id: str
    participant_name: str
    ack_within: int
    created_at: datetime
    message_id: str | None = None
    excerpt: str | None = None
    rules: tuple[str, ...] = ()
    acked_at: datetime | None = None
    acked_by: str | None = None
    # The model's signal as JSON ({"version", "category", "score"}), when it fired.
    model: str | None = None
    # Its missed deadlines, as recorded: the facilitators reminded, the lead given it. A room
    # taken up again after a restart or a failover does neither a second time.
    reminded_at: datetime | None = None
    escalated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class FeedbackCount:
    """How often facilitators called one signal right, a false alarm, or missed."""

    model_version: str
    signal: str  # "rule:<id>", "model:<category>" or "-" (a missed risk)
    verdict: str
    count: int


@dataclass(frozen=True, slots=True)
class EscalationNote:
    by: str
    state: str
    outcome: str | None
    text: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Escalation:
    id: str
    alert_id: str | None
    room_id: str
    severity: str
    categories: tuple[str, ...]
    participant_name: str
    excerpt: str | None
    state: str
    outcome: str | None
    raised_by: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    notes: tuple[EscalationNote, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class _Pending:
    """An audit entry before it has a place in the chain (``detail`` canonical JSON)."""

    at: datetime
    actor: str
    action: str
    room_id: str | None
    target: str | None
    detail: str


def _chain(connection: Connection, entries: Sequence[_Pending], key: bytes) -> int:
    """Append ``entries`` to the chain, in order, in the caller's transaction, each
    signed with ``key`` (and the head too).

    Three statements whatever the number of entries: lock and read the head
    (``UPDATE ... RETURNING``: on PostgreSQL the row lock is held until commit and
    a waiter reads the head its predecessor committed; on SQLite the transaction
    already holds the write lock), insert the entries, move the head. Returns the
    last entry's ``seq``.
    """
    seq, prev_hash = connection.execute(
        update(AuditHeadRow).where(AuditHeadRow.id == 1).values(seq=AuditHeadRow.seq)
        .returning(AuditHeadRow.seq, AuditHeadRow.hash)).one()
    rows = []
    for entry in entries:
        seq += 1
        digest = entry_hash(prev_hash, seq, entry.at, entry.actor, entry.action, entry.room_id,
                            entry.target, entry.detail)
        rows.append({"seq": seq, "at": entry.at, "actor": entry.actor, "action": entry.action,
                     "room_id": entry.room_id, "target": entry.target, "detail": entry.detail,
                     "prev_hash": prev_hash, "hash": digest, "mac": entry_mac(key, digest)})
        prev_hash = digest
    connection.execute(insert(AuditRow), rows)
    connection.execute(update(AuditHeadRow).where(AuditHeadRow.id == 1)
                       .values(seq=seq, hash=prev_hash, mac=head_mac(key, seq, prev_hash)))
    return seq


def _write_alert(connection: Connection, alert: AlertRecord,
                 escalation: Escalation | None, key: bytes) -> bool:
    """Insert the alert (and its escalation); False if it is stored already.

    A journal replay of an alert committed just before the process died (and
    before its journal entry was marked done) finds it here and adds nothing.
    """
    if connection.execute(select(AlertRow.id).where(AlertRow.id == alert.id)).first():
        return False
    created = alert.created_at.astimezone(UTC)
    connection.execute(insert(AlertRow), [{
        "id": alert.id, "room_id": alert.room_id, "kind": alert.kind,
        "severity": alert.severity, "categories": json.dumps(list(alert.categories)),
        "rules": json.dumps(list(alert.rules)), "participant_id": alert.participant_id,
        "participant_name": alert.participant_name, "message_id": alert.message_id,
        "excerpt": alert.excerpt, "ack_within": alert.ack_within, "model": alert.model,
        "created_at": alert.created_at, "acked_at": None, "acked_by": None,
        "rerouted_at": None, "due_at": created + timedelta(seconds=alert.ack_within)
        if alert.ack_within else None,  # a quiet check-in has no deadline
        "reminded_at": None, "escalated_at": alert.created_at if escalation else None,
    }])
    entries = [_Pending(alert.created_at, "system", "alert.raised", alert.room_id, alert.id,
                        canonical({"kind": alert.kind, "severity": alert.severity,
                                   "categories": list(alert.categories),
                                   "rules": list(alert.rules)}))]
    if escalation is not None:
        connection.execute(insert(EscalationRow), [_escalation_values(escalation)])
        entries.append(_Pending(alert.created_at, "system", "escalation.raised", alert.room_id,
                                escalation.id,
                                canonical({"alert": alert.id, "severity": alert.severity})))
    _chain(connection, entries, key)
    return True


def _write_overdue(connection: Connection, alert_id: str, at: datetime,
                   escalate: bool, key: bytes) -> Escalation | None:
    """Record a missed deadline: the reminder (once), or the re-route to the lead (once).

    Returns the escalation only when this call raised it. The alert row is read
    FOR UPDATE (PostgreSQL; SQLite's transaction already holds the write lock), so
    two writers (the live room and the sweeper, two nodes, a journal replay) are
    served one at a time and the second finds ``escalated_at`` set; the unique
    index on ``escalations.alert_id`` backs that up.
    """
    row = connection.execute(select(AlertRow.__table__).where(AlertRow.id == alert_id)
                             .with_for_update()).first()
    if row is None or row.acked_at is not None:
        return None
    if not escalate:
        if row.reminded_at is not None:
            return None
        connection.execute(update(AlertRow).where(AlertRow.id == alert_id)
                           .values(reminded_at=at, rerouted_at=at))
        _chain(connection, [_Pending(at, "system", "alert.overdue", row.room_id, alert_id,
                                     canonical({"escalate": False}))], key)
        return None
    if row.escalated_at is not None:
        return None
    escalation = _new_escalation(_alert(row), "system", at)
    connection.execute(update(AlertRow).where(AlertRow.id == alert_id)
                       .values(escalated_at=at, rerouted_at=at))
    connection.execute(insert(EscalationRow), [_escalation_values(escalation)])
    _chain(connection, [
        _Pending(at, "system", "alert.overdue", row.room_id, alert_id,
                 canonical({"escalate": True})),
        _Pending(at, "system", "escalation.raised", row.room_id, escalation.id,
                 canonical({"alert": alert_id, "reason": "not acknowledged"})),
    ], key)
    return escalation


def _take_lease(connection: Connection, name: str, holder: str, now: datetime,
                until: datetime) -> bool:
    """Take or renew ``name`` for ``holder`` until ``until``; False while another
    holder's lease has not expired.

    One conditional UPDATE decides (on PostgreSQL a second taker waits for the
    row and then finds the condition false); the first taker ever INSERTs, and of
    two first takers the second fails on the primary key (the caller's False).
    """
    taken = connection.execute(
        update(LeaseRow).where(LeaseRow.name == name,
                               or_(LeaseRow.holder == holder, LeaseRow.expires_at < now))
        .values(holder=holder, expires_at=until))
    if cast(CursorResult[Any], taken).rowcount:
        return True
    if connection.execute(select(LeaseRow.name).where(LeaseRow.name == name)).first():
        return False
    connection.execute(insert(LeaseRow).values(name=name, holder=holder, expires_at=until))
    return True


def _drop_lease(connection: Connection, name: str, holder: str, now: datetime) -> None:
    connection.execute(update(LeaseRow).where(LeaseRow.name == name, LeaseRow.holder == holder)
                       .values(expires_at=now))


def _write_ack(connection: Connection, alert_id: str, by: str, at: datetime,
               key: bytes) -> bool:
    # The alert row first, then the head: the order the other writers lock them in.
    acked = connection.execute(
        update(AlertRow).where(AlertRow.id == alert_id, AlertRow.acked_at.is_(None))
        .values(acked_at=at, acked_by=by).returning(AlertRow.room_id)).first()
    if acked is None:
        return False
    _chain(connection, [_Pending(at, by, "alert.ack", acked.room_id, alert_id, canonical({}))],
           key)
    return True


def _sign(connection: Connection, key: bytes) -> SigningPlan:
    """Sign the entries written before the audit key, once (``plan_signing`` decides),
    in one transaction that holds the head's lock, so no entry is written meanwhile."""
    head = connection.execute(
        update(AuditHeadRow).where(AuditHeadRow.id == 1).values(seq=AuditHeadRow.seq)
        .returning(AuditHeadRow.seq, AuditHeadRow.hash, AuditHeadRow.mac)).one()
    rows = connection.execute(select(AuditRow.__table__).order_by(AuditRow.seq))
    plan = plan_signing((_entry(row) for row in rows), Head(head.seq, head.hash, head.mac), key)
    for seq, mac in plan.entries.items():
        connection.execute(update(AuditRow).where(AuditRow.seq == seq, AuditRow.mac.is_(None))
                           .values(mac=mac))
    if plan.head_mac is not None:
        connection.execute(update(AuditHeadRow).where(AuditHeadRow.id == 1)
                           .values(mac=plan.head_mac))
    return plan


def _entry(row: Any) -> Entry:
    return Entry(seq=row.seq, at=aware(row.at), actor=row.actor, action=row.action,
                 room_id=row.room_id, target=row.target, detail=row.detail,
                 prev_hash=row.prev_hash, hash=row.hash, mac=row.mac)


class SafeguardingRecords:
    """Alerts, escalations and the audit chain on one database.

    ``audit_key`` signs every audit entry written and checks them in
    ``verify_audit`` (``server/safeguarding/audit.py``). It is the app's to give
    (``server/storage.py`` finds it: ``HEARTH_AUDIT_KEY`` or the data folder), at
    least ``MIN_AUDIT_KEY_BYTES`` long, and the same for every process writing the
    database. None: everything but the audit chain works, and every method that
    would write or check an audit entry raises ``AuditKeyMissing`` instead, so an
    unsigned entry is never written.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession],
                 transactor: Transactor, audit_key: bytes | None = None) -> None:
        if audit_key is not None and len(audit_key) < MIN_AUDIT_KEY_BYTES:
            raise ValueError(f"an audit key needs at least {MIN_AUDIT_KEY_BYTES} bytes")
        self._sessions = sessions
        self._transactor = transactor
        self._audit_key = audit_key
        # Every chain writer in this process queues here, alerts first; across
        # processes the head row's lock (PostgreSQL) or SQLite's single writer
        # serializes them.
        self._lock = PriorityLock()
        # Moderation entries waiting for the batch writer, each with the future
        # its caller awaits; the writer task runs while there are any.
        self._queue: deque[tuple[_Pending, asyncio.Future[None]]] = deque()
        self._writer: asyncio.Task[None] | None = None
        self._closed = False
        self.audit_transactions = 0
        """Transactions the batch writer has committed (entries are batched)."""

    # -- the audit chain -------------------------------------------------------------

    @property
    def keyed(self) -> bool:
        """Whether this store was given an audit key (and so may write audit entries)."""
        return self._audit_key is not None

    def _key(self) -> bytes:
        if self._audit_key is None:
            raise AuditKeyMissing("this store was opened without an audit key: it cannot "
                                  "write or check audit entries")
        return self._audit_key

    def pseudonym(self, name: str) -> str:
        """A keyed hash (HMAC-SHA256 with the audit key, hex) of a former username: what
        an erased account's row keeps so the audit entries that name it, which are never
        rewritten, can be shown with its tombstone (``server/auth/erasure.py``)."""
        return hmac.new(self._key(), b"hearth erased name\x00" + name.encode(),
                        hashlib.sha256).hexdigest()

    async def audit_entries(self, last: int = 100) -> list[Entry]:
        """The newest ``last`` audit entries, oldest first, as written."""
        async with self._sessions() as session:
            rows = (await session.scalars(
                select(AuditRow).order_by(AuditRow.seq.desc()).limit(last))).all()
        return [_entry(row) for row in reversed(rows)]

    async def audit_about(self, staff_id: str, names: Sequence[str], last: int) -> list[Entry]:
        """The newest ``last`` audit entries whose target is the account ``staff_id`` or
        whose actor is one of ``names`` (its username), oldest first, as written."""
        condition = AuditRow.target == staff_id
        if names:
            condition = condition | AuditRow.actor.in_(list(names))
        async with self._sessions() as session:
            rows = (await session.scalars(select(AuditRow).where(condition)
                                          .order_by(AuditRow.seq.desc()).limit(last))).all()
        return [_entry(row) for row in reversed(rows)]

    async def _append(self, session: AsyncSession, at: datetime, actor: str, action: str,
                      room_id: str | None, target: str | None, detail: dict[str, Any]) -> None:
        # Touch the head first: on SQLite that takes the write lock before we read,
        # on PostgreSQL FOR UPDATE holds the row until commit.
        await session.execute(update(AuditHeadRow).where(AuditHeadRow.id == 1)
                              .values(seq=AuditHeadRow.seq))
        head = (await session.execute(
            select(AuditHeadRow).where(AuditHeadRow.id == 1).with_for_update()
        )).scalar_one()
        seq = head.seq + 1
        body = canonical(detail)
        digest = entry_hash(head.hash, seq, at, actor, action, room_id, target, body)
        key = self._key()
        session.add(AuditRow(seq=seq, at=at, actor=actor, action=action, room_id=room_id,
                             target=target, detail=body, prev_hash=head.hash, hash=digest,
                             mac=entry_mac(key, digest)))
        head.seq = seq
        head.hash = digest
        head.mac = head_mac(key, seq, digest)

    def audit(self, actor: str, action: str, *, room_id: str | None = None,
              target: str | None = None, detail: dict[str, Any] | None = None,
              at: datetime | None = None) -> asyncio.Future[None]:
        """Queue one entry (a moderation action); await the result to know it is committed.

        The entry is queued when this is called, so entries from one caller chain in
        the order of the calls. The batch writer commits up to ``AUDIT_BATCH``
        queued entries per transaction; the future fails if its entry could not be
        written. Must be called from the event loop; not after ``aclose``.
        """
        if self._closed:
            raise RuntimeError("the audit log is closed")
        self._key()
        loop = asyncio.get_running_loop()
        committed: asyncio.Future[None] = loop.create_future()
        self._queue.append((_Pending(at or datetime.now(UTC), actor, action, room_id, target,
                                     canonical(detail or {})), committed))
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._write_queued())
        return committed

    async def _write_queued(self) -> None:
        """Commit queued entries, a batch per transaction, until none are left.

        The lock is taken per batch, so an alert waits for one batch at most. A batch the
        database would not take for a passing reason is put back and tried again
        (``failures.pause``), outside the lock."""
        loop = asyncio.get_running_loop()
        failing_since: float | None = None
        tries = 0
        while self._queue:
            async with self._lock.hold():
                batch = [self._queue.popleft()
                         for _ in range(min(AUDIT_BATCH, len(self._queue)))]
                again, error = await self._commit(batch)
            if error is None:
                failing_since, tries = None, 0
                continue
            now = loop.time()
            failing_since = now if failing_since is None else failing_since
            window = AUDIT_CLOSE_RETRY_FOR if self._closed else failures.RETRY_FOR
            if now - failing_since >= window:
                log.error("the database has not taken %d audit entries for %.0f s; giving "
                          "them up: %s", len(again), now - failing_since, why(error))
                for _, committed in again:
                    _settle(committed, error)
                continue
            self._queue.extendleft(reversed(again))
            delay = failures.pause(tries)
            tries += 1
            log.warning("the database did not take %d audit entries (%s); trying again in "
                        "%.2g s", len(again), why(error), delay)
            await asyncio.sleep(delay)

    async def _commit(self, batch: list[tuple[_Pending, asyncio.Future[None]]],
                      ) -> tuple[list[tuple[_Pending, asyncio.Future[None]]],
                                 BaseException | None]:
        """Commit ``batch`` and settle its futures; returns the entries to try again (from
        the first that met a passing failure on, so the chain keeps the call order) and
        that failure."""
        try:
            await self._transactor.run(functools.partial(
                _chain, entries=[e for e, _ in batch], key=self._key()))
        except asyncio.CancelledError:
            for _, committed in batch:
                committed.cancel()
            raise
        except Exception as batch_error:
            if passing(batch_error):
                return batch, batch_error
            if len(batch) == 1:
                _settle(batch[0][1], batch_error)
                return [], None
            # One bad entry (or a fault not known to pass) must not cost the rest: one at a
            # time.
            log.warning("an audit batch failed; writing its entries one by one",
                        exc_info=True)
            for n, (entry, committed) in enumerate(batch):
                try:
                    await self._transactor.run(functools.partial(
                        _chain, entries=[entry], key=self._key()))
                except Exception as error:
                    if passing(error):
                        return batch[n:], error
                    _settle(committed, error)
                else:
                    self.audit_transactions += 1
                    _settle(committed, None)
            return [], None
        self.audit_transactions += 1
        for _, committed in batch:
            _settle(committed, None)
        return [], None

    async def aclose(self) -> None:
        """Commit every queued entry, then let go of the writer's connection.

        Call after the last ``audit`` call (the app closes the hub first)."""
        self._closed = True
        if self._writer is not None:
            with contextlib.suppress(Exception):
                await self._writer
        await self._write_queued()  # anything a failed or cancelled writer left
        await self._transactor.aclose()

    async def verify_audit(self) -> Verdict:
        """Check every entry's chain hash and MAC, and the head (``audit.verify``).
        Raises ``AuditKeyMissing`` without a key: an unkeyed check proves nothing."""
        key = self._key()
        # The head and the entries in one statement, so one snapshot: read apart, a
        # writer on another node (or this one's writer thread) committing between the
        # two reads made a sound log look cut short (head 9, entries to 10).
        audit = AuditRow.__table__.c
        statement = (
            select(AuditHeadRow.seq.label("head_seq"), AuditHeadRow.hash.label("head_hash"),
                   AuditHeadRow.mac.label("head_mac"), *audit)
            .select_from(AuditHeadRow).outerjoin(AuditRow, true())
            .where(AuditHeadRow.id == 1).order_by(audit.seq))
        async with self._sessions() as session:
            rows = (await session.execute(statement)).all()
        head = Head(rows[0].head_seq, rows[0].head_hash, rows[0].head_mac)
        entries = [_entry(r) for r in rows if r.seq is not None]
        return verify(entries, head, key)

    async def sign_existing(self) -> SigningPlan:
        """Sign the entries written before the audit key existed, once: call only when
        the key has just been made, or when the operator asks (``hearth audit adopt``);
        never because of what the database says (``server/safeguarding/audit.py``
        explains why). If their chain breaks, signs only the entries before the break
        (``refused`` says so); the verdict then names the break."""
        key = self._key()
        async with self._lock.hold():
            return await self._transactor.run(functools.partial(_sign, key=key))

    # -- alerts ------------------------------------------------------------------------

    async def raise_alert(self, alert: AlertRecord, *, escalate: bool) -> Escalation | None:
        """Store an alert (and, for urgent risk, its escalation) with their audit entries.

        Returns the escalation when this call raised one (None also when the alert
        was stored already: a replay). Only after this returns may anyone be told
        (invariant 6). One transaction in one hop, ahead of any acknowledgement or
        audit batch still waiting for the lock.
        """
        escalation = _new_escalation(alert, "system", alert.created_at) if escalate else None
        key = self._key()
        async with self._lock.hold(urgent=True):
            created = await self._transactor.run(
                functools.partial(_write_alert, alert=alert, escalation=escalation, key=key))
        return escalation if created else None

    async def ack_alert(self, alert_id: str, by: str, at: datetime) -> bool:
        """Record the first acknowledgement of an alert; False if it was acknowledged
        already or does not exist."""
        key = self._key()
        async with self._lock.hold():
            return await self._transactor.run(
                functools.partial(_write_ack, alert_id=alert_id, by=by, at=at, key=key))

    async def reroute_alert(self, alert_id: str, at: datetime, *, escalate: bool,
                            ) -> Escalation | None:
        """An alert was not acknowledged in time: record the reminder, or with
        ``escalate`` raise its escalation. Each happens once per alert, however many
        callers ask; returns the escalation only to the caller that raised it."""
        key = self._key()
        async with self._lock.hold(urgent=True):
            return await self._transactor.run(functools.partial(
                _write_overdue, alert_id=alert_id, at=at, escalate=escalate, key=key))

    async def due_alerts(self, now: datetime, limit: int = 100) -> list[AlertRecord]:
        """Unacknowledged, unescalated alerts whose first deadline has passed, oldest first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(AlertRow).where(AlertRow.acked_at.is_(None),
                                       AlertRow.escalated_at.is_(None),
                                       AlertRow.due_at <= now.astimezone(UTC))
                .order_by(AlertRow.due_at).limit(limit))
            return [_alert(row) for row in rows]

    async def take_lease(self, name: str, holder: str, now: datetime, seconds: float) -> bool:
        """Take or renew a lease (see ``_take_lease``); True while ``holder`` has it."""
        try:
            return await self._transactor.run(functools.partial(
                _take_lease, name=name, holder=holder, now=now.astimezone(UTC),
                until=now.astimezone(UTC) + timedelta(seconds=seconds)))
        except IntegrityError:
            return False  # another process inserted the first lease at the same moment

    async def drop_lease(self, name: str, holder: str, now: datetime) -> None:
        """Let the lease go (it expires now), so another process may take it at once."""
        await self._transactor.run(functools.partial(
            _drop_lease, name=name, holder=holder, now=now.astimezone(UTC)))

    async def open_alerts(self, room_id: str) -> list[AlertRecord]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(AlertRow).where(AlertRow.room_id == room_id, AlertRow.acked_at.is_(None))
                .order_by(AlertRow.created_at))
            return [_alert(r) for r in rows]

    async def record_feedback(self, verdict: str, rules: Sequence[str], model_version: str,
                              model_category: str | None, at: datetime) -> None:
        """One facilitator's verdict on the screen: no text, no names, no room."""
        row = ScreenFeedbackRow(at=at, verdict=verdict, model_version=model_version,
                                rules=json.dumps(list(rules)), model_category=model_category)
        async with self._sessions() as session, session.begin():
            session.add(row)

    async def feedback_counts(self) -> list[FeedbackCount]:
        """Counts per model version, signal and verdict; a verdict on an alert counts once
        for each rule that fired and once for the model's category when it fired."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(ScreenFeedbackRow.model_version, ScreenFeedbackRow.rules,
                       ScreenFeedbackRow.model_category, ScreenFeedbackRow.verdict,
                       func.count()).group_by(
                    ScreenFeedbackRow.model_version, ScreenFeedbackRow.rules,
                    ScreenFeedbackRow.model_category, ScreenFeedbackRow.verdict))
            counts: dict[tuple[str, str, str], int] = {}
            for version, rules, category, verdict, count in rows:
                signals = [f"rule:{r}" for r in json.loads(rules)]
                signals += [f"model:{category}"] if category else []
                for signal in signals or ["-"]:
                    key = (version, signal, verdict)
                    counts[key] = counts.get(key, 0) + count
        return [FeedbackCount(v, s, d, n) for (v, s, d), n in sorted(counts.items())]

    async def alert(self, alert_id: str) -> AlertRecord | None:
        async with self._sessions() as session:
            row = await session.get(AlertRow, alert_id)
            return _alert(row) if row else None

    # -- escalations ------------------------------------------------------------------------

    async def escalate(self, alert_id: str, by: str, note: str,
                       at: datetime) -> tuple[Escalation, bool]:
        """A facilitator escalates an alert; True when a new escalation was raised.

        An alert that was already escalated gets the note added instead."""
        escalation, done = await self.record_escalation(alert_id, by, note, at)
        return escalation, done == "raised"

    async def record_escalation(self, alert_id: str, by: str, note: str, at: datetime,
                                ) -> tuple[Escalation, Literal["raised", "noted"] | None]:
        """``escalate``, saying what it did: raised the escalation, added the note to
        the alert's escalation, or (None) nothing, because this very request (same
        person, same instant: a journal entry stored before the process died) is
        recorded already. Raises ``LookupError`` for an unknown alert."""
        async with self._lock.hold(urgent=True), self._sessions.begin() as session:
            alert_row = await session.get(AlertRow, alert_id, with_for_update=True)
            if alert_row is None:
                raise LookupError("no such alert")
            row = await session.scalar(
                select(EscalationRow).where(EscalationRow.alert_id == alert_id))
            if row is None:
                row = EscalationRow(**_escalation_values(_new_escalation(
                    _alert(alert_row), by, at)))
                session.add(row)
                alert_row.escalated_at = at
                await session.flush()
                action = "escalation.raised"
            elif await session.scalar(select(EscalationNoteRow.id).where(
                    EscalationNoteRow.escalation_id == row.id, EscalationNoteRow.by == by,
                    EscalationNoteRow.at == at)) is not None:
                return await self._load(session, row), None
            else:
                row.updated_at = at
                action = "escalation.note"
            session.add(EscalationNoteRow(escalation_id=row.id, by=by, state=row.state,
                                          outcome=row.outcome, text=note, at=at))
            await self._append(session, at, by, action, row.room_id, row.id,
                               {"alert": alert_id, "note": bool(note)})
            await session.flush()
            return await self._load(session, row), (
                "raised" if action == "escalation.raised" else "noted")

    async def change_escalation(self, escalation_id: str, by: str, *, state: str | None,
                                outcome: str | None, note: str, at: datetime) -> Escalation:
        """Move an escalation on (raises ``EscalationError`` or ``LookupError``)."""
        async with self._lock.hold(), self._sessions.begin() as session:
            row = await session.get(EscalationRow, escalation_id, with_for_update=True)
            if row is None:
                raise LookupError("no such escalation")
            target = check_change(row.state, state, outcome)
            if target == "closed" and (outcome or row.outcome) is None:
                raise EscalationError("closing an escalation needs an outcome")
            before = row.state
            row.state = target
            row.outcome = outcome or row.outcome
            row.updated_at = at
            if target == "closed":
                row.closed_at = at
            session.add(EscalationNoteRow(escalation_id=row.id, by=by, state=target,
                                          outcome=row.outcome, text=note, at=at))
            await self._append(session, at, by, "escalation.changed", row.room_id, row.id,
                               {"from": before, "to": target, "outcome": row.outcome,
                                "note": bool(note)})
            await session.flush()
            return await self._load(session, row)

    async def escalations(self, *, open_only: bool = True) -> list[Escalation]:
        async with self._sessions() as session:
            query = select(EscalationRow).order_by(EscalationRow.created_at.desc())
            if open_only:
                query = query.where(EscalationRow.state.in_(sorted(OPEN_STATES)))
            return [_escalation(r, ()) for r in await session.scalars(query)]

    async def escalation(self, escalation_id: str) -> Escalation | None:
        async with self._sessions() as session:
            row = await session.get(EscalationRow, escalation_id)
            return await self._load(session, row) if row else None

    @staticmethod
    async def _load(session: AsyncSession, row: EscalationRow) -> Escalation:
        notes = await session.scalars(
            select(EscalationNoteRow).where(EscalationNoteRow.escalation_id == row.id)
            .order_by(EscalationNoteRow.id))
        return _escalation(row, [
            EscalationNote(by=n.by, state=n.state, outcome=n.outcome, text=n.text,
                           at=aware(n.at)) for n in notes
        ])

    # -- the signposting directory ----------------------------------------------------

    async def directory_data(self) -> str | None:
        """The admin's edited directory as JSON, or None when the defaults apply."""
        async with self._sessions() as session:
            row = await session.get(DirectoryRow, 1)
            return row.data if row else None

    async def save_directory(self, data: str, by: str, at: datetime) -> None:
        async with self._lock.hold(), self._sessions.begin() as session:
            row = await session.get(DirectoryRow, 1)
            if row is None:
                session.add(DirectoryRow(id=1, data=data, updated_at=at, updated_by=by))
            else:
                row.data, row.updated_at, row.updated_by = data, at, by
            await self._append(session, at, by, "directory.changed", None, None,
                               {"bytes": len(data)})

    # -- retention -------------------------------------------------------------------------

    async def purge_excerpts(self, closed_before: datetime) -> int:
        """Clear the chat excerpts of escalations closed before ``closed_before`` and
        of acknowledged alerts older than it that no open escalation refers to."""
        async with self._lock.hold(), self._sessions.begin() as session:
            escalations = cast(CursorResult[Any], await session.execute(
                update(EscalationRow)
                .where(EscalationRow.state == "closed", EscalationRow.closed_at < closed_before,
                       EscalationRow.excerpt.is_not(None))
                .values(excerpt=None))).rowcount
            still_open = select(EscalationRow.alert_id).where(
                EscalationRow.state.in_(sorted(OPEN_STATES)), EscalationRow.alert_id.is_not(None))
            alerts = cast(CursorResult[Any], await session.execute(
                update(AlertRow)
                .where(AlertRow.created_at < closed_before, AlertRow.acked_at.is_not(None),
                       AlertRow.excerpt.is_not(None), AlertRow.id.not_in(still_open))
                .values(excerpt=None))).rowcount
            total = escalations + alerts
            if total:
                await self._append(session, datetime.now(UTC), "system", "retention.purge",
                                   None, None, {"excerpts": total})
            return total


def _alert(row: AlertRow | Row[Any]) -> AlertRecord:
    return AlertRecord(
        id=row.id, room_id=row.room_id, kind=row.kind, severity=row.severity,
        categories=tuple(json.loads(row.categories)), participant_id=row.participant_id,
        participant_name=row.participant_name, ack_within=row.ack_within,
        created_at=aware(row.created_at), message_id=row.message_id,
        excerpt=row.excerpt, rules=tuple(json.loads(row.rules or "[]")),
        acked_at=aware(row.acked_at), acked_by=row.acked_by, model=row.model,
        reminded_at=aware(row.reminded_at), escalated_at=aware(row.escalated_at),
    )


def _escalation(row: EscalationRow, notes: Sequence[EscalationNote]) -> Escalation:
    return Escalation(
        id=row.id, alert_id=row.alert_id, room_id=row.room_id, severity=row.severity,
        categories=tuple(json.loads(row.categories)), participant_name=row.participant_name,
        excerpt=row.excerpt, state=row.state, outcome=row.outcome, raised_by=row.raised_by,
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at), closed_at=aware(row.closed_at),
        notes=tuple(notes),
    )


def _new_escalation(alert: AlertRecord, by: str, at: datetime) -> Escalation:
    return Escalation(
        id=f"e_{secrets.token_urlsafe(9)}", alert_id=alert.id, room_id=alert.room_id,
        severity=alert.severity, categories=alert.categories,
        participant_name=alert.participant_name, excerpt=alert.excerpt, state="raised",
        outcome=None, raised_by=by, created_at=at, updated_at=at, closed_at=None,
    )


def _escalation_values(escalation: Escalation) -> dict[str, Any]:
    return {
        "id": escalation.id, "alert_id": escalation.alert_id, "room_id": escalation.room_id,
        "severity": escalation.severity, "categories": json.dumps(list(escalation.categories)),
        "participant_name": escalation.participant_name, "excerpt": escalation.excerpt,
        "state": escalation.state, "outcome": escalation.outcome,
        "raised_by": escalation.raised_by, "created_at": escalation.created_at,
        "updated_at": escalation.updated_at, "closed_at": escalation.closed_at,
    }


def _settle(committed: asyncio.Future[None], error: BaseException | None) -> None:
    if committed.done():  # its caller stopped waiting; the entry is written regardless
        return
    if error is None:
        committed.set_result(None)
    else:
        committed.set_exception(error)
