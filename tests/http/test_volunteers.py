"""Issue 13, part 3: volunteers, through the real server's forms and API. A coordinator keeps
a facilitator's training, supervision and profile (each change audited, a mistake answered
by its field with what was typed kept); the coordinator reaches nothing of the admin's or
the lead's; the facilitator reads their own record; and with HEARTH_REQUIRE_TRAINING on, a
facilitator whose required training is missing or expired is refused a room token with the
reason in words, while the safeguarding lead is not."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import date, timedelta

import httpx
import pytest
from babel.dates import format_date

from server.programme import manage, training
from server.programme.profile import Profile
from server.programme.training import add_months
from tests.conftest import MakeServer
from tests.harness import Harness, SuiteHarness, harness
from tests.http.test_account import form_login, nav_of
from tests.http.test_api import error_code
from tests.http.test_coordinator import words_in
from tests.http.test_pages import csrf_of
from tests.http.test_staff_security import account, audit_by, browsers, token_for

__all__ = ["browsers"]  # the fixture, used by name

LIVED = "Twins, a NICU stay, then postnatal depression"


async def post(browser: httpx.AsyncClient, path: str, page: str,
               data: Mapping[str, str | Sequence[str]], *,
               headers: Mapping[str, str] | None = None) -> httpx.Response:
    """A form post with the CSRF token of ``page`` (checkbox groups as lists)."""
    token = csrf_of(await browser.get(page, headers=headers))
    return await browser.post(path, data={"csrf_token": token, **data}, headers=headers)


def card(page: httpx.Response, element_id: str) -> str:
    """The element with ``id`` (a volunteer's card, a section), up to its own end tag."""
    start = page.text.rfind("<", 0, page.text.index(f'id="{element_id}"'))
    name = re.match(r"<(\w+)", page.text[start:])
    assert name
    depth, tags = 0, re.compile(rf"<(/?){name.group(1)}\b[^>]*>")
    for found in tags.finditer(page.text, start):
        depth += -1 if found.group(1) else 1
        if depth == 0:
            return page.text[start:found.end()]
    raise AssertionError(f"no end to #{element_id}")


def long_date(day: date, locale: str = "en_GB") -> str:
    return format_date(day, "long", locale=locale)


# ---- the coordinator's record of a volunteer ----------------------------------------------

async def test_a_coordinator_records_training_supervision_and_a_profile(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    cora_name, _, cora = await account(hs, browsers, "coordinator")
    fran_name, fran_id, _ = await account(hs, browsers)
    listing = await cora.get("/coordinator/volunteers")
    assert listing.status_code == 200
    mine = card(listing, f"volunteer-{fran_id}")
    assert fran_name in mine and "Missing" in mine
    assert "Safeguarding level 1 has not been recorded." in mine
    assert "The training rule is off" in listing.text  # the shared server's default

    page = f"/coordinator/volunteers/{fran_id}"
    on = training.today()
    recorded = await post(cora, f"{page}/training-add", page,
                          {"module": "safeguarding_1", "completed_on": on.isoformat()})
    assert recorded.status_code == 303
    assert recorded.headers["location"] == f"{page}?done=training-added#training"
    shown = await cora.get(recorded.headers["location"])
    assert "The training is recorded." in shown.text
    until = long_date(add_months(on, 24))
    assert f"Safeguarding level 1 is current until {until}." in html.unescape(shown.text)
    [record] = await hs.store.volunteers.training(fran_id)
    assert (record.module, record.completed_on, record.entered_by) == (
        "safeguarding_1", on, cora_name)
    removed = await post(cora, f"{page}/training-remove", page, {"record": record.id})
    assert removed.headers["location"] == f"{page}?done=training-removed#training"
    assert await hs.store.volunteers.training(fran_id) == []

    profile = {"languages": ["ur", "en"], "other_languages": "Punjabi",
               "audiences": ["mothers", "everyone"],
               "availability": ["tue-evening", "sat-morning"],
               "availability_note": "Term time only", "lived_experience": LIVED}
    saved = await post(cora, f"{page}/profile", page, profile)
    assert saved.headers["location"] == f"{page}?done=profile#profile"
    kept = await hs.store.volunteers.profile(fran_id)
    assert (kept.languages, kept.audiences, kept.availability) == (
        ("en", "ur"), ("mothers", "everyone"), ("tue-evening", "sat-morning"))
    assert kept.lived_experience == LIVED
    again = await post(cora, f"{page}/profile", page, profile)
    assert again.headers["location"] == f"{page}?done=unchanged#profile"
    form = await cora.get(page)
    assert 'value="tue-evening" aria-label="Tuesday, Evening" checked' in form.text
    assert LIVED in form.text

    # Supervision three days ago: overdue, on the volunteer's card in the list.
    past = on - timedelta(days=3)
    due = await post(cora, f"{page}/supervision", page, {"supervision_due": past.isoformat()})
    assert due.headers["location"] == f"{page}?done=supervision#supervision"
    mine = card(await cora.get("/coordinator/volunteers"), f"volunteer-{fran_id}")
    assert "Overdue" in mine
    assert f"Supervision was due on {long_date(past)}: it is overdue." in html.unescape(mine)
    assert "Punjabi" in mine and "Open to all parents" in mine
    assert LIVED not in (await cora.get("/coordinator/volunteers")).text  # only on their page

    # Each change is an audit entry about the volunteer; the lived experience is counted,
    # never written down.
    entries = await audit_by(hs, cora_name)
    assert [(action, target) for action, target, _ in entries] == [
        ("volunteer.training.add", fran_id), ("volunteer.training.remove", fran_id),
        ("volunteer.profile", fran_id), ("volunteer.supervision", fran_id)]
    assert '"lived_experience_chars": 45' in entries[2][2] or \
        '"lived_experience_chars":45' in entries[2][2]
    assert not any("NICU" in detail or "Term time" in detail for _, _, detail in entries)


async def test_mistakes_are_answered_by_their_field_with_what_was_typed(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    _, _, cora = await account(hs, browsers, "coordinator")
    _, fran_id, _ = await account(hs, browsers)
    page = f"/coordinator/volunteers/{fran_id}"
    tomorrow = training.today() + timedelta(days=1)

    future = await post(cora, f"{page}/training-add", page,
                        {"module": "induction", "completed_on": tomorrow.isoformat()})
    assert future.status_code == 400 and "Not saved: please see below." in future.text
    assert "That day is still to come" in html.unescape(future.text)
    assert re.search(r'id="completed-on"[^>]*aria-invalid="true"', future.text)
    assert '<option value="induction" selected>' in future.text  # as chosen
    assert f'value="{tomorrow.isoformat()}"' in future.text  # as typed
    unknown = await post(cora, f"{page}/training-add", page,
                         {"module": "juggling", "completed_on": "2026-01-05"})
    assert unknown.status_code == 400 and "Please choose a training module." in unknown.text

    long = "x" * 600
    refused = await post(cora, f"{page}/profile", page,
                         {"languages": ["ur"], "lived_experience": long,
                          "availability": ["wed-afternoon"]})
    assert refused.status_code == 400
    assert "Please keep this to 500 characters" in refused.text
    assert re.search(r'id="lived-experience"[^>]*aria-invalid="true"', refused.text)
    assert long in refused.text and 'value="ur" checked' in refused.text
    assert 'value="wed-afternoon" aria-label="Wednesday, Afternoon" checked' in refused.text
    tampered = await post(cora, f"{page}/profile", page, {"languages": ["fr"]})
    assert tampered.status_code == 400 and "Please choose from the list." in tampered.text

    far = await post(cora, f"{page}/supervision", page, {"supervision_due": "2290-01-01"})
    assert far.status_code == 400 and 'value="2290-01-01"' in far.text

    # An expired form: 403, and the profile as typed is still there to save again.
    expired = await cora.post(f"{page}/profile", data={
        "csrf_token": "stale", "lived_experience": "Typed before lunch", "languages": ["pl"]})
    assert expired.status_code == 403 and "That form had expired." in expired.text
    assert "Typed before lunch" in expired.text and 'value="pl" checked' in expired.text

    assert (await hs.store.volunteers.profile(fran_id)).empty
    assert await hs.store.volunteers.training(fran_id) == []
    assert (await cora.get("/coordinator/volunteers/s_nobody")).status_code == 404
    assert (await post(cora, f"{page}/juggle", page, {})).status_code == 404


async def test_the_facilitator_reads_their_own_record_but_not_the_lived_experience(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    _, fran_id, fran = await account(hs, browsers)
    member = await hs.store.staff_by_id(fran_id)
    assert member is not None
    on = training.today()
    await manage.record_training(hs.store, "cora", member, training.load_modules(),
                                 "induction", on)
    await manage.save_profile(hs.store, "cora", member, Profile(
        fran_id, languages=("pl",), audiences=("fathers_partners",),
        availability=("mon-morning",), lived_experience=LIVED))
    await manage.set_supervision(hs.store, "cora", member, on - timedelta(days=1))

    own = await fran.get("/account/training")
    assert own.status_code == 200
    text = html.unescape(own.text)
    assert "Facilitator induction is current: it does not expire." in text
    assert "Safeguarding level 1 has not been recorded." in text
    assert "it is overdue" in text and "Polski" in text and "Dads and partners" in text
    assert "Monday: Morning" in text
    assert "NICU" not in own.text
    assert ("/account/training", "Your training", "page") in nav_of(own)
    # /staff says what needs their attention, without refusing (the rule is off here).
    staff = html.unescape((await fran.get("/staff")).text)
    assert "Some of your required training needs updating." in staff
    assert "You can't open a group" not in staff and "it is overdue" in staff


# ---- who may see what ------------------------------------------------------------------------

async def test_a_coordinator_reaches_neither_the_admins_nor_the_leads_pages(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    room_id, _ = await hs.room()
    _, cora_id, cora = await account(hs, browsers, "coordinator")
    _, fran_id, _ = await account(hs, browsers)
    _, lead_id, _ = await account(hs, browsers, "safeguarding_lead")
    landing = await cora.get("/coordinator/volunteers")
    assert [label for _, label, _ in nav_of(landing)] == [
        "Volunteers", "One-to-one requests", "Impact report", "Change password",
        "Two-step login", "Your data"]
    for path in ("/admin/staff", "/admin/rooms", "/admin/directory", "/lead",
                 "/lead/escalations/e_any", "/staff", "/account/training"):
        refused = await cora.get(path)
        assert refused.status_code == 403, path
        assert nav_of(refused)[0][0] == "/coordinator/volunteers"
    # The admin's forms: nothing made, nothing changed.
    made = await post(cora, "/admin/staff", "/coordinator/volunteers",
                      {"username": "sneaky", "role": "admin"})
    assert made.status_code == 403 and await hs.store.staff_by_username("sneaky") is None
    promoted = await post(cora, f"/admin/staff/{cora_id}/role", "/coordinator/volunteers",
                          {"role": "admin"})
    assert promoted.status_code == 403
    assert (await hs.store.staff_by_id(cora_id)).role == "coordinator"  # type: ignore[union-attr]
    assert (await post(cora, f"/admin/staff/{fran_id}/reset-password",
                       "/coordinator/volunteers", {})).status_code == 403
    # The APIs: escalations, the directory's edits and room tokens are not theirs.
    for refused in (await cora.get("/api/escalations"), await cora.get("/api/escalations/e_x"),
                    await cora.put("/api/directory", json={}),
                    await token_for(cora, room_id)):
        assert refused.status_code == 403 and error_code(refused) == "forbidden"
    # Only facilitators are volunteers: a lead's account is no business of theirs.
    assert (await cora.get(f"/coordinator/volunteers/{lead_id}")).status_code == 404
    listed = (await cora.get("/coordinator/volunteers")).text
    assert f"volunteer-{fran_id}" in listed
    assert f"volunteer-{cora_id}" not in listed and f"volunteer-{lead_id}" not in listed


async def test_only_coordinators_and_admins_reach_the_volunteer_pages(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    _, fran_id, fran = await account(hs, browsers)
    _, _, lead = await account(hs, browsers, "safeguarding_lead")
    page = f"/coordinator/volunteers/{fran_id}"
    for browser in (fran, lead):
        for path in ("/coordinator/volunteers", page):
            refused = await browser.get(path)
            assert refused.status_code == 403 and "This page is for coordinators." in \
                refused.text
        posted = await post(browser, f"{page}/supervision", "/staff",
                            {"supervision_due": "2027-01-15"})
        assert posted.status_code == 403
    assert (await lead.get("/account/training")).status_code == 403
    assert (await hs.store.volunteers.profile(fran_id)).supervision_due is None
    # An admin may keep the records too (and finds them in the navigation).
    admin_name, _, admin = await account(hs, browsers, "admin")
    listing = await admin.get("/coordinator/volunteers")
    assert listing.status_code == 200 and ("/coordinator/volunteers", "Volunteers", "page") in \
        nav_of(listing)
    saved = await post(admin, f"{page}/supervision", page, {"supervision_due": "2027-01-15"})
    assert saved.status_code == 303
    assert [a for a, _, _ in await audit_by(hs, admin_name)] == ["volunteer.supervision"]


async def test_an_admin_makes_a_coordinator_and_changes_a_role_to_it(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    _, _, admin = await account(hs, browsers, "admin")
    name = f"cora-{training.today():%d%H}{len(browsers)}x"
    made = await post(admin, "/admin/staff", "/admin/staff",
                      {"username": name, "role": "coordinator"})
    assert made.status_code == 200 and "Account made" in made.text
    member = await hs.store.staff_by_username(name)
    assert member is not None and member.role == "coordinator"
    _, fran_id, _ = await account(hs, browsers)
    changed = await post(admin, f"/admin/staff/{fran_id}/role", "/admin/staff",
                         {"role": "coordinator"})
    assert changed.status_code == 303
    listing = await admin.get("/admin/staff")
    assert '<p class="hint">Coordinator' in card(listing, f"staff-{fran_id}")
    assert '<option value="coordinator" selected>coordinator</option>' in listing.text
    # The role's title is one set of words (pages.role_title), in the page's language: the
    # account's card and a volunteer's page alike.
    polish = await admin.get("/admin/staff", headers={"Accept-Language": "pl"})
    assert '<p class="hint">Osoba koordynująca' in card(polish, f"staff-{fran_id}")
    _, fac_id, _ = await account(hs, browsers)
    volunteer = await admin.get(f"/coordinator/volunteers/{fac_id}",
                                headers={"Accept-Language": "pl"})
    assert '<p class="hint">Osoba prowadząca' in volunteer.text


# ---- the rule --------------------------------------------------------------------------------

async def test_with_the_rule_off_a_facilitator_without_records_still_facilitates(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    room_id, _ = await hs.room()
    fran_name, _, fran = await account(hs, browsers)
    await hs.assign(room_id, fran_name)
    assert (await token_for(fran, room_id)).status_code == 201


@pytest.fixture
async def strict(make_server: MakeServer) -> AsyncIterator[Harness]:
    """A server of its own with HEARTH_REQUIRE_TRAINING on."""
    async with harness(make_server(require_training=True)) as value:
        yield value


async def test_with_the_rule_on_a_facilitator_is_told_what_is_missing_or_expired(
        strict: Harness, browsers: list[httpx.AsyncClient]) -> None:
    h = strict
    room_id, _ = await h.room()
    fran_name, api = await h.staff()
    await h.assign(room_id, fran_name)
    member = await h.store.staff_by_username(fran_name)
    assert member is not None

    refused = await api.post(f"/api/rooms/{room_id}/token", json={})
    assert refused.status_code == 403
    body = refused.json()["error"]
    assert body["code"] == "training_required"
    assert body["message"] == (
        "your required training is not up to date: Safeguarding level 1 has not been "
        "recorded; Facilitator induction has not been recorded; Perinatal mental health "
        "awareness has not been recorded. Your coordinator can record it")
    assert [(m["module"], m["state"]) for m in body["training"]] == [
        ("safeguarding_1", "missing"), ("induction", "missing"),
        ("perinatal_mental_health", "missing")]

    # Two current, one that expired last March: that one is named, with its day.
    modules = training.load_modules()
    on = training.today()
    await manage.record_training(h.store, "cora", member, modules, "induction", on)
    await manage.record_training(h.store, "cora", member, modules, "perinatal_mental_health", on)
    await manage.record_training(h.store, "cora", member, modules, "safeguarding_1",
                                 date(2024, 3, 3))
    refused = await api.post(f"/api/rooms/{room_id}/token", json={})
    assert refused.status_code == 403 and refused.json()["error"]["message"] == (
        "your required training is not up to date: Safeguarding level 1 expired on 3 March "
        "2026. Your coordinator can record it")
    assert refused.json()["error"]["training"] == [{
        "module": "safeguarding_1", "name": "Safeguarding level 1", "state": "expired",
        "expired_on": "2026-03-03"}]

    # /staff says why the button will not work, in the page's language, and ties it to it.
    browser = httpx.AsyncClient(base_url=h.server.http, headers={"Origin": h.server.origin})
    browsers.append(browser)
    assert (await form_login(browser, fran_name)).status_code == 303
    for code, locale in (("en", "en_GB"), ("pl", "pl"), ("ur", "ur")):
        staff = await browser.get("/staff", headers={"Accept-Language": code})
        notice = html.unescape(card(staff, "training-why"))
        lead = words_in(code, "You can't open a group as its facilitator until your required "
                              "training is up to date.")
        assert lead in notice and (code == "en") == (lead.startswith("You can't")), code
        module = next(m for m in modules if m.id == "safeguarding_1").name(code)
        assert words_in(code, "{module} expired on {date}.").format(
            module=module, date=long_date(date(2026, 3, 3), locale)) in notice, code
        assert 'aria-describedby="training-why-lead"' in staff.text

    # Renewed: in.
    await manage.record_training(h.store, "cora", member, modules, "safeguarding_1", on)
    assert (await api.post(f"/api/rooms/{room_id}/token", json={})).status_code == 201
    staff = await browser.get("/staff")
    assert 'id="training-why"' not in staff.text
    await api.aclose()

    # The safeguarding lead enters any group, with no training records at all.
    _, lead_api = await h.staff("safeguarding_lead")
    assert (await lead_api.post(f"/api/rooms/{room_id}/token", json={})).status_code == 201
    await lead_api.aclose()
    # The coordinator's list says the rule is on.
    _, coordinator = await h.staff("coordinator")
    listing = await coordinator.get("/coordinator/volunteers")
    assert "The training rule is on" in listing.text
    await coordinator.aclose()
