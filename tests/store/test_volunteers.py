"""Issue 13, part 3: volunteers' profiles and training records in the store
(server/store/volunteers.py), on SQLite and PostgreSQL, and migration 0012 on a database
from before it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, inspect, text

from server.programme.profile import Profile
from server.store.db import SqlStore, _alembic_config
from tests.postgres import own_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables yet."""
    yield from own_database(request.param, tmp_path / "older.db")


async def test_a_profile_is_kept_and_an_empty_one_stands_in(store: SqlStore) -> None:
    fran = await store.add_staff("fran", "hash", "facilitator")
    assert await store.volunteers.profile(fran.id) == Profile(fran.id)
    saved = await store.volunteers.save_profile(Profile(
        fran.id, languages=("ur", "en"), other_languages=" Punjabi ",
        audiences=("mothers",), availability=("tue-evening", "mon-morning"),
        availability_note="term time only", lived_experience="Twins; NICU stay"))
    assert saved.languages == ("en", "ur") and saved.availability == ("mon-morning",
                                                                       "tue-evening")
    assert saved.other_languages == "Punjabi"
    assert await store.volunteers.profile(fran.id) == saved
    # Supervision is its own field: saving the profile keeps it, and the other way round.
    due = await store.volunteers.set_supervision(fran.id, date(2027, 1, 15))
    assert due.supervision_due == date(2027, 1, 15) and due.languages == ("en", "ur")
    again = await store.volunteers.save_profile(Profile(fran.id, languages=("pl",)))
    assert again.supervision_due == date(2027, 1, 15) and again.lived_experience == ""
    with pytest.raises(ValueError, match="languages"):
        await store.volunteers.save_profile(Profile(fran.id, languages=("fr",)))
    with pytest.raises(LookupError):
        await store.volunteers.set_supervision("s_nobody", None)
    other = await store.add_staff("sam", "hash", "facilitator")
    both = await store.volunteers.profiles([fran.id, other.id])
    assert both[other.id] == Profile(other.id) and both[fran.id].languages == ("pl",)


async def test_training_records_are_added_listed_newest_first_and_removed(
        store: SqlStore) -> None:
    fran = await store.add_staff("fran", "hash", "facilitator")
    sam = await store.add_staff("sam", "hash", "facilitator")
    old = await store.volunteers.add_training(fran.id, "safeguarding_1", date(2023, 3, 3),
                                              "cora")
    new = await store.volunteers.add_training(fran.id, "safeguarding_1", date(2025, 3, 3),
                                              "cora")
    await store.volunteers.add_training(sam.id, "induction", date(2025, 1, 1), "ada")
    assert [r.id for r in await store.volunteers.training(fran.id)] == [new.id, old.id]
    assert new.entered_by == "cora" and new.completed_on == date(2025, 3, 3)
    # Someone else's record is not theirs to remove.
    assert await store.volunteers.remove_training(sam.id, old.id) is None
    assert await store.volunteers.remove_training(fran.id, old.id) == old
    assert [r.id for r in await store.volunteers.training(fran.id)] == [new.id]
    with pytest.raises(LookupError):
        await store.volunteers.add_training("s_nobody", "induction", date(2025, 1, 1), "x")
    with pytest.raises(ValueError):
        await store.volunteers.add_training(fran.id, "Not An Id", date(2025, 1, 1), "x")


async def test_0012_adds_volunteers_to_an_existing_database(empty_url: str) -> None:
    store = SqlStore(empty_url)
    try:
        await store.migrate(to="0011")
        async with store.engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO staff (id, username, password_hash, role, created_at, disabled) "
                "VALUES ('s_old', 'fran', 'hash', 'facilitator', :at, false)"),
                {"at": datetime.now(UTC)})
        await store.migrate()
        # An existing facilitator has no profile and no records: nothing is made up.
        assert await store.volunteers.profile("s_old") == Profile("s_old")
        assert await store.volunteers.training("s_old") == []
        record = await store.volunteers.add_training("s_old", "induction", date(2026, 1, 5),
                                                     "cora")
        assert await store.volunteers.training("s_old") == [record]
        await store.volunteers.set_supervision("s_old", date(2027, 1, 15))

        def downgrade(connection: Connection) -> None:
            config = _alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0011")

        async with store.engine.begin() as connection:
            await connection.run_sync(downgrade)
        async with store.engine.connect() as connection:
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            staff = (await connection.execute(text("SELECT count(*) FROM staff"))).scalar()
        assert not {"volunteer_profiles", "training_records"} & tables and staff == 1
        await store.migrate()  # and up again
        assert await store.volunteers.training("s_old") == []
    finally:
        await store.aclose()
