"""Join and urgent-alert latency, probed beside another benchmark's load (issue 14, part 5).

``python -m bench.media_capacity --probe`` runs this in a process of its own while its audio
rooms play, so the figures say what a parent joining, and a facilitator waiting for an
alert, would see on a server busy with ten audio rooms. The probe has a chat-only group of
its own on the same server:

- **Alerts.** A facilitator and ``speakers`` participants are in the group. Through the
  measured window, urgent messages go out at ``alert_rate`` a second (Poisson arrivals),
  the speakers taking turns so that none comes near the chat limit. Each carries
  ``time.monotonic_ns()`` taken just before its frame is written; the server screens it,
  commits the alert and its escalation to the database and only then sends ``alert`` to the
  facilitator, whose client stamps it as the frame arrives. Latency is the difference (one
  machine, one CLOCK_MONOTONIC). The facilitator acknowledges each alert a second later, as
  a person would: one more database write.
- **Joins.** Every ``join_every`` seconds a new parent joins as the web page does: ``POST
  /api/join``, the WebSocket, ``hello``. *Join* is from the POST being sent to the ``welcome``
  that puts her in the waiting room; *admitted* goes on to the ``admitted`` frame, the
  facilitator's client admitting her the moment her knock arrives (a person takes longer;
  the server's part is what is measured). She leaves at once, so the group does not grow.

It measures only; it asserts nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.alert_latency import ALERT_PREFIX, URGENT_TEXTS, _decode_alert, until
from bench.wsclient import HandshakeFailed, WsClient, connect

STAGE_TIMEOUT = 30.0
DRAIN_TIMEOUT = 15.0  # after the window, wait this long at most for alerts in flight
ACK_AFTER = 1.0


@dataclass(frozen=True)
class ProbePlan:
    base: str  # the server's HTTP origin, http://host:port
    host: str
    port: int
    path: str  # the WebSocket path the room's tokens name
    room_id: str
    facilitator_token: str
    invite: str
    speakers: int = 4
    alert_rate: float = 1.0
    join_every: float = 1.0
    seed: int = 1


@dataclass
class ProbeReport:
    alert_ms: list[float] = field(default_factory=list)
    alerts_sent: int = 0
    join_ms: list[float] = field(default_factory=list)
    admitted_ms: list[float] = field(default_factory=list)
    joins_started: int = 0
    failures: list[str] = field(default_factory=list)


class _Person:
    """One WebSocket in the probe's group; futures for the frames the probe waits on."""

    def __init__(self, client: WsClient, probe: Probe | None) -> None:
        loop = asyncio.get_running_loop()
        self.client = client
        self.probe = probe  # the facilitator's: it admits, and stamps alerts
        self.welcomed: asyncio.Future[int] = loop.create_future()
        self.admitted: asyncio.Future[int] = loop.create_future()
        client.on_text = self.on_text

    def send(self, **message: Any) -> None:
        self.client.send_text(json.dumps(message).encode())

    def on_text(self, payload: bytes) -> None:
        now = time.monotonic_ns()
        if self.probe is not None and payload.startswith(ALERT_PREFIX):
            self.probe.alerted(self, payload, now)
            return
        message = json.loads(payload)
        kind = message.get("type")
        if kind == "welcome":
            if self.probe is not None:  # anyone already waiting
                for waiting in message.get("lobby") or ():
                    self.send(type="lobby.admit", participant=waiting["id"])
            if not self.welcomed.done():
                self.welcomed.set_result(now)
        elif kind == "lobby.knock" and self.probe is not None:
            self.send(type="lobby.admit", participant=message["participant"]["id"])
        elif kind == "admitted" and not self.admitted.done():
            self.admitted.set_result(now)
        elif kind == "error" and self.probe is not None:
            self.probe.report.failures.append(f"error frame: {message.get('code')}")


