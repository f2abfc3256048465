"""Load clients for ``bench/media_capacity.py``: whole rooms of aiortc peers in one process.

The coordinator starts one of these with ``multiprocessing`` and talks to it over
a pipe:

    coordinator -> worker                  worker -> coordinator
    WorkerPlan                             ("loaded",)
    ("warm_up", RoomPlan)                  ("warmed", JoinReport)
    ("join",)                              ("joined", JoinReport)
    ("measure", start_ns, end_ns)          ("measured", MeasureReport)
    ("exit",)

Each person is a WebSocket (``bench.wsclient``) speaking protocol v1 and one
``RTCPeerConnection`` with one ``sendrecv`` audio transceiver carrying a
``PacketMicrophone`` (pre-encoded Opus, every microphone on: each person sends
``media.state {audio: true}`` as they enter the room). A room's
facilitator connects first and admits every knock from inside its frame handler;
participants then join one after another, ``join_spacing`` seconds apart, rooms
in parallel. The offer goes out right after ``welcome`` (``offer_at="welcome"``,
allowed in the lobby by PROTOCOL.md) or after ``admitted``. A server's own
``media.offer`` (renegotiation, as the MediaRelay baseline does to add a source)
is answered.

What a listener receives is counted at the RTP level, as packets reach
``RTCRtpReceiver._handle_rtp_packet`` (patched in this process only): packets per
second, gaps between consecutive packets of one stream longer than ``GAP_MS``,
sequence numbers skipped. By default the packets are not decoded (``decode=False``):
the clients share two cores with the server they measure, and decoding would
only add client CPU. Join time is from writing ``hello`` to the first RTP packet
of mixed (or relayed) audio.
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
import time
from array import array
from collections import Counter
from dataclasses import dataclass
from multiprocessing.connection import Connection as Pipe
from typing import Any

import msgspec
from aiortc import RTCPeerConnection, RTCRtpReceiver, RTCSessionDescription
from aiortc.rtp import RtpPacket

from bench.fanout_client import RoomPlan
from bench.media_audio import MutedMicrophone, PacketMicrophone, speech_packets
from bench.wsclient import HandshakeFailed, WsClient, connect

# An inter-arrival gap longer than this is an audible gap (a listener's jitter
# buffer holds 40-60 ms).
GAP_MS = 60
GAP_NS = GAP_MS * 1_000_000
STAGE_TIMEOUT = 60.0


@dataclass
class WorkerPlan:
    host: str
    port: int
    origin: str
    rooms: list[RoomPlan]
    join_spacing: float = 0.25
    offer_at: str = "welcome"  # or "admitted"
    decode: bool = False
    audio_seconds: float = 12.0
    # Talking people per room, the facilitator first (0: everyone). The others listen with
    # their microphone off: they say so (media.state) and send no audio, as a browser does.
    talkers: int = 0


@dataclass
class JoinReport:
    people: int
    heard: int  # people who received audio
    join_ms: list[float]  # hello -> first audio packet, participants only
    failures: list[str]
    errors: dict[str, int]
    seconds: float


@dataclass
class MeasureReport:
    listeners: int
    streams: list[int]  # per listener: streams that delivered packets in the window
    packets: list[int]  # per listener: RTP packets received in the window
    gaps: list[int]  # per listener: gaps > GAP_MS over all its streams
    max_gap_ms: list[float]  # per listener
    skipped: list[int]  # per listener: sequence numbers skipped (lost) in the window
    loop_lag_ms: list[float]  # this process's event-loop lateness samples (10 ms probe)
    mic_late_max_ms: float  # how far the slowest microphone fell behind its 20 ms pace
    errors: dict[str, int]
    closes: dict[int, int]
    cpu_seconds: float


class _Person(msgspec.Struct):
    id: str


class _Inbound(msgspec.Struct):
    type: str
    you: _Person | None = None
    participant: _Person | None = None
    lobby: list[_Person] | None = None
    state: str | None = None
    code: str | None = None
    sdp: str | None = None


_decode = msgspec.json.Decoder(_Inbound).decode
_encode = msgspec.json.Encoder().encode


@dataclass
class Window:
    start: int = 2**62
    end: int = 2**62


class Stream:
    """One incoming RTP stream (one SSRC) at one listener."""

    __slots__ = ("gaps", "last_ns", "last_seq", "max_gap", "packets", "skipped")

    def __init__(self) -> None:
        self.last_ns = 0
        self.last_seq = -1
        self.packets = self.gaps = self.skipped = self.max_gap = 0


class Probe:
    """What one listener's receivers saw."""

    __slots__ = ("first_ns", "streams", "window")

    def __init__(self, window: Window) -> None:
        self.window = window
        self.first_ns = 0
        self.streams: dict[int, Stream] = {}

    def arrived(self, packet: RtpPacket, now: int) -> None:
        if not self.first_ns:
            self.first_ns = now
        stream = self.streams.get(packet.ssrc)
        if stream is None:
            stream = self.streams[packet.ssrc] = Stream()
        window = self.window
        if window.start <= now < window.end:
            stream.packets += 1
            if stream.last_ns:
                gap = now - stream.last_ns
                if gap > GAP_NS:
                    stream.gaps += 1
                if gap > stream.max_gap:
                    stream.max_gap = gap
            if stream.last_seq >= 0:
                step = (packet.sequence_number - stream.last_seq) & 0xFFFF
                if 1 < step < 0x8000:
                    stream.skipped += step - 1
        stream.last_ns = now
        stream.last_seq = packet.sequence_number


