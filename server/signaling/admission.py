"""How many WebSockets one address may hold, before and after saying hello.

One address once opened sockets until the server ran out of file descriptors,
and then everyone was refused. Counting per address caps what any one client can
take; counting sockets that have not said hello yet (per address and in all)
caps what a client without a valid token can take, since those sockets cost the
server while giving it nothing. The addresses are kept in memory only, for as long
as a socket from them is open (invariant 9: never stored or logged).

With several nodes (Redis configured) the caps per address hold for all of them
together: ``Gate`` counts each socket here and in Redis (server/cluster/sockets.py), under
a keyed hash of the address, and falls back to this node's count while Redis is away.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from server.auth.ratelimit import Fallback, KeyedHash, open_limits_redis
from server.cluster.node import ClusterPlacement
from server.cluster.placement import Placement
from server.cluster.sockets import COUNTED_FRESH, REFUSED, SocketCounts
from server.redis_conn import redis_errors
from server.settings import Settings

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger("hearth.ws")

_T = TypeVar("_T")

# How long a clean shutdown waits for Redis to take this node's counts out (else they
# expire by themselves within three beats).
CLOSE_WAIT = 1.0


@dataclass(slots=True)
class Admission:
    per_address: int
    waiting_per_address: int
    waiting_total: int
    _open: Counter[str] = field(default_factory=Counter)
    _waiting: Counter[str] = field(default_factory=Counter)

    def enter(self, address: str) -> bool:
        """Count a new socket from ``address``; False (and nothing counted) if over a cap."""
        if (self._open[address] >= self.per_address
                or self._waiting[address] >= self.waiting_per_address
                or self._waiting.total() >= self.waiting_total):
            return False
        self._open[address] += 1
        self._waiting[address] += 1
        return True

    def said_hello(self, address: str) -> None:
        _drop(self._waiting, address)

    def leave(self, address: str, *, waiting: bool) -> None:
        _drop(self._open, address)
        if waiting:
            _drop(self._waiting, address)

    def open_from(self, address: str) -> int:
        return self._open[address]

    def any_open(self) -> bool:
        return bool(self._open)

    def open_total(self) -> int:
        return self._open.total()

    def open_counts(self) -> Mapping[str, int]:
        return self._open

    def waiting_counts(self) -> Mapping[str, int]:
        return self._waiting


def _drop(counts: Counter[str], address: str) -> None:
    # Remove zeros so the counter holds only addresses with a socket open now.
    counts[address] -= 1
    if counts[address] <= 0:
        del counts[address]


class Gate:
    """What the endpoint asks: ``Admission`` on this node and, with Redis configured
    (``counts``), the caps per address for every node together
    (server/cluster/sockets.py). The cap on waiting sockets in all (``waiting_total``)
    stays per node: it guards this node's own descriptors and memory.

    This node's count is kept all along, Redis or not: a socket is counted here first
    (refused here, it would be refused by Redis too, which counts it among others), then
    in Redis. **Redis down** refuses nobody for that: as the shared rate limits do
    (``ratelimit.Fallback``), each node counts on its own until Redis answers again,
    asking it again every ``RETRY_AFTER`` seconds, and the outage and its end are logged
    once each. Meanwhile an address may hold its share on each node, never more, and the
    node's copy in Redis is rewritten from its own count at the next beat that reaches
    Redis (``dirty``), so nothing counted or missed during the outage lingers.

    The addresses stay in memory (``Admission``); Redis holds keyed hashes of them only
    (``ratelimit.KeyedHash``), for as long as a socket from them is open."""

    def __init__(self, local: Admission, counts: SocketCounts | None = None, *,
                 hashed: KeyedHash | None = None, redis: Redis | None = None) -> None:
        self.local = local
        self._counts = counts
        self._hashed = hashed
        self._redis = redis  # this gate's own client, closed with it
        self._errors: tuple[type[Exception], ...] = (
            redis_errors() if counts is not None else ())
        self._fallback = Fallback("WebSockets per address")
        # Redis's copy of this node's counts may differ from them: rewrite it at a beat.
        self._dirty = False
        # Redis calls under way, and how many were ever started: a rewrite that overlaps
        # one may be undone by it (its change lands before or after the rewrite), so the
        # copy stays dirty for the next beat.
        self._busy = 0
        self._started = 0
        self._closed = False

    @property
    def shared(self) -> bool:
        """True while counted in Redis (configured, and answering at the last try)."""
        return self._counts is not None and not self._fallback.down and not self._closed

    async def enter(self, address: str) -> bool:
        """Count a new socket from ``address``; False (and nothing counted) if over a cap."""
        if not self.local.enter(address):
            return False
        if not self._asking():
            return True
        assert self._counts is not None and self._hashed is not None
        answer = await self._ask(self._counts.enter(
            self._hashed(address), self.local.per_address, self.local.waiting_per_address))
        if answer == REFUSED:
            self.local.leave(address, waiting=True)
            return False
        if answer == COUNTED_FRESH and self.local.open_total() > 1:
            # Redis lost this node's other sockets (restarted empty) since the last beat.
            self._dirty = True
        return True

    async def said_hello(self, address: str) -> None:
        self.local.said_hello(address)
        if self._asking():
            assert self._counts is not None and self._hashed is not None
            await self._ask(self._counts.said_hello(self._hashed(address)))

    async def leave(self, address: str, *, waiting: bool) -> None:
        self.local.leave(address, waiting=waiting)
        if self._asking():
            assert self._counts is not None and self._hashed is not None
            await self._ask(self._counts.leave(self._hashed(address), waiting=waiting))

    def _asking(self) -> bool:
        """Whether to tell Redis of this change; a change it is not told of makes its
        copy dirty."""
        if self._counts is None or self._closed:
            return False
        if self._fallback.asking():
            return True
        self._dirty = True
        return False

    async def _ask(self, call: Awaitable[_T]) -> _T | None:
        """Redis's answer, or None when it did not give one (counted here only)."""
        self._busy += 1
        self._started += 1
        try:
            answer = await call
        except self._errors as error:
            self._fallback.failed(error)
            self._dirty = True
            return None
        except BaseException:  # cancelled: whether Redis took the change is not known
            self._dirty = True
            raise
        finally:
            self._busy -= 1
        self._fallback.answered()
        return answer

    async def beat(self) -> None:
        """At each of the node's heartbeats (``ClusterPlacement.on_beat``): keep this
        node's counts alive in Redis, and rewrite them from its own if they may be wrong.
        Also how an outage's end is found when no socket comes or goes."""
        if self._counts is None or self._closed:
            return
        try:
            present = await self._counts.renew()
            if self._dirty or (not present and self.local.any_open()):
                started, busy = self._started, self._busy
                hashed = self._hashed
                assert hashed is not None
                await self._counts.rewrite(
                    {hashed(address): n for address, n in self.local.open_counts().items()},
                    {hashed(address): n for address, n
                     in self.local.waiting_counts().items()})
                self._dirty = busy > 0 or self._started != started
        except self._errors as error:
            self._fallback.failed(error)
            self._dirty = True
            return
        self._fallback.answered()

    async def aclose(self) -> None:
        """Stop counting in Redis (sockets still closing are counted here only) and take
        this node's counts out of it: they stop counting now, not in three beats."""
        if self._counts is None or self._closed:
            return
        self._closed = True
        try:
            async with asyncio.timeout(CLOSE_WAIT):
                await self._counts.forget()
        except (TimeoutError, *self._errors) as error:  # type: ignore[misc]
            log.info("left the WebSocket counts in Redis to expire: %s",
                     type(error).__name__)
        finally:
            if self._redis is not None:
                await self._redis.aclose()


def gate_for(settings: Settings, placement: Placement, secret: str) -> Gate:
    """The endpoint's gate: shared through Redis when the node is one of several
    (``ClusterPlacement``), else this node's ``Admission`` alone, as before."""
    local = Admission(settings.ws_per_address, settings.ws_waiting_per_address,
                      settings.ws_waiting_total)
    if not isinstance(placement, ClusterPlacement) or settings.redis_url is None:
        return Gate(local)
    # The rate limits' client: short timeouts, and no command sent twice (a count added
    # twice would hold a place until the next rewrite).
    redis = open_limits_redis(settings.redis_url)
    counts = SocketCounts(redis, placement.node_id, placement.registry.ttl_ms)
    gate = Gate(local, counts, hashed=KeyedHash(secret, "hearth websockets per address"),
                redis=redis)
    placement.on_beat(gate.beat)
    return gate
