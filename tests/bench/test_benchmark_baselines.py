"""Every other benchmark prints its calibration and, with ``--baseline HEAD``, the ratios.

Each runs as a person runs it, briefly (tiny sizes, a fraction of a second of timing), with
``--baseline HEAD``: this checkout, then HEAD from a clean ``git archive`` copy in a
temporary folder. The server benchmarks (alert latency, login storm) start the server of
each; the in-process ones (video encode, mixer, risk screen, audit storm) run HEAD's module
as a child process and read its figures from what it printed. Only that each finishes,
prints its calibration, its figures in the calibration's units and a ratio for each main
figure, and removes the copy is checked, never a figure. The cluster benchmarks' baselines
are in test_cluster_benchmarks.py.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.calibrate import REPO, resolve

# This file's runs one after another (each starts a server twice); beside other files' tests,
# so that the benchmark tests do not all wait for one worker.
pytestmark = [pytest.mark.timeout(200), pytest.mark.xdist_group("bench-baselines")]

RATIO = r" +[\d.]+ {unit} +[\d.]+ {unit} +x (?:[\d.]+|n/a)$"
TABLE = r"^this tree beside --baseline HEAD \(\w+\): this, baseline, this / baseline$"


def ratio(name: str, unit: str) -> str:
    return "^  " + re.escape(name) + RATIO.format(unit=re.escape(unit))


def run_with_baseline(module_and_args: list[str], lines: list[str], temp: Path) -> str:
    """Run a benchmark with ``--baseline HEAD``, its temporary folders in ``temp``; what it
    printed, once it has finished, printed every one of ``lines`` and the ratio table
    (with no figure missing from the baseline's side) and left no copy behind."""
    run = subprocess.run([sys.executable, "-m", *module_and_args, "--baseline", "HEAD"],
                         cwd=REPO, capture_output=True, text=True, timeout=180,
                         env={**os.environ, "TMPDIR": str(temp)})
    print(run.stdout)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    for pattern in [*lines, TABLE]:
        assert re.search(pattern, run.stdout, re.MULTILINE), (pattern, run.stdout)
    assert "not in the baseline's output" not in run.stdout
    assert list(temp.glob("hearth-src-*")) == []
    return run.stdout


def test_alert_latency(tmp_path: Path) -> None:
    printed = run_with_baseline(
        ["bench.alert_latency", "--participants", "10", "--room-size", "5", "--urgent-rate",
         "2", "--chat-every", "2", "--duration", "1.5", "--warmup", "0.3", "--ack-after", "0.1",
         "--quiet-timeout", "0"],
        [r"^calibration: a loopback WebSocket echo round trip took [\d.]+ µs",
         r"^  in echo round trips   alert p50 [\d.]+, p99 [\d.]+; chat.held p50 [\d.]+, p99 "
         r"[\d.]+; server CPU per alert [\d.]+",
         ratio("alert latency p50", "ms"), ratio("alert latency p99", "ms"),
         ratio("chat.held latency p99", "ms"), ratio("alerts committed", "/s"),
         ratio("server CPU per alert", "µs")], tmp_path)
    # Both servers committed an alert and an escalation for every urgent message.
    rows = re.findall(r"^  database +(\d+) alerts, (\d+) escalations, \d+ audit entries for "
                      r"(\d+) urgent messages sent", printed, re.MULTILINE)
    assert len(rows) == 2 and all(a == e == u != "0" for a, e, u in rows), rows


def test_login_storm(tmp_path: Path) -> None:
    printed = run_with_baseline(
        ["bench.login_storm", "--logins", "2", "--quiet", "0.5"],
        [r"^calibration: a loopback WebSocket echo round trip took [\d.]+ µs",
         r"^calibration: one argon2id hash with argon2-cffi's defaults took [\d.]+ ms",
         r"^in calibration units: round trip p50 quiet [\d.]+, during the logins [\d.]+, p99 "
         r"[\d.]+ echo round trips; the logins took [\d.]+ argon2 hashes' time",
         ratio("round trip p99, logins", "ms"), ratio("logins answered in", "s")], tmp_path)
    # Both servers answered every bad login as one.
    assert len(re.findall(r"^2 logins answered in [\d.]+ s \(status codes \[401\]\)$", printed,
                          re.MULTILINE)) == 2


def test_audit_storm(tmp_path: Path) -> None:
    printed = run_with_baseline(
        ["bench.audit_storm", "--admissions", "40", "--storm-seconds", "0.2", "--duration",
         "0.4"],
        [r"^calibration: one SQLite insert \+ commit \(WAL, synchronous FULL\) took \d+ µs",
         r"^  in SQLite commits alert commit p50 [\d.]+, p99 [\d.]+",
         ratio("alert commit p50", "ms"), ratio("alert commit p99", "ms"),
         ratio("admissions all committed after", "s")], tmp_path)
    assert len(re.findall(r"^  audit chain +intact", printed, re.MULTILINE)) == 2


def test_video_encode(tmp_path: Path) -> None:
    run_with_baseline(
        ["bench.video_encode", "--frames", "17", "--sizes", "640x360", "--cpu-used", "-8"],
        [r"^calibration: one complexity-10 Opus encode [\d.]+ µs, one VP8 640x360 encode "
         r"[\d.]+ µs",
         r"^640x360 +-8 +[\d.]+ .* +[\d.]+$",  # the last column: in VP8 calibration encodes
         ratio("640x360 cpu-used -8 ms per frame", "ms"),
         ratio("packing one frame for a viewer", "µs")], tmp_path)


def test_media_mixer(tmp_path: Path) -> None:
    run_with_baseline(
        ["bench.media_mixer", "--ticks", "20", "--sizes", "3"],
        [r"^calibration: one complexity-10 Opus encode [\d.]+ µs",
         r"^ +in calibration units: [\d.]+ complexity-10 Opus encodes' worth of CPU per tick",
         ratio("N=3, all talking: mix per tick", "µs"),
         ratio("N=3, all talking: encode per tick", "µs"),
         ratio("N=3, 2 talking: mix per tick", "µs")], tmp_path)


def test_risk_eval_speed(tmp_path: Path) -> None:
    run_with_baseline(
        ["bench.risk_eval", "--speed-only", "--speed-seconds", "0.1", "--speed-messages",
         "100"],
        [r"^calibration: a pure-Python text scan of a \d+-word message .* took [\d.]+ µs of CPU",
         r"^rules \+ model .* [\d.]+ calibration scans of CPU per message$",
         ratio("rules alone: CPU per message", "µs"),
         ratio("rules + model: CPU per message", "µs"), ratio("rules + model: p99", "µs"),
         ratio("model alone: CPU per message", "µs")], tmp_path)


MODULES = ["bench.chat_fanout", "bench.alert_latency", "bench.login_storm", "bench.audit_storm",
           "bench.video_encode", "bench.media_mixer", "bench.risk_eval", "bench.failover",
           "bench.cluster_fanout"]


@pytest.mark.parametrize("module", MODULES)
def test_a_baseline_that_is_no_commit_is_refused_before_anything_runs(module: str) -> None:
    run = subprocess.run([sys.executable, "-m", module, "--baseline", "no-such-commit"],
                         cwd=REPO, capture_output=True, text=True, timeout=60)
    assert run.returncode != 0
    assert "--baseline 'no-such-commit' is not a commit" in run.stderr
    assert "calibration:" not in run.stdout


def test_a_baseline_without_the_benchmark_is_refused() -> None:
    # The commit before bench/risk_eval.py was added (unless history is too shallow).
    added = subprocess.run(["git", "log", "--diff-filter=A", "--format=%H", "--",
                            "bench/risk_eval.py"], cwd=REPO, capture_output=True, text=True,
                           check=True).stdout.split()
    if not added or subprocess.run(["git", "rev-parse", "--verify", "--quiet",
                                    f"{added[-1]}^"], cwd=REPO, capture_output=True).returncode:
        pytest.skip("the history before bench/risk_eval.py is not in this clone")
    with pytest.raises(SystemExit, match=r"bench/risk_eval\.py did not exist at"):
        resolve(f"{added[-1]}^", "bench/risk_eval.py")
    run = subprocess.run([sys.executable, "-m", "bench.risk_eval", "--speed-only",
                          "--baseline", f"{added[-1]}^"], cwd=REPO, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode != 0
    assert "bench/risk_eval.py did not exist at" in run.stderr
    assert "calibration:" not in run.stdout
