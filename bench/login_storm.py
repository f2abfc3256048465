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

Before the server starts it times two calibrations (``bench/calibrate.py``), because the
figures are of two kinds of work: a loopback WebSocket echo, the unit of the round trips
(a quiet round trip is that and the server's event loop), and one argon2id hash with the
library's defaults, the unit of the logins' time (a bad login is one such hash on the
server's argon2 threads). Both are printed, and the figures in them. With ``--baseline REV``
it then runs the server as it was at ``REV`` (a clean copy of that commit) with the same
client, and prints this tree's figures over its:

    python -m bench.login_storm --baseline HEAD~1

Run it on purpose; the test suite runs it briefly and asserts nothing about its figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

from bench.calibrate import (
    REPO,
    argon2_hash,
    baseline_tree,
    beside,
    ratio_table,
    resolve,
    tree_env,
    websocket_echo,
)
from bench.cluster_procs import free_port
from server.auth.passwords import ARGON2_THREADS

# Under the WebSocket limit (a burst of 40, then 10 a second), as a person would be.
PING_EVERY = 0.15


def _spread(samples: list[float]) -> tuple[float, float, float]:
    """(p50, p99, max) in milliseconds."""
    ms = sorted(s * 1000 for s in samples)
    return statistics.median(ms), ms[min(len(ms) - 1, int(len(ms) * 0.99))], ms[-1]


def _summary(name: str, samples: list[float]) -> str:
    p50, p99, top = _spread(samples)
    return (f"{name:<28} n={len(samples):4d}  p50 {p50:6.2f} ms  "
            f"p99 {p99:7.2f} ms  max {top:7.2f} ms")


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


async def drive(base: str, invite: str, logins: int, quiet: float) -> dict[str, float]:
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
    (quiet_p50, quiet_p99, _), (storm_p50, storm_p99, _) = _spread(calm), _spread(storm)
    return {"quiet_p50_ms": quiet_p50, "quiet_p99_ms": quiet_p99, "storm_p50_ms": storm_p50,
            "storm_p99_ms": storm_p99, "logins_s": took}


def run(opts: argparse.Namespace, root: Path) -> dict[str, float]:
    """One measurement of the server in ``root`` (this checkout or a baseline's copy)."""
    folder = tempfile.mkdtemp(prefix="hearth-login-storm-")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
    env.update(HEARTH_DATA_DIR=folder, HEARTH_REQUIRE_2FA="none")
    server = subprocess.Popen([sys.executable, "-m", "server", "--port", str(port)], cwd=root,
                              env=tree_env(root, env), stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
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
        return asyncio.run(drive(base, invite, opts.logins, opts.quiet))
    finally:
        server.send_signal(2)
        server.wait(timeout=20)
        server.stdout.close()  # type: ignore[union-attr]
        shutil.rmtree(folder, ignore_errors=True)


def calibrated(opts: argparse.Namespace, root: Path) -> dict[str, float]:
    """``run(opts, root)`` with both calibrations taken just before, and the figures in
    their units: round trips in echo round trips, the logins' time in argon2 hashes."""
    echo = websocket_echo()
    print(echo.line(), flush=True)
    hashed = argon2_hash()
    print(hashed.line(), flush=True)
    figures = run(opts, root)
    figures |= {"echo_wall_us": echo.wall_us, "argon2_wall_ms": hashed.wall_ms,
                "storm_p99_echoes": figures["storm_p99_ms"] * 1e3 / echo.wall_us,
                "logins_hashes": figures["logins_s"] * 1e3 / hashed.wall_ms}
    print(f"in calibration units: round trip p50 quiet "
          f"{figures['quiet_p50_ms'] * 1e3 / echo.wall_us:.1f}, during the logins "
          f"{figures['storm_p50_ms'] * 1e3 / echo.wall_us:.1f}, p99 "
          f"{figures['storm_p99_echoes']:.1f} echo round trips; the logins took "
          f"{figures['logins_hashes']:.1f} argon2 hashes' time "
          f"({figures['logins_hashes'] / opts.logins:.2f} per login)")
    return figures


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=20)
    parser.add_argument("--quiet", type=float, default=3.0)
    parser.add_argument("--baseline", metavar="REV",
                        help="then measure the server at this commit (HEAD~1, a tag...) with "
                             "the same client, and print this tree's figures over its")
    opts = parser.parse_args(argv)
    if opts.logins < 1 or opts.quiet <= 0:
        parser.error("--logins and --quiet must be positive")
    commit = resolve(opts.baseline) if opts.baseline else ""  # refused before anything runs
    print(f"{os.cpu_count()} cores, {ARGON2_THREADS} argon2 thread(s) in this tree")
    ours = calibrated(opts, REPO)
    if not opts.baseline:
        return
    print(f"\nbaseline {opts.baseline} ({commit}):", flush=True)
    with baseline_tree(opts.baseline) as tree:
        theirs = calibrated(opts, tree)
    ratio_table(beside(opts.baseline, commit), [
        ("round trip p50, quiet", ours["quiet_p50_ms"], theirs["quiet_p50_ms"], "ms"),
        ("round trip p50, logins", ours["storm_p50_ms"], theirs["storm_p50_ms"],
         "ms"),
        ("round trip p99, logins", ours["storm_p99_ms"], theirs["storm_p99_ms"],
         "ms"),
        ("  the same, in echo round trips", ours["storm_p99_echoes"],
         theirs["storm_p99_echoes"], "echo"),
        ("logins answered in", ours["logins_s"], theirs["logins_s"], "s"),
        ("  the same, in argon2 hashes", ours["logins_hashes"],
         theirs["logins_hashes"], "hash"),
        ("calibration echo", ours["echo_wall_us"], theirs["echo_wall_us"], "µs"),
        ("calibration argon2 hash", ours["argon2_wall_ms"],
         theirs["argon2_wall_ms"], "ms"),
    ])


if __name__ == "__main__":
    main()
