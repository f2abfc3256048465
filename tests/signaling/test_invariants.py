"""ARCHITECTURE.md invariants 2, 3, 4, 7 and 9, each a test that fails if it breaks."""

from __future__ import annotations

import asyncio
import json
import secrets
import sqlite3
from pathlib import Path
from typing import Any

from itsdangerous import URLSafeTimedSerializer

from server.auth.tokens import JOIN_SALT
from tests.conftest import MakeServer
from tests.harness import Client, ServerThread, SuiteHarness, drain, suite_harness


def frames_text(client: Client) -> str:
    """Everything a client received, as one string to search."""
    return "\n".join(json.dumps(m, ensure_ascii=False) for m in client.seen)


def database_files(server: ServerThread) -> list[Path]:
    """The SQLite database and its journal files (-wal, -shm): every byte the store wrote."""
    db = Path(server.settings.resolved_database_url.removeprefix("sqlite:///"))
    return [path for path in db.parent.iterdir() if path.name.startswith(db.name)]


def database_rows_text(server: ServerThread) -> str:
    """Every value of every row of every table, read through SQLite itself."""
    db = Path(server.settings.resolved_database_url.removeprefix("sqlite:///"))
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]
        assert tables, "no tables found: the scan would prove nothing"
        return "\n".join(
            repr(row) for table in tables
            for row in connection.execute(f'SELECT * FROM "{table}"')
        )
    finally:
        connection.close()


def database_bytes(server: ServerThread) -> bytes:
    return b"".join(path.read_bytes() for path in database_files(server))


def assert_not_stored(server: ServerThread, *secrets_: str) -> None:
    rows = database_rows_text(server)
    raw = database_bytes(server)
    for value in secrets_:
        assert value not in rows, f"{value[:40]!r} found in a database table"
        assert value.encode() not in raw, f"{value[:40]!r} found in the database files"
        # SQLite stores text as UTF-8, but be sure no other encoding slips past.
        assert value.encode("utf-16-le") not in raw


# -- 2. No facilitator, no session --------------------------------------------------------


async def test_invariant_2_no_facilitator_no_session(hs: SuiteHarness) -> None:
    room_id, invite = await hs.room()
    joined = await hs.join_as(hs.browser(), invite, "Ann")
    assert joined["room"]["live"] is False
    ann = await hs.connect(joined["token"])
    bob = await hs.connect((await hs.join_as(hs.browser(), invite, "Bob"))["token"])
    for client in (ann, bob):
        assert client.welcome["state"] == "lobby" and client.welcome["room"]["live"] is False
        await client.expect("waiting", reason="no_facilitator")
    # Nobody can let anyone in, and nobody can chat: there is no session.
    await ann.send("lobby.admit", participant=bob.id, ref="a")
    assert (await ann.expect("error", ref="a"))["code"] == "forbidden"
    await ann.send("chat.send", text="is anyone here?", ref="c")
    assert (await ann.expect("error", ref="c"))["code"] == "forbidden"
    assert await drain(bob) == []

    # A facilitator opens the session and lets Ann in; then leaves: the room pauses.
    fac = await hs.fac(room_id)
    await ann.expect("waiting", reason="admission")
    assert [p["id"] for p in fac.welcome["lobby"]] == [ann.id, bob.id]
    await fac.send("lobby.admit", participant=ann.id)
    await ann.expect("admitted")
    await fac.send("leave")
    await ann.expect("room.paused")
    await bob.expect("waiting", reason="no_facilitator")
    await ann.send("chat.send", text="still there?", ref="p")
    assert (await ann.expect("error", ref="p"))["code"] == "room_paused"
    assert await drain(bob) == []  # Bob heard nothing of it

    # Ann, admitted before, comes back to a paused room: in, but paused.
    await ann.close()
    back = await hs.connect(joined["token"])
    assert back.welcome["state"] == "room" and back.welcome["room"]["live"] is False
    await back.expect("room.paused")
    await back.send("chat.send", text="hello?", ref="q")
    assert (await back.expect("error", ref="q"))["code"] == "room_paused"
    # The paused room admits no one, however long Bob waits.
    await back.send("lobby.admit", participant=bob.id, ref="b")
    assert (await back.expect("error", ref="b"))["code"] == "forbidden"
    assert await drain(bob) == []

    await hs.fac(room_id, "Sam")
    await back.expect("room.resumed")
    await bob.expect("waiting", reason="admission")


