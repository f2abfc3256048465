"""Alert latency: urgent message sent -> facilitator receives ``alert``, the DB commit included.

    python bench/alert_latency.py --participants 100
    python bench/alert_latency.py --participants 1000

What it does, in order:

1. Creates a temporary data folder and, directly in its SQLite store, a staff
   account, one room per ``--room-size`` participants (a facilitator and
   room-size - 1 participants each) and an invite per room, plus a warm-up room
   (``bench.chat_fanout.seed_store``).
2. Starts the server as a separate process, ``python -m bench.fanout_server``:
   ``hearth serve``'s own app and uvicorn configuration with the per-address
   HTTP join and login limits lifted (all the load comes from one address).
   The WebSocket and chat limits stay at their defaults, and so does the
   database: SQLite in WAL mode in the data folder, as ``hearth serve`` runs it.
3. Takes the tokens over HTTP, connects the warm-up room once, then connects
   every room: the facilitator first, then the participants, who knock and are
   admitted by the facilitator's client (``bench.fanout_client.Worker``).
4. Waits for the server to go idle (admitting writes an audit entry per
   participant in the background) and for the machine to be quiet.
5. For ``--warmup`` + ``--duration`` seconds: background chat, each connected
   person sending one ordinary message every ``--chat-every`` seconds; and
   urgent messages at ``--urgent-rate`` a second (Poisson arrivals by default)
   from participants picked at random. Each urgent message carries
   ``time.monotonic_ns()`` taken just before its frame is written; the server
   screens it, holds it, commits the alert and its escalation (with their
   audit entries) and only then sends ``alert`` to the room's facilitator and
   ``chat.held`` + ``signpost`` to the sender. Latency is the facilitator's
   ``monotonic_ns()`` as the ``alert`` frame is parsed minus that stamp (one
   machine, one CLOCK_MONOTONIC). Facilitators acknowledge each alert
   ``--ack-after`` seconds after it arrives, which is one more database write.
6. Measures the ``--duration`` window only: alert latency, the sender's
   ``chat.held`` latency, background chat delivery latency, the alerts
   committed per second, the server's CPU (event-loop thread and the rest,
   which is mostly aiosqlite's SQLite threads), the machine's CPU and iowait,
   and the writes and flushes of the disk holding the data folder (all users'
   I/O: on a shared machine an fsync can wait behind someone else's). After
   the server stops, counts the rows in its database: every urgent message
   sent must have an alert and an escalation.

Run it on purpose; it is not part of the test suite and asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from array import array
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

# Run as a script from anywhere: make the repository importable (bench/ is not installed).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import msgspec

from bench.calibrate import baseline_tree, beside, ratio_table, resolve, tree_env, websocket_echo
from bench.chat_fanout import (
    HOST,
    REPO,
    cpu_seconds,
    machine_busy,
    percentile,
    prioritise,
    seed_store,
    set_autogroup_nice,
    thread_cpu_seconds,
    tokens,
    wait_for_quiet,
    wait_healthy,
    warm_up,
)
from bench.cluster_procs import free_port
from bench.fanout_client import FILLER, Member, Worker, WorkerPlan
from bench.fanout_server import raise_open_files
from server.rooms.names import clean_chat
from server.safeguarding.screening import default_screen
from server.settings import Settings

# What someone at risk might write; every one must screen as urgent (checked at start).
URGENT_TEXTS = (
    "I'm going to kill myself tonight, I have the tablets ready",
    "i want to end my life, i've got the pills here and i'm taking them tonight",
    "I've written the notes, tonight is the night I end it all",
    "i cant do this anymore im going to kms tonight",
    "I've been cutting myself again and tonight I want to go deeper",
)
# After the last send, wait this long at most for alerts and chat still in flight.
DRAIN_TIMEOUT = 15.0
# Before the load, wait (at most SETTLE_TIMEOUT) for the server to use less than
# this much CPU over a second: admissions leave audit writes running behind them.
SERVER_IDLE_CORES = 0.05
SETTLE_TIMEOUT = 120.0
# More CPU than this used outside the server and the clients during the window
# (other people's work on a shared machine) is called out next to the figures.
OTHER_WORK_WARNING = 0.2
# The frames this benchmark reads itself; everything else goes to Member.on_text.
ALERT_PREFIX = b'{"type":"alert",'
HELD_PREFIX = b'{"type":"chat.held",'


class _Excerpt(msgspec.Struct):
    text: str


class _Alert(msgspec.Struct):
    id: str
    severity: str
    message: _Excerpt | None = None


_decode_alert = msgspec.json.Decoder(_Alert).decode


async def until(at_ns: int) -> None:
    """Sleep until ``time.monotonic_ns()`` reaches ``at_ns`` (at once if it has)."""
    delay = (at_ns - time.monotonic_ns()) / 1e9
    if delay > 0:
        await asyncio.sleep(delay)


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def wait_server_idle(pid: int, below: float, timeout: float) -> float:
    """Wait until ``pid`` uses less than ``below`` cores over a second; returns the last reading."""
    deadline = time.monotonic() + timeout
    while True:
        before = sum(cpu_seconds(pid))
        time.sleep(1)
        used = sum(cpu_seconds(pid)) - before
        if used < below or time.monotonic() > deadline:
            return used


def check_texts() -> None:
    screen = default_screen()
    for text in URGENT_TEXTS:
        decision = screen.screen(clean_chat(f"{time.monotonic_ns()} {text}"))
        if decision.severity.value != "urgent":
            raise SystemExit(f"the screen no longer calls this urgent: {text!r}")
    if default_screen().screen(FILLER.decode()).severity.value != "none":
        raise SystemExit("the background chat line is no longer benign")


def disk_of(path: Path) -> str | None:
    """The /proc/diskstats name of the device holding ``path`` (None: not a disk, e.g. tmpfs)."""
    device = path.stat().st_dev
    wanted = (os.major(device), os.minor(device))
    for line in Path("/proc/diskstats").read_text().splitlines():
        fields = line.split()
        if (int(fields[0]), int(fields[1])) == wanted:
            return fields[2]
    return None


def disk_counters(name: str | None) -> tuple[int, int, int, int]:
    """(writes, ms writing, flushes, ms flushing) of one device since boot, from /proc/diskstats.

    The whole device: other people's I/O on a shared disk is in here too, which
    is the point. Flushes (fsync reaching the device) need Linux 5.5 or later.
    """
    if name is None:
        return 0, 0, 0, 0
    for line in Path("/proc/diskstats").read_text().splitlines():
        fields = line.split()
        if fields[2] == name:
            values = [int(v) for v in fields[3:]]
            flushes = values[15:17] if len(values) >= 17 else [0, 0]
            return values[4], values[7], flushes[0], flushes[1]
    return 0, 0, 0, 0


def iowait_jiffies() -> int:
    """Jiffies all CPUs spent idle waiting for I/O (/proc/stat); ``machine_busy`` leaves it out."""
    return int(Path("/proc/stat").read_text().split("\n", 1)[0].split()[5])


class Readings:
    """CPU, disk and machine counters at one instant."""

    def __init__(self, server_pid: int, disk: str | None) -> None:
        user, system = cpu_seconds(server_pid)
        self.server_user = user
        self.server_system = system
        self.server_main = thread_cpu_seconds(server_pid, server_pid)
        self.server_threads = len(list(Path(f"/proc/{server_pid}/task").iterdir()))
        self.client = own_cpu_seconds()
        self.busy = machine_busy()
        self.iowait = iowait_jiffies()
        self.disk = disk_counters(disk)
        self.at = time.monotonic()


class AlertLoad:
    """Background chat and urgent messages over connected rooms; what the clients saw."""

    def __init__(self, worker: Worker, opts: argparse.Namespace) -> None:
        self.opts = opts
        self.worker = worker
        self.members: list[Member] = [m for r in worker.rooms for m in r.members]
        self.participants = [m for m in self.members if not m.staff]
        self.rng = random.Random(opts.seed)
        self.window_start = 0
        self.window_end = 0
        # Alert latency: facilitator receives ``alert`` minus the urgent message's send stamp.
        self.alert_latency = array("q")
        self.alert_sent_at = array("q")
        # Sender receives ``chat.held`` minus its send stamp (the signpost follows in the
        # same batch of frames).
        self.held_latency = array("q")
        self.send_lateness = array("q")
        self.pending: dict[int, deque[int]] = {id(m): deque() for m in self.participants}
        self.urgent_sent = 0  # in the window
        self.urgent_sent_total = 0
        self.alerts_in_window = 0  # alerts received for urgent messages sent in the window
        self.alerts_total = 0
        # Alerts that arrived inside the window, whenever sent: each was committed
        # just before, so this is the commit rate the server kept up (``acks_in_window``
        # are the other safeguarding writes of the run).
        self.alerts_arrived = 0
        self.acks_in_window = 0
        self.not_urgent = 0  # alerts received with another severity (should be none)
        self.acks_sent = 0
        self.chats_sent = 0  # in the window
        self.chats_expected = 0
        for member in self.members:
            member.client.on_text = functools.partial(self._on_text, member)

    # -- receiving ------------------------------------------------------------------

    def _on_text(self, member: Member, payload: bytes) -> None:
        if payload.startswith(ALERT_PREFIX):
            self._on_alert(member, payload)
        elif payload.startswith(HELD_PREFIX):
            now = time.monotonic_ns()
            stamps = self.pending.get(id(member))
            if stamps:
                sent = stamps.popleft()
                if self.window_start <= sent < self.window_end:
                    self.held_latency.append(now - sent)
        else:
            member.on_text(payload)

    def _on_alert(self, member: Member, payload: bytes) -> None:
        now = time.monotonic_ns()
        alert = _decode_alert(payload)
        self.alerts_total += 1
        if self.window_start <= now < self.window_end:
            self.alerts_arrived += 1
        if alert.severity != "urgent" or alert.message is None:
            self.not_urgent += 1
        else:
            sent = int(alert.message.text[: alert.message.text.index(" ")])
            if self.window_start <= sent < self.window_end:
                self.alerts_in_window += 1
                self.alert_latency.append(now - sent)
                self.alert_sent_at.append(sent)
        if self.opts.ack_after >= 0:
            asyncio.get_running_loop().call_later(
                self.opts.ack_after, self._ack, member, alert.id)

    def _ack(self, member: Member, alert_id: str) -> None:
        member.send(type="alert.ack", alert=alert_id)
        self.acks_sent += 1
        if self.window_start <= time.monotonic_ns() < self.window_end:
            self.acks_in_window += 1

    # -- sending ----------------------------------------------------------------------

    async def _chat(self, start: int, stop: int) -> None:
        """Each member sends one line every ``chat_every`` seconds, spread evenly over time."""
        senders = list(self.members)
        self.rng.shuffle(senders)
        interval = self.opts.chat_every * 1e9 / len(senders)
        index = 0
        while True:
            due = start + int(index * interval)
            if due >= stop:
                return
            await until(due)
            member = senders[index % len(senders)]
            stamp = time.monotonic_ns()
            member.client.send_text(b'{"type":"chat.send","text":"%d %s"}' % (stamp, FILLER))
            if self.window_start <= stamp < stop:
                self.chats_sent += 1
                self.chats_expected += len(member.room.members)
            index += 1

    async def _urgent(self, start: int, stop: int) -> None:
        """Urgent messages at ``urgent_rate`` a second from random participants."""
        rate = self.opts.urgent_rate
        due = start
        while True:
            gap = self.rng.expovariate(rate) if self.opts.arrivals == "poisson" else 1 / rate
            due += int(gap * 1e9)
            if due >= stop:
                return
            await until(due)
            member = self.rng.choice(self.participants)
            text = self.rng.choice(URGENT_TEXTS)
            stamp = time.monotonic_ns()
            self.pending[id(member)].append(stamp)
            member.send(type="chat.send", text=f"{stamp} {text}")
            self.urgent_sent_total += 1
            if self.window_start <= stamp < stop:
                self.urgent_sent += 1
                self.send_lateness.append(stamp - due)

    async def run(self, server_pid: int, disk: str | None,
                  py_spy: str | None) -> tuple[Readings, Readings]:
        opts = self.opts
        t0 = time.monotonic_ns() + 200_000_000
        self.window_start = t0 + int(opts.warmup * 1e9)
        self.window_end = stop = self.window_start + int(opts.duration * 1e9)
        tally = self.worker.tally
        tally.window_start, tally.window_end = self.window_start, stop
        loads = [asyncio.ensure_future(self._chat(t0, stop)),
                 asyncio.ensure_future(self._urgent(t0, stop))]
        await until(self.window_start)
        spy = None
        if py_spy:
            # Samples the server over the window without stopping it; "raw" is one
            # collapsed stack per line with its count.
            spy = subprocess.Popen(
                ["py-spy", "record", "--pid", str(server_pid), "--nonblocking", "--threads",
                 "--rate", "250", "--duration", str(int(opts.duration)), "--format", "raw",
                 "--output", str(Path(py_spy).resolve())],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        before = Readings(server_pid, disk)
        await until(stop)
        after = Readings(server_pid, disk)
        await asyncio.gather(*loads)
        drain_until = time.monotonic() + DRAIN_TIMEOUT
        while time.monotonic() < drain_until and (
            self.alerts_total < self.urgent_sent_total or tally.delivered < self.chats_expected
        ):
            await asyncio.sleep(0.05)
        if opts.ack_after >= 0:
            await asyncio.sleep(opts.ack_after + 0.5)  # let the last acks go out
        if spy is not None:
            await asyncio.to_thread(spy.wait, 60)
        return before, after


# -- the run ---------------------------------------------------------------------------


async def drive(opts: argparse.Namespace, port: int, server: subprocess.Popen[bytes],
                rooms: list[tuple[str, str]], disk: str | None) -> dict[str, Any]:
    base = f"http://{HOST}:{port}"
    await wait_healthy(base, server)
    setup = await tokens(base, rooms, opts.room_size - 1)
    print(f"HTTP setup: {len(rooms)} staff tokens and {len(rooms) * (opts.room_size - 1)} joins "
          f"in {setup.http_seconds:.1f}s", flush=True)
    await warm_up(port, base, setup.warm_up)
    worker = Worker(WorkerPlan(host=HOST, port=port, origin=base, rooms=setup.plans,
                               connect_concurrency=opts.connect_concurrency, seed=opts.seed))
    connected = await worker.connect_all()
    print(f"connected {connected.connections} and admitted {connected.admitted} in "
          f"{connected.seconds:.1f}s", flush=True)
    for failure in connected.failures:
        print(f"  failure: {failure}")
    if connected.connections != opts.participants or (
            connected.admitted != opts.participants - len(setup.plans)):
        raise SystemExit("not every client got in; see the failures above")
    try:
        load = AlertLoad(worker, opts)
        idle = await asyncio.to_thread(wait_server_idle, server.pid, SERVER_IDLE_CORES,
                                       SETTLE_TIMEOUT)
        print(f"server settled ({idle:.2f} cores)", flush=True)
        quiet = await asyncio.to_thread(wait_for_quiet, opts.quiet_below, opts.quiet_timeout)
        load_before = os.getloadavg()
        print(f"machine busy {quiet:.0%} just before the load; load average "
              f"{load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}", flush=True)
        before, after = await load.run(server.pid, disk, opts.py_spy)
        result = figures(opts, load, before, after, quiet, load_before, setup.http_seconds,
                         connected.seconds)
        result["disk"]["device"] = disk
        return result
    finally:
        worker.close_all()
        await asyncio.sleep(0.1)  # let the aborts reach the transports


def figures(opts: argparse.Namespace, load: AlertLoad, before: Readings, after: Readings,
            quiet: float, load_before: tuple[float, float, float], http_seconds: float,
            connect_seconds: float) -> dict[str, Any]:
    seconds = after.at - before.at
    alerts = sorted(load.alert_latency)
    held = sorted(load.held_latency)
    chat = sorted(load.worker.tally.latencies)
    late = sorted(load.send_lateness)

    def summary(ordered: Sequence[int]) -> dict[str, Any]:
        return {"count": len(ordered), "p50": percentile(ordered, 50),
                "p90": percentile(ordered, 90), "p99": percentile(ordered, 99),
                "max": ordered[-1] / 1e6 if ordered else None}

    # p99 of the alerts sent in each 5 s of the window: steady tail, or a few stalls?
    slice_ns = 5_000_000_000
    slices: list[list[int]] = [[] for _ in range(max(1, int((opts.duration + 4.999) // 5)))]
    for at, latency in zip(load.alert_sent_at, load.alert_latency, strict=True):
        slices[min(len(slices) - 1, (at - load.window_start) // slice_ns)].append(latency)
    busy = (after.busy[0] - before.busy[0]) / max(1, after.busy[1] - before.busy[1])
    server_total = (after.server_user + after.server_system
                    - before.server_user - before.server_system) / seconds
    server_main = (after.server_main - before.server_main) / seconds
    client = (after.client - before.client) / seconds
    cpus = os.cpu_count() or 1
    return {
        "participants": opts.participants,
        "rooms": opts.participants // opts.room_size,
        "room_size": opts.room_size,
        "duration_s": opts.duration,
        "warmup_s": opts.warmup,
        "urgent_rate": opts.urgent_rate,
        "arrivals": opts.arrivals,
        "chat_every_s": opts.chat_every,
        "ack_after_s": opts.ack_after,
        "http_setup_s": round(http_seconds, 1),
        "connect_and_admit_s": round(connect_seconds, 1),
        "urgent_sent": load.urgent_sent,
        "alerts_received": load.alerts_in_window,
        "alerts_committed_per_s": round(load.alerts_arrived / opts.duration, 2),
        "server_cpu_us_per_alert": round(server_total * seconds / max(1, load.alerts_arrived)
                                         * 1e6, 1),
        "acks_sent_per_s": round(load.acks_in_window / opts.duration, 2),
        "alert_latency_ms": summary(alerts),
        "alert_p99_ms_by_5s": [round(percentile(sorted(s), 99), 1) for s in slices],
        # CLOCK_MONOTONIC at the window's start, to line the slices up with other probes.
        "window_start_monotonic_ns": load.window_start,
        "held_latency_ms": summary(held),
        "chat_sent_per_s": round(load.chats_sent / opts.duration, 1),
        "chat_delivered_fraction": round(load.worker.tally.delivered / load.chats_expected, 6)
        if load.chats_expected else None,
        "chat_latency_ms": summary(chat),
        "urgent_send_lateness_ms": summary(late),
        "server_cpu_cores": {
            "total": round(server_total, 3),
            "user": round((after.server_user - before.server_user) / seconds, 3),
            "system": round((after.server_system - before.server_system) / seconds, 3),
            "event_loop_thread": round(server_main, 3),
            "other_threads": round(server_total - server_main, 3),
        },
        "server_threads": after.server_threads,
        "client_cpu_cores": round(client, 3),
        "machine_cpus": cpus,
        "machine_busy_before_load": round(quiet, 3),
        "machine_busy_fraction": round(busy, 3),
        "machine_iowait_fraction": round(
            (after.iowait - before.iowait) / max(1, after.busy[1] - before.busy[1]), 3),
        # The data folder's whole device, everyone's I/O included; fsyncs show as flushes.
        "disk": {
            "writes_per_s": round((after.disk[0] - before.disk[0]) / seconds, 1),
            "avg_write_ms": round((after.disk[1] - before.disk[1])
                                  / max(1, after.disk[0] - before.disk[0]), 2),
            "flushes_per_s": round((after.disk[2] - before.disk[2]) / seconds, 1),
            "avg_flush_ms": round((after.disk[3] - before.disk[3])
                                  / max(1, after.disk[2] - before.disk[2]), 2),
        },
        "other_cpu_cores": round(busy * cpus - server_total - client, 3),
        "load_average_before": [round(v, 2) for v in load_before],
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
        "acks_sent": load.acks_sent,
        "urgent_sent_total": load.urgent_sent_total,
        "alerts_received_total": load.alerts_total,
        "alerts_not_urgent": load.not_urgent,
        "errors": dict(load.worker.tally.errors),
        "unexpected_closes": {str(k): v for k, v in load.worker.tally.closes.items()},
    }


def count_rows(database: Path) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        return {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("alerts", "escalations", "audit")}


def run(opts: argparse.Namespace, root: Path = REPO) -> dict[str, Any]:
    """One measurement, of the server in ``root`` (this checkout, or a baseline's clean copy:
    ``python -m bench.fanout_server`` runs there); the load is always this checkout's."""
    room_count = opts.participants // opts.room_size
    limit = Settings().chat_per_second
    senders = opts.participants - room_count
    per_sender = 1 / opts.chat_every + opts.urgent_rate / senders
    if per_sender > limit / 2:
        raise SystemExit(f"{per_sender:.2f} chats/s per participant is too close to the server's "
                         f"per-connection chat limit of {limit}/s: that would measure the limiter")
    check_texts()

    data_dir = Path(tempfile.mkdtemp(prefix="hearth-alert-bench-", dir=opts.data_parent))
    database = data_dir / "hearth.db"
    port = opts.port or free_port()
    print(f"data folder {data_dir}; server on http://{HOST}:{port}", flush=True)
    rooms = asyncio.run(seed_store(f"sqlite:///{database}", room_count + 1))

    command = [sys.executable, "-m", "bench.fanout_server", "--host", HOST, "--port", str(port)]
    if opts.server_profile:
        command += ["--profile", str(Path(opts.server_profile).resolve())]
    env = tree_env(root, {**os.environ, "HEARTH_DATA_DIR": str(data_dir)})
    env.pop("HEARTH_DATABASE_URL", None)
    env.pop("HEARTH_REDIS_URL", None)
    log_path = data_dir / "server.log"
    old_group_nice: int | None = None
    factory: Callable[[], asyncio.AbstractEventLoop] | None = None
    with contextlib.suppress(ImportError):  # uvloop is faster, not required
        import uvloop

        factory = uvloop.new_event_loop
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, cwd=root, env=env, stdout=log,
                                  stderr=subprocess.STDOUT)
        print(f"server pid {server.pid}", flush=True)
        try:
            if opts.nice:
                old_group_nice = prioritise([server.pid, os.getpid()], opts.nice)
            with asyncio.Runner(loop_factory=factory) as runner:
                result = runner.run(drive(opts, port, server, rooms, disk_of(data_dir)))
        finally:
            if old_group_nice is not None:
                set_autogroup_nice(os.getpid(), old_group_nice)  # the group outlives this run
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=120)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    try:
        result["database_rows"] = count_rows(database)
        lines = log_path.read_text(errors="replace").splitlines()
        result["server_log_store_failures"] = sum("could not store" in ln for ln in lines)
        # uvicorn's own KeyboardInterrupt on SIGINT is not counted: errors the app logged are.
        result["server_log_errors"] = sum('"level": "ERROR"' in ln or '"level": "CRITICAL"' in ln
                                          for ln in lines)
    finally:
        if opts.keep_data:
            print(f"kept {data_dir} (server.log is there)")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    return result


