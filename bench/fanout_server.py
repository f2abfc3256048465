"""The Hearth server for ``bench/chat_fanout.py``: ``hearth serve`` with lifted HTTP limits.

Bench only. It builds the app exactly as ``hearth serve`` does (``from_env``,
``create_app``, ``uvicorn_config``: uvicorn, uvloop, the websockets sans-I/O
implementation) with two differences, both because every benchmark client
comes from one address:

* the per-address HTTP limits on ``/api/join`` and ``/api/login`` (60 joins
  burst, 120 a minute by default) are lifted, or setting up 4,500 joins
  would take 40 minutes;
* the open-file limit is raised to the hard limit, since every WebSocket is
  a file descriptor.

The WebSocket limits (``ws_*``, ``chat_*``, flood strikes, outbox) are left at
their defaults: the benchmark stays within them and counts any
``rate_limited`` answers it gets.

``GET /bench/video`` (this process only; ``bench/media_capacity.py`` reads it around its
window) answers what the media service's cameras and slots have done so far, the
``SourceCounters`` and ``SlotCounters`` of ``server/media/video.py``, and the native ids
of the VP8 encoder threads (``hearth-video-encoder-N``) and of aiortc's video decoder threads,
whose CPU the benchmark reads from ``/proc``.

``--gc-log FILE`` appends one line per garbage collection that takes 1 ms or
more, and per full (generation 2) collection however short:
``monotonic_seconds generation milliseconds``. The server's event loop stops
for the whole of a collection, so these are pauses every client sees.

``--profile FILE`` runs the server under cProfile and writes the stats to FILE
when it stops (SIGINT or SIGTERM). ``--tracemalloc PREFIX`` writes a snapshot to
PREFIX.1, PREFIX.2, ... on each SIGUSR1, tracing Python allocations from the
first one on, so the memory of idle connections can be attributed to the code
that allocated it.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import gc
import json
import resource
import signal
import threading
import time
import tracemalloc
from dataclasses import replace
from types import FrameType
from typing import Any

import uvicorn

from server import logs
from server.app import create_app
from server.cli import uvicorn_config
from server.settings import DEFAULT_HOST, Settings, from_env

# Effectively unlimited for one benchmark run from one address.
LIFTED = 10_000_000


def raise_open_files() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit; returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 1_048_576
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def bench_settings(host: str, port: int) -> Settings:
    return replace(
        from_env(host=host, port=port),
        join_burst=LIFTED, join_per_minute=LIFTED,
        login_burst=LIFTED, login_per_minute=LIFTED,
        # Every load client connects from 127.0.0.1.
        ws_per_address=LIFTED, ws_waiting_per_address=LIFTED, ws_waiting_total=LIFTED,
    )


VIDEO_STATS_PATH = "/bench/video"


def video_stats(app: Any) -> dict[str, Any]:
    """Every camera's and slot's counters, and the threads that encode and decode video."""
    media = app.state.services.hub.media
    sources: list[dict[str, Any]] = []
    slots: dict[str, int] = {}
    for room in list(media._rooms.values()):
        for peer in list(room.peers.values()):
            camera = peer.camera
            if camera is not None and camera.counters.frames_received:
                sources.append({**dataclasses.asdict(camera.counters),
                                "encoders": camera.encoders, "viewers": camera.viewers})
            for _, slot in peer.slots:
                for name, value in dataclasses.asdict(slot.counters).items():
                    slots[name] = slots.get(name, 0) + value
    threads = threading.enumerate()
    return {
        "sources": sources, "slots": slots,
        "encoder_threads": [t.native_id for t in threads
                            if t.name.startswith("hearth-video-encoder-")],
        # aiortc's receivers' (each camera is decoded on one of these).
        "decoder_threads": [t.native_id for t in threads if t.name == "video-decoder"],
        "threads": len(threads),
    }


def with_video_stats(app: Any) -> Any:
    """``app`` answering ``GET /bench/video`` itself (see the module docstring)."""
    async def bench_app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == VIDEO_STATS_PATH:
            body = json.dumps(video_stats(app)).encode()
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    return bench_app


def log_collections(path: str) -> None:
    """Record the garbage collector's pauses (see the module docstring)."""
    log = open(path, "a", buffering=1)  # noqa: SIM115 - open for the life of the process
    started = 0.0

    def callback(phase: str, info: dict[str, int]) -> None:
        nonlocal started
        if phase == "start":
            started = time.perf_counter()
            return
        took = (time.perf_counter() - started) * 1000
        if took >= 1 or info["generation"] == 2:
            log.write(f"{time.monotonic():.3f} {info['generation']} {took:.2f}\n")

    gc.callbacks.append(callback)


def trace_allocations(prefix: str) -> None:
    """Snapshots on SIGUSR1. Tracing starts at the first one, not at start-up, so the
    snapshots hold only what came after it (what connecting added, the thing to find)
    and the start-up (the risk model, the templates) is not slowed by tracing."""
    taken = 0

    def snapshot(signum: int, frame: FrameType | None) -> None:
        nonlocal taken
        taken += 1
        if not tracemalloc.is_tracing():
            # Five frames name the caller's caller's caller; twelve made connecting so
            # slow (about 15 a second) that clients timed out.
            tracemalloc.start(5)
        tracemalloc.take_snapshot().dump(f"{prefix}.{taken}")
        if taken > 1:
            # The same after a full collection: what was garbage waiting for the collector
            # (cycles) is gone from this one, so the two tell garbage from live objects.
            gc.collect()
            tracemalloc.take_snapshot().dump(f"{prefix}.{taken}.collected")

    signal.signal(signal.SIGUSR1, snapshot)


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--host", default=DEFAULT_HOST)
    args.add_argument("--port", type=int, required=True)
    args.add_argument("--profile", metavar="FILE", help="write cProfile stats here on exit")
    args.add_argument("--gc-log", metavar="FILE", help="append garbage-collection pauses here")
    args.add_argument("--tracemalloc", metavar="PREFIX",
                      help="trace allocations; SIGUSR1 writes a snapshot to PREFIX.N")
    opts = args.parse_args()
    if opts.tracemalloc:
        trace_allocations(opts.tracemalloc)
    if opts.gc_log:
        log_collections(opts.gc_log)

    raise_open_files()
    logs.configure()
    settings = bench_settings(opts.host, opts.port).with_secret()
    server = uvicorn.Server(uvicorn_config(with_video_stats(create_app(settings)), settings))
    if not opts.profile:
        server.run()
        return
    # uvicorn handles SIGINT/SIGTERM itself and returns from run(); the
    # profile is written after that.
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        server.run()
    finally:
        profiler.disable()
        profiler.dump_stats(opts.profile)


if __name__ == "__main__":
    main()
