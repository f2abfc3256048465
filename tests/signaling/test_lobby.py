"""PROTOCOL.md "Lobby": waiting (and its reasons), knock, admit, deny."""

from __future__ import annotations

from tests.harness import SuiteHarness, drain, expect_where


async def test_waiting_is_sent_on_arrival_and_again_whenever_the_reason_changes(
    hs: SuiteHarness,
) -> None:
    room_id, invite = await hs.room()
    ann = await hs.participant(invite, "Ann")
    assert (await ann.expect("waiting"))["reason"] == "no_facilitator"
    assert await drain(ann) == []

    fac = await hs.fac(room_id)
    await ann.expect("waiting", reason="admission")
    assert await drain(ann) == []

    # A second facilitator changes nothing for the lobby: no repeated "waiting".
    second = await hs.fac(room_id, "Sam")
    await fac.expect("participant.joined")
    assert await drain(ann) == []

    await second.send("leave")
    await fac.expect("participant.left", id=second.id)
    assert await drain(ann) == []  # still a facilitator inside: the reason is unchanged

    await fac.send("leave")
    await ann.expect("waiting", reason="no_facilitator")
    assert await drain(ann) == []

    await hs.fac(room_id, "Fay")  # a facilitator arrives again
    await ann.expect("waiting", reason="admission")
    assert await drain(ann) == []


async def test_facilitators_hear_a_knock_and_participants_inside_do_not(hs: SuiteHarness) -> None:
    group = await hs.group("Ann")
    lead = await hs.fac(group.room_id, "Lee", role="safeguarding_lead")
    await group.people[0].expect("participant.joined")
    await group.fac.expect("participant.joined")
    bea = await hs.participant(group.invite, "Bea")
    for staff in (group.fac, lead):
        knock = await staff.expect("lobby.knock")
        assert knock["participant"] == {"id": bea.id, "name": "Bea", "role": "participant",
                                        "hand": False, "audio": False, "video": False,
                                        "speaking": False}
    assert await drain(group.people[0]) == []


async def test_admit_lets_the_participant_in_and_tells_the_room(hs: SuiteHarness) -> None:
    group = await hs.group("Ann")
    ann = group.people[0]
    bea = await hs.participant(group.invite, "Bea")
    await group.fac.expect("lobby.knock")
    await group.fac.send("lobby.admit", participant=bea.id, ref="in")
    await group.fac.expect("ack", ref="in")

    admitted = await bea.expect("admitted")
    assert {(p["name"], p["role"]) for p in admitted["participants"]} == {
        ("Fran", "facilitator"), ("Ann", "participant"), ("Bea", "participant")}
    joined = await ann.expect("participant.joined")
    assert joined["participant"]["id"] == bea.id and joined["participant"]["name"] == "Bea"
    await group.fac.expect("lobby.left", id=bea.id)
    await group.fac.expect("participant.joined")

    # Inside now: Bea can chat and everyone receives it.
    await bea.send("chat.send", text="hi all", to="room")
    for client in (ann, bea, group.fac):
        assert (await client.expect("chat"))["from"]["id"] == bea.id


async def test_participants_may_not_admit_or_deny(hs: SuiteHarness) -> None:
    group = await hs.group("Ann")
    ann = group.people[0]
    bea = await hs.participant(group.invite, "Bea")
    await group.fac.expect("lobby.knock")
    for kind in ("lobby.admit", "lobby.deny"):
        await ann.send(kind, participant=bea.id, ref=kind)
        error = await ann.expect("error", ref=kind)
        assert error["code"] == "forbidden"
        # And from the lobby itself: a waiting participant cannot let itself in.
        await bea.send(kind, participant=bea.id, ref=kind)
        assert (await bea.expect("error", ref=kind))["code"] == "forbidden"
    assert [m["type"] for m in await drain(bea)] == []  # still waiting, nothing happened
    assert await drain(ann) == []


async def test_admitting_or_denying_nobody_is_not_found(hs: SuiteHarness) -> None:
    group = await hs.group("Ann")
    ann = group.people[0]
    for kind in ("lobby.admit", "lobby.deny"):
        await group.fac.send(kind, participant="p_nobody", ref="x")
        assert (await group.fac.expect("error", ref="x"))["code"] == "not_found"
        # Someone already inside is not in the lobby either.
        await group.fac.send(kind, participant=ann.id, ref="y")
        assert (await group.fac.expect("error", ref="y"))["code"] == "not_found"
    assert await drain(ann) == []


async def test_deny_sends_denied_closes_4403_and_keeps_the_token_out(hs: SuiteHarness) -> None:
    group = await hs.group("Ann")
    token = (await hs.join_as(hs.browser(), group.invite, "Bea"))["token"]
    bea = await hs.connect(token)
    await group.fac.expect("lobby.knock")
    await group.fac.send("lobby.deny", participant=bea.id, ref="no")
    await group.fac.expect("ack", ref="no")
    await bea.expect("denied")
    assert await bea.closed() == 4403
    await group.fac.expect("lobby.left", id=bea.id)
    assert await drain(group.people[0]) == []

    # The denial holds for this session: the same token is turned away at once.
    messages, code = await hs.refused(token)
    assert (messages, code) == ([], 4403)


async def test_a_knock_for_someone_who_left_meanwhile_cannot_be_admitted(hs: SuiteHarness) -> None:
    group = await hs.group()
    bea = await hs.participant(group.invite, "Bea")
    await expect_where(group.fac, "lobby.knock", lambda m: m["participant"]["id"] == bea.id)
    await bea.close()
    await group.fac.expect("lobby.left", id=bea.id)
    await group.fac.send("lobby.admit", participant=bea.id, ref="late")
    assert (await group.fac.expect("error", ref="late"))["code"] == "not_found"
