"""PROTOCOL.md "Room": every row that needs neither media nor the risk screen.

Each command is sent by a role that may send it and by one that may not
(``forbidden``); bystanders are drained with a barrier to show they received
exactly what the contract says and nothing more.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from tests.harness import Client, SuiteHarness, drain, expect_where


async def forbidden(client: Client, kind: str, **fields: object) -> None:
    """``client`` sends ``kind`` and gets ``error forbidden`` echoing the ref."""
    ref = f"no-{kind}"
    await client.send(kind, ref=ref, **fields)
    error = await client.expect("error", ref=ref)
    assert error["code"] == "forbidden", error


async def error_code(client: Client, kind: str, **fields: object) -> str:
    ref = f"err-{kind}"
    await client.send(kind, ref=ref, **fields)
    return str((await client.expect("error", ref=ref))["code"])


# -- chat -------------------------------------------------------------------------


async def test_chat_to_the_room_reaches_everyone_inside_and_not_the_lobby(
    hs: SuiteHarness,
) -> None:
    group = await hs.group("Ann", "Bob")
    ann, bob = group.people
    waiting = await hs.participant(group.invite, "Cat")
    await group.fac.expect("lobby.knock")
    await ann.send("chat.send", text="Good evening, everyone", to="room", ref="c1")
    await ann.expect("ack", ref="c1")
    received = [await client.expect("chat") for client in (ann, bob, group.fac)]
    assert all(message == received[0] for message in received)
    chat = received[0]
    assert set(chat) == {"type", "id", "from", "text", "to", "at"}
    assert chat["from"] == {"id": ann.id, "name": "Ann", "role": "participant"}
    assert (chat["text"], chat["to"]) == ("Good evening, everyone", "room")
    assert chat["at"].endswith("Z")
    at = datetime.fromisoformat(chat["at"])
    assert at.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - at) < timedelta(minutes=5)
    assert [m["type"] for m in await drain(waiting)] == ["waiting"]


async def test_chat_to_facilitators_reaches_the_sender_and_staff_only(hs: SuiteHarness) -> None:
    group = await hs.group("Ann", "Bob")
    ann, bob = group.people
    lead = await hs.fac(group.room_id, "Lee", role="safeguarding_lead")
    for client in (ann, bob, group.fac):
        await client.expect("participant.joined")
    await ann.send("chat.send", text="can I talk to someone?", to="facilitators")
    for client in (ann, group.fac, lead):
        chat = await client.expect("chat")
        assert (chat["to"], chat["text"], chat["from"]["id"]) == (
            "facilitators", "can I talk to someone?", ann.id)
    assert await drain(bob) == []


async def test_facilitators_chat_too_and_to_defaults_to_the_room(hs: SuiteHarness) -> None:
    group = await hs.group("Ann")
    await group.fac.send("chat.send", text="Welcome, Ann")
    chat = await group.people[0].expect("chat")
    assert chat["from"]["role"] == "facilitator" and chat["to"] == "room"


async def test_the_lobby_may_not_chat(hs: SuiteHarness) -> None:
    group = await hs.group("Ann")
    cat = await hs.participant(group.invite, "Cat")
    await forbidden(cat, "chat.send", text="let me in", to="room")
    await forbidden(cat, "chat.send", text="let me in", to="facilitators")
    assert await drain(group.people[0]) == []


async def test_messages_keep_their_order_for_every_recipient(hs: SuiteHarness) -> None:
    group = await hs.group("Ann", "Bob")
    ann, bob = group.people
    for i in range(5):
        await ann.send("chat.send", text=f"ann {i}")
        await bob.send("chat.send", text=f"bob {i}")
    orders = []
    for client in (ann, bob, group.fac):
        orders.append([(await client.expect("chat"))["text"] for _ in range(10)])
    assert orders[0] == orders[1] == orders[2]
    assert [t for t in orders[0] if t.startswith("ann")] == [f"ann {i}" for i in range(5)]
    assert [t for t in orders[0] if t.startswith("bob")] == [f"bob {i}" for i in range(5)]


async def test_chat_release_exists_for_facilitators_only(hs: SuiteHarness) -> None:
    group = await hs.group("Ann")
    # Holding messages needs the risk screen (a later issue): nothing is ever held yet.
    assert await error_code(group.fac, "chat.release", message="m_unknown") == "not_found"
    await forbidden(group.people[0], "chat.release", message="m_unknown")


# -- hands and media flags -------------------------------------------------------------


async def test_hand_raise_and_lower_update_everyone_inside(hs: SuiteHarness) -> None:
    group = await hs.group("Ann", "Bob")
    ann, bob = group.people
    cat = await hs.participant(group.invite, "Cat")
    await group.fac.expect("lobby.knock")

    await ann.send("hand.raise", ref="up")
    await ann.expect("ack", ref="up")
    for client in (ann, bob, group.fac):
        update = await client.expect("participant.updated")
        assert update["participant"]["id"] == ann.id and update["participant"]["hand"] is True

    await ann.send("hand.raise", ref="up-again")  # already up: acknowledged, nobody bothered
    await ann.expect("ack", ref="up-again")
    assert await drain(bob) == []

    await ann.send("hand.lower")
    update = await bob.expect("participant.updated")
    assert update["participant"]["id"] == ann.id and update["participant"]["hand"] is False
    await forbidden(cat, "hand.raise")
    await forbidden(cat, "hand.lower")
    assert await drain(bob) == []


async def test_a_facilitator_may_lower_someone_elses_hand_and_a_participant_may_not(
    hs: SuiteHarness,
) -> None:
    group = await hs.group("Ann", "Bob")
    ann, bob = group.people
    await ann.send("hand.raise")
    await bob.expect("participant.updated")
    await forbidden(bob, "hand.lower", participant=ann.id)
    await group.fac.send("hand.lower", participant=ann.id, ref="down")
    await group.fac.expect("ack", ref="down")
    update = await expect_where(ann, "participant.updated",
                                lambda m: m["participant"]["hand"] is False)
    assert update["participant"]["id"] == ann.id
    await bob.expect("participant.updated")
    assert await drain(bob) == []


async def test_media_state_updates_everyone_inside(hs: SuiteHarness) -> None:
    group = await hs.group("Ann", "Bob")
    ann, bob = group.people
    cat = await hs.participant(group.invite, "Cat")
    await group.fac.expect("lobby.knock")
    await ann.send("media.state", audio=True, video=False, ref="mic")
    await ann.expect("ack", ref="mic")
    for client in (ann, bob, group.fac):
        info = (await client.expect("participant.updated"))["participant"]
        assert (info["id"], info["audio"], info["video"]) == (ann.id, True, False)
    await group.fac.send("media.state", audio=False, video=True)
    info = (await bob.expect("participant.updated"))["participant"]
    assert (info["id"], info["video"]) == (group.fac.id, True)
    await forbidden(cat, "media.state", audio=True, video=False)
    assert await drain(bob) == []


# -- help, reports, alerts -------------------------------------------------------------


async def test_help_request_answers_the_sender_and_alerts_facilitators_only(
    hs: SuiteHarness,
) -> None:
    group = await hs.group("Ann", "Bob")
    ann, bob = group.people
    await ann.send("help.request", text="I am not coping tonight", ref="help")
    await ann.expect("ack", ref="help")
    assert (await ann.recv())["type"] == "help.received"
    signpost = await ann.recv()
    assert signpost["type"] == "signpost"
    assert signpost["resources"], "a help request must show where to get help"
    assert all({"name", "contact"} <= set(r) for r in signpost["resources"])

    alert = await group.fac.expect("alert")
    assert (alert["kind"], alert["severity"]) == ("help", "concern")
    assert alert["participant"] == {"id": ann.id, "name": "Ann"}
    assert isinstance(alert["categories"], list) and isinstance(alert["ack_within"], int)
    assert alert["at"].endswith("Z") and alert["text"] == "I am not coping tonight"
    assert await drain(bob) == []

    await forbidden(group.fac, "help.request", text="staff ask each other")


async def test_a_help_request_without_text_is_fine(hs: SuiteHarness) -> None:
    group = await hs.group("Ann")
    await group.people[0].send("help.request")
    await group.people[0].expect("signpost")
    alert = await group.fac.expect("alert")
    assert alert["kind"] == "help" and alert.get("text") is None


async def test_report_alerts_facilitators_and_not_the_person_reported(hs: SuiteHarness) -> None:
    group = await hs.group("Ann", "Bob")
    ann, bob = group.people
    await ann.send("report", participant=bob.id, text="unkind remarks", ref="rep")
    await ann.expect("ack", ref="rep")
    alert = await group.fac.expect("alert")
    assert (alert["kind"], alert["participant"]) == ("report", {"id": bob.id, "name": "Bob"})
    assert "unkind remarks" in alert["text"]
    assert await drain(bob) == []
    assert await drain(ann) == []

    await forbidden(group.fac, "report", participant=ann.id)
    assert await error_code(ann, "report", participant="p_nobody") == "not_found"


async def test_alert_ack_tells_every_facilitator_who_acknowledged(hs: SuiteHarness) -> None:
    group = await hs.group("Ann")
    ann = group.people[0]
    second = await hs.fac(group.room_id, "Sam")
    await group.fac.expect("participant.joined")
    await ann.send("help.request")
    alert_id = (await group.fac.expect("alert"))["id"]
    await second.expect("alert", id=alert_id)

    await forbidden(ann, "alert.ack", alert=alert_id)
    await second.send("alert.ack", alert=alert_id, ref="seen")
    await second.expect("ack", ref="seen")
    for staff in (group.fac, second):
        acked = await staff.expect("alert.acked")
        assert acked == {"type": "alert.acked", "alert": alert_id,
                         "by": {"id": second.id, "name": "Sam"}}
    assert await drain(ann) == []
    assert "alert.acked" not in [m["type"] for m in ann.seen]
    # Acknowledged once: a second acknowledgement finds nothing open.
    assert await error_code(group.fac, "alert.ack", alert=alert_id) == "not_found"


async def test_a_facilitator_arriving_later_sees_open_alerts(hs: SuiteHarness) -> None:
    group = await hs.group("Ann")
    await group.people[0].send("help.request", text="please")
    alert = await group.fac.expect("alert")
    late = await hs.fac(group.room_id, "Sam")
    assert [a["id"] for a in late.welcome["alerts"]] == [alert["id"]]  # addition
    assert "alerts" not in group.people[0].welcome


# -- moderation -------------------------------------------------------------------------


async def test_mute_without_lock_lets_the_participant_unmute(hs: SuiteHarness) -> None:
    group = await hs.group("Ann", "Bob")
    ann, bob = group.people
    await ann.send("media.state", audio=True, video=False)
    await bob.expect("participant.updated")
    await forbidden(bob, "participant.mute", participant=ann.id)

    await group.fac.send("participant.mute", participant=ann.id, ref="m")
    await group.fac.expect("ack", ref="m")
    assert (await ann.expect("muted")) == {"type": "muted", "locked": False}
    info = (await bob.expect("participant.updated"))["participant"]
    assert (info["id"], info["audio"]) == (ann.id, False)
    assert await drain(bob) == []

    await ann.send("media.state", audio=True, video=False, ref="back")
    await ann.expect("ack", ref="back")
    assert (await bob.expect("participant.updated"))["participant"]["audio"] is True


async def test_mute_with_lock_refuses_the_microphone_until_allowed(hs: SuiteHarness) -> None:
    group = await hs.group("Ann", "Bob")
    ann, bob = group.people
    await group.fac.send("participant.mute", participant=ann.id, lock=True)
    assert (await ann.expect("muted"))["locked"] is True
    await bob.expect("participant.updated")

    await forbidden(ann, "media.state", audio=True, video=False)
    # The camera is not the microphone: it stays Ann's choice.
    await ann.send("media.state", audio=False, video=True, ref="cam")
    await ann.expect("ack", ref="cam")
    assert (await bob.expect("participant.updated"))["participant"]["video"] is True

    await forbidden(bob, "participant.allow", participant=ann.id)
    await group.fac.send("participant.allow", participant=ann.id, ref="ok")
    await group.fac.expect("ack", ref="ok")
    await ann.expect("allowed")  # addition
    await ann.send("media.state", audio=True, video=True, ref="mic")
    await ann.expect("ack", ref="mic")
    assert (await bob.expect("participant.updated"))["participant"]["audio"] is True


async def test_staff_cannot_be_muted_or_removed_and_strangers_are_not_found(
    hs: SuiteHarness,
) -> None:
    group = await hs.group("Ann")
    second = await hs.fac(group.room_id, "Sam")
    await forbidden(group.fac, "participant.mute", participant=second.id)
    await forbidden(group.fac, "participant.remove", participant=second.id)
    for kind in ("participant.mute", "participant.allow", "participant.remove"):
        assert await error_code(group.fac, kind, participant="p_nobody") == "not_found"


async def test_remove_without_ban_closes_4403_for_this_session_only(hs: SuiteHarness) -> None:
    group = await hs.group("Ann", "Bob")
    ann, bob = group.people
    browser = hs.browser()
    joined = await hs.join_as(browser, group.invite, "Dee")
    dee = await hs.connect(joined["token"])
    await hs.admit(group.fac, dee)
    await drain(bob)
    await forbidden(ann, "participant.remove", participant=dee.id)

    await group.fac.send("participant.remove", participant=dee.id, ref="out")
    await group.fac.expect("ack", ref="out")
    await dee.expect("removed")
    assert await dee.closed() == 4403
    for client in (ann, bob):
        await client.expect("participant.left", id=dee.id)
        assert await drain(client) == []
    # The old token no longer gets in during this session...
    assert await hs.refused(joined["token"]) == ([], 4403)
    # ...but without a ban the browser may join again (and waits to be let in).
    rejoin = await hs.join_response(group.invite, "Dee", browser)
    assert rejoin.status_code == 201


async def test_a_ban_keeps_the_token_and_the_browser_out(hs: SuiteHarness) -> None:
    group = await hs.group("Bob")
    bob = group.people[0]
    browser = hs.browser()
    joined = await hs.join_as(browser, group.invite, "Eve")
    second_tab = await hs.join_as(browser, group.invite, "Eve too")  # same browser, unused
    eve = await hs.connect(joined["token"])
    await hs.admit(group.fac, eve)
    await drain(bob)

    await group.fac.send("participant.remove", participant=eve.id, ban=True, ref="ban")
    await group.fac.expect("ack", ref="ban")
    await eve.expect("removed")
    assert await eve.closed() == 4403
    await bob.expect("participant.left", id=eve.id)

    # The ban is written in the background; it lands within moments.
    for _ in range(100):
        if await hs.store.is_banned(group.room_id, eve.id, None):
            break
        await asyncio.sleep(0.02)
    response = await hs.join_response(group.invite, "Eve again", browser)
    assert response.status_code == 403, response.text
    assert await hs.refused(joined["token"]) == ([], 4403)
    # A token the same browser got before the ban is out too: the ban holds the device.
    assert await hs.refused(second_tab["token"]) == ([], 4403)

    # The ban outlives the session: after the room ends, the token is still refused...
    await group.fac.send("room.end")
    assert await bob.closed() == 1000
    assert await hs.refused(joined["token"]) == ([], 4403)
    # ...while another browser is not affected.
    assert (await hs.join_response(group.invite, "Fay", hs.browser())).status_code == 201


async def test_lock_and_unlock_update_the_room_and_the_join_api(hs: SuiteHarness) -> None:
    group = await hs.group("Ann")
    ann = group.people[0]
    early = await hs.join_as(hs.browser(), group.invite, "Gil")  # joined, not yet connected
    await forbidden(ann, "room.lock")

    await group.fac.send("room.lock", ref="lock")
    await group.fac.expect("ack", ref="lock")
    for client in (ann, group.fac):
        assert (await client.expect("room.updated"))["room"]["locked"] is True
    response = await hs.join_response(group.invite, "Hal", hs.browser())
    assert response.status_code == 423
    assert response.json()["error"]["code"] == "room_locked"
    # A token issued before the lock does not get past it either.
    messages, code = await hs.refused(early["token"])
    assert [m.get("code") for m in messages] == ["room_locked"] and code == 4423

    await forbidden(ann, "room.unlock")
    await group.fac.send("room.unlock")
    for client in (ann, group.fac):
        assert (await client.expect("room.updated"))["room"]["locked"] is False
    assert (await hs.join_response(group.invite, "Hal", hs.browser())).status_code == 201


async def test_an_admitted_participant_gets_back_into_a_locked_room(hs: SuiteHarness) -> None:
    room_id, invite = await hs.room()
    fac = await hs.fac(room_id)
    token = (await hs.join_as(hs.browser(), invite, "Ann"))["token"]
    ann = await hs.connect(token)
    await hs.admit(fac, ann)
    await fac.send("room.lock")
    await ann.expect("room.updated")
    await ann.close()
    back = await hs.connect(token)
    assert back.welcome["state"] == "room" and back.welcome["room"]["locked"] is True


async def test_focus_updates_the_room(hs: SuiteHarness) -> None:
    group = await hs.group("Ann")
    ann = group.people[0]
    assert ann.welcome["room"]["focus"] is True  # focus mode is the default
    await forbidden(ann, "room.focus", on=False)
    await group.fac.send("room.focus", on=False, ref="f")
    await group.fac.expect("ack", ref="f")
    for client in (ann, group.fac):
        room = (await client.expect("room.updated"))["room"]
        assert room["focus"] is False and room["id"] == group.room_id
    await group.fac.send("room.focus", on=True)
    assert (await ann.expect("room.updated"))["room"]["focus"] is True


async def test_room_end_closes_everyone_including_the_lobby(hs: SuiteHarness) -> None:
    group = await hs.group("Ann", "Bob")
    ann, bob = group.people
    cat = await hs.participant(group.invite, "Cat")
    await group.fac.expect("lobby.knock")
    await forbidden(ann, "room.end")
    await forbidden(cat, "room.end")

    await group.fac.send("room.end", ref="end")
    await group.fac.expect("ack", ref="end")
    for client in (group.fac, ann, bob, cat):
        await client.expect("room.ended")
        assert await client.closed() == 1000

    # The next session starts afresh: the same invite works and people wait again.
    fac = await hs.fac(group.room_id, "Sam")
    assert fac.welcome["participants"] == [fac.welcome["you"]]
    assert fac.welcome["lobby"] == []


# -- no facilitator, no session ------------------------------------------------------------


async def test_the_room_pauses_when_the_last_facilitator_leaves_and_resumes(
    hs: SuiteHarness,
) -> None:
    group = await hs.group("Ann", "Bob")
    ann, bob = group.people
    cat = await hs.participant(group.invite, "Cat")
    await group.fac.expect("lobby.knock")
    second = await hs.fac(group.room_id, "Sam")
    for client in (ann, bob, group.fac):
        await client.expect("participant.joined")

    await second.send("leave")  # one facilitator is still there: nothing pauses
    await ann.expect("participant.left", id=second.id)
    assert await drain(ann) == []

    await group.fac.send("leave")
    for client in (ann, bob):
        await client.expect("participant.left", id=group.fac.id)
        await client.expect("room.paused")
    await cat.expect("waiting", reason="no_facilitator")
    await ann.send("chat.send", text="anyone there?", ref="p")
    error = await ann.expect("error", ref="p")
    assert error["code"] == "room_paused"
    assert await drain(bob) == []

    back = await hs.fac(group.room_id, "Tess")
    assert back.welcome["room"]["live"] is True
    for client in (ann, bob):
        await client.expect("participant.joined")
        await client.expect("room.resumed")
    await cat.expect("waiting", reason="admission")
    await ann.send("chat.send", text="welcome back")
    assert (await bob.expect("chat"))["text"] == "welcome back"


# -- commands of later issues ------------------------------------------------------------


async def test_escalate_and_asides_are_facilitator_commands(hs: SuiteHarness) -> None:
    group = await hs.group("Ann")
    ann = group.people[0]
    await ann.send("help.request")
    alert = await group.fac.expect("alert")
    for kind, fields in (
        ("escalate", {"alert": alert["id"], "note": "please call"}),
        ("aside.start", {"participant": ann.id}),
        ("aside.end", {"participant": ann.id}),
    ):
        await forbidden(ann, kind, **fields)
    # Only someone actually aside can be brought back.
    assert await error_code(group.fac, "aside.end", participant=ann.id) == "not_found"
    # An escalation is stored, then acknowledged; an unknown alert is not found.
    await group.fac.send("escalate", alert=alert["id"], note="please call", ref="esc")
    await group.fac.expect("ack", ref="esc")
    assert await error_code(group.fac, "escalate", alert="a_nope", note="") == "not_found"


async def test_unusable_media_signaling_gets_a_clear_error_and_harms_nothing(
        hs: SuiteHarness) -> None:
    group = await hs.group("Ann", "Bob")
    ann, bob = group.people
    # Nothing to answer, nothing to add a candidate to, and an offer that is not SDP.
    assert await error_code(ann, "media.answer", sdp="v=0") == "invalid_state"
    candidate = "candidate:1 1 udp 1 10.0.0.1 9 typ host"
    assert await error_code(ann, "media.candidate", candidate=candidate, sdpMid="0",
                            sdpMLineIndex=0) == "invalid_state"
    assert await error_code(ann, "media.offer", sdp="v=0") == "bad_message"
    assert await error_code(ann, "media.offer", sdp="not sdp at all") == "bad_message"
    # The connection and the room carry on.
    await ann.send("chat.send", text="still here", ref="c")
    await ann.expect("ack", ref="c")
    await bob.expect("chat")
    assert await drain(bob) == []
