"""Room leases against a real Redis: acquire, renew, release, fencing, expiry."""

from __future__ import annotations

import asyncio
import contextlib

from redis.asyncio import Redis
from redis.exceptions import ConnectionError

from server.cluster import keys
from server.cluster.leases import Lease, Leases
from server.settings import Settings
from tests.redis_server import RedisServer

ROOM = "room-1"


async def test_the_first_node_takes_a_free_lease_and_the_second_is_told_who_holds_it(
        redis: Redis) -> None:
    leases = Leases(redis, ttl=5)
    taken, lease = await leases.acquire(ROOM, "node-a")
    assert taken and lease == Lease(ROOM, "node-a", 1)
    again, held = await leases.acquire(ROOM, "node-b")
    assert not again and held == lease
    assert await leases.get(ROOM) == lease
    assert 0 < await redis.pttl(keys.lease(ROOM)) <= 5000


async def test_a_default_lease_expires_within_ten_seconds(redis: Redis) -> None:
    leases = Leases(redis, ttl=Settings().lease_ttl)
    _, lease = await leases.acquire(ROOM, "node-a")
    assert 0 < await redis.pttl(keys.lease(ROOM)) <= 10_000
    assert (await leases.renew(lease)).held
    assert 0 < await redis.pttl(keys.lease(ROOM)) <= 10_000


async def test_renewal_extends_only_the_holders_lease(redis: Redis) -> None:
    leases = Leases(redis, ttl=1)
    _, lease = await leases.acquire(ROOM, "node-a")
    await redis.pexpire(keys.lease(ROOM), 100)
    assert (await leases.renew(lease)).held
    assert await redis.pttl(keys.lease(ROOM)) > 500
    forged = Lease(ROOM, "node-b", lease.token)
    lost = await leases.renew(forged)
    assert not lost.held and lost.owner == lease
    assert await leases.get(ROOM) == lease


async def test_a_stale_owner_can_neither_renew_nor_release_after_a_takeover(
        redis: Redis) -> None:
    leases = Leases(redis, ttl=0.2)
    _, old = await leases.acquire(ROOM, "node-a")
    # node-b takes over a dead node's lease, naming the value it replaces (fencing).
    taken, new = await Leases(redis, ttl=5).acquire(ROOM, "node-b", replacing=old)
    assert taken and new.node_id == "node-b" and new.token > old.token
    lost = await leases.renew(old)
    assert not lost.held and lost.owner == new
    assert not await leases.release(old)
    assert await leases.get(ROOM) == new
    # Replacing a value that is not the current one takes nothing.
    refused, held = await leases.acquire(ROOM, "node-c", replacing=old)
    assert not refused and held == new
    assert await leases.release(new)
    assert await leases.get(ROOM) is None


async def test_an_expired_lease_nobody_took_is_the_holders_again(redis: Redis) -> None:
    leases = Leases(redis, ttl=0.1)
    _, lease = await leases.acquire(ROOM, "node-a")
    await asyncio.sleep(0.25)
    assert await leases.get(ROOM) is None
    assert (await leases.renew(lease)).held
    assert await leases.get(ROOM) == lease


async def test_a_lease_someone_held_in_between_is_lost_even_if_free_now(
        redis: Redis) -> None:
    leases = Leases(redis, ttl=5)
    _, lease = await leases.acquire(ROOM, "node-a")
    await redis.delete(keys.lease(ROOM))  # expired
    _, other = await leases.acquire(ROOM, "node-b")
    assert await leases.release(other)  # node-b ran the room, then let it go
    lost = await leases.renew(lease)
    assert not lost.held and lost.owner is None
    assert await leases.get(ROOM) is None


async def test_after_redis_lost_its_data_the_holder_takes_its_lease_back(
        redis: Redis, redis_server: RedisServer) -> None:
    leases = Leases(redis, ttl=5)
    await leases.acquire("warm-up", "node-a")
    _, lease = await leases.acquire(ROOM, "node-a")
    redis_server.stop()
    redis_server.start()  # empty: no persistence in tests
    with contextlib.suppress(ConnectionError):
        await redis.ping()  # this client's pooled connection was cut: let it reconnect
    assert (await leases.renew(lease)).held
    assert await leases.get(ROOM) == lease
    # The fencing counter starts again from the holder's token: the next is newer.
    taken, newer = await leases.acquire(ROOM, "node-b", replacing=lease)
    assert taken and newer.token > lease.token


