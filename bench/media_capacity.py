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

``--cameras C``: video beside the audio (Hearth only). Every person's offer then has the
m-lines docs/protocol.md asks for (the camera's ``sendonly`` and ``welcome.video_slots``
``recvonly`` slots), and each room's facilitator and first C - 1 participants turn their
camera on, sending pre-encoded VP8 at 640x360 and 15 fps (``bench/media_video.py``).
``--focus on|off`` (one or both; default on): the facilitator sets focus mode first; with
it off, the participants with cameras also say yes to the group seeing them
(``media.state {share: true}``). Before the camera runs, the same rooms run with every
camera off (the same offers: a browser's listen-only offer has those m-lines too), so
that **CPU per camera** = (server CPU with cameras - without) / cameras; per viewer
stream, the event loop's extra CPU over the streams viewers received (an upper bound:
the loop also receives the cameras); with both focus values, the two runs give the two
costs apart (more viewer streams for the same cameras). Per viewer slot: frames/s,
keyframes, gaps (a frame more than 250 ms after the one before), and the time from
``media.slots`` to the slot's first frame; from the server (``GET /bench/video``,
``bench/fanout_server.py``): its VP8 encoders (one per source expected), keyframes made,
forced and asked for, frames dropped, and its encoder and decoder threads' CPU.
``--no-audio-only`` skips the run without cameras.

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
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# Run as a script from anywhere: make the repository importable (bench/ is not installed).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.calibrate import Encodes, export_commit, media_encodes, ratio_table, resolve
from bench.chat_fanout import (
    HOST,
    REPO,
    cpu_seconds,
    machine_busy,
    prioritise,
    rss_kib,
    seed_store,
    set_autogroup_nice,
    source_state,
    thread_cpu_seconds,
    tokens,
    wait_for_quiet,
    wait_healthy,
)
from bench.cluster_procs import free_port
from bench.fanout_client import RoomPlan
from bench.fanout_server import VIDEO_STATS_PATH
from bench.load_probe import ProbePlan, ProbeReport, probe_main
from bench.media_client import JoinReport, MeasureReport, VideoReport, WorkerPlan, worker_main
from bench.media_video import FPS, VIDEO_GAP_MS

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
    return thread_cpu_seconds(pid, pid)


def threads_seconds(pid: int, tids: Sequence[int]) -> float:
    """user + system CPU seconds of these threads of ``pid`` (any that ended count 0)."""
    total = 0.0
    for tid in tids:
        with contextlib.suppress(OSError):
            total += thread_cpu_seconds(pid, tid)
    return total


def server_video_stats(port: int) -> dict[str, Any] | None:
    """The Hearth server's cameras and slots (``GET /bench/video``), or None from a server
    whose ``bench/fanout_server.py`` does not answer it (a baseline from before it)."""
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}{VIDEO_STATS_PATH}",
                                    timeout=10) as answer:
            stats: dict[str, Any] = json.load(answer)
            return stats
    except (OSError, ValueError):
        return None


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
                             decode=opts.decode, talkers=opts.talkers,
                             video_lines=opts.video_lines, cameras=opts.cameras,
                             focus=opts.focus))
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
        video_before = server_video_stats(port) if opts.video_lines else None
        time.sleep(max(0.0, start_ns / 1e9 - time.monotonic()))
        pids = [server.pid, worker.pid]
        coders = (video_before or {}).get("encoder_threads", []), \
            (video_before or {}).get("decoder_threads", [])
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
        coders_before = [threads_seconds(server.pid, tids) for tids in coders]
        busy_before = machine_busy()
        time.sleep(max(0.0, end_ns / 1e9 - time.monotonic()))
        cpu_after = [cpu_seconds(pid) for pid in pids]
        loop_after = main_thread_seconds(server.pid)
        coders_after = [threads_seconds(server.pid, tids) for tids in coders]
        busy_after = machine_busy()
        video_after = server_video_stats(port) if opts.video_lines else None
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
        **({"video": video_figures(
            opts, measured.video, video_before, video_after,
            [(after - before) / opts.duration
             for before, after in zip(coders_before, coders_after, strict=True)])}
           if measured.video is not None else {}),
    }


