"""Media capacity: K rooms of N people, every microphone on, through Hearth and through MediaRelay.

    python -m bench.media_capacity --sizes 6 12 15 --rooms 2 --duration 30 --nice -10

For each room size N, and for each server (``--servers``, default Hearth then the
baseline), in one run:

1. Starts the server as a separate process. Hearth: ``python -m bench.fanout_server``
   (``hearth serve``'s app and uvicorn configuration, HTTP join limits lifted) over a
   fresh data folder with K + 1 rooms and a facilitator account seeded in its store,
   tokens taken over HTTP as a browser would (``bench.chat_fanout``). Baseline:
   ``python -m bench.media_relay_baseline``, an SFU-style server on aiortc's stock
   ``MediaRelay`` (each listener's connection gets every other microphone, decoded once
   and re-encoded per listener), speaking the same subset of the protocol.
2. Starts one load process (``bench/media_client.py``) that encodes a speech-like
   signal to Opus once (``bench/media_audio.py``) and runs every person as an aiortc
   peer sending those packets every 20 ms: one facilitator and N - 1 participants per
   room, each with a ``sendrecv`` audio transceiver (all microphones on).
3. Warm-up: one room of two joins, hears audio and leaves, so first-use costs are not
   charged to the rooms. Then the server's RSS and its idle CPU over 2 s.
4. Joins the K rooms: the facilitators first, then each room's participants one
   after another, ``--join-spacing`` apart, rooms interleaved; the facilitator's
   client admits each knock. Join time: writing ``hello`` to the first RTP packet of
   audio from the server (participants only; the first person has nobody to hear).
5. After ``--settle`` seconds, RSS again: memory per participant = RSS delta / (K N).
6. Measures ``--duration`` seconds: the server's CPU time (utime + stime of the whole
   process, every thread, from /proc/PID/stat), per listener the RTP packets received
   per second, gaps (consecutive packets of a stream more than 60 ms apart, or a
   stream that stopped), sequence numbers skipped; the load process's CPU and its
   event-loop lateness (a 10 ms probe: client-side stalls would show as gaps too);
   the machine's busy time from /proc/stat and what is left for other work.

``--talkers K``: only the first K people of each room talk (the facilitator first), the
others listen with their microphones off and send no audio: the realistic case beside the
all-microphones-on one.

``--probe``: while the rooms play, ``bench/load_probe.py`` measures, in a chat-only group
of its own on the same server, parents joining (``POST /api/join`` to ``welcome``, and on to
``admitted``) and urgent alerts (the message sent to the facilitator's ``alert``, the
database write included): issue 14's join and alert latency under load.

It prints a calibration first (``bench/calibrate.py``: one complexity-10 Opus encode and one
VP8 640x360 encode) and each Hearth result in its units too; with ``--baseline REV`` it runs
the Hearth server of ``REV`` after this tree's, for each size, and prints the ratios.

Run it on purpose; the test suite runs it only on one room of two and asserts nothing about
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
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# Run as a script from anywhere: make the repository importable (bench/ is not installed).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.calibrate import Encodes, export_commit, media_encodes, ratio_table, resolve
from bench.chat_fanout import (
    CLOCK_TICKS,
    HOST,
    REPO,
    cpu_seconds,
    machine_busy,
    prioritise,
    rss_kib,
    seed_store,
    set_autogroup_nice,
    source_state,
    tokens,
    wait_for_quiet,
    wait_healthy,
)
from bench.cluster_procs import free_port
from bench.fanout_client import RoomPlan
from bench.load_probe import ProbePlan, ProbeReport, probe_main
from bench.media_client import JoinReport, MeasureReport, WorkerPlan, worker_main

SERVERS = ("hearth", "relay")
SERVER_NAMES = {"hearth": "Hearth (mix-minus)", "relay": "aiortc MediaRelay"}


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def main_thread_seconds(pid: int) -> float:
    """user + system CPU seconds of ``pid``'s main thread (the event loop's, for both servers).

    The rest of the process's CPU is its other threads: aiortc's decoder thread per
    incoming track, and the default executor where aiortc's senders encode frames.
    """
    stat = Path(f"/proc/{pid}/task/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def wait_tcp(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}; see its log")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), 0.5):
            return
        time.sleep(0.1)
    raise SystemExit("the server did not listen in time")


def start_server(kind: str, opts: argparse.Namespace, data_dir: Path, port: int, log: Any
                 ) -> tuple[subprocess.Popen[bytes], list[RoomPlan], RoomPlan, ProbePlan | None]:
    """Start one server; returns it, the K rooms' plans, the warm-up room's plan and, with
    ``--probe``, the probe's (its own chat-only group)."""
    base = f"http://{HOST}:{port}"
    if kind == "relay":
        server = subprocess.Popen(
            [sys.executable, "-m", "bench.media_relay_baseline", "--host", HOST,
             "--port", str(port)], cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        wait_tcp(port, server)

        def plan(room: str, size: int) -> RoomPlan:
            return RoomPlan(room, f"{room}|facilitator|0",
                            [f"{room}|participant|{n}" for n in range(1, size)])

        rooms = [plan(f"room{n}", opts.size) for n in range(opts.rooms)]
        return server, rooms, plan("warm-up", 2), None

    extra = 1 if opts.probe else 0
    seeded = asyncio.run(seed_store(f"sqlite:///{data_dir / 'hearth.db'}",
                                    opts.rooms + 1 + extra))
    env = {**os.environ, "HEARTH_DATA_DIR": str(data_dir)}
    env.pop("HEARTH_DATABASE_URL", None)
    env.pop("HEARTH_REDIS_URL", None)
    tree = opts.hearth_tree or REPO
    env["PYTHONPATH"] = str(tree)
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.fanout_server", "--host", HOST, "--port", str(port)],
        cwd=tree, env=env, stdout=log, stderr=subprocess.STDOUT)
    asyncio.run(wait_healthy(base, server))
    setup = asyncio.run(tokens(base, seeded[:len(seeded) - extra], opts.size - 1))
    rooms = [RoomPlan(r.room_id, r.facilitator_token, r.participant_tokens)
             for r in setup.plans]
    warm = setup.warm_up
    probe = None
    if opts.probe:
        # The probe's group: its facilitator's token; parents join by its invite.
        [probed] = asyncio.run(tokens(base, [seeded[0], seeded[-1]], 0)).plans
        probe = ProbePlan(base=base, host=HOST, port=port, path=probed.path,
                          room_id=probed.room_id, facilitator_token=probed.facilitator_token,
                          invite=seeded[-1][1], alert_rate=opts.probe_alerts,
                          join_every=opts.probe_join_every)
    return server, rooms, RoomPlan(warm.room_id, warm.facilitator_token,
                                   warm.participant_tokens[:1]), probe