# -- 3. The lobby reveals nothing ------------------------------------------------------------


async def test_invariant_3_the_lobby_reveals_nothing(hs: SuiteHarness) -> None:
    tag = secrets.token_hex(3)
    names = {f"Fran{tag}", f"Ann{tag}", f"Bob{tag}", f"Dee{tag}", f"Sam{tag}", f"Eve{tag}"}
    group = await hs.group(f"Ann{tag}", f"Bob{tag}", fac_name=f"Fran{tag}")
    ann, bob = group.people
    cat = await hs.participant(group.invite, "Cat")  # waits and watches everything it gets
    await group.fac.expect("lobby.knock")
    inside_ids = {group.fac.id, ann.id, bob.id}

    # Life goes on inside while Cat waits.
    dee = await hs.connect((await hs.join_as(hs.browser(), group.invite, f"Dee{tag}"))["token"])
    await hs.admit(group.fac, dee)
    inside_ids.add(dee.id)
    await ann.send("chat.send", text=f"Hello Bob{tag}, Dee{tag} and Fran{tag}")
    await bob.send("chat.send", text=f"hi Ann{tag}", to="facilitators")
    await ann.send("hand.raise")
    await bob.send("media.state", audio=True, video=True)
    await dee.send("help.request", text=f"Ann{tag} upset me")
    await dee.send("report", participant=ann.id, text="rude")
    await group.fac.send("participant.mute", participant=bob.id, lock=True)
    await group.fac.send("room.focus", on=False)
    await group.fac.send("room.lock")
    await group.fac.send("room.unlock")
    await group.fac.send("lobby.say", text="We'll start in a minute")  # a word, but no name
    sam = await hs.fac(group.room_id, f"Sam{tag}")
    inside_ids.add(sam.id)
    eve = await hs.participant(group.invite, f"Eve{tag}")  # another waiting person
    inside_ids.add(eve.id)
    await eve.send("leave")
    await ann.send("leave")
    await sam.send("leave")
    await group.fac.send("leave")  # the reason changes: Cat is told, but nothing more
    await cat.expect("waiting", reason="no_facilitator")
    await hs.fac(group.room_id, "Zed")  # pooled account #3 arrives with a new name
    await cat.expect("waiting", reason="admission")
    await drain(cat)

    received = frames_text(cat)
    for secret in names | inside_ids:
        assert secret not in received, f"the lobby learned {secret!r}"
    # The room's own settings (name, lock, focus) are for everyone: they name nobody inside.
    assert [m["type"] for m in cat.seen if m["type"] != "room.updated"] == [
        "welcome", "waiting", "lobby.note", "waiting", "waiting"]
    note = next(m for m in cat.seen if m["type"] == "lobby.note")
    assert note["text"] == "We'll start in a minute" and "from" not in note
    assert [m["type"] for m in cat.seen].count("room.updated") == 3
    assert "participants" not in cat.welcome and "lobby" not in cat.welcome


# -- 4. Peers see pseudonyms only --------------------------------------------------------------


