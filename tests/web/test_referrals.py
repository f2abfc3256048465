"""Issue 13, part 2 in a real browser, on a phone, in English and in Urdu (right to left): a
parent follows "Ask for one-to-one support" from a group's join page and sends the form (her
consent first refused, then given); a coordinator accepts her request and matches a
volunteer; the volunteer sees her details on their own page and opens the one-to-one room;
she joins by its link and they meet, every page in a conversation's words, not a group's,
until the volunteer ends it. Each page must fit the phone's width, with nothing wrong in the
console.

``HEARTH_SHOTS=/tmp/shots-referrals`` keeps a phone and a desktop screenshot of each page."""

from __future__ import annotations

import secrets

import pytest
from playwright.async_api import expect

from server.auth.passwords import hash_password
from server.programme import manage
from server.programme.profile import Profile
from server.programme.training import load_modules, today
from tests.harness import STAFF_PASSWORD, Harness
from tests.web.conftest import PHONE, OpenTab, page_words
from tests.web.test_browser import confirm, page_fits
from tests.web.test_screenshots import say_here, speak
from tests.web.test_staff_admin import log_in, shot, signed_in

pytestmark = pytest.mark.browser


async def _volunteer(h: Harness) -> str:
    username = f"vera-{secrets.token_hex(3)}"
    member = await h.store.add_staff(username, hash_password(STAFF_PASSWORD), "facilitator")
    modules = load_modules()
    for module in modules:
        if module.required:
            await manage.record_training(h.store, "test", member, modules, module.id, today())
    await manage.save_profile(h.store, "test", member, Profile(
        member.id, languages=("en", "ur"), audiences=("mothers",),
        availability=("mon-evening", "tue-evening"), lived_experience="Twins; PND"))
    return username


