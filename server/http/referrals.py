"""One-to-one support (issue 13, part 2): the public forms, the coordinator's pages and the
matched volunteer's page.

- ``/support``: a parent asks for one-to-one support herself (linked from the join page and
  from the end of a session); ``/support/refer``: a professional refers her, with her
  consent. CSRF-protected, rate-limited per address (``support_limiter``), plain words, each
  problem next to its field; then ``/support/sent``, saying what happens next and how soon,
  with the crisis contacts.
- ``/coordinator/referrals``: every request, new ones first, with counts; and
  ``/coordinator/referrals/{id}``: her details (each opening audited), accept, signpost
  elsewhere with a reason, ask the safeguarding lead (the answer comes back on the
  escalation), match a volunteer from a ranked list, open the one-to-one room, close.
  Coordinators only: an admin never sees a parent's contact details.
- ``/account/one-to-one``: a facilitator's own matched requests, with her details (each
  reading audited) and the room to open.

The steps, with their audit entries, are ``server/programme/referring.py``'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server import i18n
from server.http.admin_common import FORM_EXPIRED, NO_SUCH_ACTION, NOT_SAVED, done, done_words
from server.http.admin_common import field as form_field
from server.http.admin_rooms import AUDIENCE_CHOICES
from server.http.common import client_key, services
from server.http.lead import STATE_WORDS as ESCALATION_STATES
from server.http.pages import csrf_ok, render, staff_in_role
from server.http.volunteering import training_status
from server.http.where import room_in_use
from server.i18n import N_, Phrase, Words
from server.programme import referring, training
from server.programme.referrals import (
    FIELD_MAX,
    LANGUAGE_CHOICES,
    NEXT,
    REASON_MAX,
    STATUSES,
    TIMES,
    ContactDetails,
    Referral,
    request_problems,
    suggest,
)
from server.safeguarding.escalation import OUTCOMES
from server.services import Services
from server.store.contact import ContactUnreadable
from server.store.db import Staff

__all__ = ["routes"]

BASE = "/coordinator/referrals"
OWN = "/account/one-to-one"
# What the confirmation promises: the coordinator replies within this many working days.
# A promise the service keeps, so small and plain; change the words with the service.
REPLY_DAYS = 3
QUESTION_MAX = 2000

STATUS_WORDS: dict[str, str] = {
    "new": N_("New"), "accepted": N_("Accepted"), "signposted": N_("Signposted elsewhere"),
    "asked_lead": N_("Asked the safeguarding lead"), "matched": N_("Matched"),
    "closed": N_("Closed"),
}
# The list's order: what needs the coordinator first.
STATUS_ORDER = ("new", "asked_lead", "accepted", "matched", "signposted", "closed")
SOURCE_WORDS = {"self": N_("From her"), "professional": N_("From a professional")}
TIME_WORDS = {
    "weekday-morning": N_("Weekday mornings"), "weekday-afternoon": N_("Weekday afternoons"),
    "weekday-evening": N_("Weekday evenings"), "weekend-morning": N_("Weekend mornings"),
    "weekend-afternoon": N_("Weekend afternoons"), "weekend-evening": N_("Weekend evenings"),
}
FOR_WHOM = {"mothers": N_("A mum"), "fathers_partners": N_("A dad or partner"),
            "everyone": N_("Another parent or carer")}
DONE = {
    "accepted": N_("The request is accepted. Next, match a volunteer."),
    "signposted": N_("The request is marked as signposted elsewhere."),
    "asked_lead": N_("The safeguarding lead has been asked. Their answer will show here."),
    "matched": N_("The volunteer is matched. Next, open the one-to-one room."),
    "room": N_("The one-to-one room is open. Send her the link below by the contact details "
               "she gave."),
    "closed": N_("The request is closed."),
}
PROBLEMS: dict[str, Words] = {
    "name": Phrase(N_("Please tell us what to call her, up to %(max)s characters."),
                   {"max": FIELD_MAX["name"]}),
    "reach": Phrase(N_("Please give a phone number or email address, up to %(max)s "
                       "characters."), {"max": FIELD_MAX["reach"]}),
    "need": Phrase(N_("Please keep this to %(max)s characters."), {"max": FIELD_MAX["need"]}),
    "referrer_name": Phrase(N_("Please give your name, up to %(max)s characters."),
                            {"max": FIELD_MAX["referrer_name"]}),
    "referrer_role": Phrase(N_("Please give your role, up to %(max)s characters."),
                            {"max": FIELD_MAX["referrer_role"]}),
    "referrer_org": Phrase(N_("Please keep this to %(max)s characters."),
                           {"max": FIELD_MAX["referrer_org"]}),
    "language": N_("Please choose from the list."),
    "audience": N_("Please choose from the list."),
    "times": N_("Please choose from the list."),
    "source": N_("Please choose from the list."),
    "consent": N_("Please tick the box: we can only contact her if she has agreed."),
}
SELF_PROBLEMS: dict[str, Words] = {
    **PROBLEMS,
    "name": Phrase(N_("Please tell us what to call you, up to %(max)s characters."),
                   {"max": FIELD_MAX["name"]}),
    "consent": N_("Please tick the box so that we can contact you."),
}
REASON_PROBLEM = Phrase(N_("Please give a reason, up to %(max)s characters."),
                        {"max": REASON_MAX})
QUESTION_PROBLEM = Phrase(N_("Please write your question, up to %(max)s characters."),
                          {"max": QUESTION_MAX})
NOT_NOW = N_("That can't be done now: the request has moved on. Here it is as it is now.")
IN_USE = N_("Someone is in the one-to-one room now. Please close the request once they "
            "have left.")
NO_SUCH_REQUEST = N_("There is no such request.")


def _language_choices() -> list[tuple[str, str, str]]:
    """(code, name in itself, language tag); "other" in the page's language."""
    found = [(code, i18n.LANGUAGES[code].name, i18n.LANGUAGES[code].tag)
             for code in LANGUAGE_CHOICES if code in i18n.LANGUAGES]
    return [*found, ("other", i18n.tr(i18n.OTHER_LANGUAGE), i18n.current().tag)]


