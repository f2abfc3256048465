"""Accessibility (issue 11 item 2): axe-core finds nothing on any page, for any role, on a
phone or a desktop; arriving in the waiting room or the group puts focus on the page's
main heading; the chat box is at most three Tab presses from the top of the group page
(Tab reaches "Skip to the chat", and Enter follows it).

axe-core comes from the npm registry, pinned by tests/web/axe/package-lock.json, and
scripts/test installs it. Its source is evaluated in the page through the DevTools
protocol, which the page's Content-Security-Policy does not govern (a <script> tag
would be refused), so every page is audited with its real policy in force.

Each test runs once per language of the interface: English, and Urdu (right to left).
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyotp
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Locator, ViewportSize, expect

from server.auth import totp
from server.auth.passwords import hash_password
from server.safeguarding.escalation import OUTCOMES
from tests.harness import STAFF_PASSWORD, Harness, ServerThread
from tests.http.test_lead import raise_escalation
from tests.web.conftest import DESKTOP, LOOP, PHONE, Tab, own_server, words
from tests.web.test_browser import join, let_in, say, wait_in_lobby

pytestmark = pytest.mark.browser


# The pages audited hold what these tests made, not the hundreds of groups and escalations
# the shared server has gathered by then (one run of axe over /admin/rooms took most of a
# minute there).
server = own_server("a11y")

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# The standard audited against: WCAG 2.0 and 2.1, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREENS = {"phone": PHONE, "desktop": DESKTOP}
# HEARTH_SHOTS=/tmp/a11y keeps a screenshot of every page audited, to look at.
SHOTS = os.environ.get("HEARTH_SHOTS")

_RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: { type: "tag", values: tags },
    resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({ target: n.target.join(" "), summary: n.failureSummary })),
  }));
}"""


@dataclass(frozen=True)
class Language:
    """An interface language: the browser asks for ``locale``; pages say ``lang``."""

    lang: str
    locale: str


# The browser asks for the language (Accept-Language), as a parent's phone would; Urdu is
# right to left, so it checks the mirrored layout too.
LANGUAGES = [pytest.param(Language(lang="en-GB", locale="en-GB"), id="en"),
             pytest.param(Language(lang="ur", locale="ur-PK"), id="ur")]


# The language the running test's pages are in, for W(): buttons and labels are found by
# their words in that language (from the same catalogues the server reads).
_CURRENT = {"lang": "en-GB"}


def W(text: str, **params: str) -> str:
    return words(_CURRENT["lang"], text, **params)


@pytest.fixture(params=LANGUAGES)
def language(request: pytest.FixtureRequest) -> Language:
    value: Language = request.param
    _CURRENT["lang"] = value.lang
    return value


@pytest.fixture(scope="session")
def axe_source() -> str:
    if AXE.exists():
        return AXE.read_text()
    reason = (f"axe-core is not installed at {AXE} "
              "(scripts/test installs it: npm ci --prefix tests/web/axe)")
    if os.environ.get("CI"):
        pytest.fail(reason + "; CI must run the accessibility tests")
    pytest.skip(reason)


OpenWindow = Callable[..., Awaitable[Tab]]


@pytest_asyncio.fixture(loop_scope=LOOP)
async def windows(browser: Browser, server: ServerThread,
                  language: Language) -> AsyncIterator[OpenWindow]:
    """``await windows(PHONE)``: a new browser window (its own cookies and storage) in
    ``language``."""
    opened: list[Tab] = []

    async def open_window(viewport: ViewportSize = DESKTOP) -> Tab:
        context = await browser.new_context(base_url=server.http, viewport=viewport,
                                            locale=language.locale,
                                            timezone_id="Europe/London")
        context.set_default_timeout(5_000)
        tab = Tab(context, await context.new_page())
        opened.append(tab)
        return tab

    yield open_window
    for tab in opened:
        await tab.context.close()