@pytest.mark.parametrize("lang", ["en", "ur"])
async def test_a_parent_asks_and_a_coordinator_matches_her_with_a_volunteer(
        h: Harness, tabs: OpenTab, lang: str) -> None:
    _, invite = await h.room(name="Tuesday mums")
    name = f"Noor {secrets.token_hex(2)}"
    parent = await tabs(viewport=PHONE, touch=True)
    page = parent.page
    await speak(parent, lang)
    await page.goto(f"/join/{invite}")
    await page.get_by_role("link", name=await page_words(
        page, "Ask for one-to-one support")).click()
    await page.wait_for_url("**/support")
    await expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ur"
                                                         else "ltr")
    await page.get_by_label(await page_words(page, "What should we call you?")).fill(name)
    await page.get_by_label(await page_words(page, "How can we contact you?")).fill(
        "07700 900456, texts only please")
    await page.get_by_label(await page_words(page, "A mum")).check()
    await page.get_by_label(await page_words(page, "Weekday evenings")).check()
    await page.get_by_label(await page_words(
        page, "What would you like help with? (optional)")).fill("Anxious since the birth")
    send = page.get_by_role("button", name=await page_words(page, "Send my request"))
    await send.click()  # without her consent: refused, next to the box
    await expect(page.locator("#consent-error")).to_have_text(await page_words(
        page, "Please tick the box so that we can contact you."))
    await page_fits(parent)
    await page.evaluate("window.scrollTo(0, 0)")  # the sticky header where it belongs
    await shot(page, f"support-form-{lang}")
    await page.locator("#consent").check()
    await send.click()
    await page.wait_for_url("**/support/sent**")
    await expect(page.get_by_role("heading", level=1)).to_have_text(await page_words(
        page, "Thank you"))
    await expect(page.locator("a[href='tel:999']")).to_be_visible()
    await page_fits(parent)
    await page.evaluate("window.scrollTo(0, 0)")  # the sticky header where it belongs
    await shot(page, f"support-sent-{lang}")

    [referral] = [r for r in await h.store.referrals.all()
                  if (d := await h.store.referrals.contact(r.id)) and d.name == name]
    volunteer = await _volunteer(h)
    coordinator_name = f"cora-{secrets.token_hex(3)}"
    await h.store.add_staff(coordinator_name, hash_password(STAFF_PASSWORD), "coordinator")
    cora = await tabs(viewport=PHONE, touch=True)
    page = cora.page
    await log_in(page, coordinator_name)
    await page.wait_for_url("**/coordinator/volunteers")
    await speak(cora, lang)
    await page.goto("/coordinator/referrals")
    await page.locator(f"a[href='/coordinator/referrals/{referral.id}']").click()
    await expect(page.locator("#details")).to_contain_text(name)
    await page.get_by_role("button", name=await page_words(page, "Accept"), exact=True).click()
    await expect(page.locator("main .notice.ok")).to_have_text(await page_words(
        page, "The request is accepted. Next, match a volunteer."))
    await page.locator("label.suggestion", has_text=volunteer).locator("input").check()
    await expect(page.locator("label.suggestion", has_text=volunteer)).to_contain_text(
        "Twins; PND")
    await page_fits(cora)
    await page.evaluate("window.scrollTo(0, 0)")  # the sticky header where it belongs
    await shot(page, f"referral-{lang}")
    await page.get_by_role("button", name=await page_words(page, "Match"), exact=True).click()
    await page.get_by_role("button", name=await page_words(
        page, "Open the one-to-one room")).click()
    await expect(page.locator("#room .invite code")).to_contain_text("/join/")
    link = await page.locator("#room .invite code").inner_text()
    await page_fits(cora)
    await page.evaluate("window.scrollTo(0, 0)")  # the sticky header where it belongs
    await shot(page, f"referral-room-{lang}")

    vera = await tabs(viewport=PHONE, touch=True)
    page = vera.page
    await log_in(page, volunteer)
    await page.wait_for_url("**/staff")
    await speak(vera, lang)
    await page.goto("/account/one-to-one")
    card = page.locator(".one-to-one")
    await expect(card.get_by_role("heading", level=2)).to_have_text(name)
    await expect(card).to_contain_text("07700 900456")
    await page_fits(vera)
    await page.evaluate("window.scrollTo(0, 0)")  # the sticky header where it belongs
    await shot(page, f"one-to-one-{lang}")
    await card.get_by_role("button", name=await page_words(
        page, "Open the one-to-one room")).click()
    await page.wait_for_url("**/room")
    await expect(page.locator("#status")).to_have_text(await page_words(
        page, "The conversation is open. You're her volunteer."))

    # She joins by the link the coordinator sent her: a conversation, not a group.
    page = parent.page
    await page.goto("/join/" + link.rsplit("/join/", 1)[1])
    form = page.locator("#join-form")
    await expect(form.get_by_role("heading", level=2)).to_have_text(await page_words(
        page, "Join the conversation"))
    await expect(page.locator("#one-to-one-agreement")).to_contain_text(await page_words(
        page, "If your volunteer is worried that you or a child may be at risk, they must "
        "tell our safeguarding lead, who may join the conversation and will help get you "
        "support."))
    assert await page_words(page, "Our group agreement") not in await page.inner_text("main")
    await page_fits(parent)
    await page.evaluate("window.scrollTo(0, 0)")  # the sticky header where it belongs
    await shot(page, f"one-to-one-join-{lang}")
    await page.locator("#agree").check()
    await form.get_by_role("button", name=await page_words(
        page, "Join the conversation")).click()
    await page.wait_for_url("**/room")
    await expect(page.locator("#lobby-reason")).to_have_text(await page_words(
        page, "Your volunteer will let you in shortly."))
    await expect(page.locator("#room-name")).to_have_text(await page_words(
        page, "One-to-one support"))
    await page_fits(parent)
    await page.evaluate("window.scrollTo(0, 0)")  # the sticky header where it belongs
    await shot(page, f"one-to-one-waiting-{lang}")

    await vera.page.locator("#lobby [data-action=admit]").click()
    await expect(page.locator("#status")).to_have_text(await page_words(
        page, "You're talking with your volunteer. Welcome."))
    await expect(page.locator("#people .badge")).to_have_text(await page_words(
        page, "Volunteer"))
    await expect(page.locator("#chat-form .chat-send")).to_be_hidden()
    await page.locator("#chat-text").fill("Hello, thank you for meeting me")
    await page.locator("#chat-text").press("Enter")
    await expect(vera.page.locator("#chat-log")).to_contain_text("thank you for meeting me")
    await page_fits(parent)
    await page.evaluate("window.scrollTo(0, 0)")  # the sticky header where it belongs
    await shot(page, f"one-to-one-room-{lang}")

    # Her volunteer ends it (their controls fold away on a phone).
    await vera.page.locator("#group-controls").evaluate("d => { d.open = true; }")
    await vera.page.get_by_role("button", name=await page_words(
        vera.page, "End the conversation")).click()
    await confirm(vera, await page_words(vera.page, "End the conversation"))
    await expect(page.locator("#end-title")).to_have_text(await page_words(
        page, "Your volunteer has ended the conversation"))
    await expect(page.locator("#end-feel")).to_be_visible()
    await expect(page.locator("#end-one-to-one")).to_have_count(0)
    await expect(vera.page.locator("#end-title")).to_have_text(await page_words(
        vera.page, "The conversation has ended"))
    await page_fits(parent)
    await page.evaluate("window.scrollTo(0, 0)")  # the sticky header where it belongs
    await shot(page, f"one-to-one-end-{lang}")
    parent.assert_clean("status of 400")  # the refusal without her consent, as asked
    cora.assert_clean()
    vera.assert_clean()


