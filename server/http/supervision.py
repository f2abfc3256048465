"""A coordinator's private pages about one volunteer (issue 13, part 4): their debriefs and
the notes of their supervision, at ``/coordinator/volunteers/{staff_id}/reflections``.

For the volunteer's supervisor only, the coordinator chosen on their record; while none is
chosen, for every coordinator (the page says so). Another coordinator is answered with a
kind 403 naming the supervisor. Not for an admin (who may keep the volunteers' training
records, ``coordinator.py``, but reads no one's reflections), not for the lead (who gets a
debrief's safeguarding concern as an escalation, never the debrief).
Every opening of the page is an audit entry (``volunteer.reflections.read``), and so is
every note written (``volunteer.supervision_note.add``): ``server/programme/reflective.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.http.admin_common import (
    FORM_EXPIRED,
    NOT_SAVED,
    done,
    done_words,
    field,
    parse_day,
)
from server.http.common import services
from server.http.coordinator import BASE, member_of
from server.http.hours import WENT_WORDS
from server.http.pages import csrf_ok, render, staff_in_role
from server.http.volunteering import date_words
from server.i18n import N_, Phrase, Words
from server.programme import reflective, training
from server.programme.debriefs import TEXT_MAX, note_problems
from server.safeguarding.words import CATEGORY_WORDS
from server.store.db import Staff

__all__ = ["routes"]

DONE = {"note": N_("The supervision note is saved.")}
PROBLEMS: dict[str, Words] = {
    "held_on": N_("Please give the day the supervision was held: today or within the last "
                  "year."),
    "text": Phrase(N_("Please write the note, up to %(max)s characters."), {"max": TEXT_MAX}),
}
NO_SUCH_VOLUNTEER = N_("There is no such volunteer.")
# Unicode isolates around a name put into a sentence in the page's language, so a Latin
# username keeps its place in Urdu's right-to-left text (as <bdi> does in a template).
FIRST_STRONG_ISOLATE, POP_ISOLATE = "\u2068", "\u2069"


async def _supervisor(request: Request) -> Staff | Response:
    return await staff_in_role(request, "coordinator", N_(
        "Debriefs and supervision notes are private to the volunteer and their supervisor."))


async def _not_theirs(request: Request, actor: Staff, refused: reflective.NotAllowed
                      ) -> Response:
    """The kind 403 for a coordinator who is not the volunteer's supervisor: who is."""
    message: Words = N_("Debriefs and supervision notes are private to the volunteer and "
                        "their supervisor.")
    if refused.supervisor is not None:
        message = Phrase(N_("Debriefs and supervision notes are private to the volunteer "
                            "and their supervisor, %(name)s. A coordinator can choose "
                            "another on the volunteer's page."), {
            "name": FIRST_STRONG_ISOLATE + refused.supervisor.username + POP_ISOLATE})
    return await render(request, "home.html", status=403, staff=actor, message=message)


async def reflections_page(request: Request) -> Response:
    actor = await _supervisor(request)
    if isinstance(actor, Response):
        return actor
    member = await member_of(services(request), request.path_params["staff_id"])
    if member is None:
        return await render(request, "home.html", status=404, staff=actor,
                            message=NO_SUCH_VOLUNTEER)
    return await _page(request, actor, member)


async def _page(request: Request, actor: Staff, member: Staff, status: int = 200,
                message: Words | None = None, *, typed: Mapping[str, str] | None = None,
                errors: Mapping[str, Words] | None = None) -> Response:
    svc = services(request)
    try:
        debriefs, notes, supervising = await reflective.reflections(svc.store, actor, member)
    except reflective.NotAllowed as refused:
        return await _not_theirs(request, actor, refused)
    entries = {e.id: e for e in await svc.store.hours.entries(member.id)}
    return await render(
        request, "coordinator_reflections.html", status=status, staff=actor, member=member,
        message=message, notes=[(date_words(n.held_on), n) for n in notes],
        debriefs=[{"debrief": d, "entry": entries.get(d.entry_id)} for d in debriefs],
        went_words=WENT_WORDS, category_words=CATEGORY_WORDS,
        form=typed or {"held_on": training.today().isoformat(), "text": ""},
        errors=errors or {}, today=training.today().isoformat(), text_max=TEXT_MAX,
        supervisor=supervising,
        **done_words(request, DONE))


async def add_note(request: Request) -> Response:
    actor = await _supervisor(request)
    if isinstance(actor, Response):
        return actor
    svc = services(request)
    form = await request.form()
    member = await member_of(svc, request.path_params["staff_id"])
    if member is None:
        return await render(request, "home.html", status=404, staff=actor,
                            message=NO_SUCH_VOLUNTEER)
    typed = {"held_on": field(form, "held_on", 10),
             "text": field(form, "text", TEXT_MAX + 200).replace("\r\n", "\n")}
    if not await csrf_ok(request):
        return await _page(request, actor, member, 403, FORM_EXPIRED, typed=typed)
    held_on = parse_day(typed["held_on"])
    problems: dict[str, Any] = note_problems(held_on, typed["text"], training.today())
    if problems or held_on is None:
        return await _page(request, actor, member, 400, NOT_SAVED, typed=typed,
                           errors={k: PROBLEMS[k] for k in problems})
    try:
        await reflective.add_note(svc.store, actor, member, held_on, typed["text"])
    except reflective.NotAllowed as refused:
        return await _not_theirs(request, actor, refused)
    return done(f"{BASE}/{member.id}/reflections", "note", "notes")


routes = [
    Route(BASE + "/{staff_id}/reflections", reflections_page, methods=["GET"]),
    Route(BASE + "/{staff_id}/reflections/note", add_note, methods=["POST"]),
]
