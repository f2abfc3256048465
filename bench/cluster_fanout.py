"""Chat fan-out across nodes: rooms spread over two nodes behind Caddy, beside one node.

    python -m bench.cluster_fanout                 # 40 rooms of 10, 200 msgs/s, 20 s each
    python -m bench.cluster_fanout --rooms 100 --rate 500 --duration 60
    python -m bench.cluster_fanout --quick         # a smoke run

The deployment's topology as processes (bench/cluster_procs.py): nodes ``a`` and ``b`` on
one fresh PostgreSQL database and a private Redis, Caddy with deploy/Caddyfile in front.
Each node runs ``bench/fanout_server.py``, the chat benchmark's runner: ``hearth serve``'s
app and uvicorn configuration with the per-address HTTP limits lifted, since every client
comes from one address (WebSocket and chat limits as shipped). ``HEARTH_NODE_MAX_ROOMS``
is 0 (no limit): the default, five rooms per core, is sized for rooms with every
microphone on, and these rooms only chat.

Two configurations, in one invocation, with the same number of rooms, people, message
rate and duration, each room on new rooms of its own:

* **two nodes**: the rooms placed alternately on ``a`` and ``b`` (their leases taken in
  Redis before the tokens are asked for, as placement would have; ``--let-nodes-place``
  leaves it to the nodes instead, and prints where they put them);
* **one node**: node ``b`` stopped, every room on ``a``.

Everything else is bench/chat_fanout.py's, reused: the tokens over the HTTP API (through
Caddy, as a browser), one warm-up room per node, the load clients
(bench/fanout_client.py on bench/wsclient.py, each room at its node's WebSocket through
Caddy, ``/nodes/a/ws``), the facilitators admitting everyone, then chat at ``--rate``
round-robin over everyone, latency from a monotonic timestamp in each message to each
delivery (the sender's echo included). CPU seconds over the measured window come from
/proc/PID/stat of each node, Caddy, redis-server and the client processes; "other" is the
machine's busy time that none of those used (other people's work on a shared machine).

Before the deployment starts it times a calibration (``bench/calibrate.py``: a loopback
WebSocket echo) and prints the p99 latency and the nodes' CPU per message in echo round
trips too. With ``--baseline REV`` it then runs the whole thing again on nodes of ``REV``
(a clean copy of that commit; the nodes' ``PYTHONPATH`` is the copy; Caddy's configuration,
the database's preparation and the load are this checkout's) after a calibration of its own,
and prints this tree's figures over the baseline's, for one node and for two:

    python -m bench.cluster_fanout --baseline HEAD~1
    python -m bench.cluster_fanout --quick --baseline HEAD

Run it on purpose; the test suite runs it with ``--quick`` and asserts nothing about its
figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import sys
import time
from array import array
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from bench.calibrate import baseline_tree, beside, ratio_table, resolve, websocket_echo
from bench.chat_fanout import (
    HOST,
    ask,
    cpu_seconds,
    machine_busy,
    percentile,
    source_state,
    split,
    tokens,
    wait_for_quiet,
    warm_up,
)
from bench.cluster_procs import (
    FACILITATOR,
    PASSWORD,
    ROOT,
    Deployment,
    add_deployment_options,
    add_room,
    bench_deployment,
)
from bench.fanout_client import ConnectReport, LoadReport, RoomPlan, WorkerPlan, worker_main
from bench.fanout_server import raise_open_files
from server.cluster.leases import Lease, Leases
from server.settings import Settings

RUNNER = ("-m", "bench.fanout_server")
CONFIGURATIONS = {"two nodes": ("a", "b"), "one node": ("a",)}
# deploy/Caddyfile: health_interval.
CADDY_HEALTH_EVERY = 5.0


async def new_rooms(d: Deployment, count: int, label: str) -> list[tuple[str, str]]:
    """``count`` rooms with an invite each and Fran assigned: [(room id, invite)]."""
    store = d.store()
    try:
        return [await add_room(store, f"Bench {label} {number}", "everyone")
                for number in range(count)]
    finally:
        await store.aclose()


class Keeper:
    """The leases the benchmark took for the rooms (placing them), renewed until each
    room's node adopts its own at the first hello: a lease lapsing meanwhile would let a
    join place its room again, elsewhere."""

    def __init__(self, d: Deployment) -> None:
        self.redis = Redis.from_url(d.redis_server.url, protocol=2)
        self.leases = Leases(self.redis, d.lease_ttl)
        self.held: list[Lease] = []
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    async def place(self, room_id: str, node: str) -> None:
        taken, lease = await self.leases.acquire(room_id, node)
        if not taken:
            raise SystemExit(f"room {room_id} is already on node {lease.node_id}")
        self.held.append(lease)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._renew())

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(self.leases.ttl / 4)
            for lease in self.held:
                await self.leases.renew(lease)

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if not self._closed:
            self._closed = True
            await self.redis.aclose()


def node_of(plan: RoomPlan) -> str:
    """``/nodes/a/ws`` -> ``a``."""
    return plan.path.split("/")[2] if plan.path.startswith("/nodes/") else "?"


async def measure(d: Deployment, nodes: tuple[str, ...], label: str,
                  opts: argparse.Namespace) -> dict[str, Any]:
    size = opts.room_size
    connections = opts.rooms * size
    rooms = await new_rooms(d, opts.rooms + len(nodes), label)
    keeper = Keeper(d)
    context = multiprocessing.get_context("spawn")
    workers: list[Any] = []
    pipes: list[Any] = []
    try:
        # The first len(nodes) rooms warm up one node each; the rest alternate.
        if not opts.let_nodes_place:
            for number, (room_id, _) in enumerate(rooms):
                await keeper.place(room_id, nodes[number % len(nodes)])
            keeper.start()
        setup = await tokens(d.origin, rooms, size - 1, username=FACILITATOR,
                             password=PASSWORD)
        every = [setup.warm_up, *setup.plans]
        warm_ups, plans = every[:len(nodes)], every[len(nodes):]
        spread = Counter(node_of(plan) for plan in plans)
        print(f"{label}: rooms per node {dict(sorted(spread.items()))}; HTTP setup "
              f"{setup.http_seconds:.1f} s", flush=True)
        port = d.caddy.port
        for plan in warm_ups:
            await warm_up(port, d.origin, plan)

        parts = split(plans, opts.clients_procs)
        for number, share in enumerate(parts):
            mine, theirs = context.Pipe()
            process = context.Process(target=worker_main, args=(theirs,), daemon=True)
            process.start()
            mine.send(WorkerPlan(host=HOST, port=port, origin=d.origin, rooms=share,
                                 connect_concurrency=opts.connect_concurrency, seed=number))
            workers.append(process)
            pipes.append(mine)
        for pipe in pipes:
            loaded = await asyncio.to_thread(pipe.poll, 60)
            assert loaded and pipe.recv() == ("loaded",)
        started = time.monotonic()
        ready: list[ConnectReport] = await asyncio.to_thread(
            ask, pipes, ("connect",), "ready", 600)
        connect_seconds = time.monotonic() - started
        await keeper.aclose()
        connected = sum(r.connections for r in ready)
        admitted = sum(r.admitted for r in ready)
        for report in ready:
            for failure in report.failures:
                print(f"  failure: {failure}")
        if connected != connections or admitted + opts.rooms != connections:
            raise SystemExit(f"{label}: {connected} of {connections} connected, {admitted} "
                             "admitted; see the failures above")

        await asyncio.sleep(opts.settle)
        quiet = await asyncio.to_thread(wait_for_quiet, opts.quiet_below, opts.quiet_timeout)
        per_worker = [sum(1 + len(r.participant_tokens) for r in share) for share in parts]
        t0 = time.monotonic_ns() + int(0.5e9)
        for pipe, members in zip(pipes, per_worker, strict=True):
            pipe.send(("go", t0, opts.warmup, opts.duration, opts.rate * members / connections))
        window_start = t0 / 1e9 + opts.warmup
        await asyncio.sleep(max(0.0, window_start - time.monotonic()))
        pids: dict[str, int] = {f"node {name}": pid for name in nodes
                                if (pid := d.nodes[name].pid) is not None}
        for name, pid in (("Caddy", d.caddy.process.pid), ("Redis", d.redis_server.pid)):
            if pid is not None:
                pids[name] = pid
        for number, process in enumerate(workers):
            pids[f"load clients {number + 1}"] = process.pid
        cpu_before = {name: sum(cpu_seconds(pid)) for name, pid in pids.items()}
        busy_before = machine_busy()
        await asyncio.sleep(max(0.0, window_start + opts.duration - time.monotonic()))
        cpu_after = {name: sum(cpu_seconds(pid)) for name, pid in pids.items()}
        busy_after = machine_busy()
        loads: list[LoadReport] = []
        for pipe in pipes:
            if not await asyncio.to_thread(pipe.poll, 120):
                raise SystemExit("a client process did not report")
            reply = pipe.recv()
            assert reply[0] == "done", reply
            loads.append(reply[1])
    finally:
        await keeper.aclose()
        for pipe in pipes:
            with contextlib.suppress(OSError):
                pipe.send(("exit",))
        for process in workers:
            await asyncio.to_thread(process.join, 20)
            if process.is_alive():
                process.kill()

    latencies = array("q")
    lateness = array("q")
    for load in loads:
        latencies.frombytes(load.latencies_ns)
        lateness.frombytes(load.send_lateness_ns)
    ordered = sorted(latencies)
    sent = sum(load.sent for load in loads)
    expected = sum(load.expected for load in loads)
    delivered = sum(load.delivered for load in loads)
    errors: Counter[str] = Counter()
    closes: Counter[int] = Counter()
    for load in loads:
        errors.update(load.errors)
        closes.update(load.closes)
    cpu = {name: round(cpu_after[name] - cpu_before[name], 2) for name in pids}
    busy = (busy_after[0] - busy_before[0]) / max(1, busy_after[1] - busy_before[1])
    cpus = os.cpu_count() or 1
    ours = sum(cpu.values()) / opts.duration
    node_seconds = sum(v for k, v in cpu.items() if k.startswith("node "))
    return {
        "configuration": label,
        "rooms_per_node": dict(sorted(spread.items())),
        "connections": connected,
        "connect_and_admit_s": round(connect_seconds, 1),
        "sent_per_s": round(sent / opts.duration, 1),
        "delivered_fraction": round(delivered / expected, 6) if expected else None,
        "latency_ms": {"p50": percentile(ordered, 50), "p99": percentile(ordered, 99),
                       "max": ordered[-1] / 1e6 if ordered else float("nan")},
        "send_lateness_p99_ms": percentile(sorted(lateness), 99),
        "cpu_seconds": cpu,
        "node_cpu_us_per_message": round(node_seconds / max(1, sent) * 1e6, 1),
        "machine_busy_before_load": round(quiet, 3),
        "machine_busy_fraction": round(busy, 3),
        "other_cpu_cores": round(busy * cpus - ours, 3),
        "errors": dict(errors),
        "unexpected_closes": {str(k): v for k, v in closes.items()},
    }


async def run(d: Deployment, opts: argparse.Namespace) -> list[dict[str, Any]]:
    results = []
    for label, nodes in CONFIGURATIONS.items():
        stopped = [name for name in d.nodes if name not in nodes and d.nodes[name].alive()]
        for name in stopped:
            await asyncio.to_thread(d.nodes[name].stop)
        if stopped:
            # Until Caddy's health check (every 5 s) finds the node gone, a POST it sends
            # there fails 502 instead of being retried on the other node: Caddy 2.6 cannot
            # send a request body twice ("invalid Read on closed Body", caddyserver/caddy
            # issues 5454 and 7546).
            await asyncio.sleep(CADDY_HEALTH_EVERY + 1)
        results.append(await measure(d, nodes, label, opts))
    return results


def report(results: list[dict[str, Any]], opts: argparse.Namespace) -> None:
    by_order = sorted(results, key=lambda r: len(r["rooms_per_node"]))  # one node first
    width = 24

    def row(name: str, values: list[str]) -> None:
        print(f"  {name:<30}" + "".join(f"{v:>{width}}" for v in values))

    def cpu_row(name: str) -> None:
        values = []
        for result in by_order:
            seconds = result["cpu_seconds"].get(name)
            values.append("-" if seconds is None
                          else f"{seconds:.2f} s ({seconds / opts.duration:.2f} cores)")
        row(f"CPU {name}", values)

    print()
    print(f"chat fan-out through Caddy: {opts.rooms} rooms of {opts.room_size} "
          f"({opts.rooms * opts.room_size} connections), {opts.rate:g} msgs/s, "
          f"{opts.duration:g} s measured after {opts.warmup:g} s of warm-up, "
          f"{opts.clients_procs} client process(es)")
    row("", [r["configuration"] for r in by_order])
    row("rooms per node", [" / ".join(f"{k} {v}" for k, v in r["rooms_per_node"].items())
                           for r in by_order])
    row("sent", [f"{r['sent_per_s']:.1f} msgs/s" for r in by_order])
    row("delivered", [f"{r['delivered_fraction']:.3%}" for r in by_order])
    for key in ("p50", "p99", "max"):
        row(f"latency {key}", [f"{r['latency_ms'][key]:.2f} ms" for r in by_order])
    names = sorted({k for r in by_order for k in r["cpu_seconds"]},
                   key=lambda k: (not k.startswith("node"), k))
    for name in names:
        cpu_row(name)
    row("node CPU per message", [f"{r['node_cpu_us_per_message']:.0f} µs" for r in by_order])
    if all("in_echo_round_trips" in r for r in by_order):
        row("in echo round trips: p99", [f"{r['in_echo_round_trips']['latency_p99']:.1f}"
                                         for r in by_order])
        row("in echo round trips: node CPU", [
            f"{r['in_echo_round_trips']['node_cpu_per_message']:.1f} per msg" for r in by_order])
    row("other work on the machine", [f"{r['other_cpu_cores']:.2f} cores" for r in by_order])
    row("machine busy before the load", [f"{r['machine_busy_before_load']:.0%}"
                                         for r in by_order])
    row("send lateness p99", [f"{r['send_lateness_p99_ms']:.2f} ms" for r in by_order])
    row("connect + admit", [f"{r['connect_and_admit_s']:.1f} s" for r in by_order])
    for result in by_order:
        if result["errors"] or result["unexpected_closes"]:
            print(f"  {result['configuration']}: errors {result['errors']}, unexpected closes "
                  f"{result['unexpected_closes']}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=40, help="rooms in each configuration")
    parser.add_argument("--room-size", type=int, default=10, help="people per room")
    parser.add_argument("--rate", type=float, default=200, help="total chat.send per second")
    parser.add_argument("--duration", type=float, default=20, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=2, help="unmeasured seconds of load first")
    parser.add_argument("--clients-procs", type=int, default=1,
                        help="client processes (whole rooms each)")
    parser.add_argument("--connect-concurrency", type=int, default=50,
                        help="handshakes in flight per client process")
    parser.add_argument("--settle", type=float, default=2,
                        help="seconds of rest after connecting, before the load")
    parser.add_argument("--quiet-below", type=float, default=0.25,
                        help="before the load, wait for the machine to be less busy than this")
    parser.add_argument("--quiet-timeout", type=float, default=60,
                        help="...but no longer than this many seconds")
    parser.add_argument("--let-nodes-place", action="store_true",
                        help="let the nodes place the two-node rooms (default: alternately)")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 4 rooms of 5, 10 msgs/s, 3 s, no waiting for quiet")
    parser.add_argument("--json", metavar="FILE", help="also write the figures here")
    parser.add_argument("--baseline", metavar="REV",
                        help="then run it all again on nodes of this commit (HEAD~1, a tag...) "
                             "and print this tree's figures over theirs")
    add_deployment_options(parser)
    opts = parser.parse_args(argv)
    if opts.quick:
        opts.rooms, opts.room_size, opts.rate = 4, 5, 10
        opts.duration, opts.warmup, opts.settle, opts.quiet_timeout = 3, 1, 0.5, 0
    connections = opts.rooms * opts.room_size
    if opts.room_size < 2 or opts.rooms < 1:
        parser.error("at least one room of two")
    if not 1 <= opts.clients_procs <= opts.rooms:
        parser.error("--clients-procs must be between 1 and the number of rooms")
    limit = Settings().chat_per_second
    if opts.rate / connections > limit:
        parser.error(f"--rate {opts.rate:g} over {connections} connections is above the "
                     f"server's per-connection chat limit of {limit}/s")
    raise_open_files()
    commit = resolve(opts.baseline) if opts.baseline else ""  # refused before anything runs
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs; "
          f"server source {source_state()}", flush=True)
    results = calibrated(opts, ROOT)
    report(results, opts)
    end = os.getloadavg()
    print(f"  load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, at end "
          f"{end[0]:.2f} {end[1]:.2f} {end[2]:.2f}")
    figures: dict[str, Any] = {"command": "python -m bench.cluster_fanout " + " ".join(
        sys.argv[1:] if argv is None else argv), "load_average": load, "results": results}
    if opts.baseline:
        print(f"\nbaseline {opts.baseline} ({commit}): its nodes", flush=True)
        with baseline_tree(opts.baseline) as tree:
            theirs = calibrated(opts, tree)
        report(theirs, opts)
        compare(results, theirs, opts.baseline, commit)
        figures["baseline"] = {"commit": commit, "results": theirs}
    if opts.json:
        Path(opts.json).write_text(json.dumps(figures, indent=2) + "\n")


def calibrated(opts: argparse.Namespace, tree: Path) -> list[dict[str, Any]]:
    """Both configurations on nodes of ``tree`` (this checkout, or a baseline's copy), the
    calibration taken just before, and the figures that matter divided by it."""
    echo = websocket_echo()
    print(echo.line(), flush=True)
    with bench_deployment(opts, "hearth-cluster-fanout-", argv=RUNNER, tree=tree,
                          HEARTH_NODE_MAX_ROOMS="0") as d:
        print(f"nodes a and b up behind Caddy at {d.origin}", flush=True)
        results = asyncio.run(run(d, opts))
    for result in results:
        result["calibration"] = echo.as_json()
        result["in_echo_round_trips"] = {
            "latency_p99": round(result["latency_ms"]["p99"] * 1000 / echo.wall_us, 2),
            "node_cpu_per_message": round(result["node_cpu_us_per_message"] / echo.cpu_us, 2),
        }
    return results


def compare(ours: list[dict[str, Any]], theirs: list[dict[str, Any]], rev: str,
            commit: str) -> None:
    rows: list[tuple[str, float, float, str]] = []
    for label in CONFIGURATIONS:
        mine = next(r for r in ours if r["configuration"] == label)
        other = next(r for r in theirs if r["configuration"] == label)
        rows += [
            (f"{label}: latency p99", mine["latency_ms"]["p99"], other["latency_ms"]["p99"],
             "ms"),
            ("  the same, in echo round trips", mine["in_echo_round_trips"]["latency_p99"],
             other["in_echo_round_trips"]["latency_p99"], "echo"),
            *((f"{label}: CPU {node}", mine["cpu_seconds"][node], other["cpu_seconds"][node],
               "s") for node in mine["cpu_seconds"]
              if node.startswith("node ") and node in other["cpu_seconds"]),
            (f"{label}: node CPU per message", mine["node_cpu_us_per_message"],
             other["node_cpu_us_per_message"], "µs"),
            ("  the same, in echo round trips", mine["in_echo_round_trips"]["node_cpu_per_message"],
             other["in_echo_round_trips"]["node_cpu_per_message"], "echo"),
        ]
    rows.append(("calibration echo (CPU)", ours[0]["calibration"]["echo_cpu_us"],
                 theirs[0]["calibration"]["echo_cpu_us"], "µs"))
    ratio_table(beside(rev, commit), rows)

if __name__ == "__main__":
    main()
