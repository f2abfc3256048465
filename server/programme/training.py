"""Training modules, and whether a volunteer's training is current.

The modules are data (``training_modules.json``, or the operator's own file named by
``HEARTH_TRAINING_MODULES``): an id, a name (English, and the page's language where given),
whether a facilitator must have it, and how many months a completion counts for (none: it
never expires). A volunteer's training is a list of records (a module and the day it was
completed); the newest completion of each module is the one that counts.

Everything here is pure: ``today`` is passed in. A completion of a module valid for 24
months made on 3 March 2024 counts until 2 March 2026 and has expired on 3 March 2026.
"""

from __future__ import annotations

import calendar
import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

__all__ = [
    "EXPIRING_WITHIN",
    "InvalidModules",
    "Module",
    "ModuleStatus",
    "TrainingRecord",
    "TrainingStatus",
    "add_months",
    "assess",
    "completion_problem",
    "describe",
    "load_modules",
    "parse_modules",
    "refusal",
    "today",
]

EXPIRING_WITHIN: Final = timedelta(days=30)
"""A required module that expires this soon is flagged ("expiring"): a month is time to book
a refresher, so the coordinator's list shows it before the rule stops anyone."""
PROGRAMME_TIMEZONE: Final = "Europe/London"
"""Whose calendar says which day it is: training is done and expires on days, not instants,
and Hearth's programme runs in UK time (a group's own time zone is for its sessions)."""
EARLIEST_COMPLETION: Final = date(1990, 1, 1)
"""Older than any certificate a coordinator will be shown: a year typed as 0224 is a typo."""
MODULE_ID: Final = re.compile(r"[a-z0-9_-]{1,40}")
MAX_MODULES: Final = 50
NAME_MAX: Final = 120
MAX_VALID_MONTHS: Final = 240

State = Literal["current", "expiring", "expired", "missing"]
# The worst first: what a volunteer's training is, all told, is its worst required module.
_SEVERITY: Final[Mapping[str, int]] = {"expired": 0, "missing": 1, "expiring": 2, "current": 3}


class InvalidModules(ValueError):
    """The modules file is not usable; the message says which module and what is wrong."""


@dataclass(frozen=True, slots=True)
class Module:
    id: str
    names: Mapping[str, str]  # language code -> name; "en" always present
    required: bool
    valid_months: int | None  # None: a completion never expires

    def name(self, code: str = "en") -> str:
        """The module's name in the language ``code``, else in English."""
        return self.names.get(code) or self.names["en"]

    def expires_on(self, completed: date) -> date | None:
        """The first day a completion on ``completed`` no longer counts (None: never)."""
        return None if self.valid_months is None else add_months(completed, self.valid_months)


@dataclass(frozen=True, slots=True)
class TrainingRecord:
    """One completion of a module, as a coordinator recorded it."""

    id: str
    staff_id: str
    module: str  # a module's id (one no longer in the file is kept, and counts for nothing)
    completed_on: date
    entered_by: str  # who recorded it: a coordinator's (or an admin's) username
    entered_at: datetime


@dataclass(frozen=True, slots=True)
class ModuleStatus:
    module: Module
    state: State
    completed_on: date | None = None  # the newest completion, if any
    expires_on: date | None = None  # when that completion stops counting, if it does


@dataclass(frozen=True, slots=True)
class TrainingStatus:
    """A volunteer's training on one day: every required module, then the optional ones
    they have done, each with its state."""

    modules: tuple[ModuleStatus, ...]

    @property
    def required(self) -> tuple[ModuleStatus, ...]:
        return tuple(m for m in self.modules if m.module.required)

    @property
    def blocking(self) -> tuple[ModuleStatus, ...]:
        """The required modules that stop them facilitating: expired, then missing."""
        return tuple(sorted((m for m in self.required if m.state in ("expired", "missing")),
                            key=lambda m: _SEVERITY[m.state]))

    @property
    def ok(self) -> bool:
        """Whether every required module is current (or expiring, but not yet expired)."""
        return not self.blocking

    @property
    def state(self) -> State:
        """The worst state of a required module ("current" when nothing is required)."""
        states = [m.state for m in self.required]
        return min(states, key=_SEVERITY.__getitem__) if states else "current"


