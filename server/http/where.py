"""Which node runs each live room, for the staff pages that list rooms (issue 12, part 2).

With Redis configured every live room is held by one node's lease (server/cluster/): the
pages name that node beside the room, so an admin or a lead can tell where a group is
running (and which node a drain would wait for). Without Redis one process runs
everything and the pages say nothing of nodes. The looking up is placement's
(``Placement.where``); this is the pages' way in.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from server.cluster.placement import PlacementUnavailable
from server.services import Services

log = logging.getLogger("hearth.http")


async def room_nodes(svc: Services, room_ids: Sequence[str]) -> dict[str, str]:
    """Room id -> the id of the live node whose lease holds it, for the rooms of
    ``room_ids`` that one runs. A lease whose node stopped beating (it expires within
    ``lease_ttl``) names nobody. Empty without Redis, and while Redis does not answer:
    the page is still served, from the database, without the nodes."""
    if not room_ids:
        return {}
    try:
        return await svc.hub.placement.where(room_ids)
    except PlacementUnavailable as error:
        log.info("cannot show where rooms run: %s", error)
        return {}
