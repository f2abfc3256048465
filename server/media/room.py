"""A room's media: its mixer on a 20 ms clock, its peers, and the encoders of its mixes.

Every tick: the mixer takes one frame per audible speaker and mixes; the full mix is
encoded once and the same packet is queued for every listener who hears it; each
personal mix (a speaker's mix-minus, an aside partner's voice) has an encoder of its
own, kept for that person so their Opus stream stays continuous. The rules come from
the room state machine as a ``MediaView`` and are applied to the mixer as a ``Roster``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable

import av
import numpy as np
from av.audio.stream import AudioStream

from server import protocol as p
from server.media.mixer import RoomMixer, Tick
from server.media.opus import TIME_BASE as OPUS_TIME_BASE
from server.media.opus import OpusEncoder
from server.media.peer import Peer
from server.media.routing import assign_all
from server.media.types import FRAME_SAMPLES, FRAME_SECONDS, Aside, Pcm, Roster, Seat
from server.rooms.types import MediaSeat, MediaView

log = logging.getLogger("hearth.media")

# Fallen this far behind (a stalled loop), the clock restarts instead of bursting
# several ticks at once, which would only pile packets into listeners' queues.
MAX_LAG = 0.2

SpeakingSink = Callable[[str, bool], None]


@functools.cache
def silence_packet() -> bytes:
    """What a settled Opus encoder makes of 20 ms of digital silence (a few bytes)."""
    encoder = OpusEncoder()
    quiet = np.zeros(FRAME_SAMPLES, dtype=np.int16)
    packets: list[av.Packet[AudioStream]] = []
    for index in range(10):
        packets = encoder.encode(quiet, index * FRAME_SAMPLES)
    return bytes(packets[-1])


def roster_of(view: MediaView) -> Roster:
    """The mixer's rules from the room's: who may be heard, who hears, who is aside."""
    seats = tuple(
        Seat(participant=seat.participant_id, place=seat.place, facilitator=seat.staff,
             microphone=seat.audio, mute_locked=seat.mute_locked)
        for seat in view.seats)
    asides = tuple(Aside(facilitator=f, participant=pt) for f, pt in view.asides)
    return Roster(seats, asides)


class RoomMedia:
    def __init__(self, room_id: str, on_speaking: SpeakingSink, *,
                 opus_complexity: int = 10, personal_complexity: int = 1,
                 mixed_voices: int | None = 3,
                 lateness: Callable[[float], None] | None = None) -> None:
        """``lateness(seconds)``: told how late each tick ran after it was due
        (``hearth_mixer_tick_lateness_seconds``)."""
        self.room_id = room_id
        self._lateness = lateness
        self.mixer = RoomMixer(max_voices=mixed_voices)
        self.view = MediaView()
        self._seats: dict[str, MediaSeat] = {}  # the view's seats by participant
        self.peers: dict[str, Peer] = {}
        self._on_speaking = on_speaking
        # The full mix, which nearly everyone hears nearly all the time, at the best
        # quality; a mixed speaker's own mix-minus (heard only while they talk) at a
        # lower complexity: 1 encodes in a third of the time of 10 (65 against 194 us
        # here), which is what brings a 12-person room under 10 % of a core
        # (docs/performance.md "Media").
        self._shared = OpusEncoder(complexity=opus_complexity)
        self._personal_complexity = personal_complexity
        self._personal: dict[str, OpusEncoder] = {}
        self._silence = silence_packet()
        self._clock: asyncio.Task[None] | None = None
        self.ticks = 0
        self.encodes = 0

    # -- rules ---------------------------------------------------------------------

    def apply(self, view: MediaView) -> list[Peer]:
        """Adopt the room's rules; returns the peers that must now be closed."""
        self.view = view
        self._seats = {seat.participant_id: seat for seat in view.seats}
        self.mixer.set_roster(roster_of(view))
        gone = [peer for person, peer in self.peers.items() if self.conn_of(person) != peer.conn]
        for peer in gone:
            del self.peers[peer.participant]
            self._personal.pop(peer.participant, None)
        return gone

    def route_video(self) -> list[tuple[int, p.ServerMessage]]:
        """Put the cameras each viewer may see into their slots (invariant 4); returns the
        ``media.slots`` messages for viewers whose slots changed."""
        publishing = {person for person, peer in self.peers.items()
                      if peer.camera is not None and not peer.camera.closed}
        counts = {person: len(peer.slots) for person, peer in self.peers.items() if peer.slots}
        previous = {person: peer.showing for person, peer in self.peers.items()}
        messages: list[tuple[int, p.ServerMessage]] = []
        for viewer, showing in assign_all(previous, self.view, publishing, counts).items():
            peer = self.peers[viewer]
            for (_, slot), person in zip(peer.slots, showing, strict=True):
                source = self.peers[person].camera if person is not None else None
                if slot.readyState == "live":
                    slot.show(source)
            if showing != peer.showing:
                peer.showing = showing
                messages.append((peer.conn, p.MediaSlots(slots=[
                    p.VideoSlotInfo(mid=mid, participant=person)
                    for (mid, _), person in zip(peer.slots, showing, strict=True)])))
        return messages

    def _encode(self, encoder: OpusEncoder, pcm: Pcm,
                pts: int) -> list[av.Packet[AudioStream]]:
        """Opus packets for one tick of a mix; digital silence (a lone speaker's
        mix-minus, a quiet room) is a ready-made packet instead of an encode."""
        if not pcm.any():
            packet: av.Packet[AudioStream] = av.Packet(self._silence)  # type: ignore[assignment]
            packet.pts = pts
            packet.time_base = OPUS_TIME_BASE
            return [packet]
        self.encodes += 1
        return encoder.encode(pcm, pts)

    def place_of(self, participant: str) -> str | None:
        seat = self._seats.get(participant)
        return seat.place if seat is not None else None

    def conn_of(self, participant: str) -> int | None:
        seat = self._seats.get(participant)
        return seat.conn if seat is not None else None

    def lobby_peers(self) -> int:
        return sum(1 for person in self.peers if self.place_of(person) == "lobby")

    # -- the clock -----------------------------------------------------------------

    def start(self) -> None:
        if self._clock is None:
            self._clock = asyncio.get_running_loop().create_task(
                self._run(), name=f"mixer-{self.room_id}")

    async def stop(self) -> None:
        if self._clock is not None:
            self._clock.cancel()
            await asyncio.gather(self._clock, return_exceptions=True)
            self._clock = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time()
        while True:
            due += FRAME_SECONDS
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            now = loop.time()
            if self._lateness is not None:
                # A histogram observation per tick: measured at about 2 µs of the 20 ms.
                self._lateness(max(0.0, now - due))
            if delay < -MAX_LAG:
                due = now
            try:
                self.tick(now)
            except Exception:
                # One bad tick must not silence the room for good.
                log.exception("mixer tick failed", extra={"room": self.room_id})

    def tick(self, now: float) -> Tick:
        tick = self.mixer.tick(now)
        self.ticks += 1
        for person, speaking in tick.speaking_changes:
            self._on_speaking(person, speaking)
        if tick.paused:
            return tick
        pts = tick.index * 960
        peers = self.peers
        if tick.full_mix is not None:
            hearing = [peers[p] for p in tick.full_mix_listeners if p in peers]
            if hearing:
                for packet in self._encode(self._shared, tick.full_mix, pts):
                    for peer in hearing:
                        peer.mix.put(packet)
        for person, pcm in tick.personal_mixes.items():
            listener = peers.get(person)
            if listener is None:
                continue
            encoder = self._personal.get(person)
            if encoder is None:
                encoder = self._personal[person] = OpusEncoder(
                    complexity=self._personal_complexity)
            for packet in self._encode(encoder, pcm, pts):
                listener.mix.put(packet)
        return tick
