"""The chat fan-out benchmark runs end to end with its calibration and a baseline commit.

``python -m bench.chat_fanout`` on a handful of connections, with ``--baseline HEAD``: the
server of this checkout and the server of HEAD checked out in a temporary git worktree, one
after the other in the same invocation, each after its calibration (a loopback WebSocket
echo). Only that it finishes, prints those lines and removes its worktree is checked, never a
figure: timings belong in docs/performance.md, from full runs on a quiet machine.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from bench.calibrate import REPO

pytestmark = [pytest.mark.timeout(300), pytest.mark.xdist_group("bench")]

LINES = [
    r"^calibration: a loopback WebSocket echo round trip took [\d.]+ µs \([\d.]+ µs of CPU\)",
    r"^  in echo round trips server CPU per message [\d.]+, latency p50 [\d.]+, p99 [\d.]+",
    r"^this tree \(\w+.*\) beside --baseline HEAD \(\w+\): this, baseline, this / baseline$",
    r"^  latency p99 +[\d.]+ ms +[\d.]+ ms +x [\d.]+$",
    r"^  memory per idle connection +[\d.-]+ KiB +[\d.-]+ KiB +x [\d.-]+$",
    r"^  server CPU per message +[\d.]+ µs +[\d.]+ µs +x [\d.]+$",
]


def worktrees() -> set[str]:
    listed = subprocess.run(["git", "worktree", "list", "--porcelain"], cwd=REPO, check=True,
                            capture_output=True, text=True).stdout
    return {line.split(" ", 1)[1] for line in listed.splitlines() if line.startswith("worktree ")}


def test_a_small_run_with_a_baseline_prints_both_and_their_ratios() -> None:
    before = worktrees()
    run = subprocess.run(
        [sys.executable, "-m", "bench.chat_fanout", "--connections", "20", "--rate", "20",
         "--duration", "2", "--warmup", "0.5", "--settle", "0.5", "--quiet-timeout", "0",
         "--baseline", "HEAD"],
        cwd=REPO, capture_output=True, text=True, timeout=280)
    print(run.stdout)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    for pattern in LINES:
        assert re.search(pattern, run.stdout, re.MULTILINE), (pattern, run.stdout)
    # Two measurements, two calibrations, each delivering everything.
    assert len(re.findall(r"^calibration: ", run.stdout, re.MULTILINE)) == 2
    assert len(re.findall(r"\(100\.0000% of expected", run.stdout)) == 2
    assert worktrees() == before  # the baseline's checkout is gone


def test_a_baseline_that_is_no_commit_is_refused_before_anything_runs() -> None:
    run = subprocess.run([sys.executable, "-m", "bench.chat_fanout", "--baseline",
                          "no-such-commit"], cwd=REPO, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode != 0
    assert "--baseline 'no-such-commit' is not a commit" in run.stderr
