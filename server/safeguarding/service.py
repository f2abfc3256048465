"""Raising, escalating and announcing: the order that keeps invariant 6.

Every method here makes its record durable first and only then returns, so the
caller may tell the room. Durable means committed (``SafeguardingRecords``) or,
when the database does not take it within ``write_wait`` (stopped, locked, full),
added to the journal (``journal.py``), which stores it once the database is back.
The lead is told (the live stream over the bus, so a lead on any node hears it,
and the optional webhook and email) only once the record is committed, by
whichever of the two got it there: exactly one of them raises the escalation.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import msgspec
from sqlalchemy.exc import DBAPIError

from server import protocol as p
from server.safeguarding.escalation import EscalationError
from server.safeguarding.journal import Journal, Unavailable, Unstorable
from server.safeguarding.notify import Notice, Notifier
from server.store.bus import Bus, BusError
from server.store.db import Store
from server.store.failures import PASSING, why
from server.store.records import AlertRecord, Escalation

log = logging.getLogger("hearth.safeguarding")

# Bus channel for escalation events; every lead's live view subscribes to it.
ESCALATIONS_CHANNEL = "escalations"


class EscalationEvent(p.EscalationInfo, frozen=True):
    """What the bus carries to every lead's live view: the escalation and what happened."""

    event: str = "changed"  # "raised" | "changed"


def info_for(escalation: Escalation) -> p.EscalationInfo:
    """An escalation as leads see it in lists (no excerpt, no notes)."""
    return p.EscalationInfo(
        id=escalation.id, room_id=escalation.room_id, severity=escalation.severity,
        state=escalation.state, categories=list(escalation.categories),
        participant_name=escalation.participant_name,
        created_at=escalation.created_at.isoformat(), outcome=escalation.outcome,
        updated_at=escalation.updated_at.isoformat(),
    )


def event_for(escalation: Escalation, event: str) -> EscalationEvent:
    return EscalationEvent(event=event, **msgspec.structs.asdict(info_for(escalation)))


# -- the records that may go through the journal ------------------------------------------
# Their JSON is what the journal file holds: change a field only with a default, or
# an entry written by the previous version cannot be replayed.


class RaiseRecord(msgspec.Struct, frozen=True, tag="alert", tag_field="kind"):
    alert: AlertRecord
    escalate: bool

    @property
    def alert_id(self) -> str:
        return self.alert.id


class OverdueRecord(msgspec.Struct, frozen=True, tag="overdue", tag_field="kind"):
    alert_id: str
    at: datetime
    escalate: bool


class AckRecord(msgspec.Struct, frozen=True, tag="ack", tag_field="kind"):
    alert_id: str
    by: str
    at: datetime


class EscalateRecord(msgspec.Struct, frozen=True, tag="escalate", tag_field="kind"):
    alert_id: str
    by: str
    note: str
    at: datetime


Record = RaiseRecord | OverdueRecord | AckRecord | EscalateRecord
_decode_record = msgspec.json.Decoder(Record).decode


