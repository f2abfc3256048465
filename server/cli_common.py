"""What the command line's modules share (``server/cli.py`` and its ``cli_*.py``): the one
error an operator is shown, and the store a command works on.

Kept apart from ``server/cli.py`` so its sub-modules can raise ``CommandError`` without
importing the whole command line (``server.cli`` re-exports it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from server.settings import Settings
from server.storage import open_store
from server.store.db import SqlStore

__all__ = ["CLI_ACTOR", "CommandError", "opened_store"]

# Who the audit chain names for a change made at the command line.
CLI_ACTOR = "command line"


class CommandError(Exception):
    """Something the operator asked for that cannot be done: one ``error:`` line, exit 1."""


@asynccontextmanager
async def opened_store(settings: Settings) -> AsyncIterator[SqlStore]:
    """The migrated store (``open_store``) for one command, closed when it is done."""
    store = await open_store(settings)
    try:
        yield store
    finally:
        await store.aclose()
