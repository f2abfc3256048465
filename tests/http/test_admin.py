"""The admin-edited signposting directory."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from server.safeguarding.directory import (
    AUDIENCES,
    CATEGORIES,
    Directory,
    InvalidDirectory,
    parse,
)
from tests.harness import Harness


async def test_directory_defaults_and_admin_edits(h: Harness) -> None:
    _, admin = await h.staff("admin")
    _, facilitator = await h.staff("facilitator")
    shipped = (await admin.get("/api/directory")).json()
    assert shipped["checked"] and any("Samaritans" in r["name"] for r in shipped["resources"])
    edited = json.loads(json.dumps(shipped))
    edited["checked"] = "2026-11-20"
    edited["resources"].append({"id": "local-team", "name": "Northshire perinatal team",
                                "contact": "Call 01234 567890", "categories": ["help"],
                                "audiences": ["mothers"]})
    saved = await admin.put("/api/directory", content=json.dumps(edited))
    assert saved.status_code == 200 and saved.json()["checked"] == "2026-11-20"
    assert (await facilitator.get("/api/directory")).json()["resources"][-1]["id"] == "local-team"
    # Only admins change it, only from our pages, and only with valid data.
    assert (await facilitator.put("/api/directory", content=json.dumps(edited))).status_code == 403
    foreign = await admin.put("/api/directory", content=json.dumps(edited),
                              headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403
    for bad in ({"checked": "yesterday", "resources": []},
                {"checked": "2026-11-20", "resources": [{"id": "x", "name": "X", "contact": "1",
                                                         "categories": ["astrology"]}]},
                {"checked": "2026-11-20", "resources": [{"id": "x", "name": "X", "contact": "1",
                                                         "categories": ["help"],
                                                         "url": "javascript:alert(1)"}]}):
        response = await admin.put("/api/directory", content=json.dumps(bad))
        assert response.status_code == 400, bad
    # The change is durable and audited.
    assert (await h.store.safeguarding.directory_data()) is not None
    assert (await h.store.safeguarding.verify_audit()).ok
    await admin.aclose()
    await facilitator.aclose()
    # Leave the shared server's directory as shipped for other tests.
    _, admin = await h.staff("admin")
    await admin.put("/api/directory", content=json.dumps(shipped))
    await admin.aclose()


async def test_directory_page_for_admins_only(h: Harness) -> None:
    _, admin = await h.staff("admin")
    page = await admin.get("/admin/directory")
    assert page.status_code == 200 and "Samaritans" in page.text
    # The gaps a parent never sees are listed for the admin to fill.
    gaps = page.text[page.text.index('id="directory-gaps"'):]
    assert "Support in Polish (to be added)" in gaps[:gaps.index("</ul>")]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    refused = await admin.post("/admin/directory", data={"directory": "{not json",
                                                         "csrf_token": token.group(1)})
    assert refused.status_code == 400 and "Not saved" in refused.text
    _, lead = await h.staff("safeguarding_lead")
    assert (await lead.get("/admin/directory")).status_code == 403
    async with httpx.AsyncClient(base_url=h.server.http) as anon:
        assert (await anon.get("/admin/directory")).headers["location"] == "/login"
    await admin.aclose()
    await lead.aclose()


def test_lookup_by_category_and_audience() -> None:
    directory = Directory.default()
    dads = [r.name for r in directory.lookup(["domestic_abuse"], "fathers_partners")]
    mums = [r.name for r in directory.lookup(["domestic_abuse"], "mothers")]
    assert any("Men's Advice Line" in n for n in dads)
    assert not any("Men's Advice Line" in n for n in mums)
    assert any("National Domestic Abuse Helpline" in n for n in mums)
    # A female partner in a dads & partners' group needs the helpline a mum would get.
    assert any("National Domestic Abuse Helpline" in n for n in dads)
    assert any("999" in r.contact for r in directory.lookup(["suicide"], "mothers"))
    help_names = [r.name for r in directory.for_help("everyone")]
    assert any("Samaritans" in n for n in help_names) and any("Shout" in n for n in help_names)


def test_entries_carry_numbers_to_tap_and_their_languages() -> None:
    directory = Directory.default()
    by_name = {r.name: r for r in directory.lookup(list(CATEGORIES), "everyone")}
    samaritans = next(r for n, r in by_name.items() if n.startswith("Samaritans"))
    assert samaritans.tel == "116123" and samaritans.interpreting
    shout = next(r for n, r in by_name.items() if n.startswith("Shout"))
    assert (shout.sms, shout.sms_body, shout.tel) == ("85258", "SHOUT", None)
    # Every number a link dials is the one the words show (the words keep the spaces).
    for resource in by_name.values():
        for number in (resource.tel, resource.sms):
            if number:
                assert number in resource.contact.replace(" ", ""), resource
        assert resource.languages


def test_pending_entries_are_gaps_for_admins_never_shown_to_parents() -> None:
    directory = Directory.default()
    assert {e.id for e in directory.pending} >= {"dads-mental-health", "polish-language",
                                                 "urdu-language"}
    shown = [r.name for a in AUDIENCES for r in directory.lookup(list(CATEGORIES), a)]
    assert not any("to be added" in name for name in shown)


@pytest.mark.parametrize(("change", "why"), [
    ({"tel": "0808 2000 247"}, "tel"),
    ({"sms_body": "SHOUT"}, "needs the sms number"),
    ({"languages": []}, "at least one language"),
    ({"languages": ["Polish"]}, "languages"),
])
def test_bad_numbers_and_languages_are_refused_in_words(change: dict[str, object],
                                                        why: str) -> None:
    entry = {"id": "x", "name": "X", "contact": "Call 0808", "categories": ["help"], **change}
    with pytest.raises(InvalidDirectory, match=why):
        parse({"checked": "2026-12-06", "resources": [entry]})
