"""Volunteers' training and supervision in the pages' words: shared by the token endpoint
(``api.py``), the facilitator's ``/staff`` (``pages.py``) and the coordinator's pages
(``coordinator.py``).

Dates are written in the page's language ("3 March 2026", "3 marca 2026"); a module's name
is the modules file's name in that language, else its English one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from server import i18n
from server.i18n import N_
from server.programme import training
from server.programme.profile import supervision_state
from server.programme.training import Module, ModuleStatus, TrainingRecord, TrainingStatus
from server.services import Services
from server.store.db import Staff

__all__ = ["STATE_WORDS", "FacilitatorNotice", "date_words", "facilitator_notice",
           "module_line", "modules", "supervision_line", "training_status"]

# A module's, or a volunteer's, training state as a badge says it.
STATE_WORDS = {
    "current": N_("Current"),
    "expiring": N_("Expiring soon"),
    "expired": N_("Expired"),
    "missing": N_("Missing"),
}


def modules(svc: Services) -> tuple[Module, ...]:
    """The training modules in use (the shipped file, or HEARTH_TRAINING_MODULES')."""
    return training.load_modules(svc.settings.training_modules)


async def training_status(svc: Services, staff_id: str, on: date | None = None, *,
                          records: Sequence[TrainingRecord] | None = None) -> TrainingStatus:
    """The account's training, as of ``on`` (default: today, UK time), from its
    ``records`` when the caller has read them already."""
    if records is None:
        records = await svc.store.volunteers.training(staff_id)
    return training.assess(modules(svc), records, on or training.today())


def date_words(day: date) -> str:
    """A day as the page's language writes it: "3 March 2026" (``i18n.when_words``)."""
    return i18n.when_words(day, "long_date")


def module_line(status: ModuleStatus) -> str:
    """One module's state in the page's language: "Safeguarding level 1 expired on 3 March
    2026."."""
    name = status.module.name(i18n.current().code)
    if status.state == "missing":
        return i18n.gettext("{module} has not been recorded.", module=name)
    if status.expires_on is None:
        return i18n.gettext("{module} is current: it does not expire.", module=name)
    when = date_words(status.expires_on)
    if status.state == "expired":
        return i18n.gettext("{module} expired on {date}.", module=name, date=when)
    if status.state == "expiring":
        return i18n.gettext("{module} expires on {date}.", module=name, date=when)
    return i18n.gettext("{module} is current until {date}.", module=name, date=when)


def supervision_line(due: date | None, on: date) -> str:
    """The next supervision in the page's language."""
    state = supervision_state(due, on)
    if due is None:
        return i18n.gettext("No supervision date is set.")
    when = date_words(due)
    if state == "overdue":
        return i18n.gettext("Supervision was due on {date}: it is overdue.", date=when)
    return i18n.gettext("Supervision is due on {date}.", date=when)


@dataclass(frozen=True, slots=True)
class FacilitatorNotice:
    """What ``/staff`` tells a facilitator about their own training and supervision."""

    blocked: bool  # the rule is on and their required training is not current
    lines: list[str]  # each module that needs attention, in words
    supervision: str | None  # their supervision, when it is overdue


async def facilitator_notice(svc: Services, staff: Staff) -> FacilitatorNotice | None:
    """For a facilitator, what needs their attention (required training missing, expired or
    expiring; supervision overdue); None for anyone else, or when nothing does."""
    if staff.role != "facilitator":
        return None
    on = training.today()
    status = await training_status(svc, staff.id, on)
    lines = [module_line(m) for m in status.required if m.state != "current"]
    due = (await svc.store.volunteers.profile(staff.id)).supervision_due
    overdue = supervision_state(due, on) == "overdue"
    if not lines and not overdue:
        return None
    return FacilitatorNotice(blocked=svc.settings.require_training and not status.ok,
                             lines=lines, supervision=supervision_line(due, on) if overdue
                             else None)
