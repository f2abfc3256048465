"""Small helpers shared by the JSON API and the pages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.auth.tokens import BadToken
from server.rooms.names import stable_pseudonym
from server.services import Services
from server.store.db import Invite, RoomRecord, Staff, Store

SESSION_COOKIE = "hearth_session"
# Right password, code still to come (server/auth/tokens.py ``login_pending``): 5 minutes.
LOGIN_CODE_COOKIE = "hearth_login"
LOGIN_CODE_AGE = 5 * 60
DEVICE_COOKIE = "hearth_device"
CSRF_COOKIE = "hearth_csrf"
# A device cookie keeps a banned browser out; it lasts a month, not forever.
DEVICE_COOKIE_AGE = 30 * 24 * 3600


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


def error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    """PROTOCOL.md: every JSON error is ``{"error": {"code", "message"}}``, with ``extra``
    beside them where an error says more (``not_open``'s times, ``training_required``'s
    modules)."""
    return JSONResponse({"error": {"code": code, "message": message, **extra}},
                        status_code=status)


async def invited_room(store: Store, code: str) -> tuple[Invite, RoomRecord] | None:
    """The invite ``code`` (cut at 128 characters) and its group, archived or not; None
    when the code is unknown or revoked. Each caller says what an archived group means."""
    invite = await store.invite(code[:128])
    if invite is None or invite.revoked:
        return None
    room = await store.room(invite.room_id, include_archived=True)
    return None if room is None else (invite, room)


def password_change_required() -> JSONResponse:
    """While a generated password (the demo's) is unchanged, session APIs refuse."""
    return error(403, "password_change_required",
                 "please choose a new password at /account/password first")


def two_factor_required() -> JSONResponse:
    """A member whose role needs two-step login (HEARTH_REQUIRE_2FA) has not set it up."""
    return error(403, "two_factor_required",
                 "please set up two-step login at /account/2fa first")


async def login_allowed(request: Request, username: str) -> bool:
    """Whether a login attempt may go ahead: within the limit for its address and for the
    username it names (known or not, so the answer tells nothing). The address alone
    let one account be tried from many addresses; behind a proxy it lumped everyone.
    Both are counted across every node when Redis is configured (``Limiter``)."""
    svc = services(request)
    if await svc.login_limiter.allow(client_key(request),
                                     f"user:{username.strip().lower()[:64]}"):
        return True
    svc.metrics.http_limited.labels("login").inc()
    return False


def client_key(request: Request) -> str:
    """The rate-limit key: the client address, kept in memory only (invariant 9)."""
    return request.client.host if request.client else "unknown"


def origin_allowed(request: Request) -> bool:
    origin = request.headers.get("origin", "").rstrip("/")
    return origin in services(request).settings.origins


async def current_staff(request: Request) -> Staff | None:
    """The logged-in staff member from the session cookie, or None."""
    cookie = get_cookie(request, SESSION_COOKIE)
    if not cookie:
        return None
    svc = services(request)
    try:
        secret = svc.signer.read_session_cookie(cookie, svc.settings.staff_session_ttl)
    except BadToken:
        return None
    return await svc.store.session_staff(secret, datetime.now(UTC))


def prefixed(name: str, secure: bool) -> str:
    """Behind TLS, ``__Host-`` + ``name``: a browser then keeps the cookie only if it is
    Secure, for this exact host and path /, so no other site on a sibling subdomain can
    plant or overwrite a session, CSRF or device cookie. Plain HTTP cannot use the prefix."""
    return f"__Host-{name}" if secure else name


def cookie_name(request: Request, name: str) -> str:
    return prefixed(name, services(request).settings.secure_cookies)


def get_cookie(request: Request, name: str) -> str | None:
    return request.cookies.get(cookie_name(request, name))


def set_cookie(response: Response, request: Request, name: str, value: str,
               max_age: int | None, samesite: Literal["strict", "lax"] = "strict") -> None:
    """HttpOnly, SameSite=Strict (Lax where a link from elsewhere should carry it), Secure
    when configured: the only way Hearth sets cookies. ``max_age`` None: until the browser
    closes."""
    response.set_cookie(cookie_name(request, name), value, max_age=max_age, httponly=True,
                        samesite=samesite, secure=services(request).settings.secure_cookies,
                        path="/")


def delete_cookie(response: Response, request: Request, name: str) -> None:
    """Removes a cookie ``set_cookie`` made (with the same attributes, or browsers keep it)."""
    response.delete_cookie(cookie_name(request, name), path="/", httponly=True,
                           samesite="strict", secure=services(request).settings.secure_cookies)


async def staff_names(svc: Services, room_id: str) -> list[str]:
    """The names staff go by in a room: each account's made-up one, and those chosen by the
    staff in its live session. A parent may neither take one nor be given one."""
    names = [stable_pseudonym(staff_id) for staff_id in await svc.store.staff_ids()]
    live = svc.hub.room(room_id)
    return names + (live.staff_names() if live is not None else [])