# -- the public forms ------------------------------------------------------------------

async def _support_list(svc: Services, audience: str) -> Any:
    return (await svc.directory_store.current()).for_help(audience)


def _blank(source: str, audience: str = "") -> dict[str, Any]:
    return {"name": "", "reach": "", "need": "", "referrer_name": "", "referrer_role": "",
            "referrer_org": "", "language": i18n.current().code,
            "audience": audience if audience in FOR_WHOM else "", "times": [],
            "consent": False, "source": source}


def _typed(form: FormData, source: str) -> dict[str, Any]:
    typed: dict[str, Any] = {name: form_field(form, name, limit + 100).replace("\r\n", "\n")
                             for name, limit in FIELD_MAX.items()}
    typed.update(language=form_field(form, "language", 10),
                 audience=form_field(form, "audience", 40),
                 times=list(dict.fromkeys(v[:40] for v in form.getlist("times")
                                          if isinstance(v, str)))[:len(TIMES) + 1],
                 consent=form.get("consent") == "yes", source=source)
    if source == "self":
        typed.update(referrer_name="", referrer_role="", referrer_org="")
    return typed


async def _form(request: Request, source: str, status: int = 200, message: Words | None = None,
                typed: Mapping[str, Any] | None = None,
                errors: Mapping[str, Words] | None = None) -> Response:
    svc = services(request)
    return await render(
        request, "support.html", status=status, message=message, source=source,
        form=typed or _blank(source, request.query_params.get("audience", "")),
        errors=errors or {}, limits=FIELD_MAX, languages_offered=_language_choices(),
        for_whom=list(FOR_WHOM.items()), times=[(t, TIME_WORDS[t]) for t in TIMES],
        days=svc.settings.referral_days)


async def support_form(request: Request) -> Response:
    return await _form(request, "self")


async def refer_form(request: Request) -> Response:
    return await _form(request, "professional")


async def _send(request: Request, source: str) -> Response:
    svc = services(request)
    form = await request.form()
    typed = _typed(form, source)
    if not await csrf_ok(request):
        return await _form(request, source, 403, FORM_EXPIRED, typed)
    if not await svc.support_limiter.allow(client_key(request)):
        svc.metrics.http_limited.labels("support").inc()
        return await _form(request, source, 429, N_(
            "Too many requests have been sent from this connection. Please wait a few "
            "minutes and try again."), typed)
    details = ContactDetails(**{name: typed[name] for name in FIELD_MAX})
    problems = request_problems(source=source, language=typed["language"],
                                audience=typed["audience"], times=typed["times"],
                                details=details, consent=typed["consent"])
    if problems:
        words = SELF_PROBLEMS if source == "self" else PROBLEMS
        return await _form(request, source, 400, N_("Not sent yet: please see below."), typed,
                           {k: words[k] for k in problems})
    await referring.submit(svc.store, source=source, language=typed["language"],
                           audience=typed["audience"], times=tuple(typed["times"]),
                           details=details)
    return RedirectResponse(f"/support/sent?by={source}&for={typed['audience']}",
                            status_code=303)


async def support_send(request: Request) -> Response:
    return await _send(request, "self")


async def refer_send(request: Request) -> Response:
    return await _send(request, "professional")


