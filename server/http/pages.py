"""The HTML pages (Jinja2). Forms that change state carry a CSRF token.

CSRF is a signed double submit: the page sets a random nonce in an HttpOnly,
SameSite=Strict cookie and puts a signed copy in the form; a post is accepted
only when the two match. JSON calls from the pages use the Origin check instead.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from server import i18n
from server.auth import staff as staff_auth
from server.auth import totp
from server.auth.tokens import BadToken
from server.http import schedule, volunteering
from server.http.common import (
    CSRF_COOKIE,
    LOGIN_CODE_AGE,
    LOGIN_CODE_COOKIE,
    SESSION_COOKIE,
    client_key,
    current_staff,
    delete_cookie,
    get_cookie,
    invited_room,
    login_allowed,
    services,
    set_cookie,
    staff_names,
)
from server.http.where import rooms_now
from server.i18n import N_
from server.rooms.names import pseudonyms
from server.rooms.schedule import timezone
from server.safeguarding.words import category_words
from server.store.db import Staff

WEB = Path(__file__).resolve().parent.parent.parent / "web"
templates = Jinja2Templates(directory=str(WEB / "templates"))


def _utc_iso(when: datetime) -> str:
    """A stored time as ISO 8601 in UTC, with its offset (SQLite hands times back naive)."""
    return (when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)).isoformat()


# <time datetime="{{ t|utc_iso }}" data-local>: web/static/local-time.js shows it in local time.
templates.env.filters["utc_iso"] = _utc_iso


def _zone_time(when: datetime, zone: str, style: i18n.WhenStyle = "meeting") -> str:
    """A time as ``zone``'s clock says it, in the page's language ("Tue 8 Dec 10:00 GMT",
    "wt., 8 gru 10:00 GMT"): what a page says before (or without) its script putting it
    in the reader's local time. ``style``: as ``i18n.when_words``."""
    return i18n.when_words(when, style, timezone(zone))


templates.env.filters["zone_time"] = _zone_time

# The pages' words in the request's language (server/i18n.py); render() chooses it.
templates.env.add_extension("jinja2.ext.i18n")
# {% trans %} blocks lose their line breaks and indentation, as the extractor reads them.
templates.env.policies["ext.i18n.trimmed"] = True
# A role in a sentence ("Logged in as sam (facilitator)") and as a title ("Facilitator",
# on an account's card): role_words[role], role_title(role).
ROLE_WORDS = {"facilitator": N_("facilitator"), "safeguarding_lead": N_("safeguarding lead"),
              "admin": N_("admin"), "coordinator": N_("coordinator")}
ROLE_TITLES = {"facilitator": N_("Facilitator"), "safeguarding_lead": N_("Safeguarding lead"),
               "admin": N_("Admin"), "coordinator": N_("Coordinator")}


def role_title(role: str) -> str:
    """A role as a title, in the page's language (a role Hearth has no words for: its
    code, readable)."""
    title = ROLE_TITLES.get(role)
    return i18n.tr(title) if title else role.replace("_", " ").capitalize()


templates.env.globals["role_words"] = ROLE_WORDS
templates.env.globals["role_title"] = role_title
# tr(value): a message held in a variable (marked with N_ where it is written). Unlike _(),
# never %-formatted, so a message with a "%" in it is shown as it is; an i18n.Phrase (a
# message with its placeholders' values) is translated, then filled in.
templates.env.globals["tr"] = i18n.tr
templates.env.install_gettext_callables(  # type: ignore[attr-defined]
    i18n.gettext,
    lambda one, many, n: i18n.translations(i18n.current().code).ungettext(one, many, n),
    newstyle=True)
CSRF_AGE = 2 * 3600

