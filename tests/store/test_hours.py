"""Issue 13, part 4 in the store, on SQLite and PostgreSQL: a volunteer's presence in a room
becomes one time entry per session (reconnections merged, preparation once), corrected with
the original kept; the timekeeper writes it in the background and rides out a database that
goes away; a debrief's concern reaches the lead as an escalation by the facilitators' own
path; debriefs and supervision notes are private (audited readings) and go with an erased
account, whose hours stay without them; and migration 0014 on a database from before it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import inspect, text

from server.auth import erasure
from server.programme import manage, reflective
from server.programme.debriefs import DebriefForm
from server.programme.hours import Span, summarise
from server.programme.timekeeper import Timekeeper
from server.safeguarding.notify import Notifier
from server.safeguarding.service import SafeguardingService
from server.store.bus import open_bus
from server.store.db import SqlStore
from tests.store.test_db import _downgrade

T0 = datetime(2026, 3, 31, 22, 0, tzinfo=UTC)  # 23:00 in London (BST): still March


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
async def safeguarding(store: SqlStore) -> AsyncIterator[SafeguardingService]:
    """The real service, without a journal: the same calls a group's escalation makes."""
    service = SafeguardingService(store, open_bus("memory://"), Notifier(),
                                  "http://hearth.test")
    yield service
    await service.aclose()


async def test_a_session_is_one_entry_whatever_the_reconnections(store: SqlStore) -> None:
    fran = await store.add_staff("fran", "hash", "facilitator")
    sam = await store.add_staff("sam", "hash", "facilitator")
    room = await store.add_room("Tuesday mums", "mothers")
    other = await store.add_room("Dads", "fathers_partners")

    def span(start: float, end: float, room_id: str = room.id) -> Span:
        return Span(fran.id, room_id, "mothers", "facilitator", at(start), at(end))

    first = await store.hours.record(span(0, 40), 15)
    assert (first.minutes, first.prep_minutes, first.total, first.room_name) == (
        40, 15, 55, "Tuesday mums")
    # A second tab overlapping, then a dropped connection back within the gap: one session,
    # its preparation counted once.
    again = await store.hours.record(span(30, 90), 15)
    assert again.id == first.id and again.minutes == 90 and again.total == 105
    back = await store.hours.record(span(100, 110), 15)
    assert back.id == first.id and (back.started_at, back.ended_at) == (at(0), at(110))
    # Hours later, or in another group: sessions of their own.
    evening = await store.hours.record(span(300, 360), 15)
    dads = await store.hours.record(span(5, 30, other.id), 15)
    entries = await store.hours.entries(fran.id)  # newest first
    assert [e.id for e in entries] == [evening.id, dads.id, first.id]
    assert await store.hours.latest_in(fran.id, room.id) == evening

    # The volunteer's own figure; the recorded one is kept beside it.
    changed = await store.hours.correct(fran.id, first.id, 150, "stayed on the phone",
                                        fran.id, at(400))
    assert changed is not None
    before, after = changed
    assert (before.total, after.total, after.recorded) == (125, 150, 125)
    assert (after.corrected_by, after.correction_reason) == (fran.id, "stayed on the phone")
    # Later reconnections widen the session and keep the correction.
    wider = await store.hours.record(span(-10, 5), 15)
    assert wider.id == first.id and wider.minutes == 120 and wider.total == 150
    # Someone else's session looks like no session at all.
    assert await store.hours.entry(sam.id, first.id) is None
    assert await store.hours.correct(sam.id, first.id, 1, "mine", sam.id, at(400)) is None
    with pytest.raises(LookupError):
        await store.hours.record(Span(fran.id, "r_nowhere", "mothers", "facilitator",
                                      at(0), at(1)), 15)

    # Totals by UK month: 23:00 on 31 March is March; 04:00 the next day, April.
    summary = summarise(await store.hours.entries(fran.id))
    assert (summary.sessions, summary.minutes) == (3, 150 + 75 + 40)
    assert [(m.month, m.sessions) for m in summary.months] == [
        (date(2026, 4, 1), 1), (date(2026, 3, 1), 2)]


