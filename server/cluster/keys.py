"""Every Redis key of the placement layer, named once (as LiveKit's redisstore does).

All start with ``hearth:`` like the bus's channels (``server/store/bus.py``), so a Redis
shared with other applications keeps them apart. Pub/sub channels and keys are separate
namespaces in Redis; the prefix is only for people reading ``KEYS``/``SCAN`` output.
"""

from __future__ import annotations

PREFIX = "hearth:"

# A set of node ids that have ever beaten; members whose node key has expired are dead
# and are removed by whoever reads the set (``NodeRegistry.alive``).
NODES = PREFIX + "nodes"


def node(node_id: str) -> str:
    """A node's hash (ws_url, rooms, connections, cpu, max_rooms, draining),
    rewritten every beat with a time to live of three beats: a node that stops beating
    is dead once it expires."""
    return f"{PREFIX}node:{node_id}"


def live(node_id: str) -> str:
    """A set of the rooms with a facilitator in them on the node (the staff pages'
    "running now"), rewritten with its hash at every beat and living as long."""
    return f"{PREFIX}node:{node_id}:live"


def sockets(node_id: str) -> str:
    """A hash of the node's WebSockets per address (``server/cluster/sockets.py``):
    ``o:DIGEST`` open, ``w:DIGEST`` not past hello yet, under a keyed hash of each
    address, never the address. It lives three beats like the node's hash, renewed by the
    heartbeat, so a dead node's sockets stop counting when the node is known dead."""
    return f"{PREFIX}node:{node_id}:sockets"


def drain(node_id: str) -> str:
    """Set by ``hearth node drain``: the node's next beat publishes ``draining`` (and the
    command sets the field at once, so placement avoids the node from that moment).
    Lives a day past the node's last beat (``nodes.DRAIN_MARK_TTL``)."""
    return f"{PREFIX}node:{node_id}:drain"


def lease(room_id: str) -> str:
    """The room's lease: ``"TOKEN NODE_ID"`` with a time to live (``lease_ttl``)."""
    return f"{PREFIX}room:{room_id}:lease"


def fence(room_id: str) -> str:
    """The room's fencing counter (``INCR`` on every new lease). Kept without a time to
    live: a few bytes per room ever placed, and it must outlive every lease."""
    return f"{PREFIX}room:{room_id}:fence"


def holder(room_id: str) -> str:
    """The node serving the room (``"NODE_ID"``): written when a node takes the room up
    at a ``hello`` (``SET ... GET``: Redis 6.2 or later), kept fresh by its renewals and
    deleted when it gives the lease back. It outlives the lease (by
    ``Settings.empty_room_grace``, given to ``Leases`` as ``memory``), so the node that
    takes a room up next can tell a room whose node stopped (the holder still names
    another node) from one that was let go: that is a failover."""
    return f"{PREFIX}room:{room_id}:holder"