# The pages each role may use, in the order its navigation shows them (with Log out after).
# A coordinator runs the programme around the groups (volunteers' profiles, training and
# supervision) and gets only that: not /staff (every group's invite links, which are ways
# in), not /admin/* (accounts, passwords, roles, groups: the admin's), not /lead
# (escalations' contents: the safeguarding lead's). An admin sees the volunteers too:
# they could make themselves a coordinator's account anyway, and in a small charity the
# admin is often the one who keeps the training records. Those who take part in groups (a
# facilitator, the lead) have "Your hours": their time in groups and their debriefs.
STAFF_NAV: dict[str, tuple[tuple[str, str], ...]] = {
    "facilitator": (("/staff", N_("Your groups")), ("/account/one-to-one", N_("One-to-one")),
                    ("/account/training", N_("Your training")),
                    ("/account/hours", N_("Your hours")),
                    (staff_auth.CHANGE_PASSWORD, N_("Change password")),
                    (staff_auth.TWO_FACTOR, N_("Two-step login"))),
    "safeguarding_lead": (("/lead", N_("Escalations")), ("/staff", N_("Groups")),
                          ("/account/hours", N_("Your hours")),
                          (staff_auth.CHANGE_PASSWORD, N_("Change password")),
                          (staff_auth.TWO_FACTOR, N_("Two-step login"))),
    "admin": (("/admin/directory", N_("Directory")), ("/admin/rooms", N_("Manage groups")),
              ("/admin/staff", N_("Staff accounts")), ("/staff", N_("Groups")),
              ("/coordinator/volunteers", N_("Volunteers")),
              ("/reports/impact", N_("Impact report")),
              (staff_auth.CHANGE_PASSWORD, N_("Change password")),
              (staff_auth.TWO_FACTOR, N_("Two-step login"))),
    "coordinator": (("/coordinator/volunteers", N_("Volunteers")),
                    ("/coordinator/referrals", N_("One-to-one requests")),
                    ("/reports/impact", N_("Impact report")),
                    (staff_auth.CHANGE_PASSWORD, N_("Change password")),
                    (staff_auth.TWO_FACTOR, N_("Two-step login"))),
}
# Every role's last link: their own data, to download, and their account's deletion.
YOUR_DATA = "/account/data"
STAFF_NAV = {role: (*links, (YOUR_DATA, N_("Your data"))) for role, links in STAFF_NAV.items()}
# Confirmations a redirect may ask for (``?notice=...``): fixed words, never echoed input.
NOTICES = {"password-changed": N_("Your password has been changed. You're still logged in "
                                  "here, and logged out everywhere else."),
           "two-factor-on": N_("Two-step login is set up. From now on you'll be asked for a "
                               "code from your app each time you log in.")}

# Whole sentences per audience (word order differs between languages: never glue them).
JOIN_LEAD = {
    "mothers": N_("A peer-support group for mums, run by trained volunteers who have been "
                  "there too."),
    "fathers_partners": N_("A peer-support group for dads and partners, run by trained "
                           "volunteers who have been there too."),
    "everyone": N_("A peer-support group for parents, run by trained volunteers who have been "
                   "there too."),
    # A one-to-one room (issue 13, part 2): whoever its audience, just her and her volunteer.
    "one_to_one": N_("Your one-to-one support: just you and a trained volunteer who has been "
                     "there too."),
}
AUDIENCE_FOR = {
    "mothers": N_("For mums"),
    "fathers_partners": N_("For dads and partners"),
    "everyone": N_("For parents"),
}


def staff_nav(staff: Staff, path: str, required_2fa: tuple[str, ...] = ()
              ) -> list[dict[str, str]]:
    """The navigation links for ``staff`` on the page at ``path``. ``current`` is the
    value of ``aria-current``: "page" for this very page, "true" for its section (an
    escalation under Escalations), "" otherwise. Until a generated password is
    changed, only Change password leads anywhere, so only it is shown; likewise Two-step
    login until a member whose role needs it has set it up."""
    links = STAFF_NAV.get(staff.role, ())
    if staff.must_change_password:
        links = tuple(link for link in links if link[0] == staff_auth.CHANGE_PASSWORD)
    elif staff_auth.needs_enrolment(staff, required_2fa):
        links = tuple(link for link in links if link[0] == staff_auth.TWO_FACTOR)
    items = []
    for href, label in links:
        current = "page" if path == href else "true" if path.startswith(href + "/") else ""
        items.append({"href": href, "label": label, "current": current})
    return items


