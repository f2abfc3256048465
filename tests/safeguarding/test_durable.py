"""Invariant 6, end to end: an escalation is committed before anyone is told, so
killing the server (SIGKILL, no clean shutdown) the moment the sender is told
loses nothing, and the next facilitator and lead to arrive hear of it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.harness import Client, free_port

URGENT = "I'm going to kill myself tonight, I've saved up the tablets"
PASSWORD = "a long enough password"


class Process:
    """``hearth serve`` as a real child process on a fixed port and data folder."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
        self.env["HEARTH_DATA_DIR"] = str(data_dir)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "server", *args], env={
            **self.env, "HEARTH_PASSWORD": PASSWORD}, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--port", str(self.port)], env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.origin}/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise AssertionError("server did not start")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=20)


@pytest.fixture
def hearth(tmp_path: Path) -> Iterator[Process]:
    process = Process(tmp_path)
    yield process
    process.stop()


async def _token(http: httpx.AsyncClient, username: str, room: str) -> dict[str, Any]:
    login = await http.post("/api/login", json={"username": username, "password": PASSWORD})
    assert login.status_code == 200
    response = await http.post(f"/api/rooms/{room}/token")
    assert response.status_code == 201
    body: dict[str, Any] = response.json()
    return body


async def _client(origin: str, token: str) -> Client:
    ws = await connect(origin.replace("http", "ws") + "/ws", origin=origin,  # type: ignore[arg-type]
                       compression=None)
    client = Client(ws)
    await client.send("hello", token=token)
    client.welcome = await client.expect("welcome")
    return client


async def admitted_group(http: httpx.AsyncClient, origin: str, room_id: str,
                         invite: str) -> tuple[Client, Client]:
    """Fran (a facilitator account) opens the room and lets Robin in from the lobby."""
    fac = await _client(origin, (await _token(http, "fran", room_id))["token"])
    joined = await http.post("/api/join", json={"invite": invite, "name": "Robin",
                                                "agree": True})
    ann = await _client(origin, joined.json()["token"])
    await fac.expect("lobby.knock")
    await fac.send("lobby.admit", participant=ann.id)
    await ann.expect("admitted")
    return fac, ann


async def test_escalation_survives_sigkill_and_is_announced_after_restart(
    hearth: Process,
) -> None:
    room = json.loads(hearth.cli("room", "add", "Mums' circle", "--audience", "mothers"))
    hearth.cli("staff", "add", "fran", "--role", "facilitator")
    hearth.cli("staff", "add", "lee", "--role", "safeguarding_lead")
    hearth.cli("room", "assign", room["room"], "fran")
    hearth.env["HEARTH_REQUIRE_2FA"] = "none"  # two-step login has tests of its own
    hearth.start()
    origin = hearth.origin
    async with httpx.AsyncClient(base_url=origin, headers={"Origin": origin}) as http:
        fac, ann = await admitted_group(http, origin, room["room"], room["invite"])
        await ann.send("chat.send", text=URGENT, to="room")
        held = await ann.expect("chat.held")
        # The moment the sender is told, the process dies without any chance to flush.
        hearth.kill()
        for client in (fac, ann):
            await client.ws.close()
    assert held["reason"] == "safeguarding"

    hearth.start()
    async with httpx.AsyncClient(base_url=origin, headers={"Origin": origin}) as lead_http:
        lead_token = await _token(lead_http, "lee", room["room"])
        listed = (await lead_http.get("/api/escalations")).json()["escalations"]
        assert len(listed) == 1 and listed[0]["severity"] == "urgent"
        detail = (await lead_http.get(f"/api/escalations/{listed[0]['id']}")).json()
        assert detail["excerpt"] == URGENT
        # A lead who opens the room is told at once.
        lead = await _client(origin, lead_token["token"])
        assert [e["id"] for e in lead.welcome["escalations"]] == [listed[0]["id"]]
        await lead.ws.close()
    async with httpx.AsyncClient(base_url=origin, headers={"Origin": origin}) as fac_http:
        fac = await _client(origin, (await _token(fac_http, "fran", room["room"]))["token"])
        [alert] = fac.welcome["alerts"]
        assert alert["severity"] == "urgent" and alert["message"]["text"] == URGENT
        await fac.ws.close()
    assert "audit log OK" in hearth.cli("audit", "verify")
