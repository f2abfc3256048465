"""Safeguarding in a live room, end to end: the screen, held messages, alerts,
deadlines and escalations (invariants 5 and 6), against a real server."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from server.safeguarding.assess import default_assessor
from server.safeguarding.screening import default_screen
from tests.conftest import MakeServer
from tests.harness import SuiteHarness, drain, suite_harness

URGENT = "I can't go on, I'm going to kill myself tonight"
# Passive suicidal thinking with no word any rule looks for (the example).
MODEL_ONLY = "the kids would have a better life with someone else as their mum"
CONCERN = ("I keep getting these awful thoughts of dropping the baby down the stairs, "
           "I'd never do it")
ORDINARY = "the baby is killing me, I'd murder a coffee"


async def test_urgent_message_is_held_signposted_and_alerted(hs: SuiteHarness) -> None:
    group = await hs.group("Ann", "Bob")
    ann, bob = group.people
    await ann.send("chat.send", text=URGENT, ref="c1")
    held = await ann.expect("chat.held")
    signpost = await ann.expect("signpost")
    assert held["reason"] == "safeguarding"
    assert any("116 123" in r["contact"] for r in signpost["resources"])
    alert = await group.fac.expect("alert")
    assert (alert["kind"], alert["severity"]) == ("risk", "urgent")
    assert alert["message"] == {"id": held["id"], "text": URGENT}
    assert "suicide" in alert["categories"] and alert["ack_within"] == 60
    assert any(rule.startswith("suicide.") for rule in alert["rules"])
    assert len(alert["rules"]) == len(set(alert["rules"]))
    escalated = await group.fac.expect("alert.escalated")
    assert escalated == {"type": "alert.escalated", "alert": alert["id"], "reason": "urgent"}
    # Invariant 5: nobody else saw it, not even as a chat echo to the sender.
    assert URGENT not in str(await drain(bob))
    assert URGENT not in str([m for m in ann.seen if m["type"] == "chat"])
    # It is durable: an escalation with the excerpt exists for the lead.
    [escalation] = [e for e in await hs.store.safeguarding.escalations()
                    if e.room_id == group.room_id]
    assert escalation.excerpt == URGENT and escalation.state == "raised"


async def test_the_facilitator_may_release_a_held_message(hs: SuiteHarness) -> None:
    group = await hs.group("Ann", "Bob")
    ann, bob = group.people
    await ann.send("chat.send", text=URGENT)
    held = await ann.expect("chat.held")
    await group.fac.expect("alert")
    await bob.send("chat.release", message=held["id"], ref="r")
    assert (await bob.expect("error", ref="r"))["code"] == "forbidden"
    await group.fac.send("chat.release", message=held["id"], ref="r")
    released = await bob.expect("chat")
    assert released["id"] == held["id"] and released["text"] == URGENT
    await group.fac.send("chat.release", message=held["id"], ref="again")
    assert (await group.fac.expect("error", ref="again"))["code"] == "not_found"


async def test_concern_is_delivered_and_facilitators_alerted_kindly(hs: SuiteHarness) -> None:
    group = await hs.group("Ann", "Bob")
    ann, bob = group.people
    await ann.send("chat.send", text=CONCERN)
    assert (await bob.expect("chat"))["text"] == CONCERN
    alert = await group.fac.expect("alert")
    assert alert["severity"] == "concern" and "harm_to_baby" in alert["categories"]
    # A quiet check-in: no acknowledgement deadline, so no reminder and no re-route...
    assert alert["ack_within"] == 0
    assert not [m for m in await drain(ann) if m["type"] in ("chat.held", "signpost")]
    # ...and the database holds it with no deadline for the sweeper to find.
    stored = await hs.store.safeguarding.alert(alert["id"])
    assert stored is not None and stored.ack_within == 0
    # (The store is the suite's: other tests' urgent alerts may be due; this one never is.)
    due = await hs.store.safeguarding.due_alerts(datetime.now(UTC) + timedelta(days=1), 10_000)
    assert alert["id"] not in [a.id for a in due]


async def test_the_model_catches_what_the_rules_miss_and_says_so(hs: SuiteHarness) -> None:
    """Passive suicidal thinking the rules have no pattern for: the model raises it, and the
    alert names the model's version, category and score so the facilitator can see why."""
    assert default_screen().screen(MODEL_ONLY).severity.value == "none"

    async def counts() -> dict[tuple[str, str], int]:
        # The store is shared by the suite: compare with what was counted before.
        return {(c.signal, c.verdict): c.count
                for c in await hs.store.safeguarding.feedback_counts()
                if c.model_version == default_assessor().model_version}

    before = await counts()
    group = await hs.group("Ann", "Bob")
    ann, _ = group.people
    await ann.send("chat.send", text=MODEL_ONLY)
    await ann.expect("chat.held")
    alert = await group.fac.expect("alert")
    assert alert["severity"] == "urgent" and "rules" not in alert  # omitted when empty
    model = alert["model"]
    assert model["version"] == default_assessor().model_version
    assert model["category"] in alert["categories"] and 0 < model["score"] <= 1
    # The verdict is counted per model version and category, never with the text.
    await group.fac.send("alert.ack", alert=alert["id"], verdict="right", ref="v")
    await group.fac.expect("ack", ref="v")
    await group.fac.send("screen.missed", participant=ann.id, ref="m")
    await group.fac.expect("ack", ref="m")

    expected = {("-", "missed"), (f"model:{model['category']}", "right")}

    async def grown() -> set[tuple[str, str]]:
        now = await counts()
        return {key for key, n in now.items() if n > before.get(key, 0)}

    for _ in range(100):
        if await grown() >= expected:
            break
        await asyncio.sleep(0.05)
    assert await grown() == expected
    now = await counts()
    assert all(now[key] == before.get(key, 0) + 1 for key in expected)
    # The restored alert keeps its signal (for a verdict after a restart).
    stored = await hs.store.safeguarding.alert(alert["id"])
    assert stored is not None and stored.model is not None and model["version"] in stored.model


