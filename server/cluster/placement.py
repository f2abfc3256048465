"""Where a room runs: the pure choice of a node, and the interface Hearth calls.

``choose`` is the whole placement policy, a plain function of the nodes' last beats:
never a draining node (``hearth node drain``: its sessions finish, it gets no new room),
never a full one (``max_rooms``), and among the rest the least loaded: fewest live rooms
first (each room is a mixer on a 20 ms clock, the bulk of a node's work:
docs/performance.md), then the least CPU, then the fewest connections, then the id, so
the choice is the same on every node that reads the same beats.

``Placement`` is what the endpoint, the hub and the JSON API use; ``LocalPlacement`` is
the embedded single-node default (every room is this node's) and ``ClusterPlacement``
(``node.py``) the Redis one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from server.cluster.nodes import NodeInfo


class PlacementUnavailable(Exception):
    """No node can be given the room now: Redis cannot be reached, or every live node is
    draining or full. ``str(error)`` says which, in words for an operator's log."""


@dataclass(frozen=True, slots=True)
class Here:
    """The room is this node's: serve the connection."""


@dataclass(frozen=True, slots=True)
class Moved:
    """The room is another node's: tell the client to go there."""

    ws_url: str


Claim = Here | Moved


@dataclass(frozen=True, slots=True)
class Location:
    """Where a live room runs, for the staff pages: the live node whose lease holds it,
    and whether a facilitator is in it there ("running now", invariant 2), as that node
    said at its last heartbeat (this node's own rooms: as they are now)."""

    node: str
    live: bool = False


def choose(nodes: Iterable[NodeInfo], avoid: str | None = None) -> NodeInfo | None:
    """The node a new room should go to, or None when none may take one. ``avoid``: a
    node id left out (a node handing its rooms away)."""
    candidates = [n for n in nodes if not n.draining and not n.full and n.id != avoid]
    if not candidates:
        return None
    return min(candidates, key=lambda n: (n.rooms, round(n.cpu, 1), n.connections, n.id))


class Placement(Protocol):
    """This node's view of where rooms run."""

    @property
    def clustered(self) -> bool:
        """True when several nodes may share the rooms (Redis configured)."""
        ...

    async def locate(self, room_id: str, own_ws_url: str) -> str:
        """The WebSocket URL of the node that runs ``room_id``, placing the room if no
        live node does. ``own_ws_url``: this node's, as the request reached it (used when
        the room is this node's). Raises ``PlacementUnavailable``."""
        ...

    async def claim(self, room_id: str) -> Claim:
        """At ``hello``: may this node serve ``room_id``? Takes the room if nobody (alive)
        holds it and this node may take rooms. Raises ``PlacementUnavailable``."""
        ...

    def released(self, room_id: str) -> None:
        """The hub forgot the room (ended, or empty past its grace): let it go."""
        ...

    def took_over(self, room_id: str) -> bool:
        """Asked once, as the hub builds the room: True when the node that ran it before
        stopped without letting it go (this node took it over: a failover)."""
        ...

    async def where(self, room_ids: Sequence[str]) -> dict[str, Location]:
        """Room id -> where it runs (the live node, and whether a facilitator is in it),
        for those of ``room_ids`` that a live node runs (the staff pages show it). Empty
        with one node. Raises ``PlacementUnavailable`` when it cannot be known now."""
        ...

    def start(self) -> None: ...

    async def aclose(self) -> None: ...


class LocalPlacement:
    """One process runs every room (no Redis): everything is here."""

    clustered = False

    async def locate(self, room_id: str, own_ws_url: str) -> str:
        return own_ws_url

    async def claim(self, room_id: str) -> Claim:
        return Here()

    def released(self, room_id: str) -> None:
        pass

    def took_over(self, room_id: str) -> bool:
        return False

    async def where(self, room_ids: Sequence[str]) -> dict[str, Location]:
        return {}

    def start(self) -> None:
        pass

    async def aclose(self) -> None:
        pass
