"""Issue 13, part 1: schedules, through the real server. An admin gives a group its time
zone and sessions on /admin/rooms (mistakes answered by the field, nothing typed lost);
the join page shows the next session and offers it for a calendar; the waiting room opens
only before each session (``/api/join`` says when, otherwise); staff see today's sessions."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
import icalendar

from server.auth import manage
from tests.harness import SuiteHarness
from tests.http.test_coordinator import field_of, live_invite, room_named, unique
from tests.http.test_staff_security import account, admin_post, audit_by, browsers

__all__ = ["browsers"]  # the fixture, used by name

KARACHI = ZoneInfo("Asia/Karachi")


async def a_group(hs: SuiteHarness, admin: httpx.AsyncClient, name: str) -> str:
    made = await admin_post(admin, "/admin/rooms", "/admin/rooms", name=name,
                            audience="mothers")
    assert made.status_code == 303
    return await room_named(hs, name)


async def join(hs: SuiteHarness, invite: str) -> httpx.Response:
    return await hs.http.post("/api/join", json={"invite": invite, "name": None, "agree": True})


def local(when: datetime) -> dict[str, str]:
    """A session's date and time fields as the admin types them, in Karachi's clock."""
    there = when.astimezone(KARACHI)
    return {"first": there.date().isoformat(), "start": there.strftime("%H:%M")}


async def test_an_admin_schedules_a_group_and_parents_see_when_it_meets(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    admin_name, _, admin = await account(hs, browsers, "admin")
    name = unique("Evening mums")
    room_id = await a_group(hs, admin, name)
    invite = await live_invite(hs, room_id)
    assert (await join(hs, invite)).status_code == 201  # no sessions: open as before
    page = await hs.http.get(f"/join/{invite}")
    assert 'id="when"' not in page.text

    saved = await admin_post(admin, f"/admin/rooms/{room_id}/schedule", "/admin/rooms",
                             timezone="Asia/Karachi", opens_before="20")
    assert saved.status_code == 303 and "done=schedule" in saved.headers["location"]
    # Weekly, starting in three hours: the waiting room is not open yet.
    starts = (datetime.now(UTC) + timedelta(hours=3)).replace(second=0, microsecond=0)
    added = await admin_post(admin, f"/admin/rooms/{room_id}/session-add", "/admin/rooms",
                             **local(starts), minutes="75", weekly="on")
    assert added.status_code == 303 and "done=session-added" in added.headers["location"]
    [session] = await hs.store.schedules.for_room(room_id)
    assert (session.minutes, session.weekly, session.until) == (75, True, None)

    listed = await admin.get(added.headers["location"])
    weekday = starts.astimezone(KARACHI).strftime("%A")
    assert f"Every {weekday} at {starts.astimezone(KARACHI):%H:%M} for 75 minutes" in listed.text
    assert f'datetime="{starts.isoformat()}"' in listed.text  # its next one, for local time

    page = await hs.http.get(f"/join/{invite}")
    section = page.text[page.text.index('id="when"'):]
    assert f'datetime="{starts.isoformat()}" data-local="weekday"' in section
    assert "The waiting room opens 20 minutes before it starts." in html.unescape(section)
    assert f'href="/join/{invite}/calendar.ics"' in section

    refused = await join(hs, invite)
    body = refused.json()["error"]  # code and message, and when it opens (docs/protocol.md)
    assert refused.status_code == 409 and body["code"] == "not_open"
    assert body["starts_at"] == starts.isoformat()
    assert body["opens_at"] == (starts - timedelta(minutes=20)).isoformat()

    # Add to calendar: one weekly event at 20:00-ish Karachi time, with the zone's rules.
    # Its UID names Hearth's public address, whatever Host the request came with.
    ics = await hs.http.get(f"/join/{invite}/calendar.ics",
                            headers={"Host": "elsewhere.example"})
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert "no-store" in ics.headers["cache-control"]
    calendar = icalendar.Calendar.from_ical(ics.content)
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == starts.astimezone(KARACHI)
    assert str(event["dtstart"].params["TZID"]) == "Asia/Karachi"
    assert event.decoded("duration") == timedelta(minutes=75)
    rule: Any = event["rrule"]  # a vRecur: a dict of lists
    assert rule["FREQ"] == ["WEEKLY"] and "UNTIL" not in rule
    assert f"/join/{invite}" in str(event["url"])
    assert [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")] == ["Asia/Karachi"]
    public_host = urlsplit(hs.server.settings.public_url).hostname
    assert str(event["uid"]) == f"{session.id}@{public_host}"

    actions = [a for a, _, _ in await audit_by(hs, admin_name)]
    assert actions[-2:] == ["room.schedule", "room.session.add"]


async def test_the_waiting_room_opens_before_a_session_and_staff_see_todays(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    _, _, admin = await account(hs, browsers, "admin")
    name = unique("Morning mums")
    room_id = await a_group(hs, admin, name)
    invite = await live_invite(hs, room_id)
    room = await hs.store.room(room_id)
    assert room is not None
    await manage.set_schedule_settings(hs.store, "test", room, "Asia/Karachi", 15)
    room = await hs.store.room(room_id)
    assert room is not None
    soon = (datetime.now(UTC) + timedelta(minutes=10)).astimezone(KARACHI)
    await manage.add_session(hs.store, "test", room, soon.date(), soon.time(), 60)
    assert (await join(hs, invite)).status_code == 201  # within the 15 minutes before

    # On now (it started five minutes ago): today's sessions on the staff page say so.
    on_now = (datetime.now(UTC) - timedelta(minutes=5)).astimezone(KARACHI)
    await manage.add_session(hs.store, "test", room, on_now.date(), on_now.time(), 60)
    landing = await admin.get("/staff")
    today = landing.text[landing.text.index('id="today-title"'):]
    today = today[:today.index("</section>")]
    assert name in html.unescape(today) and "on now" in today
    card = landing.text[landing.text.index(f'<h2 dir="auto">{html.escape(name)}'):]
    assert "A session is on now, until" in card[:card.index("</li>")]


async def test_mistakes_are_answered_by_the_field_and_keep_what_was_typed(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    admin_name, _, admin = await account(hs, browsers, "admin")
    room_id = await a_group(hs, admin, unique("Dads' night"))
    bad = await admin_post(admin, f"/admin/rooms/{room_id}/session-add", "/admin/rooms",
                           first="2027-02-30", start="25:00", minutes="5", weekly="on",
                           until="2027-01-01")
    assert bad.status_code == 400
    text = html.unescape(bad.text)
    assert "Please give the date of the first session." in text
    assert "Please give a start time, such as 10:00." in text
    assert "A session lasts between 15 and 480 minutes." in text
    assert 'aria-invalid="true"' in field_of(bad, f"minutes-{room_id}")
    assert 'value="5"' in field_of(bad, f"minutes-{room_id}")  # kept as typed
    assert 'value="2027-01-01"' in field_of(bad, f"until-{room_id}")
    # The settings form beside it still shows the group's own name, not a blank.
    assert "Dads&#39; night" in field_of(bad, f"name-{room_id}")

    before = await admin_post(admin, f"/admin/rooms/{room_id}/session-add", "/admin/rooms",
                              first="2027-03-01", start="10:00", minutes="60", weekly="on",
                              until="2027-02-01")
    assert before.status_code == 400
    assert "A weekly series can't end before its first session." in html.unescape(before.text)

    zone = await admin_post(admin, f"/admin/rooms/{room_id}/schedule", "/admin/rooms",
                            timezone="Europe/Londn", opens_before="500")
    assert zone.status_code == 400
    assert 'value="Europe/Londn"' in field_of(zone, f"timezone-{room_id}")
    assert "Please choose a time zone from the list" in html.unescape(zone.text)
    assert "The waiting room opens between 0 and 120 minutes before." in html.unescape(zone.text)
    assert await hs.store.schedules.for_room(room_id) == []
    record = await hs.store.room(room_id)
    assert record is not None and record.timezone == "Europe/London"

    # Removing: only the group's own session; a stranger's id is refused in words.
    added = await admin_post(admin, f"/admin/rooms/{room_id}/session-add", "/admin/rooms",
                             first="2027-03-01", start="10:00", minutes="60")
    assert added.status_code == 303
    [session] = await hs.store.schedules.for_room(room_id)
    other = await admin_post(admin, f"/admin/rooms/{room_id}/session-remove", "/admin/rooms",
                             session="s_nothere")
    assert other.status_code == 404 and "There is no such session." in other.text
    gone = await admin_post(admin, f"/admin/rooms/{room_id}/session-remove", "/admin/rooms",
                            session=session.id)
    assert gone.status_code == 303 and await hs.store.schedules.for_room(room_id) == []
    # Audited once, for the session removed (the refused one wrote nothing).
    removes = [(target, json.loads(detail)) for action, target, detail
               in await audit_by(hs, admin_name) if action == "room.session.remove"]
    assert removes == [(None, {"session": session.id})]


async def test_a_group_whose_sessions_are_over_says_so_and_admits_nobody(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    _, _, admin = await account(hs, browsers, "admin")
    room_id = await a_group(hs, admin, unique("Spring course"))
    invite = await live_invite(hs, room_id)
    room = await hs.store.room(room_id)
    assert room is not None
    past = datetime.now(UTC) - timedelta(days=30)
    await manage.add_session(hs.store, "test", room, past.date(), past.time(), 60)
    page = await hs.http.get(f"/join/{invite}")
    assert "No sessions are planned just now." in page.text
    assert "calendar.ics" not in page.text
    refused = await join(hs, invite)
    assert refused.json()["error"] == {"code": "not_open", "opens_at": None, "starts_at": None,
                                       "message": "this group has no sessions planned just now"}
    assert (await hs.http.get(f"/join/{invite}/calendar.ics")).status_code == 200
    assert (await hs.http.get("/join/nothing-here/calendar.ics")).status_code == 404
    assert re.search(r"No sessions are planned", (await hs.http.get(
        f"/join/{invite}", headers={"Accept-Language": "en"})).text)


async def test_dates_are_written_the_same_way_in_the_pages_language(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    """One way of writing dates (server/i18n.py, when_words): British English on the admin's
    page as everywhere ("8 Mar 2027", never "Mar 8, 2027"), Polish names on a Polish page."""
    _, _, admin = await account(hs, browsers, "admin")
    room_id = await a_group(hs, admin, unique("Monday mums"))
    invite = await live_invite(hs, room_id)
    # Both on Mondays at 10:00 London time: whatever today is, the next meeting is a Monday.
    for fields in ({"first": "2027-03-01", "minutes": "60"},
                   {"first": "2027-03-08", "minutes": "90", "weekly": "on"}):
        added = await admin_post(admin, f"/admin/rooms/{room_id}/session-add",
                                 "/admin/rooms", start="10:00", **fields)
        assert added.status_code == 303
    english = html.unescape((await admin.get("/admin/rooms")).text)
    assert "1 Mar 2027 at 10:00 for 60 minutes" in english
    assert "Every Monday at 10:00 for 90 minutes, from 8 Mar 2027" in english
    polish = html.unescape((await admin.get("/admin/rooms",
                                            headers={"Accept-Language": "pl"})).text)
    assert "1 mar 2027 o 10:00, 60 min" in polish
    assert "Co tydzień (poniedziałek) o 10:00, 90 min, od 8 mar 2027" in polish

    # The join page's next session, on the group's clock until the page's script puts it
    # in the reader's: the day of the week in the page's language.
    meeting = r'data-local="weekday">{day} \d{{1,2}} {month} 10:00 (GMT|BST)</time>'
    page = (await hs.http.get(f"/join/{invite}")).text
    assert re.search(meeting.format(day="Mon", month="[A-Z][a-z]{2}"), page)
    page = (await hs.http.get(f"/join/{invite}", headers={"Accept-Language": "pl"})).text
    assert re.search(meeting.format(day="pon\\.,", month="[a-zśźż]{3}"), page), page

    # Archived, the group's invite link admits nobody: no calendar either.
    room = await hs.store.room(room_id)
    assert room is not None
    await manage.set_archived(hs.store, "test", room, True)
    assert (await hs.http.get(f"/join/{invite}")).status_code == 410
    assert (await join(hs, invite)).status_code == 410
    assert (await hs.http.get(f"/join/{invite}/calendar.ics")).status_code == 404


async def test_an_expired_form_gives_back_what_was_typed(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    _, _, admin = await account(hs, browsers, "admin")
    room_id = await a_group(hs, admin, unique("Late mums"))
    before = await hs.store.room(room_id)
    assert before is not None
    typed = {"first": "2027-04-05", "start": "18:30", "minutes": "75", "weekly": "on",
             "until": "2027-06-28"}
    expired = await admin.post(f"/admin/rooms/{room_id}/session-add", data=typed)
    assert expired.status_code == 403 and "That form had expired" in expired.text
    for name in ("first", "start", "minutes", "until"):
        assert f'value="{typed[name]}"' in field_of(expired, f"{name}-{room_id}"), name
    assert "checked" in field_of(expired, f"weekly-{room_id}")
    card = expired.text[expired.text.index(f'id="room-{room_id}"'):]
    assert re.search(r'<details class="room-settings" open>\s*<summary>Add a session', card)
    # Only the form that was sent is opened.
    assert not re.search(r'<details class="room-settings" open>\s*<summary>Change the name',
                         card)

    zone = await admin.post(f"/admin/rooms/{room_id}/schedule",
                            data={"timezone": "Europe/Warsaw", "opens_before": "25"})
    assert zone.status_code == 403 and "That form had expired" in zone.text
    assert 'value="Europe/Warsaw"' in field_of(zone, f"timezone-{room_id}")
    assert 'value="25"' in field_of(zone, f"opens-{room_id}")
    card = zone.text[zone.text.index(f'id="room-{room_id}"'):]
    assert re.search(r'<details class="room-settings" open>\s*<summary>Time zone and', card)
    # Nothing was saved.
    assert await hs.store.schedules.for_room(room_id) == []
    record = await hs.store.room(room_id)
    assert record is not None
    assert (record.timezone, record.opens_before) == (before.timezone, before.opens_before)
    assert before.timezone != "Europe/Warsaw" and before.opens_before != 25