async def test_invariant_4_participants_see_pseudonyms_and_nothing_from_tokens(
    hs: SuiteHarness,
) -> None:
    room_id, invite = await hs.room()
    fac_token = (await hs.staff_token_pooled(room_id, "Fran"))["token"]
    fac = await hs.connect(fac_token)
    username = hs.staff_names[-1]
    browsers = [hs.browser(), hs.browser()]
    ann_join = await hs.join_as(browsers[0], invite, None)  # no name: a pseudonym
    bob_join = await hs.join_as(browsers[1], invite, "Bob")
    ann = await hs.connect(ann_join["token"])
    await hs.admit(fac, ann)
    bob = await hs.connect(bob_join["token"])
    await hs.admit(fac, bob)

    pseudonym = ann_join["participant"]["name"]
    assert len(pseudonym.split(" ")) == 2 and ann.welcome["you"]["name"] == pseudonym
    await fac.send("chat.send", text="Welcome both")
    await ann.send("chat.send", text="thanks")
    await ann.send("hand.raise")
    await fac.send("participant.mute", participant=bob.id)
    for client in (ann, bob):
        await client.expect("chat", text="thanks")
        await drain(client)

    serializer = URLSafeTimedSerializer(hs.server.settings.secret_key or "", salt=JOIN_SALT)
    devices = [serializer.loads(j["token"])["d"] for j in (ann_join, bob_join)]
    assert all(devices)
    for client, token in ((ann, ann_join["token"]), (bob, bob_join["token"])):
        received = frames_text(client)
        assert username not in received.lower()  # the facilitator's account name
        for secret in (token, fac_token, ann_join["token"], bob_join["token"], *devices):
            assert secret not in received
        names = {m["participant"]["name"] for m in client.seen
                 if m["type"] == "participant.joined"}
        names |= {p["name"] for m in client.seen if m["type"] == "admitted"
                  for p in m["participants"]}
        assert names <= {"Fran", pseudonym, "Bob"}
    # Bob sees Ann by her pseudonym, on her chat and in the member list.
    chat = next(m for m in bob.seen if m["type"] == "chat" and m["text"] == "thanks")
    assert chat["from"] == {"id": ann.id, "name": pseudonym, "role": "participant"}


async def test_invariant_4_a_facilitator_who_picks_no_name_is_not_shown_by_username(
    hs: SuiteHarness,
) -> None:
    group = await hs.group("Ann", fac_name="Fran")
    late = await hs.fac(group.room_id, None)  # as web/static/staff.js asks for a token
    username = hs.staff_names[-1]
    joined = await group.people[0].expect("participant.joined")
    assert joined["participant"]["id"] == late.id
    assert username not in frames_text(group.people[0]).lower()


# -- 7. Chat is ephemeral -------------------------------------------------------------------------


async def test_invariant_7_chat_is_never_written_to_the_database(hs: SuiteHarness) -> None:
    marker = f"chat-marker-{secrets.token_hex(8)}"
    room_marker = f"room-marker-{secrets.token_hex(8)}"
    room_id, invite = await hs.room(name=f"Group {room_marker}")
    fac = await hs.fac(room_id)
    ann = await hs.connect((await hs.join_as(hs.browser(), invite, "Ann"))["token"])
    await hs.admit(fac, ann)
    await ann.send("chat.send", text=f"room {marker}")
    await ann.send("chat.send", text=f"private {marker}", to="facilitators")
    await fac.send("chat.send", text=f"reply {marker}")
    for _ in range(3):  # the chat first: the lock below could overtake Ann's second message
        await ann.expect("chat")
    # The screen's feedback is stored too, and must carry no chat: say it missed something.
    await fac.send("screen.missed", participant=ann.id, ref="missed")
    await fac.expect("ack", ref="missed")
    await fac.send("room.lock")  # a write to the store after the chat, so the file is current
    await ann.expect("room.updated")
    for _ in range(100):  # the lock and the feedback are persisted in the background
        if ((record := await hs.store.room(room_id)) is not None and record.locked
                and any(c.verdict == "missed"
                        for c in await hs.store.safeguarding.feedback_counts())):
            break
        await asyncio.sleep(0.02)

    # The scan works: it finds what the store does keep...
    assert room_marker in database_rows_text(hs.server)
    assert room_marker.encode() in database_bytes(hs.server)
    # ...and the chat is nowhere in it.
    assert_not_stored(hs.server, marker)


# -- 9. No participant address, token or chat text in logs or the database ---------------------