def ask(pipe: Any, message: tuple[Any, ...], answer: str, timeout: float) -> Any:
    pipe.send(message)
    if not pipe.poll(timeout):
        raise SystemExit(f"the load process did not answer {message[0]!r} in {timeout:.0f}s")
    reply = pipe.recv()
    assert reply[0] == answer, reply
    return reply[1] if len(reply) > 1 else None


def run_one(kind: str, opts: argparse.Namespace) -> dict[str, Any]:
    """One server, one room size: the figures of one column of the report."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"hearth-media-{kind}-"))
    port = free_port()
    people = opts.rooms * opts.size
    print(f"\n== {SERVER_NAMES[kind]}: {opts.rooms} room(s) of {opts.size}, server on "
          f"port {port}, data {data_dir}", flush=True)
    log = (data_dir / "server.log").open("wb")
    context = multiprocessing.get_context("spawn")
    worker: Any = None
    pipe: Any = None
    prober: Any = None
    probe_pipe: Any = None
    probed: ProbeReport | None = None
    old_group_nice: int | None = None
    server: subprocess.Popen[bytes] | None = None
    try:
        server, rooms, warm_room, probe_plan = start_server(kind, opts, data_dir, port, log)
        mine, theirs = context.Pipe()
        worker = context.Process(target=worker_main, args=(theirs,), daemon=True)
        worker.start()
        pipe = mine
        mine.send(WorkerPlan(host=HOST, port=port, origin=f"http://{HOST}:{port}", rooms=rooms,
                             join_spacing=opts.join_spacing, offer_at=opts.offer_at,
                             decode=opts.decode, talkers=opts.talkers))
        assert pipe.poll(120) and pipe.recv() == ("loaded",)
        if opts.nice:
            old_group_nice = prioritise([server.pid, worker.pid], opts.nice)
        warmed: JoinReport = ask(pipe, ("warm_up", warm_room), "warmed", 180)
        if not warmed.heard:
            print(f"  warm-up: nobody heard any audio ({warmed.failures or warmed.errors}); "
                  "this server does not carry media", flush=True)
            return {"server": kind, "size": opts.size, "rooms": opts.rooms,
                    "unavailable": f"no audio in warm-up: {warmed.errors or warmed.failures}"}
        time.sleep(opts.settle)
        rss_before, _ = rss_kib(server.pid)
        idle_before = sum(cpu_seconds(server.pid))
        time.sleep(2)
        idle_cores = (sum(cpu_seconds(server.pid)) - idle_before) / 2

        joined: JoinReport = ask(pipe, ("join",), "joined", 600)
        print(f"  joined {joined.people}/{people} in {joined.seconds:.1f}s, "
              f"{joined.heard} hearing audio", flush=True)
        for failure in joined.failures:
            print(f"  failure: {failure}")
        time.sleep(opts.settle)
        rss_joined, _ = rss_kib(server.pid)
        if probe_plan is not None:
            probe_pipe, theirs = context.Pipe()
            prober = context.Process(target=probe_main, args=(theirs,), daemon=True)
            prober.start()
            probe_pipe.send(probe_plan)
            ready = probe_pipe.recv() if probe_pipe.poll(120) else ("failed", "no answer")
            if ready[0] != "ready":
                raise SystemExit(f"the probe could not set up: {ready[1]}")
        quiet = wait_for_quiet(opts.quiet_below + server_share(server.pid, worker.pid),
                               opts.quiet_timeout)

        start_ns = time.monotonic_ns() + int(0.2e9)
        end_ns = start_ns + int(opts.duration * 1e9)
        pipe.send(("measure", start_ns, end_ns))
        if probe_pipe is not None:
            probe_pipe.send(("measure", start_ns, end_ns))
        time.sleep(max(0.0, start_ns / 1e9 - time.monotonic()))
        pids = [server.pid, worker.pid]
        spy = None
        if opts.py_spy:
            # Collapsed stacks of every thread over the window (pip install py-spy).
            spy = subprocess.Popen(
                ["py-spy", "record", "--pid", str(server.pid), "--nonblocking", "--threads",
                 "--rate", "100", "--duration", str(int(opts.duration)), "--format", "raw",
                 "--output", f"{opts.py_spy}.{kind}.{opts.size}"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cpu_before = [cpu_seconds(pid) for pid in pids]
        loop_before = main_thread_seconds(server.pid)
        busy_before = machine_busy()
        time.sleep(max(0.0, end_ns / 1e9 - time.monotonic()))
        cpu_after = [cpu_seconds(pid) for pid in pids]
        loop_after = main_thread_seconds(server.pid)
        busy_after = machine_busy()
        if server.poll() is not None:
            raise SystemExit(f"the {kind} server exited during the run; see {data_dir}")
        if not pipe.poll(60):
            raise SystemExit("the load process did not report")
        reply = pipe.recv()
        assert reply[0] == "measured", reply
        measured: MeasureReport = reply[1]
        if probe_pipe is not None:
            if not probe_pipe.poll(120):
                raise SystemExit("the probe did not report")
            probed = probe_pipe.recv()[1]
        rss_after, rss_peak = rss_kib(server.pid)
        if spy is not None:
            spy.wait(timeout=60)
    finally:
        if old_group_nice is not None:
            set_autogroup_nice(os.getpid(), old_group_nice)
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.send(("exit",))
        if probe_pipe is not None:
            with contextlib.suppress(OSError):
                probe_pipe.send(("exit",))
        for process in (worker, prober):
            if process is not None:
                process.join(timeout=30)
                if process.is_alive():
                    process.kill()
        if server is not None:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        log.close()
        if opts.keep_data:
            print(f"  kept {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)

    def cores(index: int) -> float:
        return sum(cpu_after[index]) - sum(cpu_before[index])

    server_cores = cores(0) / opts.duration
    client_cores = cores(1) / opts.duration
    cpus = os.cpu_count() or 1
    busy = (busy_after[0] - busy_before[0]) / max(1, busy_after[1] - busy_before[1])
    listeners = measured.listeners
    expected_streams = 1 if kind == "hearth" else opts.size - 1
    per_listener = [p / opts.duration for p in measured.packets]
    return {
        "server": kind,
        "size": opts.size,
        "rooms": opts.rooms,
        "talkers": opts.talkers or opts.size,
        "people": people,
        "joined": joined.people,
        "hearing": joined.heard,
        "join_ms": {"p50": percentile(joined.join_ms, 50), "p99": percentile(joined.join_ms, 99),
                    "max": max(joined.join_ms, default=float("nan")),
                    "count": len(joined.join_ms)},
        "join_seconds": round(joined.seconds, 1),
        "server_cores": round(server_cores, 4),
        "server_user_system": [round((cpu_after[0][i] - cpu_before[0][i]) / opts.duration, 4)
                               for i in (0, 1)],
        "server_idle_cores": round(idle_cores, 4),
        # The event loop's thread; the rest is aiortc's decoder threads and executor.
        "server_loop_cores": round((loop_after - loop_before) / opts.duration, 4),
        "server_cores_per_room": round(server_cores / opts.rooms, 4),
        "rooms_per_core": round(opts.rooms / server_cores, 1) if server_cores else None,
        "rss_kib": {"before": rss_before, "joined": rss_joined, "after": rss_after,
                    "peak": rss_peak},
        "kib_per_participant": round((rss_joined - rss_before) / max(1, joined.people), 1),
        "listeners": listeners,
        "streams_expected": expected_streams,
        "streams_min": min(measured.streams, default=0),
        "packets_per_listener_s": {
            "mean": round(statistics.fmean(per_listener), 1) if per_listener else 0,
            "min": round(min(per_listener, default=0), 1)},
        "packets_per_stream_s": round(sum(measured.packets) / max(1, sum(measured.streams))
                                      / opts.duration, 1),
        "gaps": {"total": sum(measured.gaps),
                 "listeners_with_gaps": sum(1 for g in measured.gaps if g),
                 "per_listener_minute": round(sum(measured.gaps) / max(1, listeners)
                                              / opts.duration * 60, 2),
                 "longest_ms": round(max(measured.max_gap_ms, default=0), 1)},
        "skipped_packets": sum(measured.skipped),
        "client_cores": round(client_cores, 3),
        "client_loop_lag_ms": {"p99": round(percentile(measured.loop_lag_ms, 99), 1),
                               "max": round(max(measured.loop_lag_ms, default=0), 1)},
        "mic_late_max_ms": round(measured.mic_late_max_ms, 1),
        "machine_busy_before": round(quiet, 3),
        "machine_busy": round(busy, 3),
        "other_cores": round(busy * cpus - server_cores - client_cores, 3),
        "errors": {**joined.errors, **measured.errors},
        "unexpected_closes": {str(k): v for k, v in measured.closes.items()},
        **({"probe": probe_figures(probed)} if probed is not None else {}),
    }


def probe_figures(probed: ProbeReport) -> dict[str, Any]:
    """The probe's latencies (bench/load_probe.py): joins and urgent alerts in the window."""
    def spread(values: list[float]) -> dict[str, Any]:
        return {"p50": round(percentile(values, 50), 1), "p99": round(percentile(values, 99), 1),
                "max": round(max(values, default=float("nan")), 1), "count": len(values)}

    return {"join_ms": spread(probed.join_ms), "admitted_ms": spread(probed.admitted_ms),
            "joins_started": probed.joins_started, "alert_ms": spread(probed.alert_ms),
            "alerts_sent": probed.alerts_sent, "failures": probed.failures[:20]}


