"""Measure the room mixer's CPU per 20 ms tick, and Opus encoding per tick on top.

Run on purpose from the repository root (prints figures, asserts nothing):

    python bench/media_mixer.py                 # rooms of 6, 12 and 15, 1500 ticks each
    python bench/media_mixer.py --ticks 3000 --sizes 6 12 15 30

For each room size N (one facilitator and N-1 participants, every microphone on):

- "all talking": all N people talk at once, loudly. Every gate is open, so the tick
  makes one full mix and N mix-minus mixes: the worst case.
- "two talking": two people talk, the other N-2 send quiet background noise (about
  -64 dBFS) that stays below the gate, so the tick makes one full mix (shared by N-2
  listeners) and two mix-minus mixes: an ordinary moment of conversation.

Per scenario it prints the mixer's cost per tick (each person's frame pushed into the
jitter buffers, then ``RoomMixer.tick``), mean and 99th percentile, in microseconds of
this thread's CPU time and as a share of one core (a tick is due every 20 ms); then the
cost of encoding that tick's mixes with ``server/media/opus.py`` (one encoder for the full
mix if anyone listens to it, one per speaker). No network, RTP, decoding or aiortc: this
is the pure mixing core, for comparison with the budget in issue 3 (a 12-person room
within 10 % of one core, everything included).

Frames are generated before timing starts. CPU time is ``time.thread_time`` around the
measured code only, so other load on the machine inflates the figures little; the load
average is printed anyway.

It prints a calibration first (``bench/calibrate.py``: one complexity-10 Opus encode and one
VP8 640x360 encode with Hearth's own encoders) and each scenario's cost per tick in those
Opus encodes too. With ``--baseline REV`` it then runs this benchmark as it was at ``REV``
(``python -m bench.media_mixer`` in a clean copy of that commit, the same options), after a
calibration of its own, and prints this tree's figures over its:

    python bench/media_mixer.py --sizes 12 --baseline HEAD~1
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

# Run as a script from anywhere: make the repository importable (bench/ is not installed).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.calibrate import (
    Encodes,
    Figures,
    add_baseline_option,
    calibrated_figures,
    compare_with_module_at,
    media_encodes,
    printed,
    read_figures,
    resolve,
)
from server.media.mixer import RoomMixer, Tick
from server.media.types import FRAME_SAMPLES, SAMPLE_RATE, Pcm, Roster, Seat

TICK_SECONDS = 0.02
BANK = 50  # distinct frames per person, cycled: one second of audio


def voice(rng: np.random.Generator, person: int, loud: bool) -> list[Pcm]:
    """One second of frames: a harmonic tone plus noise when loud, faint noise otherwise."""
    t = np.arange(BANK * FRAME_SAMPLES) / SAMPLE_RATE
    if loud:
        pitch = 110 + 17 * person
        signal = sum(4000 / k * np.sin(2 * np.pi * k * pitch * t) for k in (1, 2, 3))
        signal = signal + rng.normal(0, 500, len(t))
    else:
        signal = rng.normal(0, 20, len(t))
    samples = np.clip(np.rint(signal), -32767, 32767).astype(np.int16)
    return list(samples.reshape(BANK, FRAME_SAMPLES))


def room(size: int, talking: int) -> tuple[RoomMixer, dict[str, list[Pcm]]]:
    rng = np.random.default_rng(size * 100 + talking)
    seats = [Seat("f0", facilitator=True, microphone=True)]
    seats += [Seat(f"p{n}", microphone=True) for n in range(1, size)]
    frames = {seat.participant: voice(rng, n, n < talking) for n, seat in enumerate(seats)}
    return RoomMixer(Roster(tuple(seats))), frames


def percentile(values: list[float], share: float) -> float:
    return float(np.percentile(np.array(values), share * 100))


def run(size: int, talking: int, ticks: int, encode: bool, complexity: int,
        opus_us: float) -> None:
    """One scenario's lines; ``opus_us``: the calibration's Opus encode, the unit of the
    last figure."""
    mixer, frames = room(size, talking)
    encoders: dict[str, object] = {}
    mixing: list[float] = []
    encoding: list[float] = []
    encodes = 0
    warmup = 10
    for index in range(ticks + warmup):
        started = time.thread_time()
        for person, bank in frames.items():
            mixer.push(person, index, bank[index % BANK])
        tick = mixer.tick(index * TICK_SECONDS)
        mixed = time.thread_time()
        count = encode_tick(tick, encoders, complexity) if encode else 0
        finished = time.thread_time()
        if index >= warmup:
            mixing.append(mixed - started)
            encoding.append(finished - mixed)
            encodes += count
    speakers = len(tick.speakers)
    label = f"N={size:<3} {'all' if talking == size else talking:>3} talking"
    mean = sum(mixing) / len(mixing)
    print(f"{label}  mixes/tick {speakers + 1:>3}  mix {mean * 1e6:7.1f} us/tick "
          f"(p99 {percentile(mixing, 0.99) * 1e6:7.1f})  {mean / TICK_SECONDS:6.2%} of a core")
    mean_encode = sum(encoding) / len(encoding) if encode else 0.0
    if encode:
        per_encode = sum(encoding) / max(encodes, 1)
        print(f"{'':22}encode {encodes / len(encoding):5.1f} mixes/tick "
              f"{mean_encode * 1e6:7.1f} us/tick (p99 {percentile(encoding, 0.99) * 1e6:7.1f}, "
              f"{per_encode * 1e6:5.1f} us each)  {mean_encode / TICK_SECONDS:6.2%} of a core; "
              f"mix+encode {(mean + mean_encode) / TICK_SECONDS:6.2%}")
    print(f"{'':22}in calibration units: {(mean + mean_encode) * 1e6 / opus_us:.2f} "
          f"complexity-10 Opus encodes' worth of CPU per tick"
          f"{' (mix and encode)' if encode else ' (mix)'}")


def encode_tick(tick: Tick, encoders: dict[str, object], complexity: int) -> int:
    """Encode the full mix once (if anyone hears it) and each personal mix: the real pattern."""
    from server.media.opus import OpusEncoder

    pts = tick.index * FRAME_SAMPLES
    jobs: list[tuple[str, Pcm]] = list(tick.personal_mixes.items())
    if tick.full_mix is not None and tick.full_mix_listeners:
        jobs.append(("", tick.full_mix))  # "" is the shared full-mix stream
    for stream, samples in jobs:
        encoder = encoders.get(stream)
        if encoder is None:
            encoder = encoders[stream] = OpusEncoder(complexity=complexity)
        assert isinstance(encoder, OpusEncoder)
        encoder.encode(samples, pts)
    return len(jobs)


def scenarios(sizes: Sequence[int]) -> list[tuple[int, int]]:
    """(room size, people talking): everyone, then two."""
    return [(size, talking) for size in sizes for talking in (size, 2)]


def read(text: str, sizes: Sequence[int], encodes: Encodes) -> Figures:
    """The main figures from the printed lines (this tree's or the baseline's: their
    wording is kept), per scenario: the mix, and the encodes when there are any."""
    patterns = []
    for size, talking in scenarios(sizes):
        tag = "all" if talking == size else str(talking)
        head = rf"^N={size}\s+{tag} talking\s+mixes/tick\s+\d+\s+mix\s+"
        patterns += [
            (f"N={size}, {tag} talking: mix per tick", head + r"([\d.]+) us/tick", "µs"),
            (f"N={size}, {tag} talking: encode per tick",
             head + r".*\n\s+encode\s+[\d.]+ mixes/tick\s+([\d.]+) us/tick", "µs"),
        ]
    return read_figures(text, patterns) | calibrated_figures(text, Encodes.PATTERNS,
                                                             encodes.figures())


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ticks", type=int, default=1500, help="ticks per scenario (20 ms each)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[6, 12, 15])
    parser.add_argument("--no-encode", action="store_true", help="mixing only")
    parser.add_argument("--complexity", type=int, default=10, help="Opus complexity, 0-10")
    add_baseline_option(parser)
    args = parser.parse_args(argv)
    if args.ticks < 1 or min(args.sizes) < 2:
        parser.error("--ticks must be positive and --sizes at least 2")
    if args.baseline:
        resolve(args.baseline, "bench/media_mixer.py")  # refused now, not after the run
    try:
        import server.media.opus  # noqa: F401  (PyAV present: encode figures too)
        encode = not args.no_encode
    except ImportError:
        encode = False
    # The calibration is Hearth's encoders, so it needs PyAV as the encode figures do.
    with printed() as out:
        encodes = media_encodes()
        print(encodes.line(), flush=True)
        print(f"python {sys.version.split()[0]}, numpy {np.__version__}, "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, "
              f"{args.ticks} ticks ({args.ticks * TICK_SECONDS:.0f} s of audio) per scenario, "
              f"Opus complexity {args.complexity}")
        for size, talking in scenarios(args.sizes):
            run(size, talking, args.ticks, encode, args.complexity, encodes.opus_us)
    if not args.baseline:
        return
    ours = read(out.getvalue(), args.sizes, encodes)
    then = media_encodes()
    print("\n" + then.line(), flush=True)
    compare_with_module_at(args.baseline, "bench.media_mixer", argv, ours,
                           lambda text: read(text, args.sizes, then))


if __name__ == "__main__":
    main()
