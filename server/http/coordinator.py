"""The coordinator's volunteer pages, and the facilitator's view of their own record.

- ``/coordinator/volunteers``: every facilitator (the volunteers) with their training at a
  glance (current, expiring within 30 days, expired, missing) and their next supervision.
- ``/coordinator/volunteers/{staff_id}``: one volunteer's profile (languages, audiences,
  availability, lived experience), training records (add, remove), next supervision and
  supervisor (a coordinator's account).
- ``/account/training``: a facilitator's own training, supervision (their supervisor, and
  the notes of their supervisions) and profile, read-only (their lived-experience note is
  the coordinators' and admins' only).

A volunteer's page also shows the hours they have given; their debriefs and supervision
notes are on a page of their own, for their supervisor only (any coordinator while none is
chosen: ``supervision.py``).

The volunteer pages are for coordinators and admins (``server/http/pages.py``, STAFF_NAV,
says why). Every change is a CSRF-protected form post and an audit entry
(``server/programme/manage.py``), then a redirect to fixed words; a mistake, or a form that
had expired, re-shows the page with what was typed and the problem next to its field.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date
from typing import Any, Literal

from babel.dates import get_day_names
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server import i18n
from server.http.admin_common import (
    FORM_EXPIRED,
    NO_SUCH_ACTION,
    NOT_SAVED,
    Refusal,
    done,
    done_words,
    parse_day,
)
from server.http.admin_common import field as form_field
from server.http.admin_rooms import AUDIENCE_CHOICES
from server.http.common import services
from server.http.pages import csrf_ok, render, staff_in_role
from server.http.volunteering import (
    STATE_WORDS,
    date_words,
    module_line,
    modules,
    supervision_line,
    training_status,
)
from server.i18n import N_, Phrase, Words
from server.programme import manage, reflective, training
from server.programme.hours import summarise
from server.programme.profile import (
    AUDIENCES,
    AVAILABILITY_NOTE_MAX,
    DAYS,
    LANGUAGES,
    LIVED_EXPERIENCE_MAX,
    OTHER_LANGUAGES_MAX,
    PARTS,
    SLOTS,
    Profile,
    profile_problems,
    slot,
    supervision_problem,
    supervision_state,
)
from server.programme.training import Module, TrainingRecord, completion_problem
from server.services import Services
from server.store.db import Staff

__all__ = ["routes"]

# Who keeps volunteers' records (pages.STAFF_NAV says why the admin too).
COORDINATING = ("coordinator", "admin")
BASE = "/coordinator/volunteers"
# The months of a volunteer's hours their page shows (the volunteer's own page has them all).
HOURS_MONTHS = 6

DONE = {
    "profile": N_("The profile is saved."),
    "unchanged": N_("Nothing had changed, so there was nothing to save."),
    "training-added": N_("The training is recorded."),
    "training-removed": N_("The training record is removed."),
    "supervision": N_("The supervision date is saved."),
    "supervisor": N_("The supervisor is saved."),
}
CHOOSE = N_("Please choose from the list.")
PROBLEMS: dict[str, Words] = {
    "languages": CHOOSE,
    "audiences": CHOOSE,
    "availability": CHOOSE,
    "other_languages": Phrase(N_("Please keep the other languages to %(max)s characters."),
                              {"max": OTHER_LANGUAGES_MAX}),
    "availability_note": Phrase(N_("Please keep the note to %(max)s characters."),
                                {"max": AVAILABILITY_NOTE_MAX}),
    "lived_experience": Phrase(N_("Please keep this to %(max)s characters: a few words to "
                                  "match by."), {"max": LIVED_EXPERIENCE_MAX}),
    "module": N_("Please choose a training module."),
    "completed_on": N_("Please give the day it was completed, such as 2026-03-03."),
    "completed_future": N_("That day is still to come: please give the day it was "
                           "completed."),
    "supervision_due": N_("Please give a date within the next three years, such as "
                          "2027-01-15, or leave it empty for none."),
    "supervisor": CHOOSE,
}
PART_WORDS = {"morning": N_("Morning"), "afternoon": N_("Afternoon"),
              "evening": N_("Evening")}
SUPERVISION_WORDS = {"none": N_("Not set"), "overdue": N_("Overdue"), "due": N_("Due soon"),
                     "planned": N_("Planned")}


async def coordinator_page(request: Request) -> Staff | Response:
    """The coordinator (or admin) for a volunteer page or form, or where to send anyone
    else (a kind 403)."""
    return await staff_in_role(request, COORDINATING, N_("This page is for coordinators."))


# -- words -------------------------------------------------------------------------------

def _language_names(codes: Sequence[str]) -> list[str]:
    """Each language named in itself (English, Polski, اردو), as the switcher does."""
    return [i18n.LANGUAGES[code].name for code in codes if code in i18n.LANGUAGES]


def _day_names(width: Literal["abbreviated", "wide"] = "wide") -> list[tuple[str, str]]:
    """(day, its name in the page's language), Monday first; ``width`` "abbreviated" for
    the week's grid on a phone ("Wed")."""
    names = get_day_names(width, locale=i18n.babel_locale())
    return [(day, names[index]) for index, day in enumerate(DAYS)]


def _availability_words(chosen: Sequence[str]) -> list[str]:
    """"Tuesday: Morning, Evening", a line per day they are available."""
    lines = []
    for day, name in _day_names():
        parts = [i18n.tr(PART_WORDS[p]) for p in PARTS if slot(day, p) in chosen]
        if parts:
            lines.append(i18n.gettext("{day}: {parts}", day=name, parts=", ".join(parts)))
    return lines


def _summary(profile: Profile) -> dict[str, Any]:
    """A profile in words, for the list and the read-only views."""
    return {
        "languages": _language_names(profile.languages),
        "other_languages": profile.other_languages,
        "audiences": [AUDIENCE_CHOICES[a] for a in profile.audiences if a in AUDIENCE_CHOICES],
        "availability": _availability_words(profile.availability),
        "availability_note": profile.availability_note,
    }


# -- the list ----------------------------------------------------------------------------

async def volunteers_page(request: Request) -> Response:
    actor = await coordinator_page(request)
    if isinstance(actor, Response):
        return actor
    return await _volunteers(request, actor)


async def _volunteers(request: Request, actor: Staff, status: int = 200,
                      message: Words | None = None) -> Response:
    svc = services(request)
    members = [m for m in await svc.store.all_staff() if m.role == "facilitator"]
    ids = [m.id for m in members]
    profiles = await svc.store.volunteers.profiles(ids)
    records = await svc.store.volunteers.training_for(ids)
    on = training.today()
    items = []
    for member in members:
        assessed = await training_status(svc, member.id, on, records=records[member.id])
        profile = profiles[member.id]
        items.append({
            "member": member,
            "state": assessed.state,
            "lines": [module_line(m) for m in assessed.required if m.state != "current"],
            "supervision": supervision_state(profile.supervision_due, on),
            "supervision_line": supervision_line(profile.supervision_due, on),
            **_summary(profile),
        })
    enabled = [item for item in items if not item["member"].disabled]
    counts = {
        "blocked": sum(item["state"] in ("expired", "missing") for item in enabled),
        "expiring": sum(item["state"] == "expiring" for item in enabled),
        "overdue": sum(item["supervision"] == "overdue" for item in enabled),
    }
    return await render(request, "coordinator_volunteers.html", status=status, staff=actor,
                        volunteers=items, counts=counts, state_words=STATE_WORDS,
                        supervision_words=SUPERVISION_WORDS, message=message,
                        rule_on=svc.settings.require_training,
                        **done_words(request, DONE))


# -- one volunteer -------------------------------------------------------------------------

async def member_of(svc: Services, staff_id: str) -> Staff | None:
    """The facilitator's account by id; None for no such account or another role (whose
    records are nobody's business here)."""
    member = await svc.store.staff_by_id(staff_id[:64])
    return member if member is not None and member.role == "facilitator" else None


async def volunteer_page(request: Request) -> Response:
    actor = await coordinator_page(request)
    if isinstance(actor, Response):
        return actor
    member = await member_of(services(request), request.path_params["staff_id"])
    if member is None:
        return await _volunteers(request, actor, 404, N_("There is no such volunteer."))
    return await _volunteer(request, actor, member)


def _record_words(record: TrainingRecord, by_id: Mapping[str, Module]) -> dict[str, str]:
    module = by_id.get(record.module)
    ends = module.expires_on(record.completed_on) if module else None
    return {"id": record.id,
            "name": module.name(i18n.current().code) if module else record.module,
            "completed": date_words(record.completed_on),
            "expires": date_words(ends) if ends else "",
            "by": record.entered_by}


async def _training_view(svc: Services, member: Staff, on: date
                         ) -> tuple[Profile, dict[str, Any]]:
    """What a volunteer's page and a facilitator's own page both show: their profile, and
    (as ``render``'s context) their training, each module's state and each record in
    words, and their next supervision."""
    profile = await svc.store.volunteers.profile(member.id)
    records = await svc.store.volunteers.training(member.id)
    assessed = await training_status(svc, member.id, on, records=records)
    by_id = {m.id: m for m in modules(svc)}
    return profile, {"state": assessed.state, "ok": assessed.ok,
                     "state_words": STATE_WORDS,
                     "module_lines": [(m.state, module_line(m)) for m in assessed.modules],
                     "records": [_record_words(r, by_id) for r in records],
                     "supervision": supervision_state(profile.supervision_due, on),
                     "supervision_line": supervision_line(profile.supervision_due, on),
                     "rule_on": svc.settings.require_training}


async def _volunteer(request: Request, actor: Staff, member: Staff, status: int = 200,
                     message: Words | None = None, *, form: str = "",
                     typed: Mapping[str, Any] | None = None,
                     errors: Mapping[str, Words] | None = None) -> Response:
    """The page. After a mistake (or an expired form): ``typed`` is what was typed into the
    form ``form`` (an action's name), and ``errors`` its problems by field."""
    svc = services(request)
    on = training.today()
    profile, view = await _training_view(svc, member, on)
    given = summarise(await svc.store.hours.entries(member.id))
    shown: dict[str, dict[str, Any]] = {
        "profile": {"languages": profile.languages, "other_languages": profile.other_languages,
                    "audiences": profile.audiences, "availability": profile.availability,
                    "availability_note": profile.availability_note,
                    "lived_experience": profile.lived_experience},
        "training-add": {"module": "", "completed_on": ""},
        "supervision": {"supervision_due": (profile.supervision_due.isoformat()
                                            if profile.supervision_due else "")},
    }
    supervising = await reflective.supervisor(svc.store, member, profile)
    shown["supervisor"] = {"supervisor": supervising.id if supervising else ""}
    if form in shown and typed is not None:
        shown[form] = {**shown[form], **typed}
    return await render(
        request, "coordinator_volunteer.html", status=status, staff=actor, member=member,
        message=message, errors=errors or {}, form=form,
        profile_form=shown["profile"], training_form=shown["training-add"],
        supervision_form=shown["supervision"], supervisor_form=shown["supervisor"], **view,
        supervisor=supervising, coordinators=await _coordinators(svc),
        modules=[(m.id, m.name(i18n.current().code), m.required) for m in modules(svc)],
        supervision_words=SUPERVISION_WORDS,
        hours=given, hours_months=[(i18n.when_words(m.month, "month"), m)
                                   for m in given.months[:HOURS_MONTHS]],
        # Their debriefs and supervision notes are for their supervisor (any coordinator
        # while none is chosen), not admins (server/http/supervision.py).
        reads_reflections=reflective.may_read(actor, member, supervising),
        groups=await svc.store.rooms_for(member.id),
        language_choices=[(code, i18n.LANGUAGES[code].name, i18n.LANGUAGES[code].tag)
                   for code in LANGUAGES],
        audiences=[(a, AUDIENCE_CHOICES[a]) for a in AUDIENCES],
        days=[(day, name, short) for (day, name), (_, short)
              in zip(_day_names(), _day_names("abbreviated"), strict=True)],
        parts=[(p, PART_WORDS[p]) for p in PARTS],
        limits={"other_languages": OTHER_LANGUAGES_MAX,
                "availability_note": AVAILABILITY_NOTE_MAX,
                "lived_experience": LIVED_EXPERIENCE_MAX},
        today=on.isoformat(), **done_words(request, DONE))


async def _coordinators(svc: Services) -> list[Staff]:
    """The accounts a volunteer's supervisor is chosen from: enabled coordinators."""
    return sorted((m for m in await svc.store.all_staff() if reflective.may_supervise(m)),
                  key=lambda m: m.username)


# -- the forms -----------------------------------------------------------------------------

def _chosen(form: FormData, name: str, allowed: Sequence[str]) -> list[str]:
    """A set of checkboxes as ticked, kept as sent (at most one of each allowed value, and
    anything else once, so a tampered value is refused rather than dropped)."""
    values = [v[:40] for v in form.getlist(name) if isinstance(v, str)]
    return list(dict.fromkeys(values))[:len(allowed) + 1]


def _typed_profile(form: FormData) -> dict[str, Any]:
    return {"languages": _chosen(form, "languages", LANGUAGES),
            "other_languages": form_field(form, "other_languages", OTHER_LANGUAGES_MAX + 100),
            "audiences": _chosen(form, "audiences", AUDIENCES),
            "availability": _chosen(form, "availability", SLOTS),
            "availability_note": form_field(form, "availability_note",
                                            AVAILABILITY_NOTE_MAX + 200).replace("\r\n", "\n"),
            "lived_experience": form_field(form, "lived_experience",
                                           LIVED_EXPERIENCE_MAX + 200).replace("\r\n", "\n")}


def _typed_training(form: FormData) -> dict[str, Any]:
    return {"module": form_field(form, "module", 40),
            "completed_on": form_field(form, "completed_on", 10)}


def _typed_supervision(form: FormData) -> dict[str, Any]:
    return {"supervision_due": form_field(form, "supervision_due", 10)}


def _typed_supervisor(form: FormData) -> dict[str, Any]:
    return {"supervisor": form_field(form, "supervisor", 64)}


def _typed_record(form: FormData) -> dict[str, Any]:
    return {"record": form_field(form, "record", 40)}


async def _profile(svc: Services, actor: Staff, member: Staff,
                   typed: Mapping[str, Any]) -> str | Refusal:
    problems = profile_problems(**typed)
    if problems:
        return Refusal(400, NOT_SAVED, errors={k: PROBLEMS[k] for k in problems})
    changed = await manage.save_profile(svc.store, actor.username, member, Profile(
        member.id, languages=tuple(typed["languages"]),
        other_languages=typed["other_languages"], audiences=tuple(typed["audiences"]),
        availability=tuple(typed["availability"]),
        availability_note=typed["availability_note"],
        lived_experience=typed["lived_experience"]))
    return "profile" if changed else "unchanged"


async def _training_add(svc: Services, actor: Staff, member: Staff,
                        typed: Mapping[str, Any]) -> str | Refusal:
    errors: dict[str, Words] = {}
    listed = modules(svc)
    if typed["module"] not in {m.id for m in listed}:
        errors["module"] = PROBLEMS["module"]
    completed = parse_day(typed["completed_on"])
    on = training.today()
    if completed is None:
        errors["completed_on"] = PROBLEMS["completed_on"]
    elif completion_problem(completed, on):
        errors["completed_on"] = PROBLEMS["completed_future" if completed > on
                                          else "completed_on"]
    if errors or completed is None:
        return Refusal(400, NOT_SAVED, errors=errors)
    await manage.record_training(svc.store, actor.username, member, listed, typed["module"],
                                 completed, on=on)
    return "training-added"


async def _training_remove(svc: Services, actor: Staff, member: Staff,
                           typed: Mapping[str, Any]) -> str | Refusal:
    removed = await manage.remove_training(svc.store, actor.username, member, typed["record"])
    if removed is None:
        return Refusal(404, N_("There is no such training record."))
    return "training-removed"


async def _supervision(svc: Services, actor: Staff, member: Staff,
                       typed: Mapping[str, Any]) -> str | Refusal:
    text = typed["supervision_due"].strip()
    due = parse_day(text)
    on = training.today()
    if (text and due is None) or (due is not None and supervision_problem(due, on)):
        return Refusal(400, NOT_SAVED,
                       errors={"supervision_due": PROBLEMS["supervision_due"]})
    changed = await manage.set_supervision(svc.store, actor.username, member, due, on=on)
    return "supervision" if changed else "unchanged"


async def _supervisor(svc: Services, actor: Staff, member: Staff,
                      typed: Mapping[str, Any]) -> str | Refusal:
    chosen = typed["supervisor"].strip()
    supervising = None
    if chosen:
        supervising = await svc.store.staff_by_id(chosen)
        if supervising is None or not reflective.may_supervise(supervising):
            return Refusal(400, NOT_SAVED, errors={"supervisor": PROBLEMS["supervisor"]})
    changed = await manage.set_supervisor(svc.store, actor.username, member, supervising)
    return "supervisor" if changed else "unchanged"


Handler = Callable[[Services, Staff, Staff, Mapping[str, Any]], Awaitable[str | Refusal]]
# action -> (what was typed, the handler, the part of the page to return to)
ACTIONS: dict[str, tuple[Callable[[FormData], dict[str, Any]], Handler, str]] = {
    "profile": (_typed_profile, _profile, "profile"),
    "training-add": (_typed_training, _training_add, "training"),
    "training-remove": (_typed_record, _training_remove, "training"),
    "supervision": (_typed_supervision, _supervision, "supervision"),
    "supervisor": (_typed_supervisor, _supervisor, "supervision"),
}


async def volunteer_action(request: Request) -> Response:
    actor = await coordinator_page(request)
    if isinstance(actor, Response):
        return actor
    svc = services(request)
    form = await request.form()
    member = await member_of(svc, request.path_params["staff_id"])
    if member is None:
        return await _volunteers(request, actor, 404, N_("There is no such volunteer."))
    action = request.path_params["action"]
    if action not in ACTIONS:
        return await _volunteer(request, actor, member, 404, NO_SUCH_ACTION)
    read, handler, anchor = ACTIONS[action]
    typed = read(form)
    if not await csrf_ok(request):
        return await _volunteer(request, actor, member, 403, FORM_EXPIRED, form=action,
                                typed=typed)
    result = await handler(svc, actor, member, typed)
    if isinstance(result, Refusal):
        return await _volunteer(request, actor, member, result.status, result.message,
                                form=action, typed=typed, errors=result.errors)
    return done(f"{BASE}/{member.id}", result, anchor)


# -- the facilitator's own -----------------------------------------------------------------

async def own_training_page(request: Request) -> Response:
    staff = await staff_in_role(request, "facilitator", N_("This page is for facilitators."))
    if isinstance(staff, Response):
        return staff
    svc = services(request)
    profile, view = await _training_view(svc, staff, training.today())
    # Their own supervision notes: theirs to read, so not an audited reading.
    return await render(request, "account_training.html", staff=staff, **view,
                        summary=_summary(profile),
                        supervisor=await reflective.supervisor(svc.store, staff, profile),
                        notes=[(date_words(n.held_on), n)
                               for n in await svc.store.reflections.notes(staff.id)])


routes = [
    Route(BASE, volunteers_page, methods=["GET"]),
    Route(BASE + "/{staff_id}", volunteer_page, methods=["GET"]),
    Route(BASE + "/{staff_id}/{action}", volunteer_action, methods=["POST"]),
    Route("/account/training", own_training_page, methods=["GET"]),
]
