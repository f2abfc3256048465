"""Load-generating worker for ``bench/chat_fanout.py``: whole rooms of clients in one process.

The coordinator (``chat_fanout.main``) starts K of these with ``multiprocessing``
and talks to each over a pipe:

    coordinator -> worker            worker -> coordinator
    WorkerPlan                       ("loaded",)
    ("connect",)                     ("ready", ConnectReport)
    ("go", t0_ns, warmup, dur, rate) ("done", LoadReport)
    ("exit",)

A worker owns whole rooms (facilitator and participants), so admission and
delivery counting stay inside one process. Each room connects its facilitator
first; the participants then connect together and knock, and the
facilitator's client answers every ``lobby.knock`` with ``lobby.admit`` from
inside its frame handler (no round trip through a coroutine).

Latency: every ``chat.send`` text starts with ``time.monotonic_ns()`` taken
just before the frame is written; every receiver subtracts it from
``monotonic_ns()`` taken as the frame is parsed. CLOCK_MONOTONIC is one
clock for the whole machine on Linux, so this works across processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import resource
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection as Pipe
from typing import Any

import msgspec

from bench.wsclient import HandshakeFailed, WsClient, connect

# About the length of a short chat line; the timestamp goes in front.
FILLER = b"hello from the benchmark, how is everyone doing today?"
# How long one stage of connecting (TCP + handshake + welcome, or admission) may take.
STAGE_TIMEOUT = 60.0
# After the last send, wait this long at most for the deliveries still in flight.
DRAIN_TIMEOUT = 10.0


@dataclass
class RoomPlan:
    room_id: str
    facilitator_token: str
    participant_tokens: list[str]
    # The WebSocket's path at the worker's host and port: ``/ws``, or behind Caddy the
    # path of the room's node (``/nodes/a/ws``), from the ``ws_url`` the tokens came with.
    path: str = "/ws"


@dataclass
class WorkerPlan:
    host: str
    port: int
    origin: str
    rooms: list[RoomPlan]
    # Handshakes in flight at once per worker (uvicorn's listen backlog is 2048).
    connect_concurrency: int = 200
    seed: int = 0


@dataclass
class ConnectReport:
    connections: int
    admitted: int
    failures: list[str]
    seconds: float


@dataclass
class LoadReport:
    sent: int  # chat.send frames whose timestamp is inside the measured window
    expected: int  # deliveries those should cause (one per member in the room, sender included)
    delivered: int  # deliveries of those that arrived before the drain timeout
    deliveries_total: int  # every chat frame received, warm-up and drain included
    latencies_ns: bytes  # array('q') of delivery latencies, window messages only
    sent_at_ns: bytes  # array('q'), in step with latencies_ns: when each message was sent
    send_lateness_ns: bytes  # array('q'): how late each send left against its schedule
    errors: dict[str, int]
    closes: dict[int, int]
    cpu_seconds: float


class _Person(msgspec.Struct):
    id: str


class _Inbound(msgspec.Struct):
    """The few fields the load clients read; msgspec skips the rest without building it."""

    type: str
    text: str | None = None
    you: _Person | None = None
    participant: _Person | None = None
    lobby: list[_Person] | None = None
    state: str | None = None
    code: str | None = None


_decode = msgspec.json.Decoder(_Inbound).decode
_encode = msgspec.json.Encoder().encode


@dataclass
class Tally:
    """What this worker's clients observed; all counters, no per-message objects."""

    window_start: int = 0
    window_end: int = 0
    latencies: array[int] = field(default_factory=lambda: array("q"))
    sent_at: array[int] = field(default_factory=lambda: array("q"))
    delivered: int = 0
    deliveries_total: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    closes: Counter[int] = field(default_factory=Counter)
    shutting_down: bool = False


class Member:
    """One connected person: a facilitator or a participant."""

    __slots__ = ("admitted", "client", "id", "room", "staff", "tally", "welcomed")

    def __init__(self, client: WsClient, room: RoomRun, staff: bool, tally: Tally) -> None:
        loop = asyncio.get_running_loop()
        self.client = client
        self.room = room
        self.staff = staff
        self.tally = tally
        self.id = ""
        self.welcomed: asyncio.Future[str] = loop.create_future()
        self.admitted: asyncio.Future[None] = loop.create_future()
        client.on_text = self.on_text
        client.closed.add_done_callback(self._on_closed)

    def send(self, **message: Any) -> None:
        self.client.send_text(_encode(message))

    def on_text(self, payload: bytes) -> None:
        now = time.monotonic_ns()
        msg = _decode(payload)
        kind = msg.type
        tally = self.tally
        if kind == "chat":
            assert msg.text is not None
            sent = int(msg.text[: msg.text.index(" ")])
            tally.deliveries_total += 1
            if tally.window_start <= sent < tally.window_end:
                tally.delivered += 1
                tally.latencies.append(now - sent)
                tally.sent_at.append(sent)
        elif kind == "lobby.knock" and self.staff:
            assert msg.participant is not None
            self.send(type="lobby.admit", participant=msg.participant.id)
        elif kind == "welcome":
            assert msg.you is not None
            self.id = msg.you.id
            if self.staff:
                # Anyone who knocked before this facilitator arrived waits in the lobby list.
                for waiting in msg.lobby or ():
                    self.send(type="lobby.admit", participant=waiting.id)
            if not self.welcomed.done():
                self.welcomed.set_result(msg.state or "")
        elif kind == "admitted":
            if not self.admitted.done():
                self.admitted.set_result(None)
        elif kind == "error":
            tally.errors[msg.code or "?"] += 1

    def _on_closed(self, closed: asyncio.Future[int]) -> None:
        self.room.members.discard(self)
        if not self.tally.shutting_down:
            self.tally.closes[closed.result()] += 1


