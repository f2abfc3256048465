"""Issue 13, part 3 in a real browser, with HEARTH_REQUIRE_TRAINING on: a facilitator whose
safeguarding training is not recorded reads on their landing page why "Open as facilitator"
will not work, in their language; a coordinator on a phone records the module for them from
the volunteer's page; and then the facilitator's button opens the group. In English and in
Urdu (right to left)."""

from __future__ import annotations

import secrets

import pytest
from playwright.async_api import expect

from server.auth.passwords import hash_password
from server.programme import manage, training
from tests.harness import STAFF_PASSWORD, Harness
from tests.web.conftest import OpenTab, own_server, page_words
from tests.web.test_browser import page_fits
from tests.web.test_staff_admin import shot, signed_in

pytestmark = pytest.mark.browser


# This module's own server, with the training rule on (the suite's is off).
server = own_server("strict", require_training=True)


@pytest.mark.parametrize("lang", ["en", "ur"])
async def test_a_coordinator_records_training_and_the_facilitator_can_open_the_group(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str], lang: str) -> None:
    await h.room(name=f"Tuesday mums {secrets.token_hex(2)}")  # assigned to fran
    fran_name = facilitator_account[0]
    fran_member = await h.store.staff_by_username(fran_name)
    assert fran_member is not None
    modules = training.load_modules()
    # Two of the three required modules are on record already; safeguarding is not.
    for module in ("induction", "perinatal_mental_health"):
        await manage.record_training(h.store, "cora", fran_member, modules, module,
                                     training.today())

    fran = await signed_in(tabs, fran_name, lang)
    page = fran.page
    await page.goto("/staff")
    why = page.locator("#training-why")
    await expect(why).to_contain_text(await page_words(
        page, "You can't open a group as its facilitator until your required training is up "
              "to date."))
    safeguarding = modules[0].name(lang)
    await expect(why).to_contain_text(await page_words(
        page, "{module} has not been recorded.", module=safeguarding))
    opener = page.get_by_role("button", name=await page_words(page, "Open as facilitator"))
    await opener.click()
    await expect(page.locator("#staff-error")).to_have_text(await page_words(
        page, "You can't open a group as its facilitator until your required training is up "
              "to date."))
    await expect(why).to_be_focused()
    assert page.url.endswith("/staff")
    await shot(page, f"volunteers-blocked-{lang}")

    cora_name = f"cora-{secrets.token_hex(3)}"
    await h.store.add_staff(cora_name, hash_password(STAFF_PASSWORD), "coordinator")
    cora = await signed_in(tabs, cora_name, lang)
    page = cora.page
    await page.goto("/coordinator/volunteers")
    card = page.locator(f"#volunteer-{fran_member.id}")
    await expect(card).to_contain_text(await page_words(page, "Missing"))
    await shot(page, f"volunteers-list-{lang}")
    await card.get_by_role("link", name=fran_name).click()
    await page.wait_for_url(f"**/coordinator/volunteers/{fran_member.id}")

    training_section = page.locator("#training")
    await training_section.get_by_label(await page_words(page, "Module")).select_option(
        "safeguarding_1")
    await training_section.get_by_label(await page_words(page, "Completed on")).fill(
        training.today().isoformat())
    await training_section.get_by_role("button", name=await page_words(page, "Record it")
                                       ).click()
    await expect(page.locator("main .notice.ok")).to_have_text(await page_words(
        page, "The training is recorded."))
    await expect(training_section.get_by_role("heading", level=2)).to_contain_text(
        await page_words(page, "Current"))
    await shot(page, f"volunteers-recorded-{lang}")
    await page_fits(cora)
    # The week's grid fits inside its card on a phone (a fieldset grows to its content).
    inside = await page.evaluate("""() => {
        const card = document.getElementById("profile").getBoundingClientRect();
        const grid = document.querySelector(".availability-grid").getBoundingClientRect();
        return [grid.left, card.left, grid.right, card.right]; }""")
    assert inside[0] >= inside[1] and inside[2] <= inside[3], inside
    cora.assert_clean()

    # The facilitator's landing page no longer objects, and the button opens the group.
    page = fran.page
    await page.goto("/staff")
    await expect(page.locator("#training-why")).to_have_count(0)
    await page.get_by_role("button", name=await page_words(page, "Open as facilitator")).click()
    await page.wait_for_url("**/room")
    fran.assert_clean("status of 403")  # the refused token request, as the browser logs it
