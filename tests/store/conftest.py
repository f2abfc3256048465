"""Fixtures for the store tests: the store on SQLite and PostgreSQL, a private redis-server,
and buses of both implementations.

``bus`` and ``make_bus`` are parametrized over the implementations, so one test function is
one contract check run against each: ``test_x[memory]`` and ``test_x[redis]``. The Redis
variant gets its own redis-server; the memory variant starts none.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from server.store.bus import Bus, open_bus
from server.store.db import SqlStore
from tests.harness import TEST_AUDIT_KEY
from tests.postgres import own_database
from tests.redis_server import RedisServer

BUS_BACKENDS = ["memory", "redis"]

MakeBus = Callable[..., Bus]
"""``make_bus(**options)``: open another bus on the same backend (options as open_bus)."""


@pytest.fixture(params=BUS_BACKENDS)
def bus_url(request: pytest.FixtureRequest) -> str:
    """The URL that selects each implementation in :func:`open_bus`."""
    if request.param == "memory":
        return "memory://"
    server: RedisServer = request.getfixturevalue("redis_server")
    return server.url


@pytest.fixture
async def make_bus(bus_url: str) -> AsyncIterator[MakeBus]:
    """Open buses on the parametrized backend; every one is closed after the test."""
    opened: list[Bus] = []

    def make(**options: int) -> Bus:
        bus = open_bus(bus_url, **options)
        opened.append(bus)
        return bus

    try:
        yield make
    finally:
        for bus in opened:
            await bus.aclose()


@pytest.fixture
def bus(make_bus: MakeBus) -> Bus:
    """A bus of each implementation, with default options."""
    return make_bus()


# Children first, so foreign keys never object.
TABLES = ("referrals", "directory", "escalation_notes", "escalations", "alerts", "audit",
          "bans", "invites", "room_staff", "staff_sessions", "rooms", "staff")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlStore]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'hearth.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    opened = SqlStore(url, audit_key=TEST_AUDIT_KEY)
    await opened.migrate()
    yield opened
    if request.param == "postgres":
        # The PostgreSQL database is shared by the session: leave it empty.
        async with opened.engine.begin() as connection:
            for table in TABLES:
                await connection.exec_driver_sql(f"DELETE FROM {table}")
            await connection.exec_driver_sql(
                "UPDATE audit_head SET seq = 0, hash = '" + "0" * 64 + "', mac = NULL")
    await opened.aclose()




@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables yet (the shared PostgreSQL one is already at head), for
    the migration tests."""
    yield from own_database(request.param, tmp_path / "older.db")
