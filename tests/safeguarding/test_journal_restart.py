"""The journal across a crash: the process is SIGKILLed while an urgent alert waits in
the journal (the database would not take it), and the next start, with the database
writable again, stores it, escalates it once and tells the lead once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from server.auth.passwords import hash_password
from server.safeguarding.journal import JOURNAL_FILE
from server.safeguarding.notify import BATCH_DELAY
from server.settings import Settings
from server.store.db import SqlStore
from tests.harness import audit_key_of
from tests.safeguarding.faults import (
    SqliteWriteLock,
    escalations_of,
    notices_for,
    wait_for_escalation,
    wait_for_notice,
)
from tests.safeguarding.test_durable import (
    PASSWORD,
    URGENT,
    Process,
    admitted_group,
)
from tests.safeguarding.test_notify import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


async def prepare(data_dir: Path, *staff: tuple[str, str]) -> tuple[str, str]:
    """A data folder with a room and staff accounts, made directly (faster than the
    command line); returns (room id, invite code)."""
    settings = Settings(data_dir=data_dir)
    settings.prepare_storage()
    store = SqlStore(settings.resolved_database_url, audit_key=audit_key_of(data_dir))
    try:
        await store.migrate()
        room = await store.add_room("Mums' circle", "mothers")
        invite = await store.add_invite(room.id)
        for username, role in staff:
            member = await store.add_staff(username, hash_password(PASSWORD), role)
            if role == "facilitator":  # only assigned facilitators take a room's tokens
                await store.assign_staff(room.id, member.id)
        return room.id, invite.code
    finally:
        await store.aclose()


async def test_a_journalled_alert_is_stored_once_after_sigkill(tmp_path: Path,
                                                               receiver: Receiver) -> None:
    room_id, invite = await prepare(tmp_path, ("fran", "facilitator"))
    hearth = Process(tmp_path)
    hearth.env["HEARTH_REQUIRE_2FA"] = "none"  # two-step login has tests of its own
    hearth.env["HEARTH_WEBHOOK_URL"] = receiver.url
    hearth.env["HEARTH_SAFEGUARDING_WRITE_WAIT"] = "0.5"
    database = tmp_path / "hearth.db"
    store = SqlStore(f"sqlite:///{database}", audit_key=audit_key_of(tmp_path))
    try:
        hearth.start()
        origin = hearth.origin
        async with httpx.AsyncClient(base_url=origin, headers={"Origin": origin}) as http:
            fac, ann = await admitted_group(http, origin, room_id, invite)
            with SqliteWriteLock(database):
                await ann.send("chat.send", text=URGENT, ref="urgent")
                alert = await fac.expect("alert", timeout=20)  # journalled: at once
                await ann.expect("chat.held")
                assert (tmp_path / JOURNAL_FILE).stat().st_size > 0
                hearth.kill()  # the database never took it
            for client in (fac, ann):
                await client.ws.close()
        assert await escalations_of(store, alert["id"]) == []
        assert receiver.requests == []

        hearth.start()  # the database is writable again
        [escalation] = await wait_for_escalation(store, alert["id"], timeout=15)
        assert escalation.excerpt == URGENT and escalation.room_id == room_id
        await wait_for_notice(receiver.requests, escalation.id)
        await asyncio.sleep(BATCH_DELAY + 1)
        assert len(await escalations_of(store, alert["id"])) == 1
        assert notices_for(receiver.requests, escalation.id) == 1
        assert (await store.safeguarding.verify_audit()).ok
        assert (tmp_path / JOURNAL_FILE).stat().st_size == 0  # all stored
    finally:
        hearth.stop()
        await store.aclose()
