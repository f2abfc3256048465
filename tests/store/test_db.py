"""One contract suite for the store, run against SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect

from server.store.db import INVITE_BYTES, Conflict, SqlStore, async_url


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
    assert [i.code for i in await store.invites_for(room.id)] == [first.code, second.code]
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
