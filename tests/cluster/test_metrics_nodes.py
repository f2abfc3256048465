"""/metrics on two real nodes (issue 12, part 6): rooms and connections labelled with
each node's id, placement answers (here, elsewhere, none possible) and a failover counted
by the node that takes up a dead node's room."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.cluster.conftest import Cluster, Node
from tests.harness import Client
from tests.http.test_metrics_series import value

pytestmark = pytest.mark.postgres


async def scrape(node: Node) -> str:
    async with httpx.AsyncClient(base_url=node.server.http) as client:
        answer = await client.get("/metrics")
        assert answer.status_code == 200
        return answer.text


async def test_placements_and_a_failover_are_counted_per_node(cluster: Cluster) -> None:
    a, b = cluster.a, cluster.b
    room_id, invite = await b.h.room()
    token = (await b.h.staff_token(room_id, name="Fran"))["token"]
    # Put the room on B whichever node the token's request chose.
    await cluster.client.delete(f"hearth:room:{room_id}:lease")
    assert (await cluster.leases.acquire(room_id, b.id))[0]
    fac = await b.h.connect(token)
    # A parent joins through A (sent to B), says hello at A (moved), then at B.
    joined = await a.h.join(invite)
    assert joined["ws_url"] == b.ws
    wrong = Client(await a.h.open())
    a.h.clients.append(wrong)
    await wrong.send("hello", token=joined["token"])
    await wrong.expect("error", code="moved")
    ann = await b.h.connect(joined["token"])
    await fac.expect("lobby.knock")
    await fac.send("lobby.admit", participant=ann.id)
    await ann.expect("admitted")

    at_a, at_b = await scrape(a), await scrape(b)
    assert value(at_b, "hearth_rooms_active", node=b.id) == 1
    assert value(at_b, "hearth_ws_connections", node=b.id) == 2
    assert value(at_a, "hearth_rooms_active", node=a.id) == 0
    assert value(at_a, "hearth_ws_connections", node=a.id) == 0
    assert value(at_a, "hearth_placements_total", result="remote") == 2  # join, hello
    assert value(at_a, "hearth_placements_total", result="local") == 0
    assert value(at_b, "hearth_placements_total", result="local") >= 2  # two hellos
    assert value(at_a, "hearth_failovers_total") == 0

    # B dies. The next join through A finds the room's owner dead and places it on A;
    # Ann's hello there takes the room up: a failover, counted by A.
    b.placement.abandon()  # as a crash: no more beats or renewals, nothing released
    b.server.stop()
    deadline = time.monotonic() + 15
    while (await a.h.join(invite, "Bea"))["ws_url"] != a.ws:
        assert time.monotonic() < deadline, "the room was not placed again"
        await asyncio.sleep(0.2)
    assert value(await scrape(a), "hearth_failovers_total") == 0  # placed, not taken up
    back = await a.h.connect(joined["token"])
    assert back.welcome["state"] == "room"  # her place kept
    taken = await scrape(a)
    assert value(taken, "hearth_failovers_total") == 1
    assert value(taken, "hearth_placements_total", result="local") == 2  # the join, the hello
    assert value(taken, "hearth_rooms_active", node=a.id) == 1

    # Redis down: a room nobody runs cannot be placed, and that is counted.
    _, fresh = await a.h.room()
    cluster.redis.stop()
    refused = await a.h.http.post("/api/join", json={"invite": fresh, "agree": True})
    assert refused.status_code == 503
    down = await scrape(a)
    assert value(down, "hearth_placements_total", result="unavailable") == 1
    assert value(down, "hearth_failovers_total") == 1
