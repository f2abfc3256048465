"""A volunteer's own time and debriefs (issue 13, part 4).

- ``/account/hours``: "Hours you have given": in all, month by month, and each session with
  its time, a form to correct it, and its debrief.
- ``/account/hours/{entry}/correct``: the volunteer's own figure for a session, with a
  reason (audited; the recorded figure is kept).
- ``/account/hours/{entry}/debrief``: the private reflective debrief of a session, which can
  raise a safeguarding concern to the lead (``server/programme/reflective.py``).
- ``/account/debrief?room=ID``: where the group page sends a member of staff who has just
  left (or whose session ended): their newest session in that group's debrief.

Every member of staff who takes part in groups has these (facilitators and the lead); a
session that is not theirs is answered exactly as one that does not exist. Each change is
a CSRF-protected form post, then a redirect to fixed words; a mistake re-shows the page with
what was typed and the problem next to its field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server import i18n
from server.http.admin_common import FORM_EXPIRED, NOT_SAVED, done, done_words, field
from server.http.common import services
from server.http.pages import AUDIENCE_FOR, csrf_ok, render, staff_for_page, templates
from server.i18n import N_, Phrase, Words
from server.programme import reflective
from server.programme.debriefs import (
    CONCERN_CATEGORIES,
    NAME_MAX,
    TEXT_MAX,
    WENT,
    Debrief,
    DebriefForm,
    debrief_problems,
)
from server.programme.hours import (
    MAX_MINUTES,
    REASON_MAX,
    TimeEntry,
    correction_problems,
    parse_minutes,
    summarise,
)
from server.safeguarding.words import CATEGORY_WORDS
from server.store.db import Staff

__all__ = ["duration_words", "routes"]

HOURS = "/account/hours"

DONE = {
    "corrected": N_("Your correction is saved. The time recorded is kept beside it."),
    "not-yet": N_("Your time from that session isn't recorded yet. Please open your debrief "
                  "from the session's line below in a minute or two."),
}
DEBRIEF_DONE = {
    "saved": N_("Your debrief is saved. Thank you for taking a moment for yourself."),
    "concern": N_("Your debrief is saved, and your concern has gone to the safeguarding lead."),
}
NO_SUCH_SESSION = N_("There is no such session in your hours.")
PROBLEMS: dict[str, Words] = {
    "minutes": Phrase(N_("Please give the whole time in minutes, from 0 to %(max)s (24 "
                         "hours)."), {"max": MAX_MINUTES}),
    "reason": Phrase(N_("Please say in a few words why (up to %(max)s characters)."),
                     {"max": REASON_MAX}),
    "went": N_("Please choose how the session went for you."),
    "affected": Phrase(N_("Please keep this to %(max)s characters."), {"max": TEXT_MAX}),
    "notes": Phrase(N_("Please keep this to %(max)s characters."), {"max": TEXT_MAX}),
    "concern_text": N_("Please say what the concern is: the safeguarding lead needs your "
                       "words to act on it."),
    "concern_text_long": Phrase(N_("Please keep this to %(max)s characters."),
                                {"max": TEXT_MAX}),
    "concern_about": Phrase(N_("Please keep the name to %(max)s characters."),
                            {"max": NAME_MAX}),
    "concern_category": N_("Please choose from the list."),
}
WENT_WORDS = {"well": N_("Well"), "mixed": N_("Mixed"), "hard": N_("Hard")}
CONCERN_NOT_KEPT = N_("Your debrief is saved and your concern has gone to the safeguarding "
                      "lead, but something went wrong noting that it was sent. Please don't "
                      "send it again: to add to it, contact your safeguarding lead directly.")


def duration_words(minutes: int) -> str:
    """A length of time in the page's language: "45 minutes", "2 hours", "1 hour and 30
    minutes"."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return i18n.ngettext("{n} minute", "{n} minutes", rest)
    said = i18n.ngettext("{n} hour", "{n} hours", hours)
    if not rest:
        return said
    return i18n.gettext("{hours} and {minutes}", hours=said,
                        minutes=i18n.ngettext("{n} minute", "{n} minutes", rest))


templates.env.globals["duration_words"] = duration_words


def _month_words(entry_month: Any) -> str:
    return i18n.when_words(entry_month, "month")


async def _own_entry(request: Request, staff: Staff) -> TimeEntry | None:
    entry_id = request.path_params["entry"][:40]
    return await services(request).store.hours.entry(staff.id, entry_id)


# -- the list ----------------------------------------------------------------------------------

async def hours_page(request: Request) -> Response:
    staff = await staff_for_page(request)
    if isinstance(staff, Response):
        return staff
    return await _hours(request, staff)


async def _hours(request: Request, staff: Staff, status: int = 200,
                 message: Words | None = None, *, entry_id: str = "",
                 typed: Mapping[str, str] | None = None,
                 errors: Mapping[str, Words] | None = None) -> Response:
    """The page; after a mistake in the correction of ``entry_id``, what was typed and each
    field's problem, that session's form open."""
    svc = services(request)
    entries = await svc.store.hours.entries(staff.id)
    debriefs = {d.entry_id: d for d in await svc.store.reflections.debriefs(staff.id)}
    summary = summarise(entries)
    return await render(
        request, "account_hours.html", status=status, staff=staff, message=message,
        summary=summary, months=[(_month_words(m.month), m) for m in summary.months],
        entries=[{"entry": e, "debrief": debriefs.get(e.id),
                  "audience": AUDIENCE_FOR.get(e.audience, AUDIENCE_FOR["everyone"])}
                 for e in entries],
        open_entry=entry_id, typed=typed or {}, errors=errors or {},
        prep_minutes=svc.settings.prep_minutes, max_minutes=MAX_MINUTES,
        reason_max=REASON_MAX, **done_words(request, DONE))