class Probe:
    def __init__(self, plan: ProbePlan) -> None:
        self.plan = plan
        self.report = ProbeReport()
        self.rng = random.Random(plan.seed)
        self.window = (0, 0)
        self.pending: set[int] = set()  # stamps of urgent messages sent in the window
        self.http = httpx.AsyncClient(base_url=plan.base, headers={"Origin": plan.base})
        self.facilitator: _Person | None = None
        self.speakers: list[_Person] = []

    async def _open(self, token: str, staff: bool) -> _Person:
        plan = self.plan
        try:
            client = await asyncio.wait_for(
                connect(plan.host, plan.port, plan.base, plan.path), STAGE_TIMEOUT)
        except TimeoutError:
            raise TimeoutError(f"no WebSocket handshake in {STAGE_TIMEOUT:.0f} s") from None
        person = _Person(client, self if staff else None)
        person.send(type="hello", token=token)
        try:
            await asyncio.wait_for(asyncio.shield(person.welcomed), STAGE_TIMEOUT)
        except TimeoutError:
            raise TimeoutError(f"no welcome {STAGE_TIMEOUT:.0f} s after hello") from None
        return person

    async def _join(self) -> tuple[_Person, int, int, int]:
        """A new parent through the front door: (her, sent, welcomed, admitted) in ns."""
        sent = time.monotonic_ns()
        answer = await self.http.post("/api/join", json={"invite": self.plan.invite,
                                                         "agree": True})
        if answer.status_code != 201:
            raise HandshakeFailed(f"POST /api/join: {answer.status_code} {answer.text[:200]}")
        her = await self._open(str(answer.json()["token"]), staff=False)
        try:
            admitted = await asyncio.wait_for(asyncio.shield(her.admitted), STAGE_TIMEOUT)
        except TimeoutError:
            raise TimeoutError(f"not admitted {STAGE_TIMEOUT:.0f} s after welcome") from None
        return her, sent, her.welcomed.result(), admitted

    async def set_up(self) -> None:
        self.facilitator = await self._open(self.plan.facilitator_token, staff=True)
        for _ in range(self.plan.speakers):
            self.speakers.append((await self._join())[0])

    def alerted(self, facilitator: _Person, payload: bytes, now: int) -> None:
        alert = _decode_alert(payload)
        if alert.message is not None:
            stamp = int(alert.message.text.split(" ", 1)[0])
            if stamp in self.pending:
                self.pending.discard(stamp)
                self.report.alert_ms.append((now - stamp) / 1e6)
        asyncio.get_running_loop().call_later(
            ACK_AFTER, functools.partial(facilitator.send, type="alert.ack", alert=alert.id))

    async def _alerts(self) -> None:
        start, stop = self.window
        due, turn = start, 0
        while True:
            due += int(self.rng.expovariate(self.plan.alert_rate) * 1e9)
            if due >= stop:
                return
            await until(due)
            speaker = self.speakers[turn % len(self.speakers)]
            turn += 1
            stamp = time.monotonic_ns()
            self.pending.add(stamp)
            self.report.alerts_sent += 1
            speaker.send(type="chat.send", text=f"{stamp} {self.rng.choice(URGENT_TEXTS)}")

    async def _one_join(self) -> None:
        try:
            her, sent, welcomed, admitted = await self._join()
        except (OSError, HandshakeFailed, TimeoutError, httpx.HTTPError) as exc:
            self.report.failures.append(f"join: {type(exc).__name__}: {exc}")
            return
        self.report.join_ms.append((welcomed - sent) / 1e6)
        self.report.admitted_ms.append((admitted - sent) / 1e6)
        her.client.close()

    async def _joins(self) -> list[asyncio.Task[None]]:
        """One join every ``join_every`` seconds, each on its own: a slow join must not
        delay the next one's start (that would hide how slow they get)."""
        start, stop = self.window
        joins = []
        number = 0
        while (due := start + int(number * self.plan.join_every * 1e9)) < stop:
            await until(due)
            joins.append(asyncio.ensure_future(self._one_join()))
            self.report.joins_started += 1
            number += 1
        return joins

    async def measure(self, start_ns: int, end_ns: int) -> ProbeReport:
        self.window = (start_ns, end_ns)
        alerts = asyncio.ensure_future(self._alerts())
        joins = await self._joins()
        await alerts
        await asyncio.gather(*joins)
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while self.pending and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if self.pending:
            self.report.failures.append(f"{len(self.pending)} urgent messages never alerted")
        return self.report

    async def aclose(self) -> None:
        for person in [p for p in (self.facilitator, *self.speakers) if p is not None]:
            person.client.close()
        await self.http.aclose()


async def _serve(pipe: Any) -> None:
    loop = asyncio.get_running_loop()

    async def receive() -> Any:
        return await loop.run_in_executor(None, pipe.recv)

    plan: ProbePlan = await receive()
    probe = Probe(plan)
    try:
        try:
            await probe.set_up()
        except (OSError, HandshakeFailed, TimeoutError, httpx.HTTPError) as exc:
            pipe.send(("failed", f"{type(exc).__name__}: {exc}"))
            return
        pipe.send(("ready",))
        while True:
            message = await receive()
            if message[0] == "measure":
                pipe.send(("probed", await probe.measure(message[1], message[2])))
            else:
                return
    finally:
        with contextlib.suppress(Exception):
            await probe.aclose()


def probe_main(pipe: Any) -> None:
    """The probe process's entry point (multiprocessing, spawn): a plan, then orders."""
    asyncio.run(_serve(pipe))
