"""The bus contract, checked against both implementations, plus Redis fault tests.

Every test taking ``bus`` or ``make_bus`` runs twice: ``[memory]`` (InProcessBus) and
``[redis]`` (RedisBus on a private redis-server). The ``test_redis_*`` tests at the end are
Redis-only: prefixing, connection release, and what happens when the server stops, freezes
and comes back. Nothing is mocked.

Timeouts in here (``within``) guard against hangs so a broken bus fails instead of stalling
the suite; they are generous and never assert how fast anything is.
"""

from __future__ import annotations

import asyncio
import gc
import os
import weakref
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, TypeVar

import pytest
from redis.asyncio import Redis

from server.store.bus import (
    CHANNEL_PREFIX,
    Bus,
    BusClosed,
    BusOverflow,
    BusUnavailable,
    InProcessBus,
    RedisBus,
    Subscription,
    open_bus,
)
from tests.redis_server import RedisServer

if TYPE_CHECKING:
    # Annotations only: importing a conftest at run time would load it a second time.
    from tests.store.conftest import MakeBus

T = TypeVar("T")

# Generous: only a hung bus takes this long. A local Redis round trip is well under 1 ms.
HANG_GUARD = 10.0
# Short client-side timeouts for the fault tests, so a frozen Redis fails them quickly.
FAULT_TIMEOUT = 0.5


async def within(awaitable: Awaitable[T], seconds: float = HANG_GUARD) -> T:
    """Await with a hang guard."""
    async with asyncio.timeout(seconds):
        return await awaitable


async def receive(subscription: Subscription, count: int) -> list[tuple[str, bytes]]:
    """The next ``count`` messages, with a hang guard."""
    async with asyncio.timeout(HANG_GUARD):
        return [await subscription.get() for _ in range(count)]


async def publish_all(bus: Bus, channel: str, payloads: list[bytes]) -> None:
    for payload in payloads:
        await bus.publish(channel, payload)


def numbered(count: int, prefix: str = "m") -> list[bytes]:
    return [f"{prefix}{i}".encode() for i in range(count)]


# --- the contract, both implementations -------------------------------------------------


async def test_publish_reaches_subscriber(bus: Bus) -> None:
    subscription = await bus.subscribe("room:1")
    await bus.publish("room:1", b"hello")
    assert await receive(subscription, 1) == [("room:1", b"hello")]


async def test_1000_messages_arrive_in_publish_order(bus: Bus) -> None:
    subscription = await bus.subscribe("room:1")
    payloads = numbered(1000)
    await publish_all(bus, "room:1", payloads)
    received = await receive(subscription, 1000)
    assert [payload for _, payload in received] == payloads


async def test_order_holds_while_the_consumer_reads_concurrently(bus: Bus) -> None:
    subscription = await bus.subscribe("room:1")
    payloads = numbered(1000)
    consumer = asyncio.create_task(receive(subscription, 1000))
    await publish_all(bus, "room:1", payloads)
    received = await within(consumer)
    assert [payload for _, payload in received] == payloads


async def test_one_subscription_to_several_channels_keeps_publish_order(bus: Bus) -> None:
    subscription = await bus.subscribe("room:1", "room:2", "room:1")  # duplicate is harmless
    await bus.publish("room:1", b"a")
    await bus.publish("room:2", b"b")
    await bus.publish("room:3", b"not subscribed")
    await bus.publish("room", b"not subscribed either: channels are names, not prefixes")
    await bus.publish("room:2", b"c")
    await bus.publish("room:1", b"d")
    assert await receive(subscription, 4) == [
        ("room:1", b"a"),
        ("room:2", b"b"),
        ("room:2", b"c"),
        ("room:1", b"d"),
    ]


async def test_every_subscriber_gets_every_message(bus: Bus) -> None:
    subscriptions = [await bus.subscribe("room:1") for _ in range(3)]
    other = await bus.subscribe("room:2")
    payloads = numbered(200)
    consumers = [asyncio.create_task(receive(s, len(payloads))) for s in subscriptions]
    await publish_all(bus, "room:1", payloads)
    await bus.publish("room:2", b"marker")
    for consumer in consumers:
        assert [payload for _, payload in await within(consumer)] == payloads
    # The subscriber to another channel got none of room:1's messages: the marker is first.
    assert await receive(other, 1) == [("room:2", b"marker")]


async def test_aclose_stops_delivery_and_frees_the_subscription(bus: Bus) -> None:
    closing = await bus.subscribe("room:1")
    staying = await bus.subscribe("room:1")
    await closing.aclose()
    await bus.publish("room:1", b"after")

    assert await receive(staying, 1) == [("room:1", b"after")]
    with pytest.raises(BusClosed, match="subscription closed"):
        await within(closing.get())
    # Nothing in the bus keeps a closed subscription (or its buffer) alive.
    reference = weakref.ref(closing)
    del closing
    gc.collect()
    assert reference() is None


