"""Failover time: SIGKILL of the node running a room to everyone back in it on the other node.

    python -m bench.failover              # 20 kills
    python -m bench.failover --quick      # one kill, a smoke run

The deployment's topology as processes (bench/cluster_procs.py): nodes ``a`` and ``b``
(``hearth serve``, production timings: heartbeat every 2 s, a node dead 3 beats after
its last, leases of 10 s) on a fresh PostgreSQL database and a private Redis, Caddy with
deploy/Caddyfile in front. One room, a facilitator and ``--parents`` parents (4), all
connected through Caddy as the web page connects: at the ``ws_url`` the token came with,
following ``moved``; the parents knock and are let in.

Then, ``--kills`` times: wait until both nodes beat, ``--settle`` seconds more (10: Caddy's
health checks see a restarted node up again) and a random part of a beat (so the kill
falls anywhere in the heartbeat's cycle), SIGKILL the node whose lease holds the room,
and time, from the kill, until every client is welcomed back **in the room** (not the
lobby) on the other node. Each client comes back exactly as web/static/room.js does
(``cluster_procs.come_back``): after a dropped connection it waits 0.5, 1, 2, then 3 s
between tries (each stretched by up to a fifth at random), tries where it was welcomed
last and, if that cannot be opened, the page's own origin, and follows ``moved``. Beside
it the benchmark watches Redis: when the dead node's heartbeat expired, when the other
node took the room's lease. Once everyone is back the facilitator says something and
every parent must hear it; the killed node is started again and the next kill is of the
other one (the room is there now).

It prints each kill, then p50, p99 and max over the kills and what the time is made of.
Before the deployment starts it times a calibration (``bench/calibrate.py``: a loopback
WebSocket echo) and prints p50 and p99 in echo round trips too; most of a failover is fixed
timers (the heartbeat's expiry, room.js's retry schedule) that no machine shortens, so the
absolute times are the ones to compare across machines, the calibration says how busy this
one was. With ``--baseline REV`` it then runs it all again on nodes of ``REV`` (a clean copy
of that commit; the nodes' ``PYTHONPATH`` is the copy; Caddy's configuration, the database's
preparation and the clients are this checkout's) after a calibration of its own, and prints
this tree's figures over the baseline's:

    python -m bench.failover --baseline HEAD~1
    python -m bench.failover --quick --baseline HEAD

Run it on purpose; the test suite runs it with ``--quick`` and asserts nothing about its
figures (a client that does not come back at all stops it, with what each try met).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from redis.asyncio import Redis
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from bench import cluster_procs
from bench.calibrate import Echo, baseline_tree, beside, ratio_table, resolve, websocket_echo
from bench.chat_fanout import source_state
from bench.cluster_procs import (
    FACILITATOR,
    PASSWORD,
    RETRY_DELAYS,
    ROOT,
    Deployment,
    add_deployment_options,
    add_room,
    bench_deployment,
    come_back,
)
from server.cluster import keys
from server.cluster.leases import Leases

# How long a client may take to notice its node died (Caddy closes its side at once).
DROP_TIMEOUT = 15.0
# How often the watcher reads Redis while a node is dead.
WATCH_EVERY = 0.02
# deploy/Caddyfile: a node Caddy failed to reach is left out for fail_duration (10 s), and
# the active health check runs every health_interval (5 s). A node killed sooner than that
# after the other came back finds Caddy still holding the other as down, and the page's
# own origin (/ws) answers late; a second failure so soon is another experiment.
SETTLE = 10.0


def percentile(ordered: Sequence[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q % of the values at or below it
    (of 20 values, p50 is the 10th and p99 the 20th, the largest)."""
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


async def recv(ws: ClientConnection, timeout: float) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout))
    return message


async def expect(ws: ClientConnection, kind: str, timeout: float = 10.0,
                 **match: Any) -> dict[str, Any]:
    """Read until a message of ``kind`` (with ``match``'s fields) arrives."""
    deadline = time.monotonic() + timeout
    while True:
        message = await recv(ws, max(0.01, deadline - time.monotonic()))
        if message.get("type") == kind and all(message.get(k) == v for k, v in match.items()):
            return message


