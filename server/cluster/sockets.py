"""WebSockets per address, counted for every node at once in Redis (issue 12, part 2).

Each node caps the WebSockets one address may hold (``ws_per_address``) and those not
past ``hello`` yet (``ws_waiting_per_address``): server/signaling/admission.py. Counted
on each node alone, an address spreading its sockets over N nodes would hold N times its
share. With Redis configured the counts are kept there too, so the caps hold for the
deployment as a whole.

**Layout: one hash per node** (``keys.sockets(node)``), fields ``o:DIGEST`` (sockets open
from the address) and ``w:DIGEST`` (those of them not past hello), where DIGEST is a
keyed hash of the address (``ratelimit.KeyedHash``, the rate limits' own: invariant 9,
no address is stored). Admitting a socket is one Lua script that sums the address's two
fields over every node's hash and, under both caps, adds one to this node's: atomic on
the Redis server, so sockets opened at once on several nodes cannot race past a cap.

**Why a hash per node, with a time to live renewed by the heartbeat.** A node that dies
never says goodbye, so counts it added must go without it: its hash lives three beats,
exactly as its registry hash does, and is renewed by the same heartbeat
(``ClusterPlacement.on_beat``), so its sockets stop counting when the node is known dead
(6 s with the defaults), within a lease's 10 s. One counter per address shared by all
nodes could not be cleaned up that way: it would have to be taken apart by a node that
knows how much of it the dead one had added. Renewing one key per node per beat is
cheap, however many addresses it holds.

**Why the node rewrites its hash from its own count now and then.** The node counts every
socket in memory all along (the fallback below needs that), and that count is the truth
for this node. Redis's copy can drift: a decrement lost when Redis did not answer would
hold an address's place forever, a Redis restarted empty has forgotten everything, and
a socket admitted while Redis was away was never added. So after any of those (or when
the hash is found gone at a beat) the next beat replaces the hash with the node's own
count: the copy heals itself within a beat of Redis answering again.

The script reads the other nodes' hashes by name, so it needs their ids: taken from the
registry's set (``keys.NODES``) at every beat. A node that has just started is counted
by the others from their next beat on (a second or two); a dead node's id may linger in
the set, but its hash is gone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from server.cluster import keys

if TYPE_CHECKING:
    from redis.asyncio import Redis

OPEN = "o:"
WAITING = "w:"

# What ``SocketCounts.enter`` answers.
REFUSED, COUNTED, COUNTED_FRESH = 0, 1, 2

# KEYS[1] this node's hash, KEYS[2..] the other nodes'; ARGV[1] the open field, ARGV[2]
# the waiting field, ARGV[3] the cap on open sockets, ARGV[4] the cap on waiting ones,
# ARGV[5] the hash's time to live in ms (a hash made here must never live without one).
# Returns 0 when over a cap (nothing counted), 1 when counted, 2 when counted in a hash
# that was not there (this node's other sockets, if any, are missing from it).
_ENTER = """
local open, waiting = 0, 0
for _, key in ipairs(KEYS) do
  local got = redis.call('HMGET', key, ARGV[1], ARGV[2])
  open = open + (tonumber(got[1]) or 0)
  waiting = waiting + (tonumber(got[2]) or 0)
end
if open >= tonumber(ARGV[3]) or waiting >= tonumber(ARGV[4]) then
  return 0
end
local fresh = redis.call('EXISTS', KEYS[1]) == 0
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('HINCRBY', KEYS[1], ARGV[2], 1)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
if fresh then
  return 2
end
return 1
"""

# KEYS[1] this node's hash; ARGV the fields to take one from. A field that is not there
# is left alone (the hash expired, or the socket was admitted while Redis was away): no
# negative counts, and no hash made without a time to live.
_DROP = """
for _, field in ipairs(ARGV) do
  if redis.call('HEXISTS', KEYS[1], field) == 1 then
    if redis.call('HINCRBY', KEYS[1], field, -1) <= 0 then
      redis.call('HDEL', KEYS[1], field)
    end
  end
end
return 1
"""


class SocketCounts:
    """This node's side of the shared counts, on a redis-py asyncio client (which raises
    ``redis_errors()`` when Redis cannot be reached; the caller falls back to its own
    count). ``ttl_ms``: the hash's life, the registry's three beats."""

    def __init__(self, redis: Redis, node_id: str, ttl_ms: int) -> None:
        self._redis = redis
        self.node_id = node_id
        self._key = keys.sockets(node_id)
        self._ttl_ms = ttl_ms
        # The other nodes' hashes, as of the last beat.
        self._peers: list[str] = []
        self._enter = redis.register_script(_ENTER)
        self._drop = redis.register_script(_DROP)

    async def enter(self, digest: str, per_address: int, waiting_per_address: int) -> int:
        """Count a socket from the address whose keyed hash is ``digest`` on this node,
        unless the address holds ``per_address`` sockets, or ``waiting_per_address`` not
        past hello, on all nodes together. ``REFUSED`` (nothing counted), ``COUNTED``, or
        ``COUNTED_FRESH``: counted in a hash that had gone (expired, or Redis restarted
        empty), which holds none of this node's other sockets."""
        answer: Any = await self._enter(
            keys=[self._key, *self._peers],
            args=[OPEN + digest, WAITING + digest, per_address, waiting_per_address,
                  self._ttl_ms])
        return int(answer)

    async def said_hello(self, digest: str) -> None:
        await self._drop(keys=[self._key], args=[WAITING + digest])

    async def leave(self, digest: str, *, waiting: bool) -> None:
        fields = [OPEN + digest, WAITING + digest] if waiting else [OPEN + digest]
        await self._drop(keys=[self._key], args=fields)

    async def renew(self) -> bool:
        """At each beat: keep this node's hash alive another three beats, and learn the
        other nodes' ids. False when the hash was not there (expired or lost: it is
        rewritten if this node has sockets)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.pexpire(self._key, self._ttl_ms)
            pipe.smembers(keys.NODES)
            renewed, members = await pipe.execute()
        ids = sorted(m.decode() if isinstance(m, bytes) else str(m) for m in members)
        self._peers = [keys.sockets(node_id) for node_id in ids if node_id != self.node_id]
        return bool(renewed)

    async def rewrite(self, open_from: Mapping[str, int], waiting_from: Mapping[str, int],
                      ) -> None:
        """Replace this node's hash with its own count (keyed hash -> sockets)."""
        fields = {OPEN + digest: n for digest, n in open_from.items() if n > 0}
        fields.update({WAITING + digest: n for digest, n in waiting_from.items() if n > 0})
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._key)
            if fields:
                pipe.hset(self._key, mapping=fields)  # type: ignore[arg-type]
                pipe.pexpire(self._key, self._ttl_ms)
            await pipe.execute()

    async def forget(self) -> None:
        """A clean shutdown: this node's sockets stop counting now, not in three beats."""
        await self._redis.delete(self._key)
