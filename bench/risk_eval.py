"""Measure the chat risk screen: the rules alone and the rules with the model, and how fast.

Run on purpose from the repository root (prints figures, asserts nothing):

    python bench/risk_eval.py            # figures and speed
    python bench/risk_eval.py --quick    # figures only
    python bench/risk_eval.py --misses   # also list the validation split's misses
    python bench/risk_eval.py --speed-only --baseline HEAD~1   # speed, beside HEAD~1's

Quality is measured on every held-out set in data/risk/heldout/ (never trained on; only counts and
rates are printed, never their messages) and on the validation split of data/risk/corpus/ and
data/risk/legacy/ (development data: the model's thresholds were chosen on it, so its figures are
optimistic; --misses lists its misses and false alarms). Per set, for both systems side by side:

* urgent recall: urgent messages decided urgent;
* concern recall: concern messages reaching a facilitator at any severity;
* benign false alarms: benign messages given any severity;

each with its 95% Wilson interval and counts, per language (Urdu also per script) and per
category, then the rules + model confusion matrix. A summary pools the held-out sets against the
aims. Speed is measured on one core over all the messages above, shuffled; wall-clock and
CPU-time rates are both printed, with the load average, because a busy machine slows wall-clock
figures without the code changing. Before it a calibration is timed on the same core
(``bench/calibrate.py``: a fixed pure-Python text scan of one message, the same kind of work as
the rules, and none of Hearth's code, so it is the same work in every tree), and each system's
CPU time per message is printed in those scans too.

With ``--baseline REV`` it then runs this benchmark as it was at ``REV`` (``python -m
bench.risk_eval`` in a clean copy of that commit: its rules, model and data, with the same
options) and prints this tree's figures over its: the pooled held-out rates of both systems
and, unless ``--quick``, the CPU time per message and the p99 of each (after a calibration
of its own).
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import random
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

# Run as a script from anywhere: make the repository importable (bench/ is not installed).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.calibrate import (
    Figures,
    TextScan,
    add_baseline_option,
    calibrated_figures,
    compare_with_module_at,
    printed,
    read_figures,
    resolve,
    text_scan,
)
from server.safeguarding.assess import RiskAssessor, default_assessor
from server.safeguarding.corpus import (
    CATEGORIES,
    LABELS,
    Message,
    corpus_hash,
    load,
    load_dir,
    split,
)
from server.safeguarding.model import default_model
from server.safeguarding.screening import default_screen

DATA = Path(__file__).resolve().parents[1] / "data" / "risk"
TIMING_SECONDS = 3.0
SHUFFLE_SEED = 20240601
Z95 = 1.959964

# (name, expected label, whether a decided severity counts as a hit, aim, aim is a minimum)
Metric = tuple[str, str, Callable[[str], bool], float, bool]
METRICS: tuple[Metric, ...] = (
    ("urgent recall", "urgent", lambda decided: decided == "urgent", 0.95, True),
    ("concern recall", "concern", lambda decided: decided != "none", 0.85, True),
    ("benign false alarms", "none", lambda decided: decided != "none", 0.03, False),
)
Slice = tuple[str, Callable[[Message], bool]]


@dataclass(frozen=True, slots=True)
class Scored:
    """One set with the severity each system decided for each of its messages."""

    name: str
    messages: list[Message]
    rules: list[str]
    both: list[str]


def wilson(k: int, n: int) -> tuple[float, float]:
    """The 95% Wilson score interval for k successes in n trials."""
    p = k / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / (1 + Z95**2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def cell(k: int, n: int) -> str:
    if not n:
        return f"{'-':>31s}"
    lo, hi = wilson(k, n)
    return f"{k / n:5.3f} [{lo:.3f}-{hi:.3f}] {k:5d}/{n:<5d}"


def count(messages: Sequence[Message], decided: Sequence[str], metric: Metric,
          keep: Callable[[Message], bool] = lambda m: True) -> tuple[int, int]:
    """(hits, support) of ``metric`` over the messages that ``keep`` selects."""
    _, label, hit, _, _ = metric
    pairs = [(m, d) for m, d in zip(messages, decided, strict=True)
             if m.label == label and keep(m)]
    return sum(hit(d) for _, d in pairs), len(pairs)


def language_slices(messages: Sequence[Message]) -> list[Slice]:
    """'all', then each language present (only if more than one), and Urdu by script."""
    present = {(m.language, m.script) for m in messages}
    languages = sorted({lang for lang, _ in present}, key=("en", "pl", "ur").index)
    out: list[Slice] = [("all", lambda m: True)]
    if len(languages) > 1:
        out += [(lang, written_in(lang)) for lang in languages]
    if "ur" in languages:
        out += [(f"ur/{script}", written_in("ur", script)) for script in ("latn", "arab")
                if ("ur", script) in present]
    return out


def written_in(language: str, script: str | None = None) -> Callable[[Message], bool]:
    return lambda m: m.language == language and script in (None, m.script)


def about(category: str) -> Callable[[Message], bool]:
    return lambda m: category in m.categories


def header(first: str, width: int = 31) -> str:
    return f"{first:32s}  {'rules alone':^{width}s}  {'rules + model':^{width}s}".rstrip()


def report_set(s: Scored) -> None:
    counts = "  ".join(f"{sum(m.label == lab for m in s.messages)} {lab}" for lab in LABELS)
    print(f"\n== {s.name}: {len(s.messages)} messages ({counts}) ==")
    print(header("slice / metric"))
    for slice_name, keep in language_slices(s.messages):
        for metric in METRICS:
            rules = count(s.messages, s.rules, metric, keep)
            if rules[1]:
                both = count(s.messages, s.both, metric, keep)
                print(f"{slice_name:8s} {metric[0]:23s}  {cell(*rules)}  {cell(*both)}")
    print("\n" + header("category / metric"))
    for category in CATEGORIES:
        for metric in METRICS[:2]:
            rules = count(s.messages, s.rules, metric, about(category))
            if rules[1]:
                both = count(s.messages, s.both, metric, about(category))
                print(f"{category:17s} {metric[0]:14s}  {cell(*rules)}  {cell(*both)}")
    print("\nrules + model: expected \\ decided " + " ".join(f"{lab:>8s}" for lab in LABELS))
    for expected in LABELS:
        row = [sum(m.label == expected and d == decided for m, d in zip(s.messages, s.both,
                                                                      strict=True))
               for decided in LABELS]
        print(f"{expected:33s} " + " ".join(f"{n:8d}" for n in row))


def report_summary(held_out: Sequence[Scored]) -> None:
    messages = [m for s in held_out for m in s.messages]
    rules = [d for s in held_out for d in s.rules]
    both = [d for s in held_out for d in s.both]
    print(f"\n== summary: all {len(held_out)} held-out sets pooled, {len(messages)} messages ==")
    print("aims: urgent recall >= 0.95, concern recall >= 0.85, benign false alarms <= 0.03")
    print("(met/not met by the point estimate; the interval says how sure that is)")
    print(header("slice / metric", 39))
    for slice_name, keep in language_slices(messages):
        for metric in METRICS:
            cells = []
            for decided in (rules, both):
                k, n = count(messages, decided, metric, keep)
                met = n and (k / n >= metric[3] if metric[4] else k / n <= metric[3])
                cells.append(f"{cell(k, n)} {'met' if met else 'NOT met':7s}")
            print(f"{slice_name:8s} {metric[0]:23s}  {cells[0]}  {cells[1]}")


def report_misses(s: Scored) -> None:
    """The validation split's misses and false alarms (never call this on a held-out set)."""
    print(f"\n== {s.name}: misses and false alarms (expected -> rules / rules + model) ==")
    for m, rules, both in zip(s.messages, s.rules, s.both, strict=True):
        # A miss is a recall metric's non-hit; a false alarm is the false-alarm metric's hit.
        if any(label == m.label and hit(d) != minimum
               for _, label, hit, _, minimum in METRICS for d in (rules, both)):
            cats = "/".join(m.categories) or "-"
            print(f"  {m.id} {m.label}/{cats} -> {rules} / {both}: {m.text}")


