"""The impact report's arithmetic (server/programme/impact.py): counts by month and audience,
people told apart without names, small numbers suppressed, and the CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest

from server.programme import impact
from server.store.impact import ImpactRows

AUDIENCES = ("mothers", "fathers_partners", "everyone")


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=UTC)


def rows(**given: object) -> ImpactRows:
    empty: dict[str, object] = {"sessions": [], "attendances": [], "check_ins": [],
                                "hours": [], "alerts": [], "escalations": [],
                                "debrief_concerns": [],
                                "counting_since": None}
    return ImpactRows(**{**empty, **given})  # type: ignore[arg-type]


SPAN = impact.Period(date(2026, 11, 20), date(2027, 1, 10))


def test_counts_by_month_and_audience_with_one_to_four_shown_as_under_five() -> None:
    sessions = ([(at("2026-11-24"), "mothers")] * 7 + [(at("2026-12-01"), "mothers")] * 3
                + [(at("2027-01-05"), "fathers_partners")] * 5)
    found = impact.report(rows(sessions=sessions), SPAN, AUDIENCES)
    assert found["months"] == ["2026-11", "2026-12", "2027-01"]
    table = found["sessions"]
    assert table["total"] == 15
    assert table["by_audience"] == {"mothers": 10, "fathers_partners": 5, "everyone": 0}
    assert table["by_month"]["2026-11"] == {"total": 7, "mothers": 7, "fathers_partners": 0,
                                            "everyone": 0}
    assert table["by_month"]["2026-12"]["mothers"] == "<5"  # 3
    assert table["by_month"]["2026-12"]["total"] == "<5"
    assert table["by_month"]["2027-01"]["fathers_partners"] == 5


def test_people_first_time_and_returning_are_told_apart_by_keys_alone() -> None:
    day = at("2026-12-02")
    attendances = (
        [(day, "mothers", True, f"v{n}") for n in range(6)]  # six first visits
        + [(day, "mothers", False, f"v{n}") for n in range(3)]  # three of them came back
        + [(day, "mothers", False, "old1"), (day, "mothers", False, "old2")]  # from before
        + [(day, "mothers", True, None)] * 2  # browsers that keep no cookie
    )
    found = impact.report(rows(attendances=attendances), SPAN, AUDIENCES)["attendances"]
    assert found["total"] == 13
    assert found["people"] == 10  # v0-v5, old1, old2 and the two unknown
    assert found["first_time"] == 8
    assert found["returning"] == 5  # v0-v2, old1, old2
    assert found["people_by_audience"]["mothers"] == {"people": 10, "first_time": 8,
                                                      "returning": 5}
    assert found["people_by_audience"]["everyone"] == {"people": 0, "first_time": 0,
                                                       "returning": 0}


def test_alerts_acknowledgement_times_need_five_and_escalation_outcomes_are_named() -> None:
    day = at("2026-12-03")
    alerts = ([(day, "mothers", "risk", "urgent", '["suicide"]', 60, float(s))
               for s in (5, 10, 20, 40, 100)]
              + [(day, "mothers", "risk", "concern", '["low_mood"]', 0, None)] * 6
              + [(day, "everyone", "help", "urgent", "[]", 60, None)])
    escalations = [(day, "mothers", "closed", "signposted")] * 5 + [
        (day, "mothers", "raised", None), (day, "mothers", "closed", None)]
    found = impact.report(rows(alerts=alerts, escalations=escalations), SPAN, AUDIENCES)
    ack = found["alerts"]["time_to_acknowledge"]
    assert ack == {"alerts_with_a_deadline": 6, "never_acknowledged": "<5",
                   "median_seconds": 20.0, "p90_seconds": 100.0}
    assert found["alerts"]["by_severity"] == {"concern": 6, "urgent": 6}
    assert found["alerts"]["by_category"] == {"low_mood": 6, "suicide": 5}
    assert found["escalations"]["by_outcome"] == {"signposted": 5, "open": "<5",
                                                  "no_outcome": "<5"}
    few = impact.report(rows(alerts=alerts[:4]), SPAN, AUDIENCES)
    assert "median_seconds" not in few["alerts"]["time_to_acknowledge"]


def test_volunteer_hours_and_check_ins() -> None:
    hours = [(at("2026-12-04"), "mothers", 75), (at("2026-12-11"), "mothers", 45),
             (at("2027-01-02"), "everyone", 90)]
    check_ins = [(at("2026-12-04"), "mothers", "better")] * 6 + [
        (at("2026-12-04"), "mothers", "worse")]
    found = impact.report(rows(hours=hours, check_ins=check_ins), SPAN, AUDIENCES)
    assert found["volunteer_hours"]["total"] == 3.5
    assert found["volunteer_hours"]["by_month"]["2026-12"]["mothers"] == 2.0
    assert found["volunteer_hours"]["by_audience"]["everyone"] == 1.5
    assert found["check_ins"]["answers"] == {"better": 6, "same": 0, "worse": "<5"}


def test_the_csv_holds_every_figure_of_the_json_one_a_row() -> None:
    found = impact.report(rows(sessions=[(at("2026-12-01"), "mothers")] * 5), SPAN, AUDIENCES)
    table = list(csv.reader(io.StringIO(impact.csv_text(found))))
    assert table[0] == ["measure", "value"]
    figures = dict(table[1:])
    assert figures["sessions.total"] == "5"
    assert figures["sessions.by_month.2026-12.mothers"] == "5"
    assert figures["sessions.by_month.2026-11.mothers"] == "0"
    assert figures["from"] == "2026-11-20" and figures["to"] == "2027-01-10"
    assert all(key in figures for key in ("attendances.people", "volunteer_hours.total",
                                          "alerts.total", "check_ins.answers.better"))
    json.dumps(found)  # the API answers exactly this


@pytest.mark.parametrize(("start", "end", "problem"), [
    ("2026-13-01", None, "YYYY-MM-DD"),
    ("2026-12-10", "2026-12-01", "end before"),
    ("2020-01-01", "2026-12-01", "three years"),
])
def test_a_period_that_cannot_be_reported_says_why(start: str, end: str | None,
                                                   problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        impact.period(start, end, date(2026, 12, 7))


def test_the_default_period_is_the_last_twelve_months_and_this_one() -> None:
    span = impact.period(None, None, date(2026, 12, 7))
    assert (span.start, span.end) == (date(2025, 12, 1), date(2026, 12, 7))
    assert len(span.months()) == 13
    assert span.until == datetime(2026, 12, 8, tzinfo=UTC)