async def render(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    """Render with a fresh CSRF pair (every page may hold a form).

    A page that passes ``staff`` gets the staff navigation. A safeguarding lead gets
    the live escalations banner on every page (``lead_live``); only a request with a
    session cookie pays for the lookup.
    """
    svc = services(request)
    staff = context.get("staff")
    if staff is not None:
        context["staff_nav"] = staff_nav(staff, request.url.path, svc.settings.require_2fa)
    elif get_cookie(request, SESSION_COOKIE):
        staff = await current_staff(request)
    # Until the password is changed the stream refuses them; the banner would only fail.
    context["lead_live"] = (staff is not None and staff.role == "safeguarding_lead"
                            and not staff.must_change_password
                            and not staff_auth.needs_enrolment(staff, svc.settings.require_2fa))
    if "done" not in context:
        context["done"] = NOTICES.get(request.query_params.get("notice", ""))
    nonce = get_cookie(request, CSRF_COOKIE) or secrets.token_urlsafe(18)
    context["csrf_token"] = svc.signer.csrf_token(nonce)
    # The language: chosen for the request by i18n.LanguageMiddleware.
    context["lang"] = i18n.current()
    context["languages"] = i18n.LANGUAGES.values()
    context["words_url"] = i18n.browser_words_url(i18n.current().code)
    response = templates.TemplateResponse(request, name, context, status_code=status)
    set_cookie(response, request, CSRF_COOKIE, nonce, CSRF_AGE)
    return response


async def csrf_ok(request: Request) -> bool:
    form = await request.form()
    token = form.get("csrf_token")
    nonce = get_cookie(request, CSRF_COOKIE)
    return bool(isinstance(token, str) and nonce and services(request).signer.csrf_matches(
        token, nonce, CSRF_AGE))


async def home(request: Request) -> Response:
    return await render(request, "home.html", staff=await current_staff(request))


async def join_page(request: Request) -> Response:
    svc = services(request)
    code = request.path_params["code"]
    found = await invited_room(svc.store, code)
    if found is None:
        return await render(request, "join_invalid.html", status=404)
    _invite, room = found
    if room.archived:
        return await render(request, "join_invalid.html", status=410, archived=True)
    return await render(request, "join.html", room=room, invite=code,
                        when=await schedule.timing(svc.store, room),
                        agreement=agreement_lines(room.agreement),
                        suggestions=pseudonyms(6, await staff_names(svc, room.id)),
                        lead_words=JOIN_LEAD["one_to_one"] if room.one_to_one
                        else JOIN_LEAD.get(room.audience, JOIN_LEAD["everyone"]),
                        retention_days=svc.settings.retention_days)


def agreement_lines(text: str | None) -> list[str]:
    """A group's own agreement as its join page lists it: one rule a line, blank lines
    left out and a leading "-", "*" or "•" (how people type a list) taken off. Plain
    text: the template escapes it. Empty: the page shows the standard agreement."""
    lines = (line.strip().lstrip("-*•").strip() for line in (text or "").splitlines())
    return [line for line in lines if line]


async def room_page(request: Request) -> Response:
    # The page learns its room from the token in sessionStorage, so it cannot know the
    # audience here; the general help contacts are shown when someone's session ends. Nor
    # its kind: the page that sent them (the join page, /staff, /account/one-to-one) kept
    # it with the session, and room.js speaks of a conversation in a one-to-one room.
    return await render(request, "room.html", category_words=category_words(),
                        support=services(request).directory.for_help("everyone"))


async def staff_for_page(request: Request, *, changing_password: bool = False,
                         enrolling: bool = False) -> Staff | Response:
    """The logged-in staff member, or where to send them instead: the login page;
    while their generated password is unchanged, the change-password page (which
    passes ``changing_password=True``); then, while their role needs two-step login
    and they have not set it up, the set-up page (``enrolling=True``)."""
    staff = await current_staff(request)
    if staff is None:
        return RedirectResponse("/login", status_code=303)
    if staff.must_change_password and not changing_password:
        return RedirectResponse(staff_auth.CHANGE_PASSWORD, status_code=303)
    if (not staff.must_change_password and not enrolling
            and staff_auth.needs_enrolment(staff, services(request).settings.require_2fa)):
        return RedirectResponse(staff_auth.TWO_FACTOR, status_code=303)
    return staff


async def staff_in_role(request: Request, role: str | tuple[str, ...],
                        refusal: str) -> Staff | Response:
    """``staff_for_page``, then a kind 403 (``refusal``) for anyone whose role is not
    ``role`` (or one of them): the gate of the lead's, the admin's and the coordinator's
    pages."""
    staff = await staff_for_page(request)
    if isinstance(staff, Response):
        return staff
    if staff.role not in ((role,) if isinstance(role, str) else role):
        return await render(request, "home.html", status=403, staff=staff, message=refusal)
    return staff


async def login_page(request: Request) -> Response:
    staff = await current_staff(request)
    if staff is not None:
        return RedirectResponse(
            staff_auth.landing(staff, services(request).settings.require_2fa), status_code=303)
    return await render(request, "login.html")


async def login_form(request: Request) -> Response:
    svc = services(request)
    if not await csrf_ok(request):
        return await render(request, "login.html", status=403,
                       message=N_("This form had expired. Please try again."))
    form = await request.form()
    if not await login_allowed(request, str(form.get("username", ""))):
        return await render(request, "login.html", status=429,
                       message=N_("Too many attempts. Please wait a minute and try again."))
    staff = await staff_auth.check_password(svc.store, str(form.get("username", "")),
                                            str(form.get("password", "")))
    if staff is None:
        return await render(request, "login.html", status=401,
                       message=N_("That username and password do not match."))
    if staff.two_factor:
        # The password was right; the session starts only once a code is given too.
        response = RedirectResponse("/login/code", status_code=303)
        set_cookie(response, request, LOGIN_CODE_COOKIE, svc.signer.login_pending(staff.id),
                   LOGIN_CODE_AGE)
        return response
    return await _logged_in(request, staff)


async def _logged_in(request: Request, staff: Staff) -> Response:
    svc = services(request)
    cookie = await staff_auth.open_session(svc.store, svc.signer, staff,
                                           svc.settings.staff_session_ttl)
    response = RedirectResponse(staff_auth.landing(staff, svc.settings.require_2fa),
                                status_code=303)
    set_cookie(response, request, SESSION_COOKIE, cookie, int(svc.settings.staff_session_ttl))
    delete_cookie(response, request, LOGIN_CODE_COOKIE)
    return response


async def _pending_login(request: Request) -> Staff | None:
    """Who gave the right password in this browser in the last few minutes, or None."""
    svc = services(request)
    try:
        staff_id = svc.signer.read_login_pending((get_cookie(request, LOGIN_CODE_COOKIE) or ""),
                                                 LOGIN_CODE_AGE)
    except BadToken:
        return None
    staff = await svc.store.staff_by_id(staff_id)
    return staff if staff is not None and not staff.disabled and staff.two_factor else None


async def login_code(request: Request) -> Response:
    """The second step of logging in: the code from the member's authenticator app."""
    svc = services(request)
    staff = await _pending_login(request)
    if staff is None:
        return RedirectResponse("/login", status_code=303)
    if request.method == "GET":
        return await render(request, "login_code.html")
    if not await csrf_ok(request):
        return await render(request, "login_code.html", status=403,
                            message=N_("This form had expired. Please try again."))
    # The login limiter's budget, per address and per account: six digits are guessable
    # only at a rate nobody is given.
    if not await svc.login_limiter.allow(client_key(request), f"staff:{staff.id}"):
        svc.metrics.http_limited.labels("login").inc()
        return await render(request, "login_code.html", status=429,
                            message=N_("Too many attempts. Please wait a minute and try again."))
    form = await request.form()
    box = totp.SecretBox(svc.signer.secret_key)
    if not await staff_auth.check_code(svc.store, box, staff, str(form.get("code", ""))):
        return await render(request, "login_code.html", status=401,
                            message=N_("That code did not work. Please type the 6-digit code "
                                    "your app shows now; each code works once."))
    return await _logged_in(request, staff)


async def logout_form(request: Request) -> Response:
    svc = services(request)
    if not await csrf_ok(request):
        return await render(request, "home.html", status=403, staff=await current_staff(request),
                       message=N_("That form had expired. Please try again."))
    ended = await staff_auth.logout(svc.store, svc.signer, get_cookie(request, SESSION_COOKIE),
                                    svc.settings.staff_session_ttl)
    if ended is not None:
        svc.hub.close_staff(ended.id, "you logged out")
    response = RedirectResponse("/", status_code=303)
    delete_cookie(response, request, SESSION_COOKIE)
    return response


async def staff_page(request: Request) -> Response:
    # Every role but the coordinator's (see STAFF_NAV): the groups and their invite links.
    staff = await staff_in_role(request, ("facilitator", "safeguarding_lead", "admin"),
                                N_("This page is for facilitators, the safeguarding lead and "
                                   "admins."))
    if isinstance(staff, Response):
        return staff
    svc = services(request)
    rooms = []
    # A facilitator sees the groups they are assigned to, and only their invite links; a
    # lead may join any room as facilitator (ARCHITECTURE.md), an admin sees every room
    # and its invite links.
    records = (await svc.store.rooms_for(staff.id) if staff.role == "facilitator"
               else await svc.store.rooms())
    # Which groups are running now, on any node, and (with several nodes) where.
    now = await rooms_now(svc, [record.id for record in records])
    links = await svc.store.live_invites([record.id for record in records])
    for record in records:
        invites = links[record.id]
        rooms.append({
            "room": record,
            "live": now[record.id].live,
            "node": now[record.id].node,
            "audience_words": AUDIENCE_FOR.get(record.audience, AUDIENCE_FOR["everyone"]),
            "one_to_one": record.one_to_one,
            "links": [f"{svc.settings.public_url}/join/{i.code}" for i in invites],
        })
    return await render(request, "staff.html", staff=staff, rooms=rooms,
                        agenda=await schedule.agenda(svc.store, records),
                        heading=N_("Your groups") if staff.role == "facilitator" else N_("Groups"),
                        can_facilitate=staff.role in ("facilitator", "safeguarding_lead"),
                        training=await volunteering.facilitator_notice(svc, staff))


async def choose_language(request: Request) -> Response:
    """The switcher on every page: ``/language?set=ur&next=/join/abc``. The choice is kept
    for this browser session only (no date: it goes when the browser closes), and ``next``
    must be a path on this site, so the link cannot send anyone elsewhere."""
    code = request.query_params.get("set", "")
    back = request.query_params.get("next", "/")
    if not back.startswith("/") or back.startswith("//") or "\\" in back:
        back = "/"
    response = RedirectResponse(back, status_code=303)
    if code in i18n.LANGUAGES:
        # Lax: an invite link opened from a message app still arrives in her language.
        set_cookie(response, request, i18n.COOKIE, code, None, samesite="lax")
    return response


async def browser_words(request: Request) -> Response:
    """``/i18n/<lang>.<hash>.json``: the browser's words; the name changes with them."""
    code, _, rest = request.path_params["name"].partition(".")
    if code not in i18n.LANGUAGES or code == i18n.DEFAULT:
        return Response("no such language", status_code=404)
    body, digest = i18n.browser_words(code)
    if rest != f"{digest}.json":
        return Response(status_code=404)
    return Response(body, media_type="application/json", headers={
        "Cache-Control": "public, max-age=31536000, immutable"})


routes = [
    Route("/language", choose_language),
    Route("/i18n/{name}", browser_words),
    Route("/", home),
    Route("/join/{code}", join_page),
    Route("/room", room_page),
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login_form, methods=["POST"]),
    Route("/login/code", login_code, methods=["GET", "POST"]),
    Route("/logout", logout_form, methods=["POST"]),
    Route("/staff", staff_page),
]
