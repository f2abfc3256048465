"""Issue 13, part 4 through the real server: a facilitator's time in a group is recorded from
their connection (a reconnection is the same session), they read it on "Hours you have
given" and correct it (mistakes answered by their field, someone else's session refused as
if it did not exist, the correction audited); their debrief raises a concern to the lead by
the escalation path and is otherwise private: a coordinator reads it (audited) and writes
supervision notes the volunteer reads, every coordinator while no supervisor is chosen, then
only the supervisor (another coordinator is told who); an admin and the lead read neither."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta

import httpx

from server.programme.hours import Span
from tests.harness import SuiteHarness
from tests.http.test_coordinator import words_in
from tests.http.test_pages import csrf_of
from tests.http.test_staff_security import account, audit_by, browsers, token_for
from tests.http.test_volunteers import post

__all__ = ["browsers"]  # the fixture, used by name


async def _in_and_out(hs: SuiteHarness, browser: httpx.AsyncClient, room_id: str) -> None:
    """Open the group as its facilitator and close the connection again."""
    response = await token_for(browser, room_id)
    assert response.status_code == 201, response.text
    client = await hs.connect(response.json()["token"])
    await client.close()


async def test_time_in_a_group_is_recorded_shown_and_corrected(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    fran_name, fran_id, fran = await account(hs, browsers)
    _, _, sam = await account(hs, browsers)
    room_id, _ = await hs.room(name="Tuesday mums")
    await hs.assign(room_id, fran_name)

    await _in_and_out(hs, fran, room_id)
    # The group page's "Write your debrief" link: their newest session in that group.
    latest = await fran.get(f"/account/debrief?room={room_id}")
    assert latest.status_code == 303
    entry_id = latest.headers["location"].split("/")[3]
    assert latest.headers["location"] == f"/account/hours/{entry_id}/debrief"
    await _in_and_out(hs, fran, room_id)  # back again at once: the same session
    await (await fran.get(f"/account/debrief?room={room_id}")).aread()
    [entry] = await hs.store.hours.entries(fran_id)
    assert entry.id == entry_id and entry.prep_minutes == 15 and entry.minutes <= 1
    nobody = await fran.get("/account/debrief?room=r_elsewhere")
    assert nobody.headers["location"] == "/account/hours?done=not-yet"

    page = await fran.get("/account/hours")
    assert page.status_code == 200 and "<h1>Hours you have given</h1>" in page.text
    assert "Tuesday mums" in page.text and "Write your debrief" in page.text
    assert "Across 1 session. Thank you." in page.text
    assert ("/account/hours", "Your hours") in [
        (m[0], m[1]) for m in re.findall(r'<li><a href="([^"]+)"[^>]*>([^<]+)</a>', page.text)]

    path = f"/account/hours/{entry_id}/correct"
    for minutes, reason, problem in (
            ("-5", "typo", "Please give the whole time in minutes, from 0 to 1440"),
            ("1441", "typo", "Please give the whole time in minutes, from 0 to 1440"),
            ("1h30", "typo", "Please give the whole time in minutes, from 0 to 1440"),
            ("90", "", "Please say in a few words why (up to 200 characters).")):
        refused = await post(fran, path, "/account/hours",
                             {"minutes": minutes, "reason": reason})
        assert refused.status_code == 400 and "Not saved: please see below." in refused.text
        assert problem in html.unescape(refused.text)
        assert f'value="{minutes}"' in refused.text  # as typed, in an open form
        assert re.search(r'<details class="correct" open>\s*<summary>', refused.text)
    expired = await fran.post(path, data={"minutes": "90", "reason": "x"})
    assert expired.status_code == 403

    # Someone else's session is answered as one that does not exist.
    for response in (await post(sam, path, "/account/hours",
                                {"minutes": "600", "reason": "mine now"}),
                     await sam.get(f"/account/hours/{entry_id}/debrief"),
                     await sam.get("/account/hours/h_nothing/debrief")):
        assert response.status_code == 404
        assert "There is no such session in your hours." in response.text
        assert "Tuesday mums" not in response.text

    saved = await post(fran, path, "/account/hours",
                       {"minutes": "90", "reason": "Stayed on to talk to a parent"})
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/account/hours?done=corrected#session-{entry_id}"
    page = await fran.get(saved.headers["location"])
    assert "Your correction is saved." in page.text and "corrected by you" in page.text
    assert "1 hour and 30 minutes" in page.text and "Stayed on to talk" in page.text
    [entry] = await hs.store.hours.entries(fran_id)
    assert (entry.total, entry.recorded) == (90, entry.minutes + 15)
    [(action, target, detail)] = await audit_by(hs, fran_name)
    assert (action, target) == ("volunteer.hours.correct", fran_id)
    assert json.loads(detail)["now"] == 90 and "parent" not in detail

    # In Urdu, right to left.
    urdu = await fran.get("/account/hours", headers={"Accept-Language": "ur"})
    assert '<html lang="ur" dir="rtl"' in urdu.text
    assert words_in("ur", "Hours you have given") in urdu.text


async def test_a_debrief_is_private_and_its_concern_reaches_the_lead(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    fran_name, fran_id, fran = await account(hs, browsers)
    cora_name, cora_id, cora = await account(hs, browsers, "coordinator")
    ada_name, _, ada = await account(hs, browsers, "admin")
    _, _, lena = await account(hs, browsers, "safeguarding_lead")
    room_id, _ = await hs.room(name="Evening circle")
    start = datetime.now(UTC) - timedelta(hours=2)
    entry = await hs.store.hours.record(Span(fran_id, room_id, "mothers", "facilitator",
                                             start, start + timedelta(minutes=80)), 15)
    page = f"/account/hours/{entry.id}/debrief"
    shown = await fran.get(page)
    assert shown.status_code == 200
    assert "Only you and your supervisor (a coordinator) can read this" in html.unescape(
        shown.text)

    unsure = await post(fran, page, page, {"affected": "A lot"})
    assert unsure.status_code == 400
    assert "Please choose how the session went for you." in unsure.text and "A lot" in \
        unsure.text
    wordless = await post(fran, page, page, {"went": "hard", "concern": "yes"})
    assert wordless.status_code == 400
    assert "the safeguarding lead needs your words" in html.unescape(wordless.text)
    # Long answers in Urdu (two bytes a letter, tripled by the form's escaping) are taken.
    long = await post(fran, page, page, {"went": "mixed", "affected": "ا" * 2000,
                                         "notes": "ب" * 2000, "concern_text": "پ" * 2000})
    assert long.status_code == 303 and long.headers["location"] == f"{page}?done=saved"
    sent = await post(fran, page, page, {
        "went": "hard", "affected": "Her story was so like mine",
        "notes": "Take to supervision", "concern": "yes",
        "concern_text": "Wren said her partner takes her money", "concern_about": "Wren",
        "concern_category": "domestic_abuse"})
    assert sent.status_code == 303 and sent.headers["location"] == f"{page}?done=concern"
    again = await fran.get(sent.headers["location"])
    assert "your concern has gone to the safeguarding lead" in again.text
    assert "You raised this concern with the safeguarding lead:" in again.text
    assert 'name="concern"' not in again.text  # raised once; no box to tick again

    # The lead: the concern as an escalation, by the facilitator, never the debrief.
    escalations = (await lena.get("/api/escalations")).json()["escalations"]
    [mine] = [e for e in escalations if e["room_id"] == room_id]
    assert (mine["participant_name"], mine["categories"], mine["raised_by"]) == (
        "Wren", ["domestic_abuse"], fran_name)
    full = (await lena.get(f"/api/escalations/{mine['id']}")).json()
    assert [n["text"] for n in full["notes"]] == ["Wren said her partner takes her money"]
    assert "so like mine" not in json.dumps(full)
    assert (await lena.get(page)).status_code == 404
    assert (await lena.get(f"/coordinator/volunteers/{fran_id}/reflections")).status_code == 403

    # An admin keeps training records but reads no one's reflections.
    record = await ada.get(f"/coordinator/volunteers/{fran_id}")
    assert record.status_code == 200 and "/reflections" not in record.text
    assert "so like mine" not in record.text
    refused = await ada.get(f"/coordinator/volunteers/{fran_id}/reflections")
    assert refused.status_code == 403 and "so like mine" not in refused.text

    # The coordinator reads them (audited) and writes a supervision note.
    record = await cora.get(f"/coordinator/volunteers/{fran_id}")
    assert f'href="/coordinator/volunteers/{fran_id}/reflections"' in record.text
    assert "1 hour and 35 minutes across 1 session." in record.text
    reflections = f"/coordinator/volunteers/{fran_id}/reflections"
    read = await cora.get(reflections)
    assert read.status_code == 200 and "Her story was so like mine" in read.text
    assert "Wren said her partner takes her money" in read.text
    future = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    late = await post(cora, f"{reflections}/note", reflections,
                      {"held_on": future, "text": "Talked about rest"})
    assert late.status_code == 400 and "today or within the last year" in late.text
    noted = await post(cora, f"{reflections}/note", reflections,
                       {"held_on": datetime.now(UTC).date().isoformat(),
                        "text": "Talked about rest and boundaries"})
    assert noted.headers["location"] == f"{reflections}?done=note#notes"
    # Each opening of the page (the form's CSRF token comes from one), and the note.
    actions = [a for a, target, _ in await audit_by(hs, cora_name) if target == fran_id]
    assert actions == ["volunteer.reflections.read"] * 4 + ["volunteer.supervision_note.add"]
    assert not any("rest" in d or "Wren" in d for _, _, d in await audit_by(hs, cora_name))

    # The volunteer reads the note; their download holds their debrief.
    own = await fran.get("/account/training")
    assert "Talked about rest and boundaries" in own.text
    assert "No supervisor is chosen for you yet" in own.text
    mine_too = (await fran.get("/account/data.json")).json()
    assert mine_too["debriefs"][0]["affected"] == "Her story was so like mine"
    assert mine_too["supervision_notes"][0]["text"] == "Talked about rest and boundaries"
    assert csrf_of(own)  # the page is a normal staff page

    # With no supervisor chosen, every coordinator reads, and the page says so.
    cleo_name, _, cleo = await account(hs, browsers, "coordinator")
    open_to_all = await cleo.get(reflections)
    assert open_to_all.status_code == 200 and "Talked about rest" in open_to_all.text
    assert ("No supervisor is chosen yet: every coordinator can read these. Choose one on "
            "the volunteer's page.") in re.sub(r"\s*<[^>]+>\s*", " ",
                                               html.unescape(open_to_all.text))
    # An admin (or a coordinator) chooses her supervisor among the coordinators: audited,
    # by account id.
    fran_page = f"/coordinator/volunteers/{fran_id}"
    wrong = await post(ada, f"{fran_page}/supervisor", fran_page, {"supervisor": fran_id})
    assert wrong.status_code == 400 and "Please choose from the list." in wrong.text
    chosen = await post(ada, f"{fran_page}/supervisor", fran_page, {"supervisor": cora_id})
    assert chosen.headers["location"] == f"{fran_page}?done=supervisor#supervision"
    [(action, target, detail)] = await audit_by(hs, ada_name)
    assert (action, target, json.loads(detail)["supervisor"]) == (
        "volunteer.supervisor", fran_id, cora_id)
    assert cora_name not in detail
    # Now another coordinator is refused, told who her supervisor is, and offered no link.
    refused = await cleo.get(reflections)
    assert refused.status_code == 403 and "Talked about rest" not in refused.text
    assert f"their supervisor, \u2068{cora_name}\u2069." in html.unescape(refused.text)
    noted = await post(cleo, f"{reflections}/note", fran_page,
                       {"held_on": datetime.now(UTC).date().isoformat(), "text": "Mine"})
    assert noted.status_code == 403 and len(await hs.store.reflections.notes(fran_id)) == 1
    theirs = await cleo.get(fran_page)
    assert "/reflections" not in theirs.text and f"<bdi>{cora_name}</bdi>" in theirs.text
    assert [a for a, t, _ in await audit_by(hs, cleo_name) if t == fran_id] == [
        "volunteer.reflections.read"]  # her one reading, before; a refusal reads nothing
    mine = await cora.get(reflections)
    assert mine.status_code == 200 and f"their supervisor, <bdi>{cora_name}</bdi>" in mine.text
    assert "No supervisor is chosen yet" not in mine.text
    own = await fran.get("/account/training")
    assert f"Your supervisor: <bdi>{cora_name}</bdi>." in own.text