async def send(ws: ClientConnection, kind: str, **fields: Any) -> None:
    await ws.send(json.dumps({"type": kind, **fields}))


@dataclass
class Person:
    name: str
    token: str
    staff: bool
    ws: ClientConnection | None = None
    url: str = ""  # where it was welcomed last
    welcome: dict[str, Any] = field(default_factory=dict)


@dataclass
class Back:
    """One client's way back after a kill (seconds from the kill)."""

    name: str
    dropped: float
    back: float
    url: str
    state: str
    failover: bool
    tries: list[str]


@dataclass
class Kill:
    number: int
    node: str
    to: str
    expired: float | None  # the dead node's heartbeat gone from Redis
    taken: float | None  # the room's lease held by the other node
    backs: list[Back]
    holder: str = ""  # the room's lease once everyone was back
    restart: float = 0.0

    @property
    def everyone(self) -> float:
        return max(b.back for b in self.backs)

    @property
    def first(self) -> float:
        return min(b.back for b in self.backs)


class Bench:
    def __init__(self, d: Deployment, opts: argparse.Namespace) -> None:
        self.d = d
        self.opts = opts
        self.redis = Redis.from_url(d.redis_server.url, protocol=2)
        self.leases = Leases(self.redis, d.lease_ttl)
        self.people: list[Person] = []
        self.room_id = ""

    def where(self, url: str) -> str:
        return url.removeprefix(self.d.caddy.ws)

    async def hello_at(self, person: Person, url: str
                       ) -> tuple[ClientConnection, dict[str, Any]]:
        """The page's hello: open ``url``, say hello, the first answer (``come_back``)."""
        return await cluster_procs.hello_at(url, person.token, self.d.origin)

    async def enter(self, person: Person, url: str) -> None:
        """First arrival: at ``url`` (the ``ws_url`` its token came with), following
        ``moved``."""
        for _ in range(5):
            ws, first = await self.hello_at(person, url)
            if first.get("type") == "welcome":
                person.ws, person.url, person.welcome = ws, url, first
                return
            if first.get("code") != "moved":
                raise SystemExit(f"{person.name}: {first}")
            url = str(first["ws_url"])
        raise SystemExit(f"{person.name}: moved too many times")

    # -- the room -------------------------------------------------------------------------

    async def set_up(self) -> None:
        store = self.d.store()
        try:
            self.room_id, invite = await add_room(store, "Failover benchmark")
        finally:
            await store.aclose()
        room_id = self.room_id
        origin = {"Origin": self.d.origin}
        async with httpx.AsyncClient(base_url=self.d.origin, headers=origin,
                                     timeout=10) as http:
            login = await http.post("/api/login", json={"username": FACILITATOR,
                                                        "password": PASSWORD})
            login.raise_for_status()
            staff = (await http.post(f"/api/rooms/{room_id}/token", json={})).json()
            joins = []
            for number in range(self.opts.parents):
                answer = await http.post("/api/join", json={
                    "invite": invite, "name": f"Parent {number + 1}", "agree": True})
                if answer.status_code != 201:
                    raise SystemExit(f"POST /api/join: {answer.status_code} {answer.text}")
                joins.append(answer.json())
        fac = Person("facilitator", staff["token"], staff=True)
        await self.enter(fac, staff["ws_url"])
        assert fac.ws is not None
        self.people = [fac]
        for number, joined in enumerate(joins):
            parent = Person(f"parent {number + 1}", joined["token"], staff=False)
            await self.enter(parent, joined["ws_url"])
            assert parent.ws is not None
            knock = await expect(fac.ws, "lobby.knock")
            await send(fac.ws, "lobby.admit", participant=knock["participant"]["id"])
            await expect(parent.ws, "admitted")
            self.people.append(parent)

    async def owner(self) -> str:
        lease = await self.leases.get(self.room_id)
        if lease is None:
            raise SystemExit("the room has no lease")
        return lease.node_id

    async def beating(self) -> None:
        """Until both nodes' heartbeats are in Redis."""
        deadline = time.monotonic() + 30
        while not all([await self.redis.exists(keys.node(name)) for name in self.d.nodes]):
            if time.monotonic() > deadline:
                raise SystemExit("a node is not beating")
            await asyncio.sleep(0.1)

    async def chat_reaches_everyone(self, text: str) -> None:
        fac, *parents = self.people
        assert fac.ws is not None
        await send(fac.ws, "chat.send", text=text, to="room")
        for parent in parents:
            assert parent.ws is not None
            await expect(parent.ws, "chat", timeout=10, text=text)

    # -- one kill -----------------------------------------------------------------------------

    async def watch(self, dead: str, killed: float, seen: dict[str, float]) -> None:
        """When the dead node's heartbeat expired and the room's lease changed hands."""
        while "expired" not in seen or "taken" not in seen:
            if "expired" not in seen and not await self.redis.exists(keys.node(dead)):
                seen["expired"] = time.monotonic() - killed
            if "taken" not in seen:
                lease = await self.leases.get(self.room_id)
                if lease is not None and lease.node_id != dead:
                    seen["taken"] = time.monotonic() - killed
            await asyncio.sleep(WATCH_EVERY)

    async def way_back(self, person: Person, killed: float) -> Back:
        assert person.ws is not None
        try:
            async with asyncio.timeout(DROP_TIMEOUT):
                while True:
                    await person.ws.recv()  # whatever was still on its way, then the close
        except ConnectionClosed:
            pass
        except TimeoutError:
            raise SystemExit(f"{person.name}'s connection stayed open after the kill") from None
        dropped = time.monotonic() - killed

        async def hello_at(url: str) -> tuple[ClientConnection, dict[str, Any]]:
            ws, first = await self.hello_at(person, url)
            if first.get("type") == "welcome":
                person.welcome = first
            return ws, first

        try:
            ws, url, tries = await come_back(hello_at, person.url, self.d.own_ws,
                                             where=self.where)
        except TimeoutError as error:
            raise SystemExit(f"{person.name} did not come back: {error}") from None
        back = time.monotonic() - killed
        person.ws, person.url = ws, url
        return Back(person.name, dropped, back, self.where(url),
                    str(person.welcome.get("state")), bool(person.welcome.get("failover")),
                    tries)

    async def kill(self, number: int) -> Kill:
        await self.beating()
        await asyncio.sleep(self.opts.settle + random.uniform(0, self.d.beat_every))
        dead = await self.owner()
        other = next(name for name in self.d.nodes if name != dead)
        seen: dict[str, float] = {}
        killed = time.monotonic()
        self.d.nodes[dead].kill()
        watcher = asyncio.create_task(self.watch(dead, killed, seen))
        try:
            backs = await asyncio.gather(*(self.way_back(p, killed) for p in self.people))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(watcher), 5)
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        kill = Kill(number, dead, other, seen.get("expired"), seen.get("taken"), list(backs),
                    holder=await self.owner())
        await self.chat_reaches_everyone(f"Still here after kill {number}")
        started = time.monotonic()
        await asyncio.to_thread(self.d.ensure_running)
        kill.restart = time.monotonic() - started
        return kill

    async def close(self) -> None:
        for person in self.people:
            if person.ws is not None:
                with contextlib.suppress(Exception):
                    await person.ws.close()
        await self.redis.aclose()