def expected_viewer_streams(size: int, cameras: int, focus_off: bool, slots: int) -> int:
    """Cameras one room's people should be shown (docs/protocol.md, media.slots): the
    facilitator's reaches everyone; a participant's reaches the facilitator, and with focus
    off (she said yes) everyone; nobody sees their own; at most ``slots`` each."""
    cameras = min(cameras, size)
    if cameras == 0:
        return 0
    shown = min(slots, cameras - 1)  # the facilitator sees every participant's camera
    for index in range(1, size):
        own = index < cameras
        others = (cameras - 1 - own) if focus_off else 0
        shown += min(slots, 1 + others)
    return shown


def video_figures(opts: argparse.Namespace, video: VideoReport, before: dict[str, Any] | None,
                  after: dict[str, Any] | None, coder_cores: list[float]) -> dict[str, Any]:
    """The video half of one run: what the viewers' slots received, the cameras sent and,
    when the server answers ``/bench/video``, what it did in the window."""
    duration = opts.duration
    streams = len(video.slot_frames)
    fps = [f / duration for f in video.slot_frames]
    people = opts.rooms * opts.size
    slots = video.slots_offered // people if people else 0
    starts = video.starts_ms
    figures: dict[str, Any] = {
        "cameras_per_room": opts.cameras,
        "focus": None if opts.focus is None else ("on" if opts.focus else "off"),
        "cameras": video.cameras,
        "slots_per_person": slots,
        "viewer_streams": streams,
        "viewer_streams_showing": video.slots_showing,
        "viewer_streams_expected": opts.rooms * expected_viewer_streams(
            opts.size, opts.cameras, opts.focus is False, slots),
        "frames_per_slot_s": {"mean": round(statistics.fmean(fps), 2) if fps else 0,
                              "min": round(min(fps, default=0), 2)},
        "packets_per_slot_s": round(sum(video.slot_packets) / max(1, streams) / duration, 1),
        "keyframes_per_slot_minute": round(sum(video.slot_keyframes) / max(1, streams)
                                           / duration * 60, 2),
        "gaps": {"over_ms": VIDEO_GAP_MS, "total": sum(video.slot_gaps),
                 "slots_with_gaps": sum(1 for g in video.slot_gaps if g),
                 "longest_ms": round(max(video.slot_max_gap_ms, default=0), 1),
                 "stalled_at_end": video.slots_stalled},
        "slot_switches_in_window": video.switches,
        "slot_start_ms": {"p50": round(percentile(starts, 50), 1),
                          "p99": round(percentile(starts, 99), 1),
                          "max": round(max(starts, default=float("nan")), 1),
                          "count": len(starts)},
        "camera_frames_s": round(video.camera_frames / max(1, video.cameras) / duration, 2),
        "camera_keyframe_requests": video.camera_keyframe_requests,
        "camera_late_max_ms": round(video.camera_late_max_ms, 1),
    }
    if before is not None and after is not None:
        figures["server"] = server_video_figures(before, after, duration, coder_cores)
    return figures


def server_video_figures(before: dict[str, Any], after: dict[str, Any], duration: float,
                         coder_cores: list[float]) -> dict[str, Any]:
    """What the server's cameras and slots did in the window (counter deltas)."""
    def total(stats: dict[str, Any], name: str) -> int:
        return sum(int(source[name]) for source in stats["sources"])

    sources = len(after["sources"])
    per_source_s = max(1, sources) * duration

    def rate(name: str, unit: float = 1.0) -> float:
        return round((total(after, name) - total(before, name)) / per_source_s * unit, 2)

    slots = {name: after["slots"].get(name, 0) - before["slots"].get(name, 0)
             for name in after["slots"]}
    return {
        "sources": sources,
        "encoders": sum(int(source["encoders"]) for source in after["sources"]),
        "encoders_opened": total(after, "encoders_opened"),
        "encoder_threads": len(after["encoder_threads"]),
        "video_decoder_threads": len(after["decoder_threads"]),
        "threads": after["threads"],
        "viewers": sum(int(source["viewers"]) for source in after["sources"]),
        "encoder_threads_cores": round(coder_cores[0], 4),
        "decoder_threads_cores": round(coder_cores[1], 4),
        "frames_received_per_source_s": rate("frames_received"),
        "frames_encoded_per_source_s": rate("frames_encoded"),
        "dropped_busy_per_source_s": rate("frames_dropped_busy"),
        "dropped_rate_per_source_s": rate("frames_dropped_rate"),
        "keyframes_per_source_minute": rate("keyframes", 60),
        "keyframes_forced_per_source_minute": rate("keyframes_forced", 60),
        "keyframe_requests_per_source_minute": rate("keyframe_requests", 60),
        "encode_failures": total(after, "encode_failures") - total(before, "encode_failures"),
        "slots_in_window": slots,
    }


