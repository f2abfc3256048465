"""The JSON API of PROTOCOL.md: join, login, logout, staff room tokens, probes."""

from __future__ import annotations

import asyncio
import functools
import gzip
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
from collections.abc import Callable
from importlib import resources
from typing import Any, TypeVar

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from server import protocol as p
from server.auth import staff as staff_auth
from server.auth import totp
from server.cluster.placement import PlacementUnavailable
from server.http import schedule
from server.http.account import api_staff
from server.http.common import (
    DEVICE_COOKIE,
    DEVICE_COOKIE_AGE,
    SESSION_COOKIE,
    client_key,
    delete_cookie,
    error,
    get_cookie,
    invited_room,
    login_allowed,
    origin_allowed,
    services,
    set_cookie,
    staff_names,
)
from server.http.static import accepts_gzip
from server.http.volunteering import training_status
from server.http.where import rooms_now
from server.programme import training
from server.rooms.names import (
    InvalidName,
    ReservedName,
    check_not_reserved,
    clean_name,
    pseudonym,
    stable_pseudonym,
)
from server.rooms.types import Identity
from server.services import Services
from server.store.db import RoomRecord

T = TypeVar("T")
log = logging.getLogger("hearth.api")

# Request bodies are small; anything bigger is not a real client.
MAX_BODY = 8 * 1024


class JoinBody(msgspec.Struct, forbid_unknown_fields=False):
    invite: str
    agree: bool = False
    name: str | None = None


class LoginBody(msgspec.Struct, forbid_unknown_fields=False):
    username: str
    password: str
    code: str | None = None  # the authenticator app's code, for a member who set one up


class TokenBody(msgspec.Struct, forbid_unknown_fields=False):
    name: str | None = None


async def json_body(request: Request, kind: type[T]) -> T | JSONResponse:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        return error(413, "bad_request", "request body too large")
    try:
        return msgspec.json.decode(raw or b"{}", type=kind)
    except msgspec.ValidationError as exc:
        return error(400, "bad_request", str(exc)[:200])
    except msgspec.DecodeError:
        return error(400, "bad_request", "the body must be a JSON object")


async def own_json(request: Request, kind: type[T]) -> T | JSONResponse:
    """``json_body`` of a request that must come from Hearth's own pages (403 otherwise)."""
    if not origin_allowed(request):
        return error(403, "forbidden", "requests must come from Hearth's own pages")
    return await json_body(request, kind)



async def room_info(svc: Services, record: RoomRecord) -> dict[str, Any]:
    """The room as the join and token answers give it: this node's live state when it runs
    the room; else the stored lock and focus, and whether it runs on another node (its
    last beat; rooms_now)."""
    live = svc.hub.room(record.id)
    running = live.live if live else (await rooms_now(svc, [record.id]))[record.id].live
    info: dict[str, Any] = msgspec.to_builtins(p.RoomInfo(
        id=record.id, name=record.name, audience=record.audience,  # type: ignore[arg-type]
        locked=live.locked if live else record.locked,
        live=running,
        focus=live.focus if live else record.focus,
    ))
    return info


def request_ws_url(request: Request, svc: Services) -> str:
    """This node's WebSocket as the request reached it: the same host as the page, so a
    single node's ``ws_url`` is always the page's own origin (CSP 'self'), whichever of
    its addresses the page was opened at."""
    settings = svc.settings
    secure = (request.url.scheme == "https" or settings.secure_cookies
              or settings.public_url.startswith("https:"))
    host = request.headers.get("host") or settings.public_url.split("://", 1)[1]
    return f"{'wss' if secure else 'ws'}://{host}/ws"


async def _ws_url(request: Request, svc: Services, room_id: str) -> str | JSONResponse:
    """Where the room's WebSocket is (server/cluster/): its owner's, placing the room on
    the least-loaded node if no live node runs it; an error response when none can."""
    own = request_ws_url(request, svc)
    try:
        where = await svc.hub.placement.locate(room_id, own)
    except PlacementUnavailable as exc:
        svc.metrics.placement_unavailable.inc()
        log.warning("could not place a room: %s", exc, extra={"room": room_id})
        return error(503, "placement_unavailable",
                     "the group cannot be opened just now; please try again in a minute")
    local = where in (own, svc.settings.own_ws_url)
    (svc.metrics.placed_here if local else svc.metrics.placed_elsewhere).inc()
    return where


