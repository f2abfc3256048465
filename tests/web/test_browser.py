"""The newcomer's journey in a real browser (issue 2, "What a newcomer must be able to do", 3).

Two windows: a parent on a phone-sized screen who arrives by invite link, and a
facilitator on a desktop-sized one who logs in through the /login form.
"""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import Locator, expect

from tests.harness import Harness
from tests.web.conftest import NEUTRAL_SITE, PHONE, OpenTab, Tab, page_words

pytestmark = pytest.mark.browser


# ---- steps ------------------------------------------------------------------------------

async def facilitate(tab: Tab, account: tuple[str, str], room_id: str) -> None:
    """Log in through the form, then open the room from the staff page."""
    page = tab.page
    await page.goto("/login")
    await page.get_by_label("Username").fill(account[0])
    await page.get_by_label("Password").fill(account[1])
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url("**/staff")
    await page.locator(f"button.open-room[data-room='{room_id}']").click()
    await page.wait_for_url("**/room")
    await expect(page.locator("#status")).to_have_text(re.compile("You're facilitating"))


async def join(tab: Tab, invite: str, name: str | None = None) -> str:
    """Open the invite link, read the agreement, join; returns the name used."""
    page = tab.page
    await page.goto(f"/join/{invite}")
    await expect(page.get_by_role("heading", name=await page_words(
        page, "Our group agreement"))).to_be_visible()
    field = page.get_by_label(await page_words(page, "Your name in the group"))
    if name is not None:
        await field.fill(name)
    chosen = await field.input_value()
    await page.get_by_label(await page_words(
        page, "I've read and agree to the group agreement")).check()
    await page.get_by_role("button", name=await page_words(page, "Join the group")).click()
    await page.wait_for_url("**/room")
    return chosen


async def wait_in_lobby(tab: Tab) -> None:
    await expect(heading(tab, await page_words(tab.page, "You're in the waiting room"))
                 ).to_be_visible()


async def let_in(fac: Tab, part: Tab, name: str) -> None:
    await fac.page.get_by_role("button", name=await page_words(
        fac.page, "Let in {name}", name=name)).click()
    await expect(part.page.locator("#chat-text")).to_be_visible()
    await expect(fac.page.locator("#people")).to_contain_text(name)


async def come_in(fac: Tab, part: Tab, invite: str, name: str | None = None) -> str:
    """Join by the invite link, wait in the lobby and be let in; returns the name used."""
    used = await join(part, invite, name)
    await wait_in_lobby(part)
    await let_in(fac, part, used)
    return used


async def live_group(h: Harness, fac: Tab, account: tuple[str, str],
                     parents: dict[str, Tab]) -> tuple[str, str]:
    """A group "Mums' circle" opened by ``fac`` with each named parent let in; returns the
    room id and the invite code."""
    room_id, invite = await h.room(name="Mums' circle")
    await facilitate(fac, account, room_id)
    for name, tab in parents.items():
        await come_in(fac, tab, invite, name)
    return room_id, invite


def heading(tab: Tab, name: str) -> Locator:
    return tab.page.get_by_role("heading", name=name)


def person(tab: Tab, name: str) -> Locator:
    return tab.page.locator("#people li").filter(has_text=name)


async def moderate(fac: Tab, name: str, action: str) -> None:
    """Open the person's Options menu and pick ``action``."""
    row = person(fac, name)
    menu = row.locator("details.menu")
    if not await menu.evaluate("node => node.open"):
        await row.get_by_text("Options").click()
    await row.get_by_role("button", name=action, exact=True).click()


async def confirm(tab: Tab, button: str) -> None:
    dialog = tab.page.get_by_role("dialog")
    await expect(dialog).to_be_visible()
    await dialog.get_by_role("button", name=button, exact=True).click()
    await expect(dialog).to_have_count(0)