# -- the run and its figures ----------------------------------------------------------------


def tries_after_drop() -> str:
    """When room.js tries after a drop: the cumulative waits, with their jitter."""
    delays = [*RETRY_DELAYS, RETRY_DELAYS[-1]]
    low = high = 0.0
    spans = []
    for delay in delays:
        low += delay
        high += delay * 1.2
        spans.append(f"{low:.1f}-{high:.1f}")
    return ", ".join(spans)


def right(kill: Kill, back: Back, d: Deployment) -> bool:
    """Welcomed in the room (not the lobby) on the other node: at its own WebSocket, or
    at the page's origin's (Caddy sends that to a node that is up: the other one), with
    the room's lease held by the other node."""
    at = (d.node_ws(kill.to).removeprefix(d.caddy.ws), d.own_ws.removeprefix(d.caddy.ws))
    return back.state == "room" and back.url in at and kill.holder == kill.to


def describe(kill: Kill, kills: int, d: Deployment) -> str:
    def at(value: float | None) -> str:
        return f"{value:.2f} s" if value is not None else "not seen"

    line = (f"kill {kill.number:>2}/{kills}: node {kill.node} ran the room; its heartbeat "
            f"expired at {at(kill.expired)}, node {kill.to} took the room at {at(kill.taken)}; "
            f"connections dropped at {min(b.dropped for b in kill.backs):.2f}-"
            f"{max(b.dropped for b in kill.backs):.2f} s; "
            f"back in the room: first {kill.first:.2f} s, everyone {kill.everyone:.2f} s "
            f"({max(len(b.tries) for b in kill.backs)} tries at most); node {kill.node} "
            f"ready again {kill.restart:.1f} s later")
    wrong = [f"{b.name} {b.state} at {b.url}" for b in kill.backs if not right(kill, b, d)]
    if wrong:
        line += (f"\n    NOT back in the room on node {kill.to} (lease held by "
                 f"{kill.holder}): " + "; ".join(wrong))
    slowest = max(kill.backs, key=lambda b: b.back)
    line += f"\n    slowest ({slowest.name}): " + ", ".join(slowest.tries)
    return line


