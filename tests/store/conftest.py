"""Fixtures for the store tests: a private redis-server, and buses of both implementations.

``bus`` and ``make_bus`` are parametrized over the implementations, so one test function is
one contract check run against each: ``test_x[memory]`` and ``test_x[redis]``. The Redis
variant gets its own redis-server; the memory variant starts none.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from server.store.bus import Bus, open_bus
from tests.redis_server import RedisServer

BUS_BACKENDS = ["memory", "redis"]

MakeBus = Callable[..., Bus]
"""``make_bus(**options)``: open another bus on the same backend (options as open_bus)."""


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A private redis-server for this test, started and answering; removed afterwards.

    Function-scoped on purpose: fault tests stop, freeze and restart it, and starting one
    takes a few tens of milliseconds. Skips when redis-server is missing (fails under CI).
    """
    server = RedisServer()
    try:
        server.start()
        yield server
    finally:
        server.close()


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
