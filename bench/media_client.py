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
``media.state {audio: true}`` as they enter the room; each packet carries its level in
the RTP audio-level header, as a browser's do). With ``video_lines`` the offer
has the m-lines docs/protocol.md asks for after it (one peer connection, max-bundle, as
a browser makes it): a ``sendonly`` video m-line for the camera and
``welcome.video_slots`` ``recvonly`` ones, the slots. With ``cameras`` C, each room's
facilitator and first C - 1 participants turn their camera on (``media.state {video:
true}``, and ``share: true`` from a participant when focus mode is off) and send
pre-encoded VP8 on it (``bench/media_video.py``); the others' camera m-line carries no
frames. With ``focus`` set, each facilitator first sends ``room.focus`` and waits for
its ``ack``. A room's
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

Video is counted per slot (``SlotVideo``): frames, keyframes and gaps of more than
``VIDEO_GAP_MS`` between two frames while ``media.slots`` says the slot shows someone,
and the time from that message to the slot's first frame. A camera counts the PLI/FIR
the server sends it.
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
from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpReceiver,
    RTCSessionDescription,
)
from aiortc.rtp import RtpPacket

from bench.fanout_client import RoomPlan
from bench.media_audio import (
    MutedMicrophone,
    PacketMicrophone,
    send_levels,
    speech_levels,
    speech_packets,
)
from bench.media_video import (
    VIDEO_GAP_NS,
    CameraOff,
    PacketCamera,
    SlotVideo,
    Window,
    camera_packets,
)
from bench.wsclient import HandshakeFailed, WsClient, connect
from server.media.video import vp8_codec_preferences

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
    # Offer the camera and slot m-lines (the web page always does); cameras on per room
    # (the facilitator first); focus mode set by the facilitator (None: left as it is).
    video_lines: bool = False
    cameras: int = 0
    focus: bool | None = None


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
    video: VideoReport | None = None


@dataclass
class VideoReport:
    """Video in the window. Per slot that showed the same camera all through the window
    (``slot_*``); the rest over every slot and camera of the run."""

    slots_offered: int  # receive-only video m-lines answered with a slot, everyone's
    slots_showing: int  # showing someone at the end of the window
    slot_frames: list[int]
    slot_packets: list[int]
    slot_keyframes: list[int]
    slot_gaps: list[int]  # frames more than VIDEO_GAP_MS after the one before
    slot_max_gap_ms: list[float]
    slots_stalled: int  # showing someone but no frame for VIDEO_GAP_MS at the window's end
    switches: int  # media.slots changes in the window
    starts_ms: list[float]  # media.slots naming someone -> first frame, since joining
    cameras: int
    camera_frames: int  # sent in the window
    camera_keyframe_requests: int  # PLI/FIR the server sent the cameras, since joining
    camera_late_max_ms: float


class _Person(msgspec.Struct):
    id: str


class _Slot(msgspec.Struct):
    mid: str
    participant: str | None = None


class _Inbound(msgspec.Struct):
    type: str
    you: _Person | None = None
    participant: _Person | None = None
    lobby: list[_Person] | None = None
    state: str | None = None
    code: str | None = None
    sdp: str | None = None
    ref: str | None = None
    video_slots: int | None = None
    slots: list[_Slot] | None = None


_decode = msgspec.json.Decoder(_Inbound).decode
_encode = msgspec.json.Encoder().encode


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