async def ask_for_help(tab: Tab) -> None:
    """The parent's "Ask for help privately", sent without words."""
    await tab.page.get_by_role("button", name="Ask for help privately").click()
    dialog = tab.page.get_by_role("dialog", name="Ask a facilitator for help")
    await dialog.get_by_role("button", name="Ask for help").click()
    await expect(dialog).to_be_hidden()


async def say(tab: Tab, text: str, to: str = "Everyone") -> None:
    page = tab.page
    box = page.get_by_label(await page_words(page, "Your message"))
    await page.get_by_label(await page_words(page, "Send to")).select_option(
        label=await page_words(page, to))
    await box.fill(text)
    await box.press("Enter")
    await expect(box).to_have_value("")


def chat_line(tab: Tab, text: str) -> Locator:
    return tab.page.locator("#chat-log .text").filter(has_text=text)


async def page_fits(tab: Tab) -> None:
    """Nothing sticks out sideways (a phone would need sideways scrolling)."""
    overflow = await tab.page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"


# ---- tests ---------------------------------------------------------------------------------

async def test_every_page_has_quick_exit_and_no_console_errors(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str]) -> None:
    _, invite = await h.room(name="Evening circle")
    tab = await tabs(viewport=PHONE)
    page = tab.page
    for path in ("/", f"/join/{invite}", "/room", "/login"):
        response = await page.goto(path)
        assert response is not None and response.status == 200, path
        # The strict policy is really in force, so "no violations" means something.
        csp = await response.header_value("content-security-policy") or ""
        assert "script-src 'self'" in csp and "style-src 'self'" in csp
        await expect(page.get_by_role("link", name="Quick exit")).to_be_visible()
        await page_fits(tab)
    # An old invite link: a kind page that still has the control.
    gone = await page.goto("/join/not-a-current-code")
    assert gone is not None and gone.status == 404
    await expect(heading(tab, "This link doesn't work any more")).to_be_visible()
    await expect(page.get_by_role("link", name="Quick exit")).to_be_visible()
    # /room without a session explains itself kindly rather than failing.
    await page.goto("/room")
    await expect(heading(tab, "You're not in a group right now")).to_be_visible()
    # The staff page, reached through the login form.
    await page.goto("/login")
    await page.get_by_label("Username").fill(facilitator_account[0])
    await page.get_by_label("Password").fill(facilitator_account[1])
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url("**/staff")
    await expect(page.get_by_role("heading", name="Your groups")).to_be_visible()
    await expect(page.get_by_role("heading", name="Evening circle").first).to_be_visible()
    await expect(page.get_by_role("link", name="Quick exit")).to_be_visible()
    await page_fits(tab)
    tab.assert_clean("404 (Not Found)")  # Chromium logs the old link's 404 status


