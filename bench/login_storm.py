"""What a burst of bad staff logins does to everyone's WebSocket round trip.

    python -m bench.login_storm [--logins 20] [--quiet 3]

An outside review measured 20 bad logins raising a WebSocket round trip in every
room from 3 ms to 818 ms, when argon2 ran on the event loop. This starts
``python -m server`` on a fresh data folder, joins as a parent, and pings the
server over the WebSocket every 150 ms, within its message limit (an unknown
message type with a ref: the endpoint answers it alone, so it measures the event
loop, not a room). It prints
the round trip over ``--quiet`` seconds of nothing else, then while ``--logins``
bad logins (each its own username, all at once from one address, as many as the
per-address limit lets through) are answered.

Run it on purpose; it is not part of the test suite and asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import httpx
from websockets.asyncio.client import connect

from bench.cluster_procs import free_port
from server.auth.passwords import ARGON2_THREADS

# Under the WebSocket limit (a burst of 40, then 10 a second), as a person would be.
PING_EVERY = 0.15


def _summary(name: str, samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return (f"{name:<28} n={len(ms):4d}  p50 {statistics.median(ms):6.2f} ms  "
            f"p99 {p99:7.2f} ms  max {ms[-1]:7.2f} ms")


async def _pinger(ws, samples: list[float], stop: asyncio.Event) -> None:  # type: ignore[no-untyped-def]
    n = 0
    while not stop.is_set():
        n += 1
        ref = f"p{n}"
        started = time.perf_counter()
        await ws.send(json.dumps({"type": "bench.ping", "ref": ref}))
        while True:
            answer = json.loads(await ws.recv())
            if answer.get("ref") == ref:
                break
        samples.append(time.perf_counter() - started)
        await asyncio.sleep(PING_EVERY)


async def drive(base: str, invite: str, logins: int, quiet: float) -> None:
    async with httpx.AsyncClient(base_url=base, headers={"Origin": base}, timeout=60) as http:
        token = (await http.post("/api/join", json={"invite": invite, "agree": True})
                 ).json()["token"]
        async with connect(base.replace("http", "ws") + "/ws", origin=base,  # type: ignore[arg-type]
                           compression=None) as ws:
            await ws.send(json.dumps({"type": "hello", "token": token}))
            while json.loads(await ws.recv())["type"] != "welcome":
                pass
            calm: list[float] = []
            stop = asyncio.Event()
            pinger = asyncio.create_task(_pinger(ws, calm, stop))
            await asyncio.sleep(quiet)
            stop.set()
            await pinger
            storm: list[float] = []
            stop = asyncio.Event()
            pinger = asyncio.create_task(_pinger(ws, storm, stop))
            started = time.perf_counter()
            answers = await asyncio.gather(*(
                http.post("/api/login", json={"username": f"nobody-{n}",
                                              "password": "not the password at all"})
                for n in range(logins)))
            took = time.perf_counter() - started
            stop.set()
            await pinger
    codes = sorted({a.status_code for a in answers})
    print(_summary("round trip, quiet", calm))
    print(_summary(f"round trip, {logins} bad logins", storm))
    print(f"{logins} logins answered in {took:.2f} s (status codes {codes})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=20)
    parser.add_argument("--quiet", type=float, default=3.0)
    opts = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="hearth-login-storm-")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
    env.update(HEARTH_DATA_DIR=folder, HEARTH_REQUIRE_2FA="none")
    server = subprocess.Popen([sys.executable, "-m", "server", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert server.stdout is not None
        out = ""
        while "Hearth is running" not in out:
            line = server.stdout.readline()
            if not line:
                raise SystemExit("the server did not start")
            out += line
        base = f"http://127.0.0.1:{port}"  # open: the server says so only then
        invite = re.findall(r"/join/(\S+)", out)[0]
        print(f"{os.cpu_count()} cores, {ARGON2_THREADS} argon2 thread(s)")
        asyncio.run(drive(base, invite, opts.logins, opts.quiet))
    finally:
        server.send_signal(2)
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
