"""The anonymous impact report (issue 13, part 5), for admins and coordinators.

- ``/reports/impact``: the page, with a period to choose, charts by month and tables by
  audience; every figure is a count (1 to 4 shown as "<5"), never a name, excerpt or group.
- ``GET /api/reports/impact?from=YYYY-MM-DD&to=YYYY-MM-DD``: the same report as JSON, or as
  CSV with ``&format=csv`` (one figure a row), for a commissioner's spreadsheet.
- ``POST /api/check-in`` ``{"token", "answer"}``: a parent's anonymous answer, as she
  leaves, to "How do you feel now compared with when you came in?" (``better``, ``same``,
  ``worse``). Her room token says which group; only the answer and the session are kept.

What is counted and how is ``server/programme/impact.py``'s.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.auth.tokens import BadToken
from server.http.account import api_staff
from server.http.api import own_json
from server.http.common import (
    error,
    services,
)
from server.http.pages import render, staff_in_role
from server.i18n import N_
from server.programme import impact
from server.programme.attendance import check_in_who
from server.safeguarding.escalation import OUTCOMES
from server.safeguarding.words import CATEGORY_WORDS
from server.store.db import AUDIENCES
from server.store.impact import CHECK_IN_ANSWERS

__all__ = ["routes"]

READERS = ("admin", "coordinator")
REFUSAL = N_("The impact report is for admins and coordinators.")
# The page's words for what a bar or a row counts (the JSON keeps its plain keys).
AUDIENCE_WORDS = {"mothers": N_("Mums"), "fathers_partners": N_("Dads and partners"),
                  "everyone": N_("Parents")}
ANSWER_WORDS = {"better": N_("Better"), "same": N_("About the same"), "worse": N_("Worse")}
SEVERITY_WORDS = {"urgent": N_("Urgent"), "concern": N_("Concern (a quiet check-in)")}
OUTCOME_WORDS = {**OUTCOMES, "open": N_("Still open"),
                 "no_outcome": N_("Closed with no outcome recorded")}
CHART_HEIGHT = 120  # the tallest bar, in the SVG's units


async def _report(request: Request) -> dict[str, Any]:
    """The report for the request's ``from`` and ``to`` (ValueError: bad dates)."""
    svc = services(request)
    span = impact.period(request.query_params.get("from"), request.query_params.get("to"),
                         datetime.now(UTC).date())
    rows = await svc.store.impact.rows(span.since, span.until)
    return impact.report(rows, span, AUDIENCES)


class CheckInBody(msgspec.Struct, forbid_unknown_fields=True):
    token: str
    answer: str


async def check_in(request: Request) -> Response:
    svc = services(request)
    body = await own_json(request, CheckInBody)
    if isinstance(body, JSONResponse):
        return body
    if body.answer not in CHECK_IN_ANSWERS:
        return error(400, "bad_request", f"answer is one of {', '.join(CHECK_IN_ANSWERS)}")
    try:
        # Accepted a little past the token's life: she may answer after a long session.
        who, _ = svc.signer.read_room_token(body.token, svc.settings.join_token_ttl + 3600)
    except BadToken:
        return error(401, "unauthorized", "this check-in's link has expired")
    if who.role != "participant":
        return error(403, "forbidden", "check-ins are for the parents in a group")
    now = datetime.now(UTC)
    held_id = await svc.store.impact.session_for_check_in(who.room_id, now)
    if held_id is None:
        return error(404, "not_found", "no session of this group to check in from")
    kept = await svc.store.impact.checked_in(
        held_id, check_in_who(svc.signer.secret_key.encode(), held_id, who.participant_id),
        body.answer, now)
    # Answered twice (a second tab): the first answer stands, and nobody needs telling.
    return JSONResponse({"kept": kept}, status_code=201 if kept else 200)


async def impact_api(request: Request) -> Response:
    staff = await api_staff(request)
    if isinstance(staff, Response):
        return staff
    if staff.role not in READERS:
        return error(403, "forbidden", "the impact report is for admins and coordinators")
    wanted = request.query_params.get("format", "json")
    if wanted not in ("json", "csv"):
        return error(400, "bad_request", "format is json or csv")
    try:
        found = await _report(request)
    except ValueError as exc:
        return error(400, "bad_request", str(exc))
    headers = {"Cache-Control": "no-store"}
    if wanted == "csv":
        name = f"hearth-impact-{found['from']}-to-{found['to']}.csv"
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return Response(impact.csv_text(found), media_type="text/csv; charset=utf-8",
                        headers=headers)
    return JSONResponse(found, headers=headers)


def _value(shown: int | str) -> int:
    """A bar's height for a count as shown: a suppressed one gets a token bar."""
    return 2 if isinstance(shown, str) else shown


def _bars(by_month: dict[str, dict[str, Any]], months: list[str]) -> list[dict[str, Any]]:
    """One bar per month (its total), scaled to the tallest."""
    tallest = max([_value(by_month[m]["total"]) for m in months] + [1])
    return [{"month": m, "shown": by_month[m]["total"],
             "height": round(CHART_HEIGHT * _value(by_month[m]["total"]) / tallest, 1)}
            for m in months]


async def impact_page(request: Request) -> Response:
    staff = await staff_in_role(request, READERS, REFUSAL)
    if isinstance(staff, Response):
        return staff
    query = {k: request.query_params.get(k, "") for k in ("from", "to")}
    try:
        found = await _report(request)
    except ValueError as exc:
        return await render(request, "reports_impact.html", status=400, staff=staff,
                            query=query, problem=str(exc), report=None)
    months = found["months"]
    charts = {name: _bars(found[name]["by_month"], months)
              for name in ("sessions", "attendances", "alerts")}
    return await render(request, "reports_impact.html", staff=staff, query=query,
                        report=found, charts=charts, chart_height=CHART_HEIGHT,
                        audience_words=AUDIENCE_WORDS, answer_words=ANSWER_WORDS,
                        severity_words=SEVERITY_WORDS, category_words=CATEGORY_WORDS,
                        outcome_words=OUTCOME_WORDS,
                        problem=None)


routes = [
    Route("/reports/impact", impact_page, methods=["GET"]),
    Route("/api/reports/impact", impact_api, methods=["GET"]),
    Route("/api/check-in", check_in, methods=["POST"]),
]