async def test_newcomer_joins_chats_raises_hand_asks_for_help_and_leaves(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str]) -> None:
    room_id, invite = await h.room(name="Mums' circle")
    fac = await tabs()
    part = await tabs(viewport=PHONE)
    await facilitate(fac, facilitator_account, room_id)

    # Accept the suggested pseudonym, then wait; the lobby reveals nobody inside.
    name = await join(part, invite)
    assert re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+", name), name
    await wait_in_lobby(part)
    assert facilitator_account[0] not in await part.page.locator("main").inner_text()
    await expect(fac.page.locator("#lobby")).to_contain_text(name)
    await let_in(fac, part, name)
    await expect(part.page.locator("#status")).to_have_text(re.compile("You're in the group"))

    # Chat both ways; markup is shown as the characters typed, never as HTML.
    await say(part, "<b>bold</b> and <img src=x onerror=alert(1)>")
    for tab in (part, fac):
        line = chat_line(tab, "<b>bold</b>")
        await expect(line).to_have_text("<b>bold</b> and <img src=x onerror=alert(1)>")
        await expect(tab.page.locator("#chat-log b, #chat-log img")).to_have_count(0)
    await say(fac, "Welcome, lovely to have you here.")
    await expect(chat_line(part, "Welcome, lovely to have you here.")).to_be_visible()
    await say(part, "Just for the facilitators", to="Facilitators only")
    private = fac.page.locator("#chat-log li.private")
    await expect(private).to_contain_text("Just for the facilitators")

    # A raised hand shows for the facilitator, who can lower it.
    await part.page.get_by_role("button", name="Raise hand").click()
    await expect(person(fac, name)).to_contain_text("Hand raised")
    lower = part.page.get_by_role("button", name="Lower hand")
    await expect(lower).to_have_attribute("aria-pressed", "true")
    await fac.page.get_by_role("button", name=f"Lower hand for {name}").click()
    await expect(person(fac, name)).not_to_contain_text("Hand raised")
    await expect(part.page.get_by_role("button", name="Raise hand")).to_be_visible()

    # Asking for help privately: signposting for the parent, an alert for the facilitator.
    await part.page.get_by_role("button", name="Ask for help privately").click()
    dialog = part.page.get_by_role("dialog", name="Ask a facilitator for help")
    words = dialog.get_by_label("Would you like to tell them anything?")
    await words.fill("Evenings are hard <i>lately</i>")
    await dialog.get_by_role("button", name="Ask for help").click()
    signpost = part.page.get_by_role("region", name="Help is there for you")
    await expect(signpost).to_be_visible()
    await expect(signpost).to_contain_text("Samaritans")
    await expect(signpost).to_contain_text("116 123")
    alert = fac.page.locator("#alerts li")
    await expect(alert).to_contain_text(f"{name} asked for help")
    await expect(alert).to_contain_text("Evenings are hard <i>lately</i>")
    # Nobody else in the group hears about it.
    await expect(fac.page.locator("#chat-log")).not_to_contain_text("Evenings are hard")
    await alert.get_by_role("button", name="Acknowledge").click()
    await expect(alert).to_have_count(0)
    await expect(fac.page.get_by_text("No open alerts.")).to_be_visible()

    # Leaving: a kind goodbye, nothing left in the tab, the facilitator sees them go.
    await part.page.get_by_role("button", name="Leave", exact=True).click()
    await confirm(part, "Leave")  # it asks first (issue 11, item 5)
    await expect(heading(part, "You've left the group")).to_be_visible()
    assert await part.session_storage() == {}
    await expect(person(fac, name)).to_have_count(0)
    await expect(fac.page.locator("#chat-log")).to_contain_text(f"{name} left.")
    await page_fits(part)
    part.assert_clean()
    fac.assert_clean()


async def test_turned_away_at_the_door_with_a_kind_message(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str]) -> None:
    room_id, invite = await h.room()
    fac = await tabs()
    part = await tabs(viewport=PHONE)
    await facilitate(fac, facilitator_account, room_id)

    # Joined with the keyboard alone: type a name, tick the box, press Enter.
    page = part.page
    await page.goto(f"/join/{invite}")
    await page.get_by_label("Your name in the group").fill("Dana")
    await page.get_by_label("Your name in the group").press("Tab")   # "Suggest another"
    await page.keyboard.press("Tab")                                  # the agreement box
    await page.keyboard.press("Space")
    await expect(page.get_by_label("I've read and agree to the group agreement")).to_be_checked()
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/room")
    await wait_in_lobby(part)

    await fac.page.get_by_role("button", name="Turn away Dana").click()
    await confirm(fac, "Turn away")
    await expect(heading(part, "Sorry, you can't join the group today")).to_be_visible()
    await expect(page.locator("#end-text")).to_contain_text("This isn't a judgement about you")
    await expect(page.locator("#support-now")).to_contain_text("Samaritans")
    assert await part.session_storage() == {}
    await expect(fac.page.get_by_text("Nobody is waiting.")).to_be_visible()
    part.assert_clean()
    fac.assert_clean()