async def sent_page(request: Request) -> Response:
    svc = services(request)
    audience = request.query_params.get("for", "")
    return await render(request, "support_sent.html",
                        by_professional=request.query_params.get("by") == "professional",
                        reply_days=REPLY_DAYS,
                        support=await _support_list(
                            svc, audience if audience in FOR_WHOM else "everyone"))


# -- the coordinator's pages -----------------------------------------------------------------

async def _coordinator(request: Request) -> Staff | Response:
    # Coordinators only: a parent's contact details are for them and her volunteer, never
    # an admin's (who could otherwise read every parent's phone number).
    return await staff_in_role(request, "coordinator", N_(
        "Requests for one-to-one support are for coordinators."))


def _summary(referral: Referral) -> dict[str, Any]:
    return {"referral": referral, "status": STATUS_WORDS[referral.status],
            "source": SOURCE_WORDS.get(referral.source, referral.source),
            "language": i18n.language_name(referral.language),
            "audience": AUDIENCE_CHOICES.get(referral.audience, referral.audience),
            "times": [TIME_WORDS[t] for t in referral.times if t in TIME_WORDS],
            "created": i18n.when_words(referral.created_at, "date_time")}


async def list_page(request: Request) -> Response:
    actor = await _coordinator(request)
    if isinstance(actor, Response):
        return actor
    found = await services(request).store.referrals.all()
    ordered = sorted(found, key=lambda r: STATUS_ORDER.index(r.status))
    counts = {status: sum(r.status == status for r in found) for status in STATUSES}
    return await render(request, "coordinator_referrals.html", staff=actor,
                        referrals=[_summary(r) for r in ordered],
                        counts=[(STATUS_WORDS[s], counts[s]) for s in STATUS_ORDER])


async def _eligible(svc: Services) -> list[tuple[str, str, Any]]:
    """The volunteers who may be matched: enabled facilitators whose required training is
    current (training.py), with their profiles."""
    members = [m for m in await svc.store.all_staff()
               if m.role == "facilitator" and not m.disabled and not m.erased]
    profiles = await svc.store.volunteers.profiles([m.id for m in members])
    records = await svc.store.volunteers.training_for([m.id for m in members])
    on = training.today()
    found = []
    for member in members:
        assessed = await training_status(svc, member.id, on, records=records[member.id])
        if assessed.ok:
            found.append((member.id, member.username, profiles[member.id]))
    return found


def _reason_words(code: str, value: str) -> str:
    if code == "language":
        return i18n.gettext("Speaks {language}", language=i18n.language_name(value))
    if code == "audience":
        return i18n.gettext("Supports {audience}", audience=i18n.tr(
            AUDIENCE_CHOICES.get(value, value)).lower())
    if code == "times":
        return i18n.translations(i18n.current().code).ungettext(
            "Free at %(n)s time that suits her", "Free at %(n)s times that suit her",
            int(value)) % {"n": value}
    return i18n.gettext("Lived experience: {note}", note=value)


async def _page(request: Request, actor: Staff, referral: Referral, status: int = 200,
                message: Words | None = None, *, typed: Mapping[str, str] | None = None,
                errors: Mapping[str, Words] | None = None) -> Response:
    svc = services(request)
    details, unreadable = None, False
    try:
        details = await referring.read_contact(svc.store, actor, referral)
    except ContactUnreadable:
        unreadable = True
    volunteer = (await svc.store.staff_by_id(referral.matched_staff_id)
                 if referral.matched_staff_id else None)
    suggestions = []
    if referral.status == "accepted":
        suggestions = [{"suggestion": s,
                        "reasons": [_reason_words(c, v) for c, v in s.reasons]}
                       for s in suggest(referral, await _eligible(svc))]
    answer = None
    if referral.lead_alert:
        escalation_id = await svc.store.referrals.escalation_of(referral.lead_alert)
        answer = (await svc.store.safeguarding.escalation(escalation_id)
                  if escalation_id else None)
    room = (await svc.store.room(referral.room_id, include_archived=True)
            if referral.room_id else None)
    links = []
    if room is not None and not room.archived:
        links = [f"{svc.settings.public_url}/join/{i.code}"
                 for i in (await svc.store.live_invites([room.id]))[room.id]]
    return await render(
        request, "coordinator_referral.html", status=status, staff=actor, message=message,
        item=_summary(referral), details=details, unreadable=unreadable, volunteer=volunteer,
        suggestions=suggestions, answer=answer, room=room, links=links,
        escalation_states=ESCALATION_STATES, outcomes=OUTCOMES,
        typed=typed or {}, errors=errors or {}, reason_max=REASON_MAX,
        question_max=QUESTION_MAX, can=referring_steps(referral),
        **done_words(request, DONE))