async def test_a_one_to_one_join_page_has_its_own_agreement_and_a_group_s_does_not(
        h: Harness) -> None:
    room = await h.store.add_room("One-to-one test", "mothers", kind="one_to_one")
    one_to_one = (await h.http.get(f"/join/{(await h.store.add_invite(room.id)).code}")).text
    _, invite = await h.room(name="Tuesday mums")
    group = (await h.http.get(f"/join/{invite}")).text
    assert 'id="one-to-one-agreement"' in one_to_one and "Join the conversation" in one_to_one
    assert "safeguarding lead" in one_to_one and 'data-kind="one_to_one"' in one_to_one
    assert "Our group agreement" not in one_to_one and "Join the group" not in one_to_one
    assert 'id="one-to-one-agreement"' not in group and "Our group agreement" in group
    assert "Join the conversation" not in group and 'data-kind="group"' in group


@pytest.mark.parametrize("lang", ["en", "ur"])
async def test_the_lead_enters_a_one_to_one_room_as_the_lead_not_her_volunteer(
        h: Harness, tabs: OpenTab, lang: str) -> None:
    """An urgent message in a one-to-one reaches the lead, who goes to the room from the
    escalation's page: the room tells the lead who they are there as, and the parent sees
    the safeguarding lead beside her volunteer."""
    volunteer = await _volunteer(h)
    member = await h.store.staff_by_username(volunteer)
    assert member is not None
    room = await h.store.add_room("One-to-one lead test", "mothers", kind="one_to_one")
    await h.store.assign_staff(room.id, member.id)
    invite = await h.store.add_invite(room.id)

    vera = await tabs()
    await log_in(vera.page, volunteer)
    await vera.page.wait_for_url("**/staff")
    await vera.page.locator(f"button.open-room[data-room='{room.id}']").click()
    await vera.page.wait_for_url("**/room")
    parent = await tabs(viewport=PHONE, touch=True)
    await speak(parent, lang)
    page = parent.page
    await page.goto(f"/join/{invite.code}")
    await page.locator("#agree").check()
    await page.locator("#join-form button[type=submit]").click()
    await page.wait_for_url("**/room")
    await vera.page.locator("#lobby [data-action=admit]").click()
    await expect(page.locator("#status")).to_have_text(await page_words(
        page, "You're talking with your volunteer. Welcome."))
    await say_here(parent, "I've taken all my tablets and I want to die")
    await expect(vera.page.locator("#urgent-list li")).to_be_visible()

    lead_name = f"lee-{secrets.token_hex(3)}"
    await h.store.add_staff(lead_name, hash_password(STAFF_PASSWORD), "safeguarding_lead")
    lead = await signed_in(tabs, lead_name, lang, "**/lead")
    await lead.page.goto("/lead")
    await lead.page.locator("#open-escalations li a").first.click()
    await lead.page.wait_for_url("**/lead/escalations/*")
    await lead.page.get_by_role("button", name=await page_words(
        lead.page, "Go to the one-to-one room")).click()
    await lead.page.wait_for_url("**/room")
    await expect(lead.page.locator("#status")).to_have_text(await page_words(
        lead.page, "The conversation is open. You're here as the safeguarding lead."))
    await expect(page.locator("#people")).to_contain_text(await page_words(
        page, "Safeguarding lead"))
    await expect(vera.page.locator("#status")).to_have_text(
        "The conversation is open. You're her volunteer.")
    await page_fits(lead)
    await lead.page.evaluate("window.scrollTo(0, 0)")
    await shot(lead.page, f"one-to-one-lead-{lang}")
    await shot(page, f"one-to-one-lead-parent-{lang}")
    for tab in (vera, parent, lead):
        tab.assert_clean()
