"""One node (no Redis): everything as before, and ``ws_url`` is this node's own; the
settings of placement across nodes."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from server.datadir import SetupError
from server.settings import Settings, from_env
from tests.harness import Harness, ServerThread


async def test_one_node_answers_its_own_websocket_at_the_host_the_page_used(
        h: Harness, server: ServerThread) -> None:
    room_id, invite = await h.room()
    joined = await h.join(invite)
    assert joined["ws_url"] == server.ws
    token = await h.staff_token(room_id)
    assert token["ws_url"] == server.ws
    client = await h.connect(joined["token"])
    assert client.welcome["state"] == "lobby"
    port = server.settings.port
    async with httpx.AsyncClient(base_url=f"http://localhost:{port}",
                                 headers={"Origin": f"http://localhost:{port}"}) as other:
        answer = await other.post("/api/join", json={"invite": invite, "agree": True})
        assert answer.status_code == 201 and answer.json()["ws_url"] == (
            f"ws://localhost:{port}/ws")
        page = await other.get("/")
        assert "connect-src 'self';" in page.headers["content-security-policy"]


def test_the_settings_of_placement(tmp_path: Path) -> None:
    one = Settings(data_dir=tmp_path)
    assert not one.clustered and one.connect_sources == ("'self'",)
    assert Settings().node_id != Settings().node_id  # generated per process (settings)
    assert 0 < Settings().lease_ttl <= 10
    many = from_env({"HEARTH_REDIS_URL": "redis://r:6379/0",
                     "HEARTH_PUBLIC_URL": "https://hearth.example.org",
                     "HEARTH_NODE_ID": "node-2", "HEARTH_NODE_MAX_ROOMS": "12",
                     "HEARTH_NODE_WS_SOURCES": "wss://*.hearth.example.org"})
    assert many.clustered and many.node_id == "node-2" and many.node_max_rooms == 12
    assert many.own_ws_url == "wss://hearth.example.org/ws"
    assert many.connect_sources == ("'self'", "wss://hearth.example.org",
                                    "wss://*.hearth.example.org")
    own = from_env({"HEARTH_REDIS_URL": "redis://r", "HEARTH_NODE_WS_URL":
                    "wss://node-2.hearth.example.org/ws"})
    assert own.own_ws_url == "wss://node-2.hearth.example.org/ws"
    assert "wss://node-2.hearth.example.org" in own.connect_sources
    with pytest.raises(SetupError, match="HEARTH_NODE_ID"):
        from_env({"HEARTH_NODE_ID": "node 2"})
    with pytest.raises(SetupError, match="HEARTH_NODE_WS_URL"):
        from_env({"HEARTH_NODE_WS_URL": "https://node-2/ws"})
    assert Settings(port=8601).own_ws_url == "ws://127.0.0.1:8601/ws"
