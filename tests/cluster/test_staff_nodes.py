"""The staff pages that list rooms name the node each live room runs on and say which
are running now (issue 12, part 2), whichever node serves the page; one node alone says
nothing of nodes."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from server.cluster import keys
from tests.cluster.conftest import Cluster, Node
from tests.harness import Client, Harness

pytestmark = pytest.mark.postgres


async def room_on(cluster: Cluster, node: Node, name: str) -> tuple[str, Client]:
    """A room called ``name`` running on ``node``, its facilitator connected there."""
    room_id, _ = await node.h.room(name=name)
    token = (await node.h.staff_token(room_id, name="Fran"))["token"]
    # The token's request placed it on the least-loaded node: put it where we want it.
    await cluster.client.delete(f"hearth:room:{room_id}:lease")
    assert (await cluster.leases.acquire(room_id, node.id))[0]
    fac = await node.h.connect(token)
    assert node.placement.owns(room_id)
    return room_id, fac


def cards(page: str) -> dict[str, str]:
    """Each room card of a staff page, by the room's name."""
    found: dict[str, str] = {}
    for card in re.split(r'<li class="card room-card"', page)[1:]:
        name = re.search(r'<h2 dir="auto">([^<]*)</h2>', card)
        if name:
            found[name.group(1)] = card
    return found


def on_node(card: str) -> str | None:
    found = re.search(r'<span class="node">on node <bdi>([^<]*)</bdi></span>', card)
    return found.group(1) if found else None


async def pages(node: Node, cookies: httpx.Cookies) -> list[str]:
    """/staff and /admin/rooms as served by ``node`` to the member with ``cookies``."""
    async with httpx.AsyncClient(base_url=node.server.http, cookies=cookies,
                                 headers={"Origin": node.server.origin}) as client:
        found = []
        for path in ("/staff", "/admin/rooms"):
            answer = await client.get(path)
            assert answer.status_code == 200, (path, answer.status_code)
            found.append(answer.text)
        return found


def running(card: str) -> bool:
    return '<span class="live">running now</span>' in card


async def test_staff_pages_name_the_node_each_live_room_runs_on(cluster: Cluster) -> None:
    a, b = cluster.a, cluster.b
    await room_on(cluster, a, "Tuesday mums")
    dads, _ = await room_on(cluster, b, "Thursday dads")
    await a.h.room(name="Quiet group")  # no session anywhere
    _, admin = await a.h.staff("admin")
    try:
        # Node b says its room has a facilitator in it at its next beat.
        for _ in range(100):
            if await cluster.client.sismember(keys.live(b.id), dads):
                break
            await asyncio.sleep(0.05)
        # The admin's session works at either node (one database); each node's pages
        # name both nodes, from the leases in Redis, not only its own rooms, and say
        # both rooms are running now, from each node's beat.
        for node in (a, b):
            for page in await pages(node, admin.cookies):
                found = cards(page)
                assert on_node(found["Tuesday mums"]) == a.id
                assert on_node(found["Thursday dads"]) == b.id
                assert on_node(found["Quiet group"]) is None
                assert running(found["Tuesday mums"]) and running(found["Thursday dads"])
                assert not running(found["Quiet group"])
        # In the page's language (Polish here), the node's id as it is.
        async with httpx.AsyncClient(base_url=a.server.http, cookies=admin.cookies,
                                     headers={"Accept-Language": "pl"}) as polish:
            page = (await polish.get("/staff")).text
            assert f'na węźle <bdi>{b.id}</bdi>' in cards(page)["Thursday dads"]
        # A parent joining through node a is told the group on node b is running.
        invite = await a.h.store.add_invite(dads)
        assert (await a.h.join(invite.code))["room"]["live"] is True
        # A group running on another node is not archived from this one.
        async with httpx.AsyncClient(base_url=a.server.http, cookies=admin.cookies,
                                     headers={"Origin": a.server.origin}) as client:
            page = (await client.get("/admin/rooms")).text
            token = re.search(r'name="csrf_token" value="([^"]+)"', page)
            assert token is not None
            refused = await client.post(f"/admin/rooms/{dads}/archive",
                                        data={"csrf_token": token.group(1)})
            assert refused.status_code == 409, refused.status_code
        assert (await a.h.store.room(dads)) is not None  # not archived
        # A node that died names nobody, though its lease has not run out yet: its
        # rooms run nowhere anyone can reach until they are placed again, and are not
        # running now.
        b.placement.abandon()  # as a crash: no more beats, nothing released
        b.server.stop()
        while await cluster.client.exists(f"hearth:node:{b.id}"):
            await asyncio.sleep(0.05)
        for page in await pages(a, admin.cookies):
            found = cards(page)
            assert on_node(found["Thursday dads"]) is None
            assert not running(found["Thursday dads"])
            assert on_node(found["Tuesday mums"]) == a.id
            assert running(found["Tuesday mums"])
        # Redis down: the pages are still served, from the database, without nodes.
        cluster.redis.stop()
        for page in await pages(a, admin.cookies):
            found = cards(page)
            assert set(found) >= {"Tuesday mums", "Thursday dads", "Quiet group"}
            assert 'class="node"' not in page
            assert running(found["Tuesday mums"])  # its own room, from its own hub
    finally:
        await admin.aclose()


async def test_one_node_says_nothing_of_nodes(h: Harness) -> None:
    room_id, _ = await h.room(name="A lone group")
    await h.facilitator(room_id, name="Fran")
    _, admin = await h.staff("admin")
    try:
        for path in ("/staff", "/admin/rooms"):
            page = (await admin.get(path)).text
            assert "running now" in cards(page)["A lone group"]
            assert 'class="node"' not in page and "on node" not in page
    finally:
        await admin.aclose()