def server_share(server_pid: int, worker_pid: int) -> float:
    """The machine's busy fraction that the benchmark's own processes take over one second."""
    before = sum(cpu_seconds(server_pid)) + sum(cpu_seconds(worker_pid))
    time.sleep(1)
    used = sum(cpu_seconds(server_pid)) + sum(cpu_seconds(worker_pid)) - before
    return used / (os.cpu_count() or 1)


def report(result: dict[str, Any]) -> None:
    if "unavailable" in result:
        print(f"  {SERVER_NAMES[result['server']]}: {result['unavailable']}")
        return
    r = result
    join = r["join_ms"]
    print(f"  {SERVER_NAMES[r['server']]}, {r['rooms']} room(s) of {r['size']}, "
          f"{r['talkers']} talking in each")
    user, system = r["server_user_system"]
    print(f"    server CPU      {r['server_cores']:.3f} cores (user {user:.3f}, system"
          f" {system:.3f}; event-loop thread {r['server_loop_cores']:.3f}, other threads "
          f"{r['server_cores'] - r['server_loop_cores']:.3f}; idle before join "
          f"{r['server_idle_cores']:.3f})")
    print(f"                    = {r['server_cores_per_room']:.1%} of a core per room"
          f" -> {r['rooms_per_core']} rooms per core")
    print(f"    delivered       {r['packets_per_listener_s']['mean']:.1f} packets/s per listener "
          f"(min {r['packets_per_listener_s']['min']:.1f}), {r['packets_per_stream_s']:.1f} per "
          f"stream; streams per listener {r['streams_min']} (expected {r['streams_expected']})")
    gaps = r["gaps"]
    print(f"    gaps > 60 ms    {gaps['total']} ({gaps['listeners_with_gaps']} of {r['listeners']}"
          f" listeners, {gaps['per_listener_minute']:.2f} per listener-minute, longest "
          f"{gaps['longest_ms']:.0f} ms); skipped sequence numbers {r['skipped_packets']}")
    print(f"    join            p50 {join['p50']:.0f} ms, p99 {join['p99']:.0f} ms, max "
          f"{join['max']:.0f} ms ({join['count']} participants; all joined in "
          f"{r['join_seconds']}s; {r['hearing']}/{r['people']} hearing)")
    rss = r["rss_kib"]
    print(f"    server memory   {r['kib_per_participant']:.0f} KiB per participant (RSS "
          f"{rss['before'] / 1024:.1f} -> {rss['joined'] / 1024:.1f} MiB, after "
          f"{rss['after'] / 1024:.1f}, peak {rss['peak'] / 1024:.1f})")
    print(f"    load process    {r['client_cores']:.2f} cores, loop lag p99 "
          f"{r['client_loop_lag_ms']['p99']:.1f} ms max {r['client_loop_lag_ms']['max']:.1f} ms,"
          f" microphones at most {r['mic_late_max_ms']:.0f} ms late; machine busy "
          f"{r['machine_busy']:.0%}, {r['other_cores']:.2f} cores of other work")
    if "probe" in r:
        p = r["probe"]
        for label, key, aim in (("probe: join", "join_ms", "aim p50 < 150, p99 < 400"),
                                ("  admitted", "admitted_ms", "join + knock + admit"),
                                ("  urgent alert", "alert_ms", "aim p99 < 50, DB write in")):
            f = p[key]
            print(f"    {label:16s}p50 {f['p50']:.1f} ms, p99 {f['p99']:.1f} ms, max "
                  f"{f['max']:.1f} ms ({f['count']}; {aim})")
        print(f"    probe: {p['joins_started']} joins started, {p['alerts_sent']} urgent "
              f"messages sent; failures {p['failures'] or 'none'}")
    if r["errors"] or r["unexpected_closes"]:
        print(f"    errors {r['errors']}  unexpected closes {r['unexpected_closes']}")