async def test_ordinary_exhausted_parent_talk_raises_nothing(hs: SuiteHarness) -> None:
    group = await hs.group("Ann", "Bob")
    ann, bob = group.people
    await ann.send("chat.send", text=ORDINARY)
    assert (await bob.expect("chat"))["text"] == ORDINARY
    assert not [m for m in await drain(group.fac) if m["type"].startswith("alert")]


async def test_urgent_help_request_is_escalated_and_signposted(hs: SuiteHarness) -> None:
    group = await hs.group("Ann")
    ann = group.people[0]
    await ann.send("help.request", text="my partner has been hitting me and I'm scared tonight")
    await ann.expect("help.received")
    signpost = await ann.expect("signpost")
    assert any("0808 2000 247" in r["contact"] for r in signpost["resources"])
    alert = await group.fac.expect("alert")
    assert alert["kind"] == "help" and "domestic_abuse" in alert["categories"]


async def test_a_dads_group_is_signposted_for_dads(hs: SuiteHarness) -> None:
    room_id, invite = await hs.room("fathers_partners")
    fac = await hs.fac(room_id)
    dev = await hs.connect((await hs.join_as(hs.browser(), invite, "Dev"))["token"])
    await hs.admit(fac, dev)
    abuse = dev.welcome["signposting"]["domestic_abuse"]
    # Both lines: a man experiencing abuse needs the Men's Advice Line, a female partner the
    # National Domestic Abuse Helpline (docs/domain.md); each one tap to ring on a phone.
    assert any("Men's Advice Line" in r["name"] and r["tel"] == "08088010327" for r in abuse)
    assert any("National Domestic Abuse Helpline" in r["name"] and r["tel"] == "08082000247"
               for r in abuse)
    await dev.send("help.request", text="she hits me and takes my phone, I'm scared at home")
    signpost = await dev.expect("signpost")
    assert any("0808 801 0327" in r["contact"] for r in signpost["resources"])
    assert any("0808 2000 247" in r["contact"] for r in signpost["resources"])


