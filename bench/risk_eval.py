"""Measure the chat risk screen: the rules alone and the rules with the model, and how fast.

Run on purpose from the repository root (prints figures, asserts nothing):

    python bench/risk_eval.py            # figures and speed
    python bench/risk_eval.py --quick    # figures only
    python bench/risk_eval.py --misses   # also list the validation split's misses

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
figures without the code changing.
"""

from __future__ import annotations

import itertools
import math
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

# Run as a script from anywhere: make the repository importable (bench/ is not installed).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

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


def timed(texts: Sequence[str], work: Callable[[str], object]) -> None:
    """Call ``work`` on ``texts`` in turn for TIMING_SECONDS; print rates and latencies."""
    for text in texts:  # warm-up: first calls pay for lazily built state
        work(text)
    latencies: list[int] = []
    wall0, cpu0 = time.perf_counter_ns(), time.process_time_ns()
    deadline = wall0 + int(TIMING_SECONDS * 1e9)
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
          f"   p50 {p50:8,.1f} us   p99 {p99:8,.1f} us   ({calls:,} calls)")


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


def report_speed(texts: list[str], rules: RiskAssessor, both: RiskAssessor) -> None:
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        pinned = f"pinned to core {core}"
    else:
        pinned = "not pinned (no sched_setaffinity)"
    random.Random(SHUFFLE_SEED).shuffle(texts)
    print(f"\n== speed: {len(texts):,} held-out and validation messages shuffled "
          f"(seed {SHUFFLE_SEED}), ~{TIMING_SECONDS:.0f} s each, {pinned} ==")
    load_avg = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load_avg:.2f} on {os.cpu_count()} cores "
          "(wall-clock figures suffer under load)")
    model = default_model()
    for name, work in (("rules alone", rules.assess), ("rules + model", both.assess),
                       ("model alone", model.score)):
        print(f"{name:14s}", end=" ", flush=True)
        timed(texts, work)


def main() -> None:
    args = sys.argv[1:]
    held_out_files = sorted((DATA / "heldout").glob("*.jsonl"))
    held_out = load_dir(DATA / "heldout")
    _, validation = split(load_dir(DATA / "corpus", DATA / "legacy"), held_out)
    rules = RiskAssessor(default_screen(), None)
    both = default_assessor()
    report_model(sorted(p for d in ("corpus", "legacy") for p in (DATA / d).glob("*.jsonl")))

    def scored(name: str, messages: list[Message]) -> Scored:
        return Scored(name, messages, [rules.assess(m.text).severity.value for m in messages],
                      [both.assess(m.text).severity.value for m in messages])

    held = [scored(f"{p.stem} (held out)", load(p)) for p in held_out_files]
    dev = scored("validation split (development data)", validation)
    for s in (*held, dev):
        report_set(s)
    report_summary(held)
    if "--misses" in args:
        report_misses(dev)  # validation only: held-out misses are never listed
    if "--quick" not in args:
        report_speed([m.text for m in (*held_out, *validation)], rules, both)


if __name__ == "__main__":
    main()
