"""A staff member's own account: changing their password (``/account/password``),
setting up two-step login (``/account/2fa``), and their data (``/account/data``): a
download of everything Hearth holds about them, and asking for their account to be
deleted, which an admin confirms on ``/admin/staff`` (``server/auth/erasure.py``).

A generated password (the demo's) sets ``must_change_password``: until it is
changed every staff page sends them here (``pages.staff_for_page``) and the JSON
APIs that need a session refuse with 403 ``password_change_required``
(``api_staff``). The same holds for a member whose role needs two-step login and who
has not set it up (403 ``two_factor_required``).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.auth import erasure, totp
from server.auth import staff as staff_auth
from server.auth.passwords import MIN_PASSWORD
from server.auth.tokens import BadToken
from server.http.admin_common import done, done_words
from server.http.common import (
    SESSION_COOKIE,
    client_key,
    current_staff,
    error,
    get_cookie,
    password_change_required,
    services,
    two_factor_required,
)
from server.http.pages import YOUR_DATA, csrf_ok, render, staff_for_page
from server.i18n import N_
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
    if staff_auth.needs_enrolment(staff, services(request).settings.require_2fa):
        return two_factor_required()
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
        return await _form(request, staff, 403, N_("This form had expired. Please try again."))
    # The login limiter's budget, per address and per account, so this form is no
    # way round it for guessing someone's current password.
    if not await svc.login_limiter.allow(client_key(request), f"staff:{staff.id}"):
        svc.metrics.http_limited.labels("password").inc()
        return await _form(request, staff, 429,
                           "Too many attempts. Please wait a minute and try again.")
    form = await request.form()
    try:
        await staff_auth.change_password(
            svc.store, svc.signer, staff, (get_cookie(request, SESSION_COOKIE) or ""),
            current=str(form.get("current", "")), new=str(form.get("new", "")),
            again=str(form.get("again", "")), ttl=svc.settings.staff_session_ttl)
    except staff_auth.PasswordProblems as problems:
        fields = problems.fields
        message = fields.get("form") or ("Your password has not been changed yet. "
                                         + ("Please see the note below." if len(fields) == 1
                                            else "Please see the notes below."))
        return await _form(request, staff, 400, message, fields)
    log.info("password changed", extra={"staff": staff.id})
    changed = await svc.store.staff_by_id(staff.id) or staff
    return RedirectResponse(f"{staff_auth.landing(changed, svc.settings.require_2fa)}"
                            "?notice=password-changed", status_code=303)


# How long the set-up page's secret stays usable: time to install an app and scan.
ENROL_AGE = 30 * 60


async def _two_factor_form(request: Request, staff: Staff, status: int = 200,
                           message: str | None = None, secret: str | None = None) -> Response:
    svc = services(request)
    context: dict[str, Any] = {"staff": staff, "message": message,
                               "required": staff.role in svc.settings.require_2fa}
    if not staff.two_factor:
        secret = secret or totp.new_secret()
        context.update(
            secret_grouped=totp.grouped(secret),
            qr=totp.qr_data_uri(totp.provisioning_uri(secret, staff.username)),
            enrol_token=svc.signer.enrol_token(staff.id, secret))
    return await render(request, "account_2fa.html", status=status, **context)


async def two_factor_page(request: Request) -> Response:
    """Set up two-step login: a QR code (or the secret to type) for an authenticator app,
    confirmed by one code from it. Open to every role; required for HEARTH_REQUIRE_2FA's."""
    staff = await staff_for_page(request, enrolling=True)
    if isinstance(staff, Response):
        return staff
    if request.method == "GET" or staff.two_factor:
        return await _two_factor_form(request, staff)
    svc = services(request)
    if not await csrf_ok(request):
        return await _two_factor_form(request, staff, 403,
                                      "This form had expired. Please try again.")
    form = await request.form()
    try:
        secret = svc.signer.read_enrol_token(str(form.get("enrol", "")), staff.id, ENROL_AGE)
    except BadToken:
        return await _two_factor_form(request, staff, 400, N_("This set-up had expired. Please "
                                      "scan the new code below and try again."))
    if not await svc.login_limiter.allow(client_key(request), f"staff:{staff.id}"):
        svc.metrics.http_limited.labels("2fa").inc()
        return await _two_factor_form(request, staff, 429, N_("Too many attempts. Please wait a "
                                      "minute and try again."), secret)
    step = totp.matching_step(secret, str(form.get("code", "")))
    if step is None:
        return await _two_factor_form(
            request, staff, 400, "That code did not match. Please type the 6-digit code your "
            "app shows now (it changes every 30 seconds).", secret)
    await svc.store.set_totp(staff.id, totp.SecretBox(svc.signer.secret_key).seal(secret))
    await svc.store.use_totp_step(staff.id, step)  # this code does not log anyone in later
    await svc.store.safeguarding.audit(staff.username, "staff.2fa_enrol", target=staff.id,
                                       detail={"username": staff.username, "role": staff.role})
    log.info("two-step login set up", extra={"staff": staff.id})
    enrolled = await svc.store.staff_by_id(staff.id) or staff
    return RedirectResponse(f"{staff_auth.landing(enrolled, svc.settings.require_2fa)}"
                            "?notice=two-factor-on", status_code=303)


DATA_DONE = {
    "asked": N_("Your request is sent. An admin will confirm it, or tell you why not; "
                "until then your account works as before."),
}
NOT_CONFIRMED = N_("Please tick the box to say you understand, then ask again.")


async def _data_page(request: Request, staff: Staff, status: int = 200,
                     message: str | None = None) -> Response:
    svc = services(request)
    return await render(request, "account_data.html", status=status, staff=staff,
                        message=message, request_state=await svc.store.staff_data.erasure(
                            staff.id), **done_words(request, DATA_DONE))


async def data_page(request: Request) -> Response:
    """What Hearth holds about you: download it; ask for your account to be deleted."""
    staff = await staff_for_page(request)
    if isinstance(staff, Response):
        return staff
    return await _data_page(request, staff)


async def data_download(request: Request) -> Response:
    """Everything Hearth holds about the member, as one JSON file to keep (audited)."""
    staff = await staff_for_page(request)
    if isinstance(staff, Response):
        return staff
    document = await erasure.export(services(request).store, staff, staff.username)
    log.info("data exported", extra={"staff": staff.id})
    return Response(json.dumps(document, ensure_ascii=False, indent=2),
                    media_type="application/json", headers={
                        "Content-Disposition": 'attachment; filename="hearth-my-data.json"',
                        "Cache-Control": "no-store"})


async def delete_request(request: Request) -> Response:
    """Ask for the account to be deleted (a CSRF form with a box to tick)."""
    staff = await staff_for_page(request)
    if isinstance(staff, Response):
        return staff
    if not await csrf_ok(request):
        return await _data_page(request, staff, 403, N_("This form had expired. Please try "
                                                         "again."))
    form = await request.form()
    if form.get("confirm") != "yes":
        return await _data_page(request, staff, 400, NOT_CONFIRMED)
    await erasure.request(services(request).store, staff)
    log.info("account deletion asked for", extra={"staff": staff.id})
    return done(YOUR_DATA, "asked")


routes = [
    Route(staff_auth.CHANGE_PASSWORD, password_page, methods=["GET", "POST"]),
    Route(staff_auth.TWO_FACTOR, two_factor_page, methods=["GET", "POST"]),
    Route(YOUR_DATA, data_page, methods=["GET"]),
    Route(YOUR_DATA + ".json", data_download, methods=["GET"]),
    Route(YOUR_DATA + "/delete", delete_request, methods=["POST"]),
]