def timed(texts: Sequence[str], work: Callable[[str], object], seconds: float,
          scan: TextScan) -> None:
    """Call ``work`` on ``texts`` in turn for ``seconds``; print rates and latencies, and the
    CPU time per message in ``scan``s (the calibration)."""
    for text in texts:  # warm-up: first calls pay for lazily built state
        work(text)
    latencies: list[int] = []
    wall0, cpu0 = time.perf_counter_ns(), time.process_time_ns()
    deadline = wall0 + int(seconds * 1e9)
    for text in itertools.cycle(texts):
        start = time.perf_counter_ns()
        work(text)
        end = time.perf_counter_ns()
        latencies.append(end - start)
        if end >= deadline:
            break
    wall, cpu = time.perf_counter_ns() - wall0, time.process_time_ns() - cpu0
    latencies.sort()
    p50, p99 = (latencies[int(q * (len(latencies) - 1))] / 1e3 for q in (0.50, 0.99))
    calls = len(latencies)
    print(f"{calls * 1e9 / wall:9,.0f} msg/s wall {calls * 1e9 / cpu:9,.0f} msg/s CPU"
          f"   p50 {p50:8,.1f} us   p99 {p99:8,.1f} us   ({calls:,} calls)"
          f"   {cpu / 1e3 / calls / scan.cpu_us:,.2f} calibration scans of CPU per message")


