"""Requests for one-to-one support in the store (server/store/referrals.py), on SQLite and
PostgreSQL: the personal fields are sealed (the table holds no plaintext, and a wrong key
refuses in words), a step is a compare-and-set, retention erases the details of finished
requests and keeps the row, and migration 0016 goes up, down and up again."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, text

from server.programme.referrals import ContactDetails
from server.store.contact import ContactUnreadable
from server.store.db import SqlStore
from server.store.referrals import ContactKeyMissing
from tests.harness import TEST_AUDIT_KEY
from tests.store.test_db import _downgrade

NOW = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)
KEY = bytes(range(32))
DETAILS = ContactDetails(name="Amina", reach="07700 900123, after 6pm", need="Feeling low",
                         referrer_name="Jo Smith", referrer_role="Health visitor")


async def test_details_are_sealed_and_open_only_with_their_key(store: SqlStore) -> None:
    keyed = SqlStore(store.url, audit_key=TEST_AUDIT_KEY, contact_key=KEY)
    other = SqlStore(store.url, audit_key=TEST_AUDIT_KEY,
                     contact_key=bytes(reversed(range(32))))
    try:
        with pytest.raises(ContactKeyMissing):
            await store.referrals.add(source="self", language="en", audience="mothers",
                                      times=(), details=DETAILS, at=NOW)
        made = await keyed.referrals.add(source="professional", language="ur",
                                         audience="mothers", times=("weekday-evening",),
                                         details=DETAILS, at=NOW)
        assert made.status == "new" and made.times == ("weekday-evening",)
        async with keyed.engine.connect() as connection:
            row = (await connection.execute(text(
                "SELECT * FROM referrals WHERE id = :id"), {"id": made.id})).mappings().one()
        stored = " ".join(str(v) for v in row.values())
        for plain in ("Amina", "07700", "Feeling low", "Jo Smith", "Health visitor"):
            assert plain not in stored
        assert row["name_sealed"].startswith("v1.") and row["reason_sealed"] is None
        assert await keyed.referrals.contact(made.id) == DETAILS
        with pytest.raises(ContactUnreadable, match="not the key they were written with"):
            await other.referrals.contact(made.id)
        # A sealed value moved to another column does not open either (associated data).
        async with keyed.engine.begin() as connection:
            await connection.execute(text(
                "UPDATE referrals SET need_sealed = name_sealed WHERE id = :id"),
                {"id": made.id})
        with pytest.raises(ContactUnreadable):
            await keyed.referrals.contact(made.id, ["need"])
    finally:
        await keyed.aclose()
        await other.aclose()


async def test_steps_are_compare_and_set_and_retention_keeps_the_row(store: SqlStore) -> None:
    keyed = SqlStore(store.url, audit_key=TEST_AUDIT_KEY, contact_key=KEY)
    try:
        referrals = keyed.referrals
        one = await referrals.add(source="self", language="en", audience="mothers", times=(),
                                  details=DETAILS, at=NOW)
        two = await referrals.add(source="self", language="pl", audience="fathers_partners",
                                  times=(), details=DETAILS, at=NOW)
        moved = await referrals.move(one.id, ["new"], "signposted", NOW,
                                     reason="Perinatal team already involved")
        assert moved is not None and moved.signposted_at == NOW
        assert await referrals.move(one.id, ["new"], "accepted", NOW) is None  # moved on
        opened = await referrals.contact(one.id)
        assert opened is not None and opened.reason == "Perinatal team already involved"
        assert await referrals.move(two.id, ["new"], "accepted", NOW) is not None
        assert await referrals.move(two.id, ["accepted"], "closed",
                                    NOW + timedelta(days=10)) is not None

        # Retention: the signposted one is due, the one closed later is not yet.
        assert await referrals.erase_finished(NOW + timedelta(days=5), NOW) == [one.id]
        gone = await referrals.get(one.id)
        assert gone is not None and gone.erased and gone.status == "signposted"
        assert await referrals.contact(one.id) is None
        async with keyed.engine.connect() as connection:
            sealed = (await connection.execute(text(
                "SELECT name_sealed, reach_sealed, need_sealed, reason_sealed FROM referrals "
                "WHERE id = :id"), {"id": one.id})).one()
        assert set(sealed) == {None}
        assert await referrals.contact(two.id) == DETAILS
        assert await referrals.erase_contact(two.id, NOW)
        assert not await referrals.erase_contact(two.id, NOW)  # erased already
        # What the impact report counts of them (server/store/impact.py): nothing personal.
        counted = (await keyed.impact.rows(NOW - timedelta(days=1),
                                           NOW + timedelta(days=1))).referrals
        assert sorted((signposted, accepted) for _, _, _, accepted, signposted, _, _
                      in counted) == [(False, True), (True, False)]
    finally:
        await keyed.aclose()


async def test_0016_adds_referrals_and_room_kinds(empty_url: str) -> None:
    store = SqlStore(empty_url, contact_key=KEY)
    try:
        await store.migrate(to="0015")
        async with store.engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO rooms (id, name, audience, lobby, focus, locked, created_at) "
                "VALUES ('r_old', 'Old group', 'mothers', true, true, false, :at)"), {"at": NOW})
        await store.migrate(to="0016")
        old = await store.room("r_old")
        assert old is not None and old.kind == "group"  # every room before was a group
        made = await store.referrals.add(source="self", language="en", audience="everyone",
                                         times=(), details=DETAILS, at=NOW)
        assert (await store.referrals.get(made.id)) is not None

        await _downgrade(store, "0015")
        async with store.engine.connect() as connection:
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            columns = await connection.run_sync(
                lambda c: {col["name"] for col in inspect(c).get_columns("rooms")})
        assert "referrals" not in tables and "kind" not in columns
        await store.migrate(to="0016")  # and up again
        assert await store.referrals.all() == []
    finally:
        await store.aclose()


def test_a_contact_key_is_base64_of_32_bytes() -> None:
    from server.datadir import SetupError, check_contact_key
    assert check_contact_key(base64.b64encode(KEY).decode(), "HEARTH_CONTACT_KEY") == KEY
    for bad, words in (("replace-me", "not base64"),
                       (base64.b64encode(b"short").decode(), "holds 5 bytes")):
        with pytest.raises(SetupError, match=words):
            check_contact_key(bad, "HEARTH_CONTACT_KEY")


async def test_a_wrong_contact_key_is_found_at_start(store: SqlStore,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    """Start-up tries the key on the newest sealed detail (server/app.py), so a data folder
    restored without its contact.key is named in the log at once, not when a coordinator
    first opens a request; with nothing sealed yet there is nothing to say."""
    from server.app import _check_contact_key

    keyed = SqlStore(store.url, audit_key=TEST_AUDIT_KEY, contact_key=KEY)
    other = SqlStore(store.url, audit_key=TEST_AUDIT_KEY,
                     contact_key=bytes(reversed(range(32))))
    try:
        assert await keyed.referrals.key_opens() is None
        await keyed.referrals.add(source="self", language="en", audience="mothers",
                                  times=(), details=DETAILS, at=NOW)
        assert await keyed.referrals.key_opens() is True
        assert await other.referrals.key_opens() is False
        await _check_contact_key(keyed)
        assert "contact key" not in caplog.text
        await _check_contact_key(other)
        assert "does not open the contact details already stored" in caplog.text
    finally:
        await keyed.aclose()
        await other.aclose()