async def test_escalate_records_and_tells_the_lead(hs: SuiteHarness) -> None:
    group = await hs.group("Ann")
    ann = group.people[0]
    await ann.send("help.request", text="I just need to talk to someone")
    alert = await group.fac.expect("alert")
    await group.fac.send("escalate", alert=alert["id"], note="She sounded very low", ref="e")
    await group.fac.expect("ack", ref="e")
    told = await group.fac.expect("alert.escalated")
    assert told == {"type": "alert.escalated", "alert": alert["id"], "reason": "facilitator"}
    found = [e for e in await hs.store.safeguarding.escalations() if e.alert_id == alert["id"]]
    assert len(found) == 1
    stored = await hs.store.safeguarding.escalation(found[0].id)
    assert stored is not None and stored.notes[0].text == "She sounded very low"
    lead = await hs.fac(group.room_id, "Lee", role="safeguarding_lead")
    assert alert["id"] in [a["id"] for a in lead.welcome["alerts"]]
    assert found[0].id in [e["id"] for e in lead.welcome["escalations"]]
    assert (await hs.store.safeguarding.verify_audit()).ok


async def _alerts_of(client: Any, wait: float) -> list[dict[str, Any]]:
    await asyncio.sleep(wait)
    return [m for m in await drain(client) if m["type"].startswith("alert")]


async def test_unacknowledged_alert_is_resent_then_escalated(make_server: MakeServer) -> None:
    server = make_server(ack_within_concern=1, ack_within_urgent=1)
    async with suite_harness(server) as hs:
        group = await hs.group("Ann")
        second = await hs.fac(group.room_id, "Sam")
        await group.people[0].send("help.request")
        alert = await group.fac.expect("alert")
        assert alert["ack_within"] == 1
        resent = await group.fac.expect("alert", timeout=5, overdue=True)
        assert resent["id"] == alert["id"]
        assert (await second.expect("alert", timeout=5, overdue=True))["id"] == alert["id"]
        escalated = await group.fac.expect("alert.escalated", timeout=5)
        assert escalated["reason"] == "overdue"
        for _ in range(50):
            if [e for e in await hs.store.safeguarding.escalations()
                    if e.alert_id == alert["id"]]:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("no escalation stored")
        # Acknowledged alerts stop their clocks.
        await group.people[0].send("help.request")
        later = await group.fac.expect("alert")
        await group.fac.send("alert.ack", alert=later["id"])
        await group.fac.expect("alert.acked")
        assert not [m for m in await _alerts_of(group.fac, 2.5) if m.get("id") == later["id"]]


async def test_help_with_no_facilitator_goes_straight_to_the_lead(hs: SuiteHarness) -> None:
    room_id, invite = await hs.room()
    ann = await hs.connect((await hs.join_as(hs.browser(), invite, "Ann"))["token"])
    await ann.expect("waiting", reason="no_facilitator")
    await ann.send("help.request", text="is anyone there")
    await ann.expect("help.received")
    for _ in range(50):
        found = [e for e in await hs.store.safeguarding.escalations() if e.room_id == room_id]
        if found:
            break
        await asyncio.sleep(0.1)
    assert found and found[0].raised_by == "system"


async def test_an_urgent_escalation_notifies_the_lead_by_webhook(make_server: MakeServer) -> None:
    from tests.safeguarding.test_notify import Receiver

    receiver = Receiver()
    try:
        server = make_server(webhook_url=receiver.url, webhook_secret="s3cret")
        async with suite_harness(server) as hs:
            group = await hs.group("Ann")
            await group.people[0].send("chat.send", text=URGENT)
            await group.fac.expect("alert")
            for _ in range(50):
                if receiver.requests:
                    break
                await asyncio.sleep(0.1)
            [(_, body)] = receiver.requests
            assert b'"severity":"urgent"' in body and URGENT.encode() not in body
    finally:
        receiver.close()
