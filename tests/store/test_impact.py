"""The impact report's rows (server/store/impact.py), on SQLite and PostgreSQL: a session
taken up again after a node died is the same session, an attendance counts once, a return is
told from a first visit, check-ins are one per person, and visitor keys are forgotten."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import OperationalError

from server.programme.attendance import AttendanceCounter
from server.store import failures
from server.store.db import SqlStore
from server.store.impact import ImpactRecords
from server.store.models import HeldSessionRow
from server.store.records import aware
from tests.store.test_db import _downgrade

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


async def test_a_session_counts_once_with_its_attendances_and_check_ins(store: SqlStore) -> None:
    room = await store.add_room("Tuesday mums", "mothers")
    impact = store.impact
    held = await impact.session_opened(room.id, "mothers", NOW)
    # Another node takes the room up after this one died: the same session.
    assert await impact.session_opened(room.id, "mothers", NOW + timedelta(minutes=5)) == held
    assert await impact.attended(held, "who-a", "visitor-a", NOW)
    assert not await impact.attended(held, "who-a", "visitor-a", NOW)  # reconnected
    assert await impact.attended(held, "who-b", None, NOW)
    assert await impact.session_for_check_in(room.id, NOW + timedelta(minutes=50)) == held
    assert await impact.checked_in(held, "who-a", "better", NOW)
    assert not await impact.checked_in(held, "who-a", "worse", NOW)  # the first answer stands
    with pytest.raises(ValueError, match="better, same, worse"):
        await impact.checked_in(held, "who-b", "fine", NOW)
    await impact.session_closed(held, NOW + timedelta(hours=1))

    # Next week: a new session, where visitor-a comes back.
    later = NOW + timedelta(days=7)
    assert await impact.session_for_check_in(room.id, later) is None  # ended long ago
    again = await impact.session_opened(room.id, "mothers", later)
    assert again != held
    assert await impact.attended(again, "who-a2", "visitor-a", later)
    assert await impact.attended(again, "who-c", "visitor-c", later)

    found = await impact.rows(NOW - timedelta(days=1), later + timedelta(days=1))
    assert sorted(audience for _, audience in found.sessions) == ["mothers", "mothers"]
    assert sorted((first, visitor or "") for _, _, first, visitor in found.attendances) == [
        (False, "visitor-a"), (True, ""), (True, "visitor-a"), (True, "visitor-c")]
    assert [answer for *_, answer in found.check_ins] == ["better"]
    assert found.counting_since == NOW

    # Retention: the keys go, the attendances stay (as nobody's).
    assert await impact.forget_visitors(NOW + timedelta(days=1)) == 1
    found = await impact.rows(NOW - timedelta(days=1), later + timedelta(days=1))
    assert sorted(visitor or "" for *_, visitor in found.attendances) == [
        "", "", "visitor-a", "visitor-c"]


async def test_a_check_in_needs_a_session(store: SqlStore) -> None:
    with pytest.raises(LookupError):
        await store.impact.checked_in("h_missing", "who", "same", NOW)


async def test_0015_adds_the_impact_tables_to_an_existing_database(empty_url: str) -> None:
    store = SqlStore(empty_url)
    try:
        await store.migrate(to="0014")
        async with store.engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO rooms (id, name, audience, lobby, focus, locked, created_at) "
                "VALUES ('r_old', 'Old group', 'mothers', true, true, false, :at)"), {"at": NOW})
        await store.migrate(to="0015")
        assert await _held(store) == 0  # nothing made up (rows() needs 0016's rooms.kind)
        held = await store.impact.session_opened("r_old", "mothers", NOW)
        assert await store.impact.attended(held, "who", "visitor", NOW)

        await _downgrade(store, "0014")
        async with store.engine.connect() as connection:
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert not {"held_sessions", "attendances", "check_ins"} & tables
        await store.migrate(to="0015")  # and up again
        assert await _held(store) == 0
    finally:
        await store.aclose()


async def _held(store: SqlStore) -> int:
    async with store.engine.connect() as connection:
        return int((await connection.execute(text("SELECT count(*) FROM held_sessions")))
                   .scalar_one())


class _Busy:
    """The impact records, each of whose writes fails twice as when SQLite's write lock is
    held past the busy timeout, then goes through."""

    def __init__(self, real: ImpactRecords) -> None:
        self.real = real
        self.refused: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.real, name)

        async def busy_then_real(*args: Any) -> Any:
            if self.refused.get(name, 0) < 2:
                self.refused[name] = self.refused.get(name, 0) + 1
                raise OperationalError("BEGIN", {}, Exception("database is locked"))
            return await method(*args)
        return busy_then_real


async def test_a_session_and_its_attendances_are_counted_when_the_database_was_busy(
        store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """They used to be dropped at the first failure: a session missing from the report."""
    monkeypatch.setattr(failures, "RETRY_DELAYS", (0.01,))
    room = await store.add_room("Tuesday mums", "mothers")
    busy = _Busy(store.impact)
    counter = AttendanceCounter(cast(ImpactRecords, busy), "a secret of the server",
                                clock=lambda: NOW)
    counter.live(room.id, "mothers")
    counter.attended(room.id, "p_1", "device-1")
    counter.attended(room.id, "p_2", None)
    counter.over(room.id)
    await counter.aclose()
    assert busy.refused == {"session_opened": 2, "attended": 2, "session_closed": 2}
    found = await store.impact.rows(NOW - timedelta(days=1), NOW + timedelta(days=1))
    assert found.sessions == [(NOW, "mothers")] and len(found.attendances) == 2
    async with store.engine.connect() as connection:
        ended = (await connection.execute(select(HeldSessionRow.ended_at))).scalars().all()
    assert [aware(e) for e in ended] == [NOW]
