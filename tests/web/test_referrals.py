"""Issue 13, part 2 in a real browser, on a phone, in English and in Urdu (right to left): a
parent follows "Ask for one-to-one support" from a group's join page and sends the form (her
consent first refused, then given); a coordinator accepts her request and matches a
volunteer; the volunteer sees her details on their own page and opens the one-to-one room.
Each page must fit the phone's width, with nothing wrong in the console.

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
from tests.web.test_browser import page_fits
from tests.web.test_screenshots import speak
from tests.web.test_staff_admin import log_in, shot

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
        page, "The group is running. You're facilitating."))
    parent.assert_clean("status of 400")  # the refusal without her consent, as asked
    cora.assert_clean()
    vera.assert_clean()