async def correct(request: Request) -> Response:
    staff = await staff_for_page(request)
    if isinstance(staff, Response):
        return staff
    form = await request.form()
    typed = {"minutes": field(form, "minutes", 20), "reason": field(form, "reason",
                                                                    REASON_MAX + 100)}
    entry = await _own_entry(request, staff)
    if entry is None:
        return await _hours(request, staff, 404, NO_SUCH_SESSION)
    if not await csrf_ok(request):
        return await _hours(request, staff, 403, FORM_EXPIRED, entry_id=entry.id, typed=typed)
    problems = correction_problems(typed["minutes"], typed["reason"])
    minutes = parse_minutes(typed["minutes"])
    if problems or minutes is None:
        return await _hours(request, staff, 400, NOT_SAVED, entry_id=entry.id, typed=typed,
                            errors={k: PROBLEMS[k] for k in problems})
    await reflective.correct_hours(services(request).store, staff, entry.id, minutes,
                                   typed["reason"])
    return done(HOURS, "corrected", f"session-{entry.id}")


# -- the debrief ---------------------------------------------------------------------------------

async def latest_debrief(request: Request) -> Response:
    """From the group page, just after leaving: the debrief of their newest session in that
    group, once this node has stored it (the timekeeper writes in the background)."""
    staff = await staff_for_page(request)
    if isinstance(staff, Response):
        return staff
    svc = services(request)
    await svc.timekeeper.settled()
    room_id = request.query_params.get("room", "")[:40]
    entry = await svc.store.hours.latest_in(staff.id, room_id) if room_id else None
    if entry is None:
        return done(HOURS, "not-yet")
    return RedirectResponse(f"{HOURS}/{entry.id}/debrief", status_code=303)


def _typed_debrief(form: FormData) -> dict[str, Any]:
    def text(name: str, limit: int) -> str:
        return field(form, name, 2 * limit).replace("\r\n", "\n").strip()

    return {"went": field(form, "went", 16), "affected": text("affected", TEXT_MAX),
            "notes": text("notes", TEXT_MAX), "concern": form.get("concern") == "yes",
            "concern_text": text("concern_text", TEXT_MAX),
            "concern_about": text("concern_about", NAME_MAX),
            "concern_category": field(form, "concern_category", 40)}


def _shown(debrief: Debrief | None) -> dict[str, Any]:
    if debrief is None:
        return {"went": "", "affected": "", "notes": "", "concern": False, "concern_text": "",
                "concern_about": "", "concern_category": ""}
    return {"went": debrief.went, "affected": debrief.affected, "notes": debrief.notes,
            "concern": False, "concern_text": "", "concern_about": "",
            "concern_category": ""}


async def _debrief_page(request: Request, staff: Staff, entry: TimeEntry, status: int = 200,
                        message: Words | None = None, *,
                        typed: Mapping[str, Any] | None = None,
                        errors: Mapping[str, Words] | None = None) -> Response:
    svc = services(request)
    debrief = await svc.store.reflections.debrief(entry.id)
    return await render(
        request, "account_debrief.html", status=status, staff=staff, message=message,
        entry=entry, debrief=debrief, form=typed if typed is not None else _shown(debrief),
        errors=errors or {}, went_words=[(w, WENT_WORDS[w]) for w in WENT],
        categories=[(c, CATEGORY_WORDS[c]) for c in CONCERN_CATEGORIES],
        category_words=CATEGORY_WORDS,
        audience=AUDIENCE_FOR.get(entry.audience, AUDIENCE_FOR["everyone"]),
        limits={"text": TEXT_MAX, "name": NAME_MAX}, **done_words(request, DEBRIEF_DONE))


async def debrief_page(request: Request) -> Response:
    staff = await staff_for_page(request)
    if isinstance(staff, Response):
        return staff
    entry = await _own_entry(request, staff)
    if entry is None:
        return await _hours(request, staff, 404, NO_SUCH_SESSION)
    if request.method == "GET":
        return await _debrief_page(request, staff, entry)
    form = await request.form()
    typed = _typed_debrief(form)
    if not await csrf_ok(request):
        return await _debrief_page(request, staff, entry, 403, FORM_EXPIRED, typed=typed)
    wanted = DebriefForm(**typed)
    problems = debrief_problems(wanted)
    if problems:
        errors = {k: PROBLEMS["concern_text_long" if k == "concern_text" and wanted.concern_text
                              else k] for k in problems}
        return await _debrief_page(request, staff, entry, 400, NOT_SAVED, typed=typed,
                                   errors=errors)
    svc = services(request)
    try:
        _saved, raised = await reflective.save_debrief(svc.store, svc.safeguarding, staff,
                                                       entry, wanted)
    except reflective.ConcernNotSaved:
        return await _debrief_page(request, staff, entry, 500, CONCERN_NOT_KEPT,
                                   typed={**typed, "concern": False})
    return done(f"{HOURS}/{entry.id}/debrief", "concern" if raised else "saved")


routes = [
    Route(HOURS, hours_page, methods=["GET"]),
    Route(HOURS + "/{entry}/correct", correct, methods=["POST"]),
    Route(HOURS + "/{entry}/debrief", debrief_page, methods=["GET", "POST"]),
    Route("/account/debrief", latest_debrief, methods=["GET"]),
]
