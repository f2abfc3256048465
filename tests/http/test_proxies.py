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
        # A different username each time, so only the address limit is in play.
        return [(await client.post("/api/login", headers={"X-Forwarded-For": address},
                                   json={"username": f"nobody-{n}", "password": "wrong password"})
                 ).status_code for n, address in enumerate(forwarded)]


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


async def test_one_account_tried_from_many_addresses_is_limited(make_server: MakeServer) -> None:
    """Per username as well as per address: behind a trusted proxy every attempt comes
    from a new address here, and the account still gets only its share."""
    server = make_server(login_burst=3, login_per_minute=1, trusted_proxies=("127.0.0.1",))
    async with httpx.AsyncClient(base_url=server.http, headers={"Origin": server.origin}) as c:
        codes = [(await c.post("/api/login", headers={"X-Forwarded-For": f"10.1.0.{n}"},
                               json={"username": "Lead", "password": "guess number " + str(n)})
                  ).status_code for n in range(5)]
        assert codes == [401, 401, 401, 429, 429], codes
        # Another account from a fresh address is not held back by it.
        other = await c.post("/api/login", headers={"X-Forwarded-For": "10.1.0.99"},
                             json={"username": "someone-else", "password": "a guess here"})
        assert other.status_code == 401
