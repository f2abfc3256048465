"""Choosing a node (pure), and the node registry against a real Redis."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from server.cli import _node
from server.cluster.nodes import NodeInfo, NodeRegistry
from server.cluster.placement import choose
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
