"""Issue 13, part 1 in a real browser: a parent in Lahore opens a London group's invite and
reads when it next meets in her own time, in English and in Urdu, on a phone; joining
before the waiting room opens tells her when it will, in her time. An admin adds a weekly
session on a desktop, and a facilitator sees today's sessions on their landing page."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import expect

from server.auth import manage
from server.auth.passwords import hash_password
from tests.harness import STAFF_PASSWORD, Harness
from tests.web.conftest import PHONE, OpenTab, own_server, page_words
from tests.web.test_screenshots import speak
from tests.web.test_staff_admin import log_in, shot

pytestmark = pytest.mark.browser
# /admin/rooms lists every group: a server of this module's own (tests/web/conftest.py).
server = own_server("schedule")

LAHORE = "Asia/Karachi"


def clock(time: str) -> str:
    """A pattern for ``time`` ("18:54") in Western or Urdu (Extended Arabic-Indic) digits."""
    return "".join(f"[{c}{'۰۱۲۳۴۵۶۷۸۹'[int(c)]}]" if c.isdigit() else re.escape(c)
                   for c in time)


@pytest.mark.parametrize("lang", ["en", "ur"])
async def test_a_parent_reads_when_the_group_meets_in_her_own_time(
        h: Harness, tabs: OpenTab, lang: str) -> None:
    room_id, invite = await h.room(name=f"Tuesday mums {secrets.token_hex(2)}")
    room = await h.store.room(room_id)
    assert room is not None
    starts = (datetime.now(UTC) + timedelta(hours=3)).replace(second=0, microsecond=0)
    london = starts.astimezone(ZoneInfo("Europe/London"))
    await manage.add_session(h.store, "test", room, london.date(), london.time(), 90,
                             weekly=True)
    parent = await tabs(viewport=PHONE, touch=True, timezone=LAHORE)
    page = parent.page
    await speak(parent, lang)
    await page.goto(f"/join/{invite}")
    when = page.locator("#when")
    await expect(when).to_be_visible()
    lahore = starts.astimezone(ZoneInfo(LAHORE))
    # In her clock (UTC+5), not the group's: the hour shown is Lahore's, once the page's
    # script has put it there (the server writes the time in UTC).
    await expect(when.locator("time").first).to_have_text(re.compile(
        f"{clock(f'{lahore:%H:%M}')}|{clock(f'{lahore.hour % 12 or 12}:{lahore:%M}')}"))
    await expect(when.get_by_role("link", name=await page_words(page, "Add to calendar"))
                 ).to_have_attribute("href", f"/join/{invite}/calendar.ics")
    await shot(page, f"schedule-join-{lang}")

    await page.locator("#agree").check()
    await page.locator("#join-button").click()
    error = page.locator("#join-error")
    await expect(error).to_be_visible()
    opens = (lahore - timedelta(minutes=15))
    text = (await error.text_content() or "").translate(
        str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
    assert f"{opens:%H:%M}" in text or f"{opens.hour % 12 or 12}:{opens:%M}" in text, text
    if lang == "ur":
        assert "انتظار گاہ" in text
    await shot(page, f"schedule-not-open-{lang}")
    parent.assert_clean("status of 409")  # the refused join, as the browser logs it


async def test_an_admin_adds_a_weekly_session_and_a_facilitator_sees_today(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str]) -> None:
    name = f"Dads' evening {secrets.token_hex(2)}"
    room_id, _ = await h.room(name=name, audience="fathers_partners")
    admin_name = f"ada-{secrets.token_hex(3)}"
    await h.store.add_staff(admin_name, hash_password(STAFF_PASSWORD), "admin")
    admin = await tabs()
    page = admin.page
    await log_in(page, admin_name)
    await page.wait_for_url("**/admin/directory")
    await page.goto(f"/admin/rooms#room-{room_id}")
    card = page.locator(f"#room-{room_id}")
    await card.get_by_text("Add a session").click()
    # On now: it began ten minutes ago (in London, the group's zone), so it is today's.
    began = (datetime.now(UTC) - timedelta(minutes=10)).astimezone(ZoneInfo("Europe/London"))
    await card.get_by_label("Date (the first one, if it repeats)").fill(began.date().isoformat())
    await card.get_by_label("Start time, in the group's time zone").fill(f"{began:%H:%M}")
    await card.get_by_label("Length in minutes").fill("60")
    await card.get_by_label("Every week").check()
    await card.get_by_role("button", name="Add the session").click()
    await expect(page.locator("main .notice.ok")).to_contain_text("The session is saved.")
    await expect(card).to_contain_text(f"at {began:%H:%M} for 60 minutes")
    await expect(card).to_contain_text("A session is on now, until")
    await shot(page, "schedule-admin")
    admin.assert_clean()

    fac = await tabs(viewport=PHONE, touch=True)
    await log_in(fac.page, facilitator_account[0], facilitator_account[1])
    await fac.page.wait_for_url("**/staff")
    today = fac.page.get_by_role("region", name="Today's sessions")
    await expect(today).to_contain_text(name)
    await expect(today).to_contain_text("on now")
    await shot(fac.page, "schedule-staff")
    fac.assert_clean()

    # The safeguarding lead, on call for every group, lands on /lead: today's are there too.
    lead_name = f"lee-{secrets.token_hex(3)}"
    await h.store.add_staff(lead_name, hash_password(STAFF_PASSWORD), "safeguarding_lead")
    lead = await tabs()
    await log_in(lead.page, lead_name)
    await lead.page.wait_for_url("**/lead")
    await expect(lead.page.get_by_role("region", name="Today's sessions")).to_contain_text(name)
    await shot(lead.page, "schedule-lead")
    lead.assert_clean()
