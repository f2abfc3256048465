"""The node registry: each node's heartbeat, and who is alive.

Each node rewrites its hash (``keys.node(id)``) every ``beat_every`` seconds with its
WebSocket URL and load, and gives it a time to live of three beats: one lost beat (a
slow Redis round trip, a pause of the event loop) does not kill a node, and a node
that stopped is known dead within ``3 * beat_every`` (6 s by default), well inside the
10 s a lease lasts, so a dead node's rooms are placed again as soon as their leases end.

LiveKit keeps all nodes in one hash and judges liveness by the age of their stats; a key
per node with a time to live lets Redis do the judging, with no clock of ours involved.
The set ``keys.NODES`` lists the ids so readers need no ``SCAN``; a member whose hash is
gone is dead and is removed by the reader.

The beat also rewrites the set of the node's rooms that have a facilitator in them
(``keys.live``, the staff pages' "running now" on every node) with the same time to live,
in the same transaction: a node's word on its rooms dies with the node.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from server.cluster import keys

if TYPE_CHECKING:
    from redis.asyncio import Redis


# A drain mark outlives its node by a day: long enough for a restart under the same
# HEARTH_NODE_ID to come back draining, short enough that the marks of nodes with
# generated ids (gone for good) do not pile up.
DRAIN_MARK_TTL = 24 * 3600

# KEYS[1] a node's hash; ARGV[1] "1" or "0". Returns 1 when the node is alive.
_MARK_DRAINING = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'draining', ARGV[1])
  return 1
end
return 0
"""


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """One node as its last beat described it."""

    id: str
    ws_url: str
    rooms: int = 0
    connections: int = 0
    # The process's CPU use over the last beat, in cores (1.0: one core busy).
    cpu: float = 0.0
    # Live rooms it takes at most; 0: no limit.
    max_rooms: int = 0
    draining: bool = False

    @property
    def full(self) -> bool:
        return 0 < self.max_rooms <= self.rooms

    def fields(self) -> dict[str, str]:
        return {"ws_url": self.ws_url, "rooms": str(self.rooms),
                "connections": str(self.connections), "cpu": f"{self.cpu:.2f}",
                "max_rooms": str(self.max_rooms), "draining": "1" if self.draining else "0"}

    @classmethod
    def from_fields(cls, node_id: str, raw: Mapping[bytes | str, bytes | str],
                    ) -> NodeInfo | None:
        """None for a hash that is gone (expired) or was never complete."""
        got = {_text(k): _text(v) for k, v in raw.items()}
        if "ws_url" not in got:
            return None
        try:
            return cls(id=node_id, ws_url=got["ws_url"], rooms=int(got.get("rooms", 0)),
                       connections=int(got.get("connections", 0)),
                       cpu=float(got.get("cpu", 0)), max_rooms=int(got.get("max_rooms", 0)),
                       draining=got.get("draining") == "1")
        except ValueError:
            return None


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class NodeRegistry:
    def __init__(self, redis: Redis, beat_every: float) -> None:
        self._redis = redis
        self.beat_every = beat_every
        # Three beats: see the module docstring.
        self._ttl_ms = max(1, int(3 * beat_every * 1000))
        self._mark = redis.register_script(_MARK_DRAINING)

    @property
    def ttl_ms(self) -> int:
        """How long a beat keeps a node alive: three beats, in ms."""
        return self._ttl_ms

    async def beat(self, info: NodeInfo, live: Collection[str] = ()) -> bool:
        """Publish ``info`` (its ``draining`` is replaced by what Redis says: the drain
        mark set by ``hearth node drain``) and ``live``, the node's rooms with a
        facilitator in them now. Returns whether the node is draining."""
        draining = bool(await self._redis.exists(keys.drain(info.id)))
        fields = {**info.fields(), "draining": "1" if draining else "0"}
        async with self._redis.pipeline(transaction=True) as pipe:
            if draining:  # kept while the node lives, gone a day after it stopped
                pipe.expire(keys.drain(info.id), DRAIN_MARK_TTL)
            pipe.hset(keys.node(info.id), mapping=fields)  # type: ignore[arg-type]
            pipe.pexpire(keys.node(info.id), self._ttl_ms)
            # Rewritten whole: a few ids per node, and nothing to keep in step.
            pipe.delete(keys.live(info.id))
            if live:
                pipe.sadd(keys.live(info.id), *live)
                pipe.pexpire(keys.live(info.id), self._ttl_ms)
            pipe.sadd(keys.NODES, info.id)
            await pipe.execute()
        return draining

    async def live_rooms(self, rooms_of: Mapping[str, Sequence[str]]) -> set[str]:
        """Of each node's rooms (node id -> room ids), those its last beat called live:
        one round trip. A node that stopped beating calls none live once it is dead."""
        asked = [(node_id, list(rooms)) for node_id, rooms in rooms_of.items() if rooms]
        if not asked:
            return set()
        async with self._redis.pipeline(transaction=False) as pipe:
            for node_id, rooms in asked:
                pipe.smismember(keys.live(node_id), rooms)
            answers = await pipe.execute()
        return {room for (_, rooms), found in zip(asked, answers, strict=True)
                for room, member in zip(rooms, found, strict=True) if member}

    async def get(self, node_id: str) -> NodeInfo | None:
        """The node if it is alive (its last beat has not expired), else None."""
        raw = await self._redis.hgetall(keys.node(node_id))
        return NodeInfo.from_fields(node_id, raw)

    async def alive(self) -> list[NodeInfo]:
        """Every live node; forgets the dead ones."""
        ids = sorted(_text(m) for m in await self._redis.smembers(keys.NODES))
        if not ids:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for node_id in ids:
                pipe.hgetall(keys.node(node_id))
            found = await pipe.execute()
        alive: list[NodeInfo] = []
        dead: list[str] = []
        for node_id, raw in zip(ids, found, strict=True):
            info = NodeInfo.from_fields(node_id, raw)
            if info is None:
                dead.append(node_id)
            else:
                alive.append(info)
        if dead:
            await self._redis.srem(keys.NODES, *dead)
        return alive

    async def set_draining(self, node_id: str, draining: bool) -> bool:
        """Mark (or unmark) a node draining; takes effect at once for placement. Returns
        whether the node is alive now (a mark on a node not running waits for it)."""
        if draining:
            await self._redis.set(keys.drain(node_id), "1", ex=DRAIN_MARK_TTL)
        else:
            await self._redis.delete(keys.drain(node_id))
        # The live hash too, so placement sees it before the node's next beat; only if it
        # exists, or a hash without a time to live would be left behind.
        flag = "1" if draining else "0"
        return bool(await self._mark(keys=[keys.node(node_id)], args=[flag]))

    async def leave(self, node_id: str) -> None:
        """A clean shutdown: the node is gone now rather than in three beats. Its drain
        mark stays (and expires by itself): a node restarted under the same
        HEARTH_NODE_ID comes back draining until ``hearth node resume``."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(keys.node(node_id), keys.live(node_id))
            pipe.srem(keys.NODES, node_id)
            await pipe.execute()