def report_model(training_files: Sequence[Path]) -> None:
    """Which model, and whether the corpus changed since it was trained (the split moves then)."""
    model = default_model()
    print(f"model {model.version}, thresholds {dict(model.thresholds)}")
    # The card's hash covers the corpus files and data/risk/languages.json.
    hashed = [*training_files, DATA / "languages.json"]
    if model.card.get("corpus_sha256") != corpus_hash(hashed):
        new = [p.name for p in training_files if p.name not in model.card.get("corpus_files", ())]
        print("NOTE: data/risk/corpus and legacy changed since the model was trained, so the\n"
              "validation split is not the one its thresholds were chosen on (groups can move);"
              f"\nfiles it never saw: {', '.join(new) or 'none (files edited)'}")


def report_speed(texts: list[str], rules: RiskAssessor, both: RiskAssessor,
                 seconds: float = TIMING_SECONDS, limit: int | None = None) -> TextScan:
    """The speed section, ``seconds`` per system over the first ``limit`` of the shuffled
    ``texts`` (all by default); returns its calibration, timed on the same core."""
    pinned = pin()
    random.Random(SHUFFLE_SEED).shuffle(texts)
    texts = texts[:limit]
    scan = text_scan()
    print(scan.line(), flush=True)
    print(f"\n== speed: {len(texts):,} held-out and validation messages shuffled "
          f"(seed {SHUFFLE_SEED}), ~{seconds:g} s each, {pinned} ==")
    load_avg = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load_avg:.2f} on {os.cpu_count()} cores "
          "(wall-clock figures suffer under load)")
    model = default_model()
    for name, work in (("rules alone", rules.assess), ("rules + model", both.assess),
                       ("model alone", model.score)):
        print(f"{name:14s}", end=" ", flush=True)
        timed(texts, work, seconds, scan)
    return scan


def pin() -> str:
    """Keep this process on one core (the lowest it may use) and say which."""
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to core {core}"
    return "not pinned (no sched_setaffinity)"


SYSTEMS = ("rules alone", "rules + model", "model alone")