async def join(request: Request) -> Response:
    svc = services(request)
    if request.headers.get("origin") and not origin_allowed(request):
        return error(403, "forbidden", "this origin may not join")
    if not await svc.join_limiter.allow(client_key(request)):
        svc.metrics.http_limited.labels("join").inc()
        return error(429, "rate_limited", "too many joins from this connection; try again shortly")
    body = await json_body(request, JoinBody)
    if isinstance(body, JSONResponse):
        return body
    if body.agree is not True:
        return error(400, "agreement_required", "please read and agree to the group agreement")
    found = await invited_room(svc.store, body.invite)
    if found is None:
        return error(404, "invite_not_found", "this invite link is not valid any more")
    _invite, record = found
    if record.archived:
        return error(410, "room_archived", "this group has closed and no longer meets here")
    when = await schedule.timing(svc.store, record)
    if not when.open:
        return _not_open(when)
    # Nobody may pass as a facilitator: not by a staff word, nor by a staff member's name.
    taken = await staff_names(svc, record.id)
    try:
        if body.name is None or not body.name.strip():
            name = pseudonym(avoid=taken)
        else:
            name = clean_name(body.name)
            check_not_reserved(name, taken)
    except InvalidName as exc:
        return error(400, "name_reserved" if isinstance(exc, ReservedName) else "bad_request",
                     str(exc))
    live_lock = svc.hub.is_locked(record.id)
    if live_lock if live_lock is not None else record.locked:
        return error(423, "room_locked", "this group is closed to new arrivals right now")
    device_cookie = get_cookie(request, DEVICE_COOKIE) or secrets.token_urlsafe(24)
    device = svc.signer.device_hash(device_cookie)
    if await svc.store.is_banned(record.id, None, device):
        return error(403, "banned", "you cannot join this group")
    identity = Identity(room_id=record.id, participant_id=f"p_{secrets.token_urlsafe(9)}",
                        name=name, role="participant", device=device)
    ws_url = await _ws_url(request, svc, record.id)
    if isinstance(ws_url, JSONResponse):
        return ws_url
    response = JSONResponse({
        "token": svc.signer.join_token(identity),
        "room": await room_info(svc, record),
        "participant": {"id": identity.participant_id, "name": name, "role": "participant"},
        # How long the token works: the page offers "Rejoin the group" until then.
        "expires_in": int(svc.settings.join_token_ttl),
        "ws_url": ws_url,
    }, status_code=201)
    set_cookie(response, request, DEVICE_COOKIE, device_cookie, DEVICE_COOKIE_AGE)
    return response


def _training_required(status: training.TrainingStatus) -> JSONResponse:
    """403 ``training_required``: what is missing or expired, in words, and as ``training``
    (``{module, name, state, expired_on}`` per module, the date ISO or null)."""
    return error(403, "training_required", training.refusal(status), training=[
        {"module": m.module.id, "name": m.module.name(), "state": m.state,
         "expired_on": m.expires_on.isoformat() if m.expires_on else None}
        for m in status.blocking])


def _not_open(when: schedule.Timing) -> JSONResponse:
    """409 ``not_open``: the group has sessions and its waiting room is not open now. Says
    when it opens (``opens_at``) and the meeting starts (``starts_at``), as UTC instants
    the page shows in the parent's own time; both null when no session is planned."""
    meeting = when.meeting
    return error(409, "not_open", "this group's waiting room is not open yet" if meeting
                 else "this group has no sessions planned just now",
                 opens_at=when.opens_at.isoformat() if when.opens_at else None,
                 starts_at=meeting.starts.isoformat() if meeting else None)


