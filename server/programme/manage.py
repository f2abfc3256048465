"""What a coordinator does to volunteers' records, shared by the coordinator's pages
(``server/http/coordinator.py``) and the command line (``server/cli_volunteer.py``).

Every change is an audit entry (invariant 8) naming the actor, with the volunteer's account
id as target. The entries say what changed, never a profile's words: the lived-experience
text (personal, perhaps health, information) is recorded only by its length, and the other
free-text fields only by their names.

Volunteers are facilitators: a profile or a training record is kept for a facilitator's
account only (``NotAVolunteer`` otherwise), and kept if the account later changes role. An
erased account is given none again (``AccountErased``, ``server/auth/manage.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from server.auth.manage import AccountErased, refuse_erased
from server.programme.profile import (
    AUDIENCES,
    LANGUAGES,
    SLOTS,
    Profile,
    ordered,
    profile_problems,
    supervision_problem,
)
from server.programme.reflective import may_supervise
from server.programme.training import Module, TrainingRecord, completion_problem, today
from server.store.db import Staff, Store

__all__ = ["AccountErased", "NotACoordinator", "NotAVolunteer", "UnknownModule",
           "record_training", "remove_training", "require_volunteer", "save_profile",
           "set_supervision", "set_supervisor"]


class NotAVolunteer(ValueError):
    """Only a facilitator's account has a volunteer profile and training records."""


class NotACoordinator(ValueError):
    """A volunteer's supervisor is an enabled coordinator's account."""


class UnknownModule(ValueError):
    """The module id is not in the modules file."""


def require_volunteer(member: Staff) -> None:
    """``NotAVolunteer`` unless ``member`` is a facilitator (the command line asks this of
    every account it is given, the pages list facilitators only)."""
    if member.role != "facilitator":
        raise NotAVolunteer(f"{member.username} is a {member.role.replace('_', ' ')}: only "
                            "facilitators have volunteer records")


def _changeable(member: Staff) -> None:
    """What every change to a volunteer's records asks first: ``AccountErased``,
    ``NotAVolunteer``."""
    refuse_erased(member)
    require_volunteer(member)


def _who(member: Staff) -> dict[str, str]:
    return {"username": member.username}


async def save_profile(store: Store, actor: str, member: Staff, profile: Profile) -> bool:
    """Keep the volunteer's languages, audiences, availability and lived experience; False
    if nothing changed (nothing written, nothing audited). ValueError saying what is wrong.
    The profile is checked and tidied here (choices in their vocabulary's order, text
    trimmed): the store saves what it is given."""
    _changeable(member)
    problems = profile_problems(
        languages=profile.languages, other_languages=profile.other_languages,
        audiences=profile.audiences, availability=profile.availability,
        availability_note=profile.availability_note, lived_experience=profile.lived_experience)
    if problems:
        raise ValueError("; ".join(problems.values()))
    before = await store.volunteers.profile(member.id)
    wanted = replace(profile, staff_id=member.id,
                     languages=ordered(profile.languages, LANGUAGES),
                     audiences=ordered(profile.audiences, AUDIENCES),
                     availability=ordered(profile.availability, SLOTS),
                     other_languages=profile.other_languages.strip(),
                     availability_note=profile.availability_note.strip(),
                     lived_experience=profile.lived_experience.strip(),
                     supervision_due=before.supervision_due)
    changed = [name for name in ("languages", "other_languages", "audiences", "availability",
                                 "availability_note", "lived_experience")
               if getattr(wanted, name) != getattr(before, name)]
    if not changed:
        return False
    saved = await store.volunteers.save_profile(wanted)
    await store.safeguarding.audit(actor, "volunteer.profile", target=member.id, detail={
        **_who(member), "changed": changed, "languages": list(saved.languages),
        "audiences": list(saved.audiences), "slots": len(saved.availability),
        "lived_experience_chars": len(saved.lived_experience)})
    return True


async def record_training(store: Store, actor: str, member: Staff, modules: Sequence[Module],
                          module_id: str, completed_on: date, *, on: date | None = None
                          ) -> TrainingRecord:
    """Record that the volunteer completed ``module_id`` on ``completed_on``, entered by
    ``actor``. ``UnknownModule``; ValueError for a date in the future (as of ``on``, by
    default today) or implausibly old."""
    _changeable(member)
    module = next((m for m in modules if m.id == module_id), None)
    if module is None:
        raise UnknownModule(f"there is no training module {module_id!r} (the modules are "
                            f"{', '.join(m.id for m in modules)})")
    problem = completion_problem(completed_on, on or today())
    if problem:
        raise ValueError(problem)
    record = await store.volunteers.add_training(member.id, module.id, completed_on, actor)
    await store.safeguarding.audit(actor, "volunteer.training.add", target=member.id, detail={
        **_who(member), "record": record.id, "module": module.id,
        "completed_on": completed_on.isoformat()})
    return record


async def remove_training(store: Store, actor: str, member: Staff,
                          record_id: str) -> TrainingRecord | None:
    """Remove one of the volunteer's training records (one entered by mistake); the removed
    record, or None if they have none by that id."""
    removed = await store.volunteers.remove_training(member.id, record_id)
    if removed is not None:
        await store.safeguarding.audit(actor, "volunteer.training.remove", target=member.id,
                                       detail={**_who(member), "record": removed.id,
                                               "module": removed.module,
                                               "completed_on": removed.completed_on.isoformat()})
    return removed


async def set_supervision(store: Store, actor: str, member: Staff, due: date | None, *,
                          on: date | None = None) -> bool:
    """The day the volunteer's next reflective supervision is due (None: none planned);
    False if it was that already. ValueError for a date far out (as of ``on``, by default
    today)."""
    _changeable(member)
    problem = supervision_problem(due, on or today()) if due is not None else None
    if problem:
        raise ValueError(problem)
    before = await store.volunteers.profile(member.id)
    if before.supervision_due == due:
        return False
    await store.volunteers.set_supervision(member.id, due)
    await store.safeguarding.audit(actor, "volunteer.supervision", target=member.id, detail={
        **_who(member), "due": due.isoformat() if due else None,
        "was": before.supervision_due.isoformat() if before.supervision_due else None})
    return True


async def set_supervisor(store: Store, actor: str, member: Staff,
                         supervisor: Staff | None) -> bool:
    """The volunteer's supervisor (None: none), who alone reads their debriefs and
    supervision notes (``server/programme/reflective.py``); False if it was them already.
    ``NotACoordinator`` unless ``supervisor`` may supervise (an enabled coordinator). The
    audit entry (``volunteer.supervisor``) names the supervisor by account id, before and
    after."""
    _changeable(member)
    if supervisor is not None and not may_supervise(supervisor):
        raise NotACoordinator(f"{supervisor.username} is not an enabled coordinator's "
                              "account: a supervisor is a coordinator")
    before = await store.volunteers.profile(member.id)
    wanted = supervisor.id if supervisor is not None else None
    if before.supervisor_id == wanted:
        return False
    await store.volunteers.set_supervisor(member.id, wanted)
    await store.safeguarding.audit(actor, "volunteer.supervisor", target=member.id, detail={
        **_who(member), "supervisor": wanted, "was": before.supervisor_id})
    return True