async def test_aclose_wakes_a_consumer_waiting_in_get(bus: Bus) -> None:
    subscription = await bus.subscribe("room:1")
    waiting = asyncio.create_task(subscription.get())
    await asyncio.sleep(0.01)  # let it start waiting
    await subscription.aclose()
    with pytest.raises(BusClosed):
        await within(waiting)


async def test_async_for_ends_quietly_when_the_subscription_closes(bus: Bus) -> None:
    subscription = await bus.subscribe("room:1")
    collected: list[bytes] = []
    got_both = asyncio.Event()

    async def collect() -> None:
        async for _, payload in subscription:
            collected.append(payload)
            if len(collected) == 2:
                got_both.set()

    collector = asyncio.create_task(collect())
    await publish_all(bus, "room:1", [b"one", b"two"])
    await within(got_both.wait())
    await subscription.aclose()
    await within(collector)  # ended without raising
    assert collected == [b"one", b"two"]


async def test_subscription_aclose_is_idempotent_and_a_context_manager(bus: Bus) -> None:
    async with await bus.subscribe("room:1") as subscription:
        await bus.publish("room:1", b"inside")
        assert await receive(subscription, 1) == [("room:1", b"inside")]
    await subscription.aclose()
    await subscription.aclose()
    with pytest.raises(BusClosed):
        await within(subscription.get())


async def test_binary_payloads_arrive_byte_for_byte(bus: Bus) -> None:
    payloads = [
        b"",
        bytes(range(256)),
        b"\x00" * 64,
        b"*3\r\n$7\r\nmessage\r\n",  # looks like RESP: must stay opaque
        "grüß dich 👋".encode(),
        os.urandom(1 << 20),  # 1 MiB
    ]
    subscription = await bus.subscribe("room:1")
    await publish_all(bus, "room:1", payloads)
    received = await receive(subscription, len(payloads))
    assert [payload for _, payload in received] == payloads


async def test_bytearray_and_memoryview_are_published_as_bytes(bus: Bus) -> None:
    subscription = await bus.subscribe("room:1")
    buffer = bytearray(b"first")
    await bus.publish("room:1", buffer)  # type: ignore[arg-type]
    buffer[:] = b"reuse"  # the publisher reuses its buffer: the message must not change
    await bus.publish("room:1", memoryview(b"second"))  # type: ignore[arg-type]
    received = await receive(subscription, 2)
    assert received == [("room:1", b"first"), ("room:1", b"second")]
    assert all(type(payload) is bytes for _, payload in received)


async def test_channel_names_arrive_as_published(bus: Bus) -> None:
    names = ["salle:é", "room with spaces", "room:*", "room:?", "r" * 500]
    subscription = await bus.subscribe(*names)
    for name in names:
        await bus.publish(name, name.encode())
    assert await receive(subscription, len(names)) == [(name, name.encode()) for name in names]


async def test_publish_without_subscribers_is_fine(bus: Bus) -> None:
    await bus.publish("nobody:listens", b"hello?")
    subscription = await bus.subscribe("nobody:listens")
    await bus.publish("nobody:listens", b"now someone does")
    # The earlier message was not kept for a later subscriber.
    assert await receive(subscription, 1) == [("nobody:listens", b"now someone does")]


async def test_ping_is_true_while_open(bus: Bus) -> None:
    assert await within(bus.ping()) is True


async def test_bus_aclose_closes_everything_and_is_idempotent(bus: Bus) -> None:
    subscription = await bus.subscribe("room:1")
    waiting = asyncio.create_task(subscription.get())
    await asyncio.sleep(0.01)

    await within(bus.aclose())
    await within(bus.aclose())

    with pytest.raises(BusClosed):
        await within(waiting)
    with pytest.raises(BusClosed):
        await bus.publish("room:1", b"too late")
    with pytest.raises(BusClosed):
        await bus.subscribe("room:1")
    assert await bus.ping() is False
    await subscription.aclose()  # closing a subscription of a closed bus is fine too


async def test_bus_is_an_async_context_manager(bus_url: str) -> None:
    async with open_bus(bus_url) as bus:
        subscription = await bus.subscribe("room:1")
        await bus.publish("room:1", b"x")
        assert await receive(subscription, 1) == [("room:1", b"x")]
    with pytest.raises(BusClosed):
        await within(subscription.get())


async def test_invalid_arguments_are_refused(bus: Bus) -> None:
    with pytest.raises(ValueError, match="at least one channel"):
        await bus.subscribe()
    with pytest.raises(ValueError, match="non-empty str"):
        await bus.subscribe("")
    with pytest.raises(ValueError, match="non-empty str"):
        await bus.publish("", b"x")
    with pytest.raises(ValueError, match="UTF-8"):
        await bus.publish("room:\udc00", b"x")
    with pytest.raises(TypeError, match="bytes"):
        await bus.publish("room:1", "text")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_pending"):
        open_bus("memory://", max_pending=0)


