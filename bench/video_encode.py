"""Measure what one camera costs the server: one VP8 encode per frame, then packing per viewer.

Run on purpose from the repository root (prints figures, asserts nothing):

    python bench/video_encode.py                  # 300 frames per case
    python bench/video_encode.py --frames 600 --cpu-used -6 -8 -12

For each input size (320x240, 640x360, and 1280x720, which ``VideoEncoder`` scales down
to 640x360 first) and each libvpx ``cpu-used`` value it encodes a moving, slightly noisy
picture at the source settings (15 fps timestamps, 400 kbps CBR, one thread) and prints
the mean and 99th percentile milliseconds per frame (this thread's CPU time, scaling
included), the bitrate reached, and the share of one core a 15 fps camera costs. A
keyframe is forced every second to show its cost too.

Then the per-viewer cost of the fan-out: packing one encoded frame into RTP payloads with
aiortc's ``Vp8Encoder.pack`` (what each viewer's ``RTCRtpSender`` does with a shared
packet), against the encode each viewer would need with aiortc's default relay.
No network, SRTP or decoding.

It prints a calibration first (``bench/calibrate.py``: one complexity-10 Opus encode and one
VP8 640x360 encode, Hearth's own encoders at their defaults) and each case's mean in VP8
calibration encodes too. With ``--baseline REV`` it then runs this benchmark as it was at
``REV`` (``python -m bench.video_encode`` in a clean copy of that commit, with the same
options), after a calibration of its own, and prints this tree's figures over its:

    python bench/video_encode.py --cpu-used -8 --baseline HEAD~1
    python bench/video_encode.py --frames 20 --sizes 640x360 --cpu-used -8 --baseline HEAD
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import av
import numpy as np
from aiortc.codecs.vpx import Vp8Encoder as AiortcVp8Encoder

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
from server.media.video import VIDEO_CLOCK_RATE, VideoEncoder, VideoPacket, VideoSettings

SIZES = [(320, 240), (640, 360), (1280, 720)]
BANK = 30  # distinct pictures, cycled


def pictures(width: int, height: int, seed: int = 1, count: int = BANK) -> list[av.VideoFrame]:
    """``count`` pictures of a smooth coloured pattern sliding sideways (4 pixels a
    picture, so ``width / 4`` of them loop seamlessly), with camera-like noise on top."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    base = np.stack([128 + 100 * np.sin(xx / 37 + yy / 53),
                     128 + 100 * np.cos(xx / 23),
                     128 + 100 * np.sin(yy / 17)], axis=-1)
    frames = []
    for index in range(count):
        image = np.roll(base, index * 4, axis=1) + rng.normal(0, 4, base.shape)
        rgb = np.clip(image, 0, 255).astype(np.uint8)
        frames.append(av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p"))
    return frames


def encode_case(width: int, height: int, cpu_used: int,
                count: int) -> tuple[list[float], list[float], list[VideoPacket]]:
    settings = VideoSettings(cpu_used=cpu_used)
    encoder = VideoEncoder(settings)
    bank = pictures(width, height)
    step = round(VIDEO_CLOCK_RATE / settings.max_fps)
    delta_ms: list[float] = []
    key_ms: list[float] = []
    packets: list[VideoPacket] = []
    for index in range(count):
        frame = bank[index % BANK].reformat()  # a fresh frame, as from a decoder
        forced = index > 0 and index % int(settings.max_fps) == 0
        started = time.thread_time()
        produced, _ = encoder.encode(frame, index * step, forced)
        spent = (time.thread_time() - started) * 1000
        if index > 0:  # the first frame also opens the encoder
            (key_ms if forced else delta_ms).append(spent)
        packets += produced
    return delta_ms, key_ms, packets


def size(text: str) -> tuple[int, int]:
    """``640x360`` -> (640, 360)."""
    match = re.fullmatch(r"(\d+)x(\d+)", text)
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT")
    return int(match.group(1)), int(match.group(2))


def measure(args: argparse.Namespace, encodes: Encodes) -> None:
    """The table and the packing figure, as printed (the calibration's units beside)."""
    print(f"VP8 encode per frame, {args.frames} frames per case "
          f"(load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs, "
          f"PyAV {av.__version__})")
    print(f"{'input':>10} {'cpu-used':>8} {'ms/frame':>9} {'p99':>6} {'key ms':>7} "
          f"{'kbps':>6} {'core @15fps':>11} {'in VP8 calibration encodes':>27}")
    fps = VideoSettings().max_fps
    sample: VideoPacket | None = None
    for width, height in args.sizes:
        for cpu_used in args.cpu_used:
            delta_ms, key_ms, packets = encode_case(width, height, cpu_used, args.frames)
            kbps = sum(p.size for p in packets) * 8 / (len(packets) / fps) / 1000
            mean = float(np.mean(delta_ms))
            share = (mean * (fps - 1) + float(np.mean(key_ms))) / 1000 * 100
            print(f"{width}x{height:<4} {cpu_used:>8} {mean:>9.2f} "
                  f"{np.percentile(delta_ms, 99):>6.2f} {np.mean(key_ms):>7.2f} "
                  f"{kbps:>6.0f} {share:>10.1f}% {mean * 1000 / encodes.vp8_us:>27.2f}")
            if (width, height) == (640, 360) and cpu_used == VideoSettings().cpu_used:
                sample = packets[len(packets) // 2 + 1]  # not a forced keyframe

    if sample is None:
        return  # the default cpu-used was not among those measured
    packer = AiortcVp8Encoder()
    repeats = 20_000
    started = time.thread_time()
    for _ in range(repeats):
        packer.pack(sample)
    pack_us = (time.thread_time() - started) / repeats * 1e6
    print(f"\nper viewer: packing a {sample.size}-byte 640x360 frame for one sender "
          f"(aiortc Vp8Encoder.pack): {pack_us:.1f} us; aiortc's relay would encode instead.")


def read(text: str, args: argparse.Namespace, encodes: Encodes) -> Figures:
    """The main figures from the printed table (this tree's or the baseline's: the first
    three columns and the packing line have kept their wording)."""
    patterns = [(f"{w}x{h} cpu-used {c} ms per frame",
                 rf"^{w}x{h}\s+{re.escape(str(c))}\s+([\d.]+)\s", "ms")
                for w, h in args.sizes for c in args.cpu_used]
    patterns.append(("packing one frame for a viewer",
                     r"^per viewer: packing a \d+-byte 640x360 frame .*?: ([\d.]+) us", "µs"))
    return read_figures(text, patterns) | calibrated_figures(text, Encodes.PATTERNS,
                                                             encodes.figures())


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--cpu-used", type=int, nargs="+", default=[-6, -8, -12])
    parser.add_argument("--sizes", type=size, nargs="+", default=SIZES, metavar="WxH",
                        help="input sizes (default: 320x240 640x360 1280x720)")
    add_baseline_option(parser)
    args = parser.parse_args(argv)
    keyed = int(VideoSettings().max_fps) + 2  # one forced keyframe, one frame after it
    if args.frames < keyed:
        parser.error(f"--frames must be at least {keyed}, for a forced keyframe's cost")
    if args.baseline:
        resolve(args.baseline, "bench/video_encode.py")  # refused now, not after the run
    with printed() as out:
        encodes = media_encodes()
        print(encodes.line(), flush=True)
        measure(args, encodes)
    if not args.baseline:
        return
    ours = read(out.getvalue(), args, encodes)
    then = media_encodes()
    print("\n" + then.line(), flush=True)
    compare_with_module_at(args.baseline, "bench.video_encode", argv, ours,
                           lambda text: read(text, args, then))


if __name__ == "__main__":
    main()
