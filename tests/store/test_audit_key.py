"""The audit chain keyed with the audit key (server/safeguarding/audit.py), on SQLite and
PostgreSQL: whoever can write the database but lacks the key cannot rewrite the log
unseen, and the upgrade of a database from before the key is no way round that."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from server.safeguarding.audit import GENESIS, AuditKeyMissing, canonical, entry_hash
from server.settings import Settings
from server.storage import open_store
from server.store.db import SqlStore
from server.store.models import AuditRow
from tests.harness import TEST_AUDIT_KEY
from tests.postgres import own_database

AT = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)


async def _fill(store: SqlStore, entries: int) -> None:
    for n in range(entries):
        await store.safeguarding.audit("Fran", "participant.mute", room_id="r_x",
                                       target=f"p_{n}", detail={"n": n})


async def _rechain(connection: AsyncConnection, *, mac: bool = True) -> None:
    """What someone with the database but not the key can do: recompute every entry's
    unkeyed hash and the head's from the rows as they now are (MACs left as found, or
    with ``mac=False`` set to NULL, as before the key)."""
    rows = (await connection.execute(select(AuditRow.__table__).order_by(AuditRow.seq))).all()
    prev = GENESIS
    for row in rows:
        digest = entry_hash(prev, row.seq, row.at, row.actor, row.action, row.room_id,
                            row.target, row.detail)
        await connection.execute(text(
            "UPDATE audit SET prev_hash = :prev, hash = :hash" + ("" if mac else ", mac = NULL")
            + " WHERE seq = :seq"), {"prev": prev, "hash": digest, "seq": row.seq})
        prev = digest
    await connection.execute(text(
        "UPDATE audit_head SET seq = :seq, hash = :hash" + ("" if mac else ", mac = NULL")
        + " WHERE id = 1"), {"seq": rows[-1].seq if rows else 0, "hash": prev})


async def test_an_entry_rewritten_with_its_chain_recomputed_is_caught_by_its_mac(
        store: SqlStore) -> None:
    await _fill(store, 5)
    async with store.engine.begin() as connection:
        await connection.execute(text("UPDATE audit SET actor = 'Mallory' WHERE seq = 3"))
        await _rechain(connection)  # the unkeyed chain is whole again: the old check passed
    verdict = await store.safeguarding.verify_audit()
    assert not verdict.ok
    assert (verdict.first_bad, verdict.broken) == (3, "mac"), verdict.reason


async def test_deleting_the_newest_entries_and_moving_the_head_back_is_caught(
        store: SqlStore) -> None:
    await _fill(store, 5)
    async with store.engine.begin() as connection:
        await connection.execute(text("DELETE FROM audit WHERE seq > 3"))
        await _rechain(connection)
    verdict = await store.safeguarding.verify_audit()
    assert not verdict.ok and verdict.broken == "mac" and "head" in verdict.reason


async def test_another_key_verifies_nothing(store: SqlStore) -> None:
    await _fill(store, 2)
    other = SqlStore(store.url, audit_key=b"not the key the log was signed with!")
    try:
        verdict = await other.safeguarding.verify_audit()
    finally:
        await other.aclose()
    assert (verdict.ok, verdict.first_bad, verdict.broken) == (False, 1, "mac")
    assert (await store.safeguarding.verify_audit()).ok


async def test_a_store_without_a_key_writes_no_audit_entry(store: SqlStore) -> None:
    keyless = SqlStore(store.url)
    try:
        room = await keyless.add_room("Mums", "mothers")  # everything else works
        with pytest.raises(AuditKeyMissing):
            keyless.safeguarding.audit("Fran", "room.lock", room_id=room.id)
        with pytest.raises(AuditKeyMissing):
            await keyless.safeguarding.verify_audit()
        with pytest.raises(AuditKeyMissing):
            await keyless.safeguarding.ack_alert("a_1", "Fran", AT)
    finally:
        await keyless.aclose()
    assert (await store.safeguarding.verify_audit()).checked == 0
    with pytest.raises(ValueError, match="at least 32"):
        SqlStore(store.url, audit_key=b"short")


async def test_unsigned_entries_after_signed_ones_are_never_signed(store: SqlStore) -> None:
    await _fill(store, 4)
    async with store.engine.begin() as connection:
        await connection.execute(text("UPDATE audit SET mac = NULL WHERE seq >= 3"))
    verdict = await store.safeguarding.verify_audit()
    assert (verdict.first_bad, verdict.broken) == (3, "mac") and "no MAC" in verdict.reason
    plan = await store.safeguarding.sign_existing()
    assert plan.refused and not plan.entries
    assert (await store.safeguarding.verify_audit()).first_bad == 3


# -- the upgrade of a database from before the audit key -------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def older_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own (the shared PostgreSQL one is already at head)."""
    yield from own_database(request.param, tmp_path / "hearth.db")


