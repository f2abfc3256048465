"""The anonymous impact report for commissioners and funders (issue 13, part 5).

Made from counts only (``server/store/impact.py`` reads the rows): sessions held, attendances
and the people behind them (first-time and returning, told apart by a keyed hash of the
browser, never by who she is), volunteer hours, alerts by severity and category, how long
alerts took to be acknowledged, what came of escalations, and the anonymous check-in parents
may give as they leave, and one-to-one support (requests by source and what became of them,
and the one-to-one rooms' sessions, counted apart from the groups'). No pseudonym, excerpt,
contact detail or group name ever enters it.

Small numbers identify people: any count from 1 to 4 is shown as ``"<5"`` (0 stays 0, since
nothing happened). A median or a 90th percentile of fewer than five alerts is not given.
Months are calendar months in UTC.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from server.i18n import N_
from server.programme import referrals
from server.store.impact import CHECK_IN_ANSWERS, ImpactRows

__all__ = ["SUPPRESS_BELOW", "Period", "csv_text", "period", "report"]

SUPPRESS_BELOW: Final = 5
SUPPRESSED: Final = "<5"
MAX_DAYS: Final = 3 * 366 + 1  # a report covers at most three years
Count = int | str


class Period:
    """The report's days, ``start`` to ``end`` inclusive (UTC)."""

    def __init__(self, start: date, end: date) -> None:
        self.start, self.end = start, end

    @property
    def since(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC)

    @property
    def until(self) -> datetime:
        """The first moment after the period."""
        return self.since + timedelta(days=(self.end - self.start).days + 1)

    def months(self) -> list[str]:
        found, at = [], date(self.start.year, self.start.month, 1)
        while at <= self.end:
            found.append(at.strftime("%Y-%m"))
            at = date(at.year + at.month // 12, at.month % 12 + 1, 1)
        return found


def period(start: str | None, end: str | None, today: date) -> Period:
    """The period a request asks for (``YYYY-MM-DD`` each); by default the last twelve whole
    months and this one. ValueError says what is wrong, in words for the person asking
    (marked for translation: the page shows them in its language)."""
    try:
        last = date.fromisoformat(end) if end else today
        first = (date.fromisoformat(start) if start
                 else date(last.year - 1, last.month, 1))
    except ValueError:
        raise ValueError(N_("Dates are written YYYY-MM-DD, for example 2026-04-01.")) from None
    if first > last:
        raise ValueError(N_("The report can't end before it starts."))
    if (last - first).days >= MAX_DAYS:
        raise ValueError(N_("A report covers at most three years."))
    return Period(first, last)


def shown(n: int) -> Count:
    """A count as the report may show it."""
    return SUPPRESSED if 0 < n < SUPPRESS_BELOW else n


def _month(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m")


def _table(items: Iterable[tuple[str, str]], months: list[str],
           audiences: Iterable[str]) -> dict[str, Any]:
    """Counts of (month, audience) pairs: in all, by audience, and by month and audience."""
    counts = Counter(items)
    audiences = list(audiences)
    by_month = {m: {a: counts[m, a] for a in audiences} for m in months}
    return {
        "total": shown(sum(counts.values())),
        "by_audience": {a: shown(sum(by_month[m][a] for m in months)) for a in audiences},
        "by_month": {m: {"total": shown(sum(row.values())),
                         **{a: shown(n) for a, n in row.items()}}
                     for m, row in by_month.items()},
    }


def _people(attendances: list[tuple[datetime, str, bool, str | None]]) -> dict[str, int]:
    """The people behind the attendances: how many, how many came for the first time ever in
    the period, and how many came back (had been before, earlier in the period or before
    it; one person can be both). A browser without a device key (or whose key was
    forgotten) cannot be recognised: each of its attendances is one person, first time."""
    people: set[str] = set()
    first: set[str] = set()
    back: set[str] = set()
    unknown = 0
    for _, _, first_time, visitor in attendances:
        if visitor is None:
            unknown += 1
            continue
        people.add(visitor)
        (first if first_time else back).add(visitor)
    return {"people": len(people) + unknown, "first_time": len(first) + unknown,
            "returning": len(back)}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    at = max(0, math.ceil(share * len(ordered)) - 1)
    return round(ordered[at], 1)


def report(rows: ImpactRows, span: Period, audiences: Iterable[str]) -> dict[str, Any]:
    """The report, as JSON-ready data (``GET /api/reports/impact`` answers exactly this)."""
    audiences = list(audiences)
    months = span.months()

    def table(items: Iterable[tuple[str, str]]) -> dict[str, Any]:
        return _table(items, months, audiences)

    attendances = table((_month(at), audience) for at, audience, _, _ in rows.attendances)
    people = _people(rows.attendances)
    for name, n in people.items():
        attendances[name] = shown(n)
    attendances["people_by_audience"] = {
        a: {name: shown(n) for name, n in _people(
            [r for r in rows.attendances if r[1] == a]).items()} for a in audiences}

    minutes: Counter[tuple[str, str]] = Counter()
    for at, audience, counted in rows.hours:
        minutes[_month(at), audience] += counted

    def hours(n: int) -> float:
        return round(n / 60, 1)

    volunteer_hours = {
        "total": hours(sum(minutes.values())),
        "sessions": shown(len(rows.hours)),
        "by_audience": {a: hours(sum(minutes[m, a] for m in months)) for a in audiences},
        "by_month": {m: {"total": hours(sum(minutes[m, a] for a in audiences)),
                         **{a: hours(minutes[m, a]) for a in audiences}} for m in months},
    }

    categories: Counter[str] = Counter()
    severities: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    waited: list[float] = []
    unacknowledged = 0
    for _, _, kind, severity, raw, within, acked_after in rows.alerts:
        kinds[kind] += 1
        severities[severity] += 1
        categories.update(_categories(raw))
        if within > 0:  # only alerts with a deadline are waited on (a check-in has none)
            if acked_after is None:
                unacknowledged += 1
            else:
                waited.append(acked_after)
    acknowledged: dict[str, Any] = {"alerts_with_a_deadline": shown(len(waited) + unacknowledged),
                                    "never_acknowledged": shown(unacknowledged)}
    if len(waited) >= SUPPRESS_BELOW:
        acknowledged["median_seconds"] = _percentile(waited, 0.5)
        acknowledged["p90_seconds"] = _percentile(waited, 0.9)
    alerts = table((_month(at), audience) for at, audience, *_ in rows.alerts)
    alerts.update({
        "by_severity": {s: shown(n) for s, n in sorted(severities.items())},
        "by_kind": {k: shown(n) for k, n in sorted(kinds.items())},
        "by_category": {c: shown(n) for c, n in sorted(categories.items())},
        "time_to_acknowledge": acknowledged,
    })

    # An escalation's outcome; "open" until it is closed, "no_outcome" if closed without one.
    outcomes = Counter(outcome or ("no_outcome" if state == "closed" else "open")
                       for *_, state, outcome in rows.escalations)
    escalations = table((_month(at), audience) for at, audience, *_ in rows.escalations)
    escalations["by_outcome"] = {o: shown(n) for o, n in sorted(outcomes.items())}

    alerts["concerns_from_debriefs"] = shown(len(rows.debrief_concerns))

    answers = Counter(answer for *_, answer in rows.check_ins)
    check_ins = table((_month(at), audience) for at, audience, _ in rows.check_ins)
    check_ins["answers"] = {a: shown(answers[a]) for a in CHECK_IN_ANSWERS}

    # One-to-one support: requests by source and what became of them, by the month they
    # were made; its rooms' sessions apart from the groups'.
    one_to_one = {
        "requests": table((_month(at), audience) for at, _, audience, *_ in rows.referrals),
        "requests_by_source": {source: shown(sum(r[1] == source for r in rows.referrals))
                               for source in referrals.SOURCES},
        "accepted": shown(sum(r[3] for r in rows.referrals)),
        "signposted": shown(sum(r[4] for r in rows.referrals)),
        "asked_lead": shown(sum(r[5] for r in rows.referrals)),
        "matched": shown(sum(r[6] for r in rows.referrals)),
        "sessions": table((_month(at), audience) for at, audience in rows.one_to_one_sessions),
    }

    return {
        "from": span.start.isoformat(),
        "to": span.end.isoformat(),
        "months": months,
        "audiences": audiences,
        "counting_since": rows.counting_since.date().isoformat() if rows.counting_since
        else None,
        "suppressed_below": SUPPRESS_BELOW,
        "sessions": table((_month(at), audience) for at, audience in rows.sessions),
        "attendances": attendances,
        "volunteer_hours": volunteer_hours,
        "alerts": alerts,
        "escalations": escalations,
        "check_ins": check_ins,
        "one_to_one": one_to_one,
    }


def _categories(raw: str) -> list[str]:
    try:
        found = json.loads(raw or "[]")
    except ValueError:
        return []
    return [c for c in found if isinstance(c, str)] if isinstance(found, list) else []


def _flatten(prefix: str, value: Any) -> Iterable[tuple[str, Any]]:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            yield from _flatten(f"{prefix}.{key}" if prefix else str(key), inner)
    elif not isinstance(value, list):
        yield prefix, value


CSV_SECTIONS: Final = ("sessions", "attendances", "volunteer_hours", "alerts", "escalations",
                       "check_ins", "one_to_one")


def csv_text(found: Mapping[str, Any]) -> str:
    """The report as CSV for a spreadsheet: one figure a row (``measure``, ``value``), the
    measure a dotted path into the JSON (``sessions.by_month.2026-11.mothers``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["measure", "value"])
    writer.writerow(["from", found["from"]])
    writer.writerow(["to", found["to"]])
    writer.writerow(["counting_since", found["counting_since"] or ""])
    writer.writerow(["suppressed_below", found["suppressed_below"]])
    for section in CSV_SECTIONS:
        for measure, value in _flatten(section, found[section]):
            writer.writerow([measure, value])
    return out.getvalue()
