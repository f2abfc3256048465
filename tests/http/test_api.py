"""The JSON API of PROTOCOL.md against a real server."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from server.settings import Settings
from tests.conftest import MakeServer
from tests.harness import STAFF_PASSWORD, Harness, ServerThread, harness

DEFAULTS = Settings()
REAL_LIMITS: dict[str, Any] = {
    "join_burst": DEFAULTS.join_burst, "join_per_minute": DEFAULTS.join_per_minute,
    "login_burst": DEFAULTS.login_burst, "login_per_minute": DEFAULTS.login_per_minute,
}


def error_code(response: httpx.Response) -> str:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    assert body["error"]["message"]
    return str(body["error"]["code"])


# -- join -----------------------------------------------------------------------


async def test_join_answers_token_room_and_participant(h: Harness) -> None:
    room_id, invite = await h.room("fathers_partners", "Dads' evening")
    response = await h.http.post("/api/join", json={"invite": invite, "name": " Dev ",
                                                   "agree": True})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"token", "room", "participant", "expires_in", "ws_url"}
    assert body["expires_in"] == h.server.settings.join_token_ttl  # for "Rejoin the group"
    assert body["ws_url"] == h.server.ws  # one node: its own WebSocket
    assert body["room"] == {"id": room_id, "name": "Dads' evening", "audience": "fathers_partners",
                            "locked": False, "live": False, "focus": True}
    assert body["participant"]["name"] == "Dev"
    assert body["participant"]["role"] == "participant"
    assert body["participant"]["id"].startswith("p_")
    assert isinstance(body["token"], str) and len(body["token"]) > 40
    # The device cookie that lets a ban keep this browser out.
    cookie = response.headers["set-cookie"].lower()
    assert "hearth_device=" in cookie and "httponly" in cookie and "samesite=strict" in cookie


async def test_join_without_a_name_gets_a_friendly_pseudonym(h: Harness) -> None:
    _, invite = await h.room()
    names = set()
    for name in (None, "", "   "):
        body = await h.join(invite, name)
        assert 3 <= len(body["participant"]["name"]) <= 32
        assert " " in body["participant"]["name"]  # "Gentle Otter"
        names.add(body["participant"]["name"])
    assert names


async def test_a_parent_cannot_take_a_facilitators_name_or_a_staff_word(h: Harness) -> None:
    from server.rooms.names import stable_pseudonym

    _, invite = await h.room()
    username, client = await h.staff("facilitator")
    await client.aclose()
    staff = next(s for s in await h.store.all_staff() if s.username == username)
    # The made-up name the facilitator goes by in the group, with a look-alike digit.
    copy = stable_pseudonym(staff.id).replace("o", "0").upper()
    for name in ("Facilitator Sam", "M0DERATOR", copy):
        response = await h.http.post("/api/join", json={"invite": invite, "name": name,
                                                       "agree": True})
        assert response.status_code == 400, name
        assert error_code(response) == "name_reserved"
        assert "kept for the group's facilitators" in response.json()["error"]["message"]
    assert (await h.join(invite, "Ann"))["participant"]["name"] == "Ann"
    # Nor given one at random.
    taken = {stable_pseudonym(s.id) for s in await h.store.all_staff()}
    for _ in range(10):
        assert (await h.join(invite, None))["participant"]["name"] not in taken


async def test_join_needs_the_agreement(h: Harness) -> None:
    _, invite = await h.room()
    for agree in (False, None, "yes", 1):
        response = await h.http.post("/api/join", json={"invite": invite, "agree": agree})
        assert response.status_code == 400
        assert error_code(response) in ("agreement_required", "bad_request")
    response = await h.http.post("/api/join", json={"invite": invite})
    assert response.status_code == 400 and error_code(response) == "agreement_required"


@pytest.mark.parametrize("body", [b"not json", b"[1,2]", b'{"agree": true}',
                                  b'{"invite": 5, "agree": true}',
                                  b'{"invite": "x", "agree": true, "name": 7}'])
async def test_join_bad_bodies_are_bad_requests(h: Harness, body: bytes) -> None:
    response = await h.http.post("/api/join", content=body,
                                 headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and error_code(response) == "bad_request"


async def test_join_names_are_cleaned_or_refused(h: Harness) -> None:
    _, invite = await h.room()
    body = await h.join(invite, "\u202eAnn\u0000\u200b\u2066e\u0007 ")
    assert body["participant"]["name"] == "Anne"
    for bad in ("\u202e\u202d\u0000\u200f", "x" * 33):
        response = await h.http.post("/api/join", json={"invite": invite, "name": bad,
                                                       "agree": True})
        assert response.status_code == 400 and error_code(response) == "bad_request"


async def test_join_with_unknown_or_revoked_invite_is_404(h: Harness) -> None:
    _, invite = await h.room()
    for code in ("nope", "x" * 500):
        response = await h.http.post("/api/join", json={"invite": code, "agree": True})
        assert response.status_code == 404 and error_code(response) == "invite_not_found"
    await h.store.revoke_invite(invite)
    response = await h.http.post("/api/join", json={"invite": invite, "agree": True})
    assert response.status_code == 404 and error_code(response) == "invite_not_found"


async def test_join_a_locked_room_is_423(h: Harness) -> None:
    room_id, invite = await h.room()
    fac = await h.facilitator(room_id)
    await fac.send("room.lock")
    await fac.expect("room.updated")
    response = await h.http.post("/api/join", json={"invite": invite, "agree": True})
    assert response.status_code == 423 and error_code(response) == "room_locked"
    await fac.send("room.unlock")
    await fac.expect("room.updated")
    again = await h.http.post("/api/join", json={"invite": invite, "agree": True})
    assert again.status_code == 201


async def test_join_from_a_foreign_origin_is_refused(h: Harness) -> None:
    _, invite = await h.room()
    response = await h.http.post("/api/join", json={"invite": invite, "agree": True},
                                 headers={"Origin": "https://evil.example"})
    assert response.status_code == 403


async def test_join_rate_limit_lets_a_family_centre_through_but_stops_a_flood(
    make_server: MakeServer,
) -> None:
    server = make_server(**REAL_LIMITS)
    async with harness(server) as h:
        _, invite = await h.room()
        # PROTOCOL.md: a shared connection may send 60 joins a minute.
        for _ in range(60):
            response = await h.http.post("/api/join", json={"invite": invite, "agree": True})
            assert response.status_code == 201
        codes = [
            (await h.http.post("/api/join", json={"invite": invite, "agree": True})).status_code
            for _ in range(40)
        ]
        assert 429 in codes
        limited = await h.http.post("/api/join", json={"invite": invite, "agree": True})
        if limited.status_code == 429:
            assert error_code(limited) == "rate_limited"


# -- login and logout ---------------------------------------------------------------


async def test_login_sets_a_strict_http_only_cookie(h: Harness) -> None:
    username, client = await h.staff()
    await client.aclose()
    response = await h.http.post("/api/login", json={"username": username.upper(),
                                                    "password": STAFF_PASSWORD})
    assert response.status_code == 200
    assert response.json()["staff"]["role"] == "facilitator"
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("hearth_session=")
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie


async def test_unknown_user_and_wrong_password_get_the_same_answer(h: Harness) -> None:
    username, client = await h.staff()
    await client.aclose()
    wrong = await h.http.post("/api/login",
                              json={"username": username, "password": "nope-nope-nope"})
    unknown = await h.http.post("/api/login",
                                json={"username": "ghost", "password": "nope-nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert error_code(wrong) == "bad_credentials"
    assert "set-cookie" not in wrong.headers


async def test_login_needs_our_origin(h: Harness) -> None:
    username, client = await h.staff()
    await client.aclose()
    async with httpx.AsyncClient(base_url=h.server.http) as bare:
        response = await bare.post("/api/login", json={"username": username,
                                                      "password": STAFF_PASSWORD})
        assert response.status_code == 403
        response = await bare.post("/api/login", json={"username": username,
                                                      "password": STAFF_PASSWORD},
                                   headers={"Origin": "http://evil.example"})
        assert response.status_code == 403


async def test_login_rate_limit(make_server: MakeServer) -> None:
    server = make_server(**REAL_LIMITS)
    async with harness(server) as h:
        username, client = await h.staff()
        await client.aclose()
        # PROTOCOL.md: 20 logins a minute from one address must pass (the helper used one).
        for _ in range(19):
            ok = await h.http.post("/api/login", json={"username": username,
                                                      "password": STAFF_PASSWORD})
            assert ok.status_code == 200
        codes = set()
        for _ in range(15):
            response = await h.http.post("/api/login", json={"username": username,
                                                             "password": "wrong-password"})
            codes.add(response.status_code)
        assert 429 in codes


async def test_logout_ends_the_session(h: Harness) -> None:
    room_id, _ = await h.room()
    username, client = await h.staff()
    await h.assign(room_id, username)
    assert (await client.post(f"/api/rooms/{room_id}/token")).status_code == 201
    cookie = client.cookies.get("hearth_session")
    assert cookie
    response = await client.post("/api/logout")
    assert response.status_code == 204
    # The old cookie value is dead on the server, not merely deleted in the browser.
    async with httpx.AsyncClient(base_url=h.server.http, headers={"Origin": h.server.origin},
                                 cookies={"hearth_session": cookie}) as replay:
        assert (await replay.post(f"/api/rooms/{room_id}/token")).status_code == 401
    await client.aclose()


# -- staff room tokens ---------------------------------------------------------------


@pytest.mark.parametrize("role", ["facilitator", "safeguarding_lead"])
async def test_staff_token_has_the_join_shape(h: Harness, role: str) -> None:
    room_id, _ = await h.room()
    body = await h.staff_token(room_id, role, name="Fran")
    assert set(body) == {"token", "room", "participant", "expires_in", "ws_url"}
    assert body["participant"]["role"] == role and body["participant"]["name"] == "Fran"
    assert body["room"]["id"] == room_id


async def test_staff_token_refusals(h: Harness) -> None:
    room_id, _ = await h.room()
    async with httpx.AsyncClient(base_url=h.server.http,
                                 headers={"Origin": h.server.origin}) as anon:
        response = await anon.post(f"/api/rooms/{room_id}/token")
        assert response.status_code == 401 and error_code(response) == "unauthorized"
    _, admin = await h.staff("admin")
    response = await admin.post(f"/api/rooms/{room_id}/token")
    assert response.status_code == 403 and error_code(response) == "forbidden"
    await admin.aclose()
    _, fac = await h.staff()
    response = await fac.post("/api/rooms/r_missing/token")
    assert response.status_code == 404
    response = await fac.post(f"/api/rooms/{room_id}/token", headers={"Origin": "http://evil.example"})
    assert response.status_code == 403  # the cookie alone is not enough (CSRF)
    await fac.aclose()


# -- probes ----------------------------------------------------------------------


async def test_health_ready_and_metrics(h: Harness) -> None:
    assert (await h.http.get("/healthz")).status_code == 200
    ready = await h.http.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"store": True, "bus": True}
    metrics = await h.http.get("/metrics")
    assert metrics.status_code == 200 and "hearth_ws_connections" in metrics.text


async def test_readyz_follows_redis(make_server: MakeServer) -> None:
    from tests.redis_server import RedisServer

    redis = RedisServer()
    redis.start()
    try:
        server = make_server(redis_url=redis.url)
        async with httpx.AsyncClient(base_url=server.http) as client:
            assert (await client.get("/readyz")).status_code == 200
            redis.stop()
            down = await client.get("/readyz")
            assert down.status_code == 503 and down.json()["bus"] is False
            assert (await client.get("/healthz")).status_code == 200
            redis.start()
            for _ in range(50):
                if (await client.get("/readyz")).status_code == 200:
                    break
                await asyncio.sleep(0.1)
            assert (await client.get("/readyz")).status_code == 200
    finally:
        redis.close()


async def test_pages_send_security_headers(server: ServerThread) -> None:
    async with httpx.AsyncClient(base_url=server.http) as client:
        response = await client.get("/")
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"


async def test_metrics_only_for_allowed_addresses_or_the_token(make_server: MakeServer) -> None:
    server = make_server(metrics_allow=("127.0.0.1/32",), metrics_token="t" * 40)
    elsewhere = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
    async with httpx.AsyncClient(base_url=server.http) as local, \
            httpx.AsyncClient(base_url=server.http, transport=elsewhere) as other:
        assert (await local.get("/metrics")).status_code == 200
        refused = await other.get("/metrics")
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
        assert "hearth_" not in refused.text
        wrong = await other.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 403
        right = await other.get("/metrics", headers={"Authorization": f"Bearer {'t' * 40}"})
        assert right.status_code == 200 and "hearth_ws_connections" in right.text


async def test_readyz_is_a_write_and_answers_fast_while_the_write_lock_is_held(
        make_server: MakeServer) -> None:
    """A read would pass here; no alert could be stored. 503 within a few seconds (not
    the 5 s busy timeout every writer waits), then 200 again once the lock is let go."""
    from tests.safeguarding.faults import SqliteWriteLock

    server = make_server()
    async with httpx.AsyncClient(base_url=server.http, timeout=10) as client:
        assert (await client.get("/readyz")).status_code == 200
        with SqliteWriteLock(server.settings.data_dir / "hearth.db"):
            started = time.monotonic()
            held = await client.get("/readyz")
            took = time.monotonic() - started
            assert held.status_code == 503 and held.json() == {"store": False, "bus": True}
            assert took < 3.5, took
            assert (await client.get("/healthz")).status_code == 200
        ready = await client.get("/readyz")
        assert ready.status_code == 200 and ready.json() == {"store": True, "bus": True}