class SafeguardingService:
    def __init__(self, store: Store, bus: Bus, notifier: Notifier, public_url: str,
                 journal: Journal | None = None, *, write_wait: float = 1.0,
                 stale_after: float = 30.0) -> None:
        self._store = store
        self._records = store.safeguarding
        self._bus = bus
        self._notifier = notifier
        self._public_url = public_url
        self._journal = journal
        self._write_wait = write_wait
        self._stale_after = stale_after
        self._background: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        """Start storing what the journal holds (an earlier process's entries first)."""
        if self._journal is not None:
            self._journal.start(self._store_journalled)

    # -- records: durable when these return ---------------------------------------------

    async def raise_alert(self, alert: AlertRecord, *, escalate: bool) -> Escalation | None:
        """Durable on return; the escalation when it was committed (and announced) by then."""
        return await self._durably(RaiseRecord(alert, escalate))

    async def ack(self, alert_id: str, by: str, at: datetime) -> None:
        await self._durably(AckRecord(alert_id, by, at))

    async def overdue(self, alert_id: str, at: datetime, *, escalate: bool) -> Escalation | None:
        """A missed deadline: the reminder, or (``escalate``) the re-route to the lead.
        Each happens once per alert however many ask (the room, the sweeper)."""
        return await self._durably(OverdueRecord(alert_id, at, escalate))

    async def escalate(self, alert_id: str, by: str, note: str,
                       at: datetime) -> Escalation | None:
        """A facilitator escalates. Raises ``LookupError`` for an unknown alert (when the
        database could say so); None when the request was journalled."""
        return await self._durably(EscalateRecord(alert_id, by, note, at))

    @property
    def journal_depth(self) -> int:
        return 0 if self._journal is None else self._journal.depth

    def journal_age(self) -> float:
        """Seconds the oldest journal entry has waited for the database (0: none)."""
        return 0.0 if self._journal is None else self._journal.oldest_age()

    def caught_up(self) -> bool:
        """False while a journal entry has waited longer than ``stale_after`` (/readyz)."""
        return self.journal_age() <= self._stale_after

    async def _durably(self, record: Record) -> Escalation | None:
        """Commit ``record`` (and announce what it raised), or journal it if the database
        has not taken it within ``write_wait``; return once it is one or the other."""
        journal = self._journal
        if journal is None:
            return await self._store_record(record)
        key = record.alert_id
        if journal.busy or journal.running(key):
            # Behind what waits already: one alert's records stay in order, and nobody
            # waits on a database that is failing.
            journal.add(key, msgspec.json.encode(record))
            return None
        attempt = asyncio.get_running_loop().create_task(self._store_record(record))
        journal.track(key, attempt)
        try:
            await asyncio.wait({attempt}, timeout=self._write_wait)
        except BaseException:
            journal.add(key, msgspec.json.encode(record), attempt=attempt)  # before going
            raise
        if not attempt.done():
            log.warning("the database is slow to take a safeguarding record; journalled",
                        extra={"alert": key, "record": type(record).__name__})
            journal.add(key, msgspec.json.encode(record), attempt=attempt)
            return None
        error = attempt.exception()
        if error is None:
            return attempt.result()
        if isinstance(error, (LookupError, EscalationError)):
            raise error  # refused, not failed: the caller answers it
        log.warning("could not store a safeguarding record; journalled: %s", why(error),
                    extra={"alert": key, "record": type(record).__name__})
        journal.add(key, msgspec.json.encode(record))
        return None

    async def _store_journalled(self, data: bytes) -> None:
        """The journal's store callback: the same write, its errors sorted for the retry."""
        try:
            await self._store_record(_decode_record(data))
        except LookupError as exc:
            raise Unstorable(str(exc)) from None
        except PASSING as exc:
            raise Unavailable(why(exc)) from None
        except DBAPIError as exc:
            raise RuntimeError(why(exc)) from None

    async def _store_record(self, record: Record) -> Escalation | None:
        """Commit one record (idempotent: a second commit of it changes nothing) and
        announce the escalation it raised or changed, if any."""
        if isinstance(record, RaiseRecord):
            escalation = await self._records.raise_alert(record.alert, escalate=record.escalate)
            event = "raised"
        elif isinstance(record, OverdueRecord):
            escalation = await self._records.reroute_alert(record.alert_id, record.at,
                                                           escalate=record.escalate)
            event = "raised"
        elif isinstance(record, AckRecord):
            await self._records.ack_alert(record.alert_id, record.by, record.at)
            return None
        else:
            escalation, done = await self._records.record_escalation(
                record.alert_id, record.by, record.note, record.at)
            if done is None:
                return escalation  # this request is stored already: told already
            event = "raised" if done == "raised" else "changed"
        if escalation is not None:
            await self._announce(escalation, event)
        return escalation

    async def change(self, escalation_id: str, by: str, *, state: str | None,
                     outcome: str | None, note: str, at: datetime) -> Escalation:
        escalation = await self._records.change_escalation(
            escalation_id, by, state=state, outcome=outcome, note=note, at=at)
        await self._announce(escalation, "changed")
        return escalation

    async def open_escalations(self) -> list[Escalation]:
        return await self._records.escalations(open_only=True)

    async def purge(self, now: datetime, retention_days: int) -> int:
        return await self._records.purge_excerpts(now - timedelta(days=retention_days))

    async def _announce(self, escalation: Escalation, event: str) -> None:
        """Tell leads (live) and, for a new escalation, the outbound channels.

        Never raises: the record is committed, and a failure here must not make the
        caller (or the journal) store it again, which would announce nothing."""
        try:
            await self._bus.publish(ESCALATIONS_CHANNEL,
                                    msgspec.json.encode(event_for(escalation, event)))
        except Exception as exc:
            # Already durable: leads see it on their next page load or reconnect.
            log.warning("could not announce escalation on the bus: %s",
                        "bus" if isinstance(exc, BusError) else type(exc).__name__,
                        extra={"escalation": escalation.id})
        if event == "raised" and self._notifier.enabled:
            try:
                room = await self._store.room(escalation.room_id, include_archived=True)
            except Exception:
                room = None  # the notice names the room by id rather than not go out
            notice = Notice(escalation_id=escalation.id, room_id=escalation.room_id,
                            room_name=room.name if room else escalation.room_id,
                            severity=escalation.severity, categories=escalation.categories,
                            link=f"{self._public_url}/lead/escalations/{escalation.id}")
            task = asyncio.get_running_loop().create_task(self._notifier.send(notice))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def aclose(self) -> None:
        """Stop replaying (entries on disk wait for the next start); let notices finish."""
        if self._journal is not None:
            await self._journal.aclose()
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        # Last: what the notices above queued, and a summary still waiting for its window.
        await self._notifier.aclose()


def utc_now() -> datetime:
    return datetime.now(UTC)