async def test_a_slow_subscriber_is_dropped_and_blocks_no_one(make_bus: MakeBus) -> None:
    bus = make_bus(max_pending=16)
    slow = await bus.subscribe("room:1")  # never reads while the burst goes out
    fast = await bus.subscribe("room:1")
    payloads = numbered(200)

    consumer = asyncio.create_task(receive(fast, len(payloads)))
    await within(publish_all(bus, "room:1", payloads))  # the publisher never waited
    assert [payload for _, payload in await within(consumer)] == payloads

    # Give the Redis reader a moment to finish its burst (instant in memory).
    await asyncio.sleep(0.1)
    drained: list[bytes] = []
    with pytest.raises(BusOverflow, match="more than 16 messages"):
        async with asyncio.timeout(HANG_GUARD):
            async for _, payload in slow:  # a lossy end is not a quiet one
                drained.append(payload)
    assert len(drained) < len(payloads)
    with pytest.raises(BusOverflow):  # and it stays dropped
        await slow.get()
    # The bus let go of it already, although its consumer never called aclose().
    reference = weakref.ref(slow)
    del slow
    gc.collect()
    assert reference() is None

    # The bus is fine: a new subscription works.
    again = await bus.subscribe("room:1")
    await bus.publish("room:1", b"after")
    assert await receive(again, 1) == [("room:1", b"after")]


# --- choosing an implementation ---------------------------------------------------------


@pytest.mark.parametrize("url", [None, "", "memory://", "MEMORY://"])
async def test_open_bus_without_redis_is_in_process(url: str | None) -> None:
    async with open_bus(url) as bus:
        assert isinstance(bus, InProcessBus)


@pytest.mark.parametrize(
    "url", ["redis://localhost:6379/0", "rediss://cache.example:6380", "unix:///run/redis.sock"]
)
async def test_open_bus_with_redis_url_is_redis_and_connects_lazily(url: str) -> None:
    async with open_bus(url) as bus:  # nothing listens there: constructing must not connect
        assert isinstance(bus, RedisBus)


def test_open_bus_refuses_other_schemes_without_echoing_secrets() -> None:
    with pytest.raises(ValueError, match="unsupported bus URL scheme 'postgres'") as raised:
        open_bus("postgres://user:s3cret@db.example/hearth")
    assert "s3cret" not in str(raised.value)


async def test_redis_errors_never_echo_credentials() -> None:
    # Port 1 on loopback: connection refused at once.
    async with RedisBus("redis://hearth:s3cret@127.0.0.1:1/0") as bus:
        assert bus.where == "redis://127.0.0.1:1"
        with pytest.raises(BusUnavailable) as raised:
            await within(bus.publish("room:1", b"x"))
        assert "s3cret" not in str(raised.value)
        assert "127.0.0.1:1" in str(raised.value)


# --- Redis only -------------------------------------------------------------------------


@asynccontextmanager
async def raw_redis(server: RedisServer) -> AsyncIterator[Redis]:
    """A plain redis-py client, to look at the server from outside the bus."""
    client = Redis.from_url(server.url)
    try:
        yield client
    finally:
        await client.aclose()


@asynccontextmanager
async def fault_bus(server: RedisServer, url: str | None = None) -> AsyncIterator[RedisBus]:
    """A RedisBus with short socket timeouts, so a frozen server fails it quickly."""
    bus = RedisBus(url or server.url, socket_timeout=FAULT_TIMEOUT, connect_timeout=FAULT_TIMEOUT)
    try:
        yield bus
    finally:
        await within(bus.aclose())


async def numsub(client: Redis, channel: str) -> int:
    [(_, count)] = await client.pubsub_numsub(CHANNEL_PREFIX + channel)
    return int(count)


async def wait_until_numsub(client: Redis, channel: str, expected: int) -> None:
    """Poll: Redis notices a closed connection asynchronously."""
    async with asyncio.timeout(HANG_GUARD):
        while await numsub(client, channel) != expected:
            await asyncio.sleep(0.01)


async def test_redis_channels_carry_the_prefix(redis_server: RedisServer) -> None:
    async with fault_bus(redis_server) as bus, raw_redis(redis_server) as client:
        subscription = await bus.subscribe("room:1")
        assert await numsub(client, "room:1") == 1
        await client.publish("room:1", b"unprefixed: someone else's channel")
        await client.publish(CHANNEL_PREFIX + "room:1", b"prefixed")
        assert await receive(subscription, 1) == [("room:1", b"prefixed")]


