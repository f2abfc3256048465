"""The safeguarding lead's API and pages: open escalations, live, and their changes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from server import i18n
from server.http import schedule
from server.http.account import api_staff
from server.http.admin_rooms import AUDIENCE_CHOICES
from server.http.common import error, origin_allowed, services
from server.http.pages import csrf_ok, render, staff_in_role
from server.i18n import N_, _
from server.programme import referring
from server.safeguarding.escalation import OUTCOMES, STATES, EscalationError
from server.safeguarding.service import ESCALATIONS_CHANNEL, info_for
from server.safeguarding.words import CATEGORY_WORDS, category_words
from server.services import Services
from server.store.bus import BusClosed, BusError
from server.store.contact import ContactUnreadable
from server.store.db import Staff
from server.store.records import Escalation, FeedbackCount

log = logging.getLogger("hearth.lead")

# Comment lines keep proxies from closing an idle stream.
HEARTBEAT_SECONDS = 15.0
# How soon a stream notices that the bus resumed after losing messages.
GAP_CHECK_SECONDS = 1.0
# Milliseconds a browser waits before reconnecting a lost stream (the SSE retry field).
RECONNECT_MS = 3000


class ChangeBody(msgspec.Struct, forbid_unknown_fields=False):
    state: str | None = None
    outcome: str | None = None
    note: str = ""


def as_json(escalation: Escalation, *, full: bool) -> dict[str, Any]:
    data: dict[str, Any] = msgspec.to_builtins(info_for(escalation))
    data["raised_by"] = escalation.raised_by
    data["closed_at"] = escalation.closed_at.isoformat() if escalation.closed_at else None
    if full:
        data["excerpt"] = escalation.excerpt
        data["notes"] = [
            {"by": n.by, "state": n.state, "outcome": n.outcome, "text": n.text,
             "at": n.at.isoformat()} for n in escalation.notes
        ]
    return data


async def _lead(request: Request) -> Staff | Response:
    staff = await api_staff(request)
    if isinstance(staff, Response):
        return staff
    if staff.role != "safeguarding_lead":
        return error(403, "forbidden", "only the safeguarding lead sees escalations")
    return staff


async def list_escalations(request: Request) -> Response:
    lead = await _lead(request)
    if isinstance(lead, Response):
        return lead
    open_only = request.query_params.get("all") not in ("1", "true")
    found = await services(request).store.safeguarding.escalations(open_only=open_only)
    return JSONResponse({"escalations": [as_json(e, full=False) for e in found]})


async def get_escalation(request: Request) -> Response:
    lead = await _lead(request)
    if isinstance(lead, Response):
        return lead
    found = await services(request).store.safeguarding.escalation(request.path_params["id"])
    if found is None:
        return error(404, "not_found", "no such escalation")
    return JSONResponse(as_json(found, full=True))


async def change_escalation(request: Request) -> Response:
    if not origin_allowed(request):
        return error(403, "forbidden", "requests must come from Hearth's own pages")
    lead = await _lead(request)
    if isinstance(lead, Response):
        return lead
    try:
        body = msgspec.json.decode(await request.body() or b"{}", type=ChangeBody)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        return error(400, "bad_request", str(exc)[:200])
    try:
        changed = await services(request).safeguarding.change(
            request.path_params["id"], lead.username, state=body.state,
            outcome=body.outcome, note=body.note[:4000], at=datetime.now(UTC))
    except LookupError:
        return error(404, "not_found", "no such escalation")
    except EscalationError as exc:
        return error(409, "invalid_state", str(exc))
    return JSONResponse(as_json(changed, full=True))


async def stream(request: Request) -> Response:
    """Server-sent events: every escalation raised or changed, on any node."""
    lead = await _lead(request)
    if isinstance(lead, Response):
        return lead
    svc = services(request)
    try:
        subscription = await svc.bus.subscribe(ESCALATIONS_CHANNEL)
    except BusError:
        return error(503, "unavailable", "live updates are unavailable; reload later")
    async def snapshot() -> str:
        open_now = await svc.store.safeguarding.escalations()
        data = msgspec.json.encode({"open": [as_json(e, full=False) for e in open_now]})
        return f"event: snapshot\ndata: {data.decode()}\n\n"

    first = await snapshot()

    async def events() -> AsyncIterator[str]:
        try:
            # A browser that loses the stream reconnects after this long (and gets a
            # snapshot first, so nothing raised meanwhile is missed).
            yield f"retry: {RECONNECT_MS}\n{first}"
            gaps = subscription.gaps
            quiet = 0.0
            while True:
                try:
                    _, payload = await asyncio.wait_for(subscription.get(), GAP_CHECK_SECONDS)
                except TimeoutError:
                    payload = None
                except BusClosed:
                    return  # the browser reconnects, and starts with a snapshot
                if subscription.gaps != gaps:
                    # The bus lost messages (a Redis outage): whatever was raised or
                    # changed meanwhile is in a fresh snapshot, read after the gap (and
                    # read again next time round if the database cannot answer now).
                    seen = subscription.gaps
                    try:
                        fresh = await snapshot()
                    except Exception:
                        log.warning("could not reload escalations after a bus gap")
                    else:
                        gaps = seen
                        yield fresh
                if payload is not None:
                    quiet = 0.0
                    yield f"event: escalation\ndata: {payload.decode()}\n\n"
                    continue
                quiet += GAP_CHECK_SECONDS
                if quiet >= HEARTBEAT_SECONDS:
                    quiet = 0.0
                    yield ": still here\n\n"
        finally:
            with contextlib.suppress(Exception):
                await subscription.aclose()

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


# -- pages -----------------------------------------------------------------------------


async def _lead_page_staff(request: Request) -> Staff | Response:
    """The logged-in lead, or the response for anyone else (login, or a kind refusal)."""
    return await staff_in_role(request, "safeguarding_lead",
                               N_("This page is for the safeguarding lead."))


# The escalation's state in a lead's words (the codes are for the API and the audit).
STATE_WORDS = {"raised": N_("New: not picked up yet"), "acknowledged": N_("Picked up"),
               "action_taken": N_("Action taken"), "closed": N_("Closed")}


def _words(category: str) -> str:
    return _(CATEGORY_WORDS.get(category, category.replace("_", " ")))


def about_words(categories: tuple[str, ...]) -> str:
    """"suicide, immediate_danger" -> 'thoughts of suicide, immediate danger'."""
    return _(", ").join(_words(c) for c in categories) or _("no category given")


async def presence(request: Request, escalation: Escalation) -> tuple[str, bool]:
    """Whether the person is still in the group, in words, and whether its session is running
    (so the lead can go to it). Rooms run in this process: with several nodes this becomes a
    question for the node that holds the room."""
    svc = services(request)
    room = svc.hub.room(escalation.room_id)
    if room is None or room.ended:
        return _("The group's session isn't running now."), False
    name = escalation.participant_name
    alert = (await svc.store.safeguarding.alert(escalation.alert_id)
             if escalation.alert_id else None)
    if alert is None:
        return _("The group's session is running now."), True
    where = room.place_of(alert.participant_id)
    if where == "room":
        return _("{name} is in the group now.", name=name), True
    if where == "lobby":
        return _("{name} is in the waiting room now.", name=name), True
    return _("{name} isn't connected to the group now (they left, or lost their connection).",
             name=name), True


def signal_words(signal: str) -> str:
    """"rule:suicide.passive_wish" -> 'Rule "passive wish" (thoughts of suicide)'."""
    kind, _sep, name = signal.partition(":")
    if kind == "rule":
        category, _sep, rule = name.partition(".")
        return _("Rule “{rule}” ({about})", rule=rule.replace("_", " "), about=_words(category))
    if kind == "model":
        return _("The model: sounded like {about}", about=_words(name))
    return _("Something the screen missed (nothing was flagged)")


def screen_tables(counts: list[FeedbackCount]) -> list[dict[str, Any]]:
    """One table per model version: a row per signal with its right calls, false alarms
    and misses. The newest version (their names sort by date) comes first."""
    tables: dict[str, dict[str, dict[str, Any]]] = {}
    for c in counts:
        rows = tables.setdefault(c.model_version, {})
        row = rows.setdefault(c.signal, {"signal": signal_words(c.signal), "right": 0,
                                         "false_alarm": 0, "missed": 0})
        row[c.verdict] = row.get(c.verdict, 0) + c.count
    return [{"version": version,
             # Rules, then the model, then what was missed (it belongs to no signal).
             "rows": [row for _, row in sorted(rows.items(), key=lambda kv: (
                 kv[0] == "-", kv[0].startswith("model:"), kv[0]))]}
            for version, rows in sorted(tables.items(), reverse=True)]


async def lead_page(request: Request) -> Response:
    staff = await _lead_page_staff(request)
    if isinstance(staff, Response):
        return staff
    records = services(request).store.safeguarding
    everything = await records.escalations(open_only=False)
    return await render(request, "lead.html", staff=staff, state_words=STATE_WORDS,
                  about_words=about_words, outcomes=OUTCOMES,
                  # For lead.js: the words of escalations that arrive live, in this language.
                  live_words={"categories": category_words(),
                              "states": {k: _(v) for k, v in STATE_WORDS.items()}},
                  open=[e for e in everything if e.state != "closed"],
                  closed=[e for e in everything if e.state == "closed"][:50],
                  screen=screen_tables(await records.feedback_counts()),
                  # The lead is on call for every group: today's sessions of them all
                  # (the page shows no group's next meeting).
                  agenda=await schedule.agenda(services(request).store,
                                               await services(request).store.rooms(),
                                               upcoming=False))


async def asked_about(svc: Services, staff: Staff,
                      escalation: Escalation) -> dict[str, str] | None:
    """A coordinator asked the lead about a request for one-to-one support: what she
    would like help with, her language and group, for the lead (never how to reach her;
    the reading is audited: ``referring.read_need``). None for any other escalation."""
    if escalation.alert_id is None:
        return None
    referral = await svc.store.referrals.for_alert(escalation.alert_id)
    if referral is None:
        return None
    try:
        need = await referring.read_need(svc.store, staff, referral)
    except ContactUnreadable:
        need = None
    return {"language": i18n.language_name(referral.language),
            "audience": i18n.tr(AUDIENCE_CHOICES.get(referral.audience, referral.audience)),
            "need": need or "—"}


async def escalation_page(request: Request) -> Response:
    staff = await _lead_page_staff(request)
    if isinstance(staff, Response):
        return staff
    svc = services(request)
    found = await svc.store.safeguarding.escalation(request.path_params["id"])
    if found is None:
        return await render(request, "home.html", status=404, staff=staff,
                      message=N_("There is no such escalation."))
    room = await svc.store.room(found.room_id, include_archived=True)
    words = {"state_words": STATE_WORDS, "about_words": about_words,
             "referral": await asked_about(svc, staff, found)}
    message = None
    status = 200
    if request.method == "POST":
        if not await csrf_ok(request):
            where, running = await presence(request, found)
            return await render(request, "lead_escalation.html", status=403, staff=staff,
                          escalation=found, room=room, states=STATES, outcomes=OUTCOMES,
                          where=where, running=running, **words,
                          message=N_("That form had expired. Please try again."))
        form = await request.form()
        try:
            found = await svc.safeguarding.change(
                found.id, staff.username, state=str(form.get("state") or "") or None,
                outcome=str(form.get("outcome") or "") or None,
                note=str(form.get("note") or "")[:4000], at=datetime.now(UTC))
            message = N_("Saved.")
        except EscalationError as exc:
            message, status = str(exc), 409
    where, running = await presence(request, found)
    return await render(request, "lead_escalation.html", status=status, staff=staff,
                  escalation=found, room=room, states=STATES, outcomes=OUTCOMES,
                  where=where, running=running, **words, message=message)


routes = [
    Route("/api/escalations", list_escalations),
    Route("/api/escalations/stream", stream),
    Route("/api/escalations/{id}", get_escalation, methods=["GET"]),
    Route("/api/escalations/{id}", change_escalation, methods=["POST"]),
    Route("/lead", lead_page),
    Route("/lead/escalations/{id}", escalation_page, methods=["GET", "POST"]),
]