def camera_costs(video: dict[str, Any], audio: dict[str, Any], encodes: Encodes) -> None:
    """What the cameras added to the same rooms with every camera off (``audio``, the same
    invocation), per camera and per viewer stream; into ``video["video"]["cost"]``."""
    v = video["video"]
    cameras = video["rooms"] * min(v["cameras_per_room"], video["size"])
    extra = video["server_cores"] - audio["server_cores"]
    extra_loop = video["server_loop_cores"] - audio["server_loop_cores"]
    per_camera = extra / max(1, cameras)
    cost: dict[str, Any] = {
        "audio_only_cores": audio["server_cores"],
        "extra_cores": round(extra, 4),
        "extra_loop_cores": round(extra_loop, 4),
        "per_camera_cores": round(per_camera, 4),
        # Microseconds of server CPU per camera frame, in VP8 640x360 encodes.
        "per_camera_frame_in_vp8_encodes": round(per_camera * 1e6 / FPS / encodes.vp8_us, 2),
        "per_viewer_stream_loop_cores": round(extra_loop / max(1, v["viewer_streams"]), 5),
    }
    server = v.get("server")
    if server is not None:
        cost["per_camera_encoder_cores"] = round(server["encoder_threads_cores"]
                                                 / max(1, cameras), 4)
        cost["per_camera_decoder_cores"] = round(server["decoder_threads_cores"]
                                                 / max(1, cameras), 4)
    v["cost"] = cost


def focus_split(on: dict[str, Any], off: dict[str, Any]) -> dict[str, Any] | None:
    """Per camera and per viewer stream apart, from two runs with the same cameras and
    different numbers of viewer streams: extra = cameras x c + streams x v."""
    if "cost" not in on["video"] or "cost" not in off["video"]:
        return None
    streams_on, streams_off = on["video"]["viewer_streams"], off["video"]["viewer_streams"]
    if streams_off == streams_on:
        return None
    cameras = on["rooms"] * min(on["video"]["cameras_per_room"], on["size"])
    extra_on, extra_off = on["video"]["cost"]["extra_cores"], off["video"]["cost"]["extra_cores"]
    per_stream = (extra_off - extra_on) / (streams_off - streams_on)
    return {"per_viewer_stream_cores": round(per_stream, 5),
            "per_camera_cores": round((extra_on - streams_on * per_stream) / max(1, cameras), 4),
            "streams": [streams_on, streams_off], "cameras": cameras}


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


def cameras_note(result: dict[str, Any]) -> str:
    """What a run's headings add for video (nothing for an audio-only run)."""
    video = result.get("video")
    if video is None:
        return ""
    if not video["cameras_per_room"]:
        return ", cameras off (video m-lines offered)"
    return f", {video['cameras_per_room']} cameras on, focus {video['focus']}"


def report(result: dict[str, Any]) -> None:
    if "unavailable" in result:
        print(f"  {SERVER_NAMES[result['server']]}: {result['unavailable']}")
        return
    r = result
    join = r["join_ms"]
    video = r.get("video")
    print(f"  {SERVER_NAMES[r['server']]}, {r['rooms']} room(s) of {r['size']}, "
          f"{r['talkers']} talking in each{cameras_note(r)}")
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
    if video is not None and video["cameras_per_room"]:
        report_video(video)
    if r["errors"] or r["unexpected_closes"]:
        print(f"    errors {r['errors']}  unexpected closes {r['unexpected_closes']}")