async def test_the_timekeeper_rides_out_a_database_that_goes_away(store: SqlStore) -> None:
    fran = await store.add_staff("fran", "hash", "facilitator")
    room = await store.add_room("Tuesday mums", "mothers")
    times: Iterator[datetime] = iter([at(0), at(2), at(3), at(50), at(51), at(80)])
    keeper = Timekeeper(store, 20, clock=lambda: next(times), retry_first=0.02,
                        retry_max=0.05)
    keeper.joined(1, fran.id, room.id, "mothers", "facilitator")
    keeper.left(7)  # not a staff connection it knows: nothing
    keeper.joined(2, fran.id, room.id, "mothers", "facilitator")  # a second tab
    async with store.engine.begin() as connection:  # the table goes away for a while
        await connection.execute(text("ALTER TABLE volunteer_hours RENAME TO hours_away"))
    keeper.left(1)
    keeper.left(1)  # reported twice, counted once
    keeper.left(2)
    assert not await keeper.settled(0.2) and keeper.waiting == 2 and keeper.failures >= 1
    async with store.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE hours_away RENAME TO volunteer_hours"))
    assert await keeper.settled(5)
    [entry] = await store.hours.entries(fran.id)
    assert (entry.started_at, entry.ended_at, entry.minutes, entry.prep_minutes) == (
        at(0), at(50), 50, 20)
    keeper.joined(3, fran.id, room.id, "mothers", "facilitator")
    keeper.leave_all()  # shutting down
    await keeper.aclose()
    [entry] = await store.hours.entries(fran.id)
    assert entry.ended_at == at(80)


async def test_a_debriefs_concern_reaches_the_lead_once_by_the_escalation_path(
        store: SqlStore, safeguarding: SafeguardingService) -> None:
    fran = await store.add_staff("fran", "hash", "facilitator")
    room = await store.add_room("Tuesday mums", "mothers")
    entry = await store.hours.record(Span(fran.id, room.id, "mothers", "facilitator", at(0),
                                          at(60)), 15)
    quiet = DebriefForm(went="hard", affected="It brought back my own first weeks")
    saved, raised = await reflective.save_debrief(store, safeguarding, fran, entry, quiet)
    assert not raised and not saved.concern_raised
    assert await store.safeguarding.escalations() == []

    worried = DebriefForm(went="hard", affected="Still thinking of her", concern=True,
                          concern_text="Wren said her partner checks her phone",
                          concern_about="Wren", concern_category="domestic_abuse")
    saved, raised = await reflective.save_debrief(store, safeguarding, fran, entry, worried)
    assert raised and saved.concern_raised and saved.affected == "Still thinking of her"
    [escalation] = await store.safeguarding.escalations()
    assert (escalation.room_id, escalation.severity, escalation.categories,
            escalation.participant_name, escalation.raised_by) == (
        room.id, "concern", ("domestic_abuse",), "Wren", "fran")
    told = await store.safeguarding.escalation(escalation.id)
    assert told is not None and [n.text for n in told.notes] == [
        "Wren said her partner checks her phone"]
    # The lead gets the concern, not the debrief; and no group shows it as an open alert.
    assert escalation.excerpt is None
    assert await store.safeguarding.open_alerts(room.id) == []
    assert [a.kind for a in [await store.safeguarding.alert(saved.concern_alert or "")]
            if a] == ["debrief"]
    # Saved again (even with the box ticked): the concern is not raised twice.
    _, raised = await reflective.save_debrief(store, safeguarding, fran, entry, worried)
    assert not raised and len(await store.safeguarding.escalations()) == 1
    actions = [e.action for e in await store.safeguarding.audit_entries()]
    assert actions == ["alert.raised", "alert.ack", "escalation.raised"]
    assert (await store.safeguarding.verify_audit()).ok