@dataclass
class Audit:
    """Runs axe on a page as it is, on each screen size, and keeps every violation so one
    run reports them all (``assert_clean``)."""

    axe_source: str
    language: Language
    # (what, path, rule) -> the rule's impact and help, the screens, the nodes' targets.
    found: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    audited: int = 0

    async def check(self, tab: Tab, what: str) -> None:
        page = tab.page
        assert await page.evaluate("() => document.documentElement.lang") == self.language.lang
        if not await page.evaluate("() => typeof window.axe === 'object'"):
            await page.evaluate(self.axe_source)
        before = page.viewport_size
        path = re.sub(r"^https?://[^/]+", "", page.url)
        for screen, size in SCREENS.items():
            await page.set_viewport_size(size)
            violations: list[dict[str, Any]] = await page.evaluate(_RUN_AXE, WCAG_TAGS)
            self.audited += 1
            if SHOTS:  # every audited page, to look at (never in the repository)
                name = re.sub(r"\W+", "-", what).strip("-")
                await page.screenshot(full_page=True, path=str(
                    Path(SHOTS) / f"{self.language.lang}-{name}-{screen}.png"))
            for v in violations:
                entry = self.found.setdefault((what, path, v["id"]), {
                    "impact": v["impact"], "help": v["help"], "screens": [], "nodes": {}})
                entry["screens"].append(screen)
                for node in v["nodes"]:
                    summary = " ".join(str(node["summary"]).split())
                    entry["nodes"].setdefault(node["target"], summary)
        if before:
            await page.set_viewport_size(before)

    def assert_clean(self) -> None:
        if not self.found:
            return
        lines = [f"axe-core found {len(self.found)} violation(s) in {self.audited} audits "
                 f"({self.language.lang}):"]
        for (what, path, rule), entry in self.found.items():
            lines.append(f"  {what} ({path}), on a {' and a '.join(entry['screens'])}:")
            lines.append(f"    {rule} ({entry['impact']}): {entry['help']}")
            for target, summary in entry["nodes"].items():
                lines.append(f"      {target}\n        {summary[:400]}")
        pytest.fail("\n".join(lines), pytrace=False)


@pytest.fixture
def audit(axe_source: str, language: Language) -> Audit:
    return Audit(axe_source, language)


# ---- steps ------------------------------------------------------------------------------

async def staff_member(h: Harness, role: str) -> str:
    username = f"{role[:4]}-{secrets.token_hex(4)}"
    await h.store.add_staff(username, hash_password(STAFF_PASSWORD), role)
    return username


async def log_in(tab: Tab, username: str, landing: str) -> None:
    page = tab.page
    await page.goto("/login")
    await page.get_by_label(W("Username")).fill(username)
    await page.get_by_label(W("Password")).fill(STAFF_PASSWORD)
    await page.get_by_role("button", name=W("Log in")).click()
    await page.wait_for_url(f"**{landing}")


async def open_room(tab: Tab, room_id: str) -> None:
    """A facilitator or lead, logged in, opens the room from the groups page."""
    await tab.page.goto("/staff")
    await tab.page.locator(f"button.open-room[data-room='{room_id}']").click()
    await tab.page.wait_for_url("**/room")
    await expect(tab.page.locator("#status")).to_have_text(
        W("The group is running. You're facilitating."))


async def facilitating(h: Harness, windows: OpenWindow, room_id: str) -> Tab:
    """A new facilitator of the room, logged in, in it, on a desktop."""
    fac = await windows()
    fac_name = await staff_member(h, "facilitator")
    await h.assign(room_id, fac_name)
    await log_in(fac, fac_name, "/staff")
    await open_room(fac, room_id)
    return fac


def dialog(tab: Tab) -> Locator:
    return tab.page.get_by_role("dialog")


async def cancel_dialog(tab: Tab) -> None:
    await dialog(tab).get_by_role("button", name=W("Cancel")).click()
    await expect(dialog(tab)).to_have_count(0)


