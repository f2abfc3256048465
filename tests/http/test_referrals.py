"""One-to-one support through the real server (issue 13, part 2): a parent's request and a
professional's referral (consent required, CSRF, the rate limit), the coordinator's workflow
from the request to a one-to-one room where the volunteer and the parent meet over real
WebSockets, who may read her contact details (and who gets 403), and the audit entries,
none of which holds a detail."""

from __future__ import annotations

import asyncio
import html
import json
import secrets
from datetime import UTC, datetime, timedelta

import httpx

from server.programme import manage
from server.programme.profile import Profile
from server.programme.referrals import ContactDetails, Referral
from server.programme.training import load_modules, today
from tests.conftest import MakeServer
from tests.harness import SuiteHarness, drain, harness
from tests.http.test_pages import csrf_of
from tests.http.test_staff_security import account, admin_post, audit_by, browsers

__all__ = ["browsers"]  # the fixture, used by name


def request_form(name: str, **extra: str) -> dict[str, str | list[str]]:
    return {"name": name, "reach": f"07700 900{secrets.randbelow(1000):03d}, texts only",
            "language": "ur", "audience": "mothers", "times": ["weekday-evening"],
            "need": "Low since the birth; nervous about groups", "consent": "yes", **extra}


async def send(browser: httpx.AsyncClient, path: str,
               fields: dict[str, str | list[str]]) -> httpx.Response:
    token = csrf_of(await browser.get(path))
    return await browser.post(path, data={"csrf_token": token, **fields})


async def test_the_forms_need_consent_and_are_rate_limited(make_server: MakeServer) -> None:
    hs = SuiteHarness(make_server(support_burst=3, support_per_minute=0.01))
    try:
        parent = hs.browser()
        page = await parent.get("/support")
        assert page.status_code == 200 and 'name="consent"' in page.text
        refused = await send(parent, "/support", request_form("Amina", consent=""))
        assert refused.status_code == 400
        assert 'id="consent-error"' in refused.text and "Amina" in refused.text  # as typed
        missing = await send(parent, "/support/refer", request_form("Bea"))
        assert missing.status_code == 400 and 'id="referrer-name-error"' in missing.text
        expired = await parent.post("/support", data={"csrf_token": "stale",
                                                      **request_form("Amina")})
        assert expired.status_code == 403 and "Amina" in expired.text
        assert await hs.store.referrals.all() == []  # nothing kept from any of those

        sent = await send(parent, "/support/refer", request_form(
            "Bea", referrer_name="Jo Smith", referrer_role="Midwife"))
        assert sent.status_code == 303, sent.text
        done = await parent.get(sent.headers["location"])
        assert "working days" in done.text and "tel:999" in done.text
        # The burst is spent (three posts were counted before this one): a kind 429.
        limited = await send(parent, "/support", request_form("Cat"))
        assert limited.status_code == 429 and "Cat" in limited.text
        assert len(await hs.store.referrals.all()) == 1
    finally:
        await hs.aclose()


async def _trained_volunteer(hs: SuiteHarness, browsers: list[httpx.AsyncClient]
                             ) -> tuple[str, str, httpx.AsyncClient]:
    username, staff_id, browser = await account(hs, browsers)
    member = await hs.store.staff_by_id(staff_id)
    assert member is not None
    modules = load_modules()
    for module in modules:
        if module.required:
            await manage.record_training(hs.store, "test", member, modules, module.id, today())
    await manage.save_profile(hs.store, "test", member, Profile(
        staff_id, languages=("ur",), audiences=("mothers",),
        availability=("tue-evening", "wed-evening"), lived_experience="PND after twins"))
    return username, staff_id, browser


