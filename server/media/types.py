"""Audio constants and the rule inputs of the mixer: who is where, who may be heard.

The room state machine (``server/rooms/``) owns these facts; the media adapter turns
each change into a new ``Roster`` and hands it to ``RoomMixer.set_roster``. The mixer
enforces the rules itself (ARCHITECTURE.md invariant 1), so a client that keeps
sending after it was muted is still not heard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

import numpy as np
import numpy.typing as npt

# Opus always decodes at 48 kHz, and browsers send 20 ms packets by default: one
# mixer tick is one such packet, so no resampling or re-framing happens in the core.
SAMPLE_RATE = 48_000
FRAME_MS = 20
FRAME_SAMPLES = SAMPLE_RATE * FRAME_MS // 1000  # 960
FRAME_SECONDS = FRAME_MS / 1000

# One channel of signed 16-bit samples: what aiortc's Opus decoder yields per channel.
Pcm: TypeAlias = npt.NDArray[np.int16]

Place = Literal["room", "lobby"]


@dataclass(frozen=True, slots=True)
class Seat:
    """One person the room knows about, as the mixer needs to see them.

    Someone removed from the room simply has no seat: the mixer then refuses their
    frames and gives them no mix.
    """

    participant: str
    place: Place = "room"
    # Staff facilitating this room (facilitator, or a safeguarding lead who joined as
    # one). The room is paused while no facilitator is in it (invariant 2).
    facilitator: bool = False
    # The person's microphone is on. A facilitator's mute turns it off.
    microphone: bool = False
    # A facilitator's mute lock. Checked on its own, not only through ``microphone``,
    # so that a stale or inconsistent ``microphone=True`` can never make it audible.
    mute_locked: bool = False

    @property
    def may_speak(self) -> bool:
        """Whether this seat's audio may reach anyone (before the room's pause is considered)."""
        return self.place == "room" and self.microphone and not self.mute_locked


@dataclass(frozen=True, slots=True)
class Aside:
    """A facilitator and one other person in a private two-way mix.

    Each hears only the other; the room hears neither, and they hear nothing of the room.
    """

    facilitator: str
    participant: str


@dataclass(frozen=True, slots=True)
class Roster:
    """An immutable snapshot of the mixer's rules for one room.

    Raises ``ValueError`` when the snapshot is inconsistent (a duplicate seat, an aside
    naming someone absent or outside the room, an aside whose facilitator is not one,
    anyone in two asides): those are bugs in the caller, not states to mix around.
    """

    seats: tuple[Seat, ...] = ()
    asides: tuple[Aside, ...] = ()

    def __post_init__(self) -> None:
        by_id = {seat.participant: seat for seat in self.seats}
        if len(by_id) != len(self.seats):
            raise ValueError("a participant has more than one seat")
        in_aside: set[str] = set()
        for aside in self.asides:
            pair = (aside.facilitator, aside.participant)
            if aside.facilitator == aside.participant:
                raise ValueError("an aside needs two different people")
            for person in pair:
                seat = by_id.get(person)
                if seat is None or seat.place != "room":
                    raise ValueError(f"aside member {person!r} is not in the room")
                if person in in_aside:
                    raise ValueError(f"{person!r} is in more than one aside")
                in_aside.add(person)
            if not by_id[aside.facilitator].facilitator:
                raise ValueError(f"{aside.facilitator!r} is not a facilitator")

    @property
    def paused(self) -> bool:
        """No facilitator in the room: nobody is mixed and nobody hears anything."""
        return not any(seat.facilitator and seat.place == "room" for seat in self.seats)


@dataclass(frozen=True, slots=True)
class LinkStats:
    """One person's audio link with the server, from RTCP (``Peer.link_stats``), for the
    connection-quality indicator staff see (server/signaling/quality.py).

    ``loss`` and ``jitter`` are the worse of the two directions: what the browser reports
    of the mix it receives (its receiver reports) and what the server sees of the
    microphone it receives. ``round_trip`` comes from the browser's receiver reports on
    the mix (RFC 3550 LSR/DLSR); None until one has come back.
    """

    round_trip: float | None = None  # seconds
    loss: float = 0.0  # fraction of packets lost since the previous reading, 0..1
    jitter: float = 0.0  # seconds
    # Seconds since the browser's last receiver report; None before the first one.
    report_age: float | None = None