def referring_steps(referral: Referral) -> dict[str, bool]:
    """Which of the page's forms apply to the request now."""
    following = NEXT[referral.status]
    return {"accept": "accepted" in following, "signpost": "signposted" in following,
            "ask": "asked_lead" in following, "match": "matched" in following,
            "room": referral.status == "matched", "close": "closed" in following}


async def _referral(request: Request) -> tuple[Staff, Referral] | Response:
    actor = await _coordinator(request)
    if isinstance(actor, Response):
        return actor
    found = await services(request).store.referrals.get(request.path_params["id"])
    if found is None:
        return await render(request, "home.html", status=404, staff=actor,
                            message=NO_SUCH_REQUEST)
    return actor, found


async def referral_page(request: Request) -> Response:
    got = await _referral(request)
    if isinstance(got, Response):
        return got
    return await _page(request, *got)


async def _room_in_use(svc: Services, room_id: str | None) -> bool:
    return room_id is not None and await room_in_use(svc, room_id)


async def referral_action(request: Request) -> Response:
    got = await _referral(request)
    if isinstance(got, Response):
        return got
    actor, referral = got
    svc = services(request)
    form = await request.form()
    action = request.path_params["action"]
    typed = {"reason": form_field(form, "reason", REASON_MAX + 100),
             "question": form_field(form, "question", QUESTION_MAX + 100),
             "volunteer": form_field(form, "volunteer", 40)}
    if action not in ("accept", "signpost", "ask", "match", "room", "close"):
        return await _page(request, actor, referral, 404, NO_SUCH_ACTION)
    if not await csrf_ok(request):
        return await _page(request, actor, referral, 403, FORM_EXPIRED, typed=typed)
    try:
        if action == "accept":
            await referring.accept(svc.store, actor, referral)
            word = "accepted"
        elif action == "signpost":
            reason = typed["reason"].strip()
            if not reason or len(reason) > REASON_MAX:
                return await _page(request, actor, referral, 400, NOT_SAVED, typed=typed,
                                   errors={"reason": REASON_PROBLEM})
            await referring.signpost(svc.store, actor, referral, reason)
            word = "signposted"
        elif action == "ask":
            question = typed["question"].strip()
            if not question or len(question) > QUESTION_MAX:
                return await _page(request, actor, referral, 400, NOT_SAVED, typed=typed,
                                   errors={"question": QUESTION_PROBLEM})
            await referring.ask_lead(svc.store, svc.safeguarding, actor, referral, question)
            word = "asked_lead"
        elif action == "match":
            eligible = {staff_id for staff_id, _, _ in await _eligible(svc)}
            volunteer = await svc.store.staff_by_id(typed["volunteer"])
            if volunteer is None or volunteer.id not in eligible:
                return await _page(request, actor, referral, 400, NOT_SAVED, typed=typed,
                                   errors={"volunteer": N_("Please choose a volunteer from "
                                                           "the list.")})
            await referring.match(svc.store, actor, referral, volunteer)
            word = "matched"
        elif action == "room":
            await referring.open_room(svc.store, actor, referral)
            word = "room"
        else:
            if await _room_in_use(svc, referral.room_id):
                return await _page(request, actor, referral, 409, IN_USE)
            await referring.close(svc.store, actor, referral)
            word = "closed"
    except referring.NotNow:
        again = await svc.store.referrals.get(referral.id) or referral
        return await _page(request, actor, again, 409, NOT_NOW)
    return done(f"{BASE}/{referral.id}", word, "status")


# -- the matched volunteer's page ----------------------------------------------------------

async def own_page(request: Request) -> Response:
    staff = await staff_in_role(request, "facilitator", N_("This page is for facilitators."))
    if isinstance(staff, Response):
        return staff
    svc = services(request)
    items = []
    unreadable = False
    for referral in await svc.store.referrals.matched_to(staff.id):
        try:
            details = await referring.read_contact(svc.store, staff, referral)
        except ContactUnreadable:
            details, unreadable = None, True
        room = (await svc.store.room(referral.room_id) if referral.room_id else None)
        items.append({**_summary(referral), "details": details, "room": room})
    return await render(request, "account_one_to_one.html", staff=staff, items=items,
                        unreadable=unreadable)


routes = [
    Route("/support", support_form, methods=["GET"]),
    Route("/support", support_send, methods=["POST"]),
    Route("/support/refer", refer_form, methods=["GET"]),
    Route("/support/refer", refer_send, methods=["POST"]),
    Route("/support/sent", sent_page, methods=["GET"]),
    Route(BASE, list_page, methods=["GET"]),
    Route(BASE + "/{id}", referral_page, methods=["GET"]),
    Route(BASE + "/{id}/{action}", referral_action, methods=["POST"]),
    Route(OWN, own_page, methods=["GET"]),
]