def report(kills: list[Kill], people: int, d: Deployment, load: tuple[float, ...],
           elapsed: float, echo: Echo) -> dict[str, float]:
    """Print the figures; returns the main ones (seconds) with the calibration's."""
    everyone = sorted(k.everyone for k in kills)
    expired = sorted(k.expired for k in kills if k.expired is not None)
    to_first = sorted(k.first - k.expired for k in kills if k.expired is not None)
    spread = sorted(k.everyone - k.first for k in kills)
    backs = [b for k in kills for b in k.backs]
    fine = sum(1 for k in kills for b in k.backs if right(k, b, d))
    flagged = sum(1 for b in backs if b.failover)
    print()
    print(f"failover, SIGKILL of the room's node to all {people} clients back in the room on "
          f"the other node, {len(kills)} kills:")
    print(f"  p50 {percentile(everyone, 50):.2f} s   p99 {percentile(everyone, 99):.2f} s   "
          f"max {everyone[-1]:.2f} s   (min {everyone[0]:.2f} s, mean "
          f"{statistics.fmean(everyone):.2f} s; nearest rank: p99 of {len(kills)} kills is the "
          "slowest)")
    figures = {"p50_s": percentile(everyone, 50), "p99_s": percentile(everyone, 99),
               "max_s": everyone[-1], "echo_wall_us": echo.wall_us, "echo_cpu_us": echo.cpu_us}
    figures["p50_echoes"] = figures["p50_s"] * 1e6 / echo.wall_us
    figures["p99_echoes"] = figures["p99_s"] * 1e6 / echo.wall_us
    print(f"  in echo round trips p50 {figures['p50_echoes']:,.0f}, p99 "
          f"{figures['p99_echoes']:,.0f} (calibration {echo.wall_us:.1f} µs wall; fixed timers "
          "are most of it)")
    print("  made of (p50, min-max of each part):")
    if expired:
        print(f"    the dead node's heartbeat expiring     {percentile(expired, 50):.2f} s "
              f"({expired[0]:.2f}-{expired[-1]:.2f}): its hash lives 3 beats of "
              f"{d.beat_every:g} s after its last beat, so {2 * d.beat_every:g}-"
              f"{3 * d.beat_every:g} s after the kill; until then the other node sends "
              "everyone back to the dead one (`moved`)")
        print(f"    from then to the first one back        {percentile(to_first, 50):.2f} s "
              f"({to_first[0]:.2f}-{to_first[-1]:.2f}): waiting for the clients' next try "
              f"(room.js tries {tries_after_drop()} s after the drop at the earliest; the "
              "tries' own round trips come on top: their times are above)")
    print(f"    from the first one back to the last    {percentile(spread, 50):.2f} s "
          f"({spread[0]:.2f}-{spread[-1]:.2f}): the jitter between clients' tries")
    if expired:
        parts = {"the heartbeat's expiry": percentile(expired, 50),
                 "the clients' retry schedule": percentile(to_first, 50),
                 "the spread between clients": percentile(spread, 50)}
        top = max(parts, key=lambda k: parts[k])
        print(f"  dominated by {top}: {parts[top] / percentile(everyone, 50):.0%} of the p50")
    print(f"  {fine}/{len(backs)} welcomes back were in the room (not the lobby) on the other "
          f"node; {flagged}/{len(backs)} said `failover`")
    print(f"  load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, at end "
          + " ".join(f"{v:.2f}" for v in os.getloadavg())
          + f"; {os.cpu_count()} CPUs; {elapsed / 60:.1f} minutes in all")
    return figures