async def tab_presses_to_the_chat_box(tab: Tab) -> int | None:
    """How many Tab presses from the top of the page put focus in the chat box, following a
    link to it (Enter) if one comes first; None if ten do not."""
    page = tab.page
    # Nothing focused and the browser's starting point for Tab at the top of the document,
    # as for someone who starts pressing Tab on a page they have just opened.
    await page.evaluate("() => { document.activeElement?.blur(); location.hash = 'top'; }")
    for presses in range(1, 11):
        await page.keyboard.press("Tab")
        focused = page.locator("*:focus")
        if await focused.get_attribute("id") == "chat-text":
            return presses
        if await focused.get_attribute("href") == "#chat-text":
            await expect(focused).to_be_in_viewport()  # a skip link shows itself when focused
            await page.keyboard.press("Enter")
            await expect(page.locator("#chat-text")).to_be_focused()
            return presses
    return None


# ---- tests ---------------------------------------------------------------------------------

async def test_pages_anyone_can_open(h: Harness, windows: OpenWindow, audit: Audit) -> None:
    _, invite = await h.room(name="Evening circle")
    tab = await windows(PHONE)
    page = tab.page
    await page.goto("/")
    await audit.check(tab, "home")
    await page.goto(f"/join/{invite}")
    await audit.check(tab, "join page")
    await page.get_by_role("button", name=W("Join the group")).click()  # not agreed yet
    await expect(page.get_by_role("alert")).to_be_visible()
    await audit.check(tab, "join page with an error")
    await page.goto("/join/not-a-current-code")
    await audit.check(tab, "join page of an old invite")
    own_id, own_invite = await h.room(name="Friday circle")
    await h.store.set_room_agreement(own_id, "Be kind.\nListening is fine.")
    await page.goto(f"/join/{own_invite}")
    await audit.check(tab, "join page with the group's own agreement")
    await h.store.set_room_archived(own_id, True)
    await page.goto(f"/join/{own_invite}")
    await audit.check(tab, "join page of an archived group")
    await page.goto("/room")
    await expect(page.get_by_role("heading", name=W("You're not in a group right now"),
                                  exact=True)).to_be_visible()
    await audit.check(tab, "group page without a session")
    await page.goto("/login")
    await audit.check(tab, "staff login")
    await page.get_by_label(W("Username")).fill("nobody")
    await page.get_by_label(W("Password")).fill("not the password")
    await page.get_by_role("button", name=W("Log in")).click()
    await expect(page.get_by_role("alert")).to_be_visible()
    await audit.check(tab, "staff login after a mistake")
    audit.assert_clean()


