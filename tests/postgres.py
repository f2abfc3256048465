"""A throwaway PostgreSQL database for the tests that are about PostgreSQL.

The server is the machine's own (127.0.0.1:5432, trust auth, database
``test``) unless ``HEARTH_TEST_POSTGRES_URL`` names another. Each test session
gets a fresh database that is dropped afterwards, so runs never see each
other's rows. Where no PostgreSQL answers, the tests skip with the reason;
under CI (``HEARTH_TEST_REQUIRE_POSTGRES=1``, set by .ci/run) they fail instead.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


def admin_url() -> str:
    return os.environ.get("HEARTH_TEST_POSTGRES_URL", DEFAULT_URL)


def required() -> bool:
    return os.environ.get("HEARTH_TEST_REQUIRE_POSTGRES", "") not in ("", "0")


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def _create(url: str, name: str) -> None:
    connection = await asyncpg.connect(url, timeout=5)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def _drop(url: str, name: str) -> None:
    connection = await asyncpg.connect(url, timeout=5)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def _run(coroutine: Coroutine[Any, Any, None]) -> None:
    # Fixtures may be set up from inside a running event loop: use a thread of our own.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coroutine).result()


def create_database() -> tuple[str, str]:
    """Create a fresh database; returns (its URL, its name). Skips or fails if none answers."""
    url = admin_url()
    name = f"hearth_test_{secrets.token_hex(4)}"
    try:
        _run(_create(url, name))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        reason = f"PostgreSQL at {urlsplit(url).netloc} did not answer: {exc}"
        if required():
            pytest.fail(reason + " (required: HEARTH_TEST_REQUIRE_POSTGRES is set)")
        pytest.skip(reason)
    return _with_database(url, name), name


def drop_database(name: str) -> None:
    _run(_drop(admin_url(), name))


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