async def run(d: Deployment, opts: argparse.Namespace) -> list[Kill]:
    bench = Bench(d, opts)
    try:
        await bench.set_up()
        print(f"room {bench.room_id} on node {await bench.owner()}: a facilitator and "
              f"{opts.parents} parents in it, through Caddy at {d.origin}", flush=True)
        kills = []
        for number in range(1, opts.kills + 1):
            kill = await bench.kill(number)
            print(describe(kill, opts.kills, d), flush=True)
            kills.append(kill)
        return kills
    finally:
        await bench.close()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20, help="nodes killed, one at a time")
    parser.add_argument("--parents", type=int, default=4, help="parents in the room")
    parser.add_argument("--quick", action="store_true",
                        help="one kill, a short settle: a smoke run (the test suite's)")
    parser.add_argument("--settle", type=float, default=SETTLE,
                        help="seconds both nodes run before each kill (Caddy's health "
                             "checks catch up with a node started again)")
    parser.add_argument("--baseline", metavar="REV",
                        help="then run it all again on nodes of this commit (HEAD~1, a tag...) "
                             "and print this tree's figures over theirs")
    add_deployment_options(parser)
    opts = parser.parse_args(argv)
    if opts.quick:
        # The suite runs this: one kill shows every step works, in a third of the time.
        opts.kills, opts.settle = 1, min(opts.settle, 2.0)
    commit = resolve(opts.baseline) if opts.baseline else ""  # refused before anything runs
    print(f"server source {source_state()}", flush=True)
    ours = calibrated(opts, ROOT)
    if not opts.baseline:
        return
    print(f"\nbaseline {opts.baseline} ({commit}): its nodes", flush=True)
    with baseline_tree(opts.baseline) as tree:
        theirs = calibrated(opts, tree)
    ratio_table(beside(opts.baseline, commit), [
        ("failover p50", ours["p50_s"], theirs["p50_s"], "s"),
        ("failover p99", ours["p99_s"], theirs["p99_s"], "s"),
        ("  the same, in echo round trips", ours["p99_echoes"],
         theirs["p99_echoes"], "echo"),
        ("calibration echo", ours["echo_wall_us"], theirs["echo_wall_us"], "µs"),
    ])


def calibrated(opts: argparse.Namespace, tree: Path) -> dict[str, float]:
    """The kills on nodes of ``tree`` (this checkout, or a baseline's copy), the calibration
    taken just before; their main figures."""
    echo = websocket_echo()
    print(echo.line(), flush=True)
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs",
          flush=True)
    started = time.monotonic()
    with bench_deployment(opts, "hearth-failover-", tree=tree) as d:
        print(f"nodes a and b up (hearth serve, heartbeat {d.beat_every:g} s, leases "
              f"{d.lease_ttl:g} s) after {time.monotonic() - started:.1f} s", flush=True)
        kills = asyncio.run(run(d, opts))
        return report(kills, opts.parents + 1, d, load, time.monotonic() - started, echo)


if __name__ == "__main__":
    main()
