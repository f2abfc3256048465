"""Measure the chat risk screen: how well it decides, and how fast.

Run on purpose from the repository root (prints figures, asserts nothing):

    python bench/risk_eval.py            # figures
    python bench/risk_eval.py --misses   # also list every message decided differently

Quality is reported on the sets in data/risk/README.md: EVAL_SET, which the rules
were developed against (so its figures are optimistic); HELDOUT_SET to HELDOUT_SET_4, earlier
held-out batches that have since been tuned on and folded into EVAL_SET (shown so their before and
after figures can be compared); and the batches still kept out of rule tuning (the honest figures
for phrasing the rules have never seen; the module docstring there says which set was seen when),
whose misses are never listed. For each: recall and precision
per category (any severity) and per severity level, the benign false-alarm rate (benign messages
given any severity), and a confusion matrix of expected against decided severity.

Speed is screen() calls per second on one core over the whole evaluation set, repeated for a few
seconds; both wall-clock and CPU-time rates are printed, with the load average, because a busy
machine slows wall-clock figures without the code changing.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

# Run as a script from anywhere: make the repository importable (bench/ is not installed).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.safeguarding.risk import Decision, RiskScreen, Severity
from tests.safeguarding.risk_sets import (
    EVAL_SET,
    HELDOUT_SET,
    HELDOUT_SET_2,
    HELDOUT_SET_3,
    HELDOUT_SET_4,
    HELDOUT_SET_5,
    HELDOUT_SET_6,
)

Item = tuple[str, str, tuple[str, ...]]
LEVELS = ("none", "concern", "urgent")
TIMING_SECONDS = 3.0


def ratio(part: int, whole: int) -> str:
    return f"{part / whole:6.3f}" if whole else "     -"


def report_quality(name: str, dataset: Sequence[Item], screen: RiskScreen, misses: bool) -> None:
    """Print the figures for ``dataset``; with ``misses``, also list the messages decided wrongly.

    Pass ``misses=False`` for a held-out set: reading its misses would make it development data.
    """
    decisions: list[Decision] = [screen.screen(text) for text, _, _ in dataset]
    benign = sum(expected == "none" for _, expected, _ in dataset)
    print(f"\n== {name}: {len(dataset)} messages, {benign} benign ==")

    categories = [c for c in screen_categories(screen) if any(c in cats for _, _, cats in dataset)]
    print(f"{'category':18s} {'support':>7s} {'recall':>7s} {'precision':>9s}")
    for category in categories:
        support = sum(category in cats for _, _, cats in dataset)
        predicted = sum(category in d.categories for d in decisions)
        hits = sum(
            category in cats and category in d.categories
            for (_, _, cats), d in zip(dataset, decisions, strict=True)
        )
        print(
            f"{category:18s} {support:7d} {ratio(hits, support):>7s} {ratio(hits, predicted):>9s}"
        )

    print(f"\n{'severity':18s} {'support':>7s} {'recall':>7s} {'precision':>9s} {'flagged':>8s}")
    for level in ("urgent", "concern"):
        support = sum(expected == level for _, expected, _ in dataset)
        predicted = sum(d.severity.value == level for d in decisions)
        hits = sum(
            expected == level and d.severity.value == level
            for (_, expected, _), d in zip(dataset, decisions, strict=True)
        )
        flagged = sum(
            expected == level and d.severity is not Severity.NONE
            for (_, expected, _), d in zip(dataset, decisions, strict=True)
        )
        print(
            f"{level:18s} {support:7d} {ratio(hits, support):>7s} "
            f"{ratio(hits, predicted):>9s} {ratio(flagged, support):>8s}"
        )
    print("  (flagged: reached a facilitator at any severity)")

    alarms = sum(
        expected == "none" and d.severity is not Severity.NONE
        for (_, expected, _), d in zip(dataset, decisions, strict=True)
    )
    print(f"\nbenign false-alarm rate {ratio(alarms, benign).strip()} ({alarms} of {benign})")

    print("\nexpected \\ decided   " + " ".join(f"{level:>8s}" for level in LEVELS))
    for expected_level in LEVELS:
        row = [
            sum(
                expected == expected_level and d.severity.value == decided
                for (_, expected, _), d in zip(dataset, decisions, strict=True)
            )
            for decided in LEVELS
        ]
        print(f"{expected_level:20s} " + " ".join(f"{n:8d}" for n in row))

    if misses:
        print("\nmessages decided differently (expected -> decided):")
        for (text, expected, cats), d in zip(dataset, decisions, strict=True):
            if d.severity.value != expected or tuple(sorted(d.categories)) != cats:
                got = "/".join(sorted(d.categories)) or "-"
                print(f"  {expected}/{'/'.join(cats) or '-'} -> {d.severity.value}/{got}: {text}")


def screen_categories(screen: RiskScreen) -> list[str]:
    """Category names in the rules file's order (read from the decisions the screen can give)."""
    seen: dict[str, None] = {}
    for text, _, _ in EVAL_SET:
        for category in screen.screen(text).categories:
            seen.setdefault(category, None)
    order = [
        "immediate_danger",
        "suicide",
        "self_harm",
        "harm_to_baby",
        "psychosis",
        "domestic_abuse",
        "substance_misuse",
    ]
    return [c for c in order if c in seen] + [c for c in seen if c not in order]


