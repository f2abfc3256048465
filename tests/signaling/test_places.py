"""Issue 11, item 5: an admitted parent's place survives a server restart.

A real server is stopped and a new one started on the same data folder and port (what
an operator's restart looks like to a browser). The parent who had been let in comes
back into the room without being admitted again, and ``welcome.restarted`` says why;
nobody else gains anything: someone waiting, someone who left or was removed, a banned
one, a session that ended, and a place not taken back within ``empty_room_grace``.
The store's part (``room_places``) is checked on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from server.signaling import places as places_module
from server.signaling.places import Places
from server.store import db, failures
from server.store.db import SqlStore
from tests import harness
from tests.harness import TEST_AUDIT_KEY, Client, ServerThread, SuiteHarness, drain
from tests.postgres import own_database
from tests.safeguarding.faults import SqliteWriteLock


class Restartable:
    """A server on one data folder and port that can be stopped and started again."""

    def __init__(self, data_dir: Path, **overrides: Any) -> None:
        self.settings = harness.test_settings(data_dir, **overrides)
        self.server: ServerThread | None = None

    async def start(self) -> SuiteHarness:
        self.server = await asyncio.to_thread(ServerThread(self.settings).start)
        return SuiteHarness(self.server)

    async def stop(self) -> None:
        if self.server is not None:
            server, self.server = self.server, None
            await asyncio.to_thread(server.stop)

    async def restart(self, before: SuiteHarness) -> SuiteHarness:
        await before.aclose()
        await self.stop()
        return await self.start()


@pytest.fixture
async def restartable(tmp_path: Path) -> AsyncIterator[Restartable]:
    run = Restartable(tmp_path)
    yield run
    await run.stop()


async def newcomer(hs: SuiteHarness, invite: str, name: str) -> tuple[Client, str]:
    token = str((await hs.join_as(hs.browser(), invite, name))["token"])
    return await hs.connect(token), token


async def let_in(hs: SuiteHarness, fac: Client, invite: str, name: str) -> tuple[Client, str]:
    who, token = await newcomer(hs, invite, name)
    await hs.admit(fac, who)
    return who, token


async def places_of(store: SqlStore, room_id: str) -> set[str]:
    async with store.engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT participant_id FROM room_places WHERE room_id = :room"),
            {"room": room_id})
        return {str(row[0]) for row in rows}


async def eventually_places(store: SqlStore, room_id: str, wanted: set[str]) -> None:
    for _ in range(100):
        if await places_of(store, room_id) == wanted:
            return
        await asyncio.sleep(0.05)
    assert await places_of(store, room_id) == wanted


async def test_an_admitted_parent_is_back_in_the_room_after_a_restart_and_told_why(
        restartable: Restartable) -> None:
    hs = await restartable.start()
    room_id, invite = await hs.room()
    fac_token = str((await hs.staff_token_pooled(room_id, "Fran"))["token"])
    fac = await hs.connect(fac_token)
    ann, ann_token = await let_in(hs, fac, invite, "Ann")
    _, bea_token = await newcomer(hs, invite, "Bea")  # waiting, never let in
    await fac.expect("lobby.knock")
    cat, cat_token = await let_in(hs, fac, invite, "Cat")
    dan, dan_token = await let_in(hs, fac, invite, "Dan")
    eve, eve_token = await let_in(hs, fac, invite, "Eve")
    await cat.send("leave")
    assert await cat.closed() == 1000
    await fac.send("participant.remove", participant=dan.id)
    await fac.send("participant.remove", participant=eve.id, ban=True)
    assert await dan.closed() == 4403 and await eve.closed() == 4403
    await drain(fac)
    # Ids and times only, and only for those still in the group.
    await eventually_places(hs.store, room_id, {ann.id})
    async with hs.store.engine.connect() as connection:
        columns = [row[1] for row in await connection.execute(
            text("PRAGMA table_info(room_places)"))]
    assert columns == ["room_id", "participant_id", "expires_at", "resume_by"]

    hs = await restartable.restart(hs)

    # The facilitator's page comes back as before; so does Ann, straight into the room.
    fac = await hs.connect(fac_token)
    assert fac.welcome["state"] == "room" and "restarted" not in fac.welcome
    ann = await hs.connect(ann_token)
    assert ann.welcome["state"] == "room"
    assert ann.welcome["restarted"] is True
    assert {p["name"] for p in ann.welcome["participants"]} == {"Fran", "Ann"}
    joined = await fac.expect("participant.joined")
    assert joined["participant"]["id"] == ann.id
    await ann.send("chat.send", text="still here")
    await fac.expect("chat", text="still here")
    # Told once: a later drop and return is an ordinary reconnection.
    await ann.close()
    again = await hs.connect(ann_token)
    assert again.welcome["state"] == "room" and "restarted" not in again.welcome

    # Nobody else gains a place: waiting, left or removed wait again; banned stays out.
    for token in (bea_token, cat_token, dan_token):
        back = await hs.connect(token)
        assert back.welcome["state"] == "lobby", token
        assert "restarted" not in back.welcome
    assert (await hs.refused(eve_token))[1] == 4403

    # The session ends: nothing of it is kept, and a restart gives nobody a place.
    await fac.send("room.end")
    await fac.expect("room.ended")
    await eventually_places(hs.store, room_id, set())
    hs = await restartable.restart(hs)
    ann = await hs.connect(ann_token)
    assert ann.welcome["state"] == "lobby" and "restarted" not in ann.welcome
    await hs.aclose()


async def test_a_place_not_taken_back_within_the_grace_is_gone(tmp_path: Path) -> None:
    run = Restartable(tmp_path, empty_room_grace=1.0)
    try:
        hs = await run.start()
        room_id, invite = await hs.room()
        fac = await hs.fac(room_id)
        ann, ann_token = await let_in(hs, fac, invite, "Ann")
        await eventually_places(hs.store, room_id, {ann.id})
        hs = await run.restart(hs)
        await asyncio.sleep(1.5)  # nobody came back in time: the session is over
        ann = await hs.connect(ann_token)
        assert ann.welcome["state"] == "lobby"
        await eventually_places(hs.store, room_id, set())
        await hs.aclose()
    finally:
        await run.stop()


# -- the store's part, on both databases -----------------------------------------------------

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from own_database(request.param, tmp_path / "hearth.db")


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    opened = SqlStore(database_url, audit_key=TEST_AUDIT_KEY)
    await opened.migrate()
    yield opened
    await opened.aclose()


async def test_places_expire_and_must_be_taken_back_in_time(store: SqlStore) -> None:
    room = (await store.add_room("Circle", "mothers")).id
    other = (await store.add_room("Other", "mothers")).id
    hour = timedelta(hours=1)
    await store.keep_place(room, "p_ann", NOW + hour)
    await store.keep_place(room, "p_ann", NOW + 2 * hour)  # admitted again: one place
    await store.keep_place(room, "p_old", NOW - timedelta(seconds=1))  # the token's life is over
    await store.keep_place(other, "p_bob", NOW + hour)
    assert await store.take_places(room, NOW) == {"p_ann"}
    assert await store.take_places(room, NOW) == {"p_ann"}  # taking keeps them

    # Shut down (or started after a crash): back within the grace, or gone.
    await store.suspend_places(NOW + timedelta(seconds=10), NOW)
    await store.suspend_places(NOW + timedelta(seconds=99), NOW)  # the earlier limit stays
    assert await store.take_places(room, NOW + timedelta(seconds=5)) == {"p_ann"}
    # Taken back: the session is held again, so the limit no longer applies...
    assert await store.take_places(room, NOW + timedelta(seconds=50)) == {"p_ann"}
    # ...but not taken back in time, it goes.
    assert await store.take_places(other, NOW + timedelta(seconds=50)) == set()
    assert await store.take_places(other, NOW) == set()

    await store.drop_place(room, "p_ann")
    assert await store.take_places(room, NOW) == set()
    await store.keep_place(room, "p_ann", NOW + hour)
    await store.keep_place(room, "p_cat", NOW + hour)
    await store.drop_places(room)
    assert await store.take_places(room, NOW) == set()
    # Expired places, and those not taken back in time, go at the next start or shutdown
    # even in rooms nobody opens again.
    await store.keep_place(other, "p_dan", NOW - hour)
    await store.keep_place(other, "p_eve", NOW + hour)
    await store.suspend_places(NOW + timedelta(seconds=10), NOW)
    await store.suspend_places(NOW + hour, NOW + timedelta(seconds=20))
    async with store.engine.connect() as connection:
        left = (await connection.execute(text("SELECT count(*) FROM room_places"))).scalar()
    assert left == 0


# -- writes the database does not take at once ------------------------------------------------


@pytest.fixture
async def busy_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SqlStore]:
    """A SQLite store that gives up on a held write lock after 0.1 s, not 5 (read when each
    connection opens), and tries again every 0.05 s."""
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 100)
    monkeypatch.setattr(failures, "RETRY_DELAYS", (0.05,))
    opened = SqlStore(f"sqlite:///{tmp_path / 'hearth.db'}", audit_key=TEST_AUDIT_KEY)
    await opened.migrate()
    yield opened
    await opened.aclose()


def _places(store: SqlStore) -> Places:
    return Places(store, lifetime=3600, grace=60, clock=lambda: datetime.now(UTC))


async def test_places_the_database_would_not_take_are_saved_after_in_order(
        busy_store: SqlStore, tmp_path: Path) -> None:
    """A busy database used to cost the places written meanwhile (the parent waited in the
    lobby after the next restart): now they wait, in order, and are saved once it lets go."""
    room = (await busy_store.add_room("Circle", "mothers")).id
    places = _places(busy_store)
    with SqliteWriteLock(tmp_path / "hearth.db"):
        places.kept(room, "p_ann")
        places.kept(room, "p_bob")
        places.given_up(room, "p_bob")  # must not come back because it was tried again
        await asyncio.sleep(0.6)  # several tries, each refused
        assert await places_of(busy_store, room) == set()
    await eventually_places(busy_store, room, {"p_ann"})
    assert await places.take(room) == {"p_ann"}
    await places.aclose()


async def test_a_room_waits_for_its_places_a_short_while_only(
        busy_store: SqlStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Behind a write the database will not take, a room being built gets no places after
    TAKE_WAIT (everyone waits to be admitted) rather than waiting out the outage; the write
    is still saved after, and a server closing does not wait past CLOSE_WAIT."""
    monkeypatch.setattr(places_module, "TAKE_WAIT", 0.3)
    monkeypatch.setattr(places_module, "CLOSE_WAIT", 0.3)
    room = (await busy_store.add_room("Circle", "mothers")).id
    places = _places(busy_store)
    with SqliteWriteLock(tmp_path / "hearth.db"):
        places.kept(room, "p_ann")
        started = time.monotonic()
        assert await places.take(room) == set()
        assert time.monotonic() - started < 2
    await eventually_places(busy_store, room, {"p_ann"})
    assert await places.take(room) == {"p_ann"}

    closing = _places(busy_store)
    with SqliteWriteLock(tmp_path / "hearth.db"):
        closing.given_up(room, "p_ann")
        started = time.monotonic()
        await closing.aclose()
        assert time.monotonic() - started < 2
    assert await places_of(busy_store, room) == {"p_ann"}  # dropped, and said so in the log
    await places.aclose()