PARTICIPANT_ADDRESS = "127.0.0.7"


async def test_invariant_9_no_address_token_or_chat_in_logs_or_database(
    make_server: MakeServer,
) -> None:
    # A private server: its log capture is the newest handler and its database is its own.
    server = make_server(join_burst=3, join_per_minute=1)
    marker = f"chat-marker-{secrets.token_hex(8)}"
    note = f"help-marker-{secrets.token_hex(8)}"
    async with suite_harness(server) as hs:
        room_id, invite = await hs.room()
        fac = await hs.fac(room_id)
        browser = hs.browser(local_address=PARTICIPANT_ADDRESS)
        other = hs.browser(local_address=PARTICIPANT_ADDRESS)
        joined = await hs.join_as(browser, invite, "Ann")
        token = joined["token"]
        local: dict[str, Any] = {"local_addr": (PARTICIPANT_ADDRESS, 0)}
        ann = await hs.connect(token, **local)
        assert ann.ws.local_address[0] == PARTICIPANT_ADDRESS
        await hs.admit(fac, ann)

        # Everything a participant can do, including what makes the server complain.
        await ann.send("chat.send", text=f"room {marker}")
        await ann.send("chat.send", text=f"private {marker}", to="facilitators")
        # Help and report text is kept, as an alert's excerpt (the one exception of
        # invariant 7); so it carries the note, not the chat marker.
        await ann.send("help.request", text=note)
        await ann.send("report", participant=fac.id, text=note)
        await ann.send("hand.raise", ref=marker[:60])
        await ann.send_raw(f"not json {marker}")
        await ann.send_raw(json.dumps({"type": "chat.send", "text": 5, "x": marker}))
        await ann.send_raw(json.dumps({"type": f"{marker}.unknown"}))
        await ann.send_raw("[" * 3000 + marker)
        await ann.send("chat.send", text=f"{marker} " * 300)  # too long
        await ann.send_raw(marker.encode())
        await drain(ann)
        await fac.expect("chat", text=f"private {marker}")

        # Refusals of every kind from the same address, all with the token or the text.
        bob = await hs.join_as(other, invite, "Bob")
        await hs.refused(token, origin="http://evil.example", **local)
        await hs.refused(token[:-4] + "AAAA", **local)
        await hs.refused(bob["token"] + marker, **local)
        big = Client(await hs.open(**local))
        hs.clients.append(big)
        await big.send("hello", token=bob["token"])
        await big.expect("welcome")
        await big.send_raw("x" * 70_000 + marker)
        assert await big.closed() == 1009

        # The server did see the address (rate limits key on it, in memory only): a third
        # join from it is refused while one from the ordinary address passes.
        assert (await hs.join_response(invite, "Cy", other)).status_code == 201
        assert (await hs.join_response(invite, "Di", other)).status_code == 429
        assert (await hs.join_response(invite, "Ed", hs.browser())).status_code == 201

        # Moderation writes to the store (a ban) and to the log.
        await fac.send("participant.remove", participant=ann.id, ban=True, ref="ban")
        await fac.expect("ack", ref="ban")
        assert await ann.closed() == 4403
        for _ in range(100):
            if await hs.store.is_banned(room_id, ann.id, None):
                break
            await asyncio.sleep(0.02)
        assert await hs.store.is_banned(room_id, ann.id, None)
        await fac.send("room.end")
        assert await fac.closed() == 1000

    logs = server.logs.text()
    assert "moderation" in logs  # the capture works: it holds the server's own lines
    for secret in (PARTICIPANT_ADDRESS, marker, note, token, bob["token"]):
        assert secret not in logs, f"{secret[:40]!r} appears in the logs"
    assert_not_stored(server, PARTICIPANT_ADDRESS, marker, token, bob["token"])
    # The help text is stored only as the alerts' excerpts, for the safeguarding lead.
    stored = [line for line in database_rows_text(server).splitlines() if note in line]
    assert stored and all(line.startswith("('a_") for line in stored), stored
