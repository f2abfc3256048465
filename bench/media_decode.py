"""Measure what a room's microphones cost on the receive side: decoding and mixing, per tick,
with the RTP audio-level header (only what may be heard is decoded) and without it.

Run from the repository root (prints figures, asserts nothing):

    python bench/media_decode.py                     # a room of 12, every microphone open
    python bench/media_decode.py --sizes 6 12 --ticks 3000

Each person sends ``bench/media_audio.py``'s speech-like microphone (20 ms Opus packets,
each at its own place in the loop, about 80 % talking), and the packets go through the
server's own path from aiortc's receiver on: ``InlineOpus.put`` (decode, or the level alone
when the mixer does not want the frame) into a ``RoomMixer`` that mixes the three loudest,
then the mixer's tick. Both ways run in this one process on the same packets, one after
the other, so the ratio between them holds on any machine; CPU is ``time.thread_time``
around the measured code only. Not included: SRTP, RTP parsing, encoding and sending the
mixes (``bench/media_capacity.py`` measures a whole server).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.calibrate import media_encodes
from bench.media_audio import speech_levels, speech_packets
from server.media.mixer import RoomMixer
from server.media.peer import InlineOpus, LevelledFrame
from server.media.types import FRAME_SAMPLES, Roster, Seat

SECONDS = 12.0  # the microphone's loop, as the capacity benchmark's clients send it


def run(size: int, ticks: int, levels: bool) -> tuple[float, float]:
    """(CPU µs per tick, share of frames decoded) for one room of ``size``."""
    packets = [bytes(packet) for packet in speech_packets(SECONDS)]
    said = speech_levels(SECONDS)
    seats = (Seat("p0", facilitator=True, microphone=True),
             *(Seat(f"p{n}", microphone=True) for n in range(1, size)))
    mixer = RoomMixer(Roster(seats), max_voices=3)  # as RoomMedia makes it
    decoders = [InlineOpus(seat.participant, mixer) for seat in seats]
    offsets = [97 * (n + 1) for n in range(size)]  # as the capacity clients spread them
    spent = 0.0
    for index in range(ticks):
        started = time.thread_time()
        for decoder, offset in zip(decoders, offsets, strict=True):
            at = (index + offset) % len(packets)
            level = float(said[at]) if levels else None
            decoder.put((None, LevelledFrame(packets[at], index * FRAME_SAMPLES, level)))
        mixer.tick(index * 0.02)
        spent += time.thread_time() - started
    decoded = sum(d.frames for d in decoders)
    return spent / ticks * 1e6, decoded / max(1, decoded + sum(d.skipped for d in decoders))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[12])
    parser.add_argument("--ticks", type=int, default=1500, help="ticks per run (20 ms each)")
    opts = parser.parse_args(argv)
    encodes = media_encodes()
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; calibration: one "
          f"complexity-10 Opus encode {encodes.opus_us:.0f} µs")
    for size in opts.sizes:
        run(size, 100, True)  # warm up: imports, allocators, the codec library
        without, _ = run(size, opts.ticks, levels=False)
        with_levels, share = run(size, opts.ticks, levels=True)
        print(f"room of {size}, every microphone open, {opts.ticks} ticks:")
        print(f"  without levels  {without:7.0f} µs per tick = {without / 200:5.2f} % of a core "
              f"({without / encodes.opus_us:.2f} Opus encodes), every frame decoded")
        print(f"  with levels     {with_levels:7.0f} µs per tick = {with_levels / 200:5.2f} % of a "
              f"core ({with_levels / encodes.opus_us:.2f} Opus encodes), {share:.0%} of frames "
              f"decoded")
        print(f"  with / without  x {with_levels / without:.2f}")


if __name__ == "__main__":
    main()
