"""The safeguarding lead's API, live stream and pages."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime
from typing import Any

import httpx

from server.store.records import AlertRecord
from tests.harness import Harness


async def raise_escalation(h: Harness, n: int = 1) -> tuple[str, str]:
    room_id, _ = await h.room()
    alert = AlertRecord(
        id=f"a_{room_id}_{n}", room_id=room_id, kind="risk", severity="urgent",
        categories=("suicide",), participant_id="p_1", participant_name="Quiet Wren",
        ack_within=60, created_at=datetime.now(UTC), excerpt="I want it all to stop",
    )
    escalation = await h.store.safeguarding.raise_alert(alert, escalate=True)
    assert escalation is not None
    return room_id, escalation.id


async def test_only_the_lead_sees_escalations(h: Harness) -> None:
    _, escalation_id = await raise_escalation(h)
    async with httpx.AsyncClient(base_url=h.server.http) as anon:
        assert (await anon.get("/api/escalations")).status_code == 401
    for role in ("facilitator", "admin"):
        _, client = await h.staff(role)
        assert (await client.get("/api/escalations")).status_code == 403
        assert (await client.get(f"/api/escalations/{escalation_id}")).status_code == 403
        await client.aclose()
    _, lead = await h.staff("safeguarding_lead")
    listed = (await lead.get("/api/escalations")).json()["escalations"]
    assert escalation_id in [e["id"] for e in listed]
    one = (await lead.get(f"/api/escalations/{escalation_id}")).json()
    assert one["excerpt"] == "I want it all to stop" and one["state"] == "raised"
    assert (await lead.get("/api/escalations/e_missing")).status_code == 404
    await lead.aclose()


async def test_lead_moves_an_escalation_to_closed_with_an_outcome(h: Harness) -> None:
    _, escalation_id = await raise_escalation(h)
    _, lead = await h.staff("safeguarding_lead")
    url = f"/api/escalations/{escalation_id}"
    acked = await lead.post(url, json={"state": "acknowledged", "note": "Calling her now"})
    assert acked.status_code == 200 and acked.json()["state"] == "acknowledged"
    refused = await lead.post(url, json={"state": "closed"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "invalid_state"
    bad = await lead.post(url, json={"state": 5})
    assert bad.status_code == 400
    done = await lead.post(url, json={"state": "closed", "outcome": "crisis_team",
                                      "note": "Crisis team visited"})
    body = done.json()
    assert body["state"] == "closed" and body["outcome"] == "crisis_team" and body["closed_at"]
    assert [n["text"] for n in body["notes"]] == ["Calling her now", "Crisis team visited"]
    assert escalation_id not in [e["id"] for e in (await lead.get("/api/escalations")).json()[
        "escalations"]]
    everything = (await lead.get("/api/escalations?all=1")).json()["escalations"]
    assert escalation_id in [e["id"] for e in everything]
    # Without our Origin the cookie alone cannot change anything (CSRF).
    foreign = await lead.post(url, json={"note": "x"}, headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403
    await lead.aclose()
    assert (await h.store.safeguarding.verify_audit()).ok


async def _events(response: httpx.Response, wanted: int) -> list[tuple[str, Any]]:
    got: list[tuple[str, Any]] = []
    event = ""
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            got.append((event, json.loads(line[6:])))
            if len(got) >= wanted:
                return got
    return got


async def test_the_lead_sees_changes_live(h: Harness) -> None:
    _, escalation_id = await raise_escalation(h)
    _, lead = await h.staff("safeguarding_lead")
    _, other_lead = await h.staff("safeguarding_lead")
    async with lead.stream("GET", "/api/escalations/stream", timeout=10) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        reader = asyncio.create_task(_events(response, 2))
        await asyncio.sleep(0.3)
        changed = await other_lead.post(f"/api/escalations/{escalation_id}",
                                        json={"state": "acknowledged"})
        assert changed.status_code == 200
        events = await asyncio.wait_for(reader, 5)
    assert events[0][0] == "snapshot"
    assert escalation_id in [e["id"] for e in events[0][1]["open"]]
    assert events[1][0] == "escalation"
    assert events[1][1]["id"] == escalation_id and events[1][1]["state"] == "acknowledged"
    assert "excerpt" not in events[1][1]  # the stream says what changed; details need a click
    await lead.aclose()
    await other_lead.aclose()


async def test_lead_pages_show_and_change_an_escalation(h: Harness) -> None:
    _, escalation_id = await raise_escalation(h)
    _, lead = await h.staff("safeguarding_lead")
    page = await lead.get("/lead")
    assert page.status_code == 200 and escalation_id in page.text
    detail = await lead.get(f"/lead/escalations/{escalation_id}")
    assert "I want it all to stop" in detail.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', detail.text)
    assert token
    forged = await lead.post(f"/lead/escalations/{escalation_id}",
                             data={"state": "acknowledged", "csrf_token": "forged"})
    assert forged.status_code == 403
    saved = await lead.post(f"/lead/escalations/{escalation_id}",
                            data={"state": "action_taken", "outcome": "gp_or_health_visitor",
                                  "note": "Health visitor will call", "csrf_token": token.group(1)})
    assert saved.status_code == 200 and "Health visitor will call" in saved.text
    found = await h.store.safeguarding.escalation(escalation_id)
    assert found is not None and found.state == "action_taken"
    _, facilitator = await h.staff("facilitator")
    assert (await facilitator.get("/lead")).status_code == 403
    await facilitator.aclose()
    await lead.aclose()


async def test_the_live_banner_is_on_every_page_for_the_lead_only(h: Harness) -> None:
    _, lead = await h.staff("safeguarding_lead")
    _, facilitator = await h.staff("facilitator")
    for path in ("/", "/staff", "/room", "/lead"):
        page = await lead.get(path)
        assert "/static/lead-live." in page.text, path
        assert "/static/lead-live." not in (await facilitator.get(path)).text, path
    async with httpx.AsyncClient(base_url=h.server.http) as anon:
        assert "/static/lead-live." not in (await anon.get("/room")).text
    await lead.aclose()
    await facilitator.aclose()
