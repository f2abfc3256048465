"""The anonymous impact report through a real server (issue 13, part 5): sessions held and
attendances counted from real rooms, first visits told from returns by the browser's key,
check-ins, alerts; the JSON and CSV answers; who may read them; and nothing in any of them
that names anyone or repeats what was said."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text as sql

from server.auth.tokens import Signer
from server.http.common import DEVICE_COOKIE
from server.programme import referring
from server.programme.referrals import ContactDetails
from tests.conftest import MakeServer
from tests.harness import Client, SuiteHarness

NAMES = ("Aurelia", "Bronwen", "Carys", "Delyth", "Eirlys", "Ffion", "Gwenllian")
SAID = "I've taken all my tablets and I want to die"
ROOM_NAME = "Llanelli Tuesday mums"


@pytest.fixture
async def hs(make_server: MakeServer) -> AsyncIterator[SuiteHarness]:
    """A server of its own: the report counts everything on it."""
    value = SuiteHarness(make_server())
    try:
        yield value
    finally:
        await value.aclose()


async def session(hs: SuiteHarness, room_id: str, invite: str,
                  browsers: list[httpx.AsyncClient], names: tuple[str, ...]
                  ) -> tuple[Client, list[tuple[Client, str]]]:
    """A facilitator opens ``room_id`` and lets in one parent per browser."""
    fac = await hs.facilitator(room_id, "Fran")
    people = []
    for browser, name in zip(browsers, names, strict=True):
        joined = await hs.join_as(browser, invite, name)
        who = await hs.connect(joined["token"])
        await hs.admit(fac, who)
        people.append((who, joined["token"]))
    return fac, people


async def report(client: httpx.AsyncClient, until: Any = None, **query: str) -> Any:
    """The JSON report for today, once ``until`` says it has caught up (writes are in the
    background)."""
    today = datetime.now(UTC).date().isoformat()
    deadline = time.monotonic() + 10
    while True:
        answer = await client.get("/api/reports/impact",
                                  params={"from": today, "to": today, **query})
        assert answer.status_code == 200, answer.text
        found = answer.json()
        if until is None or until(found) or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.1)


async def test_sessions_attendances_returns_and_check_ins_are_counted_without_names(
        hs: SuiteHarness) -> None:
    room_id, invite = await hs.room(name=ROOM_NAME)
    browsers = [hs.browser() for _ in range(7)]
    fac, people = await session(hs, room_id, invite, browsers[:6], NAMES[:6])
    # A dropped connection coming back is the same attendance; so is a second join from the
    # same browser in the same session.
    await people[0][0].close()
    await hs.connect(people[0][1])
    again = await hs.connect((await hs.join_as(browsers[1], invite, "Bronwen"))["token"])
    await hs.admit(fac, again)
    await people[2][0].send("chat.send", text=SAID)
    await fac.expect("alert")
    # Check-ins as they leave: one answer each, only parents, only known answers.
    for (_, token), answer in zip(people[:3], ("better", "better", "same"), strict=True):
        sent = await hs.http.post("/api/check-in", json={"token": token, "answer": answer})
        assert sent.status_code == 201, sent.text
    twice = await hs.http.post("/api/check-in", json={"token": people[0][1], "answer": "worse"})
    assert (twice.status_code, twice.json()) == (200, {"kept": False})
    odd = await hs.http.post("/api/check-in", json={"token": people[3][1], "answer": "fine"})
    assert odd.status_code == 400
    forged = await hs.http.post("/api/check-in", json={"token": "x" + people[3][1],
                                                        "answer": "same"})
    assert forged.status_code == 401
    staff_token = (await hs.staff_token(room_id, name="Fiona"))["token"]
    staff = await hs.http.post("/api/check-in", json={"token": staff_token, "answer": "same"})
    assert staff.status_code == 403
    await fac.send("room.end")
    await fac.expect("room.ended")

    # The next session: three of them come back, with one newcomer.
    fac, _ = await session(hs, room_id, invite, browsers[3:7], NAMES[3:7])
    await fac.send("room.end")
    await fac.expect("room.ended")

    # One-to-one support: a referral with her details, and a session in a one-to-one room,
    # which is not a group's session or attendance.
    referral = await referring.submit(hs.store, source="professional", language="pl",
                                      audience="mothers", times=(), details=ContactDetails(
                                          name="Zofia Private", reach="zofia@example.org",
                                          need="sleepless and scared",
                                          referrer_name="Dr Referrer", referrer_role="GP"))
    one = await hs.store.add_room("One-to-one x", "mothers", kind="one_to_one")
    held = await hs.store.impact.session_opened(one.id, "mothers", datetime.now(UTC))
    await hs.store.impact.attended(held, "who-121", "visitor-121", datetime.now(UTC))

    _, admin = await hs.staff("admin")
    _, coordinator = await hs.staff("coordinator")
    try:
        found = await report(coordinator, lambda r: r["attendances"]["total"] == 10
                             and r["sessions"]["total"] == "<5")
        assert found["attendances"]["total"] == 10
        assert found["attendances"]["by_audience"]["mothers"] == 10
        assert found["attendances"]["people"] == 7
        assert found["attendances"]["first_time"] == 7
        assert found["attendances"]["returning"] == "<5"  # three came back
        assert found["sessions"]["total"] == "<5"  # two
        assert found["check_ins"]["answers"] == {"better": "<5", "same": "<5", "worse": 0}
        assert found["alerts"]["total"] == "<5"
        assert found["alerts"]["by_category"]["suicide"] == "<5"
        assert found["counting_since"] == datetime.now(UTC).date().isoformat()
        assert set(found) >= {"sessions", "attendances", "volunteer_hours", "alerts"}
        assert found["one_to_one"]["requests_by_source"] == {"self": 0, "professional": "<5"}
        assert found["one_to_one"]["sessions"]["total"] == "<5"
        assert found["one_to_one"]["matched"] == 0

        as_csv = await admin.get("/api/reports/impact", params={
            "from": found["from"], "to": found["to"], "format": "csv"})
        assert as_csv.status_code == 200
        assert as_csv.headers["content-type"].startswith("text/csv")
        assert "attachment" in as_csv.headers["content-disposition"]
        assert "attendances.total,10" in as_csv.text.splitlines()
        page = await coordinator.get("/reports/impact")
        assert page.status_code == 200 and "Impact report" in page.text

        # Invariant 9, and no link to the bans: the rows kept for the report hold no address
        # and not the device hash a ban stores, only keys derived from it under their own.
        signer = Signer(hs.server.settings.with_secret().secret_key or "")
        devices = {signer.device_hash(cookie) for b in browsers
                   if (cookie := b.cookies.get(DEVICE_COOKIE))}
        assert len(devices) == len(browsers)
        rows: list[Any] = []
        async with hs.store.engine.connect() as connection:
            for table in ("held_sessions", "attendances", "check_ins"):
                rows += (await connection.execute(sql(f"SELECT * FROM {table}"))).all()
        assert len(rows) >= 10 + 3  # the attendances and check-ins above are all here
        kept = " ".join(str(value) for row in rows for value in row)
        assert "127.0.0.1" not in kept
        assert not any(device in kept for device in devices)

        # Nothing that names anyone, repeats what was said or names the group.
        json_text = (await admin.get("/api/reports/impact")).text
        for text in (json_text, as_csv.text, page.text):
            for private in (*NAMES, "Fran", "Fiona", "tablets", ROOM_NAME, room_id,
                            "Zofia", "zofia@", "sleepless", "Dr Referrer", referral.id,
                            one.id, "One-to-one x"):
                assert private not in text, private
    finally:
        await admin.aclose()
        await coordinator.aclose()


async def test_only_admins_and_coordinators_read_it_and_bad_periods_are_refused(
        hs: SuiteHarness) -> None:
    _, facilitator = await hs.staff("facilitator")
    _, lead = await hs.staff("safeguarding_lead")
    _, coordinator = await hs.staff("coordinator")
    async with contextlib.AsyncExitStack() as stack:
        for client in (facilitator, lead, coordinator):
            stack.push_async_callback(client.aclose)
        assert (await hs.http.get("/api/reports/impact")).status_code == 401
        for client in (facilitator, lead):
            assert (await client.get("/api/reports/impact")).status_code == 403
            assert (await client.get("/reports/impact")).status_code == 403
        for query, words in ((("from", "2026-02-30"),), "YYYY-MM-DD"), (
                (("from", "2026-12-10"), ("to", "2026-12-01")), "end before"), (
                (("format", "xml"),), "json or csv"):
            answer = await coordinator.get("/api/reports/impact", params=dict(query))
            assert answer.status_code == 400 and words in answer.json()["error"]["message"], query
        page = await coordinator.get("/reports/impact", params={"from": "2026-12-10",
                                                                "to": "2026-12-01"})
        assert page.status_code == 400 and "end before" in page.text
        empty = (await coordinator.get("/api/reports/impact")).json()
        assert empty["counting_since"] is None and len(empty["months"]) == 13
