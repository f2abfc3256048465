"""A throwaway PostgreSQL database for the tests that are about PostgreSQL.

The server is the machine's own (127.0.0.1:5432, trust auth, database
``test``) unless ``HEARTH_TEST_POSTGRES_URL`` names another. Each test session
gets a fresh database that is dropped afterwards, so runs never see each
other's rows. Where no PostgreSQL answers, the tests skip with the reason;
under CI (``HEARTH_TEST_REQUIRE_POSTGRES=1``, set by .ci/run) they fail instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest

from bench import cluster_procs
from bench.cluster_procs import postgres_admin_url as admin_url

__all__ = ["admin_url", "create_database", "drop_database", "own_database",
           "required"]


def required() -> bool:
    return os.environ.get("HEARTH_TEST_REQUIRE_POSTGRES", "") not in ("", "0")


def create_database() -> tuple[str, str]:
    """Create a fresh database; returns (its URL, its name). Skips or fails if none answers."""
    url = admin_url()
    try:
        return cluster_procs.create_database(url)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        reason = f"PostgreSQL at {urlsplit(url).netloc} did not answer: {exc}"
        if required():
            pytest.fail(reason + " (required: HEARTH_TEST_REQUIRE_POSTGRES is set)")
        pytest.skip(reason)


def drop_database(name: str) -> None:
    cluster_procs.drop_database(admin_url(), name)


def own_database(kind: str, sqlite_path: Path) -> Iterator[str]:
    """For a fixture: a database of the test's own, ``"sqlite"`` (a file at
    ``sqlite_path``) or ``"postgres"`` (a new database, dropped afterwards): the shared
    PostgreSQL one is already at head, so migration and two-store tests need their own."""
    if kind == "sqlite":
        yield f"sqlite:///{sqlite_path}"
        return
    url, name = create_database()
    try:
        yield url
    finally:
        drop_database(name)
