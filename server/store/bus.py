"""The event bus: fan-out of room events within one process, or between processes via Redis.

One interface (:class:`Bus`, :class:`Subscription`), two implementations chosen by URL in
:func:`open_bus`: :class:`InProcessBus` (the embedded default) and :class:`RedisBus`. Both
keep the same contract, and ``tests/store/test_bus.py`` runs one suite against each:

* **Channels and payloads.** A channel is a non-empty ``str``; a payload is ``bytes``
  (what to put in it is the caller's business, e.g. an encoded ``server.protocol`` struct).
  Subscribers receive ``(channel, payload)`` pairs with the channel name as published.
* **Active on return.** ``await bus.subscribe(...)`` returns once the subscription is active:
  every publish that starts after it returns is delivered to it (barring the losses below).
* **Order.** A subscriber receives the messages of one publisher (one task awaiting each
  ``publish`` in turn) in publish order, across all the channels it subscribed to. There is
  no order between different publishers.
* **At most once, live only.** There is no history and no acknowledgement: a subscription
  receives what is published while it is active, each message once or not at all. Callers
  that need state (who is in a room, whether it is locked) read it from where it is kept
  and use the bus only to hear about changes.
* **A slow subscriber is dropped, never waited for.** Each subscription buffers up to
  ``max_pending`` undelivered messages (:data:`DEFAULT_MAX_PENDING`). If it falls further
  behind, the subscription is closed and its next ``get()`` raises :class:`BusOverflow`.
  Blocking the publisher instead would let one stuck consumer (say, a participant on a bad
  network) stall the room for everyone; silently discarding messages instead would leave
  that consumer acting on a view of the room it does not know is stale (a missed "muted"
  or "locked"). A dropped subscription makes the gap explicit: the consumer resubscribes
  and reloads state, or ends its session.
* **Closing.** ``Subscription.aclose()`` and ``Bus.aclose()`` are idempotent. After either,
  ``get()`` raises :class:`BusClosed` (also in a task already waiting in ``get()``),
  messages still buffered are discarded, and ``async for`` over the subscription ends.

Redis only:

* Redis pub/sub is fire-and-forget: **messages published while a subscriber's connection
  is down are lost**, and the subscriber is not told. A :class:`RedisBus` subscription
  reconnects and resubscribes by itself, with backoff, for as long as it is open; it
  receives again once resubscribed.
* While Redis is unreachable, ``publish`` and ``subscribe`` raise :class:`BusUnavailable`
  within the socket timeouts (no hanging), and ``ping()`` returns False.
"""

from __future__ import annotations

import abc
import asyncio
import collections
import contextlib
import logging
import random
import time
from collections.abc import AsyncIterator, Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self
from urllib.parse import urlsplit

from server.redis_conn import CONNECT_TIMEOUT, SOCKET_TIMEOUT, open_redis, redis_errors

if TYPE_CHECKING:
    # Only for type checking: redis is imported lazily by RedisBus so that the embedded
    # configuration (in-process bus) never needs it.
    from redis.asyncio import Redis
    from redis.asyncio.client import PubSub

__all__ = [
    "CHANNEL_PREFIX",
    "DEFAULT_MAX_PENDING",
    "Bus",
    "BusClosed",
    "BusError",
    "BusOverflow",
    "BusUnavailable",
    "InProcessBus",
    "InProcessSubscription",
    "RedisBus",
    "RedisSubscription",
    "Subscription",
    "TimedBus",
    "open_bus",
]

logger = logging.getLogger(__name__)
# Its own generator: the process-wide one is left alone for whatever else shares the process
# (a property test in the same worker otherwise sees its state move under it).
_JITTER = random.Random()

# Room events are small (a few hundred bytes) and a healthy consumer drains its buffer
# within milliseconds. 10,000 messages is minutes of a busy room's traffic and a few MB at
# most per subscription: a consumer that far behind is stuck, not slow.
DEFAULT_MAX_PENDING = 10_000

# Redis pub/sub channels are global to a Redis server (SELECT does not scope them), so a
# Redis shared with other applications, or with other Hearth deployments using a different
# prefix, needs a namespace. Every Redis channel this module touches is CHANNEL_PREFIX +
# the caller's channel name; callers never see the prefix.
CHANNEL_PREFIX = "hearth:"

# Resubscribe delays after a lost pub/sub connection: start fast (a Redis restart takes
# tens of milliseconds, and messages are lost for as long as we are not subscribed), then
# back off so that many subscriptions on many nodes do not hammer a Redis that is down.
REDIS_RECONNECT_FIRST_DELAY = 0.05
REDIS_RECONNECT_MAX_DELAY = 2.0

