"""Issue 13, part 3: training modules and the rule's arithmetic (server/programme/training.py),
pure: dates in, states out."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from server.datadir import SetupError
from server.programme.training import (
    InvalidModules,
    Module,
    TrainingRecord,
    add_months,
    assess,
    completion_problem,
    describe,
    load_modules,
    parse_modules,
    refusal,
    today,
)
from server.settings import from_env

SAFEGUARDING = Module("safeguarding_1", {"en": "Safeguarding level 1", "pl": "Ochrona"}, True, 24)
INDUCTION = Module("induction", {"en": "Facilitator induction"}, True, None)
AWARENESS = Module("perinatal_mental_health", {"en": "Perinatal mental health awareness"},
                   True, 36)
OPTIONAL = Module("domestic_abuse", {"en": "Domestic abuse awareness"}, False, 36)
MODULES = (SAFEGUARDING, INDUCTION, AWARENESS, OPTIONAL)


def done(module: Module, on: date, ident: str = "t_1") -> TrainingRecord:
    return TrainingRecord(ident, "s_1", module.id, on, "cora", datetime(2026, 1, 1, tzinfo=UTC))


def test_the_shipped_modules_are_the_ones_the_programme_asks_for() -> None:
    shipped = {m.id: (m.required, m.valid_months) for m in load_modules()}
    assert shipped["safeguarding_1"] == (True, 24)
    assert shipped["induction"] == (True, None)
    assert shipped["perinatal_mental_health"] == (True, 36)
    assert shipped["domestic_abuse"] == (False, 36)
    # Named in every language of the pages.
    assert all(set(m.names) == {"en", "pl", "ur"} for m in load_modules())


def test_months_are_calendar_months_and_short_months_clamp() -> None:
    assert add_months(date(2024, 3, 3), 24) == date(2026, 3, 3)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_a_completion_counts_until_the_day_before_it_expires() -> None:
    record = done(SAFEGUARDING, date(2024, 3, 3))
    by_day = {day: assess([SAFEGUARDING], [record], day).modules[0].state
              for day in (date(2026, 1, 31), date(2026, 2, 1), date(2026, 3, 2),
                          date(2026, 3, 3))}
    # Expiring within 30 days of the anniversary; expired on the anniversary itself.
    assert by_day == {date(2026, 1, 31): "current", date(2026, 2, 1): "expiring",
                      date(2026, 3, 2): "expiring", date(2026, 3, 3): "expired"}
    expired = assess([SAFEGUARDING], [record], date(2026, 3, 3))
    assert not expired.ok and expired.state == "expired"
    assert describe(expired.modules[0]) == "Safeguarding level 1 expired on 3 March 2026"


def test_the_newest_completion_counts_and_a_module_without_expiry_never_expires() -> None:
    on = date(2026, 12, 6)
    records = [done(SAFEGUARDING, date(2023, 1, 1), "t_old"),
               done(SAFEGUARDING, date(2026, 6, 1), "t_new"),
               done(INDUCTION, date(2001, 1, 1))]
    status = assess(MODULES, records, on)
    states = {m.module.id: m.state for m in status.modules}
    assert states == {"safeguarding_1": "current", "induction": "current",
                      "perinatal_mental_health": "missing"}  # optional, not done: not listed
    assert status.state == "missing" and not status.ok
    assert [m.module.id for m in status.blocking] == ["perinatal_mental_health"]
    assert refusal(status) == ("your required training is not up to date: Perinatal mental "
                               "health awareness has not been recorded. Your coordinator can "
                               "record it")


def test_optional_modules_are_shown_but_never_block() -> None:
    on = date(2026, 12, 6)
    records = [done(SAFEGUARDING, on), done(INDUCTION, on), done(AWARENESS, on),
               done(OPTIONAL, date(2020, 1, 1))]
    status = assess(MODULES, records, on)
    assert status.ok and status.state == "current"
    assert status.modules[-1].module is OPTIONAL and status.modules[-1].state == "expired"


def test_expired_comes_before_missing_and_unknown_modules_count_for_nothing() -> None:
    on = date(2026, 12, 6)
    records = [done(SAFEGUARDING, date(2020, 1, 1)),
               TrainingRecord("t_x", "s_1", "retired_module", on, "cora", datetime.now(UTC))]
    status = assess(MODULES, records, on)
    assert [m.state for m in status.blocking] == ["expired", "missing", "missing"]
    assert status.state == "expired"
    assert "retired_module" not in {m.module.id for m in status.modules}
    # Nothing required: nothing blocks.
    assert assess([OPTIONAL], [], on).ok


def test_a_module_is_named_in_the_pages_language_where_the_file_gives_it() -> None:
    assert SAFEGUARDING.name("pl") == "Ochrona" and SAFEGUARDING.name("ur") == (
        "Safeguarding level 1")


def test_completion_dates_are_checked() -> None:
    on = date(2026, 12, 6)
    assert completion_problem(on, on) is None
    assert completion_problem(date(2026, 12, 7), on) == ("a module cannot be completed in the "
                                                         "future")
    assert completion_problem(date(224, 3, 3), on) is not None


def test_today_is_the_uk_day() -> None:
    # 23:30 UTC in summer is already tomorrow in London.
    assert today(datetime(2026, 7, 1, 23, 30, tzinfo=UTC)) == date(2026, 7, 2)
    assert today(datetime(2026, 12, 1, 23, 30, tzinfo=UTC)) == date(2026, 12, 1)


@pytest.mark.parametrize(("document", "words"), [
    ("not json", "not JSON"),
    ({"modules": []}, "a list of 1 to"),
    ({"modules": [{"id": "Bad Id", "name": "X", "required": True, "valid_months": 1}]},
     "lower-case"),
    ({"modules": [{"id": "a", "name": {"pl": "X"}, "required": True, "valid_months": 1}]},
     "\"en\""),
    ({"modules": [{"id": "a", "name": "A", "required": "yes", "valid_months": 1}]},
     "true or false"),
    ({"modules": [{"id": "a", "name": "A", "required": True, "valid_months": 0}]},
     "valid_months"),
    ({"modules": [{"id": "a", "name": "A", "required": True, "valid_months": None},
                  {"id": "a", "name": "B", "required": False, "valid_months": None}]},
     "used twice"),
])
def test_a_modules_file_is_refused_in_words(document: object, words: str) -> None:
    raw = document if isinstance(document, str) else json.dumps(document)
    with pytest.raises(InvalidModules, match=words):
        parse_modules(raw)


def test_the_rule_is_off_unless_the_operator_turns_it_on() -> None:
    assert from_env({}).require_training is False  # an upgrade locks nobody out
    for on in ("1", "true", "yes", "on", " ON "):
        assert from_env({"HEARTH_REQUIRE_TRAINING": on}).require_training, on
    for off in ("", "0", "false", "no", "off"):
        assert not from_env({"HEARTH_REQUIRE_TRAINING": off}).require_training, off
    with pytest.raises(SetupError, match="HEARTH_REQUIRE_TRAINING must be 1"):
        from_env({"HEARTH_REQUIRE_TRAINING": "maybe"})
    # Coordinators read notes about volunteers' own experience: two-step login by default.
    assert "coordinator" in from_env({}).require_2fa
    assert from_env({"HEARTH_REQUIRE_2FA": "coordinator"}).require_2fa == ("coordinator",)