async def _database_from_before_the_key(url: str, entries: int, *,
                                        tamper: int | None = None) -> None:
    """Schema 0006 with ``entries`` audit entries chained as the code before the key
    chained them (no MAC column at all), entry ``tamper`` edited afterwards."""
    store = SqlStore(url)
    try:
        await store.migrate(to="0006")
        async with store.engine.begin() as connection:
            prev = GENESIS
            for seq in range(1, entries + 1):
                at = AT + timedelta(minutes=seq)
                detail = canonical({"n": seq})
                digest = entry_hash(prev, seq, at, "Fran", "room.lock", "r_1", None, detail)
                await connection.execute(text(
                    "INSERT INTO audit (seq, at, actor, action, room_id, target, detail, "
                    "prev_hash, hash) VALUES (:seq, :at, 'Fran', 'room.lock', 'r_1', NULL, "
                    ":detail, :prev, :hash)"),
                    {"seq": seq, "at": at, "detail": detail, "prev": prev, "hash": digest})
                prev = digest
            await connection.execute(text(
                "UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = 1"),
                {"seq": entries, "hash": prev})
            if tamper is not None:
                await connection.execute(text(
                    "UPDATE audit SET actor = 'Mallory' WHERE seq = :seq"), {"seq": tamper})
    finally:
        await store.aclose()


async def test_the_entries_from_before_the_key_are_signed_once_when_it_is_made(
        older_url: str, tmp_path: Path) -> None:
    await _database_from_before_the_key(older_url, 4)
    settings = Settings(data_dir=tmp_path / "data", database_url=older_url)
    settings.prepare_storage()

    store = await open_store(settings)  # the first start after the upgrade makes the key
    try:
        assert (tmp_path / "data" / "audit_key").stat().st_mode & 0o777 == 0o600
        await _fill(store, 2)
        verdict = await store.safeguarding.verify_audit()
        assert verdict.ok and verdict.checked == 6, verdict.reason
        # Tampered with afterwards, with the unkeyed chain recomputed: caught.
        async with store.engine.begin() as connection:
            await connection.execute(text("UPDATE audit SET actor = 'Mallory' WHERE seq = 2"))
            await _rechain(connection)
        verdict = await store.safeguarding.verify_audit()
        assert (verdict.first_bad, verdict.broken) == (2, "mac"), verdict.reason
        # Even with every MAC stripped, as if the key had never been: a later start does
        # not sign again (the key exists), so the rewrite stays visible.
        async with store.engine.begin() as connection:
            await _rechain(connection, mac=False)
    finally:
        await store.aclose()
    again = await open_store(settings)
    try:
        verdict = await again.safeguarding.verify_audit()
        assert (verdict.first_bad, verdict.broken) == (1, "mac"), verdict.reason
        assert "no MAC" in verdict.reason
    finally:
        await again.aclose()


async def test_entries_whose_chain_is_broken_when_the_key_is_made_are_not_signed(
        older_url: str, tmp_path: Path) -> None:
    await _database_from_before_the_key(older_url, 4, tamper=3)
    settings = Settings(data_dir=tmp_path / "data", database_url=older_url)
    settings.prepare_storage()
    store = await open_store(settings)
    try:
        verdict = await store.safeguarding.verify_audit()
        assert (verdict.first_bad, verdict.broken) == (3, "chain"), verdict.reason
        async with store.engine.connect() as connection:
            signed = (await connection.execute(
                text("SELECT seq FROM audit WHERE mac IS NOT NULL ORDER BY seq"))).scalars()
            assert list(signed) == [1, 2]  # those before the break, which check out
    finally:
        await store.aclose()


async def test_the_key_given_in_the_environment_signs_the_old_entries_only_when_asked(
        older_url: str, tmp_path: Path) -> None:
    await _database_from_before_the_key(older_url, 3)
    settings = Settings(data_dir=tmp_path / "data", database_url=older_url,
                        audit_key=TEST_AUDIT_KEY.decode())
    settings.prepare_storage()
    store = await open_store(settings)  # no key made: nothing signed by itself
    try:
        await _fill(store, 1)
        verdict = await store.safeguarding.verify_audit()
        assert (verdict.first_bad, verdict.broken) == (1, "mac"), verdict.reason
        plan = await store.safeguarding.sign_existing()  # hearth audit adopt
        assert sorted(plan.entries) == [1, 2, 3] and not plan.refused
        assert (await store.safeguarding.verify_audit()).ok
        assert not (await store.safeguarding.sign_existing()).entries  # once
    finally:
        await store.aclose()
    assert not (tmp_path / "data" / "audit_key").exists()
