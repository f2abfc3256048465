"""Issue 11, item 8 in a real browser: an admin makes a group, gives it its own agreement,
copies its invite link (a parent opening it reads that agreement), makes a facilitator's
account and assigns it to the group, changes its role, archives the group (the link then
says the group has closed), and fixes a directory entry's phone number after being told,
next to the field, what was wrong with it. Controls are found by their words."""

from __future__ import annotations

import json
import re
import secrets

import pytest
from playwright.async_api import expect

from server.auth.passwords import hash_password
from tests.harness import STAFF_PASSWORD, Harness
from tests.web.conftest import PHONE, OpenTab, Tab, own_server, page_words
from tests.web.test_staff_admin import log_in, shot

pytestmark = pytest.mark.browser
# /admin/rooms lists every group: a server of this module's own (tests/web/conftest.py).
server = own_server("coordinator")


async def admin_in(h: Harness, tabs: OpenTab, **tab_options: object) -> Tab:
    """A new admin, logged in, on their landing page (the directory)."""
    name = f"ada-{secrets.token_hex(3)}"
    await h.store.add_staff(name, hash_password(STAFF_PASSWORD), "admin")
    tab = await tabs(**tab_options)
    await log_in(tab.page, name)
    await tab.page.wait_for_url("**/admin/directory")
    return tab


async def test_an_admin_runs_a_group_from_making_it_to_archiving_it(
        h: Harness, tabs: OpenTab) -> None:
    admin = await admin_in(h, tabs, viewport=PHONE, touch=True)
    page = admin.page
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    async def W(text: str, **params: str) -> str:  # words in the page's language
        return await page_words(page, text, **params)

    group = f"Tuesday dads {secrets.token_hex(2)}"

    # Make the group.
    await page.get_by_role("link", name=await W("Manage groups")).click()
    new = page.get_by_role("region", name=await W("Make a new group"))
    await new.get_by_label(await W("Group name")).fill(group)
    await new.get_by_label(await W("Who it is for")).select_option(
        label=await W("Dads and partners"))
    await new.get_by_role("button", name=await W("Make the group")).click()
    await expect(page.locator("main .notice.ok")).to_contain_text(
        await W("The group is ready."))
    card = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name=group, exact=True))

    # Its own agreement, and open to every parent: one form, one Save, both kept.
    await card.get_by_text(await W("Change the name, audience or agreement")).click()
    await card.get_by_label(await W("Group agreement")).fill(
        "We listen more than we advise.\n- Phones on silent, please.\n"
        "If you're worried about your safety, tell the facilitator.")
    await card.get_by_label(await W("Who it is for")).select_option(
        label=await W("Open to all parents"))
    await expect(card.get_by_label(await W("Group agreement"))).to_have_accessible_description(
        re.compile(re.escape(await W(
            "It appears exactly as you write it in every language of the page, so write it "
            "in the words the group uses. Hearth's own points about safety always follow "
            "it, in the page's language: that in an emergency they call 999, and that we "
            "may ask our safeguarding lead to help."))))
    await card.get_by_role("button", name=re.compile(await W("Save changes"))).click()
    await expect(page.locator("main .notice.ok")).to_contain_text(
        await W("The group's name, audience and agreement are saved."))
    await shot(page, "admin-rooms-agreement-phone")
    record = next(r for r in await h.store.rooms() if r.name == group)
    assert record.audience == "everyone" and record.agreement is not None

    # Copy its invite link. (Found by its words, then held by its place: its words change.)
    await expect(card.get_by_role("button", name=re.compile(await W("Copy link")))).to_be_visible()
    copy = card.locator("button.copy-link")
    await copy.click()
    await expect(copy).to_contain_text(await W("Copied"))
    await expect(page.locator("#copy-status")).to_have_text(await W("Invite link copied."))
    link = await page.evaluate("navigator.clipboard.readText()")
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/join/[\w-]+", link), link
    assert link in await card.locator("code.invite-link").inner_text()

    # A parent opening the link reads the group's own agreement, then Hearth's points
    # about safety, which no group's agreement takes away.
    parent = await tabs(viewport=PHONE)
    await parent.page.goto(link)
    agreement = parent.page.get_by_role("region", name="Our group agreement")
    await expect(agreement.get_by_role("listitem")).to_have_text([
        "We listen more than we advise.", "Phones on silent, please.",
        "If you're worried about your safety, tell the facilitator.",
        "If we're worried about your safety or a child's, your facilitator will check in "
        "with you privately and may ask our safeguarding lead to help get you support.",
        "In an emergency, call 999. You can leave at any time with the Quick exit button."])

    # A new facilitator's account, assigned to the group from its card, then made a lead.
    await page.get_by_role("link", name=await W("Staff accounts")).click()
    username = f"sam-{secrets.token_hex(3)}"
    new = page.get_by_role("region", name=await W("Make a new account"))
    await new.get_by_label(await W("Username")).fill(username)
    await new.get_by_label(await W("Role")).select_option(label=await W("facilitator"))
    await new.get_by_role("button", name=await W("Make the account")).click()
    await expect(page.get_by_role("status").first).to_contain_text(username)
    password = await page.locator("#reset-password").inner_text()
    assert len(password) >= 12
    account = page.locator(".account").filter(
        has=page.get_by_role("heading", name=username, exact=True))
    await account.get_by_label(await W("Group to add %(name)s to", name=username)
                               ).select_option(label=group)
    await account.get_by_role("button", name=re.compile(await W("Add to group"))).click()
    await expect(page.locator("main .notice.ok")).to_contain_text(
        await W("The facilitator is assigned to the group."))
    await expect(account.get_by_role("list")).to_contain_text(group)
    await account.get_by_label(await W("New role for %(name)s", name=username)
                               ).select_option(label=await W("safeguarding lead"))
    await account.get_by_role("button", name=re.compile(await W("Change role"))).click()
    await expect(page.locator("main .notice.ok")).to_contain_text(
        await W("The role is changed."))
    await expect(account).to_contain_text(await W("Safeguarding lead"))
    member = await h.store.staff_by_username(username)
    assert member is not None and member.role == "safeguarding_lead"

    # Archive the group: the parent's link now says, kindly, that it has closed.
    await page.get_by_role("link", name=await W("Manage groups")).click()
    await card.get_by_role("button", name=re.compile(await W("Archive"))).click()
    await expect(page.locator("main .notice.ok")).to_contain_text(
        await W("The group is archived"))
    archived = page.get_by_role("region", name=await W("Archived groups"))
    await expect(archived).to_contain_text(group)
    await parent.page.reload()
    await expect(parent.page.get_by_role("heading", level=1)).to_have_text(
        "This group has closed")
    parent.assert_clean("status of 410")  # the browser logs the page's own 410
    admin.assert_clean()