def report_video(v: dict[str, Any]) -> None:
    print(f"    video streams   {v['viewer_streams']} viewer slots showing a camera all "
          f"window (expected {v['viewer_streams_expected']}; {v['viewer_streams_showing']} "
          f"at the end; {v['slots_per_person']} slots each), {v['cameras']} cameras")
    fps, gaps = v["frames_per_slot_s"], v["gaps"]
    print(f"    video delivered {fps['mean']:.2f} frames/s per viewer slot (min "
          f"{fps['min']:.2f}), {v['packets_per_slot_s']:.1f} packets/s; "
          f"{v['keyframes_per_slot_minute']:.1f} keyframes per slot-minute")
    print(f"    video gaps > {gaps['over_ms']} ms {gaps['total']} ({gaps['slots_with_gaps']} "
          f"of {v['viewer_streams']} slots, longest {gaps['longest_ms']:.0f} ms; "
          f"{gaps['stalled_at_end']} stalled at the end); slot changes in the window "
          f"{v['slot_switches_in_window']}")
    start = v["slot_start_ms"]
    print(f"    slot start      p50 {start['p50']:.0f} ms, p99 {start['p99']:.0f} ms, max "
          f"{start['max']:.0f} ms (media.slots -> first frame, {start['count']} slots)")
    print(f"    cameras sent    {v['camera_frames_s']:.2f} frames/s each, at most "
          f"{v['camera_late_max_ms']:.0f} ms late; {v['camera_keyframe_requests']} PLI/FIR "
          f"from the server since joining")
    server = v.get("server")
    if server is None:
        print("    server video    (this server does not answer /bench/video)")
    else:
        slots = server["slots_in_window"]
        print(f"    server video    {server['sources']} sources, {server['encoders']} VP8 "
              f"encoders ({server['encoder_threads']} encoder threads, "
              f"{server['encoders_opened']} opened), {server['viewers']} viewers; per source "
              f"{server['frames_received_per_source_s']:.1f} frames/s in, "
              f"{server['frames_encoded_per_source_s']:.1f} encoded, "
              f"{server['dropped_busy_per_source_s']:.2f} dropped busy")
        print(f"    server keyframes {server['keyframes_per_source_minute']:.1f} per "
              f"source-minute ({server['keyframes_forced_per_source_minute']:.1f} forced, "
              f"{server['keyframe_requests_per_source_minute']:.1f} asked for); slots "
              f"resynced {slots.get('resyncs', 0)}, packets dropped "
              f"{slots.get('packets_dropped', 0)}, skipped {slots.get('packets_skipped', 0)}; "
              f"encode failures {server['encode_failures']}")
    cost = v.get("cost")
    if cost is None:
        print("    per camera      (no run without cameras to compare with)")
        return
    threads = ""
    if "per_camera_encoder_cores" in cost:
        threads = (f": VP8 encoder thread {cost['per_camera_encoder_cores']:.2%}, decoder "
                   f"thread {cost['per_camera_decoder_cores']:.2%}")
    print(f"    per camera      {cost['per_camera_cores']:.2%} of a core (+"
          f"{cost['extra_cores']:.3f} cores over {cost['audio_only_cores']:.3f} without "
          f"cameras{threads}); {cost['per_camera_frame_in_vp8_encodes']:.2f} VP8 640x360 "
          f"encodes' worth of CPU per camera frame")
    print(f"    per viewer      {cost['per_viewer_stream_loop_cores']:.3%} of a core per viewer "
          f"stream (the event loop's extra {cost['extra_loop_cores']:.3f} cores over "
          f"{v['viewer_streams']} streams; receiving the cameras included)")


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
                f"{ours['size']}{cameras_note(ours)}: this, baseline, this / baseline", [
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
                    *video_rows(ours, theirs),
                ])