async def login(request: Request) -> Response:
    svc = services(request)
    body = await own_json(request, LoginBody)
    if isinstance(body, JSONResponse):
        return body
    if not await login_allowed(request, body.username):
        return error(429, "rate_limited", "too many attempts; wait a minute and try again")
    staff = await staff_auth.check_password(svc.store, body.username, body.password)
    if staff is None:
        return error(401, "bad_credentials", "that username and password do not match")
    if staff.two_factor:
        if not body.code:
            return error(401, "code_required",
                         "enter the 6-digit code from your authenticator app as \"code\"")
        if not await svc.login_limiter.allow(f"staff:{staff.id}"):
            svc.metrics.http_limited.labels("login").inc()
            return error(429, "rate_limited", "too many attempts; wait a minute and try again")
        box = totp.SecretBox(svc.signer.secret_key)
        if not await staff_auth.check_code(svc.store, box, staff, body.code):
            return error(401, "bad_code", "that code did not work; each code works once")
    cookie = await staff_auth.open_session(svc.store, svc.signer, staff,
                                           svc.settings.staff_session_ttl)
    response = JSONResponse({"staff": {
        "username": staff.username, "role": staff.role,
        "must_change_password": staff.must_change_password,
        "two_factor_required": staff_auth.needs_enrolment(staff, svc.settings.require_2fa),
    }})
    set_cookie(response, request, SESSION_COOKIE, cookie, int(svc.settings.staff_session_ttl))
    return response


async def logout(request: Request) -> Response:
    svc = services(request)
    if not origin_allowed(request):
        return error(403, "forbidden", "requests must come from Hearth's own pages")
    ended = await staff_auth.logout(svc.store, svc.signer, get_cookie(request, SESSION_COOKIE),
                                    svc.settings.staff_session_ttl)
    if ended is not None:
        svc.hub.close_staff(ended.id, "you logged out")
    response = Response(status_code=204)
    delete_cookie(response, request, SESSION_COOKIE)
    return response


async def room_token(request: Request) -> Response:
    svc = services(request)
    if not origin_allowed(request):
        return error(403, "forbidden", "requests must come from Hearth's own pages")
    staff = await api_staff(request)
    if isinstance(staff, Response):
        return staff
    if staff.role not in p.STAFF_ROLES:
        return error(403, "forbidden", "only facilitators and safeguarding leads join rooms")
    body = await json_body(request, TokenBody)
    if isinstance(body, JSONResponse):
        return body
    record = await svc.store.room(request.path_params["room"], include_archived=True)
    if record is None:
        return error(404, "not_found", "no such room")
    if record.archived:
        return error(410, "room_archived",
                     "this group is archived; an admin can open it again at /admin/rooms")
    # Leads may enter every room; a facilitator only those they are assigned to.
    if staff.role == "facilitator" and not await svc.store.is_assigned(record.id, staff.id):
        return error(403, "forbidden", "you are not a facilitator of this group")
    # Only a facilitator whose required training is current facilitates, once the operator
    # turns the rule on (HEARTH_REQUIRE_TRAINING); leads and admins may enter any room.
    if staff.role == "facilitator" and svc.settings.require_training:
        status = await training_status(svc, staff.id)
        if not status.ok:
            return _training_required(status)
    session = staff_auth.cookie_session_id(svc.signer, get_cookie(request, SESSION_COOKIE),
                                           svc.settings.staff_session_ttl)
    try:
        # Without a chosen name, a stable made-up one: usernames are often real names.
        name = clean_name(body.name) if body.name else stable_pseudonym(staff.id)
    except InvalidName as exc:
        return error(400, "bad_request", str(exc))
    # The same staff member in two tabs is one participant: the newer tab takes over.
    identity = Identity(room_id=record.id, participant_id=f"f_{staff.id}", name=name,
                        role=staff.role)  # type: ignore[arg-type]
    ws_url = await _ws_url(request, svc, record.id)
    if isinstance(ws_url, JSONResponse):
        return ws_url
    # The token names the session that asked for it, so logging out (or being disabled)
    # makes it worthless at hello.
    return JSONResponse({
        "token": svc.signer.join_token(identity, session),
        "room": await room_info(svc, record),
        "participant": {"id": identity.participant_id, "name": name, "role": staff.role},
        "expires_in": int(svc.settings.join_token_ttl),
        "ws_url": ws_url,
    }, status_code=201)


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    svc = services(request)
    try:
        store_ok, bus_ok = await asyncio.wait_for(
            asyncio.gather(svc.store.ping(), svc.bus.ping()), timeout=3
        )
    except TimeoutError:
        store_ok = bus_ok = False
    status = 200 if store_ok and bus_ok and svc.safeguarding.caught_up() else 503
    return JSONResponse({"store": store_ok, "bus": bus_ok}, status_code=status)


