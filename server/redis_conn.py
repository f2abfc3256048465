"""Opening Redis, and the errors that mean it did not answer: one place for every client
Hearth makes (the bus, placement across nodes, the shared rate limits, ``hearth node``).

``redis`` is imported only when a client is opened or the errors are asked for, so the
embedded single-process default never loads it.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redis.asyncio import Redis

# A publish, PING or script on a healthy Redis takes well under a millisecond. Two seconds
# without an answer means Redis is gone or frozen, and a WebSocket handler or /readyz
# waiting longer than that helps nobody: fail, and let the caller decide.
SOCKET_TIMEOUT = 2.0
CONNECT_TIMEOUT = 2.0


def open_redis(url: str, *, retries: int = 1, timeout: float = SOCKET_TIMEOUT,
               connect_timeout: float | None = None) -> Redis:
    """A redis-py asyncio client (RESP2) with short socket timeouts, so an outage is a quick
    error rather than a hang. ``connect_timeout`` defaults to ``timeout``.

    ``retries``: how many times a command is sent again, at once, after a broken
    connection (never after a timeout, when Redis may have run it). The default, 1, is
    placement's: after a Redis restart every pooled connection is stale, and a hello
    should not be refused for that (its scripts are safe to run twice). Give 0 where a
    repeat would do harm: a PUBLISH delivered twice, a rate-limit token spent twice."""
    from redis.asyncio import Redis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError

    return Redis.from_url(
        url, socket_timeout=timeout,
        socket_connect_timeout=timeout if connect_timeout is None else connect_timeout,
        retry=Retry(NoBackoff(), retries=retries, supported_errors=(RedisConnectionError,)),
        protocol=2)


@functools.cache
def redis_errors() -> tuple[type[Exception], ...]:
    """What a redis-py call raises when Redis cannot be reached or refuses: ``RedisError``
    (timeouts and lost connections included) and ``OSError`` (a socket that failed below
    redis-py). For ``except redis_errors() as error:``."""
    from redis.exceptions import RedisError

    return (RedisError, OSError)
