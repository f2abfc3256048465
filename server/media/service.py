"""The node's media: WebRTC signaling with each participant, and each room's media.

The hub hands over offers, answers and candidates (``signal``) and, after every change
of the room's rules, a ``MediaView`` (``update``). Everything a client is sent back
(answers, errors) goes through ``send``; speaking changes go to ``on_speaking`` so the
room state machine can tell the room. Signaling for one participant is handled in
order, one message at a time, so an offer and the candidates after it cannot race.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.sdp import candidate_from_sdp

from server import protocol as p
from server.media.ice import MediaNetwork, restrict_gathering
from server.media.mixer import RoomMixer
from server.media.offers import (
    MAX_CANDIDATES,
    candidate_host,
    keep_usable_candidates,
    offer_problem,
    usable_address,
)
from server.media.peer import InlineOpus, Peer, decode_inline
from server.media.room import RoomMedia
from server.media.types import LinkStats
from server.media.video import VideoSlot, VideoSource, route_keyframe_requests
from server.rooms.types import ConnId, MediaView

log = logging.getLogger("hearth.media")

Send = Callable[[ConnId, p.ServerMessage], None]
OnSpeaking = Callable[[str, str, bool], None]  # room, participant, speaking

# Signals one person may have waiting; more are refused (rate_limited).
MAX_WAITING = 32
# A new offer from the same person is taken at most this often (later ones wait).
OFFER_INTERVAL = 1.0
# People in one room's lobby who may hold a peer connection before being let in.
LOBBY_PEERS = 8


@dataclass(frozen=True, slots=True)
class MediaSettings:
    network: MediaNetwork = field(default_factory=MediaNetwork)
    # libopus complexity for the mixes (0-10); see docs/performance.md "Media".
    opus_complexity: int = 10
    personal_opus_complexity: int = 1
    # The loudest voices mixed at once (server/media/mixer.py).
    mixed_voices: int | None = 3
    # Receive-only video slots a peer connection may carry (welcome.video_slots).
    video_slots: int = 4


class MediaService:
    def __init__(self, settings: MediaSettings, send: Send, on_speaking: OnSpeaking,
                 lateness: Callable[[float], None] | None = None) -> None:
        """``lateness``: each room's mixer reports how late each tick ran (/metrics)."""
        self._settings = settings
        self._lateness = lateness
        self._send = send
        self._on_speaking = on_speaking
        self._rooms: dict[str, RoomMedia] = {}
        self._queues: dict[tuple[str, str], asyncio.Queue[tuple[ConnId, p.ClientMessage]]] = {}
        self._workers: set[asyncio.Task[None]] = set()
        self._closing: set[asyncio.Task[None]] = set()
        self._last_offer: dict[tuple[str, str], float] = {}

    # -- what the node asks of media --------------------------------------------------

    def room(self, room_id: str) -> RoomMedia | None:
        return self._rooms.get(room_id)

    async def link_stats(self, room_id: str) -> dict[str, LinkStats]:
        """Each peer's audio link in the room, by participant (for the quality watch)."""
        media = self._rooms.get(room_id)
        if media is None:
            return {}
        now = datetime.now(UTC)
        found: dict[str, LinkStats] = {}
        for participant, peer in list(media.peers.items()):
            stats = await peer.link_stats(now)
            if stats is not None:
                found[participant] = stats
        return found

    def update(self, room_id: str, view: MediaView) -> None:
        """The room's rules changed: apply them now; close peers of people who left."""
        media = self._rooms.get(room_id)
        if media is None:
            if not view.seats:
                return
            media = self._rooms[room_id] = RoomMedia(
                room_id, lambda who, on: self._on_speaking(room_id, who, on),
                opus_complexity=self._settings.opus_complexity,
                personal_complexity=self._settings.personal_opus_complexity,
                mixed_voices=self._settings.mixed_voices, lateness=self._lateness)
        for peer in media.apply(view):
            self._close(peer)
        present = {seat.participant_id for seat in view.seats}
        for key in [k for k in self._last_offer if k[0] == room_id and k[1] not in present]:
            del self._last_offer[key]
        self._route(media)
        if not view.seats:
            del self._rooms[room_id]
            self._track(media.stop())

    def signal(self, room_id: str, conn: ConnId, participant: str,
               message: p.MediaOffer | p.MediaAnswer | p.MediaCandidate) -> None:
        key = (room_id, participant)
        if isinstance(message, p.MediaOffer):
            # Refused at once, before it waits its turn: it will never build anything.
            problem = offer_problem(message.sdp)
            if problem is not None:
                self._error(conn, "bad_message", problem, message.ref)
                return
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = asyncio.Queue(MAX_WAITING)
            self._start_worker(key, queue)
        if queue.full():
            self._error(conn, "rate_limited", "slow down a little", message.ref)
            return
        queue.put_nowait((conn, message))

    def _start_worker(self, key: tuple[str, str],
                      queue: asyncio.Queue[tuple[ConnId, p.ClientMessage]]) -> None:
        task = asyncio.get_running_loop().create_task(self._work(key, queue))
        self._workers.add(task)
        task.add_done_callback(self._workers.discard)

    async def aclose(self) -> None:
        for task in list(self._workers):
            task.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        for media in list(self._rooms.values()):
            await media.stop()
            for peer in list(media.peers.values()):
                self._close(peer)
        self._rooms.clear()
        await asyncio.gather(*self._closing, return_exceptions=True)

    # -- signaling, one participant at a time ---------------------------------------------

    async def _work(self, key: tuple[str, str],
                    queue: asyncio.Queue[tuple[ConnId, p.ClientMessage]]) -> None:
        try:
            while True:
                try:
                    conn, message = await asyncio.wait_for(queue.get(), 30)
                except TimeoutError:
                    return  # idle: the next signal starts a new worker
                try:
                    await self._handle(key[0], conn, key[1], message)
                except Exception:
                    log.exception("media signaling failed", extra={"room": key[0]})
                    self._error(conn, "invalid_state", "the media connection could not be set up",
                                message.ref)
        finally:
            if self._queues.get(key) is queue:
                if queue.empty() or not asyncio.get_running_loop().is_running():
                    del self._queues[key]
                else:
                    # A signal arrived as the idle wait ended: it still gets an answer.
                    self._start_worker(key, queue)

    async def _handle(self, room_id: str, conn: ConnId, participant: str,
                      message: p.ClientMessage) -> None:
        media = self._rooms.get(room_id)
        if media is None or media.conn_of(participant) != conn:
            return  # they left (or reconnected) while this waited
        peer = media.peers.get(participant)
        if isinstance(message, p.MediaOffer):
            await self._offer(media, conn, participant, message)
        elif isinstance(message, p.MediaCandidate):
            if peer is None:
                self._error(conn, "invalid_state", "send media.offer first", message.ref)
                return
            await self._candidate(peer, message)
        elif isinstance(message, p.MediaAnswer):
            # The server never offers (PROTOCOL.md allows either side; Hearth's clients do).
            self._error(conn, "invalid_state", "the server has not made an offer", message.ref)

    async def _offer(self, media: RoomMedia, conn: ConnId, participant: str,
                     message: p.MediaOffer) -> None:
        # Each offer may build a peer connection (sockets, threads, a certificate): one
        # person's offers are paced, so a flood costs them waiting, not the node its CPU.
        key = (media.room_id, participant)
        loop = asyncio.get_running_loop()
        wait = self._last_offer.get(key, -OFFER_INTERVAL) + OFFER_INTERVAL - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        self._last_offer[key] = loop.time()
        if media.conn_of(participant) != conn:
            return  # they left (or reconnected) while this waited
        peer = media.peers.get(participant)
        if peer is None and media.place_of(participant) == "lobby" and media.lobby_peers() >= \
                LOBBY_PEERS:
            self._error(conn, "forbidden", "sound can start once you're let into the group",
                        message.ref)
            return
        if peer is not None and _fingerprints(peer.pc.remoteDescription) != _fingerprints(
                message.sdp):
            # A new peer connection in the browser (its certificate differs): the old
            # one is gone, whatever state the server thought it was in.
            del media.peers[participant]
            self._close(peer)
            peer = None
        if peer is None:
            # One transport for every m-line: aiortc's default ("balanced") shares one per
            # kind and, answering an offer with BUNDLE, stops the one the other video
            # m-lines still point at, so all but the first video slot would stay silent.
            config = RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
            peer = Peer(participant, conn, RTCPeerConnection(config))
            media.peers[participant] = peer
            self._watch(media, peer)
        pc = peer.pc
        sdp = keep_usable_candidates(message.sdp,
                                     allow_private=self._settings.network.allow_private)
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        except Exception as error:  # aiortc raises ValueError, InvalidStateError, ...
            log.info("unusable media offer", extra={"room": media.room_id,
                                                     "why": type(error).__name__})
            self._error(conn, "bad_message", "that media offer could not be used", message.ref)
            if pc.remoteDescription is None:
                media.peers.pop(participant, None)
                self._close(peer)
            return
        self._configure(peer, media.mixer)
        self._watch_transports(media, peer)
        restrict_gathering(pc, self._settings.network)
        answer = await pc.createAnswer()
        await pc.setLocalDescription(answer)
        if media.peers.get(participant) is not peer:
            return  # left while we gathered
        media.start()
        self._send(conn, p.MediaAnswerOut(sdp=pc.localDescription.sdp))
        self._ack(conn, message.ref)
        self._route(media)

    def _configure(self, peer: Peer, mixer: RoomMixer) -> None:
        """The offer's m-lines, in the order PROTOCOL.md gives them: the first audio one
        carries the person's microphone and their mix back; the first video one the
        client sends on is their camera; receive-only video ones are slots (up to the
        configured number). Anything else is declined (``inactive``)."""
        audio_done = camera_done = False
        for transceiver in peer.pc.getTransceivers():
            # aiortc keeps the offer's direction as seen from this side: "recvonly" is
            # an m-line the client sends on.
            ours = transceiver._offerDirection or "inactive"
            if transceiver.kind == "audio" and not audio_done:
                audio_done = True
                if not _prefer(transceiver, "audio/opus"):
                    transceiver.direction = "inactive"
                    continue
                if transceiver.sender.track is None:
                    transceiver.sender.replaceTrack(peer.mix)
                if peer.decoder is None:
                    peer.decoder = InlineOpus(peer.participant, mixer)
                    decode_inline(transceiver.receiver, peer.decoder)
                transceiver.direction = "sendrecv"
            elif transceiver.kind == "video" and _prefer(transceiver, "video/VP8"):
                track = transceiver.sender.track
                if isinstance(track, VideoSlot):
                    transceiver.direction = "sendonly"  # a slot from an earlier offer
                elif ours in ("recvonly", "sendrecv") and not camera_done:
                    camera_done = True
                    transceiver.direction = "recvonly"
                elif ours == "sendonly" and len(peer.slots) < self._settings.video_slots:
                    slot = VideoSlot()
                    transceiver.sender.replaceTrack(slot)
                    route_keyframe_requests(transceiver.sender, slot)
                    peer.slots.append((transceiver.mid or str(len(peer.slots)), slot))
                    transceiver.direction = "sendonly"
                else:
                    transceiver.direction = "inactive"
            else:
                transceiver.direction = "inactive"

    def _route(self, media: RoomMedia) -> None:
        for conn, message in media.route_video():
            self._send(conn, message)

    def _watch(self, media: RoomMedia, peer: Peer) -> None:
        pc = peer.pc

        @pc.on("track")
        def on_track(track: object) -> None:
            # Audio is decoded on the loop as it arrives (InlineOpus), not read from
            # the track; the camera is read by its VideoSource.
            if (getattr(track, "kind", None) == "video" and peer.camera is None
                    and not peer.closing):
                peer.camera = VideoSource(track)  # type: ignore[arg-type]

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            if pc.connectionState == "failed":
                # Vanished without closing (ICE consent lost): free everything now.
                self._gone(media, peer)

    def _watch_transports(self, media: RoomMedia, peer: Peer) -> None:
        """A client that closes its peer connection says so over DTLS; aiortc's
        connection state does not show it, the DTLS transport's does."""
        for transceiver in peer.pc.getTransceivers():
            transport = transceiver.sender.transport
            if id(transport) in peer.watched:
                continue
            peer.watched.add(id(transport))

            def on_state(transport: object = transport) -> None:
                if getattr(transport, "state", None) in ("closed", "failed"):
                    self._gone(media, peer)

            transport.on("statechange", on_state)

    def _gone(self, media: RoomMedia, peer: Peer) -> None:
        if media.peers.get(peer.participant) is peer:
            del media.peers[peer.participant]
            self._close(peer)
            self._route(media)

    async def _candidate(self, peer: Peer, message: p.MediaCandidate) -> None:
        text = message.candidate.removeprefix("candidate:")
        if not text:
            self._ack(peer.conn, message.ref)
            return  # end of candidates
        peer.candidates += 1
        if peer.candidates > MAX_CANDIDATES:
            self._error(peer.conn, "rate_limited", "too many candidates", message.ref)
            return
        if not usable_address(candidate_host(text) or "",
                              allow_private=self._settings.network.allow_private):
            self._ack(peer.conn, message.ref)  # an mDNS name, loopback...: not checked
            return
        try:
            candidate = candidate_from_sdp(text)
        except (ValueError, IndexError):
            self._error(peer.conn, "bad_message", "that candidate could not be read", message.ref)
            return
        candidate.sdpMid = message.sdpMid
        candidate.sdpMLineIndex = message.sdpMLineIndex
        try:
            await peer.pc.addIceCandidate(candidate)
        except Exception:
            self._error(peer.conn, "bad_message", "that candidate could not be used", message.ref)
            return
        self._ack(peer.conn, message.ref)

    # -- helpers -------------------------------------------------------------------------

    def _ack(self, conn: ConnId, ref: str | None) -> None:
        if ref is not None:
            self._send(conn, p.Ack(ref=ref))

    def _error(self, conn: ConnId, code: str, text: str, ref: str | None) -> None:
        self._send(conn, p.Error(code=code, message=text, ref=ref))

    def _close(self, peer: Peer) -> None:
        self._track(peer.close())

    def _track(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)


def _prefer(transceiver: RTCRtpTransceiver, mime: str) -> bool:
    """Keep only ``mime`` (and its retransmission codec) of what the offer and aiortc share.

    The mixes and the shared video encoders produce one codec; a sender must not pick
    another one first. aiortc applies codec preferences while it reads the offer, before
    the transceiver exists for us to set them, so the negotiated list is narrowed here.
    """
    kept = [c for c in transceiver._codecs if c.mimeType.lower() == mime.lower()]
    types = {c.payloadType for c in kept}
    rtx = [c for c in transceiver._codecs
           if c.mimeType.lower().endswith("/rtx") and c.parameters.get("apt") in types]
    transceiver._codecs = kept + rtx
    return bool(kept)


def _fingerprints(description: RTCSessionDescription | str | None) -> set[str]:
    """The DTLS certificate fingerprints an SDP names: they identify a browser's peer
    connection (a renegotiation keeps them; a new connection has new ones)."""
    if description is None:
        return set()
    sdp = description if isinstance(description, str) else description.sdp
    return {line.strip() for line in sdp.splitlines() if line.startswith("a=fingerprint:")}
