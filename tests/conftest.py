"""Fixtures shared by every test: a real Hearth server on a free port."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import (
    Harness,
    ServerThread,
    SuiteHarness,
    harness,
    suite_harness,
    test_settings,
)
from tests.redis_server import RedisServer

MakeServer = Callable[..., ServerThread]

# The tests that take minutes start first (pytest-xdist hands out work in collection order), so
# that none of them is still running alone at the end while the other workers sit idle: on two
# cores the three installs (one worker, one after another) take about six minutes, retraining
# the model two to four, the benchmark groups two or three each (scripts/test --durations=80).
SLOW_FIRST = (
    "tests/test_install.py",
    "tests/safeguarding/test_model.py::test_the_shipped_model_is_what_the_corpus_trains",
    "tests/bench/test_cluster_benchmarks.py",
    "tests/bench/test_calibrated_benchmarks.py",
    "tests/bench/test_benchmark_baselines.py",
    "tests/safeguarding/test_model_js.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        return next((i for i, first in enumerate(SLOW_FIRST) if item.nodeid.startswith(first)),
                    len(SLOW_FIRST))

    items.sort(key=rank)  # stable: everything else keeps its order


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """One server for the whole run; tests keep apart by using rooms of their own."""
    running = ServerThread(test_settings(tmp_path_factory.mktemp("hearth"))).start()
    yield running
    running.stop()


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[MakeServer]:
    """A private server with settings changed (rate limits, timeouts); stopped after the test."""
    started: list[ServerThread] = []

    def make(**overrides: Any) -> ServerThread:
        running = ServerThread(test_settings(tmp_path / f"s{len(started)}", **overrides)).start()
        started.append(running)
        return running

    yield make
    for running in started:
        running.stop()


@pytest.fixture
async def h(server: ServerThread) -> AsyncIterator[Harness]:
    async with harness(server) as value:
        yield value


@pytest.fixture
async def hs(server: ServerThread) -> AsyncIterator[SuiteHarness]:
    """The shared server with the richer helpers (separate browsers, pooled staff)."""
    async with suite_harness(server) as value:
        yield value


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this run (see tests/postgres.py)."""
    from tests.postgres import create_database, drop_database

    url, name = create_database()
    yield url
    drop_database(name)


@pytest.fixture
def own_postgres_url() -> Iterator[str]:
    """A PostgreSQL database of this test's own, dropped afterwards: for tests whose servers
    write rows (audit entries, places) that no fixture cleans out of the shared one."""
    from tests.postgres import create_database, drop_database

    url, name = create_database()
    yield url
    drop_database(name)


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