_MEMORY_SCHEMES = frozenset({"memory"})
_REDIS_SCHEMES = frozenset({"redis", "rediss", "unix"})


class BusError(Exception):
    """Base class of the errors this module raises."""


class BusClosed(BusError):
    """The bus or the subscription is closed; ``str(error)`` says which and why."""


class BusOverflow(BusClosed):
    """The subscription fell more than ``max_pending`` messages behind and was dropped.

    Messages were lost. The consumer must resubscribe and reload whatever state it derives
    from the bus (or end its session); see the module docstring for why the bus drops a
    slow subscriber rather than waiting for it.
    """


class BusUnavailable(BusError):
    """The backend (Redis) did not answer: the operation did not happen, or may not have.

    Raised by ``publish`` and ``subscribe`` while Redis is unreachable or frozen. Retrying
    later is safe; whether to retry is the caller's decision.
    """


class Subscription(Protocol):
    """A live subscription to one or more channels, returned by :meth:`Bus.subscribe`.

    One consumer task is expected to read it. Close it when done (``aclose()`` or
    ``async with``): an open subscription holds a buffer and, with Redis, a connection.
    """

    async def get(self) -> tuple[str, bytes]:
        """Wait for and return the next ``(channel, payload)``.

        Raises :class:`BusOverflow` if the subscription was dropped for falling behind, and
        :class:`BusClosed` once the subscription or its bus is closed.
        """
        ...

    async def aclose(self) -> None:
        """Stop delivery and release the buffer (and the Redis connection). Idempotent."""
        ...

    @property
    def gaps(self) -> int:
        """How many times delivery resumed after messages may have been lost (Redis: a
        lost connection, resubscribed). A consumer that derives state from the messages
        compares it with the value it last saw, and reloads that state when it grew."""
        ...

    def __aiter__(self) -> AsyncIterator[tuple[str, bytes]]:
        """Iterate over ``(channel, payload)`` until the subscription is closed.

        Iteration ends quietly on an orderly close; a dropped subscription raises
        :class:`BusOverflow`, because a lossy end must not look like an orderly one.
        """
        ...

    async def __anext__(self) -> tuple[str, bytes]: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...


