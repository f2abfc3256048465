"""The command line of PROTOCOL.md, run as real processes."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.harness import free_port


def hearth(data_dir: Path, *args: str, password: str | None = None,
           stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
    env["HEARTH_DATA_DIR"] = str(data_dir)
    if password is not None:
        env["HEARTH_PASSWORD"] = password
    return subprocess.run([sys.executable, "-m", "server", *args], env=env, text=True,
                          capture_output=True, timeout=60, input=stdin)


def test_room_add_prints_one_json_line(tmp_path: Path) -> None:
    result = hearth(tmp_path, "room", "add", "Tuesday mums", "--audience", "mothers")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert set(data) == {"room", "invite"}
    assert len(data["invite"]) >= 32


def test_room_add_refuses_unknown_audience(tmp_path: Path) -> None:
    result = hearth(tmp_path, "room", "add", "X", "--audience", "babies")
    assert result.returncode != 0 and "audience" in result.stderr


def test_staff_add_takes_the_password_from_the_environment(tmp_path: Path) -> None:
    result = hearth(tmp_path, "staff", "add", "Sam", "--role", "safeguarding_lead",
                    password="a long enough password")
    assert result.returncode == 0, result.stderr
    assert "sam" in result.stdout
    again = hearth(tmp_path, "staff", "add", "sam", "--role", "facilitator",
                   password="a long enough password")
    assert again.returncode == 1 and "already" in again.stderr


def test_staff_add_refuses_short_passwords_and_no_terminal(tmp_path: Path) -> None:
    short = hearth(tmp_path, "staff", "add", "kim", "--role", "facilitator", password="short")
    assert short.returncode == 1 and "at least" in short.stderr
    no_tty = hearth(tmp_path, "staff", "add", "kim", "--role", "facilitator", stdin="")
    assert no_tty.returncode == 1 and "HEARTH_PASSWORD" in no_tty.stderr


def stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGINT)
    process.wait(timeout=20)
    if process.stdout is not None:
        process.stdout.close()


def test_serve_creates_demo_data_once_and_serves(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
    env["HEARTH_DATA_DIR"] = str(tmp_path)

    def start() -> tuple[subprocess.Popen[str], str]:
        process = subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--port", str(port)], env=env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        out = ""
        assert process.stdout is not None
        deadline = time.monotonic() + 30
        while "Hearth is running" not in out and time.monotonic() < deadline:
            out += process.stdout.readline()
        for _ in range(100):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        return process, out

    process, first = start()
    try:
        password = re.search(r"password: (\S+)", first)
        links = re.findall(r"(http://127\.0\.0\.1:\d+/join/\S+)", first)
        assert password and len(links) == 2, first
        # The printed join link works and the printed login works.
        page = httpx.get(links[0])
        assert page.status_code == 200 and "group agreement" in page.text
        origin = f"http://127.0.0.1:{port}"
        login = httpx.post(f"{origin}/api/login", headers={"Origin": origin},
                           json={"username": "facilitator", "password": password.group(1)})
        assert login.status_code == 200
    finally:
        stop(process)
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600

    process, second = start()
    try:
        assert "password:" not in second  # shown once only
    finally:
        stop(process)


def test_audit_verify_names_the_first_bad_entry(tmp_path: Path) -> None:
    import sqlite3

    ok = hearth(tmp_path, "audit", "verify")
    assert ok.returncode == 0 and "0 entries" in ok.stdout

    async def fill() -> None:
        from server.store.db import SqlStore

        store = SqlStore(f"sqlite:///{tmp_path / 'hearth.db'}")
        for n in range(3):
            await store.safeguarding.audit("Fran", "room.lock", room_id="r_1", detail={"n": n})
        await store.aclose()

    import asyncio

    asyncio.run(fill())
    assert "3 entries" in hearth(tmp_path, "audit", "verify").stdout
    with sqlite3.connect(tmp_path / "hearth.db") as db:
        db.execute("UPDATE audit SET action = 'room.unlock' WHERE seq = 2")
    broken = hearth(tmp_path, "audit", "verify")
    assert broken.returncode == 1 and "entry 2" in broken.stdout
