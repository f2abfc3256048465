"""Two real Hearth nodes sharing one PostgreSQL database and one Redis (issue 12)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from server.cli import _node
from server.settings import Settings
from tests.cluster.conftest import BEAT_EVERY, LEASE_TTL, Cluster, Node
from tests.harness import Client

pytestmark = pytest.mark.postgres


async def hello(node: Node, token: str) -> Client:
    """A client that says hello at ``node`` (and may be moved or refused)."""
    client = Client(await node.h.open())
    node.h.clients.append(client)
    await client.send("hello", token=token, ref="hi")
    return client


async def moved_from(node: Node, token: str) -> str:
    """Say hello at ``node``, expect ``moved`` and 4307; returns the ws_url given."""
    client = await hello(node, token)
    error = await client.expect("error", code="moved")
    assert error["ref"] == "hi"
    assert await client.closed() == 4307
    return str(error["ws_url"])


async def room_on(cluster: Cluster, node: Node) -> tuple[str, str, Client]:
    """A room (with its invite) placed on ``node``, its facilitator there."""
    room_id, invite = await node.h.room()
    token = (await node.h.staff_token(room_id, name="Fran"))["token"]
    # The token's request placed it on the least-loaded node: put it where we want it.
    await cluster.client.delete(f"hearth:room:{room_id}:lease")
    assert (await cluster.leases.acquire(room_id, node.id))[0]
    fac = await node.h.connect(token)
    assert node.placement.owns(room_id)
    return room_id, invite, fac


async def join(node: Node, invite: str, name: str = "Ann") -> dict[str, Any]:
    return await node.h.join(invite, name)


async def test_a_join_through_one_node_is_sent_to_the_node_that_runs_the_room(
        cluster: Cluster) -> None:
    a, b = cluster.a, cluster.b
    room_id, invite, fac = await room_on(cluster, b)
    # Any node answers: a join through A names B's WebSocket.
    joined = await join(a, invite)
    assert joined["ws_url"] == b.ws
    # A hello at the wrong node is sent to the right one.
    assert await moved_from(a, joined["token"]) == b.ws
    # There she joins and talks with the facilitator.
    ann = await b.h.connect(joined["token"])
    await fac.expect("lobby.knock")
    await fac.send("lobby.admit", participant=ann.id)
    await ann.expect("admitted")
    await ann.send("chat.send", text="Hello everyone", to="room")
    await fac.expect("chat", text="Hello everyone")
    await fac.send("chat.send", text="Welcome, Ann", to="room")
    await ann.expect("chat", text="Welcome, Ann")
    # A staff token asked of A names B too.
    token = await a.h.staff_token(room_id, role="safeguarding_lead")
    assert token["ws_url"] == b.ws
    assert not a.placement.owns(room_id)


async def test_a_free_room_goes_to_the_least_loaded_node_and_never_to_a_draining_one(
        cluster: Cluster, redis_server: Any) -> None:
    a, b = cluster.a, cluster.b
    await room_on(cluster, b)  # B runs a room, A none
    await asyncio.sleep(BEAT_EVERY * 2)  # and has said so
    _, invite = await b.h.room()
    assert (await join(b, invite))["ws_url"] == a.ws  # asked of B, placed on A
    settings = Settings(redis_url=redis_server.url)
    assert "is draining" in await _node(settings, "drain", a.id)
    _, other = await a.h.room()
    assert (await join(a, other))["ws_url"] == b.ws  # A drains: even A sends it to B
    # A hello at a draining node for a room nobody runs is moved on, not taken.
    _, third = await a.h.room()
    lone = await a.h.join(third)
    await asyncio.sleep(LEASE_TTL + 0.2)  # the placement's lease lapses unclaimed
    assert await moved_from(a, lone["token"]) == b.ws
    await _node(settings, "resume", a.id)
    _, fourth = await b.h.room()
    assert (await join(b, fourth))["ws_url"] == a.ws


async def test_a_node_that_lost_its_lease_moves_its_people_to_the_new_owner(
        cluster: Cluster) -> None:
    a, b = cluster.a, cluster.b
    room_id, invite, fac = await room_on(cluster, b)
    joined = await join(a, invite)
    ann = await b.h.connect(joined["token"])
    await fac.expect("lobby.knock")
    await fac.send("lobby.admit", participant=ann.id)
    await ann.expect("admitted")
    # Another node takes the lease over (as if B's heartbeat had lapsed).
    current = await cluster.leases.get(room_id)
    taken, _ = await cluster.leases.acquire(room_id, a.id, replacing=current)
    assert taken
    # B's next renewal sees it and stops serving the room: no split brain.
    for client in (ann, fac):
        error = await client.expect("error", timeout=LEASE_TTL + 2, code="moved")
        assert error["ws_url"] == a.ws
        assert await client.closed() == 4307
    assert not b.placement.owns(room_id)
    # At A, with the same token, Ann keeps her place: straight into the room.
    again = await a.h.connect(joined["token"])
    assert a.placement.owns(room_id) and b.server.app.state.services.hub.room(room_id) is None
    fac_again = await a.h.facilitator(room_id, name="Fran")
    assert again.welcome["state"] == "room"
    assert any(p["id"] == again.id for p in fac_again.welcome["participants"])


async def test_a_dead_nodes_room_is_placed_again_for_the_next_connection(
        cluster: Cluster) -> None:
    a, b = cluster.a, cluster.b
    room_id, invite, fac = await room_on(cluster, b)
    joined = await join(a, invite)
    ann = await b.h.connect(joined["token"])
    await fac.expect("lobby.knock")
    await fac.send("lobby.admit", participant=ann.id)
    await ann.expect("admitted")
    b.placement.abandon()  # as a crash: no more beats or renewals, nothing released
    b.server.stop()
    died = time.monotonic()
    with pytest.raises(ConnectionClosed):
        for _ in range(50):
            await ann.recv(1)
    while (await join(a, invite, "Bea"))["ws_url"] != a.ws:
        assert time.monotonic() - died < 10, "the room was not placed again within 10 s"
        await asyncio.sleep(0.2)
    assert time.monotonic() - died <= LEASE_TTL + 3  # its lease, or its beats, ran out
    # Ann's reconnect (through the page's own node, which is A here) finds her place.
    back = await a.h.connect(joined["token"])
    assert back.welcome["state"] == "room" and a.placement.owns(room_id)


async def test_while_redis_is_down_live_rooms_carry_on_and_new_ones_wait(
        cluster: Cluster) -> None:
    a = cluster.a
    room_id, invite, fac = await room_on(cluster, a)
    ann = await a.h.admitted(fac, invite)
    _, fresh_invite = await a.h.room()
    cluster.redis.stop()
    # The live room carries on where it is.
    await ann.send("chat.send", text="Still here", to="room")
    await fac.expect("chat", text="Still here")
    # Joining it through its own node still works; placing a new room does not.
    assert (await join(a, invite, "Cat"))["ws_url"] == a.ws
    refused = await a.h.http.post("/api/join", json={"invite": fresh_invite, "agree": True})
    assert refused.status_code == 503
    assert refused.json()["error"]["code"] == "placement_unavailable"
    fresh_token = (await a.h.staff_token(room_id))["token"]  # the live room: fine
    assert fresh_token
    async with httpx.AsyncClient(base_url=a.server.http) as probe:
        assert (await probe.get("/readyz")).status_code == 503
        cluster.redis.start()  # empty, as a Redis without persistence restarts
        deadline = time.monotonic() + 10
        while (await probe.get("/readyz")).status_code != 200:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.2)
    # Placement is back by itself, and the live room holds its lease again.
    deadline = time.monotonic() + 10
    while (await a.h.http.post("/api/join", json={"invite": fresh_invite,
                                                  "agree": True})).status_code != 201:
        assert time.monotonic() < deadline, "placement did not come back"
        await asyncio.sleep(0.2)
    deadline = time.monotonic() + 5
    while (lease := await cluster.leases.get(room_id)) is None:
        assert time.monotonic() < deadline, "the live room did not take its lease back"
        await asyncio.sleep(0.2)
    assert lease.node_id == a.id
    await ann.send("chat.send", text="And still", to="room")
    await fac.expect("chat", text="And still")