class RoomRun:
    __slots__ = ("members", "plan")

    def __init__(self, plan: RoomPlan) -> None:
        self.plan = plan
        self.members: set[Member] = set()


class Worker:
    def __init__(self, plan: WorkerPlan) -> None:
        self.plan = plan
        self.tally = Tally()
        self.rooms = [RoomRun(r) for r in plan.rooms]
        self.failures: list[str] = []
        self._gate = asyncio.Semaphore(plan.connect_concurrency)

    async def _member(self, room: RoomRun, token: str, *, staff: bool) -> Member | None:
        """Connect and say hello; the member once welcomed (None on failure)."""
        plan = self.plan
        try:
            async with self._gate:
                client = await asyncio.wait_for(
                    connect(plan.host, plan.port, plan.origin, room.plan.path), STAGE_TIMEOUT)
                member = Member(client, room, staff, self.tally)
                member.send(type="hello", token=token)
                await asyncio.wait_for(asyncio.shield(member.welcomed), STAGE_TIMEOUT)
        except (OSError, HandshakeFailed, TimeoutError) as exc:
            self.failures.append(f"connect: {type(exc).__name__}: {exc}")
            return None
        room.members.add(member)
        return member

    async def _participant(self, room: RoomRun, token: str) -> bool:
        member = await self._member(room, token, staff=False)
        if member is None:
            return False
        try:
            await asyncio.wait_for(asyncio.shield(member.admitted), STAGE_TIMEOUT)
        except TimeoutError:
            self.failures.append("admission timed out")
            return False
        return True

    async def _connect_room(self, room: RoomRun) -> int:
        if await self._member(room, room.plan.facilitator_token, staff=True) is None:
            return 0
        admitted = await asyncio.gather(
            *(self._participant(room, t) for t in room.plan.participant_tokens)
        )
        return sum(admitted)

    async def connect_all(self) -> ConnectReport:
        started = time.monotonic()
        admitted = await asyncio.gather(*(self._connect_room(r) for r in self.rooms))
        return ConnectReport(
            connections=sum(len(r.members) for r in self.rooms),
            admitted=sum(admitted),
            failures=self.failures[:20],
            seconds=time.monotonic() - started,
        )

    async def run_load(self, t0_ns: int, warmup: float, duration: float,
                       rate: float) -> LoadReport:
        """Send ``rate`` chats a second round-robin over every member, from t0 for warmup+duration.

        Round-robin over a shuffled list gives each member exactly one message
        every ``members / rate`` seconds, so no one exceeds the server's
        per-connection chat limit however the total is split.
        """
        tally = self.tally
        senders = [m for r in self.rooms for m in r.members]
        random.Random(self.plan.seed).shuffle(senders)
        interval = 1e9 / rate
        start = t0_ns
        stop = t0_ns + int((warmup + duration) * 1e9)
        tally.window_start = t0_ns + int(warmup * 1e9)
        tally.window_end = stop
        lateness = array("q")
        sent = expected = 0
        index = 0
        count = len(senders)
        cpu_before = _cpu_seconds()
        monotonic_ns = time.monotonic_ns
        while count:
            now = monotonic_ns()
            if now >= stop:
                break
            if now >= start:
                due = int((now - start) / interval) + 1
                while index < due:
                    member = senders[index % count]
                    stamp = monotonic_ns()
                    member.client.send_text(
                        b'{"type":"chat.send","text":"%d %s"}' % (stamp, FILLER)
                    )
                    if tally.window_start <= stamp < stop:
                        lateness.append(stamp - start - int(index * interval))
                        sent += 1
                        expected += len(member.room.members)
                    index += 1
            await asyncio.sleep(0.001 if now >= start else (start - now) / 1e9)
        drain_until = time.monotonic() + DRAIN_TIMEOUT
        while tally.delivered < expected and time.monotonic() < drain_until:
            await asyncio.sleep(0.05)
        return LoadReport(
            sent=sent, expected=expected, delivered=tally.delivered,
            deliveries_total=tally.deliveries_total,
            latencies_ns=tally.latencies.tobytes(), sent_at_ns=tally.sent_at.tobytes(),
            send_lateness_ns=lateness.tobytes(),
            errors=dict(tally.errors), closes=dict(tally.closes),
            cpu_seconds=_cpu_seconds() - cpu_before,
        )

    def close_all(self) -> None:
        self.tally.shutting_down = True
        for room in self.rooms:
            for member in list(room.members):
                member.client.abort()


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _serve(pipe: Pipe) -> None:
    loop = asyncio.get_running_loop()

    async def receive() -> Any:
        return await loop.run_in_executor(None, pipe.recv)

    plan: WorkerPlan = await receive()
    worker = Worker(plan)
    pipe.send(("loaded",))
    try:
        while True:
            command = await receive()
            if command[0] == "connect":
                pipe.send(("ready", await worker.connect_all()))
            elif command[0] == "go":
                _, t0_ns, warmup, duration, rate = command
                pipe.send(("done", await worker.run_load(t0_ns, warmup, duration, rate)))
            elif command[0] == "exit":
                return
    finally:
        worker.close_all()
        await asyncio.sleep(0.1)  # let the aborts reach the transports


def worker_main(pipe: Pipe) -> None:
    """Entry point of a worker process (``multiprocessing`` target)."""
    from bench.fanout_server import raise_open_files

    raise_open_files()
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is faster, not required
        factory = None
    else:
        factory = uvloop.new_event_loop
    with contextlib.suppress(KeyboardInterrupt), asyncio.Runner(loop_factory=factory) as runner:
        runner.run(_serve(pipe))
