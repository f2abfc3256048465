"""server/media/room.py: one tick of a room's media, as the senders see it.

Everyone who is not a mixed voice is handed the very same encoded packet (encoded once);
a lone speaker's mix-minus is silence and costs no encode.
"""

from __future__ import annotations

from aiortc import RTCPeerConnection

from server.media.peer import Peer
from server.media.room import RoomMedia
from server.rooms.types import MediaSeat, MediaView
from tests.media.room import sine


def seat(pid: str, conn: int, *, staff: bool = False, audio: bool = False) -> MediaSeat:
    return MediaSeat(participant_id=pid, conn=conn, place="room", staff=staff, audio=audio,
                     video=False, mute_locked=False)


async def test_listeners_share_one_packet_and_a_lone_speaker_costs_no_encode() -> None:
    changes: list[tuple[str, bool]] = []
    room = RoomMedia("r1", lambda who, on: changes.append((who, on)))
    view = MediaView(seats=(seat("fac", 1, staff=True), seat("ann", 2, audio=True),
                            seat("bob", 3), seat("cat", 4)))
    room.apply(view)
    peers = {pid: Peer(pid, n, RTCPeerConnection()) for n, pid in
             enumerate(("fac", "ann", "bob", "cat"), 1)}
    room.peers.update(peers)
    tone = sine(440)
    try:
        for index in range(10):
            room.mixer.push("ann", index, tone(index))
            room.tick(index * 0.02)
        assert ("ann", True) in changes
        shared = [peers[p].mix._queue.get_nowait() for p in ("fac", "bob", "cat")]
        assert shared[0] is shared[1] is shared[2]  # one encode, one object, three senders
        own = peers["ann"].mix._queue.get_nowait()
        assert own is not shared[0] and len(bytes(own)) < 20  # silence: a tiny packet
        # Ten ticks, each one encode of the full mix; Ann's own mix was never encoded.
        assert room.encodes <= 10
    finally:
        for peer in peers.values():
            await peer.pc.close()
