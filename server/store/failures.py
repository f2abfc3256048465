"""What a failed database write says about itself: whether another try may succeed, and why
it failed in words fit for a log."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

__all__ = ["PASSING", "passing", "why"]

# Failures for want of the database (busy past its timeout, restarting, unreachable), which a
# later try may not meet, rather than because of what was written.
PASSING = (OperationalError, InterfaceError, OSError, TimeoutError)


def passing(error: BaseException) -> bool:
    """Whether a write failed for want of the database (``PASSING``)."""
    return isinstance(error, PASSING)


def why(error: BaseException) -> str:
    """An error's cause without the statement and parameters SQLAlchemy adds to its
    message (parameters can be an alert's excerpt: never in logs, invariant 9)."""
    if isinstance(error, DBAPIError):
        return f"{type(error.orig).__name__}: {error.orig}"
    return f"{type(error).__name__}: {error}"
