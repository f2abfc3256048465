"""Server-side media: the room audio mixer and, later, the aiortc adapter around it.

This is the only package that may import aiortc and av. The pure core (``pcm``,
``jitter``, ``speaking``, ``mixer``) needs numpy alone: frames and the time come in,
mixes and speaking changes go out, so it is tested without a network or a clock.
``opus`` wraps PyAV's encoder and is imported on its own so the core stays light.
See docs/media.md.
"""

from server.media.jitter import JitterBuffer, JitterConfig, Playout, PushResult, SequenceUnwrapper
from server.media.mixer import RoomMixer, Tick
from server.media.speaking import SpeechConfig, SpeechDetector
from server.media.types import FRAME_SAMPLES, SAMPLE_RATE, Aside, Pcm, Roster, Seat

__all__ = [
    "FRAME_SAMPLES", "SAMPLE_RATE", "Aside", "JitterBuffer", "JitterConfig", "Pcm", "Playout",
    "PushResult", "RoomMixer", "Roster", "Seat", "SequenceUnwrapper", "SpeechConfig",
    "SpeechDetector", "Tick",
]