def add_months(day: date, months: int) -> date:
    """``day`` moved on by ``months`` calendar months; the 31st (or 29 February) becomes
    the last day of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1]))


def today(now: datetime | None = None) -> date:
    """Which day it is for the programme (UK time)."""
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(PROGRAMME_TIMEZONE)).date()


def assess(modules: Sequence[Module], records: Iterable[TrainingRecord],
           on: date) -> TrainingStatus:
    """Each required module's state on the day ``on``, then each optional module with a
    record. A record of a module not in ``modules`` counts for nothing."""
    newest: dict[str, date] = {}
    for record in records:
        if record.completed_on > newest.get(record.module, date.min):
            newest[record.module] = record.completed_on
    found = []
    for module in sorted(modules, key=lambda m: not m.required):  # required first, in order
        completed = newest.get(module.id)
        if completed is None:
            if module.required:
                found.append(ModuleStatus(module, "missing"))
            continue
        ends = module.expires_on(completed)
        state: State = ("current" if ends is None or on + EXPIRING_WITHIN < ends
                        else "expiring" if on < ends else "expired")
        found.append(ModuleStatus(module, state, completed, ends))
    return TrainingStatus(tuple(found))


def _english_date(day: date) -> str:
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def describe(status: ModuleStatus) -> str:
    """One module's state in English words (the API's messages and the command line):
    "Safeguarding level 1 expired on 3 March 2026"."""
    name = status.module.name()
    if status.state == "missing":
        return f"{name} has not been recorded"
    if status.expires_on is None:
        return f"{name} is current (it does not expire)"
    when = _english_date(status.expires_on)
    if status.state == "expired":
        return f"{name} expired on {when}"
    return f"{name} is current until {when}" if status.state == "current" else (
        f"{name} expires on {when}")


def refusal(status: TrainingStatus) -> str:
    """Why the token endpoint refuses a facilitator, in English words naming each module
    that is missing or expired."""
    return ("your required training is not up to date: "
            + "; ".join(describe(m) for m in status.blocking)
            + ". Your coordinator can record it")


def completion_problem(completed: date, on: date) -> str | None:
    """Why ``completed`` cannot be the day a module was completed (seen on the day ``on``),
    or None."""
    if completed > on:
        return "a module cannot be completed in the future"
    if completed < EARLIEST_COMPLETION:
        return f"a completion date must be after {EARLIEST_COMPLETION.isoformat()}"
    return None


# -- the modules file ------------------------------------------------------------------------

def parse_modules(raw: str | bytes) -> tuple[Module, ...]:
    """The modules in a file's text; ``InvalidModules`` saying what is wrong."""
    try:
        document = json.loads(raw)
    except ValueError as exc:
        raise InvalidModules(f"not JSON: {exc}") from None
    listed = document.get("modules") if isinstance(document, dict) else None
    if not isinstance(listed, list) or not 1 <= len(listed) <= MAX_MODULES:
        raise InvalidModules(f"expected an object with \"modules\": a list of 1 to "
                             f"{MAX_MODULES} modules")
    found: dict[str, Module] = {}
    for index, entry in enumerate(listed):
        module = _module(entry, f"module {index + 1}")
        if module.id in found:
            raise InvalidModules(f"module {index + 1}: the id {module.id!r} is used twice")
        found[module.id] = module
    return tuple(found.values())


def _module(entry: Any, where: str) -> Module:
    if not isinstance(entry, dict):
        raise InvalidModules(f"{where}: expected an object")
    ident = entry.get("id")
    if not isinstance(ident, str) or not MODULE_ID.fullmatch(ident):
        raise InvalidModules(f"{where}: \"id\" must be 1-40 lower-case letters, digits, "
                             "'_' or '-'")
    where = f"module {ident!r}"
    names = entry.get("name")
    if isinstance(names, str):
        names = {"en": names}
    if not isinstance(names, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and 0 < len(v.strip()) <= NAME_MAX
            for k, v in names.items()) or "en" not in names:
        raise InvalidModules(f"{where}: \"name\" must be a name, or an object of names by "
                             f"language with \"en\" (each 1-{NAME_MAX} characters)")
    required = entry.get("required")
    if not isinstance(required, bool):
        raise InvalidModules(f"{where}: \"required\" must be true or false")
    months = entry.get("valid_months")
    if months is not None and (isinstance(months, bool) or not isinstance(months, int)
                               or not 1 <= months <= MAX_VALID_MONTHS):
        raise InvalidModules(f"{where}: \"valid_months\" must be null (no expiry) or 1 to "
                             f"{MAX_VALID_MONTHS}")
    return Module(ident, {k: v.strip() for k, v in names.items()}, required, months)


@functools.cache
def load_modules(path: Path | None = None) -> tuple[Module, ...]:
    """The operator's modules file (``HEARTH_TRAINING_MODULES``), else the shipped one.
    Read once per path; ``InvalidModules`` (or OSError) for a file that cannot be used."""
    if path is None:
        raw = resources.files("server.programme").joinpath("training_modules.json").read_bytes()
    else:
        raw = path.read_bytes()
    return parse_modules(raw)
