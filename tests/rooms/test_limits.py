"""server/rooms/limits.py: one person's help requests and reports, merged and limited.

Pure: every call gets its ``now``; no clock, no room.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from server import protocol as p
from server.rooms.limits import ALERTS_PER_MINUTE, AlertRequest, Raise, RequestLimiter
from server.rooms.types import Screening

NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
ANN = p.PersonRef(id="ann", name="Ann")
BOB = p.PersonRef(id="bob", name="Bob")
CAT = p.PersonRef(id="cat", name="Cat")
URGENT = Screening(severity="urgent", categories=("suicide",), rules=("suicide.plan",))
_ids = itertools.count(1)


def help_from(who: p.PersonRef = ANN, text: str = "please",
              screening: Screening | None = None) -> AlertRequest:
    return AlertRequest(who.id, "help", who, text, screening or Screening())


def report(by: p.PersonRef, about: p.PersonRef) -> AlertRequest:
    return AlertRequest(by.id, "report", about, f"reported by {by.name}")


def alert_for(go: Raise, now: datetime = NOW) -> p.Alert:
    request = go.request
    return p.Alert(id=f"a{next(_ids)}", kind=request.kind,
                   severity="urgent" if request.urgent else "concern",
                   participant=request.about, categories=list(request.screening.categories),
                   at=now.isoformat(), ack_within=60, text=request.text, count=go.count)


def ask(limiter: RequestLimiter, request: AlertRequest, now: datetime = NOW) -> p.Alert | None:
    """What the room does: ask, and on a ``Raise`` raise the alert and hand it back."""
    go = limiter.ask(request, now)
    if go is None:
        return None
    alert = alert_for(go, now)
    limiter.opened(go.request, alert, now)
    return alert


def test_asking_again_while_open_is_merged_into_one_alert() -> None:
    limiter = RequestLimiter()
    first = ask(limiter, help_from())
    assert first is not None and first.count == 1
    assert [ask(limiter, help_from()) for _ in range(99)] == [None] * 99
    assert limiter.count_of(first.id) == 100
    assert limiter.with_count(first).count == 100
    # Someone else asking is their own alert.
    assert ask(limiter, help_from(BOB)) is not None


def test_after_an_acknowledgement_a_new_alert_within_the_minutes_limit() -> None:
    limiter = RequestLimiter()
    raised = []
    for n in range(ALERTS_PER_MINUTE):
        alert = ask(limiter, help_from(), NOW + timedelta(seconds=n))
        assert alert is not None
        raised.append(alert)
        limiter.acked(alert.id)
    # A fourth in the same minute is kept, not raised, however often asked; nor lost.
    later = NOW + timedelta(seconds=10)
    assert ask(limiter, help_from(text="fourth"), later) is None
    assert ask(limiter, help_from(text="fifth"), later) is None
    assert limiter.waiting
    assert limiter.due(NOW + timedelta(seconds=59)) == []
    (go,) = limiter.due(NOW + timedelta(seconds=60))
    assert go == Raise(help_from(text="fifth"), count=2)
    assert not limiter.waiting
    assert limiter.with_count(raised[0]) == raised[0]  # acknowledged: no longer counted


def test_a_kept_request_is_raised_by_the_next_request_once_the_minute_allows() -> None:
    limiter = RequestLimiter(per_minute=1)
    alert = ask(limiter, help_from())
    assert alert is not None
    limiter.acked(alert.id)
    assert ask(limiter, help_from(text="bad", screening=URGENT),
               NOW + timedelta(seconds=5)) is None
    go = limiter.ask(help_from(text="calm"), NOW + timedelta(seconds=61))
    # The most severe of the kept requests speaks for them all.
    assert go == Raise(help_from(text="bad", screening=URGENT), count=2)


def test_urgency_is_never_merged_into_a_concern() -> None:
    limiter = RequestLimiter(per_minute=1)
    concern = ask(limiter, help_from())
    assert concern is not None
    # Over the minute's limit, and still an urgent request raises its own alert at once.
    urgent = ask(limiter, help_from(text="now", screening=URGENT))
    assert urgent is not None and urgent.severity == "urgent"
    # Which then takes the merges, urgent or not.
    assert ask(limiter, help_from(screening=URGENT)) is None
    assert ask(limiter, help_from()) is None
    assert limiter.count_of(urgent.id) == 3
    assert limiter.count_of(concern.id) is None  # superseded: stays open, takes nothing more
    limiter.acked(concern.id)
    assert limiter.count_of(urgent.id) == 3


def test_reports_merge_per_person_reported_and_are_limited_per_reporter() -> None:
    limiter = RequestLimiter(per_minute=2)
    about_bob = ask(limiter, report(ANN, BOB))
    assert about_bob is not None and about_bob.participant == BOB
    assert ask(limiter, report(ANN, BOB)) is None
    about_cat = ask(limiter, report(ANN, CAT))
    assert about_cat is not None
    assert ask(limiter, report(ANN, CAT)) is None
    assert (limiter.count_of(about_bob.id), limiter.count_of(about_cat.id)) == (2, 2)
    # A third person reported, in the same minute: kept for later.
    assert ask(limiter, report(ANN, ANN)) is None and limiter.waiting
    # Another reporter has their own minute; help requests are another kind.
    assert ask(limiter, report(CAT, BOB)) is not None
    assert ask(limiter, help_from(ANN)) is not None


def test_counts_are_shown_once_a_second_after_the_alert_each_change_once() -> None:
    limiter = RequestLimiter()
    alert = ask(limiter, help_from())
    assert alert is not None
    assert not limiter.waiting
    for _ in range(4):
        ask(limiter, help_from(), NOW + timedelta(milliseconds=200))
    assert limiter.waiting
    # Not before the alert itself can have been announced (stored first).
    assert limiter.updates(NOW + timedelta(milliseconds=500)) == []
    (shown,) = limiter.updates(NOW + timedelta(seconds=1))
    assert (shown.id, shown.count) == (alert.id, 5)
    assert limiter.updates(NOW + timedelta(seconds=2)) == [] and not limiter.waiting
    ask(limiter, help_from(), NOW + timedelta(seconds=3))
    (shown,) = limiter.updates(NOW + timedelta(seconds=3))
    assert shown.count == 6


def test_open_help_alerts_from_before_a_restart_keep_taking_merges() -> None:
    earlier = p.Alert(id="a_old", kind="help", severity="concern", participant=ANN,
                      categories=[], at="2026-03-04T05:00:00.000Z", ack_within=300)
    reported = p.Alert(id="a_rep", kind="report", severity="concern", participant=BOB,
                       categories=[], at="2026-03-04T05:00:00.000Z", ack_within=300)
    limiter = RequestLimiter()
    limiter.restore((earlier, reported))
    assert ask(limiter, help_from()) is None
    assert limiter.count_of("a_old") == 2 and limiter.count_of("a_rep") is None
    limiter.acked("a_old")
    assert ask(limiter, help_from()) is not None