def summary(results: list[dict[str, Any]]) -> None:
    rows = [r for r in results if "unavailable" not in r]
    if not rows:
        return
    print("\n| server | room | rooms | CPU per room | rooms/core | packets/s per listener "
          "| gaps/listener-min | join p50 / p99 | KiB/participant |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {SERVER_NAMES[r['server']]} | {r['size']} | {r['rooms']} | "
              f"{r['server_cores_per_room']:.1%} | {r['rooms_per_core']} | "
              f"{r['packets_per_listener_s']['mean']:.1f} | {r['gaps']['per_listener_minute']:.2f}"
              f" | {r['join_ms']['p50']:.0f} / {r['join_ms']['p99']:.0f} ms | "
              f"{r['kib_per_participant']:.0f} |")


def calibrated(result: dict[str, Any], encodes: Encodes) -> dict[str, Any]:
    """The result with its calibration (taken in the same run), and the CPU per room
    also as complexity-10 Opus encodes' worth of CPU every 20 ms."""
    result["calibration"] = {"opus_encode_us": round(encodes.opus_us, 1),
                             "vp8_640x360_encode_us": round(encodes.vp8_us, 1)}
    if "server_cores_per_room" in result:
        result["opus_encodes_per_room_per_20ms"] = round(
            result["server_cores_per_room"] * 20_000 / encodes.opus_us, 1)
        print(f"    in calibration units {result['opus_encodes_per_room_per_20ms']} "
              f"complexity-10 Opus encodes' worth of CPU per room every 20 ms (one encode "
              f"{encodes.opus_us:.0f} µs)")
    return result


