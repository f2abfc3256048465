"""A private ``redis-server`` for tests, so fault tests can stop, freeze and restart it.

Tests never share a Redis with anything else: each :class:`RedisServer` runs its own
process on a free loopback port, in its own temporary directory, with persistence off
(``--save "" --appendonly no``) so a restart starts empty and nothing is written
outside the temporary directory. The class is bench/cluster_procs.py's (the benchmarks of
several nodes start their Redis with it too); what this module adds is the tests' answer
to a missing redis-server.

Typical use (fixtures live in ``tests/store/conftest.py``)::

    with RedisServer() as server:      # started and answering PING
        url = server.url
        server.stop()                  # connection refused from here on
        server.start()                 # same port, fresh empty server

``stop()`` and ``start()`` are synchronous: they block the caller (also an event loop)
for the few milliseconds a local redis-server needs. That is deliberate: a fault test
wants the outage to be in effect the moment ``stop()`` returns.
"""

from __future__ import annotations

import os
import shutil

import pytest

from bench import cluster_procs

REDIS_SERVER_ENV = "HEARTH_TEST_REDIS_SERVER"
"""Optional path to the redis-server binary; otherwise it is looked up on PATH."""


def redis_server_binary() -> str:
    """Return the path of ``redis-server``, or skip the calling test when it is missing.

    Under CI (environment variable ``CI`` set) a missing binary fails the test instead:
    a CI run that silently skipped every Redis test would pass without testing Redis.
    """
    path = shutil.which(os.environ.get(REDIS_SERVER_ENV) or "redis-server")
    if path is None:
        reason = (
            "redis-server is not installed (install the redis-server package, "
            f"or set {REDIS_SERVER_ENV}); the Redis bus tests need a real server"
        )
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return path


class RedisServer(cluster_procs.RedisServer):
    """bench/cluster_procs.py's private redis-server (shared with the benchmarks of several
    nodes), skipping the test (failing it under CI) where redis-server is missing."""

    def __init__(self, binary: str | None = None, port: int | None = None) -> None:
        super().__init__(binary or redis_server_binary(), port)
