"""Room leases in Redis: who runs each live room, with a fencing token.

A lease is one string key (``keys.lease(room)``) holding ``"TOKEN NODE_ID"`` with a time
to live. Every change is one Lua script, so it is atomic on the Redis server and a node
never extends or deletes a lease that is not exactly the one it holds:

* ``acquire(room, node, replacing)``: take the lease if it is free, or if it still holds
  ``replacing`` (the value of a lease whose node is dead). The token comes from
  ``INCR`` on the room's fencing counter inside the same script, so tokens of one room only
  ever grow and no two leases share one. Used by placement for any node, as LiveKit's
  router writes the room's node for whichever node it picked.
* ``take_up(room, node, replacing)``: the same, by the node that serves the room at once
  (at the ``hello`` that takes it up), in the same script marking that node as the one
  serving it (``keys.holder``) and learning which node served it before without letting it
  go: a failover.
* ``renew(lease)``: extend it while it is still ours. If it expired and nobody took the
  room since (the fencing counter still equals our token), it is ours again: the room
  never left this node. If the counter moved on, another node held the room meanwhile:
  ``renew`` reports the lease lost and the node must stop serving the room. A counter
  that is missing altogether means Redis lost its data (restarted without persistence):
  the holder takes its lease back and the counter restarts from its token.
* ``release(lease)``: delete it only if it is still ours.
* ``serve(lease)``: the holder mark alone, for a lease another node placed for us (by
  ``acquire``), when our ``hello`` takes the room up.

Renewals keep the holder mark and release deletes it; it outlives a lease by ``memory``
(placement gives ``Settings.empty_room_grace``: someone coming back later than that finds
a new session anyway), so a room is known as taken over even when everyone came back
after its dead node's lease had run out. Setting it uses ``SET ... GET``: Redis 6.2 or
later.

Times are Redis's own (``PX``), so node clocks need not agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from server.cluster import keys

if TYPE_CHECKING:
    from redis.asyncio import Redis

# KEYS[1] lease, KEYS[2] fence, KEYS[3] holder; ARGV[1] node id, ARGV[2] ttl ms,
# ARGV[3] the value being replaced ("" for none), ARGV[4] the holder mark's life in ms, or
# "" to leave the mark alone (a room placed for a node that has not taken it up yet).
# Returns {1, value, holder before or ""} when taken, {0, current value} when held.
_ACQUIRE = """
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[3] then
  return {0, current}
end
local token = redis.call('INCR', KEYS[2])
local value = token .. ' ' .. ARGV[1]
redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
local before = ''
if ARGV[4] ~= '' then
  before = redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[4], 'GET') or ''
end
return {1, value, before}
"""

# KEYS[1] lease, KEYS[2] fence, KEYS[3] holder; ARGV[1] our value, ARGV[2] ttl ms,
# ARGV[3] our token, ARGV[4] our node id, ARGV[5] the holder mark's life in ms.
# Returns {1, value} while ours (extended, or taken back), {0, current or ""} when lost.
_RENEW = """
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  redis.call('SET', KEYS[3], ARGV[4], 'PX', ARGV[5])
  return {1, current}
end
if current then
  return {0, current}
end
local fence = redis.call('GET', KEYS[2])
if fence and fence ~= ARGV[3] then
  return {0, ''}
end
if not fence then
  redis.call('SET', KEYS[2], ARGV[3])
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SET', KEYS[3], ARGV[4], 'PX', ARGV[5])
return {1, ARGV[1]}
"""

# KEYS[1] lease, KEYS[2] holder; ARGV[1] our value, ARGV[2] our node id. Returns 1 when
# deleted, 0 when it was not ours (then the holder mark is another node's: left alone).
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  if redis.call('GET', KEYS[2]) == ARGV[2] then
    redis.call('DEL', KEYS[2])
  end
  return redis.call('DEL', KEYS[1])
end
return 0
"""

@dataclass(frozen=True, slots=True)
class Lease:
    room_id: str
    node_id: str
    token: int

    @property
    def value(self) -> str:
        """As stored in Redis: the token first, so a node id can never be mistaken for it."""
        return f"{self.token} {self.node_id}"

    @classmethod
    def parse(cls, room_id: str, raw: bytes | str) -> Lease:
        text = raw.decode() if isinstance(raw, bytes) else raw
        token, _, node_id = text.partition(" ")
        return cls(room_id=room_id, node_id=node_id, token=int(token))


@dataclass(frozen=True, slots=True)
class Renewal:
    """The outcome of ``renew``: still ours, or lost to ``owner`` (None: nobody holds it
    now, but someone did since our token, so the room is not ours any more)."""

    held: bool
    owner: Lease | None = None