async def test_staff_pages(h: Harness, server: ServerThread, windows: OpenWindow,
                           audit: Audit) -> None:
    room_id, _ = await h.room(name="Tuesday mums")
    _, escalation_id = await raise_escalation(h)
    _, closed_id = await raise_escalation(h, n=2)
    for state, outcome, note in (("acknowledged", None, "Calling her now"),
                                 ("closed", next(iter(OUTCOMES)), "Crisis team visited")):
        await h.store.safeguarding.change_escalation(closed_id, by="lead", state=state,
                                                     outcome=outcome, note=note,
                                                     at=datetime.now(UTC))

    # A facilitator, on a phone: their groups, then their account pages.
    fac = await windows(PHONE)
    fac_name = await staff_member(h, "facilitator")
    await h.assign(room_id, fac_name)
    await log_in(fac, fac_name, "/staff")
    await audit.check(fac, "a facilitator's groups")
    await fac.page.goto("/account/password")
    await audit.check(fac, "change password")
    await fac.page.get_by_label(W("Current password")).fill(STAFF_PASSWORD)
    await fac.page.get_by_label(W("New password"), exact=True).fill("blackbirds sing before dawn")
    await fac.page.get_by_label(W("New password again")).fill("and thrushes after")
    await fac.page.get_by_role("button", name=W("Change password")).click()
    await expect(fac.page.get_by_role("alert")).to_be_visible()
    await audit.check(fac, "change password with mistakes")
    await fac.page.goto("/account/2fa")
    await audit.check(fac, "two-step login set-up")

    # A lead with two-step login on: the code page, the escalations, one escalation.
    lead = await windows()
    lead_name = await staff_member(h, "safeguarding_lead")
    member = await h.store.staff_by_username(lead_name)
    assert member is not None
    secret = pyotp.random_base32()
    assert server.settings.secret_key is not None
    await h.store.set_totp(member.id, totp.SecretBox(server.settings.secret_key).seal(secret))
    await log_in(lead, lead_name, "/login/code")
    await audit.check(lead, "login code")
    await lead.page.get_by_label(W("6-digit code from your authenticator app")).fill(
        pyotp.TOTP(secret).now())
    await lead.page.get_by_role("button", name=W("Log in")).click()
    await lead.page.wait_for_url("**/lead")
    for path, what in (("/lead", "escalations"),
                       (f"/lead/escalations/{escalation_id}", "an open escalation"),
                       (f"/lead/escalations/{closed_id}", "a closed escalation"),
                       ("/staff", "the lead's groups"),
                       ("/account/2fa", "two-step login on")):
        await lead.page.goto(path)
        # Every page of the lead's has the live banner (lead-live.js): audited once it shows.
        await expect(lead.page.locator("#lead-live a")).to_be_visible()
        await audit.check(lead, what)

    # An admin: the directory, the rooms and the staff accounts, each with a mistake too.
    admin = await windows()
    await log_in(admin, await staff_member(h, "admin"), "/admin/directory")
    await audit.check(admin, "signposting directory")
    entry = admin.page.locator("details.entry").filter(has_text="Samaritans")
    await entry.locator("summary").click()
    await entry.get_by_label(W("Number to call")).fill("116 CALL")
    await admin.page.get_by_role("button", name=W("Save the directory")).first.click()
    await expect(admin.page.locator(".field-error").first).to_be_visible()
    await audit.check(admin, "signposting directory with a mistake")
    await admin.page.get_by_text(W("Advanced: the whole directory as JSON")).click()
    await audit.check(admin, "signposting directory's JSON editor")
    await admin.page.goto("/admin/rooms")
    await audit.check(admin, "rooms")
    # The summary's visible words: its message goes on with the group's name, hidden.
    change = W('Change the name, audience or agreement<span class="visually-hidden"> of '
               '%(name)s</span>', name="").split("<span")[0]
    await admin.page.get_by_text(change).first.click()
    await audit.check(admin, "rooms with a group's settings open")
    new_group = admin.page.get_by_role("region", name=W("Make a new group"))
    await new_group.get_by_label(W("Group name")).fill("   ")
    await new_group.get_by_label(W("Who it is for")).select_option(index=1)
    await new_group.get_by_role("button", name=W("Make the group")).click()
    await expect(admin.page.locator(".field-error").first).to_be_visible()
    await audit.check(admin, "rooms after a mistake")
    await h.store.set_room_archived(room_id, True)  # listed under Archived groups
    await admin.page.goto("/admin/rooms")
    await audit.check(admin, "rooms with an archived group")
    await h.store.set_room_archived(room_id, False)
    await admin.page.goto("/admin/staff")
    await audit.check(admin, "staff accounts")
    new_account = admin.page.get_by_role("region", name=W("Make a new account"))
    await new_account.get_by_label(W("Username")).fill("two words")
    await new_account.get_by_label(W("Role")).select_option(index=1)
    await new_account.get_by_role("button", name=W("Make the account")).click()
    await expect(admin.page.locator(".field-error").first).to_be_visible()
    await audit.check(admin, "staff accounts after a mistake")
    await admin.page.get_by_role(
        "button", name=W("Reset password for %(name)s", name=fac_name)).click()
    await expect(admin.page.get_by_role("status")).to_be_visible()
    await audit.check(admin, "staff accounts after a password reset")
    audit.assert_clean()


