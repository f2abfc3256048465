"""Token buckets, for HTTP requests per client address and WebSocket messages per connection.

Addresses are only ever dictionary keys in memory (ARCHITECTURE.md invariant 9):
never stored, never logged. The table is bounded so a spray of addresses
cannot grow memory without limit. With Redis configured, ``Limiter`` counts the HTTP
budgets (joins, logins) in Redis for every node at once, under keyed hashes of the
addresses and accounts (``KeyedHash``), and falls back to this process's count while
Redis is away (``Fallback``). The WebSockets per address (server/signaling/admission.py)
are counted across nodes with the same two.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING

from server.redis_conn import open_redis, redis_errors

if TYPE_CHECKING:
    from redis.asyncio import Redis


class TokenBucket:
    """``capacity`` tokens, refilled at ``rate`` per second; ``take`` spends one.

    ``now`` is passed in (seconds, monotonic) so tests control time.
    """

    __slots__ = ("capacity", "rate", "tokens", "updated")

    def __init__(self, capacity: float, rate: float, now: float) -> None:
        self.capacity = capacity
        self.rate = rate
        self.tokens = capacity
        self.updated = now

    def take(self, now: float, cost: float = 1.0) -> bool:
        elapsed = now - self.updated
        if elapsed > 0:
            self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
            self.updated = now
        if self.tokens >= cost:
            self.tokens -= cost
            return True
        return False


class KeyedLimiter:
    """One bucket per key (a client address), least recently used forgotten first."""

    def __init__(self, capacity: float, per_minute: float, max_keys: int = 50_000) -> None:
        self.capacity = capacity
        self.rate = per_minute / 60.0
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def allow(self, key: str, now: float) -> bool:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self.capacity, self.rate, now)
            if len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
        return bucket.take(now)


# -- shared across nodes ------------------------------------------------------------------

# One token bucket per key, as ``TokenBucket`` above, kept in a Redis hash (tokens, at) and
# changed only by this script, so concurrent requests on any number of nodes cannot race
# (the well-known token bucket in a Lua script, as in Stripe's write-up on rate limiters:
# the same burst-then-rate budget as in process, with none of a fixed window's double
# burst at the window's edge). The clock is Redis's own
# (TIME), so the nodes' clocks need not agree; a clock that stepped back refills nothing.
# KEYS: the buckets; ARGV[1] capacity, ARGV[2] tokens per second, ARGV[3] time to live in
# ms (a full refill: an idle bucket is gone when it would be full anyway). Takes a token
# from every bucket that has one; returns 1 for each that had, 0 for each that had not.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local answers = {}
for i, key in ipairs(KEYS) do
  local got = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = tonumber(got[1])
  local at = tonumber(got[2])
  local stamp = now
  if tokens == nil or at == nil then
    tokens = capacity
  elseif now > at then
    tokens = math.min(capacity, tokens + (now - at) * rate)
  else
    stamp = at
  end
  if tokens >= 1 then
    tokens = tokens - 1
    answers[i] = 1
  else
    answers[i] = 0
  end
  redis.call('HSET', key, 'tokens', tostring(tokens), 'at', tostring(stamp))
  redis.call('PEXPIRE', key, ARGV[3])
end
return answers
"""

# A limiter's Redis answers within a millisecond; a request waits at most this long for it
# before counting on this node alone.
REDIS_TIMEOUT = 0.5
# After Redis failed to answer, the limits are counted on this node only for this long
# before Redis is asked again: a Redis that hangs costs one request a timeout per interval,
# not every request.
RETRY_AFTER = 2.0
KEY_PREFIX = "hearth:limit:"

log = logging.getLogger("hearth.limits")


def open_limits_redis(url: str) -> Redis:
    """The limiters' client: short timeouts and no retry (a script repeated after a lost
    answer would spend a token twice)."""
    return open_redis(url, retries=0, timeout=REDIS_TIMEOUT)


class KeyedHash:
    """What Redis may hold of an address or an account: an HMAC of it under a key derived
    from HEARTH_SECRET_KEY (the same on every node, so every node finds the same Redis
    key) and ``purpose`` (so one count's keys say nothing of another's). Invariant 9: the
    address itself is never stored or logged."""

    __slots__ = ("_key",)

    def __init__(self, secret: str, purpose: str) -> None:
        self._key = hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).digest()

    def __call__(self, value: str) -> str:
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()[:32]


