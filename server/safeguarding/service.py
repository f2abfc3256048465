"""Raising, escalating and announcing: the order that keeps invariant 6.

Every method here commits first (``SafeguardingRecords``) and only then tells
anyone: the live stream to safeguarding leads (over the bus, so a lead on any
node hears it) and the optional webhook and email.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import msgspec

from server import protocol as p
from server.safeguarding.notify import Notice, Notifier
from server.store.bus import Bus, BusError
from server.store.db import Store
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


class SafeguardingService:
    def __init__(self, store: Store, bus: Bus, notifier: Notifier, public_url: str) -> None:
        self._store = store
        self._records = store.safeguarding
        self._bus = bus
        self._notifier = notifier
        self._public_url = public_url
        self._background: set[asyncio.Task[None]] = set()

    async def raise_alert(self, alert: AlertRecord, *, escalate: bool) -> Escalation | None:
        escalation = await self._records.raise_alert(alert, escalate=escalate)
        if escalation is not None:
            await self._announce(escalation, "raised")
        return escalation

    async def ack(self, alert_id: str, by: str, at: datetime) -> bool:
        return await self._records.ack_alert(alert_id, by, at)

    async def overdue(self, alert_id: str, at: datetime, *, escalate: bool) -> Escalation | None:
        escalation = await self._records.reroute_alert(alert_id, at, escalate=escalate)
        if escalation is not None:
            await self._announce(escalation, "raised")
        return escalation

    async def escalate(self, alert_id: str, by: str, note: str, at: datetime) -> Escalation:
        escalation, created = await self._records.escalate(alert_id, by, note, at)
        await self._announce(escalation, "raised" if created else "changed")
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
        """Tell leads (live) and, for a new escalation, the outbound channels."""
        try:
            await self._bus.publish(ESCALATIONS_CHANNEL,
                                    msgspec.json.encode(event_for(escalation, event)))
        except BusError:
            # Already durable: leads see it on their next page load or reconnect.
            log.warning("could not announce escalation on the bus",
                        extra={"escalation": escalation.id})
        if event == "raised" and self._notifier.enabled:
            room = await self._store.room(escalation.room_id)
            notice = Notice(escalation_id=escalation.id,
                            room_name=room.name if room else escalation.room_id,
                            severity=escalation.severity, categories=escalation.categories,
                            link=f"{self._public_url}/lead/escalations/{escalation.id}")
            task = asyncio.get_running_loop().create_task(self._notifier.send(notice))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def aclose(self) -> None:
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)


def utc_now() -> datetime:
    return datetime.now(UTC)