async def test_volunteer_pages(h: Harness, windows: OpenWindow, audit: Audit) -> None:
    """Issue 13, part 3: the coordinator's list and a volunteer's record (with mistakes), on a
    phone; the facilitator's own record, and their landing page saying what is missing."""
    fac_name = await staff_member(h, "facilitator")
    member = await h.store.staff_by_username(fac_name)
    assert member is not None
    cora = await windows(PHONE)
    await log_in(cora, await staff_member(h, "coordinator"), "/coordinator/volunteers")
    await audit.check(cora, "volunteers")
    await cora.page.goto(f"/coordinator/volunteers/{member.id}")
    await audit.check(cora, "a volunteer's record")
    training = cora.page.locator("#training")
    await training.get_by_label(W("Module")).select_option("induction")
    await training.get_by_label(W("Completed on")).fill("1985-01-01")  # before any such course
    await training.get_by_role("button", name=W("Record it")).click()
    await expect(cora.page.locator(".field-error").first).to_be_visible()
    await audit.check(cora, "a volunteer's record after a mistake")
    await cora.page.locator("#lived-experience").fill("x" * 600)
    await cora.page.get_by_role("button", name=W("Save the profile")).click()
    await expect(cora.page.locator("#lived-experience-error")).to_be_visible()
    await audit.check(cora, "a volunteer's profile after a mistake")

    fac = await windows(PHONE)
    await log_in(fac, fac_name, "/staff")
    await expect(fac.page.locator("#training-why")).to_be_visible()
    await audit.check(fac, "a facilitator's groups with training to record")
    await fac.page.goto("/account/training")
    await audit.check(fac, "a facilitator's own training")
    audit.assert_clean()