async def test_reflections_are_private_and_go_with_an_erased_account(
        store: SqlStore, safeguarding: SafeguardingService) -> None:
    fran = await store.add_staff("fran", "hash", "facilitator")
    cora = await store.add_staff("cora", "hash", "coordinator")
    ada = await store.add_staff("ada", "hash", "admin")
    await store.add_staff("ann", "hash", "admin")  # not the last admin when fran goes
    room = await store.add_room("Tuesday mums", "mothers")
    entry = await store.hours.record(Span(fran.id, room.id, "mothers", "facilitator", at(0),
                                          at(60)), 15)
    await reflective.correct_hours(store, fran, entry.id, 90, "set up the room early")
    await reflective.save_debrief(store, safeguarding, fran, entry,
                                  DebriefForm(went="well", notes="A lovely group"))
    note = await reflective.add_note(store, cora, fran, date(2026, 4, 2), "Talked about rest")
    with pytest.raises(reflective.NotAllowed):
        await reflective.add_note(store, ada, fran, date(2026, 4, 2), "An admin's note")
    with pytest.raises(reflective.NotAllowed):
        await reflective.reflections(store, ada, fran)  # an admin reads none of it

    # The volunteer reads their own unaudited; a coordinator's reading is audited.
    debriefs, notes, chosen = await reflective.reflections(store, fran, fran)
    assert [d.notes for d in debriefs] == ["A lovely group"] and notes == [note]
    assert chosen is None  # no supervisor yet: every coordinator reads
    before = len(await store.safeguarding.audit_entries())
    await reflective.reflections(store, cora, fran)
    [read] = (await store.safeguarding.audit_entries())[before:]
    assert (read.actor, read.action, read.target) == ("cora", "volunteer.reflections.read",
                                                      fran.id)
    assert json.loads(read.detail) == {"username": "fran", "as_supervisor": False,
                                       "debriefs": 1, "notes": 1}

    # Once cora is chosen as her supervisor (audited, by account id), another coordinator
    # is refused, told who; a disabled coordinator supervises nobody; an admin is no one's.
    cleo = await store.add_staff("cleo", "hash", "coordinator")
    with pytest.raises(manage.NotACoordinator):
        await manage.set_supervisor(store, "ada", fran, ada)
    assert await manage.set_supervisor(store, "ada", fran, cora)
    assert not await manage.set_supervisor(store, "ada", fran, cora)  # unchanged
    [chose] = [e for e in await store.safeguarding.audit_entries()
               if e.action == "volunteer.supervisor"]
    assert (chose.actor, chose.target) == ("ada", fran.id)
    assert json.loads(chose.detail) == {"username": "fran", "supervisor": cora.id,
                                        "was": None}
    for step in (reflective.reflections(store, cleo, fran),
                 reflective.add_note(store, cleo, fran, date(2026, 4, 2), "Cleo's note")):
        with pytest.raises(reflective.NotAllowed) as refused:
            await step
        assert refused.value.supervisor is not None and refused.value.supervisor.id == cora.id
    *_, chosen = await reflective.reflections(store, cora, fran)
    assert chosen is not None and chosen.id == cora.id
    assert json.loads((await store.safeguarding.audit_entries())[-1].detail)["as_supervisor"]
    await store.set_disabled(cora.id, True)
    assert await reflective.supervisor(store, fran) is None
    await reflective.reflections(store, cleo, fran)  # nobody counts: every coordinator
    await store.set_disabled(cora.id, False)
    assert (await reflective.supervisor(store, fran)) == await store.staff_by_id(cora.id)
    words = " ".join(e.detail for e in await store.safeguarding.audit_entries())
    assert "lovely" not in words and "rest" not in words and "early" not in words

    # Their export holds their time, debrief and notes, not who wrote the notes.
    document = await erasure.export(store, fran, "fran")
    assert [h["counted_minutes"] for h in document["hours"]] == [90]
    assert document["debriefs"][0]["notes"] == "A lovely group"
    assert document["supervision_notes"] == [{"held_on": "2026-04-02",
                                              "text": "Talked about rest",
                                              "written_at": note.created_at.isoformat()}]
    assert cora.id not in json.dumps(document)
    assert document["volunteer"]["supervisor_chosen"] is True
    [told] = [e for e in document["audit"] if e["action"] == "volunteer.supervisor"]
    assert told["detail"] == {"username": "fran", "supervisor_chosen": True}

    # Erasing her supervisor leaves her with none (the row stays as a tombstone).
    await erasure.erase(store, "command line", "command line", cora)
    assert (await store.volunteers.profile(fran.id)).supervisor_id is None

    await erasure.erase(store, "command line", "command line", fran)
    assert await store.reflections.debriefs(fran.id) == []
    assert await store.reflections.notes(fran.id) == []
    async with store.engine.connect() as connection:
        kept = (await connection.execute(text(
            "SELECT staff_id, corrected_minutes, corrected_by, correction_reason, audience "
            "FROM volunteer_hours"))).all()
    assert [tuple(row) for row in kept] == [(None, 90, None, "", "mothers")]


async def test_0014_adds_hours_and_debriefs_to_an_existing_database(empty_url: str) -> None:
    store = SqlStore(empty_url)
    try:
        await store.migrate(to="0013")
        async with store.engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO staff (id, username, password_hash, role, created_at, disabled) "
                "VALUES ('s_old', 'fran', 'hash', 'facilitator', :at, false)"), {"at": T0})
            await connection.execute(text(
                "INSERT INTO rooms (id, name, audience, lobby, focus, locked, created_at) "
                "VALUES ('r_old', 'Old group', 'mothers', true, true, false, :at)"), {"at": T0})
        await store.migrate(to="0014")
        assert await store.hours.entries("s_old") == []  # nothing made up
        entry = await store.hours.record(Span("s_old", "r_old", "mothers", "facilitator",
                                              at(0), at(45)), 15)
        assert entry.total == 60 and entry.room_name == "Old group"

        await _downgrade(store, "0013")
        async with store.engine.connect() as connection:
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert not {"volunteer_hours", "debriefs", "supervision_notes"} & tables
        await store.migrate(to="0014")  # and up again
        assert await store.hours.entries("s_old") == []
    finally:
        await store.aclose()
