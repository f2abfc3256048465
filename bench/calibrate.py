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

The calibrations, one implementation each: :func:`websocket_echo` (chat, failover, the
cluster, a WebSocket round trip), :func:`media_encodes` (audio and video),
:func:`argon2_hash` (logins), :func:`sqlite_commits` (database writes) and
:func:`text_scan` (pure-Python text work: the risk screen). A benchmark that measures this
tree's code in its own process (bench/video_encode.py, bench/media_mixer.py,
bench/risk_eval.py, bench/audit_storm.py) runs the same module of the baseline's copy as a
child process (:func:`run_module_at`) and reads its figures from what it printed, with the
same reader it uses on its own output (:func:`printed`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, TextIO

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

    def as_json(self) -> dict[str, float]:
        """The figures' ``calibration`` entry (their JSON)."""
        return {"echo_wall_us": round(self.wall_us, 2), "echo_cpu_us": round(self.cpu_us, 2)}


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


def resolve(rev: str, *needed: str) -> str:
    """The short commit id of ``rev`` (``HEAD~1``, a tag...), or SystemExit; also when one
    of the files ``needed`` (paths in the repository: the benchmark module the baseline
    would run) did not exist at that commit."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", f"{rev}^{{commit}}"], cwd=REPO,
                                check=True, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        raise SystemExit(f"error: --baseline {rev!r} is not a commit of {REPO}") from None
    for path in needed:
        if subprocess.run(["git", "cat-file", "-e", f"{commit}:{path}"], cwd=REPO,
                          capture_output=True).returncode:
            raise SystemExit(f"error: --baseline {rev!r}: {path} did not exist at {commit}, "
                             "so there is nothing to compare with")
    return commit


def tree_env(tree: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with ``PYTHONPATH`` set to ``tree``
    alone: a Python started with it imports that tree's ``server`` and ``bench``, whatever
    its working directory and whichever checkout is installed (an editable install's
    finder comes after ``sys.path``)."""
    return {**(os.environ if base is None else base), "PYTHONPATH": str(tree)}


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


def add_baseline_option(parser: argparse.ArgumentParser) -> None:
    """``--baseline REV`` of a benchmark that measures this tree's code in its own process
    (:func:`compare_with_module_at`)."""
    parser.add_argument("--baseline", metavar="REV",
                        help="then run this benchmark as it was at this commit (HEAD~1, a "
                             "tag...) and print this tree's figures over its")


def beside(rev: str, commit: str) -> str:
    """The title of the ratio table of this tree beside ``--baseline rev`` (``commit``)."""
    return f"this tree beside --baseline {rev} ({commit}): this, baseline, this / baseline"


def ratio_table(title: str, rows: Sequence[tuple[str, float, float, str]]) -> None:
    """Print ``(figure, this tree, baseline, unit)`` rows with this / baseline."""
    print()
    print(title)
    for name, ours, theirs, unit in rows:
        ratio = f"{ours / theirs:.2f}" if theirs else "n/a"
        print(f"  {name:<34} {ours:>10.2f} {unit:<6} {theirs:>10.2f} {unit:<6} x {ratio}")


# Named figures, in the order they are printed: name -> (value, unit).
Figures = dict[str, tuple[float, str]]


def compare_figures(title: str, ours: Figures, theirs: Figures) -> None:
    """:func:`ratio_table` of the figures both runs have; those the baseline did not print
    (another version of the benchmark, another wording) are named, not guessed."""
    ratio_table(title, [(name, value, theirs[name][0], unit)
                        for name, (value, unit) in ours.items() if name in theirs])
    missing = [name for name in ours if name not in theirs]
    if missing:
        print(f"  not in the baseline's output: {', '.join(missing)}")


# -- a benchmark module of another commit, as a child process ----------------------------------


class _Tee(io.TextIOBase):
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.kept = io.StringIO()

    def write(self, text: str) -> int:
        self.kept.write(text)
        return self.out.write(text)

    def flush(self) -> None:
        self.out.flush()


@contextlib.contextmanager
def printed() -> Iterator[io.StringIO]:
    """What the block prints still goes to stdout, and is kept in the yielded buffer too:
    the figures of this tree's run are read from its printed lines with the same reader
    as the baseline's (:func:`run_module_at`)."""
    tee = _Tee(sys.stdout)
    with contextlib.redirect_stdout(tee):
        yield tee.kept


def without_baseline(argv: Sequence[str]) -> list[str]:
    """``argv`` without ``--baseline REV`` (or ``--baseline=REV``): the baseline's run."""
    kept: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--baseline":
            skip = True
        elif not arg.startswith("--baseline="):
            kept.append(arg)
    return kept


def run_module_at(rev: str, module: str, args: Sequence[str]) -> tuple[str, str]:
    """Run ``python -m module *args`` in a clean copy of ``rev`` (:func:`export_commit`;
    working directory and ``PYTHONPATH`` the copy, so its ``server`` and ``bench`` are the
    ones imported), its output printed as it comes; then remove the copy. Returns what it
    printed and the commit's short id; SystemExit if it failed."""
    folder, commit = export_commit(rev)
    try:
        print(f"\nbaseline {rev} ({commit}): python -m {module} {' '.join(args)}", flush=True)
        with subprocess.Popen([sys.executable, "-m", module, *args], cwd=folder,
                              env=tree_env(folder), stdout=subprocess.PIPE, text=True) as child:
            assert child.stdout is not None
            lines = []
            for line in child.stdout:
                print(line, end="", flush=True)
                lines.append(line)
        if child.returncode:
            raise SystemExit(f"error: the baseline's {module} ({commit}) exited with "
                             f"{child.returncode}")
        return "".join(lines), commit
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def compare_with_module_at(rev: str, module: str, argv: Sequence[str] | None, ours: Figures,
                           read: Callable[[str], Figures]) -> None:
    """Run ``module`` as it was at ``rev`` (:func:`run_module_at`) with this invocation's
    arguments (``argv``, or this process's) but ``--baseline``, and print ``ours`` beside
    what ``read`` finds in its output (:func:`compare_figures`)."""
    args = without_baseline(sys.argv[1:] if argv is None else argv)
    text, commit = run_module_at(rev, module, args)
    compare_figures(beside(rev, commit), ours, read(text))


def calibrated_figures(text: str, patterns: Sequence[tuple[str, str, str]],
                       taken: Figures) -> Figures:
    """The calibration a run printed (the baseline's own, when its module prints one: the
    one nearest its figures, and the one its figures in calibration units used), else
    ``taken``, the one this process took just before running it (for a baseline from
    before its benchmark printed a calibration)."""
    found = read_figures(text, patterns)
    return {name: found.get(name, value) for name, value in taken.items()}


def read_figures(text: str, patterns: Sequence[tuple[str, str, str]]) -> Figures:
    """Figures from printed lines: ``(name, regular expression with one group, unit)``;
    thousands separators are allowed in the value, and a pattern that matches nothing
    gives no figure."""
    found: Figures = {}
    for name, pattern, unit in patterns:
        match = re.search(pattern, text, re.MULTILINE)
        if match:
            found[name] = (float(match.group(1).replace(",", "")), unit)
    return found


@dataclass(frozen=True, slots=True)
class Encodes:
    """The media benchmarks' calibration: one complexity-10 Opus encode of a 20 ms voice
    frame and one VP8 encode of a 640x360 frame (Hearth's own encoders, median of many, this
    thread's CPU time), in microseconds."""

    opus_us: float
    vp8_us: float
    # What line() prints, read back (calibrated_figures).
    PATTERNS: ClassVar = (
        ("calibration Opus encode", r"^calibration: one complexity-10 Opus encode (\d+) µs", "µs"),
        ("calibration VP8 640x360 encode", r"^calibration: one complexity-10 Opus encode \d+ µs, "
         r"one VP8 640x360 encode (\d+) µs", "µs"),
    )

    def line(self) -> str:
        return (f"calibration: one complexity-10 Opus encode {self.opus_us:.0f} µs, one VP8 "
                f"640x360 encode {self.vp8_us:.0f} µs (median CPU time, this process)")

    def figures(self) -> Figures:
        return {"calibration Opus encode": (self.opus_us, "µs"),
                "calibration VP8 640x360 encode": (self.vp8_us, "µs")}


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


# -- logins, database writes, pure-Python text work --------------------------------------------


@dataclass(frozen=True, slots=True)
class Argon2Hash:
    """One argon2id hash with argon2-cffi's default parameters (which Hearth's
    ``hash_password`` uses too, but named here, not imported, so the calibration is the
    same work whatever the tree), in milliseconds of wall clock and of this process's CPU."""

    wall_ms: float
    cpu_ms: float

    def line(self) -> str:
        return (f"calibration: one argon2id hash with argon2-cffi's defaults took "
                f"{self.wall_ms:.1f} ms ({self.cpu_ms:.1f} ms of CPU), best of {ARGON2_HASHES}")


ARGON2_HASHES = 5


def argon2_hash(hashes: int = ARGON2_HASHES) -> Argon2Hash:
    """Time ``hashes`` hashes in this process; the quickest counts."""
    from argon2 import PasswordHasher

    hasher = PasswordHasher()  # the library's defaults: t=3, m=64 MiB, p=4 in 25.1
    runs = []
    for n in range(hashes):
        wall, cpu = time.perf_counter(), time.process_time()
        hasher.hash(f"calibration password {n}")
        runs.append(((time.perf_counter() - wall) * 1e3, (time.process_time() - cpu) * 1e3))
    wall_ms, cpu_ms = min(runs)
    return Argon2Hash(wall_ms, cpu_ms)


SQLITE_COMMITS = 200
SQLITE_ROW = "x" * 200  # about one audit entry's JSON


@dataclass(frozen=True, slots=True)
class SqliteCommit:
    """One row inserted and committed in SQLite, WAL mode, ``synchronous`` left at its
    default (FULL: each commit waits for the disk, as Hearth's store does), in a
    temporary file; median microseconds of wall clock (the disk's wait included)."""

    wall_us: float
    cpu_us: float
    folder: str
    PATTERNS: ClassVar = (("calibration SQLite commit", r"^calibration: one SQLite insert \+ "
                           r"commit \(WAL, synchronous FULL\) took (\d+) µs", "µs"),)

    def line(self) -> str:
        return (f"calibration: one SQLite insert + commit (WAL, synchronous FULL) took "
                f"{self.wall_us:.0f} µs ({self.cpu_us:.0f} µs of CPU), median of "
                f"{SQLITE_COMMITS} in {self.folder}")

    def figures(self) -> Figures:
        return {"calibration SQLite commit": (self.wall_us, "µs")}


def sqlite_commits(commits: int = SQLITE_COMMITS, folder: str | None = None) -> SqliteCommit:
    """Time ``commits`` one-row transactions in a new SQLite file in ``folder`` (default:
    the temporary folder, where the benchmarks put their databases), removed after."""
    import statistics

    walls, cpus = [], []
    with tempfile.TemporaryDirectory(prefix="hearth-calibrate-", dir=folder) as where, \
            contextlib.closing(sqlite3.connect(Path(where) / "calibrate.db",
                                               isolation_level=None)) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        for n in range(commits + commits // 10):  # the first tenth warms up
            wall, cpu = time.perf_counter(), time.process_time()
            db.execute("BEGIN")
            db.execute("INSERT INTO t (body) VALUES (?)", (SQLITE_ROW,))
            db.execute("COMMIT")
            if n >= commits // 10:
                walls.append(time.perf_counter() - wall)
                cpus.append(time.process_time() - cpu)
    return SqliteCommit(statistics.median(walls) * 1e6, statistics.median(cpus) * 1e6,
                        str(Path(where).parent))


SCAN_CALLS = 2000
SCAN_TEXT = ("I have been so tired since the baby came, my partner works nights and I have not "
             "slept more than two hours at a time for weeks. Does anyone else feel like this? "
             "Some days I cry in the car before I go in, and I do not know who to tell about it.")
_SCAN_WORD = re.compile(r"[a-z']+")


def _scan(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for word in _SCAN_WORD.findall(text.lower()):
        counts[word] = counts.get(word, 0) + 1
    return counts


@dataclass(frozen=True, slots=True)
class TextScan:
    """A fixed piece of pure-Python text work, the kind a rule screen does (lower-case,
    split into words with a regular expression, count them in a dict), in microseconds of
    CPU per message."""

    cpu_us: float
    PATTERNS: ClassVar = (("calibration text scan", r"^calibration: a pure-Python text scan "
                           r"of a \d+-word message .*? took ([\d.]+) µs of CPU", "µs"),)

    def figures(self) -> Figures:
        return {"calibration text scan": (self.cpu_us, "µs")}

    def line(self) -> str:
        return (f"calibration: a pure-Python text scan of a {len(SCAN_TEXT.split())}-word "
                f"message (lower-case, split into words, count them) took {self.cpu_us:.1f} µs "
                f"of CPU, {SCAN_CALLS} calls, best of three")


def text_scan(calls: int = SCAN_CALLS) -> TextScan:
    runs = []
    for _ in range(3):
        cpu = time.process_time()
        for _ in range(calls):
            _scan(SCAN_TEXT)
        runs.append((time.process_time() - cpu) / calls * 1e6)
    return TextScan(min(runs))
