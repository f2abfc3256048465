"""Strict-Transport-Security only where Hearth is reached over TLS (secure cookies on):
sent over plain HTTP it would lock a browser out of a server that has no HTTPS."""

from __future__ import annotations

import httpx

from tests.conftest import MakeServer
from tests.harness import ServerThread


async def test_no_hsts_over_plain_http(server: ServerThread) -> None:
    async with httpx.AsyncClient(base_url=server.http) as client:
        assert "strict-transport-security" not in (await client.get("/")).headers


async def test_hsts_behind_tls(make_server: MakeServer) -> None:
    server = make_server(secure_cookies=True)
    async with httpx.AsyncClient(base_url=server.http) as client:
        for path in ("/", "/login", "/healthz"):
            response = await client.get(path)
            assert response.headers["strict-transport-security"] == "max-age=31536000", path