def compare(ours: dict[str, Any], theirs: dict[str, Any], name: str) -> None:
    if "unavailable" in ours or "unavailable" in theirs:
        return
    ratio_table(f"  this tree beside --baseline {name}, {ours['rooms']} room(s) of "
                f"{ours['size']}: this, baseline, this / baseline", [
                    ("CPU per room", 100 * ours["server_cores_per_room"],
                     100 * theirs["server_cores_per_room"], "%"),
                    ("  in Opus encodes per 20 ms", ours["opus_encodes_per_room_per_20ms"],
                     theirs["opus_encodes_per_room_per_20ms"], "enc"),
                    ("gaps per listener-minute", ours["gaps"]["per_listener_minute"],
                     theirs["gaps"]["per_listener_minute"], ""),
                    ("join p50", ours["join_ms"]["p50"], theirs["join_ms"]["p50"], "ms"),
                    ("join p99", ours["join_ms"]["p99"], theirs["join_ms"]["p99"], "ms"),
                    ("KiB per participant", ours["kib_per_participant"],
                     theirs["kib_per_participant"], "KiB"),
                    *probe_rows(ours, theirs),
                ])


def probe_rows(ours: dict[str, Any], theirs: dict[str, Any]
               ) -> list[tuple[str, float, float, str]]:
    if "probe" not in ours or "probe" not in theirs:
        return []
    mine, then = ours["probe"], theirs["probe"]
    return [(f"probe {name} {q}", mine[key][q], then[key][q], "ms")
            for name, key in (("join", "join_ms"), ("alert", "alert_ms"))
            for q in ("p50", "p99")]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[6, 12, 15],
                        help="room sizes N (one facilitator + N-1 participants)")
    parser.add_argument("--rooms", type=int, default=2, help="K rooms of each size")
    parser.add_argument("--servers", nargs="+", choices=SERVERS, default=list(SERVERS))
    parser.add_argument("--duration", type=float, default=30, help="measured seconds")
    parser.add_argument("--settle", type=float, default=3,
                        help="seconds after warm-up and after joining before readings")
    parser.add_argument("--join-spacing", type=float, default=0.25,
                        help="seconds between one room's participants joining")
    parser.add_argument("--offer-at", choices=("welcome", "admitted"), default="welcome",
                        help="send media.offer on welcome (in the lobby) or once admitted")
    parser.add_argument("--talkers", type=int, default=0,
                        help="people talking in each room, the facilitator first; the rest "
                             "listen with their microphones off (default 0: everyone talks)")
    parser.add_argument("--decode", action="store_true",
                        help="load clients decode what they receive (more client CPU)")
    parser.add_argument("--quiet-below", type=float, default=0.1,
                        help="before measuring, wait until other work is below this share")
    parser.add_argument("--quiet-timeout", type=float, default=60)
    parser.add_argument("--nice", type=int, default=0,
                        help="nice value for the server and the load process (negative: "
                             "ahead of other work on a shared machine; needs root)")
    parser.add_argument("--hearth-commit", metavar="REV",
                        help="run the Hearth server from a clean copy of this commit "
                             "(default: the working tree as it is)")
    parser.add_argument("--baseline", metavar="REV",
                        help="also run the Hearth server of this commit (HEAD~1, a tag...) "
                             "after each size, in the same invocation, and print the ratios")
    parser.add_argument("--py-spy", metavar="PREFIX",
                        help="sample each server over the window: PREFIX.SERVER.SIZE "
                             "(collapsed stacks; needs py-spy)")
    parser.add_argument("--probe", action="store_true",
                        help="while the rooms run, measure parents joining and urgent alerts "
                             "in a chat-only group of the probe's own (bench/load_probe.py)")
    parser.add_argument("--probe-alerts", type=float, default=1.0,
                        help="urgent messages a second in the probe's group")
    parser.add_argument("--probe-join-every", type=float, default=1.0,
                        help="seconds between parents joining the probe's group")
    parser.add_argument("--json", metavar="FILE", help="also write the figures here")
    parser.add_argument("--keep-data", action="store_true")
    opts = parser.parse_args(argv)
    if min(opts.sizes) < 2 or opts.rooms < 1:
        parser.error("rooms need at least two people, and there must be a room")
    if not 0 <= opts.talkers <= min(opts.sizes):
        parser.error("--talkers runs from 0 (everyone) to the smallest room size")
    opts.hearth_tree = None
    source = source_state()
    if opts.baseline:
        resolve(opts.baseline)  # a typo fails now, not after the first run
    if opts.hearth_commit:
        opts.hearth_tree, source = export_commit(opts.hearth_commit)
    baseline_tree = baseline_source = None
    if opts.baseline:
        baseline_tree, baseline_source = export_commit(opts.baseline)
    with open("/proc/loadavg") as loadavg:
        print(f"Hearth server source {source}; load average {loadavg.read().strip()}; "
              f"{os.cpu_count()} CPUs", flush=True)
    results = []
    try:
        for size in opts.sizes:
            # One calibration per size, for this tree's run and the baseline's alike.
            encodes = media_encodes()
            print(encodes.line(), flush=True)
            for kind in opts.servers:
                one = argparse.Namespace(**vars(opts), size=size)
                result = calibrated(run_one(kind, one), encodes)
                report(result)
                results.append(result)
                if kind == "hearth" and baseline_tree is not None:
                    then = argparse.Namespace(**{**vars(opts), "hearth_tree": baseline_tree},
                                              size=size)
                    before = calibrated(run_one(kind, then), encodes)
                    before["source"] = baseline_source
                    report(before)
                    compare(result, before, f"{opts.baseline} ({baseline_source})")
                    result["baseline"] = before
    finally:
        for tree in (opts.hearth_tree, baseline_tree):
            if tree:
                shutil.rmtree(tree, ignore_errors=True)
    summary(results)
    if opts.json:
        command = "python -m bench.media_capacity " + " ".join(
            sys.argv[1:] if argv is None else argv)
        Path(opts.json).write_text(json.dumps({"command": command, "source": source,
                                               "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