def report(f: dict[str, Any]) -> None:
    def line(name: str, s: dict[str, Any]) -> str:
        if not s["count"]:
            return f"  {name:<22}none"
        return (f"  {name:<22}p50 {s['p50']:6.2f} ms   p90 {s['p90']:6.2f} ms   "
                f"p99 {s['p99']:6.2f} ms   max {s['max']:6.2f} ms   (n={s['count']})")

    cpu = f["server_cpu_cores"]
    rows = f["database_rows"]
    print()
    print(f"alert latency: {f['participants']} connected in {f['rooms']} rooms of "
          f"{f['room_size']}; urgent {f['urgent_rate']}/s ({f['arrivals']}), chat 1 per person "
          f"per {f['chat_every_s']:g}s; {f['duration_s']:g}s measured after {f['warmup_s']:g}s")
    print(line("alert (facilitator)", f["alert_latency_ms"]))
    print("  alert p99 per 5 s (ms) " + " ".join(f"{v:.1f}" for v in f["alert_p99_ms_by_5s"]))
    print(line("chat.held (sender)", f["held_latency_ms"]))
    print(line("background chat", f["chat_latency_ms"]))
    print(f"  alerts committed      {f['alerts_committed_per_s']:.2f}/s arrived in the window "
          f"(+ {f['acks_sent_per_s']:.2f} acks/s sent); {f['alerts_received']} of "
          f"{f['urgent_sent']} urgent messages sent in the window were announced")
    delivered = f["chat_delivered_fraction"]  # None: no chat sent in the window
    print(f"  background chat       {f['chat_sent_per_s']:.1f} msgs/s sent, "
          + (f"{delivered:.4%} of deliveries arrived" if delivered is not None else "none due"))
    print(f"  server CPU            {cpu['total']:.3f} cores "
          f"(event loop {cpu['event_loop_thread']:.3f}, "
          f"other threads {cpu['other_threads']:.3f}; user {cpu['user']:.3f}, "
          f"system {cpu['system']:.3f}); {f['server_threads']} threads")
    print(f"  server CPU per alert  {f['server_cpu_us_per_alert']:.0f} µs (all the server's CPU in "
          "the window over the alerts committed in it: background chat and acks included)")
    if "in_echo_round_trips" in f:
        echo, cal = f["in_echo_round_trips"], f["calibration"]
        print(f"  in echo round trips   alert p50 {echo['alert_p50']}, p99 {echo['alert_p99']}; "
              f"chat.held p50 {echo['held_p50']}, p99 {echo['held_p99']}; server CPU per alert "
              f"{echo['server_cpu_per_alert']} (calibration {cal['echo_cpu_us']} µs CPU, "
              f"{cal['echo_wall_us']} µs wall)")
    print(f"  client CPU            {f['client_cpu_cores']:.3f} cores; machine busy "
          f"{f['machine_busy_fraction']:.0%} of {f['machine_cpus']} CPUs, "
          f"{f['other_cpu_cores']:.2f} cores outside server and client")
    disk = f["disk"]
    if disk["device"]:
        print(f"  disk ({disk['device']}, all users)  {disk['writes_per_s']:.0f} writes/s at "
              f"{disk['avg_write_ms']:.2f} ms, {disk['flushes_per_s']:.0f} flushes/s at "
              f"{disk['avg_flush_ms']:.2f} ms; iowait {f['machine_iowait_fraction']:.1%} "
              "of CPU time")
    la, lb = f["load_average_before"], f["load_average_after"]
    print(f"  load average          before {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}, "
          f"after {lb[0]:.2f} {lb[1]:.2f} {lb[2]:.2f}")
    print(line("urgent send lateness", f["urgent_send_lateness_ms"]))
    print(f"  database              {rows['alerts']} alerts, {rows['escalations']} escalations, "
          f"{rows['audit']} audit entries for {f['urgent_sent_total']} urgent messages sent "
          f"({f['alerts_received_total']} alerts received, {f['acks_sent']} acknowledged)")
    print(f"  setup                 HTTP {f['http_setup_s']}s, connect + admit "
          f"{f['connect_and_admit_s']}s")
    if f["other_cpu_cores"] > OTHER_WORK_WARNING:
        print(f"  WARNING               {f['other_cpu_cores']:.2f} cores of other work ran during "
              "the window: these latencies include waiting for the CPU or the disk")
    problems = {k: f[k] for k in ("errors", "unexpected_closes", "alerts_not_urgent",
                                  "server_log_store_failures", "server_log_errors") if f[k]}
    if problems:
        print(f"  problems              {problems}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=100,
                        help="connected people in all, facilitators included")
    parser.add_argument("--room-size", type=int, default=10,
                        help="people per room: one facilitator, the rest participants")
    parser.add_argument("--urgent-rate", type=float, default=5.0,
                        help="urgent messages per second, over all rooms")
    parser.add_argument("--arrivals", choices=("poisson", "even"), default="poisson",
                        help="gaps between urgent messages: random (exponential) or equal")
    parser.add_argument("--chat-every", type=float, default=30.0,
                        help="seconds between ordinary messages from each connected person")
    parser.add_argument("--duration", type=float, default=30, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=3, help="unmeasured seconds of load first")
    parser.add_argument("--ack-after", type=float, default=3.0,
                        help="seconds before a facilitator acknowledges an alert (-1: never)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--connect-concurrency", type=int, default=200,
                        help="WebSocket handshakes in flight at once")
    parser.add_argument("--quiet-below", type=float, default=0.1,
                        help="before the load, wait for the machine to be less busy than this")
    parser.add_argument("--quiet-timeout", type=float, default=300,
                        help="...but no longer than this many seconds")
    parser.add_argument("--nice", type=int, default=0,
                        help="nice value for the server and this process (negative: ahead of "
                             "other work on a shared machine; needs root)")
    parser.add_argument("--data-parent", metavar="DIR",
                        help="where the temporary data folder (and the SQLite file) goes; "
                             "default: the system temporary folder")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--server-profile", metavar="FILE", help="run the server under cProfile")
    parser.add_argument("--py-spy", metavar="FILE",
                        help="sample the server with py-spy over the window (collapsed stacks)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures here")
    parser.add_argument("--keep-data", action="store_true", help="keep the temporary data folder")
    parser.add_argument("--baseline", metavar="REV",
                        help="also measure the server at this commit (HEAD~1, a tag...), in "
                             "the same invocation, and print this tree's figures over its")
    opts = parser.parse_args(argv)
    if opts.room_size < 2 or opts.participants % opts.room_size:
        parser.error("--participants must be a multiple of --room-size (at least 2)")
    if opts.urgent_rate <= 0 or opts.chat_every <= 0 or opts.duration <= 0:
        parser.error("--urgent-rate, --chat-every and --duration must be positive")
    raise_open_files()
    commit = resolve(opts.baseline) if opts.baseline else ""  # refused before anything runs
    result = calibrated(opts, REPO)
    result["command"] = "python bench/alert_latency.py " + " ".join(
        sys.argv[1:] if argv is None else argv)
    report(result)
    if opts.baseline:
        print(f"\nbaseline {opts.baseline} ({commit}):", flush=True)
        with baseline_tree(opts.baseline) as tree:
            result["baseline"] = calibrated(opts, tree)
        result["baseline"]["source"] = commit
        report(result["baseline"])
        compare(result, result["baseline"], opts.baseline, commit)
    if opts.json:
        Path(opts.json).write_text(json.dumps(result, indent=2) + "\n")