async def test_the_holder_mark_tells_a_failover_from_a_room_let_go(redis: Redis) -> None:
    leases = Leases(redis, ttl=5, memory=30)
    _, first = await leases.acquire(ROOM, "node-a")
    assert await leases.serve(first) is None  # nobody served it before
    # Nor is serving it again (a node back under its own HEARTH_NODE_ID): a restart.
    assert await leases.serve(first) is None
    assert (await leases.renew(first)).held
    assert 5_000 < await redis.pttl(keys.holder(ROOM)) <= 30_000  # outlives the lease
    # node-a stops without a word: node-b takes the room over and learns whose it was.
    taken, second = await leases.acquire(ROOM, "node-b", replacing=first)
    assert taken
    assert await leases.serve(second) == "node-a"
    # The stale node's release touches neither the lease nor the mark.
    assert not await leases.release(first)
    assert await redis.get(keys.holder(ROOM)) == b"node-b"
    # node-b lets it go cleanly: whoever takes the room up next is not taking it over.
    assert await leases.release(second)
    assert await redis.get(keys.holder(ROOM)) is None
    _, third = await leases.acquire(ROOM, "node-a")
    assert await leases.serve(third) is None



async def test_the_holder_mark_lives_as_long_as_the_memory_given(redis: Redis) -> None:
    # Placement gives Settings.empty_room_grace (15 minutes by default); the mark lives
    # that long past each take-up, mark and renewal, whatever the lease's own time.
    for memory in (Settings().empty_room_grace, 40.0):
        await redis.delete(keys.lease(ROOM), keys.holder(ROOM))
        leases = Leases(redis, ttl=5, memory=memory)
        taken, lease, before = await leases.take_up(ROOM, "node-a")
        assert taken and before is None
        assert memory * 1000 - 2_000 < await redis.pttl(keys.holder(ROOM)) <= memory * 1000
        await redis.pexpire(keys.holder(ROOM), 1_000)
        assert (await leases.renew(lease)).held
        assert memory * 1000 - 2_000 < await redis.pttl(keys.holder(ROOM)) <= memory * 1000
        await redis.pexpire(keys.holder(ROOM), 1_000)
        assert await leases.serve(lease) is None
        assert memory * 1000 - 2_000 < await redis.pttl(keys.holder(ROOM)) <= memory * 1000
        assert 0 < await redis.pttl(keys.lease(ROOM)) <= 5_000
    # With no memory at all it still outlives nothing less than the lease.
    await redis.delete(keys.lease(ROOM), keys.holder(ROOM))
    short = Leases(redis, ttl=5)
    await short.take_up(ROOM, "node-a")
    assert 4_000 < await redis.pttl(keys.holder(ROOM)) <= 5_000


async def test_taking_a_room_up_marks_its_holder_in_the_same_script(redis: Redis) -> None:
    leases = Leases(redis, ttl=5, memory=30)
    # Placing a room for another node leaves the mark alone: that node marks itself
    # when it takes the room up (serve).
    placed, for_a = await leases.acquire(ROOM, "node-a")
    assert placed and await redis.get(keys.holder(ROOM)) is None
    assert await leases.serve(for_a) is None
    # node-a stops without a word; node-b takes the room up and learns whose it was.
    taken, lease, before = await leases.take_up(ROOM, "node-b", replacing=for_a)
    assert taken and lease.node_id == "node-b" and lease.token > for_a.token
    assert before == "node-a"
    assert await redis.get(keys.holder(ROOM)) == b"node-b"
    # Held: nothing taken, the mark untouched.
    refused, held, nobody = await leases.take_up(ROOM, "node-c")
    assert not refused and held == lease and nobody is None
    assert await redis.get(keys.holder(ROOM)) == b"node-b"
    # A restart under the same node id takes its own room back: not a failover.
    again, back, same = await leases.take_up(ROOM, "node-b", replacing=lease)
    assert again and back.token > lease.token and same is None
    # Let go cleanly: whoever takes it up next is not taking it over.
    assert await leases.release(back)
    fresh, _, after_release = await leases.take_up(ROOM, "node-c")
    assert fresh and after_release is None


async def test_many_leases_are_read_in_one_go(redis: Redis) -> None:
    leases = Leases(redis, ttl=5)
    _, one = await leases.acquire("room-1", "node-a")
    _, two = await leases.acquire("room-2", "node-b")
    await redis.set(keys.lease("room-3"), "not a lease")
    assert await leases.get_many(["room-1", "room-2", "room-3", "room-4"]) == {
        "room-1": one, "room-2": two}
    assert await leases.get_many([]) == {}
