"""How often one person's help requests and reports raise an alert (issue 9, item 3).

Pure: ``now`` is passed in; nothing here knows of sockets, the store or the clock.

Someone asking for help again is never refused: the room answers every request
with the same ``help.received`` and signposting. What is limited is what the
asking costs everyone else (alerts, escalations, the lead's phone):

- **Merged while open.** While a person has an open (unacknowledged) alert of a
  kind, asking again is merged into it: its ``count`` goes up and facilitators
  present are shown the new count (the alert re-sent), never a new alert or
  escalation. Reports merge per person reported: reporting someone else is a
  new alert.
- **A few a minute.** Once it is acknowledged, asking again raises a new alert,
  at most ``ALERTS_PER_MINUTE`` a minute per person and kind. A request beyond
  that is kept and raised when the minute allows, carrying the count of every
  request it stands for: late, never lost.
- **Urgency is never merged away.** A request whose text the risk screen finds
  urgent is not merged into an open *concern* alert: it raises its own urgent
  alert at once (escalated, as today), which then takes the merges. Chat is not
  limited here at all: an urgent chat message always raises its alert.

The room calls ``ask`` for each request; when it returns a ``Raise``, the room
raises the alert and hands it back with ``opened``. ``acked`` closes a thread;
``due`` and ``updates`` are for the room's ticks.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import msgspec

from server import protocol as p
from server.rooms.alerts import parse_at
from server.rooms.types import NOTHING_FOUND, Screening

RequestKind = Literal["help", "report"]

# New alerts one person may raise a minute, per kind. A genuine person asking
# again is merged into their open alert; a new one is raised only after a
# facilitator acknowledged the last, and three acknowledgements a minute is
# already a facilitator doing nothing else. More would let one person keep a
# facilitator acknowledging instead of facilitating.
ALERTS_PER_MINUTE = 3
RATE_WINDOW = timedelta(minutes=1)

# A merged count is shown this long after its alert was raised, at the room's next
# tick. The alert itself is announced only after its commit (invariant 6), which
# takes milliseconds: waiting a second keeps the count from arriving before the alert
# it counts, and one update a tick turns a burst of requests into one message.
SHOW_COUNT_AFTER = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class Thread:
    """Requests that merge into one alert: one sender, one kind, about one person.

    ``about`` is the sender for help, the person reported for a report.
    """

    sender: str
    kind: RequestKind
    about: str


@dataclass(frozen=True, slots=True)
class AlertRequest:
    """One help request or report: what its alert would say, so it can be raised later."""

    sender: str
    kind: RequestKind
    about: p.PersonRef
    text: str | None = None
    screening: Screening = NOTHING_FOUND

    @property
    def urgent(self) -> bool:
        return self.screening.severity == "urgent"

    @property
    def thread(self) -> Thread:
        return Thread(self.sender, self.kind, self.about.id)


@dataclass(frozen=True, slots=True)
class Raise:
    """Raise an alert for ``request`` now, standing for ``count`` requests."""

    request: AlertRequest
    count: int = 1


@dataclass(slots=True)
class _Open:
    alert: p.Alert  # as raised; the count below is the live one
    count: int
    shown: int  # the count facilitators were last sent
    raised_at: datetime


@dataclass(slots=True)
class _Deferred:
    request: AlertRequest  # the most severe request, the latest among equals
    count: int


class RequestLimiter:
    """Decides, request by request, whether a help request or report raises an alert."""

    def __init__(self, *, per_minute: int = ALERTS_PER_MINUTE,
                 window: timedelta = RATE_WINDOW,
                 show_count_after: timedelta = SHOW_COUNT_AFTER) -> None:
        self._per_minute = per_minute
        self._window = window
        self._show_after = show_count_after
        self._open: dict[Thread, _Open] = {}
        self._thread_of: dict[str, Thread] = {}  # open alert id -> its thread
        self._deferred: dict[Thread, _Deferred] = {}
        # When each (sender, kind) last raised alerts, within the window.
        self._raised: dict[tuple[str, RequestKind], deque[datetime]] = {}

    # -- requests ----------------------------------------------------------------

    def ask(self, request: AlertRequest, now: datetime) -> Raise | None:
        """A request arrived. A ``Raise``: raise its alert now, then call ``opened``.
        None: merged into an open alert or kept for later (``due``); nothing to raise now."""
        thread = request.thread
        current = self._open.get(thread)
        if current is not None:
            if current.alert.severity == "urgent" or not request.urgent:
                current.count += 1
                return None
            # An urgent request and only a concern open: urgency is never merged away,
            # nor delayed. (Bounded: it needs an open concern alert, which the minute's
            # limit bounds.)
            self._spend(thread, now)
            return Raise(request)
        kept = self._deferred.get(thread)
        if self._has_room(thread, now):
            self._spend(thread, now)
            if kept is None:
                return Raise(request)
            del self._deferred[thread]
            worst = kept.request if kept.request.urgent and not request.urgent else request
            return Raise(worst, kept.count + 1)
        if kept is None:
            self._deferred[thread] = _Deferred(request, 1)
        else:
            kept.count += 1
            if request.urgent or not kept.request.urgent:
                kept.request = request
        return None

    def opened(self, request: AlertRequest, alert: p.Alert, now: datetime) -> None:
        """The alert raised for a ``Raise``: later requests of its thread merge into it."""
        thread = request.thread
        previous = self._open.get(thread)
        if previous is not None:
            # Superseded by an urgent one; it stays open in the room, but takes no merges.
            self._thread_of.pop(previous.alert.id, None)
        self._open[thread] = _Open(alert, alert.count, alert.count, now)
        self._thread_of[alert.id] = thread

    def acked(self, alert_id: str) -> None:
        """A facilitator acknowledged the alert: asking again raises a new one."""
        thread = self._thread_of.pop(alert_id, None)
        if thread is not None:
            del self._open[thread]

    def restore(self, alerts: tuple[p.Alert, ...]) -> None:
        """Help alerts left open by an earlier process keep taking their sender's merges.

        (A report's alert names the person reported, not the reporter, so reports
        after a restart start afresh, still limited a minute.)
        """
        for alert in alerts:
            if alert.kind != "help":
                continue
            person = alert.participant
            request = AlertRequest(person.id, "help", person)
            current = self._open.get(request.thread)
            if current is None or current.alert.severity != "urgent":
                self.opened(request, alert, parse_at(alert.at))

    # -- what the room shows -------------------------------------------------------

    def with_count(self, alert: p.Alert) -> p.Alert:
        """``alert`` carrying the number of requests merged into it so far."""
        thread = self._thread_of.get(alert.id)
        if thread is None:
            return alert
        count = self._open[thread].count
        return alert if count == alert.count else msgspec.structs.replace(alert, count=count)

    def count_of(self, alert_id: str) -> int | None:
        thread = self._thread_of.get(alert_id)
        return None if thread is None else self._open[thread].count

    # -- ticks --------------------------------------------------------------------------

    @property
    def waiting(self) -> bool:
        """True while something needs a later tick: a kept request or an unshown count."""
        return bool(self._deferred) or any(o.count != o.shown for o in self._open.values())

    def due(self, now: datetime) -> list[Raise]:
        """Kept requests whose minute has come: raise each now (then call ``opened``)."""
        found: list[Raise] = []
        for thread, kept in list(self._deferred.items()):
            if self._has_room(thread, now):
                del self._deferred[thread]
                self._spend(thread, now)
                found.append(Raise(kept.request, kept.count))
        return found

    def updates(self, now: datetime) -> list[p.Alert]:
        """Open alerts whose count went up since facilitators last saw it, each once."""
        found: list[p.Alert] = []
        for current in self._open.values():
            if current.count != current.shown and now >= current.raised_at + self._show_after:
                current.shown = current.count
                found.append(msgspec.structs.replace(current.alert, count=current.count))
        return found

    # -- the minute's limit ----------------------------------------------------------------

    def _times(self, thread: Thread, now: datetime) -> deque[datetime]:
        key = (thread.sender, thread.kind)
        times = self._raised.setdefault(key, deque())
        while times and times[0] <= now - self._window:
            times.popleft()
        return times

    def _has_room(self, thread: Thread, now: datetime) -> bool:
        return len(self._times(thread, now)) < self._per_minute

    def _spend(self, thread: Thread, now: datetime) -> None:
        self._times(thread, now).append(now)