class Bus(Protocol):
    """Publish/subscribe of byte payloads on named channels; see the module docstring."""

    async def publish(self, channel: str, payload: bytes) -> None:
        """Deliver ``payload`` to every subscription active on ``channel``.

        Returns when the message is handed over (to local subscribers' buffers, or to
        Redis); not when anyone has read it. Publishing to a channel without subscribers is
        not an error. Raises :class:`BusUnavailable` if Redis does not answer, and
        :class:`BusClosed` after :meth:`aclose`.
        """
        ...

    async def subscribe(self, *channels: str) -> Subscription:
        """Subscribe to ``channels`` (at least one) and return once the subscription is active.

        Raises :class:`BusUnavailable` if Redis does not answer, :class:`BusClosed` after
        :meth:`aclose`, and ``ValueError`` when no channel is given.
        """
        ...

    async def ping(self) -> bool:
        """Return True when the backend answers. Never raises; used by ``/readyz``."""
        ...

    async def aclose(self) -> None:
        """Close every subscription of this bus and release connections. Idempotent."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...


def open_bus(url: str | None, *, max_pending: int = DEFAULT_MAX_PENDING) -> Bus:
    """Return the bus for ``url`` without connecting to anything yet.

    * ``None``, ``""`` or ``"memory://"``: an :class:`InProcessBus` (one process only).
    * ``redis://``, ``rediss://`` (TLS) or ``unix://`` (a Unix socket): a :class:`RedisBus`,
      configured by the URL as redis-py's ``from_url`` documents. The ``redis`` package is
      imported only then.

    ``max_pending`` bounds each subscription's buffer (see :class:`BusOverflow`). Raises
    ``ValueError`` for any other scheme (the message never repeats the URL, which may hold a
    password).
    """
    if url is None or not url.strip():
        return InProcessBus(max_pending=max_pending)
    scheme = urlsplit(url.strip()).scheme.lower()
    if scheme in _MEMORY_SCHEMES:
        return InProcessBus(max_pending=max_pending)
    if scheme in _REDIS_SCHEMES:
        return RedisBus(url.strip(), max_pending=max_pending)
    raise ValueError(
        f"unsupported bus URL scheme {scheme!r}: expected memory://, redis://, rediss:// or unix://"
    )


def _channel_names(channels: Iterable[str]) -> tuple[str, ...]:
    """Validate channel names; drop duplicates, keeping the first occurrence."""
    names = tuple(dict.fromkeys(channels))
    if not names:
        raise ValueError("subscribe() needs at least one channel")
    for name in names:
        _check_channel(name)
    return names


def _check_channel(channel: str) -> None:
    if not isinstance(channel, str) or not channel:
        raise ValueError(f"a channel name is a non-empty str, not {channel!r}")
    # Redis channels are bytes: refuse in both implementations what Redis could not carry
    # (lone surrogates), rather than only in production.
    try:
        channel.encode()
    except UnicodeEncodeError:
        raise ValueError(f"a channel name must be encodable as UTF-8: {channel!r}") from None


def _payload_bytes(payload: bytes) -> bytes:
    # Both implementations must agree on what a payload is: Redis would silently encode a
    # str or an int, while the in-process bus would pass it through as is. bytearray and
    # memoryview are copied, so a publisher reusing its buffer cannot change a message
    # after publishing it.
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, bytearray | memoryview):
        return bytes(payload)
    raise TypeError(f"a bus payload is bytes, not {type(payload).__name__}")


def _check_max_pending(max_pending: int) -> int:
    if max_pending < 1:
        raise ValueError(f"max_pending must be at least 1, not {max_pending}")
    return max_pending


class _ClosedOnExit:
    """``async with`` gives the object itself and closes it (``aclose``) on the way out."""

    async def aclose(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


class _BufferedSubscription(_ClosedOnExit, abc.ABC):
    """The consumer side both implementations share: a bounded buffer and its closing.

    The producer (``InProcessBus.publish`` or the Redis reader task) calls
    :meth:`_deliver`; the consumer calls :meth:`get`. The buffer is a deque with an explicit
    bound rather than an ``asyncio.Queue`` because closing must wake a waiting ``get()`` even
    when the buffer is full, and must free the buffered messages at once.
    """

    def __init__(self, channels: tuple[str, ...], max_pending: int) -> None:
        self.channels = channels
        self._max_pending = max_pending
        self._buffer: collections.deque[tuple[str, bytes]] = collections.deque()
        self._changed = asyncio.Event()
        # Set once: the exception type and message every later get() raises.
        self._closed: tuple[type[BusClosed], str] | None = None
        self._gaps = 0

    @property
    def gaps(self) -> int:
        """See :attr:`Subscription.gaps`."""
        return self._gaps

    @property
    def closed(self) -> bool:
        """True once the subscription no longer delivers (closed or dropped)."""
        return self._closed is not None

    def _deliver(self, channel: str, payload: bytes) -> bool:
        """Buffer one message; drop the subscription if the buffer is full.

        Returns False when the subscription is closed (also: just dropped), so the producer
        can stop feeding it.
        """
        if self._closed is not None:
            return False
        if len(self._buffer) >= self._max_pending:
            logger.warning(
                "bus subscriber to %s fell %d messages behind; dropping it",
                ", ".join(self.channels),
                self._max_pending,
            )
            self._shut(
                BusOverflow,
                f"subscription dropped: more than {self._max_pending} messages were "
                "waiting to be read; messages were lost, resubscribe and reload state",
            )
            return False
        self._buffer.append((channel, payload))
        self._changed.set()
        return True

    def _shut(self, error: type[BusClosed], reason: str) -> None:
        """Stop delivery: discard the buffer and wake waiting consumers. First reason wins."""
        if self._closed is not None:
            return
        self._closed = (error, reason)
        self._buffer.clear()
        self._changed.set()

    async def get(self) -> tuple[str, bytes]:
        """See :meth:`Subscription.get`."""
        while not self._buffer:
            if self._closed is not None:
                error, reason = self._closed
                raise error(reason)
            self._changed.clear()
            await self._changed.wait()
        return self._buffer.popleft()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> tuple[str, bytes]:
        try:
            return await self.get()
        except BusOverflow:
            raise
        except BusClosed:
            raise StopAsyncIteration from None

    @abc.abstractmethod
    async def aclose(self) -> None:
        """See :meth:`Subscription.aclose`."""


class InProcessSubscription(_BufferedSubscription):
    """A subscription on an :class:`InProcessBus`."""

    def __init__(self, bus: InProcessBus, channels: tuple[str, ...], max_pending: int) -> None:
        super().__init__(channels, max_pending)
        self._bus = bus

    async def aclose(self) -> None:
        """See :meth:`Subscription.aclose`."""
        self._shut(BusClosed, "subscription closed")
        self._bus._forget(self)


class InProcessBus(_ClosedOnExit):
    """The bus within one process: publish hands the payload to each subscriber's buffer.

    Needs no other process and no connection; ``ping()`` is True until :meth:`aclose`.
    Per-instance state only: two instances are two separate buses.
    """

    def __init__(self, *, max_pending: int = DEFAULT_MAX_PENDING) -> None:
        self._max_pending = _check_max_pending(max_pending)
        self._subscribers: dict[str, set[InProcessSubscription]] = {}
        self._closed = False

    async def publish(self, channel: str, payload: bytes) -> None:
        """See :meth:`Bus.publish`. Never waits for a subscriber."""
        self._check_open()
        _check_channel(channel)
        payload = _payload_bytes(payload)
        # One scheduling point per publish, as with a real backend: a publisher in a tight
        # loop must let consumers run, or every buffer would overflow in a burst that a
        # Redis round trip per message would have paced. Yield before delivering, so a
        # publish cancelled here delivered nothing.
        await asyncio.sleep(0)
        self._check_open()
        # A copy: a subscriber dropped for overflow leaves the set during the loop.
        for subscription in tuple(self._subscribers.get(channel, ())):
            if not subscription._deliver(channel, payload):
                # Dropped: forget it now rather than when its consumer gets round to
                # aclose(), so a stuck consumer holds neither buffer nor publish time.
                self._forget(subscription)

    async def subscribe(self, *channels: str) -> InProcessSubscription:
        """See :meth:`Bus.subscribe`. Active immediately."""
        self._check_open()
        names = _channel_names(channels)
        subscription = InProcessSubscription(self, names, self._max_pending)
        for name in names:
            self._subscribers.setdefault(name, set()).add(subscription)
        return subscription

    async def ping(self) -> bool:
        """See :meth:`Bus.ping`: True until the bus is closed."""
        return not self._closed

    async def aclose(self) -> None:
        """See :meth:`Bus.aclose`."""
        if self._closed:
            return
        self._closed = True
        subscriptions = {s for subscribers in self._subscribers.values() for s in subscribers}
        self._subscribers.clear()
        for subscription in subscriptions:
            subscription._shut(BusClosed, "bus closed")

    def _check_open(self) -> None:
        if self._closed:
            raise BusClosed("bus closed")

    def _forget(self, subscription: InProcessSubscription) -> None:
        """Remove a closed or dropped subscription, so it costs nothing on later publishes."""
        for name in subscription.channels:
            subscribers = self._subscribers.get(name)
            if subscribers is not None:
                subscribers.discard(subscription)
                if not subscribers:
                    del self._subscribers[name]


class RedisSubscription(_BufferedSubscription):
    """A subscription on a :class:`RedisBus`: one pub/sub connection and one reader task.

    The reader task moves messages from the connection into the buffer. When the connection
    is lost it reconnects and resubscribes with backoff until the subscription is closed;
    messages published meanwhile are lost (Redis pub/sub keeps nothing for absent
    subscribers). If the reader falls ``max_pending`` behind the consumer, the subscription
    is dropped (:class:`BusOverflow`) as on the in-process bus; waiting instead would only
    move the backlog into Redis, which disconnects a pub/sub client whose output buffer
    outgrows ``client-output-buffer-limit pubsub``.
    """

    def __init__(self, bus: RedisBus, channels: tuple[str, ...], max_pending: int) -> None:
        super().__init__(channels, max_pending)
        self._bus = bus
        # Redis channel (prefixed, encoded as sent) -> channel name as the caller gave it.
        self._names = {(CHANNEL_PREFIX + name).encode(): name for name in channels}
        self._active: asyncio.Future[None] | None = None
        self._reader: asyncio.Task[None] | None = None
        self._failures = 0

    async def _start(self) -> None:
        """Start the reader and return once Redis confirmed every channel.

        Waiting for the confirmations (not merely sending SUBSCRIBE) is what makes
        "active on return" true: Redis may read a PUBLISH from another connection before
        this connection's SUBSCRIBE. Raises :class:`BusUnavailable` if the first connection
        or subscription fails; then no reconnecting is attempted.
        """
        loop = asyncio.get_running_loop()
        self._active = loop.create_future()
        self._reader = loop.create_task(
            self._run(), name=f"hearth bus reader {', '.join(self.channels)}"
        )
        await self._active

    async def aclose(self) -> None:
        """See :meth:`Subscription.aclose`. Returns once the connection is released."""
        self._shut(BusClosed, "subscription closed")
        self._bus._forget(self)
        reader = self._reader
        if reader is not None and not reader.done():
            reader.cancel()
            # wait() rather than awaiting the task: it neither raises the reader's
            # CancelledError here nor swallows a cancellation of the caller.
            await asyncio.wait([reader])

    async def _run(self) -> None:
        try:
            await self._read_until_closed()
        except Exception as error:
            # A bug, not an outage (those are handled inside): end the subscription loudly
            # rather than leave the consumer waiting on a reader that is gone.
            logger.exception("bus reader for %s failed", ", ".join(self.channels))
            self._fail_start(BusClosed(f"subscription reader failed: {error!r}"))
            self._shut(BusClosed, f"subscription reader failed: {error!r}")
        finally:
            self._shut(BusClosed, "subscription closed")
            self._bus._forget(self)

    async def _read_until_closed(self) -> None:
        # Looked up here, like everything from redis, so the in-process bus never needs it.
        errors = redis_errors()
        while True:
            pubsub = self._bus._redis.pubsub()
            try:
                await self._listen(pubsub)
                return  # the subscription was dropped for overflow
            except errors as error:
                if self._active is None or not self._active.done():
                    self._fail_start(
                        BusUnavailable(f"cannot subscribe via Redis at {self._bus.where}: {error}")
                    )
                    return
                self._failures += 1
                if self._failures == 1:
                    logger.warning(
                        "lost Redis pub/sub connection at %s (%s); resubscribing to %s. "
                        "Messages published until then are lost.",
                        self._bus.where,
                        error,
                        ", ".join(self.channels),
                    )
            finally:
                # Releases the connection to the pool, disconnected: it may be mid-reply.
                await pubsub.aclose()  # type: ignore[no-untyped-call,unused-ignore]  # untyped before redis 8
            await asyncio.sleep(_reconnect_delay(self._failures))

    async def _listen(self, pubsub: PubSub) -> None:
        """Subscribe on a fresh connection and deliver messages until dropped or failed."""
        await pubsub.subscribe(*self._names)
        unconfirmed = set(self._names)
        while True:
            # timeout=None blocks without the socket timeout: an idle subscription is
            # normal. A server that goes away closes the socket, which ends this read; a
            # silently vanished host is noticed by TCP keepalive (redis-py's default).
            message: dict[str, Any] | None = await pubsub.get_message(timeout=None)
            if message is None:
                continue
            kind = message["type"]
            if kind == "message":
                name = self._names.get(message["channel"])
                if name is not None and not self._deliver(name, message["data"]):
                    return
            elif kind == "subscribe" and unconfirmed:
                unconfirmed.discard(message["channel"])
                if not unconfirmed:
                    self._on_subscribed()

    def _on_subscribed(self) -> None:
        if self._active is not None and not self._active.done():
            self._active.set_result(None)
        elif self._failures:
            self._gaps += 1
            logger.info(
                "resubscribed to %s via Redis at %s after %d failed attempt(s)",
                ", ".join(self.channels),
                self._bus.where,
                self._failures - 1,
            )
        self._failures = 0

    def _fail_start(self, error: BusError) -> None:
        # Only reaches a subscribe() still waiting; a cancelled one has cancelled _active.
        if self._active is not None and not self._active.done():
            self._active.set_exception(error)


def _reconnect_delay(failures: int) -> float:
    """Exponential backoff with jitter, so subscriptions do not reconnect in lockstep."""
    ceiling = min(REDIS_RECONNECT_MAX_DELAY, REDIS_RECONNECT_FIRST_DELAY * 2 ** (failures - 1))
    return _JITTER.uniform(ceiling / 2, ceiling)


class RedisBus(_ClosedOnExit):
    """The bus across processes: Redis pub/sub, through one redis-py connection pool.

    ``publish`` and ``ping`` borrow a pooled connection; each subscription holds a pool
    connection of its own in pub/sub mode for its lifetime. Nothing connects until the
    first operation. Operations are not retried by redis-py: a PUBLISH retried after a lost
    reply could be delivered twice, and a bounded, quick failure
    (:class:`BusUnavailable`) is what callers and ``/readyz`` need.
    """

    def __init__(
        self,
        url: str,
        *,
        max_pending: int = DEFAULT_MAX_PENDING,
        # A publish or PING to a healthy Redis takes well under a millisecond: after two
        # seconds (server/redis_conn.py) fail with BusUnavailable; the caller decides.
        socket_timeout: float = SOCKET_TIMEOUT,
        connect_timeout: float = CONNECT_TIMEOUT,
    ) -> None:
        self._max_pending = _check_max_pending(max_pending)
        self.where = _describe_url(url)
        """The server as ``scheme://host:port`` or ``unix://path``: no credentials, for logs."""
        try:
            # No retry (a PUBLISH repeated after a lost reply could be delivered twice).
            # RESP2: pub/sub on a dedicated connection, as every Redis version supports it;
            # RESP3 push messages would gain nothing here.
            self._redis: Redis = open_redis(url, retries=0, timeout=socket_timeout,
                                            connect_timeout=connect_timeout)
        except ImportError as error:  # pragma: no cover - redis is a declared dependency
            raise ImportError(
                "a redis:// bus URL needs the 'redis' package (redis-py >= 5)"
            ) from error
        self._subscriptions: set[RedisSubscription] = set()
        self._closed = False

    async def publish(self, channel: str, payload: bytes) -> None:
        """See :meth:`Bus.publish`. Raises :class:`BusUnavailable` within the socket timeouts."""
        self._check_open()
        _check_channel(channel)
        payload = _payload_bytes(payload)
        try:
            await self._redis.publish(CHANNEL_PREFIX + channel, payload)
        except redis_errors() as error:
            raise BusUnavailable(f"cannot publish via Redis at {self.where}: {error}") from error

    async def subscribe(self, *channels: str) -> RedisSubscription:
        """See :meth:`Bus.subscribe`. Returns once Redis confirmed every channel."""
        self._check_open()
        names = _channel_names(channels)
        subscription = RedisSubscription(self, names, self._max_pending)
        self._subscriptions.add(subscription)
        try:
            await subscription._start()
            # aclose() ran while we waited: it did not see this subscription's connection.
            self._check_open()
        except BaseException:
            await subscription.aclose()
            raise
        return subscription

    async def ping(self) -> bool:
        """See :meth:`Bus.ping`: False while Redis is unreachable or frozen, or once closed."""
        if self._closed:
            return False
        try:
            return bool(await self._redis.ping())
        except Exception as error:
            # Never raise: /readyz turns False into 503, and an exception there into a 500.
            logger.debug("Redis at %s did not answer PING: %s", self.where, error)
            return False

    async def aclose(self) -> None:
        """See :meth:`Bus.aclose`. Closes every subscription, then the connection pool."""
        if self._closed:
            return
        self._closed = True
        subscriptions = tuple(self._subscriptions)
        self._subscriptions.clear()
        try:
            await asyncio.gather(*(s.aclose() for s in subscriptions))
        finally:
            await self._redis.aclose()

    def _check_open(self) -> None:
        if self._closed:
            raise BusClosed("bus closed")

    def _forget(self, subscription: RedisSubscription) -> None:
        self._subscriptions.discard(subscription)


