"""Issue 13, part 3: volunteers' profiles and training records in the store
(server/store/volunteers.py), on SQLite and PostgreSQL, a profile checked and tidied by
``server/programme/manage.save_profile`` (the store keeps what it is given), and migrations
0012 and 0017 (a volunteer's supervisor) on a database from before them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert, inspect, text

from server.programme import manage
from server.programme.profile import Profile
from server.store.db import SqlStore
from server.store.models import TrainingRecordRow
from server.store.volunteers import MAX_RECORDS
from tests.store.test_db import _downgrade


async def test_a_profile_is_kept_and_an_empty_one_stands_in(store: SqlStore) -> None:
    fran = await store.add_staff("fran", "hash", "facilitator")
    assert await store.volunteers.profile(fran.id) == Profile(fran.id)
    # Checked and tidied once, by the programme (the pages and the command line both go
    # through it): choices in their vocabulary's order, text trimmed.
    assert await manage.save_profile(store, "cora", fran, Profile(
        fran.id, languages=("ur", "en"), other_languages=" Punjabi ",
        audiences=("mothers",), availability=("tue-evening", "mon-morning"),
        availability_note="term time only", lived_experience="Twins; NICU stay"))
    saved = await store.volunteers.profile(fran.id)
    assert saved.languages == ("en", "ur") and saved.availability == ("mon-morning",
                                                                       "tue-evening")
    assert saved.other_languages == "Punjabi" and saved.lived_experience == "Twins; NICU stay"
    assert not await manage.save_profile(store, "cora", fran, saved)  # nothing changed
    # Supervision is its own field: saving the profile keeps it, and the other way round.
    due = await store.volunteers.set_supervision(fran.id, date(2027, 1, 15))
    assert due.supervision_due == date(2027, 1, 15) and due.languages == ("en", "ur")
    again = await store.volunteers.save_profile(Profile(fran.id, languages=("pl",)))
    assert again.supervision_due == date(2027, 1, 15) and again.lived_experience == ""
    assert again == await store.volunteers.profile(fran.id)
    with pytest.raises(ValueError, match="languages"):
        await manage.save_profile(store, "cora", fran, Profile(fran.id, languages=("fr",)))
    with pytest.raises(ValueError, match="lived experience"):
        await manage.save_profile(store, "cora", fran,
                                  Profile(fran.id, lived_experience="x" * 501))
    assert (await store.volunteers.profile(fran.id)).languages == ("pl",)
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


async def test_a_volunteer_has_at_most_max_records_training_records(store: SqlStore) -> None:
    fran = await store.add_staff("fran", "hash", "facilitator")
    sam = await store.add_staff("sam", "hash", "facilitator")
    async with store.engine.begin() as connection:
        await connection.execute(insert(TrainingRecordRow), [
            {"id": f"t_{n:012x}", "staff_id": fran.id, "module": "induction",
             "completed_on": date(2025, 1, 1), "entered_by": "cora",
             "created_at": datetime.now(UTC)} for n in range(MAX_RECORDS - 1)])
    last = await store.volunteers.add_training(fran.id, "induction", date(2025, 1, 2), "cora")
    with pytest.raises(ValueError, match=f"at most {MAX_RECORDS} training records"):
        await store.volunteers.add_training(fran.id, "induction", date(2025, 1, 3), "cora")
    assert len(await store.volunteers.training(fran.id)) == MAX_RECORDS
    # Counted per volunteer: another's records are not theirs.
    await store.volunteers.add_training(sam.id, "induction", date(2025, 1, 3), "cora")
    assert await store.volunteers.remove_training(fran.id, last.id) == last
    await store.volunteers.add_training(fran.id, "induction", date(2025, 1, 3), "cora")


async def test_0012_and_0017_add_volunteers_and_supervisors_to_an_existing_database(
        empty_url: str) -> None:
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

        # 0017: a supervisor, a real foreign key (ON DELETE SET NULL) on both databases.
        async with store.engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO staff (id, username, password_hash, role, created_at, disabled) "
                "VALUES ('s_cora', 'cora', 'hash', 'coordinator', :at, false)"),
                {"at": datetime.now(UTC)})
        with pytest.raises(LookupError):
            await store.volunteers.set_supervisor("s_old", "s_nobody")
        chosen = await store.volunteers.set_supervisor("s_old", "s_cora")
        assert chosen.supervisor_id == "s_cora" and chosen.supervision_due == date(2027, 1, 15)
        async with store.engine.begin() as connection:
            await connection.execute(text("DELETE FROM staff WHERE id = 's_cora'"))
        assert (await store.volunteers.profile("s_old")).supervisor_id is None
        await store.volunteers.set_supervisor("s_old", None)
        await _downgrade(store, "0016")
        async with store.engine.connect() as connection:
            columns = await connection.run_sync(lambda c: {
                col["name"] for col in inspect(c).get_columns("volunteer_profiles")})
            due = (await connection.execute(text(
                "SELECT supervision_due FROM volunteer_profiles"))).scalar()
        assert "supervisor_id" not in columns and str(due) == "2027-01-15"  # the row kept
        await store.migrate()  # and up again
        assert (await store.volunteers.profile("s_old")).supervision_due == date(2027, 1, 15)

        await _downgrade(store, "0011")
        async with store.engine.connect() as connection:
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            staff = (await connection.execute(text("SELECT count(*) FROM staff"))).scalar()
        assert not {"volunteer_profiles", "training_records"} & tables and staff == 1
        await store.migrate()  # and up again
        assert await store.volunteers.training("s_old") == []
    finally:
        await store.aclose()