def read(text: str, scan: TextScan | None) -> Figures:
    """The main figures from the printed lines (this tree's or the baseline's): the pooled
    held-out rates of both systems, and each system's CPU time per message and p99."""
    patterns = []
    summary = text.find("== summary:")
    for metric, *_ in METRICS:
        start = rf"^all\s+{metric}\s+"
        patterns += [(f"{metric}, rules alone", start + r"([\d.]+) \[", "share"),
                     (f"{metric}, rules + model",
                      start + r"[\d.]+ \[[^\]]*\]\s+\d+/\d+\s+(?:met|NOT met)\s+([\d.]+) \[",
                      "share")]
    figures = read_figures(text[summary:], patterns) if summary >= 0 else {}
    speed = text.find("== speed:")
    if speed < 0 or scan is None:
        return figures
    for name in SYSTEMS:
        start = rf"^{re.escape(name)}\s+[\d,]+ msg/s wall\s+"
        found = read_figures(text[speed:], [
            ("cpu", start + r"([\d,]+) msg/s CPU", ""),
            ("p99", start + r"[\d,]+ msg/s CPU\s+p50\s+[\d,.]+ us\s+p99\s+([\d,.]+) us", "")])
        if "cpu" in found:
            figures[f"{name}: CPU per message"] = (1e6 / found["cpu"][0], "µs")
        if "p99" in found:
            figures[f"{name}: p99"] = (found["p99"][0], "µs")
    return figures | calibrated_figures(text, TextScan.PATTERNS, scan.figures())


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="figures only, no speed")
    parser.add_argument("--misses", action="store_true",
                        help="also list the validation split's misses and false alarms")
    parser.add_argument("--speed-only", action="store_true", help="speed only, no figures")
    parser.add_argument("--speed-seconds", type=float, default=TIMING_SECONDS,
                        help="seconds of timing per system")
    parser.add_argument("--speed-messages", type=int, metavar="N",
                        help="time the first N shuffled messages only (default: all)")
    add_baseline_option(parser)
    args = parser.parse_args(argv)
    if args.quick and args.speed_only:
        parser.error("--quick (no speed) and --speed-only (only speed) leave nothing to do")
    if args.speed_seconds <= 0 or (args.speed_messages is not None and args.speed_messages < 1):
        parser.error("--speed-seconds and --speed-messages must be positive")
    if args.baseline:
        resolve(args.baseline, "bench/risk_eval.py")  # refused now, not after the run
    with printed() as out:
        scan = evaluate(args)
    if not args.baseline:
        return
    ours = read(out.getvalue(), scan)
    then = None
    if scan is not None:
        then = text_scan()  # on the core the speed section was pinned to, as the child
        print("\n" + then.line(), flush=True)
    compare_with_module_at(args.baseline, "bench.risk_eval", argv, ours,
                           lambda text: read(text, then))


def evaluate(args: argparse.Namespace) -> TextScan | None:
    """Everything the options ask for, printed; the speed section's calibration, if any."""
    held_out_files = sorted((DATA / "heldout").glob("*.jsonl"))
    held_out = load_dir(DATA / "heldout")
    _, validation = split(load_dir(DATA / "corpus", DATA / "legacy"), held_out)
    rules = RiskAssessor(default_screen(), None)
    both = default_assessor()
    report_model(sorted(p for d in ("corpus", "legacy") for p in (DATA / d).glob("*.jsonl")))

    def scored(name: str, messages: list[Message]) -> Scored:
        return Scored(name, messages, [rules.assess(m.text).severity.value for m in messages],
                      [both.assess(m.text).severity.value for m in messages])

    if not args.speed_only:
        held = [scored(f"{p.stem} (held out)", load(p)) for p in held_out_files]
        dev = scored("validation split (development data)", validation)
        for s in (*held, dev):
            report_set(s)
        report_summary(held)
        if args.misses:
            report_misses(dev)  # validation only: held-out misses are never listed
    if args.quick:
        return None
    return report_speed([m.text for m in (*held_out, *validation)], rules, both,
                        args.speed_seconds, args.speed_messages)


if __name__ == "__main__":
    main()
