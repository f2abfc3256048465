"""A staff member's own account: changing their password (``/account/password``).

A generated password (the demo's) sets ``must_change_password``: until it is
changed every staff page sends them here (``pages.staff_for_page``) and the JSON
APIs that need a session refuse with 403 ``password_change_required``
(``api_staff``).
"""

from __future__ import annotations

import logging
import time

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.auth import staff as staff_auth
from server.auth.passwords import MIN_PASSWORD
from server.http.common import (
    SESSION_COOKIE,
    client_key,
    current_staff,
    error,
    password_change_required,
    services,
)
from server.http.pages import csrf_ok, render, staff_for_page
from server.store.db import Staff

log = logging.getLogger("hearth.account")


async def api_staff(request: Request) -> Staff | Response:
    """The logged-in staff member for a JSON API, or its refusal: 401 without a
    session, 403 ``password_change_required`` while a generated password is unchanged."""
    staff = await current_staff(request)
    if staff is None:
        return error(401, "unauthorized", "please log in")
    if staff.must_change_password:
        return password_change_required()
    return staff


async def _form(request: Request, staff: Staff, status: int = 200,
                message: str | None = None, errors: dict[str, str] | None = None) -> Response:
    return await render(request, "account_password.html", status=status, staff=staff,
                        message=message, errors=errors or {}, min_password=MIN_PASSWORD)


async def password_page(request: Request) -> Response:
    staff = await staff_for_page(request, changing_password=True)
    if isinstance(staff, Response):
        return staff
    if request.method == "GET":
        return await _form(request, staff)
    svc = services(request)
    if not await csrf_ok(request):
        return await _form(request, staff, 403, "This form had expired. Please try again.")
    # The login limiter's budget, per address and per account, so this form is no
    # way round it for guessing someone's current password.
    now = time.monotonic()
    if not (svc.login_limiter.allow(client_key(request), now)
            and svc.login_limiter.allow(f"staff:{staff.id}", now)):
        svc.metrics.http_limited.labels("password").inc()
        return await _form(request, staff, 429,
                           "Too many attempts. Please wait a minute and try again.")
    form = await request.form()
    try:
        await staff_auth.change_password(
            svc.store, svc.signer, staff, request.cookies.get(SESSION_COOKIE, ""),
            current=str(form.get("current", "")), new=str(form.get("new", "")),
            again=str(form.get("again", "")), ttl=svc.settings.staff_session_ttl)
    except staff_auth.PasswordProblems as problems:
        fields = problems.fields
        message = fields.get("form") or ("Your password has not been changed yet. "
                                         + ("Please see the note below." if len(fields) == 1
                                            else "Please see the notes below."))
        return await _form(request, staff, 400, message, fields)
    log.info("password changed", extra={"staff": staff.id})
    return RedirectResponse(f"{staff_auth.LANDING.get(staff.role, '/staff')}"
                            "?notice=password-changed", status_code=303)


routes = [
    Route(staff_auth.CHANGE_PASSWORD, password_page, methods=["GET", "POST"]),
]