async def test_removed_and_banned_participants_see_a_kind_message(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str]) -> None:
    room_id, invite = await h.room()
    fac = await tabs()
    ann = await tabs(viewport=PHONE)
    bea = await tabs(viewport=PHONE)
    await facilitate(fac, facilitator_account, room_id)
    for tab, name in ((ann, "Ann"), (bea, "Bea")):
        await come_in(fac, tab, invite, name)

    # A parent can tell the facilitators, privately, that someone worries them.
    await person(ann, "Bea").get_by_role("button", name="Report Bea").click()
    dialog = ann.page.get_by_role("dialog", name="Tell the facilitators about Bea")
    await dialog.get_by_label("What worried you?").fill("Unkind words")
    await dialog.get_by_role("button", name="Tell the facilitators").click()
    alert = fac.page.locator("#alerts li")
    await expect(alert).to_contain_text("Bea was reported")
    await expect(alert).to_contain_text("Unkind words")
    await expect(bea.page.locator("main")).not_to_contain_text("Unkind words")

    await moderate(fac, "Ann", "Remove")
    await confirm(fac, "Remove")
    await expect(heading(ann, "A facilitator has asked you to leave")).to_be_visible()
    assert await ann.session_storage() == {}
    await expect(person(fac, "Ann")).to_have_count(0)

    await moderate(fac, "Bea", "Remove and ban")
    await confirm(fac, "Remove and ban")
    await expect(heading(bea, "A facilitator has asked you to leave")).to_be_visible()
    # The ban keeps this browser out of the group, and says so gently.
    await bea.page.goto(f"/join/{invite}")
    await bea.page.get_by_label("I've read and agree to the group agreement").check()
    await bea.page.get_by_role("button", name="Join the group").click()
    refusal = bea.page.get_by_role("alert")
    await expect(refusal).to_have_text(re.compile("Sorry, you can't join this group"))
    assert bea.page.url.endswith(f"/join/{invite}")
    ann.assert_clean()
    bea.assert_clean("403 (Forbidden)")  # the refused join request, logged by Chromium
    fac.assert_clean()


async def test_facilitator_mutes_allows_locks_focuses_and_ends(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str]) -> None:
    room_id, invite = await h.room()
    fac = await tabs()
    part = await tabs(viewport=PHONE)
    late = await tabs(viewport=PHONE)
    await facilitate(fac, facilitator_account, room_id)
    await come_in(fac, part, invite, "Cat")

    notices = part.page.locator("#notices")
    await moderate(fac, "Cat", "Mute")
    await expect(notices).to_contain_text("muted your microphone")
    await moderate(fac, "Cat", "Mute and lock")
    await expect(notices).to_contain_text("muted your microphone for now")
    await moderate(fac, "Cat", "Allow to speak")
    await expect(notices).to_contain_text("you can use your microphone again")

    # Locked: someone new is told kindly at the door.
    await fac.page.get_by_role("button", name="Lock group").click()
    await expect(fac.page.get_by_role("button", name="Unlock group")).to_be_visible()
    await expect(fac.page.locator("#room-state")).to_contain_text("Locked")
    await late.page.goto(f"/join/{invite}")
    await late.page.get_by_label("I've read and agree to the group agreement").check()
    await late.page.get_by_role("button", name="Join the group").click()
    await expect(late.page.get_by_role("alert")).to_have_text(
        re.compile("isn't taking new arrivals just now"))
    await fac.page.get_by_role("button", name="Unlock group").click()
    await expect(fac.page.locator("#room-state")).to_contain_text("Open")
    await late.page.get_by_role("button", name="Join the group").click()
    await wait_in_lobby(late)

    await fac.page.get_by_role("button", name="Turn focus mode off").click()
    await expect(fac.page.locator("#room-state")).to_contain_text("Focus mode is off")
    await fac.page.get_by_role("button", name="Turn focus mode on").click()
    await expect(fac.page.locator("#room-state")).to_contain_text("Focus mode is on")

    await fac.page.get_by_role("button", name="End session").click()
    await confirm(fac, "End session")
    for tab in (part, late):
        await expect(heading(tab, "The session has ended")).to_be_visible()
        assert await tab.session_storage() == {}
    await expect(fac.page.get_by_role("link", name="Back to your groups")).to_be_visible()
    part.assert_clean()
    late.assert_clean("423 (Locked)")  # the refused join request, logged by Chromium
    fac.assert_clean()


