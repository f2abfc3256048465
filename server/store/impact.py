"""What the anonymous impact report counts, in the database (migration 0015), one short
transaction each: the sessions groups held, who attended each (once, however often she
reconnected) and the check-ins parents chose to give as they left.

Nothing here names anyone. An attendance keeps a keyed hash of the browser's device key
(``visitor``) only to tell a first visit from a return, and ``forget_visitors`` clears it
after the retention period; the counts stay. ``server/programme/impact.py`` turns the rows
read by ``rows`` into the report.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.store.models import (
    AlertRow,
    AttendanceRow,
    CheckInRow,
    EscalationRow,
    HeldSessionRow,
    HoursRow,
    ReferralRow,
    RoomRow,
)
from server.store.records import aware

__all__ = ["CHECK_IN_ANSWERS", "DEBRIEF_KIND", "REFERRAL_KIND", "VISITOR_KEPT", "ImpactRecords",
           "ImpactRows"]

# "How do you feel now compared with when you came in?"
CHECK_IN_ANSWERS = ("better", "same", "worse")
# A session a node was running when it died is taken up again by another node: the same
# session, if it comes back within this long.
RESUME_WITHIN = timedelta(hours=6)
# The kind of alert a debrief's concern is raised through (server/programme/reflective.py):
# counted apart from the risk screen's alerts, parents' requests for help and reports.
DEBRIEF_KIND = "debrief"
# Likewise a coordinator's question to the lead about a request for one-to-one support
# (server/programme/referring.py): counted with the requests, not as a room's alert.
REFERRAL_KIND = "referral"
# A group's sessions, attendances and check-ins are counted apart from a one-to-one room's.
GROUP = "group"
# A check-in is the answer of someone leaving: given within this long of the session's end.
CHECK_IN_WITHIN = timedelta(hours=2)
# How long an attendance keeps its visitor key, which tells a return from a first visit: a
# little over a year, so that a parent back for a second baby's groups the next year still
# counts as returning. After it the attendance still counts, as nobody's.
VISITOR_KEPT = timedelta(days=400)


@dataclass(frozen=True, slots=True)
class ImpactRows:
    """The rows a report for one period is made from (only the columns it needs)."""

    sessions: list[tuple[datetime, str]]  # (started, audience)
    attendances: list[tuple[datetime, str, bool, str | None]]
    # (at, audience, first time, visitor key: None without a device key or once forgotten)
    check_ins: list[tuple[datetime, str, str]]  # (at, audience, answer)
    hours: list[tuple[datetime, str, int]]  # (started, audience, minutes counted)
    alerts: list[tuple[datetime, str, str, str, str, int, float | None]]
    # (raised, audience, kind, severity, categories JSON, deadline in seconds (0: none),
    #  seconds until acknowledged)
    escalations: list[tuple[datetime, str, str, str | None]]  # (raised, audience, state, outcome)
    debrief_concerns: list[tuple[datetime, str]]  # (raised, audience): from volunteers' debriefs
    counting_since: datetime | None  # the first held session on record
    # One-to-one support (issue 13, part 2): its rooms' sessions, apart from the groups'
    # (started, audience), and each request made in the period: (made, source, audience,
    # accepted, signposted, asked the lead, matched). Nothing personal.
    one_to_one_sessions: list[tuple[datetime, str]] = field(default_factory=list)
    referrals: list[tuple[datetime, str, str, bool, bool, bool, bool]] = field(
        default_factory=list)


class ImpactRecords:
    """The ``held_sessions``, ``attendances`` and ``check_ins`` rows, and the report's reads."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._session = sessions

    async def session_opened(self, room_id: str, audience: str, at: datetime) -> str:
        """The held session a room's going live belongs to: the one still open from a node
        that died less than ``RESUME_WITHIN`` ago, or a new one."""
        async with self._session.begin() as session:
            open_id = await session.scalar(
                select(HeldSessionRow.id).where(
                    HeldSessionRow.room_id == room_id, HeldSessionRow.ended_at.is_(None),
                    HeldSessionRow.started_at >= at - RESUME_WITHIN)
                .order_by(HeldSessionRow.started_at.desc()).limit(1))
            if open_id is not None:
                return str(open_id)
            held = HeldSessionRow(id=f"h_{secrets.token_hex(8)}", room_id=room_id,
                                  audience=audience, started_at=at)
            session.add(held)
            return held.id

    async def session_closed(self, held_id: str, at: datetime) -> None:
        async with self._session.begin() as session:
            await session.execute(update(HeldSessionRow).where(
                HeldSessionRow.id == held_id, HeldSessionRow.ended_at.is_(None))
                .values(ended_at=at))

    async def attended(self, held_id: str, who: str, visitor: str | None,
                       at: datetime) -> bool:
        """Count one attendance; False when this person was already counted in this session.
        ``who`` says who she is within this session only (a hash keyed by the session: it
        cannot be matched across sessions); ``visitor`` across sessions, until forgotten.
        First time: no earlier attendance of the same visitor (a browser without a device
        key is not known, so it counts as first time every session)."""
        async with self._session.begin() as session:
            seen = visitor is not None and await session.scalar(
                select(AttendanceRow.id).where(AttendanceRow.visitor == visitor).limit(1)
            ) is not None
            # ON CONFLICT DO NOTHING, not an insert the unique index refuses: a reconnect is
            # the common case, and each refusal raised through SQLAlchemy's layers, leaving
            # several KiB of traceback cycles for the collector (docs/performance.md).
            insert = (postgresql.insert if session.get_bind().dialect.name == "postgresql"
                      else sqlite.insert)
            added = cast(CursorResult[Any], await session.execute(
                insert(AttendanceRow).values(held_id=held_id, who=who, visitor=visitor,
                                             first_time=not seen, at=at)
                .on_conflict_do_nothing(index_elements=["held_id", "who"])))
            return added.rowcount == 1  # 0: already counted in this session

    async def session_for_check_in(self, room_id: str, at: datetime) -> str | None:
        """The held session a parent leaving ``room_id`` at ``at`` was in: the newest one
        still open, or ended less than ``CHECK_IN_WITHIN`` ago."""
        async with self._session() as session:
            found = await session.scalar(
                select(HeldSessionRow.id).where(
                    HeldSessionRow.room_id == room_id, HeldSessionRow.started_at <= at,
                    or_(HeldSessionRow.ended_at.is_(None),
                        HeldSessionRow.ended_at >= at - CHECK_IN_WITHIN))
                .order_by(HeldSessionRow.started_at.desc()).limit(1))
            return None if found is None else str(found)

    async def checked_in(self, held_id: str, who: str, answer: str, at: datetime) -> bool:
        """Keep one check-in answer; False when this person already answered. ValueError:
        not one of ``CHECK_IN_ANSWERS``; LookupError: no such held session."""
        if answer not in CHECK_IN_ANSWERS:
            raise ValueError(f"a check-in answer is one of {', '.join(CHECK_IN_ANSWERS)}")
        try:
            async with self._session.begin() as session:
                if await session.get(HeldSessionRow, held_id) is None:
                    raise LookupError(f"no held session {held_id!r}")
                session.add(CheckInRow(held_id=held_id, who=who, answer=answer, at=at))
        except IntegrityError:
            return False
        return True

    async def forget_visitors(self, before: datetime) -> int:
        """Clear the visitor key of attendances before ``before`` (retention): they still
        count, but can no longer make a later visit a return."""
        async with self._session.begin() as session:
            done = cast(CursorResult[Any], await session.execute(
                update(AttendanceRow).where(AttendanceRow.at < before,
                                            AttendanceRow.visitor.is_not(None))
                .values(visitor=None)))
            return int(done.rowcount or 0)

    async def rows(self, start: datetime, end: datetime) -> ImpactRows:
        """Everything the report counts from ``start`` (inclusive) to ``end`` (exclusive)."""
        async with self._session() as session:
            # Sessions split by their room's kind: a one-to-one room's are not a group's.
            held = (await session.execute(
                select(HeldSessionRow.started_at, HeldSessionRow.audience, RoomRow.kind)
                .join(RoomRow, RoomRow.id == HeldSessionRow.room_id).where(
                    HeldSessionRow.started_at >= start, HeldSessionRow.started_at < end))).all()
            attendances = (await session.execute(
                select(AttendanceRow.at, HeldSessionRow.audience, AttendanceRow.first_time,
                       AttendanceRow.visitor)
                .join(HeldSessionRow, HeldSessionRow.id == AttendanceRow.held_id)
                .join(RoomRow, RoomRow.id == HeldSessionRow.room_id)
                .where(AttendanceRow.at >= start, AttendanceRow.at < end,
                       RoomRow.kind == GROUP))).all()
            check_ins = (await session.execute(
                select(CheckInRow.at, HeldSessionRow.audience, CheckInRow.answer)
                .join(HeldSessionRow, HeldSessionRow.id == CheckInRow.held_id)
                .join(RoomRow, RoomRow.id == HeldSessionRow.room_id)
                .where(CheckInRow.at >= start, CheckInRow.at < end,
                       RoomRow.kind == GROUP))).all()
            referrals = (await session.execute(
                select(ReferralRow.created_at, ReferralRow.source, ReferralRow.audience,
                       ReferralRow.accepted_at, ReferralRow.signposted_at,
                       ReferralRow.asked_lead_at, ReferralRow.matched_at)
                .where(ReferralRow.created_at >= start, ReferralRow.created_at < end))).all()
            # Volunteers' time: the facilitators' (a lead's time in a group is their job).
            hours = (await session.execute(
                select(HoursRow.started_at, HoursRow.audience, HoursRow.minutes,
                       HoursRow.prep_minutes, HoursRow.corrected_minutes)
                .where(HoursRow.started_at >= start, HoursRow.started_at < end,
                       HoursRow.role == "facilitator"))).all()
            alerts = (await session.execute(
                select(AlertRow.created_at, RoomRow.audience, AlertRow.kind, AlertRow.severity,
                       AlertRow.categories, AlertRow.ack_within, AlertRow.acked_at)
                .join(RoomRow, RoomRow.id == AlertRow.room_id)
                .where(AlertRow.created_at >= start, AlertRow.created_at < end))).all()
            escalations = (await session.execute(
                select(EscalationRow.created_at, RoomRow.audience, EscalationRow.state,
                       EscalationRow.outcome)
                .join(RoomRow, RoomRow.id == EscalationRow.room_id)
                .where(EscalationRow.created_at >= start,
                       EscalationRow.created_at < end))).all()
            since = await session.scalar(select(func.min(HeldSessionRow.started_at)))
        return ImpactRows(
            sessions=[(aware(at), audience) for at, audience, kind in held if kind == GROUP],
            one_to_one_sessions=[(aware(at), audience) for at, audience, kind in held
                                 if kind != GROUP],
            referrals=[(aware(at), source, audience, accepted is not None,
                        signposted is not None, asked is not None, matched is not None)
                       for at, source, audience, accepted, signposted, asked, matched
                       in referrals],
            attendances=[(aware(at), audience, bool(first), visitor)
                         for at, audience, first, visitor in attendances],
            check_ins=[(aware(at), audience, answer) for at, audience, answer in check_ins],
            hours=[(aware(at), audience,
                    corrected if corrected is not None else minutes + prep)
                   for at, audience, minutes, prep, corrected in hours],
            # A concern a volunteer raised in a debrief is an alert of its own kind, after
            # the session: not one the room raised, so counted apart.
            alerts=[(aware(at), audience, kind, severity, categories, within,
                     (aware(acked) - aware(at)).total_seconds() if acked is not None else None)
                    for at, audience, kind, severity, categories, within, acked in alerts
                    if kind not in (DEBRIEF_KIND, REFERRAL_KIND)],
            debrief_concerns=[(aware(at), audience) for at, audience, kind, *_ in alerts
                              if kind == DEBRIEF_KIND],
            escalations=[(aware(at), audience, state, outcome)
                         for at, audience, state, outcome in escalations],
            counting_since=aware(since) if since is not None else None)