def rate(texts: Sequence[str], work: Callable[[str], object]) -> tuple[float, float]:
    """Calls per second over ``texts`` repeated for TIMING_SECONDS: (wall clock, CPU time)."""
    for text in texts:  # warm-up: first calls pay for lazily built state in re and the index
        work(text)
    calls = 0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    while time.perf_counter() - wall0 < TIMING_SECONDS:
        for text in texts:
            work(text)
        calls += len(texts)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return calls / wall, calls / cpu


def report_speed(screen: RiskScreen) -> None:
    everything = [text for text, _, _ in EVAL_SET]
    benign = [text for text, expected, _ in EVAL_SET if expected == "none"]
    print(f"\n== speed: screen() on one core, {TIMING_SECONDS:.0f} s per line ==")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"load average {load:.2f} on {os.cpu_count()} cores (wall-clock figures suffer under load)"
    )
    for label, texts in (("whole eval set", everything), ("benign messages only", benign)):
        wall, cpu = rate(texts, screen.screen)
        print(f"{label:22s} {wall:9,.0f} msg/s wall   {cpu:9,.0f} msg/s CPU")
    wall, cpu = rate(everything, screen.screen_exhaustively)
    print(f"{'without word index':22s} {wall:9,.0f} msg/s wall   {cpu:9,.0f} msg/s CPU")
    started = time.perf_counter()
    RiskScreen.default()
    print(f"compiling the rules takes {1000 * (time.perf_counter() - started):.0f} ms")


def main() -> None:
    misses = "--misses" in sys.argv[1:]
    screen = RiskScreen.default()
    report_quality("EVAL_SET (rules developed against it)", EVAL_SET, screen, misses)
    for name, dataset in (
        ("HELDOUT_SET (tuned on in round five; part of EVAL_SET)", HELDOUT_SET),
        ("HELDOUT_SET_2 (tuned on in round five; part of EVAL_SET)", HELDOUT_SET_2),
        ("HELDOUT_SET_3 (tuned on in round five; part of EVAL_SET)", HELDOUT_SET_3),
        ("HELDOUT_SET_4 (tuned on in round six; part of EVAL_SET)", HELDOUT_SET_4),
    ):
        report_quality(name, dataset, screen, misses)
    # Held out: figures only, never the list of misses, whatever the flag says.
    for name, dataset in (
        ("HELDOUT_SET_5 (kept out of tuning; written before round six)", HELDOUT_SET_5),
        ("HELDOUT_SET_6 (kept out of tuning; written after round six froze)", HELDOUT_SET_6),
    ):
        report_quality(name, dataset, screen, False)
    report_speed(screen)


if __name__ == "__main__":
    main()