async def test_quick_exit_leaves_the_group_and_clears_the_tab(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str]) -> None:
    room_id, invite = await h.room()
    fac = await tabs()
    part = await tabs(viewport=PHONE)
    await facilitate(fac, facilitator_account, room_id)
    await come_in(fac, part, invite, "Eve")
    assert await part.session_storage() != {}

    await part.page.get_by_role("link", name="Quick exit").click()
    await part.page.wait_for_url(NEUTRAL_SITE)
    assert part.neutral_visits == [NEUTRAL_SITE]
    # The page said goodbye (`leave`) before going, and the facilitator sees Eve go.
    for _ in range(50):
        if "leave" in part.sent_types():
            break
        await asyncio.sleep(0.02)
    assert part.sent_types()[-1] == "leave", part.sent_types()
    await expect(person(fac, "Eve")).to_have_count(0)
    # Nothing of the group is left in the tab or behind the back button.
    await part.page.go_back()
    assert "/room" not in part.page.url and "/join" not in part.page.url
    await part.page.goto("/")
    assert await part.session_storage() == {}
    part.assert_clean()
    fac.assert_clean()


async def test_quick_exit_works_from_a_dialog_and_with_escape_twice(
        h: Harness, tabs: OpenTab) -> None:
    _, invite = await h.room()
    # Waiting in the lobby with the help dialog open: the modal must not trap them.
    part = await tabs(viewport=PHONE)
    await join(part, invite, "Fay")
    await wait_in_lobby(part)
    await part.page.get_by_role("button", name="Ask for help privately").click()
    dialog = part.page.get_by_role("dialog")
    await expect(dialog).to_be_visible()
    await dialog.get_by_role("button", name="Quick exit").click()
    await part.page.wait_for_url(NEUTRAL_SITE)
    await part.page.goto("/")
    assert await part.session_storage() == {}

    # Escape twice, from the join page.
    other = await tabs(viewport=PHONE)
    await other.page.goto(f"/join/{invite}")
    await other.page.get_by_label("Your name in the group").fill("Gwen")
    await other.page.keyboard.press("Escape")
    await other.page.keyboard.press("Escape")
    await other.page.wait_for_url(NEUTRAL_SITE)
    part.assert_clean()
    other.assert_clean()


async def test_waiting_for_the_facilitator_and_coming_back_after_a_reload(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str]) -> None:
    room_id, invite = await h.room()
    part = await tabs(viewport=PHONE)
    fac = await tabs()
    # Early: the waiting room says the group has not started yet.
    await join(part, invite, "Hana")
    await wait_in_lobby(part)
    reason = part.page.locator("#lobby-reason")
    await expect(reason).to_have_text(re.compile("hasn't started yet"))
    await facilitate(fac, facilitator_account, room_id)
    await expect(reason).to_have_text(re.compile("will let you in soon"))
    await let_in(fac, part, "Hana")

    # A reload (or a phone waking up) brings an admitted parent straight back in.
    await part.page.reload()
    await expect(part.page.locator("#chat-text")).to_be_visible()
    await expect(part.page.locator("#lobby-view")).to_be_hidden()
    await say(part, "Back again")
    await expect(chat_line(fac, "Back again")).to_be_visible()

    # While no facilitator is there, chat pauses, and says why.
    await fac.page.reload()
    await expect(part.page.locator("#chat-log")).to_contain_text("The group is paused")
    await expect(part.page.locator("#chat-log")).to_contain_text("A facilitator is back")
    await expect(part.page.get_by_label("Your message")).to_be_enabled()
    part.assert_clean()
    fac.assert_clean()