# Receiver -> the probe of the person it belongs to; only this process's clients.
_PROBES: dict[RTCRtpReceiver, Probe] = {}
_DECODE = False
_original_handle_rtp = RTCRtpReceiver._handle_rtp_packet


async def _counting_handle_rtp(self: RTCRtpReceiver, packet: RtpPacket,
                               arrival_time_ms: int) -> None:
    probe = _PROBES.get(self)
    if probe is not None:
        probe.arrived(packet, time.monotonic_ns())
    if _DECODE:
        await _original_handle_rtp(self, packet, arrival_time_ms)


class Member:
    """One person: a WebSocket, a peer connection with a microphone, a probe."""

    def __init__(self, worker: Worker, client: WsClient, staff: bool,
                 talking: bool = True) -> None:
        loop = asyncio.get_running_loop()
        self.worker = worker
        self.client = client
        self.staff = staff
        self.talking = talking
        self.id = ""
        self.hello_ns = 0
        self.welcomed: asyncio.Future[str] = loop.create_future()
        self.admitted: asyncio.Future[None] = loop.create_future()
        self.probe = Probe(worker.window)
        self.pc: RTCPeerConnection | None = None
        self.microphone: PacketMicrophone | None = None
        self._signalling = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self.offered = False
        client.on_text = self.on_text
        client.closed.add_done_callback(self._on_closed)

    def send(self, **message: Any) -> None:
        self.client.send_text(_encode(message))

    def hello(self, token: str) -> None:
        self.hello_ns = time.monotonic_ns()
        self.send(type="hello", token=token)

    def on_text(self, payload: bytes) -> None:
        msg = _decode(payload)
        kind = msg.type
        if kind == "lobby.knock" and self.staff:
            assert msg.participant is not None
            self.send(type="lobby.admit", participant=msg.participant.id)
        elif kind == "welcome":
            assert msg.you is not None
            self.id = msg.you.id
            if self.staff:
                for waiting in msg.lobby or ():
                    self.send(type="lobby.admit", participant=waiting.id)
            if msg.state == "room":
                self._entered()
            if msg.state == "room" or self.worker.plan.offer_at == "welcome":
                self._start_media()
            if not self.welcomed.done():
                self.welcomed.set_result(msg.state or "")
        elif kind == "admitted":
            self._entered()
            self._start_media()
        elif kind == "media.answer":
            assert msg.sdp is not None
            self._spawn(self._on_answer(msg.sdp))
        elif kind == "media.offer":
            assert msg.sdp is not None
            self._spawn(self._on_offer(msg.sdp))
        elif kind == "error":
            self.worker.errors[msg.code or "?"] += 1

    def _entered(self) -> None:
        if not self.admitted.done():
            self.admitted.set_result(None)
            # Microphones are off until the client says otherwise; every talker's is on
            # here. (The MediaRelay baseline ignores it.)
            self.send(type="media.state", audio=self.talking, video=False)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.worker.errors[f"client: {type(task.exception()).__name__}: "
                               f"{task.exception()}"[:120]] += 1

    def _start_media(self) -> None:
        if not self.offered:
            self.offered = True
            self._spawn(self._offer())

    async def _offer(self) -> None:
        async with self._signalling:
            self.pc = pc = RTCPeerConnection()
            worker = self.worker

            @pc.on("connectionstatechange")
            def on_state() -> None:
                # A connection the server let drop (ICE consent lost when its loop
                # stalls for long) shows here, not as a WebSocket close.
                if pc.connectionState in ("failed", "closed") and not worker.shutting_down:
                    worker.errors[f"media connection {pc.connectionState}"] += 1

            if self.talking:
                self.microphone = PacketMicrophone(worker.packets, worker.next_offset())
                pc.addTransceiver(self.microphone, direction="sendrecv")
            else:  # a listener: the transceiver is there, but nothing is sent on it
                pc.addTransceiver(MutedMicrophone(), direction="sendrecv")
            await pc.setLocalDescription(await pc.createOffer())
            self._watch_receivers()
            self.send(type="media.offer", sdp=pc.localDescription.sdp)

    async def _on_answer(self, sdp: str) -> None:
        async with self._signalling:
            assert self.pc is not None
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))
            self._watch_receivers()

    async def _on_offer(self, sdp: str) -> None:
        async with self._signalling:
            assert self.pc is not None
            pc = self.pc
            await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
            self._watch_receivers()
            await pc.setLocalDescription(await pc.createAnswer())
            self.send(type="media.answer", sdp=pc.localDescription.sdp)

    def _watch_receivers(self) -> None:
        assert self.pc is not None
        for transceiver in self.pc.getTransceivers():
            receiver = transceiver.receiver
            if receiver not in _PROBES:
                _PROBES[receiver] = self.probe
                if _DECODE:
                    self._spawn(_drain(receiver))

    def _on_closed(self, closed: asyncio.Future[int]) -> None:
        if not self.worker.shutting_down:
            self.worker.closes[closed.result()] += 1

    async def close(self) -> None:
        self.client.abort()
        if self.pc is not None:
            for transceiver in self.pc.getTransceivers():
                _PROBES.pop(transceiver.receiver, None)
            await self.pc.close()
        for task in list(self._tasks):
            task.cancel()


