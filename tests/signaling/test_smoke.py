from tests.harness import Harness


async def test_participant_waits_then_is_admitted_and_chats(h: Harness) -> None:
    room_id, invite = await h.room()
    ann = await h.participant(invite, "Ann")
    assert ann.welcome["state"] == "lobby"
    assert "participants" not in ann.welcome
    await ann.expect("waiting", reason="no_facilitator")
    fac = await h.facilitator(room_id, "Fran")
    assert fac.welcome["state"] == "room"
    assert [p["id"] for p in fac.welcome["lobby"]] == [ann.id]
    await ann.expect("waiting", reason="admission")
    await fac.send("lobby.admit", participant=ann.id)
    admitted = await ann.expect("admitted")
    assert {p["name"] for p in admitted["participants"]} == {"Ann", "Fran"}
    await ann.send("chat.send", text="hello everyone", to="room")
    got = await fac.expect("chat")
    assert got["text"] == "hello everyone" and got["from"]["name"] == "Ann"
