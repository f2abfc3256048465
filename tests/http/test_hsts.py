"""Strict-Transport-Security only where Hearth is reached over TLS (secure cookies on):
sent over plain HTTP it would lock a browser out of a server that has no HTTPS."""

from __future__ import annotations

import httpx

from tests.conftest import MakeServer
from tests.harness import ServerThread, harness


async def test_no_hsts_over_plain_http(server: ServerThread) -> None:
    async with httpx.AsyncClient(base_url=server.http) as client:
        assert "strict-transport-security" not in (await client.get("/")).headers


async def test_hsts_behind_tls(make_server: MakeServer) -> None:
    server = make_server(secure_cookies=True)
    async with httpx.AsyncClient(base_url=server.http) as client:
        for path in ("/", "/login", "/healthz"):
            response = await client.get(path)
            assert response.headers["strict-transport-security"] == "max-age=31536000", path


async def test_cookies_behind_tls_carry_the_host_prefix(make_server: MakeServer) -> None:
    """``__Host-`` cookies: Secure, host-only, path /, so a sibling subdomain cannot
    plant a session or CSRF cookie. (httpx keeps Secure cookies off plain HTTP, so the
    test sends the cookie header itself, as a browser on HTTPS would.)"""
    from server.auth.passwords import hash_password
    from tests.harness import STAFF_PASSWORD

    server = make_server(secure_cookies=True)
    async with harness(server) as h:
        await h.store.add_staff("sam-tls", hash_password(STAFF_PASSWORD), "facilitator")
        async with httpx.AsyncClient(base_url=server.http,
                                     headers={"Origin": server.origin}) as client:
            login = await client.post("/api/login", json={"username": "sam-tls",
                                                          "password": STAFF_PASSWORD})
            assert login.status_code == 200, login.text
            cookie = login.headers["set-cookie"]
            assert cookie.startswith("__Host-hearth_session=") and "Secure" in cookie
            assert "Domain" not in cookie and "Path=/" in cookie
            value = cookie.split(";", 1)[0].split("=", 1)[1]
            page = await client.get("/staff", headers={"Cookie": f"__Host-hearth_session={value}"})
            assert page.status_code == 200
            # The unprefixed name is not read: a cookie planted without the prefix is ignored.
            plain = await client.get("/staff", headers={"Cookie": f"hearth_session={value}"})
            assert plain.status_code == 303