async def test_an_admin_fixes_a_phone_number_the_directory_refused(
        h: Harness, tabs: OpenTab) -> None:
    admin = await admin_in(h, tabs)
    page = admin.page
    async def W(text: str, **params: str) -> str:  # words in the page's language
        return await page_words(page, text, **params)

    shipped = await page.evaluate("fetch('/api/directory').then(r => r.json())")
    try:
        entry = page.locator("details.entry").filter(has_text="Samaritans")
        await entry.locator("summary").click()
        phone = entry.get_by_label(await W("Number to call"))
        await phone.fill("116 CALL")
        # Words are looked up before a click: the page they are read from is then going away.
        not_saved = await W("Not saved")
        await page.get_by_role("button", name=await W("Save the directory")).first.click()
        await expect(page.get_by_role("alert")).to_contain_text(not_saved)
        # The mistake is next to the field, in words, and what was typed is still there.
        entry = page.locator("details.entry").filter(has_text="Samaritans")
        phone = entry.get_by_label(await W("Number to call"))
        await expect(phone).to_have_value("116 CALL")
        await expect(phone).to_have_attribute("aria-invalid", "true")
        await expect(phone).to_have_accessible_description(
            re.compile(re.escape(await W("Please give the number to call as 3 to 15 digits"))))
        await expect(entry.locator(".field-error")).to_be_visible()
        await shot(page, "admin-directory-error")
        await phone.fill("116 123")
        saved_words = await W("Saved.")
        await page.get_by_role("button", name=await W("Save the directory")).first.click()
        await expect(page.locator("main .notice.ok")).to_contain_text(saved_words)
        saved = await page.evaluate("fetch('/api/directory').then(r => r.json())")
        samaritans = next(r for r in saved["resources"] if r["id"] == "samaritans")
        assert samaritans["tel"] == "116123"
        admin.assert_clean("status of 400")  # the page refused with 400, as it should
    finally:
        await page.evaluate(
            "(body) => fetch('/api/directory', {method: 'PUT', body})", json.dumps(shipped))
