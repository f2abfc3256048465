"""The baseline for ``bench/media_capacity.py``: an SFU-style server on aiortc's ``MediaRelay``.

Bench only; not Hearth. It speaks just the part of protocol v1 the load clients
use, over a WebSocket at ``/ws``:

* ``hello {token}`` -> ``welcome {you, room, state, lobby?, ice_servers: []}``.
  Tokens are made up by the coordinator: ``ROOM|facilitator|N`` or
  ``ROOM|participant|N``. Facilitators go straight in; participants wait in the
  lobby, and facilitators get ``lobby.knock``; ``lobby.admit`` sends the
  participant ``admitted``.
* ``media.offer`` -> ``media.answer``; when someone else's audio becomes
  available, the server adds it to each listener's peer connection and
  renegotiates with its own ``media.offer`` (the client answers with
  ``media.answer``).

What it measures is aiortc's stock way of forwarding audio: every participant's
peer connection receives every other admitted participant's microphone through
``MediaRelay().subscribe(track)`` added with ``addTrack``. aiortc decodes each
incoming track once (``RTCRtpReceiver``'s decoder thread) and each sender encodes
the decoded frames again for its listener (its own Opus encoder, 96 kbps stereo,
in the default thread pool): N decodes and N x (N-1) encodes every 20 ms per
room. That is what ARCHITECTURE.md says Hearth does not do.

    python -m bench.media_relay_baseline --port 8765
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
from dataclasses import dataclass, field
from typing import Any

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamTrack
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

# How long the server waits for a client's answer to its renegotiation offer.
ANSWER_TIMEOUT = 20.0


@dataclass(eq=False)
class Person:
    id: str
    room: Room
    staff: bool
    ws: ServerConnection
    admitted: bool = False
    pc: RTCPeerConnection | None = None
    microphone: MediaStreamTrack | None = None
    # Sources already added to this person's peer connection.
    hearing: set[MediaStreamTrack] = field(default_factory=set)
    negotiating: asyncio.Lock = field(default_factory=asyncio.Lock)
    answer: asyncio.Future[str] | None = None
    sync_wanted: bool = False

    async def send(self, **message: Any) -> None:
        with contextlib.suppress(ConnectionClosed):
            await self.ws.send(json.dumps(message))


@dataclass(eq=False)
class Room:
    id: str
    relay: MediaRelay = field(default_factory=MediaRelay)
    people: dict[str, Person] = field(default_factory=dict)

    def sources_for(self, listener: Person) -> list[MediaStreamTrack]:
        return [p.microphone for p in self.people.values()
                if p is not listener and p.admitted and p.microphone is not None]


class RelayServer:
    def __init__(self) -> None:
        self.rooms: dict[str, Room] = {}
        self.tasks: set[asyncio.Task[None]] = set()

    def spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def handle(self, ws: ServerConnection) -> None:
        person: Person | None = None
        try:
            hello = json.loads(await asyncio.wait_for(ws.recv(), 10))
            room_id, role, number = str(hello["token"]).split("|")
            room = self.rooms.setdefault(room_id, Room(room_id))
            person = Person(id=f"{role[0]}{number}", room=room, staff=role == "facilitator",
                            ws=ws, admitted=role == "facilitator")
            room.people[person.id] = person
            waiting = [{"id": p.id} for p in room.people.values() if not p.admitted]
            await person.send(type="welcome", you={"id": person.id}, room={"id": room_id},
                              state="room" if person.admitted else "lobby", ice_servers=[],
                              **({"lobby": waiting} if person.staff else {}))
            if not person.admitted:
                await person.send(type="waiting", reason="admission")
                for staff in [p for p in room.people.values() if p.staff]:
                    await staff.send(type="lobby.knock", participant={"id": person.id})
            async for raw in ws:
                await self.on_message(person, json.loads(raw))
        except (ConnectionClosed, TimeoutError):
            pass
        finally:
            if person is not None:
                await self.leave(person)

    async def on_message(self, person: Person, msg: dict[str, Any]) -> None:
        kind = msg.get("type")
        room = person.room
        if kind == "lobby.admit" and person.staff:
            target = room.people.get(msg["participant"])
            if target is not None and not target.admitted:
                target.admitted = True
                await target.send(type="admitted", participants=[])
                self.sync_room(room)
        elif kind == "media.offer":
            self.spawn(self.on_offer(person, msg["sdp"]))
        elif kind == "media.answer":
            if person.answer is not None and not person.answer.done():
                person.answer.set_result(msg["sdp"])
        elif kind == "leave":
            await person.ws.close()

    async def on_offer(self, person: Person, sdp: str) -> None:
        async with person.negotiating:
            if person.pc is None:
                person.pc = pc = RTCPeerConnection()

                @pc.on("track")
                def on_track(track: MediaStreamTrack) -> None:
                    if track.kind == "audio" and person.microphone is None:
                        person.microphone = track
                        self.sync_room(person.room)

            pc = person.pc
            await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
            # The first source can ride on the client's own sendrecv transceiver;
            # any more need new m-lines, which the renegotiation in sync() adds.
            if person.admitted:
                for source in person.room.sources_for(person)[:1]:
                    if source not in person.hearing:
                        pc.addTrack(person.room.relay.subscribe(source))
                        person.hearing.add(source)
            await pc.setLocalDescription(await pc.createAnswer())
            await person.send(type="media.answer", sdp=pc.localDescription.sdp)
        self.spawn(self.sync(person))

    def sync_room(self, room: Room) -> None:
        for person in room.people.values():
            self.spawn(self.sync(person))

    async def sync(self, person: Person) -> None:
        """Add every missing source to ``person``'s connection and renegotiate until none is."""
        if person.negotiating.locked():
            person.sync_wanted = True  # the running negotiation will look again
            return
        async with person.negotiating:
            while True:
                person.sync_wanted = False
                pc = person.pc
                if pc is None or not person.admitted or pc.signalingState != "stable" \
                        or pc.remoteDescription is None:
                    return
                missing = [s for s in person.room.sources_for(person)
                           if s not in person.hearing]
                if not missing:
                    if person.sync_wanted:
                        continue
                    return
                for source in missing:
                    pc.addTrack(person.room.relay.subscribe(source))
                    person.hearing.add(source)
                person.answer = asyncio.get_running_loop().create_future()
                await pc.setLocalDescription(await pc.createOffer())
                await person.send(type="media.offer", sdp=pc.localDescription.sdp)
                try:
                    answer = await asyncio.wait_for(person.answer, ANSWER_TIMEOUT)
                except TimeoutError:
                    logging.warning("no answer from %s", person.id)
                    return
                await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))

    async def leave(self, person: Person) -> None:
        person.room.people.pop(person.id, None)
        if person.pc is not None:
            await person.pc.close()
        if not person.room.people:
            self.rooms.pop(person.room.id, None)


async def serve_forever(host: str, port: int) -> None:
    relay = RelayServer()
    stop = asyncio.get_running_loop().create_future()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set_result, None)
    async with serve(relay.handle, host, port, max_size=2**20, compression=None):
        await stop


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--host", default="127.0.0.1")
    args.add_argument("--port", type=int, required=True)
    opts = args.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(serve_forever(opts.host, opts.port))


if __name__ == "__main__":
    main()
