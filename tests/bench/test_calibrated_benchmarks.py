"""The chat and media benchmarks run end to end with their calibration and a baseline commit.

``python -m bench.chat_fanout`` on a handful of connections and ``python -m
bench.media_capacity`` on one room of two, each with ``--baseline HEAD``: the server of this
checkout and the server of HEAD (a clean ``git archive`` copy in a temporary folder), one
after the other in the same invocation, each with its calibration (a loopback WebSocket echo;
an Opus and a VP8 encode); the media run with ``--probe`` too (parents joining and urgent
alerts beside the rooms: bench/load_probe.py). A media run with cameras (``--cameras``, one
room of three, no baseline, to keep it short) checks the video lines and that viewers
received frames. Only that each finishes, prints those lines and cleans up is checked, and
that something was delivered, never a figure: timings belong in docs/performance.md, from
full runs on a quiet machine.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.calibrate import REPO

# This file's runs one after another (each starts a server twice); beside other files' tests,
# so that the benchmark tests do not all wait for one worker.
pytestmark = [pytest.mark.timeout(300), pytest.mark.xdist_group("bench-calibrated")]

LINES = [
    r"^calibration: a loopback WebSocket echo round trip took [\d.]+ µs \([\d.]+ µs of CPU\)",
    r"^  in echo round trips server CPU per message [\d.]+, latency p50 [\d.]+, p99 [\d.]+",
    r"^this tree \(\w+.*\) beside --baseline HEAD \(\w+\): this, baseline, this / baseline$",
    r"^  latency p99 +[\d.]+ ms +[\d.]+ ms +x [\d.]+$",
    r"^  memory per idle connection +[\d.-]+ KiB +[\d.-]+ KiB +x [\d.-]+$",
    r"^  server CPU per message +[\d.]+ µs +[\d.]+ µs +x [\d.]+$",
]


def bench_run(module_and_args: list[str], lines: list[str], temp: Path,
              baseline: bool = True) -> str:
    """Run a benchmark briefly, against a baseline of HEAD unless told not to, as a person
    would, with its temporary folders in ``temp`` (its own, so that another test's cannot be
    mistaken for a leftover of this one); what it printed, once it has finished and printed
    every one of ``lines``."""
    run = subprocess.run(
        [sys.executable, "-m", *module_and_args, "--settle", "0.5", "--quiet-timeout", "0",
         *(["--baseline", "HEAD"] if baseline else [])], cwd=REPO, capture_output=True,
        text=True, timeout=280, env={**os.environ, "TMPDIR": str(temp)})
    print(run.stdout)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    for pattern in lines:
        assert re.search(pattern, run.stdout, re.MULTILINE), (pattern, run.stdout)
    # The baseline's clean copy (bench.calibrate.export_commit) is gone.
    assert list(temp.glob("hearth-src-*")) == []
    return run.stdout


def test_a_small_run_with_a_baseline_prints_both_and_their_ratios(tmp_path: Path) -> None:
    printed = bench_run(["bench.chat_fanout", "--connections", "20", "--rate", "20",
                         "--duration", "2", "--warmup", "0.5"], LINES, tmp_path)
    # Two measurements, two calibrations, each delivering everything.
    assert len(re.findall(r"^calibration: ", printed, re.MULTILINE)) == 2
    assert len(re.findall(r"\(100\.0000% of expected", printed)) == 2


MEDIA_LINES = [
    r"^calibration: one complexity-10 Opus encode [\d.]+ µs, one VP8 640x360 encode [\d.]+ µs",
    r"^    in calibration units [\d.]+ complexity-10 Opus encodes' worth of CPU per room",
    r"^  this tree beside --baseline HEAD \(\w+\), 1 room\(s\) of 3: this, baseline",
    r"^  Hearth \(mix-minus\), 1 room\(s\) of 3, 2 talking in each$",
    r"^  CPU per room +[\d.]+ % +[\d.]+ % +x [\d.]+$",
    r"^  join p99 +[\d.]+ ms +[\d.]+ ms +x [\d.]+$",
    r"^  probe join p99 +[\d.]+ ms +[\d.]+ ms +x [\d.]+$",
    r"^  probe alert p99 +[\d.]+ ms +[\d.]+ ms +x [\d.]+$",
]


def test_a_small_media_run_with_a_baseline_prints_both_and_their_ratios(tmp_path: Path
                                                                         ) -> None:
    # Two talk and the third listens with her microphone off (--talkers).
    printed = bench_run(["bench.media_capacity", "--sizes", "3", "--rooms", "1", "--servers",
                         "hearth", "--duration", "2", "--talkers", "2", "--probe",
                         "--probe-alerts", "5", "--probe-join-every", "0.5"], MEDIA_LINES,
                        tmp_path)
    # The probe (bench/load_probe.py) joined parents and had urgent messages alerted, in
    # both runs, with nothing failing.
    for label in ("probe: join", "  admitted", "  urgent alert"):
        counts = re.findall(rf"^    {label} +p50 [\d.]+ ms, p99 [\d.]+ ms, max [\d.]+ ms "
                            r"\(([1-9]\d*);", printed, re.MULTILINE)
        assert len(counts) == 2, (label, printed)
    assert len(re.findall(r"messages sent; failures none$", printed, re.MULTILINE)) == 2
    # Both servers carried audio to the listeners.
    assert len(re.findall(r"^    delivered +[1-9][\d.]* packets/s per listener", printed,
                          re.MULTILINE)) == 2


VIDEO_LINES = [
    r"^  Hearth \(mix-minus\), 1 room\(s\) of 3, 3 talking in each, 2 cameras on, focus off$",
    r"^    video streams   \d+ viewer slots showing a camera all window \(expected 4;",
    r"^    video delivered [\d.]+ frames/s per viewer slot \(min [\d.]+\), [\d.]+ packets/s; "
    r"[\d.]+ keyframes per slot-minute$",
    r"^    video gaps > 250 ms \d+ \(\d+ of \d+ slots, longest \d+ ms;",
    r"^    slot start      p50 \d+ ms, p99 \d+ ms, max \d+ ms \(media.slots -> first frame, ",
    r"^    cameras sent    [\d.]+ frames/s each, at most \d+ ms late; \d+ PLI/FIR from the server",
    r"^    server video    2 sources, 2 VP8 encoders \(2 encoder threads, ",
    r"^    server keyframes [\d.]+ per source-minute \([\d.]+ forced, [\d.]+ asked for\); ",
]


def test_a_small_media_run_with_cameras_prints_the_video_lines(tmp_path: Path) -> None:
    # The facilitator and one participant have their cameras on, focus mode is off and the
    # participant shares hers: each of the three sees the cameras that are not their own
    # (four viewer slots). Without the run of the same room with cameras off, to keep the
    # test short (that run is the audio one with video m-lines offered).
    printed = bench_run(["bench.media_capacity", "--sizes", "3", "--rooms", "1", "--servers",
                         "hearth", "--duration", "2", "--cameras", "2", "--focus", "off",
                         "--no-audio-only"], VIDEO_LINES, tmp_path, baseline=False)
    # Every viewer slot received frames; the audio went on beside them.
    [streams] = re.findall(r"^    video streams   (\d+) viewer slots", printed, re.MULTILINE)
    assert int(streams) > 0, printed
    assert re.search(r"^    video delivered [1-9][\d.]* frames/s per viewer slot \(min "
                     r"[1-9][\d.]*\)", printed, re.MULTILINE), printed
    assert re.search(r"^    delivered +[1-9][\d.]* packets/s per listener", printed,
                     re.MULTILINE), printed