async def test_a_request_becomes_a_one_to_one_room(
        hs: SuiteHarness, browsers: list[httpx.AsyncClient]) -> None:
    name = f"Amina {secrets.token_hex(3)}"
    fields = request_form(name)
    reach = str(fields["reach"])
    parent = hs.browser()
    join_page = await parent.get(f"/join/{(await hs.room())[1]}")
    assert 'href="/support"' in join_page.text  # the group's join page offers it
    assert (await send(parent, "/support", fields)).status_code == 303
    found = [r for r in await hs.store.referrals.all()
             if (d := await hs.store.referrals.contact(r.id)) is not None and d.name == name]
    assert len(found) == 1
    referral: Referral | None = found[0]
    assert referral is not None
    page_of = f"/coordinator/referrals/{referral.id}"

    coordinator_name, _, coordinator = await account(hs, browsers, "coordinator")
    listed = await coordinator.get("/coordinator/referrals")
    assert listed.status_code == 200 and page_of in listed.text and name not in listed.text
    page = await coordinator.get(page_of)
    assert page.status_code == 200 and name in html.unescape(page.text)
    assert reach in html.unescape(page.text)

    # Nobody else reads her details: admins, the lead, a facilitator (not matched).
    admin_name, _, admin = await account(hs, browsers, "admin")
    lead_name, _, lead = await account(hs, browsers, "safeguarding_lead")
    other_name, _, other = await account(hs, browsers)
    for browser in (admin, lead, other):
        refused = await browser.get(page_of)
        assert refused.status_code == 403 and name not in refused.text
        assert (await browser.post(f"{page_of}/accept", data={})).status_code == 403
    assert (await coordinator.get("/coordinator/referrals/rf_nosuch")).status_code == 404

    # Ask the lead: they see what she'd like help with, never how to reach her.
    asked = await admin_post(coordinator, f"{page_of}/ask", page_of,
                             question="Is peer support right for her now?")
    assert asked.status_code == 303
    referral = await hs.store.referrals.get(referral.id)
    assert referral is not None and referral.status == "asked_lead" and referral.lead_alert
    escalation = await hs.store.referrals.escalation_of(referral.lead_alert)
    lead_page = await lead.get(f"/lead/escalations/{escalation}")
    shown = html.unescape(lead_page.text)
    assert "nervous about groups" in shown and "Is peer support right" in shown
    assert reach not in shown and name not in shown
    await lead.post(f"/lead/escalations/{escalation}", data={
        "csrf_token": csrf_of(lead_page), "state": "acknowledged",
        "note": "Yes: a gentle start one to one is right."})
    page = await coordinator.get(page_of)
    assert "a gentle start one to one is right" in html.unescape(page.text)

    assert (await admin_post(coordinator, f"{page_of}/accept", page_of)).status_code == 303
    volunteer_name, volunteer_id, volunteer = await _trained_volunteer(hs, browsers)
    page = await coordinator.get(page_of)
    assert volunteer_name in page.text and "PND after twins" in page.text
    assert f'value="{volunteer_id}"' in page.text
    # Only facilitators whose training is current are offered (and accepted).
    untrained = await hs.store.staff_by_username(other_name)
    assert untrained is not None and f'value="{untrained.id}"' not in page.text
    wrong = await admin_post(coordinator, f"{page_of}/match", page_of, volunteer=untrained.id)
    assert wrong.status_code == 400
    assert (await admin_post(coordinator, f"{page_of}/match", page_of,
                             volunteer=volunteer_id)).status_code == 303
    assert (await admin_post(coordinator, f"{page_of}/room", page_of)).status_code == 303
    page = await coordinator.get(page_of)
    link = page.text.split('data-link="', 1)[1].split('"', 1)[0]
    invite = link.rsplit("/join/", 1)[1]

    # Her volunteer sees her details on their own page; another volunteer does not.
    own = await volunteer.get("/account/one-to-one")
    assert name in html.unescape(own.text) and reach in html.unescape(own.text)
    assert name not in (await other.get("/account/one-to-one")).text
    referral = await hs.store.referrals.get(referral.id)
    assert referral is not None and referral.room_id is not None
    one_to_one = await hs.store.room(referral.room_id)
    assert one_to_one is not None and one_to_one.kind == "one_to_one"
    assert "One-to-one support" in (await parent.get(f"/join/{invite}")).text

    # They meet: her join, the volunteer's token (assigned as its facilitator), the lobby.
    token = (await volunteer.post(f"/api/rooms/{referral.room_id}/token", json={})).json()
    fac = await hs.connect(token["token"])
    her = await hs.connect((await hs.join_as(parent, invite, "Amina"))["token"])
    await hs.admit(fac, her)
    await drain(fac)
    await her.send("chat.send", text="Hello, thank you for meeting me", to="room")
    said = await fac.expect("chat")
    assert said["text"] == "Hello, thank you for meeting me"

    busy = await admin_post(coordinator, f"{page_of}/close", page_of)
    assert busy.status_code == 409  # not while anyone is in the room
    await her.close()
    await fac.close()
    hub = hs.server.app.state.services.hub
    for _ in range(100):  # the server notices both sockets closing
        live = hub.room(referral.room_id)
        if live is None or live.empty:
            break
        await asyncio.sleep(0.02)
    assert (await admin_post(coordinator, f"{page_of}/close", page_of)).status_code == 303
    assert (await parent.get(f"/join/{invite}")).status_code == 410
    assert name not in (await volunteer.get("/account/one-to-one")).text

    # The audit log: each step and each reading, never a detail.
    coordinator_entries = await audit_by(hs, coordinator_name)
    actions = [action for action, _, _ in coordinator_entries]
    for step in ("referral.asked_lead", "referral.accepted", "referral.matched",
                 "referral.room", "referral.closed", "referral.contact.read"):
        assert step in actions, step
    assert [a for a, _, _ in await audit_by(hs, volunteer_name)].count(
        "referral.contact.read") == 1
    assert "referral.need.read" in [a for a, _, _ in await audit_by(hs, lead_name)]
    assert "referral.new" in [a for a, _, _ in await audit_by(hs, "support form")]
    every = " ".join([d for who in (coordinator_name, volunteer_name, lead_name,
                                    "support form") for _, _, d in await audit_by(hs, who)])
    assert name not in every and reach not in every
    assert name not in hs.server.logs.text() and reach not in hs.server.logs.text()
    assert not [a for a, _, _ in await audit_by(hs, admin_name)
                if a.startswith("referral.")]  # the admin was refused before reading


