"""Where each room runs and whether it is running now, for the staff pages that list
rooms (issue 12, part 2).

With Redis configured every live room is held by one node's lease (server/cluster/): the
pages name that node beside the room, so an admin or a lead can tell where a group is
running (and which node a drain would wait for), and say "running now" (a facilitator
is in it: invariant 2) for a room running on any live node, as that node's heartbeat
last said (``Placement.where``). A node that dies stops beating, and its rooms stop
showing as running once it is known dead (three beats), before its leases run out.
Without Redis one process runs everything: "running now" is this process's hub, and the
pages say nothing of nodes. This is the pages' way in.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from server.cluster.placement import Location, PlacementUnavailable
from server.services import Services

log = logging.getLogger("hearth.http")


@dataclass(frozen=True, slots=True)
class RoomNow:
    """What a staff page shows of a room's session."""

    # A facilitator is in it, on this node or (with Redis) on any live node.
    live: bool = False
    # The id of the live node running it; None with one node, or while Redis is away.
    node: str | None = None


async def rooms_now(svc: Services, room_ids: Sequence[str]) -> dict[str, RoomNow]:
    """``RoomNow`` for each of ``room_ids``. This node's own rooms are read from its hub
    as they are; other nodes' from Redis. While Redis does not answer the page is still
    served, from the database and this node's hub, without the other nodes."""
    located: dict[str, Location] = {}
    if room_ids:
        try:
            located = await svc.hub.placement.where(room_ids)
        except PlacementUnavailable as error:
            log.info("cannot show where rooms run: %s", error)
    found: dict[str, RoomNow] = {}
    for room_id in room_ids:
        here = svc.hub.room(room_id)
        at = located.get(room_id)
        found[room_id] = RoomNow(live=bool(here and here.live) or bool(at and at.live),
                                 node=at.node if at else None)
    return found


async def room_in_use(svc: Services, room_id: str) -> bool:
    """Whether anyone is in the room now: live here with someone in it, or held by a live
    node's lease elsewhere (a session there, or one in its grace period after the last
    person left)."""
    live = svc.hub.room(room_id)
    if live is not None:
        return not live.empty
    return (await rooms_now(svc, [room_id]))[room_id].node is not None
