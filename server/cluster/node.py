"""``ClusterPlacement``: this node's part in placing rooms across nodes (Redis).

Two loops run while the node lives:

* **heartbeat**, every ``beat_every`` (2 s): the node's WebSocket URL and load (live
  rooms, connections, CPU used over the last beat, its room limit) into its registry hash,
  which lives three beats (``nodes.py``), with the set of its rooms that have a
  facilitator in them (the staff pages' "running now" on every node). The beat also reads
  the drain mark, and then runs what was given to ``on_beat``: the WebSocket counts per
  address (``sockets.py``) renew their key with it, so they live exactly as long as the
  node is known alive.
* **renewal**, every ``lease_ttl / 3`` (about 3.3 s of 10 s, so one lost round trip never
  loses a lease): each room this node holds is renewed by the compare-and-set script
  (``leases.py``). A room whose lease another node now holds is given up at once: the hub
  sends every connection of it ``error moved`` with the new owner's ``ws_url`` and closes
  it with 4307 (``Hub.evict``); the new owner takes the participants' places from the
  database, so nobody is admitted again. A lease claimed for a room the hub never built
  (the hello that claimed it was turned away) is let go after one lease time.

Redis errors never tear a live room down: the room keeps its clients on this node, the
renewal tries again next round and, once Redis answers, renews the lease, or takes it back
if it expired and nobody took the room since (the fencing counter says so). New
placements (``locate``, and ``claim`` of a room not live here) raise
``PlacementUnavailable`` until Redis answers. Nothing needs restarting: every operation
takes a connection from redis-py's pool, which reconnects by itself.

At ``hello`` (``claim``) a room this node holds is answered from memory, without a Redis
round trip, so a busy node admits thousands of arrivals as fast as before. A room not
held here is looked up: held by a live node, that node's URL (``Moved``); free, or held by
a node whose heartbeat has expired, this node takes it if it may (not draining, not
full), else it is placed on the least-loaded node that may, and the client is moved
there.

**Failover.** A node that dies stops beating and renewing: within ``3 * beat_every`` (6 s)
its registry hash is gone, so the next hello for one of its rooms, at any node, takes the
room over (the dead node's lease is replaced, with a higher fencing token); within
``lease_ttl`` (10 s) its leases are gone too. Whichever node takes a room up marks itself
its holder, in the script that takes the lease (``Leases.take_up``; ``Leases.serve`` for
a lease another node placed for it), and learns from the mark it replaces whether the
room's last node stopped without letting it go: then it counts a failover
(``on_failover``: ``hearth_failovers_total``) and the hub tells the people coming back
(``welcome.failover``). The room's state comes from the database, as after a restart: its
lock and focus, bans, admitted places, open alerts and their deadlines (``Hub.attach``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any

from server.cluster.leases import Lease, Leases
from server.cluster.nodes import NodeInfo, NodeRegistry
from server.cluster.placement import (
    Claim,
    Here,
    Location,
    Moved,
    PlacementUnavailable,
    choose,
)
from server.redis_conn import open_redis as open_redis  # `hearth node` opens it from here
from server.redis_conn import redis_errors

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger("hearth.cluster")

# How long a clean shutdown waits for Redis to take the releases: a Redis that is down
# must not hold the shutdown up (the leases then expire by themselves within lease_ttl).
RELEASE_WAIT = 2.0


class ClusterPlacement:
    clustered = True

    def __init__(self, redis: Redis, *, node_id: str, ws_url: str, max_rooms: int,
                 lease_ttl: float, beat_every: float, holder_memory: float,
                 load: Callable[[], tuple[int, int]],
                 is_live: Callable[[str], bool],
                 evict: Callable[[str, str], None],
                 on_failover: Callable[[], None],
                 running: Callable[[str], bool]) -> None:
        """``holder_memory``: how long a room's holder mark outlives its node's last
        renewal (``Settings.empty_room_grace``): a room taken up within it is a failover.
        ``load()``: (live rooms, connections) on this node; ``is_live(room)``: the hub
        has the room; ``evict(room, ws_url)``: the hub gives the room up (``moved``);
        ``on_failover()``: this node took a room up from a node that stopped without
        letting it go (``hearth_failovers_total``); ``running(room)``: a facilitator is
        in the room's session here (``Hub.staff_present``: "running now")."""
        self.node_id = node_id
        self.ws_url = ws_url
        self.max_rooms = max_rooms
        self._redis = redis
        self.leases = Leases(redis, lease_ttl, memory=holder_memory)
        self.registry = NodeRegistry(redis, beat_every)
        self._load = load
        self._is_live = is_live
        self._evict = evict
        self._on_failover = on_failover
        self._running_here = running
        # Run after each beat (``on_beat``).
        self._beat_hooks: list[Callable[[], Awaitable[None]]] = []
        self._errors = redis_errors()
        # The rooms this node holds, with the lease (and so the fencing token) it holds
        # them by; and when each was claimed (monotonic), for claims never built.
        self._owned: dict[str, Lease] = {}
        self._claimed_at: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.draining = False
        self._tasks: list[asyncio.Task[None]] = []
        self._background: set[asyncio.Task[None]] = set()
        self._closing = False
        self._abandoned = False
        # For logging an outage once, and its end once.
        self._redis_down = False
        self._cpu_mark = (time.monotonic(), time.process_time())
        # Rooms taken up here from a node that stopped without letting them go, kept until
        # the hub builds the room (``took_over``).
        self._took_over: set[str] = set()

    # -- what the rest of Hearth asks ------------------------------------------------

    def owns(self, room_id: str) -> bool:
        return room_id in self._owned

    async def locate(self, room_id: str, own_ws_url: str) -> str:
        if room_id in self._owned:
            return self.ws_url
        if self._closing:
            raise PlacementUnavailable("this node is shutting down")
        try:
            return await self._locate(room_id)
        except self._errors as error:
            raise PlacementUnavailable(f"Redis cannot be reached: {error}") from None

    async def claim(self, room_id: str) -> Claim:
        if room_id in self._owned:
            return Here()
        if self._closing:
            raise PlacementUnavailable("this node is shutting down")
        lock = self._locks.setdefault(room_id, asyncio.Lock())
        try:
            async with lock:
                if room_id in self._owned:
                    return Here()
                return await self._claim(room_id)
        except self._errors as error:
            raise PlacementUnavailable(f"Redis cannot be reached: {error}") from None
        finally:
            if not lock.locked() and self._locks.get(room_id) is lock:
                del self._locks[room_id]

    def took_over(self, room_id: str) -> bool:
        """Once, for the hub building the room: True when the node that ran it before
        stopped without letting it go (a failover)."""
        found = room_id in self._took_over
        self._took_over.discard(room_id)
        return found

    async def where(self, room_ids: Sequence[str]) -> dict[str, Location]:
        """Room id -> the live node whose lease holds it, and whether a facilitator is in
        it there: one ``MGET`` of the leases, and (if any) the registry's live nodes and
        the live sets of the other nodes holding some (one round trip each). A lease whose
        node stopped beating names nobody, and that node's rooms are not running: its live
        set expires with its beat. This node's own rooms are answered as they are now;
        another node's as of its last beat (``beat_every``). Raises
        ``PlacementUnavailable`` while Redis does not answer."""
        try:
            leases = await self.leases.get_many(room_ids)
            if not leases:
                return {}
            alive = {node.id for node in await self.registry.alive()}
            held = {room_id: lease.node_id for room_id, lease in leases.items()
                    if lease.node_id in alive}
            elsewhere: dict[str, list[str]] = {}
            for room_id, node_id in held.items():
                if node_id != self.node_id:
                    elsewhere.setdefault(node_id, []).append(room_id)
            live = await self.registry.live_rooms(elsewhere)
        except self._errors as error:
            raise PlacementUnavailable(
                f"Redis cannot be reached: {type(error).__name__}") from None
        return {room_id: Location(node_id, self._running_here(room_id)
                                  if node_id == self.node_id else room_id in live)
                for room_id, node_id in held.items()}

    def on_beat(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Run ``hook`` after each heartbeat that reached Redis (it handles its own
        errors): for keys that must live exactly as long as this node is known alive."""
        self._beat_hooks.append(hook)

    def released(self, room_id: str) -> None:
        lease = self._owned.pop(room_id, None)
        self._claimed_at.pop(room_id, None)
        self._took_over.discard(room_id)
        if lease is not None and not self._closing:
            self._in_background(self._release(lease))

    # -- placing -----------------------------------------------------------------------

    def _may_take(self) -> bool:
        rooms, _ = self._load()
        return not self.draining and not (0 < self.max_rooms <= rooms)

    async def _claim(self, room_id: str) -> Claim:
        current = await self.leases.get(room_id)
        if current is not None and current.node_id == self.node_id:
            # Placed here by another node (or by this node before a restart with the
            # same HEARTH_NODE_ID): take it, with its fencing token.
            self._adopt(current, await self._serve(current))
            return Here()
        if current is not None:
            owner = await self.registry.get(current.node_id)
            if owner is not None:
                return Moved(owner.ws_url)
        if self._may_take():
            taken, lease, before = await self.leases.take_up(room_id, self.node_id,
                                                             replacing=current)
            if taken:
                self._adopt(lease, before)
                return Here()
            if lease.node_id == self.node_id:
                # Placed here by another node just now, or our own taken by a retried
                # script (then the mark is ours already, and a failover at that very
                # moment goes uncounted: its answer was lost).
                self._adopt(lease, await self._serve(lease))
                return Here()
            owner = await self.registry.get(lease.node_id)  # another node won the race
            if owner is None:
                raise PlacementUnavailable("the room's owner is not answering yet")
            return Moved(owner.ws_url)
        return Moved(await self._locate(room_id, avoid=self.node_id))

    async def _locate(self, room_id: str, avoid: str | None = None) -> str:
        current = await self.leases.get(room_id)
        if current is not None and current.node_id != avoid:
            if current.node_id == self.node_id:
                return self.ws_url
            owner = await self.registry.get(current.node_id)
            if owner is not None:
                return owner.ws_url
        nodes = await self.registry.alive()
        target = choose(nodes, avoid=avoid)
        if target is None:
            raise PlacementUnavailable(
                "no node is running" if not nodes else "every node is draining or full")
        taken, lease = await self.leases.acquire(room_id, target.id, replacing=current)
        if taken:
            # A room whose node stopped is counted as a failover by the node that takes
            # it up (``_adopt``), which may be another one.
            log.info("placed a room", extra={"room": room_id, "node": target.id,
                                             "token": lease.token,
                                             "from_node": current and current.node_id})
            return target.ws_url
        if lease.node_id == self.node_id:
            return self.ws_url
        owner = await self.registry.get(lease.node_id)
        if owner is None:
            raise PlacementUnavailable("the room's owner is not answering yet")
        return owner.ws_url

    async def _serve(self, lease: Lease) -> str | None:
        """Mark a lease placed for this node as served here (``Leases.serve``): the node
        that served the room before and never let it go, if any."""
        try:
            return await self.leases.serve(lease)
        except self._errors as error:
            # The room is ours all the same; only whether it moved here is not known.
            log.info("could not mark a room as served here: %s", error,
                     extra={"room": lease.room_id})
            return None

    def _adopt(self, lease: Lease, before: str | None) -> None:
        """The room is this node's from now: served under ``lease``. ``before``: the node
        that served it and stopped without letting it go (a failover), learnt before any
        hello is answered from memory and the hub builds the room."""
        if before is not None:
            self._on_failover()
            self._took_over.add(lease.room_id)
            log.warning("took over a room whose node stopped",
                        extra={"room": lease.room_id, "from_node": before,
                               "token": lease.token})
        self._owned[lease.room_id] = lease
        self._claimed_at[lease.room_id] = time.monotonic()

    # -- the loops ----------------------------------------------------------------------

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._beat_forever(), name="hearth node heartbeat"),
                       loop.create_task(self._renew_forever(), name="hearth lease renewal")]

    async def beat(self) -> None:
        """One heartbeat (the loop's step; tests call it to publish load at once)."""
        rooms, connections = self._load()
        now, cpu_now = time.monotonic(), time.process_time()
        then, cpu_then = self._cpu_mark
        self._cpu_mark = (now, cpu_now)
        cpu = (cpu_now - cpu_then) / (now - then) if now > then else 0.0
        live = [room_id for room_id in self._owned if self._running_here(room_id)]
        self.draining = await self.registry.beat(NodeInfo(
            id=self.node_id, ws_url=self.ws_url, rooms=rooms, connections=connections,
            cpu=cpu, max_rooms=self.max_rooms, draining=self.draining), live)
        for hook in self._beat_hooks:
            await hook()

    async def _beat_forever(self) -> None:
        while self._running():
            try:
                await self.beat()
                self._redis_up()
            except self._errors as error:
                self._redis_lost(error)
            except Exception:
                log.exception("heartbeat failed")
            self._still_wanted()
            await asyncio.sleep(self.registry.beat_every)

    async def renew(self) -> bool:
        """One round of renewals (the loop's step). True when Redis was asked at all (so
        answered): a node with no rooms learns nothing of Redis from a round."""
        now = time.monotonic()
        asked = False
        for room_id, lease in list(self._owned.items()):
            if not self._is_live(room_id) and now - self._claimed_at.get(room_id, now) > (
                    self.leases.ttl):
                self.released(room_id)  # claimed at a hello that was turned away
                continue
            renewal = await self.leases.renew(lease)
            asked = True
            if renewal.held or self._owned.get(room_id) is not lease:
                continue
            # Another node holds the room now (or held it since our token): stop serving
            # it, and send its people to where it is.
            del self._owned[room_id]
            self._claimed_at.pop(room_id, None)
            self._took_over.discard(room_id)
            where = await self._where_now(room_id, renewal.owner)
            log.warning("lost a room's lease to another node; moving its connections",
                        extra={"room": room_id, "token": lease.token,
                               "to_node": renewal.owner.node_id if renewal.owner else None})
            self._evict(room_id, where)
        return asked

    async def _where_now(self, room_id: str, owner: Lease | None) -> str:
        try:
            if owner is not None:
                found = await self.registry.get(owner.node_id)
                if found is not None:
                    return found.ws_url
            return await self._locate(room_id, avoid=self.node_id)
        except Exception:  # PlacementUnavailable, or Redis failing again
            # Nowhere known: back here, where the next hello places the room afresh.
            return self.ws_url

    async def _renew_forever(self) -> None:
        while self._running():
            await asyncio.sleep(self.leases.ttl / 3)
            try:
                # Only a round that reached Redis says it is back: one with nothing to
                # renew would end the outage's log line while the heartbeat still fails.
                if await self.renew():
                    self._redis_up()
            except self._errors as error:
                # The rooms carry on here; the next round tries again.
                self._redis_lost(error)
            except Exception:
                log.exception("lease renewal failed")
            self._still_wanted()

    def _running(self) -> bool:
        return not (self._closing or self._abandoned)

    @staticmethod
    def _still_wanted() -> None:
        """Re-raise a cancellation that a Redis call swallowed (redis-py can turn one
        that lands mid-command into a connection error, or finish the command): a loop
        that carried on would keep the shutdown waiting for it forever."""
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise asyncio.CancelledError

    def _redis_lost(self, error: BaseException) -> None:
        if not self._redis_down:
            self._redis_down = True
            log.warning("Redis cannot be reached; rooms on this node carry on, new rooms "
                        "cannot be placed: %s", error)

    def _redis_up(self) -> None:
        if self._redis_down:
            self._redis_down = False
            log.info("Redis answers again; placement is back")

    # -- shutting down -------------------------------------------------------------------

    async def _release(self, lease: Lease) -> None:
        try:
            await self.leases.release(lease)
        except self._errors as error:
            # It expires by itself within lease_ttl.
            log.info("could not release a room's lease: %s", error)

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def abandon(self) -> None:
        """Stop beating and renewing and, at ``aclose``, tell Redis nothing: what a crash
        looks like to the other nodes (the tests of re-homing use it)."""
        self._abandoned = True
        for task in self._tasks:
            task.cancel()

    async def aclose(self) -> None:
        """Stop the loops, then (unless abandoned) give every lease back and leave the
        registry, so the next connection places these rooms at once, not in 10 s."""
        self._closing = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        try:
            if not self._abandoned:
                owned = list(self._owned.values())
                self._owned.clear()
                try:
                    async with asyncio.timeout(RELEASE_WAIT):
                        for lease in owned:
                            await self.leases.release(lease)
                        await self.registry.leave(self.node_id)
                except Exception as error:  # Redis failing, or not answering in time
                    log.info("left without releasing every lease (they expire): %s",
                             type(error).__name__)
        finally:
            await self._redis.aclose()