# Receiver -> the probe of the person (audio) or of the slot (video) it belongs to; only
# this process's clients.
_PROBES: dict[RTCRtpReceiver, Probe | SlotVideo] = {}
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
    """One person: a WebSocket, a peer connection with a microphone (and a camera and
    slots with ``video_lines``), a probe."""

    def __init__(self, worker: Worker, client: WsClient, staff: bool,
                 talking: bool = True, camera: bool = False) -> None:
        loop = asyncio.get_running_loop()
        self.worker = worker
        self.client = client
        self.staff = staff
        self.talking = talking
        self.camera_on = camera
        self.video_slots = 0
        self.camera: PacketCamera | None = None
        self.slots: dict[str, SlotVideo] = {}  # by mid
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
        self.entered = False
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
            self.video_slots = msg.video_slots or 0
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
        elif kind == "media.slots":
            now = time.monotonic_ns()
            for slot in msg.slots or ():
                if slot.mid in self.slots:
                    self.slots[slot.mid].show(slot.participant, now)
        elif kind == "ack" and msg.ref == "focus":
            self._say_media_state()
        elif kind == "error":
            self.worker.errors[msg.code or "?"] += 1

    def _entered(self) -> None:
        if self.entered:
            return
        self.entered = True
        focus = self.worker.plan.focus
        if self.staff and focus is not None:
            # Focus mode first, so that nobody's share meets the wrong setting; the
            # facilitator counts as in once the server has applied it (its ack).
            self.send(type="room.focus", on=focus, ref="focus")
        else:
            self._say_media_state()

    def _say_media_state(self) -> None:
        # Microphones (and cameras) are off until the client says otherwise; every
        # talker's is on here. (The MediaRelay baseline ignores it.)
        share = self.camera_on and not self.staff and self.worker.plan.focus is False
        if share:  # focus off: her yes to the group seeing her camera
            self.send(type="media.state", audio=self.talking, video=True, share=True)
        else:
            self.send(type="media.state", audio=self.talking, video=self.camera_on)
        if not self.admitted.done():
            self.admitted.set_result(None)

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
            worker = self.worker
            video = worker.plan.video_lines and self.video_slots > 0
            # A browser bundles everything on one transport; aiortc's default ("balanced")
            # would leave all but the first video m-line on a transport that BUNDLE stops.
            self.pc = pc = RTCPeerConnection(RTCConfiguration(
                bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)) if video else RTCPeerConnection()

            @pc.on("connectionstatechange")
            def on_state() -> None:
                # A connection the server let drop (ICE consent lost when its loop
                # stalls for long) shows here, not as a WebSocket close.
                if pc.connectionState in ("failed", "closed") and not worker.shutting_down:
                    worker.errors[f"media connection {pc.connectionState}"] += 1

            if self.talking:
                self.microphone = PacketMicrophone(worker.packets, worker.next_offset(),
                                                   worker.levels)
                send_levels(pc.addTransceiver(self.microphone, direction="sendrecv").sender,
                            self.microphone)
            else:  # a listener: the transceiver is there, but nothing is sent on it
                pc.addTransceiver(MutedMicrophone(), direction="sendrecv")
            if video:
                if self.camera_on:
                    assert worker.camera_bank is not None
                    self.camera = PacketCamera(worker.camera_bank)
                camera = pc.addTransceiver(self.camera or CameraOff(), direction="sendonly")
                camera.setCodecPreferences(vp8_codec_preferences())
                if self.camera is not None:
                    # A PLI/FIR from the server: aiortc's sender only sets a flag for its
                    # own encoder, which packets bypass; the camera restarts its cycle.
                    camera.sender._send_keyframe = self.camera.request_keyframe  # type: ignore[method-assign]
                for _ in range(self.video_slots):
                    pc.addTransceiver("video", direction="recvonly")
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
            if receiver in _PROBES:
                continue
            if transceiver.kind == "audio":
                _PROBES[receiver] = self.probe
            elif transceiver.direction == "recvonly" and transceiver.mid is not None:
                slot = self.slots[transceiver.mid] = SlotVideo(transceiver.mid,
                                                               self.worker.window)
                _PROBES[receiver] = slot
            else:
                continue  # the camera's own m-line: nothing comes back on it
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
        self.levels = speech_levels(plan.audio_seconds)
        self.camera_bank = camera_packets() if plan.cameras and plan.video_lines else None
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
                      talking: bool = True, camera: bool = False) -> Member | None:
        plan = self.plan
        try:
            client = await asyncio.wait_for(connect(plan.host, plan.port, plan.origin),
                                            STAGE_TIMEOUT)
            member = Member(self, client, staff, talking, camera)
            into.append(member)
            member.hello(token)
            await asyncio.wait_for(asyncio.shield(member.welcomed), STAGE_TIMEOUT)
            await asyncio.wait_for(asyncio.shield(member.admitted), STAGE_TIMEOUT)
        except (OSError, HandshakeFailed, TimeoutError) as exc:
            self.failures.append(f"connect: {type(exc).__name__}: {exc}")
            return None
        return member

    async def _room(self, plan: RoomPlan, into: list[Member]) -> None:
        talkers, cameras = self.plan.talkers, self.plan.cameras
        await self._member(plan.facilitator_token, staff=True, into=into, camera=cameras > 0)
        for index, token in enumerate(plan.participant_tokens, start=1):
            started = time.monotonic()
            await self._member(token, staff=False, into=into,
                               talking=not talkers or index < talkers,
                               camera=index < cameras)
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
        camera_frames = 0
        for member in self.members:
            if member.microphone is not None:
                member.microphone.lateness_max = 0.0
            if member.camera is not None:
                member.camera.lateness_max = 0.0
                camera_frames -= member.camera.frames_sent
        while (now := time.monotonic_ns()) < end_ns:
            await asyncio.sleep(0.01)
            lags.append((time.monotonic_ns() - now) / 1e6 - 10)
        cpu = _cpu_seconds() - cpu_before
        camera_frames += sum(m.camera.frames_sent for m in self.members if m.camera is not None)
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
        if self.plan.video_lines:
            report.video = self._video_report(start_ns, end_ns, camera_frames)
        return report

    def _video_report(self, start_ns: int, end_ns: int, camera_frames: int) -> VideoReport:
        slots = [slot for member in self.members for slot in member.slots.values()]
        cameras = [m.camera for m in self.members if m.camera is not None]
        report = VideoReport(
            slots_offered=sum(m.video_slots for m in self.members if m.slots),
            slots_showing=sum(1 for s in slots if s.showing is not None),
            slot_frames=[], slot_packets=[], slot_keyframes=[], slot_gaps=[],
            slot_max_gap_ms=[], slots_stalled=0, switches=sum(s.switches for s in slots),
            starts_ms=[ms for s in slots for ms in s.starts_ms], cameras=len(cameras),
            camera_frames=camera_frames,
            camera_keyframe_requests=sum(c.keyframe_requests for c in cameras),
            camera_late_max_ms=max((c.lateness_max * 1e3 for c in cameras), default=0.0))
        for slot in slots:
            if slot.showing is None:
                continue
            # A slot that stopped receiving before the end of the window is stalled.
            last = slot.last_frame_ns or slot.since_ns
            stalled = end_ns - last > VIDEO_GAP_NS
            report.slots_stalled += stalled
            if slot.since_ns >= start_ns:
                continue  # it started showing this camera inside the window
            report.slot_frames.append(slot.frames)
            report.slot_packets.append(slot.packets)
            report.slot_keyframes.append(slot.keyframes)
            report.slot_gaps.append(slot.gaps + stalled)
            longest = max(slot.max_gap, end_ns - last if stalled else 0)
            report.slot_max_gap_ms.append(longest / 1e6)
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