def calibrated(opts: argparse.Namespace, root: Path) -> dict[str, Any]:
    """``run(opts, root)``'s figures with the calibration taken just before, and the
    figures that matter divided by it."""
    echo = websocket_echo()
    print(echo.line(), flush=True)
    result = run(opts, root)
    result["calibration"] = echo.as_json()
    alert, held = result["alert_latency_ms"], result["held_latency_ms"]
    result["in_echo_round_trips"] = {
        "alert_p50": round(alert["p50"] * 1000 / echo.wall_us, 1),
        "alert_p99": round(alert["p99"] * 1000 / echo.wall_us, 1),
        "held_p50": round(held["p50"] * 1000 / echo.wall_us, 1),
        "held_p99": round(held["p99"] * 1000 / echo.wall_us, 1),
        "server_cpu_per_alert": round(result["server_cpu_us_per_alert"] / echo.cpu_us, 1),
    }
    return result


def compare(ours: dict[str, Any], theirs: dict[str, Any], rev: str, commit: str) -> None:
    alert, their_alert = ours["alert_latency_ms"], theirs["alert_latency_ms"]
    held, their_held = ours["held_latency_ms"], theirs["held_latency_ms"]
    ratio_table(beside(rev, commit), [
        ("alert latency p50", alert["p50"], their_alert["p50"], "ms"),
        ("alert latency p99", alert["p99"], their_alert["p99"], "ms"),
        ("  the same, in echo round trips", ours["in_echo_round_trips"]["alert_p99"],
         theirs["in_echo_round_trips"]["alert_p99"], "echo"),
        ("chat.held latency p50", held["p50"], their_held["p50"], "ms"),
        ("chat.held latency p99", held["p99"], their_held["p99"], "ms"),
        ("alerts committed", ours["alerts_committed_per_s"],
         theirs["alerts_committed_per_s"], "/s"),
        ("server CPU per alert", ours["server_cpu_us_per_alert"],
         theirs["server_cpu_us_per_alert"], "µs"),
        ("  the same, in echo round trips", ours["in_echo_round_trips"]["server_cpu_per_alert"],
         theirs["in_echo_round_trips"]["server_cpu_per_alert"], "echo"),
        ("calibration echo (CPU)", ours["calibration"]["echo_cpu_us"],
         theirs["calibration"]["echo_cpu_us"], "µs"),
    ])

if __name__ == "__main__":
    main()
