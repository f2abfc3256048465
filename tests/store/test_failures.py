"""Trying a write again when the database is busy or away (server/store/failures.py)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from server.store import failures
from server.store.failures import passing, retrying, why

LOCKED = OperationalError("BEGIN IMMEDIATE", {"excerpt": "never logged"},
                          Exception("database is locked"))


class Write:
    """A write that fails ``fails`` times with ``error``, then returns how often it ran."""

    def __init__(self, fails: int, error: Exception = LOCKED) -> None:
        self.fails = fails
        self.error = error
        self.calls = 0

    async def __call__(self) -> int:
        self.calls += 1
        if self.calls <= self.fails:
            raise self.error
        return self.calls


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(failures, "RETRY_DELAYS", (0.01,))


async def test_a_write_the_database_was_too_busy_for_is_tried_until_it_succeeds() -> None:
    write = Write(fails=3)
    assert await retrying(write, "a ban") == 4


async def test_a_write_refused_for_what_it_wrote_is_not_tried_again() -> None:
    write = Write(fails=5, error=IntegrityError("INSERT", {}, Exception("UNIQUE")))
    with pytest.raises(IntegrityError):
        await retrying(write, "a ban")
    assert write.calls == 1


async def test_a_write_is_given_up_once_the_window_has_passed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(failures, "RETRY_FOR", 0.1)
    write = Write(fails=1_000)
    started = asyncio.get_running_loop().time()
    with pytest.raises(OperationalError):
        await retrying(write, "a ban")
    assert asyncio.get_running_loop().time() - started >= 0.1
    assert 3 <= write.calls < 1_000


def test_the_log_gets_the_cause_without_the_statement_or_its_parameters() -> None:
    assert passing(LOCKED) and passing(TimeoutError()) and not passing(ValueError())
    assert why(LOCKED) == "Exception: database is locked"
    assert "never logged" not in why(LOCKED) and "BEGIN" not in why(LOCKED)