async def test_a_worrying_draft_shows_crisis_links_and_an_urgent_message_is_held(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str]) -> None:
    room_id, invite = await h.room(name="Mums' circle")
    fac = await tabs()
    part = await tabs(viewport=PHONE)
    other = await tabs()
    await facilitate(fac, facilitator_account, room_id)
    await come_in(fac, part, invite, "Robin")
    await come_in(fac, other, invite, "Wren")

    # Typing: the same rules as the server, in the page, before anything is sent.
    box = part.page.locator("#draft-support")
    draft = part.page.locator("#chat-text")
    await draft.fill("the baby is killing me today")
    await part.page.wait_for_timeout(400)
    await expect(box).to_be_hidden()
    await draft.fill("I want to kill myself")
    await expect(box).to_be_visible()
    await expect(box).to_contain_text("Samaritans")
    await draft.fill("I'm fine really")
    await expect(box).to_be_hidden()

    # Sending an urgent message: held from the group, help shown, the facilitator alerted.
    await say(part, "I'm going to kill myself tonight")
    await expect(part.page.get_by_role("region", name="Help is there for you")).to_be_visible()
    alert = fac.page.locator("#urgent-list li")
    await expect(alert).to_contain_text("I'm going to kill myself tonight")
    await say(other, "Is anyone else up with a teething baby?")
    await expect(chat_line(part, "Is anyone else up with a teething baby?")).to_be_visible()
    await expect(other.page.locator("#chat-log")).not_to_contain_text("kill myself")


async def test_the_lead_sees_a_new_escalation_live_on_the_page_they_have_open(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str]) -> None:
    from server.auth.passwords import hash_password
    from tests.harness import STAFF_PASSWORD

    lead_name = f"lee-{facilitator_account[0]}"
    await h.store.add_staff(lead_name, hash_password(STAFF_PASSWORD), "safeguarding_lead")
    lead = await tabs()
    await lead.page.goto("/login")
    await lead.page.get_by_label("Username").fill(lead_name)
    await lead.page.get_by_label("Password").fill(STAFF_PASSWORD)
    await lead.page.get_by_role("button", name="Log in").click()
    await lead.page.wait_for_url("**/lead")  # a lead lands on the escalations

    room_id, invite = await h.room(name="Mums' circle")
    fac = await tabs()
    part = await tabs(viewport=PHONE)
    await facilitate(fac, facilitator_account, room_id)
    await come_in(fac, part, invite, "Robin")
    await say(part, "I'm going to end my life tonight, I've got the pills ready")

    banner = lead.page.locator("#lead-live")
    await expect(banner).to_be_visible()
    await expect(banner).to_contain_text("New urgent escalation (Robin)")
    await banner.click()
    await lead.page.wait_for_url("**/lead")
    await expect(lead.page.locator("#open-escalations")).to_contain_text("Robin")


async def test_facilitator_escalates_an_alert_with_a_note(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str]) -> None:
    room_id, invite = await h.room(name="Mums' circle")
    fac = await tabs()
    part = await tabs(viewport=PHONE)
    await facilitate(fac, facilitator_account, room_id)
    name = await come_in(fac, part, invite, "Robin")
    await ask_for_help(part)
    alert = fac.page.locator("#alerts li")
    await expect(alert).to_contain_text(f"{name} asked for help")
    await alert.get_by_role("button", name="Escalate").click()
    ask = fac.page.get_by_role("dialog", name="Pass this to the safeguarding lead")
    await ask.get_by_label("Note for the safeguarding lead (optional)").fill("Very low tonight")
    await ask.get_by_role("button", name="Escalate").click()
    await expect(alert).to_contain_text("The safeguarding lead has been told.")
    await expect(alert.get_by_role("button", name="Escalate")).to_have_count(0)
    for _ in range(50):
        found = [e for e in await h.store.safeguarding.escalations() if e.room_id == room_id]
        if found:
            break
        await asyncio.sleep(0.1)
    stored = await h.store.safeguarding.escalation(found[0].id)
    assert stored is not None and stored.notes[0].text == "Very low tonight"
