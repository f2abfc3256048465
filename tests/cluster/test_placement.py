"""Choosing a node (pure), and the node registry against a real Redis."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from server.cli import _node
from server.cluster import keys
from server.cluster.leases import Leases
from server.cluster.node import ClusterPlacement
from server.cluster.nodes import NodeInfo, NodeRegistry
from server.cluster.placement import (
    Here,
    LocalPlacement,
    Location,
    PlacementUnavailable,
    choose,
)
from server.redis_conn import open_redis
from server.settings import Settings
from tests.redis_server import RedisServer


def node(node_id: str, rooms: int = 0, **fields: object) -> NodeInfo:
    return NodeInfo(id=node_id, ws_url=f"ws://{node_id}/ws", rooms=rooms,
                    **fields)  # type: ignore[arg-type]


def chosen(nodes: list[NodeInfo], avoid: str | None = None) -> str | None:
    found = choose(nodes, avoid=avoid)
    return None if found is None else found.id


def test_the_least_loaded_node_gets_the_room() -> None:
    nodes = [node("a", 3), node("b", 1), node("c", 2)]
    assert choose(nodes) == nodes[1]
    # Rooms first, then CPU, then connections, then the id: the same answer everywhere.
    tied = [node("a", 1, cpu=0.9), node("b", 1, cpu=0.2, connections=40),
            node("c", 1, cpu=0.2, connections=3)]
    assert chosen(tied) == "c"
    assert chosen([node("b", 1), node("a", 1)]) == "a"


def test_draining_and_full_nodes_are_skipped() -> None:
    nodes = [node("a", 0, draining=True), node("b", 4, max_rooms=4), node("c", 9)]
    assert chosen(nodes) == "c"
    assert chosen(nodes, avoid="c") is None
    assert choose([node("a", 0, draining=True), node("b", 4, max_rooms=4)]) is None
    assert chosen([node("a", 99, max_rooms=0)]) == "a"  # 0: no limit
    assert choose([]) is None


async def test_a_node_is_alive_while_it_beats_and_dead_three_beats_after(
        redis: Redis) -> None:
    registry = NodeRegistry(redis, beat_every=0.1)
    await registry.beat(node("a", 2, connections=5, cpu=0.25, max_rooms=10))
    await registry.beat(node("b"))
    alive = await registry.alive()
    assert [n.id for n in alive] == ["a", "b"]
    assert alive[0] == node("a", 2, connections=5, cpu=0.25, max_rooms=10)
    for _ in range(4):
        await asyncio.sleep(0.1)
        await registry.beat(node("b"))
    assert [n.id for n in await registry.alive()] == ["b"]
    assert await registry.get("a") is None
    assert not await redis.sismember("hearth:nodes", "a")
    await registry.leave("b")
    assert await registry.alive() == []


async def test_draining_is_seen_at_once_and_kept_by_the_nodes_beat(redis: Redis) -> None:
    registry = NodeRegistry(redis, beat_every=1)
    await registry.beat(node("a"))
    assert await registry.set_draining("a", True)
    assert (await registry.get("a")).draining  # type: ignore[union-attr]
    assert await registry.beat(node("a"))  # the beat reads the mark and keeps it
    assert (await registry.get("a")).draining  # type: ignore[union-attr]
    await registry.set_draining("a", False)
    assert not await registry.beat(node("a"))
    assert not (await registry.get("a")).draining  # type: ignore[union-attr]
    # A node not running: the mark waits for it, and leaves no node hash behind.
    assert not await registry.set_draining("z", True)
    assert await registry.get("z") is None and await registry.beat(node("z"))


async def test_the_node_commands_list_drain_and_resume(redis: Redis,
                                                       redis_server: RedisServer) -> None:
    registry = NodeRegistry(redis, beat_every=1)
    await registry.beat(node("a", 2, connections=7, max_rooms=10))
    settings = Settings(redis_url=redis_server.url)
    listed = await _node(settings, "list", None)
    assert "node-a" not in listed and "a " in listed and "2/10" in listed and "ready" in listed
    assert "is draining" in await _node(settings, "drain", "a")
    assert "draining" in await _node(settings, "list", None)
    assert "takes new rooms again" in await _node(settings, "resume", "a")
    redis_server.stop()
    from server.cli import CommandError

    with pytest.raises(CommandError, match="Redis"):
        await _node(settings, "list", None)
    with pytest.raises(CommandError, match="HEARTH_REDIS_URL"):
        await _node(Settings(), "list", None)


def bare_placement(url: str, node_id: str, failovers: list[str],
                   running: frozenset[str] = frozenset()) -> ClusterPlacement:
    """A node's placement with no hub behind it: every room it claims counts as built;
    those of ``running`` have a facilitator in them."""
    return ClusterPlacement(
        open_redis(url), node_id=node_id, ws_url=f"ws://{node_id}/ws", max_rooms=0,
        lease_ttl=5, beat_every=1, holder_memory=60, load=lambda: (0, 0),
        is_live=lambda room_id: True, evict=lambda room_id, ws_url: None,
        on_failover=lambda: failovers.append(node_id), running=running.__contains__)


async def test_where_names_the_live_node_of_each_room_and_nothing_without_redis(
        redis: Redis, redis_server: RedisServer) -> None:
    assert await LocalPlacement().where(["r1"]) == {}
    # This node runs r1 and r5, a facilitator in r1 only (as its hub says now); node b
    # runs r2 and r6, with a facilitator in r2 (as its last beat said).
    placement = bare_placement(redis_server.url, "a", [], running=frozenset({"r1"}))
    try:
        await placement.beat()
        await NodeRegistry(redis, beat_every=1).beat(node("b"), live=["r2"])
        leases = Leases(redis, ttl=5)
        for room_id, node_id in (("r1", "a"), ("r2", "b"), ("r3", "dead"), ("r5", "a"),
                                 ("r6", "b")):
            assert (await leases.acquire(room_id, node_id))[0]
        assert await placement.where(["r1", "r2", "r3", "r4", "r5", "r6"]) == {
            "r1": Location("a", live=True), "r2": Location("b", live=True),
            "r5": Location("a", live=False), "r6": Location("b", live=False)}
        # Node b's word dies with it: its live set lives as long as its beat (three).
        lives = [await redis.pttl(keys.live("b")), await redis.pttl(keys.node("b"))]
        assert min(lives) > 2000 and abs(lives[0] - lives[1]) < 100, lives
        assert await placement.where([]) == {}
        assert await placement.where(["r4"]) == {}
        redis_server.stop()
        with pytest.raises(PlacementUnavailable, match="Redis"):
            await placement.where(["r1"])
    finally:
        placement.abandon()
        await placement.aclose()


async def test_a_room_taken_up_from_a_stopped_node_is_a_failover_once(
        redis: Redis, redis_server: RedisServer) -> None:
    failovers: list[str] = []
    placement = bare_placement(redis_server.url, "b", failovers)
    leases = Leases(redis, ttl=5, memory=60)
    try:
        # Node "gone" served r1 and stopped without a word (no heartbeat, lease held).
        assert (await leases.take_up("r1", "gone"))[0]
        assert await placement.claim("r1") == Here()
        assert failovers == ["b"]
        assert placement.took_over("r1") and not placement.took_over("r1")
        assert await redis.get(keys.holder("r1")) == b"b"
        # A room placed for this node by another (the lease names it, no mark yet), and
        # one nobody served: neither is a failover.
        assert (await leases.acquire("r2", "b"))[0]
        assert await placement.claim("r2") == Here()
        assert await redis.get(keys.holder("r2")) == b"b"
        assert await placement.claim("r3") == Here()
        assert failovers == ["b"]
        assert not placement.took_over("r2") and not placement.took_over("r3")
        # A room placed for this node after its last node stopped: a failover too.
        assert (await leases.take_up("r4", "gone"))[0]
        current = await leases.get("r4")
        assert (await leases.acquire("r4", "b", replacing=current))[0]
        assert await placement.claim("r4") == Here()
        assert failovers == ["b", "b"] and placement.took_over("r4")
    finally:
        await placement.aclose()
