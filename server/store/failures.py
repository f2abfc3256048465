"""What a failed database write says about itself (whether another try may succeed, and why
it failed in words fit for a log), and trying such a write again."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

__all__ = ["PASSING", "RETRY_DELAYS", "RETRY_FOR", "passing", "pause", "retrying", "why"]

log = logging.getLogger("hearth.store")
T = TypeVar("T")

# A write that failed for want of the database is tried again after these pauses (then every
# last one) for RETRY_FOR seconds from the first failure: long enough for SQLite's writer to
# let go or PostgreSQL to come back, short enough that a server closing does not wait long.
RETRY_DELAYS: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 4.0)
RETRY_FOR = 60.0

# Failures for want of the database (busy past its timeout, restarting, unreachable), which a
# later try may not meet, rather than because of what was written.
PASSING = (OperationalError, InterfaceError, OSError, TimeoutError)


def pause(tries: int) -> float:
    """The seconds to wait before the next try, after ``tries`` failed ones."""
    return RETRY_DELAYS[min(tries, len(RETRY_DELAYS) - 1)]


def passing(error: BaseException) -> bool:
    """Whether a write failed for want of the database (``PASSING``)."""
    return isinstance(error, PASSING)


def why(error: BaseException) -> str:
    """An error's cause without the statement and parameters SQLAlchemy adds to its
    message (parameters can be an alert's excerpt: never in logs, invariant 9)."""
    if isinstance(error, DBAPIError):
        return f"{type(error.orig).__name__}: {error.orig}"
    return f"{type(error).__name__}: {error}"


async def retrying(write: Callable[[], Awaitable[T]], what: str) -> T:
    """``write()`` until it succeeds, again after each passing failure (``PASSING``) for
    ``RETRY_FOR`` seconds; then, or at once for any other failure, its error is raised. For
    writes that may be repeated: one whose commit was sent but never answered (a connection
    lost at that moment) may have been written once already."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    tries = 0
    while True:
        try:
            return await write()
        except PASSING as error:
            if loop.time() - started >= RETRY_FOR:
                raise
            delay = pause(tries)
            tries += 1
            log.warning("the database did not take %s (%s); trying again in %.2g s", what,
                        why(error), delay)
            await asyncio.sleep(delay)
