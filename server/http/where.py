"""Which node runs each live room, for the staff pages that list rooms (issue 12, part 2).

With Redis configured every live room is held by one node's lease (server/cluster/): the
pages name that node beside the room, so an admin or a lead can tell where a group is
running (and which node a drain would wait for). Without Redis one process runs
everything and the pages say nothing of nodes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from server.cluster import keys
from server.cluster.leases import Lease
from server.cluster.nodes import NodeRegistry
from server.services import Services

log = logging.getLogger("hearth.http")


async def room_nodes(svc: Services, room_ids: Sequence[str]) -> dict[str, str]:
    """Room id -> the id of the live node whose lease holds it, for the rooms of
    ``room_ids`` that one runs. A lease whose node stopped beating (it expires within
    ``lease_ttl``) names nobody. Empty without Redis, and while Redis does not answer:
    the page is still served, from the database, without the nodes."""
    if svc.redis is None or not room_ids:
        return {}
    from redis.exceptions import RedisError

    try:
        # One round trip for every lease, one for the nodes' heartbeats.
        values = await svc.redis.mget([keys.lease(room_id) for room_id in room_ids])
        alive = {node.id for node in
                 await NodeRegistry(svc.redis, svc.settings.node_beat_every).alive()}
    except (RedisError, OSError) as error:
        log.info("cannot show where rooms run: Redis does not answer (%s)",
                 type(error).__name__)
        return {}
    found: dict[str, str] = {}
    for room_id, value in zip(room_ids, values, strict=True):
        if value is None:
            continue
        try:
            lease = Lease.parse(room_id, value)
        except ValueError:
            continue
        if lease.node_id in alive:
            found[room_id] = lease.node_id
    return found
