"""PROTOCOL.md "Session": hello/welcome in both shapes, leave, refs, reconnection."""

from __future__ import annotations

from tests.harness import SuiteHarness, drain, expect_where

PARTICIPANT_KEYS = {"id", "name", "role", "hand", "audio", "video", "speaking"}
ROOM_KEYS = {"id", "name", "audience", "locked", "live", "focus"}


async def test_participant_welcome_is_the_lobby_shape(hs: SuiteHarness) -> None:
    room_id, invite = await hs.room(name="Evening circle")
    fac = await hs.fac(room_id, "Fran")
    ann = await hs.participant(invite, "Ann")
    welcome = ann.welcome
    assert welcome["state"] == "lobby"
    assert "participants" not in welcome  # only when the state is "room"
    assert "lobby" not in welcome  # only for facilitators and safeguarding leads
    assert isinstance(welcome["ice_servers"], list)
    you = welcome["you"]
    assert set(you) == PARTICIPANT_KEYS
    assert (you["name"], you["role"], you["hand"], you["audio"], you["video"]) == (
        "Ann", "participant", False, False, False)
    room = welcome["room"]
    assert set(room) == ROOM_KEYS
    assert room["id"] == room_id and room["name"] == "Evening circle"
    assert (room["audience"], room["locked"], room["live"], room["focus"]) == (
        "mothers", False, True, True)
    await ann.expect("waiting", reason="admission")
    assert fac.welcome["state"] == "room"


async def test_facilitator_welcome_is_the_room_shape_with_the_lobby(hs: SuiteHarness) -> None:
    room_id, invite = await hs.room()
    ann = await hs.participant(invite, "Ann")
    fac = await hs.fac(room_id, "Fran")
    welcome = fac.welcome
    assert welcome["state"] == "room"
    assert welcome["you"]["role"] == "facilitator" and welcome["you"]["name"] == "Fran"
    assert [p["id"] for p in welcome["participants"]] == [fac.id]
    assert [(p["id"], p["name"]) for p in welcome["lobby"]] == [(ann.id, "Ann")]
    assert all(set(p) == PARTICIPANT_KEYS for p in welcome["participants"] + welcome["lobby"])
    assert welcome["room"]["live"] is True


async def test_safeguarding_lead_goes_straight_in_and_sees_the_lobby(hs: SuiteHarness) -> None:
    group = await hs.group("Ann")
    waiting = await hs.participant(group.invite, "Bea")
    lead = await hs.fac(group.room_id, "Lee", role="safeguarding_lead")
    assert lead.welcome["state"] == "room"
    assert lead.welcome["you"]["role"] == "safeguarding_lead"
    assert {p["name"] for p in lead.welcome["participants"]} == {"Fran", "Ann", "Lee"}
    assert [p["id"] for p in lead.welcome["lobby"]] == [waiting.id]
    joined = await group.people[0].expect("participant.joined")
    assert joined["participant"]["role"] == "safeguarding_lead"


async def test_admitted_participant_reconnecting_gets_the_room_shape(hs: SuiteHarness) -> None:
    room_id, invite = await hs.room()
    fac = await hs.fac(room_id)
    token = (await hs.join_as(hs.browser(), invite, "Ann"))["token"]
    ann = await hs.connect(token)
    await hs.admit(fac, ann)
    await ann.close()
    await fac.expect("participant.left", id=ann.id)

    again = await hs.connect(token)
    assert again.welcome["state"] == "room"  # admitted once this session: straight back in
    assert {p["name"] for p in again.welcome["participants"]} == {"Fran", "Ann"}
    assert "lobby" not in again.welcome
    joined = await fac.expect("participant.joined")
    assert joined["participant"]["id"] == ann.id


async def test_leave_closes_1000_and_the_others_get_participant_left(hs: SuiteHarness) -> None:
    group = await hs.group("Ann", "Bob")
    ann, bob = group.people
    await ann.send("leave", ref="bye")
    await ann.expect("ack", ref="bye")
    assert await ann.closed() == 1000
    for other in (bob, group.fac):
        await other.expect("participant.left", id=ann.id)
        assert await drain(other) == []


async def test_leaving_the_lobby_tells_facilitators_only(hs: SuiteHarness) -> None:
    group = await hs.group("Ann")
    bea = await hs.participant(group.invite, "Bea")
    await group.fac.expect("lobby.knock")
    await bea.send("leave")
    assert await bea.closed() == 1000
    await group.fac.expect("lobby.left", id=bea.id)
    assert await drain(group.people[0]) == []  # nobody in the room heard of Bea at all


async def test_a_second_hello_is_invalid_state_with_the_ref(hs: SuiteHarness) -> None:
    _, invite = await hs.room()
    token = (await hs.join(invite, "Ann"))["token"]
    ann = await hs.connect(token)
    await ann.send("hello", token=token, ref="again")
    error = await ann.expect("error", ref="again")
    assert error["code"] == "invalid_state"
    assert await drain(ann) == []  # still connected and answering


async def test_ack_and_error_echo_the_ref(hs: SuiteHarness) -> None:
    group = await hs.group("Ann")
    ann = group.people[0]
    await ann.send("hand.raise", ref="r-1")
    assert (await ann.expect("ack"))["ref"] == "r-1"
    await ann.send("room.lock", ref="r-2")
    error = await ann.expect("error")
    assert (error["code"], error["ref"]) == ("forbidden", "r-2")
    await ann.send("hand.lower")  # no ref: no ack either
    await ann.expect("participant.updated")
    assert await drain(ann) == []
    # A ref may be up to 64 characters and comes back verbatim.
    ref = "x" * 64
    await ann.send("hand.lower", ref=ref)
    assert (await ann.expect("ack"))["ref"] == ref


async def test_the_same_person_connecting_again_replaces_the_old_connection(
    hs: SuiteHarness,
) -> None:
    group = await hs.group("Bob")
    bob = group.people[0]
    token = (await hs.join_as(hs.browser(), group.invite, "Ann"))["token"]
    first = await hs.connect(token)
    await hs.admit(group.fac, first)
    await expect_where(bob, "participant.joined", lambda m: m["participant"]["id"] == first.id)
    second = await hs.connect(token)  # a second tab, or a dropped connection coming back
    assert await first.closed() == 4409  # addition (docs/protocol.md): connected elsewhere
    assert second.id == first.id and second.welcome["state"] == "room"
    # The takeover is silent: nobody saw the person leave and come back.
    assert await drain(bob) == []
    await second.send("chat.send", text="still me", to="room")
    assert (await bob.expect("chat"))["from"]["id"] == first.id
