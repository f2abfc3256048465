"""Chat fan-out benchmark: C clients in rooms of 10, a total chat rate, figures printed.

    python -m bench.chat_fanout --connections 5000 --rate 2000 --duration 60

What it does, in order:

1. Creates a temporary data folder and, directly in its SQLite store, one
   staff account (a facilitator), C / room-size rooms and an invite for each,
   plus one warm-up room.
2. Starts the server as a separate process, ``python -m bench.fanout_server``:
   ``hearth serve``'s own app and uvicorn configuration with the per-address
   HTTP join and login limits lifted, because all the load comes from one
   address. WebSocket limits stay at their defaults.
3. Logs in over HTTP (``POST /api/login`` with the Origin header), takes a
   facilitator token for every room (``POST /api/rooms/{id}/token``) and joins
   room-size - 1 participants per room (``POST /api/join``).
4. Connects and disconnects the warm-up room once, so lazily built server
   state is not charged to the connections, then reads the server's RSS.
5. Starts K client processes (``bench/fanout_client.py``), each owning whole
   rooms. Each room's facilitator connects, its participants connect and
   knock, and the facilitator's client admits each knock as it arrives.
6. Waits for the server to settle, reads its RSS again: memory per idle
   connection = (RSS after - RSS before) / C, from VmRSS in /proc/PID/status.
7. Sends chat at the total rate, round-robin over every connected member,
   for warm-up + duration seconds; measures the duration window only:
   latency of every delivery of every message sent in the window, server and
   client CPU from /proc/PID/stat (utime + stime), the machine's busy time
   from /proc/stat.

Before each measurement it times a calibration (``bench/calibrate.py``: a loopback
WebSocket echo) and prints the figures divided by it too. With ``--baseline REV`` it then
measures the server as it was at ``REV`` (a clean copy of that commit) with the same load, and
prints this tree's figures over the baseline's:

    python -m bench.chat_fanout --connections 5000 --rate 2000 --duration 60 --nice -10 \
        --baseline HEAD~1

Run it on purpose; the test suite runs it only on 20 connections and asserts nothing about
its figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from bench.calibrate import baseline_tree, ratio_table, resolve, websocket_echo
from bench.cluster_procs import free_port
from bench.fanout_client import (
    ConnectReport,
    LoadReport,
    Member,
    RoomPlan,
    RoomRun,
    Tally,
    WorkerPlan,
    worker_main,
)
from bench.fanout_server import raise_open_files
from bench.wsclient import connect
from server.auth.passwords import hash_password
from server.settings import Settings
from server.store.db import SqlStore

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
STAFF_USER = "bench-facilitator"
STAFF_PASSWORD = "bench password, not a secret"  # a throwaway benchmark account
# HTTP requests in flight at once while setting up (joins and staff tokens).
HTTP_CONCURRENCY = 16
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# -- /proc readings ---------------------------------------------------------------


def rss_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of ``pid`` in KiB: resident now, and the peak so far."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values["VmRSS"], values["VmHWM"]


def cpu_seconds(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds used so far by ``pid``, from /proc/PID/stat."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    # Fields 14 and 15 of proc(5), counted from 1 with pid and comm as 1 and 2.
    return int(fields[11]) / CLOCK_TICKS, int(fields[12]) / CLOCK_TICKS


def thread_cpu_seconds(pid: int, tid: int) -> float:
    """user + system CPU seconds of one thread, from /proc/PID/task/TID/stat."""
    stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def wait_for_quiet(limit: float, timeout: float) -> float:
    """Wait until the machine's busy fraction over one second is below ``limit``.

    Returns the last fraction seen. The benchmark's own processes are idle
    while this runs, so what it sees is other work on a shared machine.
    """
    deadline = time.monotonic() + timeout
    while True:
        before = machine_busy()
        time.sleep(1)
        after = machine_busy()
        busy = (after[0] - before[0]) / max(1, after[1] - before[1])
        if busy < limit or time.monotonic() > deadline:
            return busy


def machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies over all CPUs from /proc/stat; busy excludes idle and iowait."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    total = sum(values[:8])  # guest time is already inside user
    return total - values[3] - values[4], total


def prioritise(pids: list[int], nice: int) -> int | None:
    """Give the benchmark's processes ``nice``, so other work on a shared machine waits.

    Linux keeps a nice value per thread, hence every thread of each process.
    With autogroup scheduling (sched_autogroup_enabled), nice only ranks
    threads within one session's group, and groups share the CPUs fairly; so
    the group these processes share (the coordinator's) gets ``nice`` too.
    """
    try:
        for pid in pids:
            for task in Path(f"/proc/{pid}/task").iterdir():
                os.setpriority(os.PRIO_PROCESS, int(task.name), nice)
        return set_autogroup_nice(pids[0], nice)
    except PermissionError:
        raise SystemExit(f"--nice {nice} needs root (CAP_SYS_NICE)") from None


def set_autogroup_nice(pid: int, nice: int) -> int | None:
    """Set the nice value of ``pid``'s autogroup; returns the old one (None: no autogroups)."""
    autogroup = Path(f"/proc/{pid}/autogroup")
    if not autogroup.exists():
        return None
    old = int(autogroup.read_text().split()[-1])
    autogroup.write_text(str(nice))
    return old


# -- setup ----------------------------------------------------------------------------


@dataclass
class Rooms:
    plans: list[RoomPlan]
    warm_up: RoomPlan
    http_seconds: float


async def seed_store(database_url: str, count: int) -> list[tuple[str, str]]:
    """The staff account and ``count`` rooms with one invite each: [(room id, invite)]."""
    store = SqlStore(database_url)
    try:
        await store.migrate()
        staff = await store.add_staff(STAFF_USER, hash_password(STAFF_PASSWORD), "facilitator")
        rooms = []
        for number in range(count):
            # Only a room's own facilitators take its tokens.
            record = await store.add_room(f"Bench group {number}", "everyone",
                                          facilitators=[staff.id])
            invite = await store.add_invite(record.id)
            rooms.append((record.id, invite.code))
        return rooms
    finally:
        await store.aclose()


async def wait_healthy(base: str, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"the server exited with {process.returncode}; see its log")
            try:
                if (await http.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("the server did not answer /healthz in time")


async def tokens(base: str, rooms: list[tuple[str, str]], participants: int, *,
                 username: str = STAFF_USER, password: str = STAFF_PASSWORD) -> Rooms:
    """A facilitator token and ``participants`` join tokens per room, over the HTTP API;
    each room's WebSocket path is the one its ``ws_url`` names (its node's, behind a
    proxy in front of several). The first room is the warm-up one."""
    started = time.monotonic()
    origin = {"Origin": base}
    gate = asyncio.Semaphore(HTTP_CONCURRENCY)
    limits = httpx.Limits(max_connections=HTTP_CONCURRENCY)
    async with httpx.AsyncClient(base_url=base, headers=origin, limits=limits) as staff, \
            httpx.AsyncClient(base_url=base, headers=origin, limits=limits) as public:
        login = await staff.post("/api/login", json={"username": username,
                                                     "password": password})
        login.raise_for_status()

        async def post(http: httpx.AsyncClient, path: str, body: dict[str, Any]
                       ) -> dict[str, Any]:
            async with gate:
                response = await http.post(path, json=body)
            if response.status_code != 201:
                raise SystemExit(f"POST {path}: {response.status_code} {response.text}")
            answer: dict[str, Any] = response.json()
            return answer

        async def room(room_id: str, invite: str) -> RoomPlan:
            answer = await post(staff, f"/api/rooms/{room_id}/token", {})
            joins = await asyncio.gather(*(
                post(public, "/api/join", {"invite": invite, "agree": True})
                for _ in range(participants)
            ))
            return RoomPlan(room_id, str(answer["token"]), [str(j["token"]) for j in joins],
                            path=urlsplit(answer["ws_url"]).path or "/ws")

        plans = await asyncio.gather(*(room(r, i) for r, i in rooms))
    return Rooms(plans=list(plans[1:]), warm_up=plans[0],
                 http_seconds=time.monotonic() - started)


async def warm_up(port: int, origin: str, plan: RoomPlan) -> None:
    """Connect one room, admit, chat once, leave: the server's first-use costs, paid up front."""
    tally = Tally(window_start=0, window_end=2**62)
    room = RoomRun(plan)
    members: list[Member] = []
    for token in [plan.facilitator_token, *plan.participant_tokens]:
        member = Member(await connect(HOST, port, origin, plan.path), room, not members,
                        tally)
        member.send(type="hello", token=token)
        await asyncio.wait_for(member.welcomed, 10)
        room.members.add(member)
        members.append(member)
    await asyncio.gather(*(asyncio.wait_for(m.admitted, 10) for m in members[1:]))
    for member in members:
        member.client.send_text(b'{"type":"chat.send","text":"%d warm-up"}' % time.monotonic_ns())
    deadline = time.monotonic() + 10
    while tally.delivered < len(members) ** 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    tally.shutting_down = True
    for member in members:
        member.send(type="leave")
    await asyncio.gather(*(asyncio.wait_for(m.client.closed, 10) for m in members))


# -- the run --------------------------------------------------------------------------


def read_gc_log(path: Path, start: float, end: float) -> dict[str, Any]:
    """The server's garbage-collection pauses inside the window, from ``--gc-log``."""
    full: list[float] = []
    other: list[float] = []
    for line in path.read_text().splitlines():
        at, generation, took = line.split()
        if start <= float(at) <= end:
            (full if generation == "2" else other).append(float(took))
    return {
        "full_collections": len(full),
        "full_max_ms": round(max(full, default=0.0), 1),
        "full_total_ms": round(sum(full), 1),
        "other_pauses_over_1ms": len(other),
        "other_total_ms": round(sum(other), 1),
    }


def source_state(root: Path = REPO) -> str:
    """The commit the server ran from, and whether server/ had uncommitted changes."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, check=True,
                                capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "server"], cwd=root, check=True,
                               capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit} (server/ modified)" if dirty else commit


def percentile(ordered: Sequence[int], q: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))] / 1e6


def split(rooms: list[RoomPlan], parts: int) -> list[list[RoomPlan]]:
    return [rooms[i::parts] for i in range(parts)]


def ask(pipes: list[Any], message: tuple[Any, ...], answer: str,
        timeout: float) -> list[Any]:
    for pipe in pipes:
        pipe.send(message)
    replies = []
    for pipe in pipes:
        if not pipe.poll(timeout):
            raise SystemExit(f"a client process did not answer {message[0]!r} in {timeout:.0f}s")
        reply = pipe.recv()
        assert reply[0] == answer, reply
        replies.append(reply[1] if len(reply) > 1 else None)
    return replies


def run(opts: argparse.Namespace, root: Path = REPO) -> dict[str, Any]:
    """One measurement, of the server in ``root`` (this checkout, or a baseline's clean copy:
    ``python -m bench.fanout_server`` runs there); the load generator is always this one."""
    connections, size = opts.connections, opts.room_size
    room_count = connections // size
    limit = Settings().chat_per_second
    if opts.rate / connections > limit:
        raise SystemExit(f"--rate {opts.rate} over {connections} connections is "
                         f"{opts.rate / connections:.2f} chats/s each, above the server's "
                         f"per-connection chat limit of {limit}/s: that measures the limiter")

    source = source_state(root)
    data_dir = Path(tempfile.mkdtemp(prefix="hearth-bench-"))
    port = opts.port or free_port()
    base = f"http://{HOST}:{port}"
    print(f"data folder {data_dir}; server on {base}", flush=True)
    rooms = asyncio.run(seed_store(f"sqlite:///{data_dir / 'hearth.db'}", room_count + 1))

    gc_log = data_dir / "gc.log"
    command = [sys.executable, "-m", "bench.fanout_server", "--host", HOST, "--port", str(port),
               "--gc-log", str(gc_log)]
    if opts.server_profile:
        command += ["--profile", str(Path(opts.server_profile).resolve())]
    if opts.tracemalloc:
        command += ["--tracemalloc", str(Path(opts.tracemalloc).resolve())]
    log = (data_dir / "server.log").open("wb")
    env = {**os.environ, "HEARTH_DATA_DIR": str(data_dir)}
    env.pop("HEARTH_DATABASE_URL", None)
    env.pop("HEARTH_REDIS_URL", None)
    server = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    print(f"server pid {server.pid}", flush=True)
    context = multiprocessing.get_context("spawn")
    workers: list[Any] = []
    pipes: list[Any] = []
    old_group_nice: int | None = None
    window_start = 0.0
    try:
        asyncio.run(wait_healthy(base, server))
        setup = asyncio.run(tokens(base, rooms, size - 1))
        print(f"HTTP setup: {room_count + 1} staff tokens and {(room_count + 1) * (size - 1)} "
              f"joins in {setup.http_seconds:.1f}s", flush=True)
        asyncio.run(warm_up(port, base, setup.warm_up))

        for number, share in enumerate(split(setup.plans, opts.clients_procs)):
            mine, theirs = context.Pipe()
            process = context.Process(target=worker_main, args=(theirs,), daemon=True)
            process.start()
            mine.send(WorkerPlan(host=HOST, port=port, origin=base, rooms=share,
                                 connect_concurrency=opts.connect_concurrency, seed=number))
            workers.append(process)
            pipes.append(mine)
        for pipe in pipes:
            assert pipe.poll(60) and pipe.recv() == ("loaded",)
        if opts.nice:
            old_group_nice = prioritise([server.pid, *(p.pid for p in workers)], opts.nice)

        time.sleep(opts.settle)
        rss_before, _ = rss_kib(server.pid)
        if opts.tracemalloc:
            server.send_signal(signal.SIGUSR1)  # snapshot .1: before connecting
            time.sleep(opts.settle)
        started = time.monotonic()
        ready: list[ConnectReport] = ask(pipes, ("connect",), "ready", 600)
        connect_seconds = time.monotonic() - started
        connected = sum(r.connections for r in ready)
        admitted = sum(r.admitted for r in ready)
        print(f"connected {connected} and admitted {admitted} in {connect_seconds:.1f}s "
              f"({connected / connect_seconds:.0f} connections/s)", flush=True)
        for report in ready:
            for failure in report.failures:
                print(f"  failure: {failure}")
        if admitted + room_count != connections:
            raise SystemExit("not every client got in; see the failures above")
        time.sleep(opts.settle)
        rss_idle, _ = rss_kib(server.pid)
        if opts.tracemalloc:
            server.send_signal(signal.SIGUSR1)  # snapshot .2: every client connected, idle
            time.sleep(opts.settle)

        quiet = wait_for_quiet(opts.quiet_below, opts.quiet_timeout)
        print(f"machine busy {quiet:.0%} just before the load", flush=True)
        # The load: every process starts on the same monotonic instant.
        per_worker = [sum(1 + len(r.participant_tokens) for r in rooms_of_worker)
                      for rooms_of_worker in split(setup.plans, opts.clients_procs)]
        t0 = time.monotonic_ns() + int(0.5e9)
        for pipe, members in zip(pipes, per_worker, strict=True):
            pipe.send(("go", t0, opts.warmup, opts.duration, opts.rate * members / connections))
        window_start = t0 / 1e9 + opts.warmup
        time.sleep(max(0.0, window_start - time.monotonic()))
        pids = [server.pid, *(p.pid for p in workers)]
        spy = None
        if opts.py_spy:
            # Samples the server over the window without stopping it (--nonblocking);
            # "raw" is one collapsed stack per line with its count.
            spy = subprocess.Popen(
                ["py-spy", "record", "--pid", str(server.pid), "--nonblocking", "--rate", "250",
                 "--duration", str(int(opts.duration)), "--format", "raw",
                 "--output", str(Path(opts.py_spy).resolve())],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cpu_before = [cpu_seconds(pid) for pid in pids]
        busy_before = machine_busy()
        time.sleep(max(0.0, window_start + opts.duration - time.monotonic()))
        cpu_after = [cpu_seconds(pid) for pid in pids]
        busy_after = machine_busy()
        _, rss_peak_run = rss_kib(server.pid)
        loads: list[LoadReport] = []
        for pipe in pipes:
            if not pipe.poll(120):
                raise SystemExit("a client process did not report")
            reply = pipe.recv()
            assert reply[0] == "done", reply
            loads.append(reply[1])
        rss_after, rss_peak = rss_kib(server.pid)
        if spy is not None:
            spy.wait(timeout=60)
    finally:
        if old_group_nice is not None:
            set_autogroup_nice(os.getpid(), old_group_nice)  # the group outlives this run
        for pipe in pipes:
            with contextlib.suppress(OSError):
                pipe.send(("exit",))
        for process in workers:
            process.join(timeout=20)
            if process.is_alive():
                process.kill()
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=120)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        gc_pauses = read_gc_log(gc_log, window_start, window_start + opts.duration) \
            if gc_log.exists() and window_start else {}
        if opts.keep_data:
            print(f"kept {data_dir} (server.log is there)")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)

    latencies = array("q")
    sent_at = array("q")
    lateness = array("q")
    for load in loads:
        latencies.frombytes(load.latencies_ns)
        sent_at.frombytes(load.sent_at_ns)
        lateness.frombytes(load.send_lateness_ns)
    ordered = sorted(latencies)
    # p99 of the messages sent in each second of the window: shows whether the
    # tail is steady or a few stalls.
    window_ns = t0 + int(opts.warmup * 1e9)
    seconds: list[list[int]] = [[] for _ in range(max(1, int(opts.duration + 0.999)))]
    for at, latency in zip(sent_at, latencies, strict=True):
        seconds[min(len(seconds) - 1, (at - window_ns) // 1_000_000_000)].append(latency)
    p99_by_second = [round(percentile(sorted(s), 99), 1) for s in seconds]
    late_ordered = sorted(lateness)
    errors: Counter[str] = Counter()
    closes: Counter[int] = Counter()
    for load in loads:
        errors.update(load.errors)
        closes.update(load.closes)
    sent = sum(load.sent for load in loads)
    expected = sum(load.expected for load in loads)
    delivered = sum(load.delivered for load in loads)

    def cores(index: int) -> dict[str, float]:
        user = (cpu_after[index][0] - cpu_before[index][0]) / opts.duration
        system = (cpu_after[index][1] - cpu_before[index][1]) / opts.duration
        return {"user": round(user, 3), "system": round(system, 3),
                "total": round(user + system, 3)}

    busy = (busy_after[0] - busy_before[0]) / max(1, busy_after[1] - busy_before[1])
    ours = sum(cores(i)["total"] for i in range(len(pids)))
    cpus = os.cpu_count() or 1
    server_cpu = cores(0)["total"]
    return {
        "source": source,
        "connections": connected,
        "admitted": admitted,
        "rooms": room_count,
        "room_size": size,
        "rate": opts.rate,
        "duration_s": opts.duration,
        "warmup_s": opts.warmup,
        "client_processes": opts.clients_procs,
        "nice": opts.nice,
        "http_setup_s": round(setup.http_seconds, 1),
        "connect_and_admit_s": round(connect_seconds, 1),
        "sent_per_s": round(sent / opts.duration, 1),
        "delivered_per_s": round(delivered / opts.duration, 1),
        "delivered_fraction": round(delivered / expected, 6) if expected else None,
        "latency_ms": {
            "p50": percentile(ordered, 50), "p90": percentile(ordered, 90),
            "p99": percentile(ordered, 99), "p99.9": percentile(ordered, 99.9),
            "max": ordered[-1] / 1e6 if ordered else None,
        },
        "latency_p99_ms_by_second": p99_by_second,
        "send_lateness_ms": {"p50": percentile(late_ordered, 50),
                             "p99": percentile(late_ordered, 99),
                             "max": late_ordered[-1] / 1e6 if late_ordered else None},
        "server_rss_kib": {"before_connect": rss_before, "idle_connected": rss_idle,
                           "after_run": rss_after, "peak": rss_peak,
                           "peak_during_run": rss_peak_run},
        "server_kib_per_idle_connection": round((rss_idle - rss_before) / connected, 2),
        "server_cpu_cores": cores(0),
        # CPU time per chat.send handled, its fan-out included: steadier than
        # latency when other work shares the machine.
        "server_cpu_us_per_message": round(server_cpu / max(1e-9, sent / opts.duration) * 1e6, 1),
        "client_cpu_cores": [cores(i) for i in range(1, len(pids))],
        "machine_busy_before_load": round(quiet, 3),
        "machine_busy_fraction": round(busy, 3),
        "machine_cpus": cpus,
        # Busy CPU not accounted for by the server and the clients: the
        # coordinator (asleep), the kernel's softirq work, and anything else
        # running on the machine, which makes the figures noisy.
        "other_cpu_cores": round(busy * cpus - ours, 3),
        "server_gc": gc_pauses,
        "errors": dict(errors),
        "unexpected_closes": {str(k): v for k, v in closes.items()},
    }


def report(figures: dict[str, Any]) -> None:
    lat = figures["latency_ms"]
    late = figures["send_lateness_ms"]
    rss = figures["server_rss_kib"]
    server = figures["server_cpu_cores"]
    clients = figures["client_cpu_cores"]
    print()
    print(f"server source {figures['source']}")
    print(f"chat fan-out: {figures['connections']} connections in {figures['rooms']} rooms of "
          f"{figures['room_size']}, {figures['rate']} msgs/s for {figures['duration_s']}s "
          f"(after {figures['warmup_s']}s warm-up), {figures['client_processes']} client "
          f"process(es)")
    print(f"  sent                {figures['sent_per_s']:>10.1f} msgs/s")
    print(f"  delivered           {figures['delivered_per_s']:>10.1f} msgs/s  "
          f"({figures['delivered_fraction']:.4%} of expected, every member incl. the sender)")
    print(f"  latency  p50 {lat['p50']:.2f} ms   p90 {lat['p90']:.2f} ms   p99 {lat['p99']:.2f} ms"
          f"   p99.9 {lat['p99.9']:.2f} ms   max {lat['max']:.2f} ms")
    print("  p99 by second (ms)  " + " ".join(f"{v:.0f}" for v in figures[
        "latency_p99_ms_by_second"]))
    print(f"  server RSS          before {rss['before_connect'] / 1024:.1f} MiB, idle connected "
          f"{rss['idle_connected'] / 1024:.1f} MiB, after run {rss['after_run'] / 1024:.1f} MiB, "
          f"peak {rss['peak'] / 1024:.1f} MiB")
    print(f"  per idle connection {figures['server_kib_per_idle_connection']:.1f} KiB")
    if "in_echo_round_trips" in figures:
        scaled = figures["in_echo_round_trips"]
        print(f"  in echo round trips server CPU per message {scaled['server_cpu_per_message']}, "
              f"latency p50 {scaled['latency_p50']}, p99 {scaled['latency_p99']} "
              f"(calibration {figures['calibration']['echo_cpu_us']} µs CPU, "
              f"{figures['calibration']['echo_wall_us']} µs wall)")
    print(f"  server CPU          {server['total']:.2f} cores "
          f"(user {server['user']:.2f}, system {server['system']:.2f}), "
          f"{figures['server_cpu_us_per_message']:.0f} µs per message and its fan-out")
    print("  client CPU          " + ", ".join(f"{c['total']:.2f}" for c in clients)
          + f" cores; machine busy {figures['machine_busy_fraction']:.0%} "
            f"of {figures['machine_cpus']} CPUs, {figures['other_cpu_cores']:.2f} cores "
            "outside server and clients")
    print(f"  send lateness       p50 {late['p50']:.2f} ms, p99 {late['p99']:.2f} ms, "
          f"max {late['max']:.2f} ms (how far clients fell behind their schedule)")
    gc_pauses = figures["server_gc"]
    if gc_pauses:
        print(f"  server GC pauses    {gc_pauses['full_collections']} full collections, longest "
              f"{gc_pauses['full_max_ms']:.0f} ms, {gc_pauses['full_total_ms']:.0f} ms in all; "
              f"{gc_pauses['other_pauses_over_1ms']} younger ones over 1 ms "
              f"({gc_pauses['other_total_ms']:.0f} ms)")
    print(f"  setup               HTTP {figures['http_setup_s']}s, connect + admit "
          f"{figures['connect_and_admit_s']}s")
    if figures["errors"] or figures["unexpected_closes"]:
        print(f"  errors {figures['errors']}  unexpected closes {figures['unexpected_closes']}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=1000, help="C, total clients")
    parser.add_argument("--rate", type=float, default=2000, help="total chat.send per second")
    parser.add_argument("--duration", type=float, default=30, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=2, help="unmeasured seconds of load first")
    parser.add_argument("--room-size", type=int, default=10)
    parser.add_argument("--clients-procs", type=int, default=1,
                        help="client processes (whole rooms each)")
    parser.add_argument("--connect-concurrency", type=int, default=200,
                        help="handshakes in flight per client process")
    parser.add_argument("--settle", type=float, default=3,
                        help="seconds to wait before each RSS reading")
    parser.add_argument("--quiet-below", type=float, default=0.1,
                        help="before the load, wait for the machine to be less busy than this")
    parser.add_argument("--quiet-timeout", type=float, default=300,
                        help="...but no longer than this many seconds")
    parser.add_argument("--nice", type=int, default=0,
                        help="nice value for the server and client processes (negative: "
                             "ahead of other work on a shared machine; needs root)")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--server-profile", metavar="FILE", help="run the server under cProfile")
    parser.add_argument("--tracemalloc", metavar="PREFIX",
                        help="server snapshots PREFIX.1 (before connecting), PREFIX.2 (idle)")
    parser.add_argument("--py-spy", metavar="FILE",
                        help="sample the server with py-spy over the window (collapsed stacks)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures here")
    parser.add_argument("--baseline", metavar="REV",
                        help="also measure the server at this commit (HEAD~1, a tag...), in "
                             "the same invocation, and print this tree's figures over its")
    parser.add_argument("--keep-data", action="store_true", help="keep the temporary data folder")
    opts = parser.parse_args(argv)
    if opts.room_size < 2 or opts.connections % opts.room_size:
        parser.error("--connections must be a multiple of --room-size (at least 2)")
    if opts.clients_procs < 1 or opts.clients_procs > opts.connections // opts.room_size:
        parser.error("--clients-procs must be between 1 and the number of rooms")
    raise_open_files()
    if opts.baseline:
        resolve(opts.baseline)  # a typo fails now, not after the first run
    figures = calibrated(opts, REPO)
    figures["command"] = "python -m bench.chat_fanout " + " ".join(
        sys.argv[1:] if argv is None else argv)
    report(figures)
    if opts.baseline:
        with baseline_tree(opts.baseline) as tree:
            figures["baseline"] = calibrated(opts, tree)
        report(figures["baseline"])
        compare(figures, figures["baseline"], opts.baseline)
    if opts.json:
        Path(opts.json).write_text(json.dumps(figures, indent=2) + "\n")


def calibrated(opts: argparse.Namespace, root: Path) -> dict[str, Any]:
    """``run(opts, root)``'s figures with the calibration taken just before, and the
    figures that matter divided by it."""
    echo = websocket_echo()
    print(echo.line(), flush=True)
    figures = run(opts, root)
    figures["calibration"] = echo.as_json()
    lat = figures["latency_ms"]
    figures["in_echo_round_trips"] = {
        "server_cpu_per_message": round(figures["server_cpu_us_per_message"] / echo.cpu_us, 2),
        "latency_p50": round(lat["p50"] * 1000 / echo.wall_us, 2),
        "latency_p99": round(lat["p99"] * 1000 / echo.wall_us, 2),
    }
    return figures


def compare(ours: dict[str, Any], theirs: dict[str, Any], rev: str) -> None:
    rows = [
        ("latency p50", ours["latency_ms"]["p50"], theirs["latency_ms"]["p50"], "ms"),
        ("latency p99", ours["latency_ms"]["p99"], theirs["latency_ms"]["p99"], "ms"),
        ("memory per idle connection", ours["server_kib_per_idle_connection"],
         theirs["server_kib_per_idle_connection"], "KiB"),
        ("server CPU per message", ours["server_cpu_us_per_message"],
         theirs["server_cpu_us_per_message"], "µs"),
        ("  the same, in echo round trips", ours["in_echo_round_trips"]["server_cpu_per_message"],
         theirs["in_echo_round_trips"]["server_cpu_per_message"], "echo"),
        ("calibration echo (CPU)", ours["calibration"]["echo_cpu_us"],
         theirs["calibration"]["echo_cpu_us"], "µs"),
    ]
    ratio_table(f"this tree ({ours['source']}) beside --baseline {rev} ({theirs['source']}): "
                "this, baseline, this / baseline", rows)


if __name__ == "__main__":
    main()