# The fields of the browser's model (risk_model_browser.json: a smaller vocabulary than the
# server's, and no category head) that its scorer reads (web/static/risk-model.js).
_BROWSER_MODEL_FIELDS = ("format", "feature_version", "thresholds", "languages", "vocab", "idf",
                         "idf_scale", "label_weights", "label_scale", "label_bias")


def _packaged(name: str) -> str:
    return resources.files("server.safeguarding").joinpath(name).read_text("utf-8")


@functools.cache
def _browser_rules() -> tuple[str, bytes, bytes]:
    """(ETag, JSON, gzipped JSON) of the rules, built once (they change only with a release)."""
    body = _packaged("risk_rules.json").encode()
    # Weak: the gzipped and plain bodies are different bytes of the same rules.
    return f'W/"{hashlib.sha256(body).hexdigest()[:16]}"', body, gzip.compress(body, 9)


@functools.cache
def _browser_model() -> tuple[str, bytes, bytes]:
    """(ETag, JSON, gzipped JSON) of the browser's model, built once like the rules."""
    doc = json.loads(_packaged("risk_model_browser.json"))
    slim = {key: doc[key] for key in _BROWSER_MODEL_FIELDS}
    slim["version"] = str(doc["card"]["version"])
    body = json.dumps(slim, ensure_ascii=False, separators=(",", ":")).encode()
    return f'W/"{slim["version"]}"', body, gzip.compress(body, 9)


async def risk_rules(request: Request) -> Response:
    """The risk screen's rules, for screening a draft in the browser (web/static/risk.js)."""
    return await _cached_json(request, _browser_rules)


async def risk_model(request: Request) -> Response:
    """The trained model's label head, for scoring a draft in the browser
    (web/static/risk-model.js). Most of a page's download: compressed and long-cached."""
    return await _cached_json(request, _browser_model)


async def _cached_json(request: Request, build: Callable[[], tuple[str, bytes, bytes]],
                       ) -> Response:
    """A packaged JSON document: gzipped when the client takes it, a day's cache, 304s."""
    # The first call reads and compresses up to half a megabyte: not on the event loop.
    etag, body, compressed = await asyncio.to_thread(build)
    headers = {"ETag": etag, "Cache-Control": "public, max-age=86400", "Vary": "Accept-Encoding"}
    known = {tag.strip().removeprefix("W/") for tag in
             request.headers.get("if-none-match", "").split(",")}
    if etag.removeprefix("W/") in known or "*" in known:
        return Response(status_code=304, headers=headers)
    if accepts_gzip(request.headers.get("accept-encoding", "")):
        return Response(compressed, media_type="application/json",
                        headers={**headers, "Content-Encoding": "gzip"})
    return Response(body, media_type="application/json", headers=headers)


async def metrics(request: Request) -> Response:
    """Prometheus text, for an allowed address or the bearer token only: the figures say
    how many people are in rooms and when, which is nobody else's business."""
    svc = services(request)
    if not _may_read_metrics(request, svc):
        return error(403, "forbidden", "metrics are for the monitoring system only")
    return PlainTextResponse(svc.metrics.render(), media_type="text/plain; version=0.0.4")


def _may_read_metrics(request: Request, svc: Services) -> bool:
    token = svc.settings.metrics_token
    given = request.headers.get("authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(request.client.host if request.client else "")
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False)
               for net in svc.settings.metrics_allow)


routes = [
    Route("/api/join", join, methods=["POST"]),
    Route("/api/login", login, methods=["POST"]),
    Route("/api/logout", logout, methods=["POST"]),
    Route("/api/rooms/{room}/token", room_token, methods=["POST"]),
    Route("/healthz", healthz),
    Route("/readyz", readyz),
    Route("/metrics", metrics),
    Route("/api/risk-rules", risk_rules),
    Route("/api/risk-model", risk_model),
]
