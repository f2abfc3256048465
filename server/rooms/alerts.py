"""The room's open alerts and their deadlines (ARCHITECTURE.md invariant 6).

Pure: the room asks ``due(now, staff_present)`` on every tick. An alert not
acknowledged within its ``ack_within`` is re-sent to every facilitator present;
still unacknowledged after twice that, it is escalated to the safeguarding
lead. With no facilitator present at all, nobody could see it, so it is
escalated at its first deadline.

This book only lives as long as the room is in memory, so it is not what keeps
the deadlines: the database is. Each alert row carries its deadline, and the
deadline sweeper (``server/safeguarding/sweeper.py``) escalates the alerts this
book can no longer see (the room ended, emptied, or went with a restart). Both
ask the database to escalate; it raises one escalation per alert, so an
"escalate" here is a request the store may find already done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from server import protocol as p


class Due(Enum):
    REMIND = "remind"
    ESCALATE = "escalate"


@dataclass(slots=True)
class Pending:
    alert: p.Alert
    raised_at: datetime
    reminded: bool = False
    escalated: bool = False


def parse_at(at: str) -> datetime:
    return datetime.fromisoformat(at.replace("Z", "+00:00"))


class AlertBook:
    def __init__(self) -> None:
        self._pending: dict[str, Pending] = {}
        # Every alert seen this session, acknowledged or not: escalate may name any.
        self._known: set[str] = set()

    def add(self, alert: p.Alert, now: datetime, *, escalated: bool,
            reminded: bool = False) -> None:
        self._pending[alert.id] = Pending(alert, now, reminded=reminded, escalated=escalated)
        self._known.add(alert.id)

    def restore(self, alerts: tuple[p.Alert, ...], reminded: frozenset[str] = frozenset(),
                escalated: frozenset[str] = frozenset()) -> None:
        """Alerts left open by an earlier process; their clocks keep running, and a deadline
        it already acted on (``reminded``, ``escalated``: alert ids) is not acted on again."""
        for alert in alerts:
            self.add(alert, parse_at(alert.at), reminded=alert.id in reminded,
                     escalated=alert.severity == "urgent" or alert.id in escalated)

    def open(self) -> list[p.Alert]:
        return [pending.alert for pending in self._pending.values()]

    def escalated(self) -> list[p.Alert]:
        """The open alerts already given to the safeguarding lead."""
        return [pending.alert for pending in self._pending.values() if pending.escalated]

    def get(self, alert_id: str) -> p.Alert | None:
        """The open alert with this id, if any."""
        pending = self._pending.get(alert_id)
        return pending.alert if pending is not None else None

    def knows(self, alert_id: str) -> bool:
        return alert_id in self._known

    def ack(self, alert_id: str) -> bool:
        return self._pending.pop(alert_id, None) is not None

    @property
    def waiting(self) -> bool:
        """True while some alert still has a deadline ahead (the hub ticks the room)."""
        return any(not (pend.reminded and pend.escalated) and pend.alert.ack_within
                   for pend in self._pending.values())

    def due(self, now: datetime, staff_present: bool) -> list[tuple[Due, Pending]]:
        found: list[tuple[Due, Pending]] = []
        for pending in self._pending.values():
            if not pending.alert.ack_within:
                continue  # a quiet check-in (concern): no deadline, never re-routed
            limit = timedelta(seconds=pending.alert.ack_within)
            if not pending.reminded and now >= pending.raised_at + limit:
                pending.reminded = True
                if staff_present:
                    found.append((Due.REMIND, pending))
                if not pending.escalated and not staff_present:
                    pending.escalated = True
                    found.append((Due.ESCALATE, pending))
            elif (pending.reminded and not pending.escalated
                  and now >= pending.raised_at + 2 * limit):
                pending.escalated = True
                found.append((Due.ESCALATE, pending))
        return found