class Fallback:
    """Whether to ask Redis now, for a count kept in Redis and on this node alike.

    After Redis failed to answer, the count is this node's only for ``RETRY_AFTER``
    seconds before Redis is asked again (a Redis that hangs costs one request a timeout
    per interval, not every request); the outage and its end are logged once each, in
    words saying what ``what`` (e.g. "login rate limits") comes to meanwhile."""

    def __init__(self, what: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.what = what
        self._clock = clock
        self._retry_at = 0.0
        self.down = False

    def asking(self) -> bool:
        """False while Redis is left alone after a failure."""
        return self._clock() >= self._retry_at

    def failed(self, error: BaseException) -> None:
        self._retry_at = self._clock() + RETRY_AFTER
        if not self.down:
            self.down = True
            log.warning("Redis cannot be reached; %s are counted on this node only until "
                        "it answers: %s", self.what, type(error).__name__)

    def answered(self) -> None:
        if self.down:
            self.down = False
            self._retry_at = 0.0
            log.info("Redis answers again; %s are shared by every node again", self.what)


class Limiter:
    """Requests per key (a client address, an account): a burst of ``capacity``, refilled
    at ``per_minute``. Counted in Redis when one is given, so every node of a deployment
    spends from one budget (issue 12); else in this process (``KeyedLimiter``).

    **Redis down.** A limiter that let everything through while Redis is away would turn
    the login limit off whenever Redis restarts, which is exactly when nobody is watching
    the logins; one that refused everything would stop every parent joining and every
    member of staff logging in. So each node falls back to its own count, which it keeps
    all the time (every request is counted here as well as in Redis), so the fallback
    starts from what this node has seen, not from a fresh budget. While Redis is away the
    budget is per node, at most the number of nodes times the shared one, never unlimited;
    the outage and its end are logged once each, and Redis is asked again every
    ``RETRY_AFTER`` seconds.

    **What Redis holds.** Never an address or a username (invariant 9: no participant's
    address is stored): each bucket's key is an HMAC of it under a key derived from
    HEARTH_SECRET_KEY (the same on every node), and a bucket lives only until it would be
    full again (under a minute with the defaults).
    """

    def __init__(self, name: str, capacity: float, per_minute: float, *,
                 redis: Redis | None = None, secret: str = "",
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self.capacity = capacity
        self.per_second = per_minute / 60.0
        self._local = KeyedLimiter(capacity, per_minute)
        self._redis = redis
        self._hash = KeyedHash(secret, f"hearth rate limit {name}")
        self._take = redis.register_script(_TAKE) if redis is not None else None
        self._errors = redis_errors() if redis is not None else ()
        # A full refill and a second, in ms: an idle bucket is then as good as new.
        refill = capacity / self.per_second if self.per_second > 0 else 24 * 3600
        self._ttl_ms = math.ceil(refill * 1000) + 1000
        self._clock = clock
        self._fallback = Fallback(f"{name} rate limits", clock)

    @property
    def shared(self) -> bool:
        """True while counted in Redis (configured, and answering at the last request)."""
        return self._redis is not None and not self._fallback.down

    def bucket(self, key: str) -> str:
        """The Redis key of ``key``'s bucket: a keyed hash, never the address itself."""
        return f"{KEY_PREFIX}{self.name}:{self._hash(key)}"

    async def allow(self, *keys: str) -> bool:
        """Spend one request from each key's budget (all of them, as each is counted
        whatever the others say); True when every one of them had it."""
        now = self._clock()
        here = [self._local.allow(key, now) for key in keys]
        if self._take is None or not self._fallback.asking():
            return all(here)
        try:
            answers = await self._take(keys=[self.bucket(key) for key in keys],
                                       args=[self.capacity, self.per_second, self._ttl_ms])
        except self._errors as error:
            self._fallback.failed(error)
            return all(here)
        self._fallback.answered()
        return all(int(answer) == 1 for answer in answers)