class Leases:
    """The lease scripts on one redis-py asyncio client (which raises ``RedisError`` or
    ``OSError`` when Redis cannot be reached; callers decide what that means)."""

    def __init__(self, redis: Redis, ttl: float, *, memory: float = 0.0) -> None:
        """``memory``: how long the holder mark outlives the last renewal (never less
        than ``ttl``). Placement gives ``Settings.empty_room_grace``; a client that never
        takes a room up (a test's, a bench's) needs none."""
        self._redis = redis
        self.ttl = ttl
        self._ttl_ms = max(1, int(ttl * 1000))
        self._memory_ms = max(self._ttl_ms, int(memory * 1000))
        # register_script: EVALSHA, loading the script again after a Redis restart.
        self._acquire = redis.register_script(_ACQUIRE)
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)

    async def get(self, room_id: str) -> Lease | None:
        raw = await self._redis.get(keys.lease(room_id))
        return None if raw is None else Lease.parse(room_id, raw)

    async def get_many(self, room_ids: Sequence[str]) -> dict[str, Lease]:
        """The leases of those of ``room_ids`` that have one: one ``MGET``."""
        if not room_ids:
            return {}
        values = await self._redis.mget([keys.lease(room_id) for room_id in room_ids])
        found: dict[str, Lease] = {}
        for room_id, raw in zip(room_ids, values, strict=True):
            if raw is None:
                continue
            try:
                found[room_id] = Lease.parse(room_id, raw)
            except ValueError:  # not a lease of ours: nobody holds the room
                continue
        return found

    async def acquire(self, room_id: str, node_id: str,
                      replacing: Lease | None = None) -> tuple[bool, Lease]:
        """(True, the new lease), or (False, the lease someone else holds). The holder
        mark is left alone: ``node_id`` marks itself when it takes the room up."""
        taken, lease, _ = await self._acquiring(room_id, node_id, replacing, "")
        return taken, lease

    async def take_up(self, room_id: str, node_id: str, replacing: Lease | None = None,
                      ) -> tuple[bool, Lease, str | None]:
        """As ``acquire``, by the node that serves the room from now; when taken, it is
        also marked as the room's holder, and the third item is what ``serve`` says: the
        node that served the room before and never let it go, else None."""
        return await self._acquiring(room_id, node_id, replacing, self._memory_ms)

    async def _acquiring(self, room_id: str, node_id: str, replacing: Lease | None,
                         memory_ms: int | str) -> tuple[bool, Lease, str | None]:
        result: list[Any] = await self._acquire(
            keys=[keys.lease(room_id), keys.fence(room_id), keys.holder(room_id)],
            args=[node_id, self._ttl_ms, replacing.value if replacing else "", memory_ms])
        lease = Lease.parse(room_id, result[1])
        if not result[0]:
            return False, lease, None
        return True, lease, _moved_from(result[2], node_id)

    async def renew(self, lease: Lease) -> Renewal:
        result: list[Any] = await self._renew(
            keys=[keys.lease(lease.room_id), keys.fence(lease.room_id),
                  keys.holder(lease.room_id)],
            args=[lease.value, self._ttl_ms, str(lease.token), lease.node_id,
                  self._memory_ms])
        if result[0]:
            return Renewal(held=True)
        return Renewal(held=False,
                       owner=Lease.parse(lease.room_id, result[1]) if result[1] else None)

    async def release(self, lease: Lease) -> bool:
        """True when it was ours and is gone; False when another node's (left alone)."""
        return bool(await self._release(
            keys=[keys.lease(lease.room_id), keys.holder(lease.room_id)],
            args=[lease.value, lease.node_id]))

    async def serve(self, lease: Lease) -> str | None:
        """Mark ``lease``'s node as serving the room now; returns the node that served it
        before and never let it go (stopped, or lost the lease), if that is another node.
        None: the room was let go cleanly, never served, or served by this node id before
        (a node restarted under the same ``HEARTH_NODE_ID``: a restart, not a move)."""
        before = await self._redis.set(keys.holder(lease.room_id), lease.node_id,
                                       px=self._memory_ms, get=True)
        return _moved_from(None if isinstance(before, bool) else before, lease.node_id)


def _moved_from(before: bytes | str | None, node_id: str) -> str | None:
    """The holder mark a node replaced, as a failover's origin: None when there was none
    or it named ``node_id`` itself (a restart under the same ``HEARTH_NODE_ID``)."""
    if not before:
        return None
    previous = before.decode() if isinstance(before, bytes) else str(before)
    return None if previous == node_id else previous