async def test_the_retention_sweep_erases_the_details_of_finished_requests(
        make_server: MakeServer) -> None:
    """The server's own sweep (server/app.py) erases the contact details of requests closed
    or signposted ``HEARTH_REFERRAL_DAYS`` ago, audits it with their ids and nothing of her,
    and leaves requests still in hand and those finished recently alone."""
    server = make_server(referral_days=30, retention_every=0.2)
    async with harness(server) as h:
        referrals = h.store.referrals
        long_ago = datetime.now(UTC) - timedelta(days=31)
        made = [await referrals.add(source="self", language="en", audience="mothers",
                                    times=(), details=ContactDetails(name=f"Amina {n}",
                                                                     reach="07700 900123",
                                                                     need="Low"),
                                    at=long_ago) for n in range(4)]
        signposted, closed, recent, in_hand = made
        assert await referrals.move(signposted.id, ["new"], "signposted", long_ago,
                                    reason="Already seeing her perinatal team")
        assert await referrals.move(closed.id, ["new"], "accepted", long_ago)
        assert await referrals.move(closed.id, ["accepted"], "closed", long_ago)
        assert await referrals.move(recent.id, ["new"], "signposted", datetime.now(UTC),
                                    reason="Already seeing her perinatal team")
        assert await referrals.move(in_hand.id, ["new"], "accepted", long_ago)

        for _ in range(100):  # the next sweep, a fifth of a second away
            if await referrals.contact(closed.id) is None:
                break
            await asyncio.sleep(0.05)
        for gone in (signposted, closed):
            assert await referrals.contact(gone.id) is None
            after = await referrals.get(gone.id)
            assert after is not None and after.erased
        for kept in (recent, in_hand):
            details = await referrals.contact(kept.id)
            assert details is not None and details.name.startswith("Amina")
        entries = await audit_by(h, "retention")
        # A sweep can fall between the test's moves (it runs every 0.2 s), so the two may be
        # erased by one sweep or by two; each is erased, and audited, exactly once.
        assert entries and {action for action, _, _ in entries} == {"referral.retention"}
        named = [rid for _, _, detail in entries for rid in json.loads(detail)["referrals"]]
        assert sorted(named) == sorted([signposted.id, closed.id])
        for _, _, detail in entries:
            assert json.loads(detail)["days"] == 30 and "Amina" not in detail