def video_rows(ours: dict[str, Any], theirs: dict[str, Any]
               ) -> list[tuple[str, float, float, str]]:
    mine, then = ours.get("video"), theirs.get("video")
    if not mine or not then or not mine["cameras_per_room"]:
        return []
    rows = [("video frames/s per viewer slot", mine["frames_per_slot_s"]["mean"],
             then["frames_per_slot_s"]["mean"], "fps"),
            ("video gaps", mine["gaps"]["total"], then["gaps"]["total"], ""),
            ("slot start p50", mine["slot_start_ms"]["p50"], then["slot_start_ms"]["p50"], "ms")]
    if "cost" in mine and "cost" in then:
        rows.insert(0, ("CPU per camera", 100 * mine["cost"]["per_camera_cores"],
                        100 * then["cost"]["per_camera_cores"], "%"))
    return rows


def probe_rows(ours: dict[str, Any], theirs: dict[str, Any]
               ) -> list[tuple[str, float, float, str]]:
    if "probe" not in ours or "probe" not in theirs:
        return []
    mine, then = ours["probe"], theirs["probe"]
    return [(f"probe {name} {q}", mine[key][q], then[key][q], "ms")
            for name, key in (("join", "join_ms"), ("alert", "alert_ms"))
            for q in ("p50", "p99")]


def run_cases(kind: str, opts: argparse.Namespace, size: int, encodes: Encodes,
              tree: Path | None, source: str | None = None) -> list[dict[str, Any]]:
    """One server (``tree``: Hearth's source) at one room size: the audio run, or with
    ``--cameras`` the same rooms with every camera off and then each ``--focus`` value."""
    cases: list[dict[str, Any]] = [{"cameras": 0, "focus": None, "video_lines": False}]
    if opts.cameras:
        cases = [{"cameras": 0, "focus": None, "video_lines": True}] if opts.audio_only else []
        cases += [{"cameras": opts.cameras, "focus": focus == "on", "video_lines": True}
                  for focus in opts.focus]
    results: list[dict[str, Any]] = []
    for case in cases:
        one = argparse.Namespace(**{**vars(opts), "hearth_tree": tree, **case}, size=size)
        result = calibrated(run_one(kind, one), encodes)
        if source is not None:
            result["source"] = source
        audio = results[0] if results and opts.audio_only else None
        if case["cameras"] and audio is not None and "video" in result \
                and "unavailable" not in audio:
            camera_costs(result, audio, encodes)
        report(result)
        results.append(result)
    focused = {r["video"]["focus"]: r for r in results
               if "video" in r and r["video"]["cameras_per_room"]}
    if "on" in focused and "off" in focused:
        split = focus_split(focused["on"], focused["off"])
        if split is not None:
            for result in focused.values():
                result["video"]["focus_split"] = split
            print(f"  focus on and off together ({split['streams'][0]} and "
                  f"{split['streams'][1]} viewer streams, {split['cameras']} cameras): "
                  f"{split['per_camera_cores']:.2%} of a core per camera, "
                  f"{split['per_viewer_stream_cores']:.3%} per viewer stream")
    return results


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
    parser.add_argument("--cameras", type=int, default=0,
                        help="cameras on in each room, the facilitator's first (VP8 640x360 "
                             "at 15 fps, pre-encoded); Hearth only")
    parser.add_argument("--focus", nargs="+", choices=("on", "off"), default=["on"],
                        help="focus mode the facilitator sets, for the camera runs (both: "
                             "one run each, and the per-camera and per-stream costs apart)")
    parser.add_argument("--no-audio-only", dest="audio_only", action="store_false",
                        help="with --cameras, skip the run of the same rooms with every "
                             "camera off (then no CPU per camera)")
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
    if not 0 <= opts.cameras <= min(opts.sizes):
        parser.error("--cameras runs from 0 to the smallest room size")
    if opts.cameras and "relay" in opts.servers:
        parser.error("--cameras measures Hearth's video: add --servers hearth")
    opts.focus = list(dict.fromkeys(opts.focus))
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
                now = run_cases(kind, opts, size, encodes, opts.hearth_tree)
                results.extend(now)
                if kind == "hearth" and baseline_tree is not None:
                    before = run_cases(kind, opts, size, encodes, baseline_tree,
                                       baseline_source)
                    for result, then in zip(now, before, strict=True):
                        compare(result, then, f"{opts.baseline} ({baseline_source})")
                        result["baseline"] = then
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
