"""One contract suite for the store, run against SQLite and PostgreSQL."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from server.store.db import (
    AGREEMENT_MAX,
    INVITE_BYTES,
    READY_WRITE_TIMEOUT,
    Conflict,
    SqlStore,
    _alembic_config,
    async_url,
)


async def test_migrate_is_idempotent_and_creates_every_table(store: SqlStore) -> None:
    await store.migrate()
    async with store.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert {"staff", "staff_sessions", "rooms", "invites", "bans", "alembic_version"} <= tables
    # Invariant 7: there is nowhere to put chat.
    assert not any("chat" in t or "message" in t for t in tables)


async def test_ping(store: SqlStore) -> None:
    assert await store.ping() is True


async def test_staff_usernames_are_unique_without_regard_to_case(store: SqlStore) -> None:
    added = await store.add_staff("Sam", "hash-1", "facilitator")
    assert added.username == "sam"
    with pytest.raises(Conflict):
        await store.add_staff(" SAM ", "hash-2", "admin")
    found = await store.staff_by_username("SAM")
    assert found is not None and found.id == added.id and found.password_hash == "hash-1"
    assert await store.staff_by_username("nobody") is None
    assert await store.staff_by_id(added.id) == found
    assert await store.count_staff() == 1


async def test_staff_role_is_checked(store: SqlStore) -> None:
    with pytest.raises(ValueError, match="role"):
        await store.add_staff("x", "h", "superuser")


async def test_password_hash_can_be_replaced(store: SqlStore) -> None:
    staff = await store.add_staff("kim", "old", "facilitator")
    await store.set_password_hash(staff.id, "new")
    found = await store.staff_by_id(staff.id)
    assert found is not None and found.password_hash == "new"


async def test_must_change_password_is_off_unless_asked_for(store: SqlStore) -> None:
    chosen = await store.add_staff("ola", "h", "facilitator")
    generated = await store.add_staff("gen", "h", "admin", must_change_password=True)
    assert chosen.must_change_password is False
    assert generated.must_change_password is True
    found = await store.staff_by_username("gen")
    assert found is not None and found.must_change_password is True
    await store.add_session(generated.id, "gen-secret", datetime.now(UTC) + timedelta(hours=1))
    in_session = await store.session_staff("gen-secret", datetime.now(UTC))
    assert in_session is not None and in_session.must_change_password is True


async def test_change_password_clears_the_flag_and_ends_only_the_other_sessions(
        store: SqlStore) -> None:
    staff = await store.add_staff("ren", "old-hash", "safeguarding_lead",
                                  must_change_password=True)
    other = await store.add_staff("tam", "h", "facilitator")
    now = datetime.now(UTC)
    later = now + timedelta(hours=1)
    for secret in ("kept", "phone", "laptop"):
        await store.add_session(staff.id, secret, later)
    await store.add_session(other.id, "someone-else", later)

    await store.change_password(staff.id, "new-hash", "kept")

    found = await store.staff_by_id(staff.id)
    assert found is not None and found.password_hash == "new-hash"
    assert found.must_change_password is False
    assert await store.session_staff("kept", now) == found
    assert await store.session_staff("phone", now) is None
    assert await store.session_staff("laptop", now) is None
    assert await store.session_staff("someone-else", now) is not None  # nobody else's


async def test_sessions_expire_and_can_be_dropped(store: SqlStore) -> None:
    staff = await store.add_staff("lee", "h", "facilitator")
    now = datetime.now(UTC)
    await store.add_session(staff.id, "secret-1", now + timedelta(hours=1))
    await store.add_session(staff.id, "secret-2", now - timedelta(seconds=1))
    found = await store.session_staff("secret-1", now)
    assert found is not None and found.id == staff.id
    assert await store.session_staff("secret-2", now) is None  # expired
    assert await store.session_staff("guess", now) is None
    await store.drop_session("secret-1")
    assert await store.session_staff("secret-1", now) is None
    await store.drop_session("secret-1")  # dropping twice is harmless


async def test_session_secret_is_not_stored_in_clear(store: SqlStore) -> None:
    staff = await store.add_staff("pat", "h", "facilitator")
    await store.add_session(staff.id, "clear-secret-value", datetime.now(UTC) + timedelta(hours=1))
    async with store.engine.connect() as connection:
        rows = (await connection.exec_driver_sql("SELECT id_hash FROM staff_sessions")).all()
    assert rows and all("clear-secret-value" not in row[0] for row in rows)


async def test_rooms_keep_audience_and_settings(store: SqlStore) -> None:
    mums = await store.add_room("  Mums' circle ", "mothers")
    dads = await store.add_room("Dads & partners", "fathers_partners")
    assert mums.name == "Mums' circle" and mums.audience == "mothers"
    assert mums.lobby and mums.focus and not mums.locked  # lobby and focus on by default
    assert [r.id for r in await store.rooms()] == [mums.id, dads.id]
    await store.set_room_state(mums.id, locked=True, focus=False)
    again = await store.room(mums.id)
    assert again is not None and again.locked and not again.focus
    assert await store.room("r_missing") is None


@pytest.mark.parametrize("audience", ["", "babies", "MOTHERS"])
async def test_room_audience_is_checked(store: SqlStore, audience: str) -> None:
    with pytest.raises(ValueError, match="audience"):
        await store.add_room("x", audience)


async def test_room_name_is_checked(store: SqlStore) -> None:
    with pytest.raises(ValueError, match="name"):
        await store.add_room("   ", "everyone")


async def test_invites_are_long_random_and_revocable(store: SqlStore) -> None:
    room = await store.add_room("Open group", "everyone")
    first = await store.add_invite(room.id)
    second = await store.add_invite(room.id)
    assert first.code != second.code
    # At least 128 random bits: 24 bytes of token_urlsafe are 192 bits in 32 characters.
    assert INVITE_BYTES * 8 >= 128 and len(first.code) >= 32
    assert await store.invite(first.code) == first
    assert await store.revoke_invite(first.code) is True
    assert await store.revoke_invite(first.code) is False  # already revoked
    revoked = await store.invite(first.code)
    assert revoked is not None and revoked.revoked
    assert [i.code for i in (await store.live_invites([room.id]))[room.id]] == [second.code]
    assert await store.invite("no-such-code") is None
    assert await store.revoke_invite("no-such-code") is False


async def test_invite_for_a_missing_room_is_refused(store: SqlStore) -> None:
    with pytest.raises(LookupError):
        await store.add_invite("r_missing")


async def test_bans_match_participant_or_device_in_that_room_only(store: SqlStore) -> None:
    room = await store.add_room("A", "mothers")
    other = await store.add_room("B", "mothers")
    await store.add_ban(room.id, "p_1", "device-hash-1")
    assert await store.is_banned(room.id, "p_1", None)
    assert await store.is_banned(room.id, None, "device-hash-1")
    assert await store.is_banned(room.id, "p_new", "device-hash-1")
    assert not await store.is_banned(room.id, "p_2", "device-hash-2")
    assert not await store.is_banned(other.id, "p_1", "device-hash-1")
    assert not await store.is_banned(room.id, None, None)


def test_async_url_maps_the_urls_people_write() -> None:
    assert async_url("postgresql://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert async_url("postgres://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert async_url("sqlite:////tmp/x.db") == "sqlite+aiosqlite:////tmp/x.db"
    assert async_url("postgresql+asyncpg://u@h/db") == "postgresql+asyncpg://u@h/db"


async def test_bans_for_loads_a_rooms_bans_at_once(store: SqlStore) -> None:
    room = await store.add_room("A", "mothers")
    other = await store.add_room("B", "mothers")
    await store.add_ban(room.id, "p_1", "device-1")
    await store.add_ban(room.id, "p_2", None)
    await store.add_ban(other.id, "p_3", "device-3")
    assert await store.bans_for(room.id) == ({"p_1", "p_2"}, {"device-1"})
    assert await store.bans_for("r_none") == (set(), set())


# -- migrations ----------------------------------------------------------------------------

async def _downgrade(store: SqlStore, revision: str) -> None:
    def run(connection: Connection) -> None:
        config = _alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    async with store.engine.begin() as connection:
        await connection.run_sync(run)


async def _revision(store: SqlStore) -> str:
    async with store.engine.connect() as connection:
        return str((await connection.execute(text("SELECT version_num FROM alembic_version")))
                   .scalar_one())


async def _must_change(store: SqlStore, username: str) -> bool:
    async with store.engine.connect() as connection:
        return bool((await connection.execute(
            text("SELECT must_change_password FROM staff WHERE username = :u"),
            {"u": username})).scalar_one())


async def test_0004_adds_must_change_password_to_an_existing_database(empty_url: str) -> None:
    store = SqlStore(empty_url)
    try:
        await store.migrate(to="0003")
        created = datetime.now(UTC)
        async with store.engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO staff (id, username, password_hash, role, created_at, disabled) "
                "VALUES ('s_old', 'old', 'old-hash', 'facilitator', :at, false)"), {"at": created})
            await connection.execute(text(
                "INSERT INTO staff_sessions (id_hash, staff_id, created_at, expires_at) "
                "VALUES (:h, 's_old', :at, :until)"),
                {"h": "a" * 64, "at": created, "until": created + timedelta(hours=1)})

        # Exactly this revision (later ones have tests of their own), as a start would run it.
        await store.migrate(to="0004")

        assert await _revision(store) == "0004"
        # Plain SQL: the ORM's staff rows have the columns of later revisions too.
        assert await _must_change(store, "old") is False  # chose their own
        async with store.engine.begin() as connection:
            # Rows written without the column (an older process still running) get false.
            await connection.execute(text(
                "INSERT INTO staff (id, username, password_hash, role, created_at, disabled) "
                "VALUES ('s_older', 'older', 'h', 'admin', :at, false)"), {"at": created})
            sessions = (await connection.execute(
                text("SELECT count(*) FROM staff_sessions"))).scalar_one()
        assert sessions == 1  # the upgrade kept everyone logged in
        assert await _must_change(store, "older") is False

        await _downgrade(store, "0003")
        async with store.engine.connect() as connection:
            columns = await connection.run_sync(
                lambda c: {col["name"] for col in inspect(c).get_columns("staff")})
            sessions = (await connection.execute(
                text("SELECT count(*) FROM staff_sessions"))).scalar_one()
        assert "must_change_password" not in columns and sessions == 1
    finally:
        await store.aclose()


async def test_0006_adds_room_staff_and_two_factor_to_an_existing_database(
        empty_url: str) -> None:
    store = SqlStore(empty_url)
    try:
        await store.migrate(to="0005")
        created = datetime.now(UTC)
        async with store.engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO staff (id, username, password_hash, role, created_at, disabled, "
                "must_change_password) VALUES ('s_old', 'old', 'h', 'facilitator', :at, false, "
                "false)"), {"at": created})
            await connection.execute(text(
                "INSERT INTO staff_sessions (id_hash, staff_id, created_at, expires_at) "
                "VALUES (:h, 's_old', :at, :until)"),
                {"h": "a" * 64, "at": created, "until": created + timedelta(hours=1)})
            await connection.execute(text(
                "INSERT INTO rooms (id, name, audience, lobby, focus, locked, created_at) "
                "VALUES ('r_old', 'Old', 'mothers', true, true, false, :at)"), {"at": created})

        await store.migrate(to="0006")

        assert await _revision(store) == "0006"
        old = await store.staff_by_username("old")
        assert old is not None and not old.two_factor
        assert await store.session_staff_by_id("a" * 64, created) == old  # still logged in
        assert await store.is_assigned("r_old", "s_old") is False
        assert await store.assign_staff("r_old", "s_old") is True
        assert [s.id for s in (await store.staff_of_rooms(["r_old"]))["r_old"]] == ["s_old"]
        await store.set_totp("s_old", "sealed")
        assert await store.use_totp_step("s_old", 10) is True

        await _downgrade(store, "0005")
        async with store.engine.connect() as connection:
            columns = await connection.run_sync(
                lambda c: {col["name"] for col in inspect(c).get_columns("staff")})
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert "totp_secret" not in columns and "room_staff" not in tables
    finally:
        await store.aclose()


async def test_facilitators_are_assigned_to_rooms(store: SqlStore) -> None:
    fran = await store.add_staff("fran", "h", "facilitator")
    fola = await store.add_staff("fola", "h", "facilitator")
    room = await store.add_room("Mums", "mothers", facilitators=[fran.id])
    other = await store.add_room("Dads", "fathers_partners")
    assert await store.is_assigned(room.id, fran.id)
    assert not await store.is_assigned(other.id, fran.id)
    assert await store.assign_staff(room.id, fola.id) is True
    assert await store.assign_staff(room.id, fola.id) is False
    many = await store.staff_of_rooms([room.id, other.id])
    assert {k: [s.username for s in v] for k, v in many.items()} == {
        room.id: ["fola", "fran"], other.id: []}
    assert [r.id for r in await store.rooms_for(fran.id)] == [room.id]
    assert await store.unassign_staff(room.id, fola.id) is True
    assert await store.unassign_staff(room.id, fola.id) is False
    with pytest.raises(LookupError):
        await store.assign_staff(room.id, "s_nobody")
    with pytest.raises(LookupError):
        await store.add_room("X", "mothers", facilitators=["s_nobody"])
    assert [r.name for r in await store.rooms()] == ["Mums", "Dads"]  # X was not made


async def test_disabling_and_resets_end_sessions(store: SqlStore) -> None:
    staff = await store.add_staff("kim", "h", "admin")
    later = datetime.now(UTC) + timedelta(hours=1)
    now = datetime.now(UTC)
    for action in ("disable", "reset", "totp"):
        await store.add_session(staff.id, f"secret-{action}", later)
        assert await store.session_staff(f"secret-{action}", now) is not None
        if action == "disable":
            await store.set_disabled(staff.id, True)
            await store.set_disabled(staff.id, False)
        elif action == "reset":
            await store.reset_password(staff.id, "new-hash")
        else:
            await store.set_totp(staff.id, "sealed")
            await store.add_session(staff.id, "kept", later)
            assert await store.session_staff("kept", now) is not None  # enrolling keeps it
            await store.set_totp(staff.id, None)
        assert await store.session_staff(f"secret-{action}", now) is None, action
    found = await store.staff_by_id(staff.id)
    assert found is not None and found.must_change_password and not found.disabled
    assert [s.username for s in await store.all_staff()] == ["kim"]


async def test_a_totp_step_is_used_once(store: SqlStore) -> None:
    staff = await store.add_staff("lee", "h", "safeguarding_lead")
    await store.set_totp(staff.id, "sealed")
    assert await store.use_totp_step(staff.id, 100) is True
    assert await store.use_totp_step(staff.id, 100) is False
    assert await store.use_totp_step(staff.id, 99) is False
    assert await store.use_totp_step(staff.id, 101) is True


async def test_rotating_invites_revokes_all_and_makes_one(store: SqlStore) -> None:
    room = await store.add_room("Mums", "mothers")
    first = await store.add_invite(room.id)
    second = await store.add_invite(room.id)
    new, revoked = await store.rotate_invite(room.id)
    assert revoked == 2 and new.code not in (first.code, second.code)
    assert [i.code for i in (await store.live_invites([room.id]))[room.id]] == [new.code]
    other = await store.add_room("Dads", "fathers_partners")
    later = await store.add_invite(room.id)
    live = await store.live_invites([room.id, other.id])
    assert {k: [i.code for i in v] for k, v in live.items()} == {
        room.id: [new.code, later.code], other.id: []}
    with pytest.raises(LookupError):
        await store.rotate_invite("r_missing")


async def test_ping_is_a_write_that_gives_up_fast_while_the_write_lock_is_held(
        store: SqlStore) -> None:
    """Another connection holds the lock a write needs (SQLite's write lock; on
    PostgreSQL the health row's): ``ping`` says False within the probe's limit."""
    from tests.safeguarding.faults import SqliteWriteLock

    assert await store.ping()
    if store.engine.dialect.name == "sqlite":
        with SqliteWriteLock(Path(store.engine.url.database or "")):
            started = time.monotonic()
            assert not await store.ping()
            assert time.monotonic() - started < READY_WRITE_TIMEOUT + 1
    else:
        hold = create_async_engine(store.url)
        try:
            async with hold.begin() as connection:
                await connection.exec_driver_sql("SELECT id FROM health FOR UPDATE")
                started = time.monotonic()
                assert not await store.ping()
                assert time.monotonic() - started < READY_WRITE_TIMEOUT + 1
        finally:
            await hold.dispose()
    assert await store.ping()


async def test_0010_adds_archiving_and_agreements_to_an_existing_database(
        empty_url: str) -> None:
    store = SqlStore(empty_url)
    try:
        await store.migrate(to="0009")
        created = datetime.now(UTC)
        async with store.engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO rooms (id, name, audience, lobby, focus, locked, created_at) "
                "VALUES ('r_old', 'Old', 'mothers', true, true, false, :at)"), {"at": created})
            await connection.execute(text(
                "INSERT INTO invites (code, room_id, created_at) VALUES ('c_old', 'r_old', :at)"),
                {"at": created})

        await store.migrate(to="0010")

        assert await _revision(store) == "0010"
        async with store.engine.connect() as connection:  # the 0010 schema, read as it is
            old = (await connection.execute(text(
                "SELECT archived_at, agreement FROM rooms WHERE id = 'r_old'"))).one()
        assert tuple(old) == (None, None)  # open, with the standard agreement
        assert await store.invite("c_old") is not None

        await _downgrade(store, "0009")
        async with store.engine.connect() as connection:
            columns = await connection.run_sync(
                lambda c: {col["name"] for col in inspect(c).get_columns("rooms")})
            invites = (await connection.execute(text("SELECT count(*) FROM invites"))
                       ).scalar_one()
        assert not {"archived_at", "agreement"} & columns and invites == 1
    finally:
        await store.aclose()


async def test_0011_gives_existing_groups_uk_time_and_no_sessions(empty_url: str) -> None:
    store = SqlStore(empty_url)
    try:
        await store.migrate(to="0010")
        async with store.engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO rooms (id, name, audience, lobby, focus, locked, created_at) "
                "VALUES ('r_old', 'Old', 'mothers', true, true, false, :at)"),
                {"at": datetime.now(UTC)})
        await store.migrate()
        old = await store.room("r_old")
        assert old is not None and (old.timezone, old.opens_before) == ("Europe/London", 15)
        assert await store.schedules.for_room("r_old") == []
        added = await store.schedules.add("r_old", date(2027, 1, 5), clock(10, 0), 90,
                                          weekly=True, until=date(2027, 3, 30))
        assert await store.schedules.for_room("r_old") == [added]

        await _downgrade(store, "0010")
        async with store.engine.connect() as connection:
            columns = await connection.run_sync(
                lambda c: {col["name"] for col in inspect(c).get_columns("rooms")})
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert not {"timezone", "opens_before"} & columns and "room_sessions" not in tables
    finally:
        await store.aclose()


async def test_sessions_are_checked_kept_per_room_and_removed_with_their_room(
        store: SqlStore) -> None:
    room = await store.add_room("Mums", "mothers")
    other = await store.add_room("Dads", "fathers_partners")
    for bad in ((date(2027, 1, 5), clock(10, 0), 5, None),
                (date(2027, 1, 5), clock(10, 0), 60, date(2027, 1, 1))):
        with pytest.raises(ValueError):
            await store.schedules.add(room.id, bad[0], bad[1], bad[2], weekly=True,
                                      until=bad[3])
    with pytest.raises(LookupError):
        await store.schedules.add("r_nothere", date(2027, 1, 5), clock(10, 0), 60)
    with pytest.raises(ValueError):
        await store.schedules.set_settings(room.id, "Mars/Base", 15)
    assert await store.schedules.set_settings(room.id, "Europe/Warsaw", 30)
    mine = await store.schedules.add(room.id, date(2027, 1, 5), clock(10, 0), 60)
    theirs = await store.schedules.add(other.id, date(2027, 1, 6), clock(19, 0), 90)
    assert await store.schedules.for_rooms([room.id, other.id]) == {
        room.id: [mine], other.id: [theirs]}
    assert await store.schedules.remove(room.id, theirs.id) is None  # not this room's
    assert await store.schedules.remove(other.id, theirs.id) == theirs
    record = await store.room(room.id)
    assert record is not None and (record.timezone, record.opens_before) == (
        "Europe/Warsaw", 30)


async def test_rooms_are_renamed_given_an_agreement_and_archived(store: SqlStore) -> None:
    fran = await store.add_staff("fran", "h", "facilitator")
    room = await store.add_room("Mums", "mothers", facilitators=[fran.id])
    assert await store.set_room_details(room.id, "  Mums and bumps ", "everyone") is True
    assert await store.set_room_details("r_nobody", "X", "everyone") is False
    with pytest.raises(ValueError, match="audience"):
        await store.set_room_details(room.id, "X", "babies")
    with pytest.raises(ValueError, match="name"):
        await store.set_room_details(room.id, " ", "mothers")
    assert await store.set_room_agreement(room.id, " Be kind.\nListen. ") is True
    with pytest.raises(ValueError, match="at most"):
        await store.set_room_agreement(room.id, "x" * (AGREEMENT_MAX + 1))
    found = await store.room(room.id)
    assert found is not None
    assert (found.name, found.audience, found.agreement) == (
        "Mums and bumps", "everyone", "Be kind.\nListen.")
    assert await store.set_room_agreement(room.id, "   ") is True  # blank: the standard one
    assert (await store.room(room.id) or found).agreement is None

    # Archived: left out of every way in unless asked for, and kept otherwise.
    assert await store.set_room_archived(room.id, True) is True
    assert await store.set_room_archived(room.id, True) is False
    assert await store.room(room.id) is None
    archived = await store.room(room.id, include_archived=True)
    assert archived is not None and archived.archived
    assert await store.rooms() == [] and await store.rooms_for(fran.id) == []
    assert [r.id for r in await store.rooms(include_archived=True)] == [room.id]
    assert [r.id for r in await store.rooms_for(fran.id, include_archived=True)] == [room.id]
    assert await store.is_assigned(room.id, fran.id)  # kept for when it opens again
    assert await store.set_room_archived(room.id, False) is True
    assert await store.room(room.id) is not None


async def test_a_new_role_ends_sessions_and_leaving_facilitator_drops_assignments(
        store: SqlStore) -> None:
    fran = await store.add_staff("fran", "h", "facilitator")
    one = await store.add_room("One", "mothers", facilitators=[fran.id])
    await store.add_room("Two", "mothers", facilitators=[fran.id])
    later = datetime.now(UTC) + timedelta(hours=1)
    await store.add_session(fran.id, "secret", later)
    assert await store.set_role(fran.id, "facilitator") == 0  # the same: nothing dropped
    assert await store.session_staff("secret", datetime.now(UTC)) is None
    await store.add_session(fran.id, "secret2", later)
    assert await store.set_role(fran.id, "safeguarding_lead") == 2
    assert await store.session_staff("secret2", datetime.now(UTC)) is None
    member = await store.staff_by_id(fran.id)
    assert member is not None and member.role == "safeguarding_lead"
    assert not await store.is_assigned(one.id, fran.id)
    assert await store.set_role("s_nobody", "admin") is None
    with pytest.raises(ValueError, match="role"):
        await store.set_role(fran.id, "boss")
