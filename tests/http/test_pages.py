"""The HTML pages and their CSRF-protected forms."""

from __future__ import annotations

import re

import httpx

from tests.harness import STAFF_PASSWORD, Harness


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "the form has no CSRF token"
    return found.group(1)


async def test_login_form_needs_the_csrf_token(h: Harness) -> None:
    username, client = await h.staff()
    await client.aclose()
    async with httpx.AsyncClient(base_url=h.server.http) as browser:
        page = await browser.get("/login")
        assert page.status_code == 200
        token = csrf_of(page)
        form = {"username": username, "password": STAFF_PASSWORD}
        missing = await browser.post("/login", data=form)
        assert missing.status_code == 403 and "hearth_session" not in missing.cookies
        forged = await browser.post("/login", data={**form, "csrf_token": token + "x"})
        assert forged.status_code == 403
        ok = await browser.post("/login", data={**form, "csrf_token": token})
        assert ok.status_code == 303 and ok.headers["location"] == "/staff"
        staff = await browser.get("/staff")
        assert staff.status_code == 200 and "Your groups" in staff.text


async def test_login_form_wrong_password_is_refused_kindly(h: Harness) -> None:
    async with httpx.AsyncClient(base_url=h.server.http) as browser:
        token = csrf_of(await browser.get("/login"))
        bad = await browser.post("/login", data={"username": "ghost", "password": "x" * 12,
                                                 "csrf_token": token})
        assert bad.status_code == 401 and "do not match" in bad.text


async def test_csrf_token_from_another_browser_does_not_work(h: Harness) -> None:
    username, client = await h.staff()
    await client.aclose()
    async with httpx.AsyncClient(base_url=h.server.http) as attacker, \
            httpx.AsyncClient(base_url=h.server.http) as victim:
        token = csrf_of(await attacker.get("/login"))
        await victim.get("/login")  # the victim has a CSRF cookie of their own
        response = await victim.post("/login", data={"username": username,
                                                      "password": STAFF_PASSWORD,
                                                      "csrf_token": token})
        assert response.status_code == 403


async def test_logout_form_needs_the_csrf_token(h: Harness) -> None:
    username, client = await h.staff()
    await client.aclose()
    async with httpx.AsyncClient(base_url=h.server.http) as browser:
        token = csrf_of(await browser.get("/login"))
        await browser.post("/login", data={"username": username, "password": STAFF_PASSWORD,
                                           "csrf_token": token})
        refused = await browser.post("/logout", data={})
        assert refused.status_code == 403
        assert (await browser.get("/staff")).status_code == 200  # still logged in
        page = await browser.get("/staff")
        done = await browser.post("/logout", data={"csrf_token": csrf_of(page)})
        assert done.status_code == 303
        assert (await browser.get("/staff")).headers.get("location") == "/login"


async def test_join_page_shows_the_agreement_and_unknown_links_say_so(h: Harness) -> None:
    _, invite = await h.room("fathers_partners", "Dads' group")
    async with httpx.AsyncClient(base_url=h.server.http) as browser:
        page = await browser.get(f"/join/{invite}")
        assert page.status_code == 200
        assert "group agreement" in page.text and "dads and partners" in page.text
        assert "Quick exit" in page.text
        # Before joining, what is kept, for how long and who sees it, in plain words.
        privacy = page.text[page.text.index('id="privacy"'):]
        privacy = privacy[:privacy.index("</section>")]
        days = h.server.settings.retention_days
        assert f"deleted {days} days after" in privacy
        assert "the chat is gone when the session ends" in privacy
        assert "don't keep your internet address" in privacy
        gone = await browser.get("/join/not-a-code")
        assert gone.status_code == 404 and "Quick exit" in gone.text


async def test_staff_page_needs_a_login(h: Harness) -> None:
    async with httpx.AsyncClient(base_url=h.server.http) as browser:
        response = await browser.get("/staff")
        assert response.status_code == 303 and response.headers["location"] == "/login"
