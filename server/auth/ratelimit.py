"""Token buckets, for HTTP requests per client address and WebSocket messages per connection.

Addresses are only ever dictionary keys in memory (ARCHITECTURE.md invariant 9):
never stored, never logged. The table is bounded so a spray of addresses
cannot grow memory without limit.
"""

from __future__ import annotations

from collections import OrderedDict


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