async def _drain(receiver: RTCRtpReceiver) -> None:
    """With decoding on, read the decoded frames so they do not pile up."""
    with contextlib.suppress(Exception):
        while True:
            await receiver.track.recv()


class Worker:
    def __init__(self, plan: WorkerPlan) -> None:
        self.plan = plan
        self.window = Window()
        self.packets = speech_packets(plan.audio_seconds)
        self._offset = 0
        self.members: list[Member] = []
        self.rooms: list[list[Member]] = []
        self.failures: list[str] = []
        self.errors: Counter[str] = Counter()
        self.closes: Counter[int] = Counter()
        self.shutting_down = False

    def next_offset(self) -> int:
        # Spread the talkers over the loop (a prime step, so no two line up).
        self._offset += 97
        return self._offset % len(self.packets)

    async def _member(self, token: str, *, staff: bool, into: list[Member],
                      talking: bool = True) -> Member | None:
        plan = self.plan
        try:
            client = await asyncio.wait_for(connect(plan.host, plan.port, plan.origin),
                                            STAGE_TIMEOUT)
            member = Member(self, client, staff, talking)
            into.append(member)
            member.hello(token)
            await asyncio.wait_for(asyncio.shield(member.welcomed), STAGE_TIMEOUT)
            await asyncio.wait_for(asyncio.shield(member.admitted), STAGE_TIMEOUT)
        except (OSError, HandshakeFailed, TimeoutError) as exc:
            self.failures.append(f"connect: {type(exc).__name__}: {exc}")
            return None
        return member

    async def _room(self, plan: RoomPlan, into: list[Member]) -> None:
        talkers = self.plan.talkers
        await self._member(plan.facilitator_token, staff=True, into=into)
        for index, token in enumerate(plan.participant_tokens, start=1):
            started = time.monotonic()
            await self._member(token, staff=False, into=into,
                               talking=not talkers or index < talkers)
            await asyncio.sleep(max(0.0, self.plan.join_spacing - (time.monotonic() - started)))

    async def join(self, rooms: list[RoomPlan], keep: bool = True) -> JoinReport:
        started = time.monotonic()
        joined: list[list[Member]] = [[] for _ in rooms]
        # Stagger the rooms' starts a little so their joins interleave.
        async def one(index: int, plan: RoomPlan) -> None:
            await asyncio.sleep(index * self.plan.join_spacing / max(1, len(rooms)))
            await self._room(plan, joined[index])
        await asyncio.gather(*(one(i, r) for i, r in enumerate(rooms)))
        people = [m for room in joined for m in room]
        # Wait for audio to reach everyone who has someone to hear.
        deadline = time.monotonic() + STAGE_TIMEOUT
        while time.monotonic() < deadline and any(not m.probe.first_ns for m in people):
            await asyncio.sleep(0.05)
        # The first person in a room has nobody to hear until the second arrives.
        join_ms = [(m.probe.first_ns - m.hello_ns) / 1e6 for room in joined
                   for m in room[1:] if m.probe.first_ns]
        report = JoinReport(
            people=len(people), heard=sum(1 for m in people if m.probe.first_ns),
            join_ms=join_ms, failures=self.failures[:20], errors=dict(self.errors),
            seconds=time.monotonic() - started)
        if keep:
            self.members.extend(people)
            self.rooms.extend(joined)
        else:
            self.shutting_down = True
            for member in people:
                member.send(type="leave")
            await asyncio.sleep(0.5)
            for member in people:
                await member.close()
            self.shutting_down = False
            self.failures.clear()
            self.errors.clear()
        return report

    async def measure(self, start_ns: int, end_ns: int) -> MeasureReport:
        self.window.start, self.window.end = start_ns, end_ns
        lags = array("d")
        while time.monotonic_ns() < start_ns:
            await asyncio.sleep(0.005)
        cpu_before = _cpu_seconds()
        for member in self.members:
            if member.microphone is not None:
                member.microphone.lateness_max = 0.0
        while (now := time.monotonic_ns()) < end_ns:
            await asyncio.sleep(0.01)
            lags.append((time.monotonic_ns() - now) / 1e6 - 10)
        cpu = _cpu_seconds() - cpu_before
        await asyncio.sleep(0.1)
        report = MeasureReport(listeners=len(self.members), streams=[], packets=[], gaps=[],
                               max_gap_ms=[], skipped=[], loop_lag_ms=list(lags),
                               mic_late_max_ms=0.0, errors=dict(self.errors),
                               closes=dict(self.closes), cpu_seconds=cpu)
        for member in self.members:
            streams = [s for s in member.probe.streams.values() if s.packets]
            gaps = sum(s.gaps for s in streams)
            longest = max((s.max_gap for s in streams), default=0)
            for stream in streams:
                # A stream that went quiet before the end of the window is a gap too.
                if end_ns - stream.last_ns > GAP_NS and stream.last_ns < end_ns:
                    gaps += 1
                    longest = max(longest, end_ns - stream.last_ns)
            report.streams.append(len(streams))
            report.packets.append(sum(s.packets for s in streams))
            report.gaps.append(gaps)
            report.max_gap_ms.append(longest / 1e6)
            report.skipped.append(sum(s.skipped for s in streams))
            if member.microphone is not None:
                report.mic_late_max_ms = max(report.mic_late_max_ms,
                                             member.microphone.lateness_max * 1e3)
        return report

    async def close_all(self) -> None:
        self.shutting_down = True
        for member in self.members:
            member.send(type="leave")
        await asyncio.sleep(0.2)
        await asyncio.gather(*(m.close() for m in self.members), return_exceptions=True)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _serve(pipe: Pipe) -> None:
    global _DECODE
    loop = asyncio.get_running_loop()

    async def receive() -> Any:
        return await loop.run_in_executor(None, pipe.recv)

    plan: WorkerPlan = await receive()
    _DECODE = plan.decode
    RTCRtpReceiver._handle_rtp_packet = _counting_handle_rtp  # type: ignore[method-assign]
    worker = Worker(plan)
    pipe.send(("loaded",))
    try:
        while True:
            command = await receive()
            if command[0] == "warm_up":
                pipe.send(("warmed", await worker.join([command[1]], keep=False)))
            elif command[0] == "join":
                pipe.send(("joined", await worker.join(plan.rooms)))
            elif command[0] == "measure":
                pipe.send(("measured", await worker.measure(command[1], command[2])))
            elif command[0] == "exit":
                return
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(worker.close_all(), 20)


def worker_main(pipe: Pipe) -> None:
    """Entry point of the load process (``multiprocessing`` target)."""
    from bench.fanout_server import raise_open_files

    raise_open_files()
    with contextlib.suppress(KeyboardInterrupt), asyncio.Runner() as runner:
        runner.run(_serve(pipe))