class TimedBus(_ClosedOnExit):
    """Another bus, with each ``publish`` and ``ping`` timed: ``observe(op, seconds)``
    (``hearth_bus_seconds`` on /metrics). A failed publish is timed too: an outage shows
    as publishes taking the socket timeout. Subscriptions are the bus's own."""

    def __init__(self, bus: Bus, observe: Callable[[str, float], None]) -> None:
        self.bus = bus
        self._observe = observe

    async def publish(self, channel: str, payload: bytes) -> None:
        started = time.perf_counter()
        try:
            await self.bus.publish(channel, payload)
        finally:
            self._observe("publish", time.perf_counter() - started)

    async def subscribe(self, *channels: str) -> Subscription:
        return await self.bus.subscribe(*channels)

    async def ping(self) -> bool:
        started = time.perf_counter()
        try:
            return await self.bus.ping()
        finally:
            self._observe("ping", time.perf_counter() - started)

    async def aclose(self) -> None:
        await self.bus.aclose()


def _describe_url(url: str) -> str:
    """``url`` without user, password and query: safe to put in logs and error messages."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return f"unix://{parts.path}"
    with contextlib.suppress(ValueError):  # an out-of-range port; redis-py will complain
        return f"{parts.scheme}://{parts.hostname or 'localhost'}:{parts.port or 6379}"
    return f"{parts.scheme}://{parts.hostname or 'localhost'}"