async def test_the_group_page_for_every_role(h: Harness, windows: OpenWindow,
                                             audit: Audit) -> None:
    room_id, invite = await h.room(name="Mums' circle")
    fac = await facilitating(h, windows, room_id)
    await audit.check(fac, "the group, facilitator, nobody there yet")

    ann = await windows(PHONE)
    await join(ann, invite, "Ann")
    await wait_in_lobby(ann)
    await audit.check(ann, "the waiting room")
    await let_in(fac, ann, "Ann")
    bea = await windows(PHONE)
    await join(bea, invite, "Bea")
    await let_in(fac, bea, "Bea")
    cat = await windows(PHONE)
    await join(cat, invite, "Cat")
    await wait_in_lobby(cat)  # still waiting: the facilitator's list shows her

    await say(ann, "Hello everyone")
    await say(fac, "Welcome, lovely to have you here.")
    await say(bea, "Just for the facilitators", to="Facilitators only")
    await ann.page.get_by_role("button", name=W("Raise hand")).click()
    await audit.check(ann, "the group, participant")

    # Asking for help: the dialog, then the signposting.
    await ann.page.get_by_role("button", name=W("Ask for help privately")).click()
    await expect(dialog(ann)).to_be_visible()
    await audit.check(ann, "the help dialog")
    await dialog(ann).get_by_role("button", name=W("Ask for help")).click()
    await expect(ann.page.get_by_role("region", name=W("Help is there for you"))).to_be_visible()
    await audit.check(ann, "the group with help shown, participant")
    await ann.page.locator("#chat-text").fill("I want to kill myself")
    await expect(ann.page.locator("#draft-support")).to_be_visible()
    await audit.check(ann, "the group with a worrying draft, participant")
    await ann.page.locator("#chat-text").fill("")

    # The facilitator: an alert, a raised hand, someone waiting; the menus and dialogs.
    await expect(fac.page.locator("#alerts li")).to_contain_text(
        W("{name} asked for help", name="Ann"))
    await audit.check(fac, "the group with an alert, facilitator")
    await fac.page.locator("#people li").filter(has_text="Bea").get_by_text(W("Options")).click()
    await audit.check(fac, "a person's options open, facilitator")
    await fac.page.locator("#alerts li").get_by_role("button", name=W("Escalate")).click()
    await expect(dialog(fac)).to_be_visible()
    await audit.check(fac, "the escalate dialog")
    await cancel_dialog(fac)
    await bea.page.get_by_role(
        "button", name=W("Report {name} to the facilitators", name="Ann")).click()
    await expect(dialog(bea)).to_be_visible()
    await audit.check(bea, "the report dialog")
    await cancel_dialog(bea)

    # An urgent message: held for the sender, an urgent alert at the top for the facilitator.
    await say(bea, "I'm going to kill myself tonight")
    await expect(bea.page.get_by_role("region", name=W("Help is there for you"))).to_be_visible()
    await audit.check(bea, "the group after an urgent message, participant")
    await expect(fac.page.locator("#urgent-alerts")).to_be_visible()
    await audit.check(fac, "the group with an urgent alert, facilitator")

    # The safeguarding lead joins as a facilitator.
    lead = await windows()
    await log_in(lead, await staff_member(h, "safeguarding_lead"), "/lead")
    await open_room(lead, room_id)
    await audit.check(lead, "the group, safeguarding lead")

    # Endings: a participant who leaves, a session the facilitator ends.
    await bea.page.get_by_role("button", name=W("Leave"), exact=True).click()
    gone = bea.page.get_by_role("heading", name=W("You've left the group"))
    await expect(dialog(bea).or_(gone)).to_be_visible()
    if await dialog(bea).is_visible():  # leaving asks first
        await audit.check(bea, "the leave dialog")
        await dialog(bea).get_by_role("button", name=W("Leave"), exact=True).click()
    await expect(gone).to_be_visible()
    await audit.check(bea, "after leaving, participant")
    await fac.page.get_by_role("button", name=W("End session")).click()
    await dialog(fac).get_by_role("button", name=W("End session")).click()
    await expect(fac.page.get_by_role("heading", name=W("The session has ended"))).to_be_visible()
    await audit.check(fac, "after ending the session, facilitator")
    audit.assert_clean()


async def test_arriving_focuses_the_main_heading_and_the_chat_box_is_near_the_top(
        h: Harness, windows: OpenWindow) -> None:
    room_id, invite = await h.room(name="Mums' circle")
    fac = await facilitating(h, windows, room_id)
    await expect(fac.page.get_by_role("heading", level=1)).to_be_focused()

    ann = await windows(PHONE)
    await join(ann, invite, "Ann")
    await wait_in_lobby(ann)
    heading = ann.page.get_by_role("heading", level=1)
    await expect(heading).to_have_text("Mums' circle")
    await expect(heading).to_be_focused()
    await expect(ann.page.locator("#skip-to-chat")).to_be_hidden()  # no chat in the lobby
    await ann.page.get_by_role("button", name=W("Ask for help privately")).focus()
    await let_in(fac, ann, "Ann")
    await expect(heading).to_be_focused()  # the lobby's button has gone; focus is not lost

    # A lead's pages start with the live banner's link: one more stop before the skip links.
    await raise_escalation(h)
    lead = await windows()
    await log_in(lead, await staff_member(h, "safeguarding_lead"), "/lead")
    await open_room(lead, room_id)
    await expect(lead.page.locator("#lead-live a")).to_be_visible()

    for tab in (ann, fac, lead):
        presses = await tab_presses_to_the_chat_box(tab)
        assert presses is not None and presses <= 3, (tab.page.url, presses)
        await tab.page.keyboard.type("Hello")
        await expect(tab.page.locator("#chat-text")).to_have_value("Hello")
