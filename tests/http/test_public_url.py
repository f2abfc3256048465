"""HEARTH_PUBLIC_URL: the address people use, in every link Hearth prints or shows,
and an origin its pages may come from (server/settings.py)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from server.demo import create_demo
from server.settings import Settings
from tests.conftest import MakeServer
from tests.harness import harness

PUBLIC = "https://hearth.example.org"


async def test_the_demo_prints_links_on_the_public_url(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, port=8123, public_base_url=PUBLIC)
    text = "\n".join(await create_demo(settings))
    assert re.search(rf"login: {PUBLIC}/login\n", text), text
    assert len(re.findall(rf"{PUBLIC}/join/\S+", text)) == 2, text
    assert "127.0.0.1" not in text


async def test_staff_pages_show_invite_links_on_the_public_url(make_server: MakeServer) -> None:
    server = make_server(public_base_url=PUBLIC)
    async with harness(server) as h:
        _, invite = await h.room()
        _, staff = await h.staff("admin")
        try:
            page = await staff.get("/staff")
            assert page.status_code == 200
            assert f"{PUBLIC}/join/{invite}" in page.text
            assert f"127.0.0.1:{server.settings.port}/join/" not in page.text
        finally:
            await staff.aclose()


async def test_pages_from_the_public_url_may_join(make_server: MakeServer) -> None:
    server = make_server(public_base_url=PUBLIC)
    async with harness(server) as h:
        _, invite = await h.room()
        async with httpx.AsyncClient(base_url=server.http) as client:
            ok = await client.post("/api/join", headers={"Origin": PUBLIC},
                                   json={"invite": invite, "agree": True})
            assert ok.status_code == 201, ok.text
            other = await client.post("/api/join", headers={"Origin": "https://elsewhere.org"},
                                      json={"invite": invite, "agree": True})
            assert other.status_code == 403
        # The WebSocket takes the public origin too.
        client_ws = await h.connect(ok.json()["token"], origin=PUBLIC)
        assert client_ws.welcome["type"] == "welcome"
