"""What makes a benchmark's figures travel between machines: a calibration measured in the
same run, and a baseline commit run in the same invocation.

Machines of one kind differ by more than their figures admit (one complexity-10 Opus encode
took 194 µs on one and 265-289 µs on another), and a shared machine differs from itself from
one hour to the next. So a benchmark prints, beside its absolute figures:

* a **calibration**, a fixed piece of work timed in the same run, and its figures divided by
  it (for chat, :func:`websocket_echo`: a loopback WebSocket echo, the same kind of work as a
  delivery, through the ``websockets`` library Hearth uses);
* with ``--baseline REV``, the same measurement of the server as it was at ``REV`` (a clean
  copy of that commit, :func:`export_commit`, so the load generator, the machine and the
  hour are the same) and the ratio of each figure.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve

REPO = Path(__file__).resolve().parent.parent
ECHO_ROUND_TRIPS = 3000
ECHO_PAYLOAD = "x" * 120  # about one chat message's frame


@dataclass(frozen=True, slots=True)
class Echo:
    """One loopback WebSocket round trip, in microseconds of wall clock and of CPU (both
    ends are in this process, so the CPU is the whole round trip's)."""

    wall_us: float
    cpu_us: float

    def line(self) -> str:
        return (f"calibration: a loopback WebSocket echo round trip took {self.wall_us:.1f} µs "
                f"({self.cpu_us:.1f} µs of CPU), {ECHO_ROUND_TRIPS} in one process")


async def _echo(round_trips: int) -> Echo:
    async def handler(ws: ServerConnection) -> None:
        async for message in ws:
            await ws.send(message)

    async with serve(handler, "127.0.0.1", 0, compression=None) as server:
        port = server.sockets[0].getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}", compression=None) as ws:
            for _ in range(round_trips // 10):  # warm-up, not timed
                await ws.send(ECHO_PAYLOAD)
                await ws.recv()
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(round_trips):
                await ws.send(ECHO_PAYLOAD)
                await ws.recv()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return Echo(wall / round_trips * 1e6, cpu / round_trips * 1e6)


def websocket_echo(round_trips: int = ECHO_ROUND_TRIPS) -> Echo:
    """Time ``round_trips`` loopback echoes (best of three, so that a moment of other work
    on the machine does not set the scale)."""
    runs = [asyncio.run(_echo(round_trips)) for _ in range(3)]
    return min(runs, key=lambda e: e.cpu_us)


def resolve(rev: str) -> str:
    """The short commit id of ``rev`` (``HEAD~1``, a tag...), or SystemExit."""
    try:
        return subprocess.run(["git", "rev-parse", "--short", f"{rev}^{{commit}}"], cwd=REPO,
                              check=True, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        raise SystemExit(f"error: --baseline {rev!r} is not a commit of {REPO}") from None


def export_commit(rev: str) -> tuple[Path, str]:
    """A clean copy of commit ``rev`` (``git archive``) in a new temporary folder, and its
    short id: exactly that commit, whatever the working tree holds."""
    commit = resolve(rev)
    folder = Path(tempfile.mkdtemp(prefix=f"hearth-src-{commit}-"))
    archive = subprocess.run(["git", "archive", commit], cwd=REPO, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder, commit


@contextlib.contextmanager
def baseline_tree(rev: str) -> Iterator[Path]:
    """The repository at ``rev`` (:func:`export_commit`), removed after: run ``python -m
    ...`` with it as the working directory and its ``server`` and ``bench`` are imported,
    ahead of the installed checkout's."""
    folder, _ = export_commit(rev)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def ratio_table(title: str, rows: Sequence[tuple[str, float, float, str]]) -> None:
    """Print ``(figure, this tree, baseline, unit)`` rows with this / baseline."""
    print()
    print(title)
    for name, ours, theirs, unit in rows:
        ratio = f"{ours / theirs:.2f}" if theirs else "n/a"
        print(f"  {name:<34} {ours:>10.2f} {unit:<6} {theirs:>10.2f} {unit:<6} x {ratio}")


@dataclass(frozen=True, slots=True)
class Encodes:
    """The media benchmarks' calibration: one complexity-10 Opus encode of a 20 ms voice
    frame and one VP8 encode of a 640x360 frame (Hearth's own encoders, median of many, this
    thread's CPU time), in microseconds."""

    opus_us: float
    vp8_us: float

    def line(self) -> str:
        return (f"calibration: one complexity-10 Opus encode {self.opus_us:.0f} µs, one VP8 "
                f"640x360 encode {self.vp8_us:.0f} µs (median CPU time, this process)")


def media_encodes(opus_frames: int = 1500, vp8_frames: int = 90) -> Encodes:
    """Time Hearth's encoders on the benchmarks' own speech and a moving picture."""
    import statistics

    from bench.media_audio import speech_signal
    from bench.video_encode import pictures
    from server.media.opus import OpusEncoder
    from server.media.types import FRAME_SAMPLES
    from server.media.video import VIDEO_CLOCK_RATE, VideoEncoder, VideoSettings

    signal = speech_signal(opus_frames * FRAME_SAMPLES / 48_000 + 1)
    opus = OpusEncoder(complexity=10)
    opus_times = []
    for n in range(opus_frames):
        samples = signal[n * FRAME_SAMPLES:(n + 1) * FRAME_SAMPLES]
        started = time.thread_time()
        opus.encode(samples, n * FRAME_SAMPLES)
        opus_times.append(time.thread_time() - started)
    settings = VideoSettings()
    video = VideoEncoder(settings)
    bank = pictures(640, 360)
    step = round(VIDEO_CLOCK_RATE / settings.max_fps)
    vp8_times = []
    for n in range(vp8_frames):
        picture = bank[n % len(bank)].reformat()  # a fresh frame, as from a decoder
        started = time.thread_time()
        video.encode(picture, n * step, n == 0)
        if n:  # the first opens the encoder
            vp8_times.append(time.thread_time() - started)
    return Encodes(statistics.median(opus_times[50:]) * 1e6,
                   statistics.median(vp8_times) * 1e6)
