"""Whose X-Forwarded-For is believed (HEARTH_TRUSTED_PROXIES, default: nobody's).

uvicorn believes the header from 127.0.0.1 by default, so rotating it once bypassed
the login limit; behind a real proxy, believing it is what keeps each person in a
bucket of their own.
"""

from __future__ import annotations

import httpx

from tests.conftest import MakeServer


async def _bad_logins(http: str, origin: str, forwarded: list[str]) -> list[int]:
    async with httpx.AsyncClient(base_url=http, headers={"Origin": origin}) as client:
        return [(await client.post("/api/login", headers={"X-Forwarded-For": address},
                                   json={"username": "nobody", "password": "wrong password"})
                 ).status_code for address in forwarded]


async def test_a_rotated_forwarded_header_does_not_escape_the_login_limit(
        make_server: MakeServer) -> None:
    server = make_server(login_burst=3, login_per_minute=1)
    codes = await _bad_logins(server.http, server.origin, [f"10.0.0.{n}" for n in range(6)])
    assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429, 429], codes


async def test_behind_a_trusted_proxy_each_client_has_its_own_bucket(
        make_server: MakeServer) -> None:
    server = make_server(login_burst=3, login_per_minute=1, trusted_proxies=("127.0.0.1",))
    codes = await _bad_logins(server.http, server.origin, [f"10.0.0.{n}" for n in range(6)])
    assert codes == [401] * 6, codes
    # The same client behind the proxy is still limited.
    again = await _bad_logins(server.http, server.origin, ["10.0.0.9"] * 5)
    assert again[:3] == [401, 401, 401] and again[3:] == [429, 429], again