async def test_redis_subscription_aclose_releases_its_connection(
    redis_server: RedisServer,
) -> None:
    async with fault_bus(redis_server) as bus, raw_redis(redis_server) as client:
        subscriptions = [await bus.subscribe("room:1") for _ in range(3)]
        assert await numsub(client, "room:1") == 3
        for subscription in subscriptions:
            await subscription.aclose()
        await wait_until_numsub(client, "room:1", 0)


async def test_redis_subscribe_returns_only_once_redis_confirmed(
    redis_server: RedisServer,
) -> None:
    # Redis may run a PUBLISH from another connection before this connection's SUBSCRIBE,
    # so "active on return" takes Redis's confirmation, not just a sent command. On a
    # healthy local server the race is too narrow to see; a frozen server makes it visible.
    async with RedisBus(redis_server.url) as bus:  # default timeouts outlast the freeze
        await bus.publish("warm", b"")  # a pooled connection: no handshake while frozen
        redis_server.pause()
        try:
            subscribing = asyncio.create_task(bus.subscribe("room:1"))
            await asyncio.sleep(0.3)
            assert not subscribing.done()
        finally:
            redis_server.resume()
        subscription = await within(subscribing)
        await bus.publish("room:1", b"confirmed")
        assert await receive(subscription, 1) == [("room:1", b"confirmed")]


async def test_redis_over_a_unix_socket(redis_server: RedisServer) -> None:
    async with open_bus(redis_server.unix_url) as bus:
        assert isinstance(bus, RedisBus)
        assert await within(bus.ping()) is True
        subscription = await bus.subscribe("room:1")
        await bus.publish("room:1", b"via socket")
        assert await receive(subscription, 1) == [("room:1", b"via socket")]


async def test_redis_down_ping_false_publish_unavailable_then_recovers(
    redis_server: RedisServer,
) -> None:
    async with fault_bus(redis_server) as bus:
        assert await bus.ping() is True
        await bus.publish("room:1", b"warm the pool")  # leaves a pooled connection to go stale

        redis_server.stop()
        assert await within(bus.ping()) is False
        with pytest.raises(BusUnavailable, match="cannot publish via Redis"):
            await within(bus.publish("room:1", b"lost"))
        with pytest.raises(BusUnavailable, match="cannot subscribe via Redis"):
            await within(bus.subscribe("room:1"))

        redis_server.start()
        assert await within(bus.ping()) is True
        subscription = await bus.subscribe("room:1")
        await bus.publish("room:1", b"back")
        assert await receive(subscription, 1) == [("room:1", b"back")]


async def test_redis_subscription_survives_a_restart(redis_server: RedisServer) -> None:
    async with fault_bus(redis_server) as bus:
        subscription = await bus.subscribe("room:1")
        await bus.publish("room:1", b"before")
        assert await receive(subscription, 1) == [("room:1", b"before")]

        redis_server.stop()
        await asyncio.sleep(0.2)  # the reader notices and starts backing off
        redis_server.start()

        # Resubscribing takes up to one backoff delay; until then messages are lost
        # (pub/sub semantics), so probe until one arrives.
        async with asyncio.timeout(HANG_GUARD):
            while True:
                await bus.publish("room:1", b"probe")
                try:
                    async with asyncio.timeout(0.1):
                        if await subscription.get() == ("room:1", b"probe"):
                            break
                except TimeoutError:
                    continue

        payloads = numbered(100, prefix="after")
        await publish_all(bus, "room:1", payloads)
        got: list[bytes] = []
        async with asyncio.timeout(HANG_GUARD):
            while len(got) < len(payloads):
                _, payload = await subscription.get()
                if payload != b"probe":  # a late duplicate probe is not a lost message
                    got.append(payload)
        assert got == payloads


async def test_redis_frozen_server_makes_publish_fail_not_hang(
    redis_server: RedisServer,
) -> None:
    async with fault_bus(redis_server) as bus:
        subscription = await bus.subscribe("room:1")
        redis_server.pause()
        try:
            assert await within(bus.ping()) is False
            with pytest.raises(BusUnavailable):
                await within(bus.publish("room:1", b"into the void"))
        finally:
            redis_server.resume()
        assert await within(bus.ping()) is True
        # The subscription's connection never broke: it just saw nothing for a while.
        await bus.publish("room:1", b"thawed")
        assert await receive(subscription, 1) == [("room:1", b"thawed")]


async def test_redis_bus_aclose_while_resubscribing(redis_server: RedisServer) -> None:
    bus = RedisBus(redis_server.url, socket_timeout=FAULT_TIMEOUT, connect_timeout=FAULT_TIMEOUT)
    subscription = await bus.subscribe("room:1")
    waiting = asyncio.create_task(subscription.get())
    redis_server.stop()
    await asyncio.sleep(0.2)  # the reader is now in its reconnect loop
    await within(bus.aclose())
    with pytest.raises(BusClosed):
        await within(waiting)
