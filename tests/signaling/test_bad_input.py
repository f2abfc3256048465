"""Bad input of every kind the issue lists, and that nobody else notices any of it.

Each test has an offender and bystanders in the same room. After the bad input
the bystanders are drained with a barrier: they received nothing (or, when the
offender's connection was closed, only ``participant.left`` for it), and a chat
sent afterwards still reaches them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from server.auth.tokens import JOIN_SALT, Signer
from server.rooms.types import Identity
from tests.conftest import MakeServer
from tests.harness import Client, Group, SuiteHarness, drain, suite_harness

NONSENSE = "not a real token"


async def nobody_noticed(group: Group, offender: Client, *, closed: bool = False) -> None:
    """The bystanders saw nothing of the offence (bar the offender leaving, if it was
    closed), and the room still works: a chat reaches every bystander."""
    bystanders = [group.fac, *(c for c in group.people if c is not offender)]
    for client in bystanders:
        extra = await drain(client)
        allowed = [{"type": "participant.left", "id": offender.id}] if closed else []
        assert extra == allowed, extra
    marker = f"still here {time.monotonic_ns()}"
    await group.fac.send("chat.send", text=marker)
    for client in bystanders:
        assert (await client.expect("chat"))["text"] == marker
    if not closed:
        assert (await offender.expect("chat"))["text"] == marker


async def answers(client: Client, frame: str | bytes) -> dict[str, Any]:
    """Send one raw frame; return the error that answers it (the connection stays open)."""
    await client.send_raw(frame)
    return await client.expect("error")


async def test_frames_that_are_not_json(hs: SuiteHarness) -> None:
    group = await hs.group("Ann", "Bob")
    ann = group.people[0]
    for frame in ("hello{", "", " ", "{'type': 'chat.send'}", '{"type": "chat.send"',
                  "\x00", "NaN", '{"type": "chat.send", "text": "\\ud800"}'):
        error = await answers(ann, frame)
        assert error["code"] == "bad_message" and "ref" not in error, (frame, error)
    await nobody_noticed(group, ann)


async def test_json_that_is_not_an_object(hs: SuiteHarness) -> None:
    group = await hs.group("Ann", "Bob")
    ann = group.people[0]
    for frame in ("[]", '[{"type": "chat.send", "text": "x"}]', '"chat.send"', "42", "null",
                  "true", "3.5e99"):
        assert (await answers(ann, frame))["code"] == "bad_message", frame
    await nobody_noticed(group, ann)


async def test_missing_or_unknown_type(hs: SuiteHarness) -> None:
    group = await hs.group("Ann", "Bob")
    ann = group.people[0]
    error = await answers(ann, json.dumps({"text": "no type", "ref": "t1"}))
    assert (error["code"], error["ref"]) == ("bad_message", "t1")
    error = await answers(ann, json.dumps({"type": 5, "ref": "t2"}))
    assert (error["code"], error["ref"]) == ("bad_message", "t2")
    for kind in ("chat.delete", "CHAT.SEND", "", "x" * 5000):
        error = await answers(ann, json.dumps({"type": kind, "ref": "t3"}))
        assert (error["code"], error["ref"]) == ("unknown_type", "t3"), kind
        assert len(error["message"]) < 200  # an echo of the junk is bounded
    await nobody_noticed(group, ann)


WRONG_FIELDS: list[dict[str, Any]] = [
    {"type": "chat.send", "text": 5},
    {"type": "chat.send", "text": None},
    {"type": "chat.send"},
    {"type": "chat.send", "text": "hi", "to": "everyone"},
    {"type": "chat.send", "text": ["hi"]},
    {"type": "media.state", "audio": "yes", "video": False},
    {"type": "media.state", "audio": True},
    {"type": "media.state", "audio": 1, "video": 0},
    {"type": "lobby.admit", "participant": 7},
    {"type": "lobby.admit", "participant": ""},
    {"type": "lobby.admit"},
    {"type": "participant.mute", "participant": "p_x", "lock": "yes"},
    {"type": "participant.remove", "participant": "p_x", "ban": 1},
    {"type": "room.focus", "on": "on"},
    {"type": "report", "participant": ["p_x"]},
    {"type": "report", "participant": "p_x", "text": "t" * 2001},
    {"type": "help.request", "text": {"a": 1}},
    {"type": "alert.ack", "alert": "a" * 65},
    {"type": "hand.lower", "participant": False},
]


async def test_fields_of_the_wrong_type_or_size(hs: SuiteHarness) -> None:
    group = await hs.group("Ann", "Bob")
    ann = group.people[0]
    for i, frame in enumerate(WRONG_FIELDS):
        error = await answers(ann, json.dumps({**frame, "ref": f"w{i}"}))
        assert (error["code"], error.get("ref")) == ("bad_message", f"w{i}"), (frame, error)
    # A ref that is not a string, or too long, is itself a bad field and is not echoed.
    for ref in (7, "r" * 65, ["r"]):
        error = await answers(ann, json.dumps({"type": "hand.raise", "ref": ref}))
        assert error["code"] == "bad_message" and "ref" not in error, (ref, error)
    await nobody_noticed(group, ann)


async def test_chat_of_2000_characters_passes_and_2001_does_not(hs: SuiteHarness) -> None:
    group = await hs.group("Ann", "Bob")
    ann, bob = group.people
    error = await answers(ann, json.dumps({"type": "chat.send", "text": "a" * 2001, "ref": "l"}))
    assert (error["code"], error["ref"]) == ("bad_message", "l")
    for text in ("", "\u202e\u200b\u0007"):  # empty, or nothing visible once cleaned
        error = await answers(ann, json.dumps({"type": "chat.send", "text": text}))
        assert error["code"] == "bad_message", repr(text)
    await nobody_noticed(group, ann)

    for text in ("b" * 2000, "🌱" * 2000):  # characters, not bytes
        await ann.send("chat.send", text=text)
        assert (await bob.expect("chat"))["text"] == text


async def test_a_frame_over_64_kib_closes_1009(hs: SuiteHarness) -> None:
    group = await hs.group("Ann", "Bob")
    ann = group.people[0]
    # Exactly 64 KiB is a frame like any other (here a chat far too long: bad_message).
    head = '{"type": "chat.send", "text": "'
    exact = head + "a" * (64 * 1024 - len(head) - 2) + '"}'
    assert len(exact.encode()) == 64 * 1024
    assert (await answers(ann, exact))["code"] == "bad_message"
    await ann.send_raw(head + "a" * (64 * 1024) + '"}')
    assert await ann.closed() == 1009
    await nobody_noticed(group, ann, closed=True)


async def test_deeply_nested_json_is_a_bad_message(hs: SuiteHarness) -> None:
    group = await hs.group("Ann", "Bob")
    ann = group.people[0]
    for frame in ("[" * 5000 + "]" * 5000,
                  '{"type": "chat.send", "text": ' + "[" * 5000 + "]" * 5000 + "}",
                  '{"type": "x", "ref": "d", "y": ' + '{"a":' * 3000 + "1" + "}" * 3001):
        assert (await answers(ann, frame))["code"] == "bad_message"
    await nobody_noticed(group, ann)


async def test_a_binary_frame_is_a_bad_message(hs: SuiteHarness) -> None:
    group = await hs.group("Ann", "Bob")
    ann = group.people[0]
    for frame in (b'{"type": "chat.send", "text": "binary"}', b"\x00\xff", b""):
        assert (await answers(ann, frame))["code"] == "bad_message"
    await nobody_noticed(group, ann)


async def test_chat_with_html_and_bidi_characters_arrives_as_inert_text(
    hs: SuiteHarness,
) -> None:
    group = await hs.group("Ann", "Bob")
    ann, bob = group.people
    html = '<script>alert("x")</script><img src=x onerror=alert(1)> &amp; &lt;b&gt;'
    await ann.send("chat.send", text=html)
    # Delivered exactly as typed: neither run nor escaped twice; the page sets textContent.
    assert (await bob.expect("chat"))["text"] == html
    await ann.send("chat.send", text="abc\u202edef\u2066g\u200fh\x07i\r\nj")
    assert (await bob.expect("chat"))["text"] == "abcdefghi\nj"


async def test_no_hello_closes_4408(make_server: MakeServer) -> None:
    server = make_server(hello_timeout=0.3)
    async with suite_harness(server) as hs:
        group = await hs.group("Bob")
        silent = Client(await hs.open())
        hs.clients.append(silent)
        assert await silent.closed() == 4408
        assert await drain(group.people[0]) == []


async def test_a_first_frame_that_is_not_hello_is_unauthorized(hs: SuiteHarness) -> None:
    group = await hs.group("Bob")
    for frame in ('{"type": "chat.send", "text": "hi", "ref": "h"}', "not json",
                  '{"type": "hello"}', '{"type": "hello", "token": 5}',
                  json.dumps({"type": "hello", "token": "t" * 3000})):
        client = Client(await hs.open())
        hs.clients.append(client)
        await client.send_raw(frame)
        error = await client.expect("error")
        assert error["code"] == "unauthorized", frame
        assert await client.closed() == 4401
    assert await drain(group.people[0]) == []


def _signed(secret: str, identity: Identity, *, age: float = 0.0) -> str:
    """A join token as the server makes it, optionally signed ``age`` seconds ago."""
    if not age:
        return Signer(secret).join_token(identity)
    payload = URLSafeTimedSerializer(secret, salt=JOIN_SALT).loads(
        Signer(secret).join_token(identity))

    class Past(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time() - age)

    return str(URLSafeTimedSerializer(secret, salt=JOIN_SALT, signer=Past).dumps(payload))


async def test_bad_and_expired_tokens_close_4401(hs: SuiteHarness) -> None:
    group = await hs.group("Bob")
    secret = hs.server.settings.secret_key
    assert secret
    who = Identity(room_id=group.room_id, participant_id="p_forged", name="Mallory",
                   role="participant")
    ttl = hs.server.settings.join_token_ttl
    good = _signed(secret, who)
    tokens = {
        "nonsense": NONSENSE,
        "empty": "",
        "other key": _signed("not the server's secret key at all", who),
        "expired": _signed(secret, who, age=ttl + 60),
        "tampered": good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"),
        "no such room": _signed(secret, Identity(room_id="r_gone", participant_id="p_x",
                                                 name="X", role="participant")),
        "staff forged with a join salt": _signed(
            secret + "x", Identity(room_id=group.room_id, participant_id="f_x", name="X",
                                   role="facilitator")),
    }
    for label, token in tokens.items():
        messages, code = await hs.refused(token)
        assert [m["code"] for m in messages] == ["unauthorized"], label
        assert code == 4401, label
    # The genuine token still works, so the refusals above were about the tokens.
    assert (await hs.connect(good)).welcome["state"] == "lobby"
    await group.fac.expect("lobby.knock")
    assert await drain(group.people[0]) == []


async def test_an_expired_token_from_a_short_ttl_server(make_server: MakeServer) -> None:
    server = make_server(join_token_ttl=1)
    async with suite_harness(server) as hs:
        _, invite = await hs.room()
        token = (await hs.join(invite, "Ann"))["token"]
        await asyncio.sleep(2.1)  # itsdangerous counts whole seconds
        messages, code = await hs.refused(token)
        assert ([m["code"] for m in messages], code) == (["unauthorized"], 4401)


@pytest.mark.parametrize("origin", ["http://evil.example", "null", None])
async def test_a_wrong_origin_closes_1008(hs: SuiteHarness, origin: str | None) -> None:
    group = await hs.group("Bob")
    token = (await hs.join(group.invite, "Ann"))["token"]
    headers = {} if origin is None else {"Origin": origin}
    async with connect(hs.server.ws, compression=None, additional_headers=headers) as ws:
        client = Client(ws)
        with contextlib.suppress(ConnectionClosed):  # it may already be closed
            await client.send("hello", token=token)
        assert await client.closed() == 1008
        assert client.seen == []
    assert await drain(group.people[0]) == []
    assert await drain(group.fac) == []  # no knock: it never got as far as the lobby


async def test_a_removed_participant_reconnecting_is_closed_4403(hs: SuiteHarness) -> None:
    group = await hs.group("Bob")
    token = (await hs.join_as(hs.browser(), group.invite, "Ann"))["token"]
    ann = await hs.connect(token)
    await hs.admit(group.fac, ann)
    await drain(group.fac)
    await group.fac.send("participant.remove", participant=ann.id)
    assert await ann.closed() == 4403
    for client in (group.fac, group.people[0]):
        await client.expect("participant.left", id=ann.id)
    assert await hs.refused(token) == ([], 4403)
    assert await drain(group.people[0]) == []
    assert await drain(group.fac) == []


async def test_a_flood_is_rate_limited_then_closed_4429(hs: SuiteHarness) -> None:
    group = await hs.group("Ann", "Bob")
    ann = group.people[0]
    burst = hs.server.settings.ws_burst
    strikes = hs.server.settings.flood_strikes
    # hand.lower with the hand already down changes nothing: pure load, no broadcast.
    try:
        for i in range(burst + strikes + 20):
            await ann.send("hand.lower", ref=f"f{i}")
    except ConnectionClosed:
        pass
    limited = await ann.expect("error", code="rate_limited")
    assert limited["ref"].startswith("f")
    assert await ann.closed() == 4429
    acks = [m for m in ann.seen if m["type"] == "ack"]
    assert len(acks) >= burst - 5  # the burst was served (the set-up spent a little of it)
    await nobody_noticed(group, ann, closed=True)


async def test_a_flood_of_garbage_is_limited_too(hs: SuiteHarness) -> None:
    group = await hs.group("Ann", "Bob")
    ann = group.people[0]
    try:
        for _ in range(200):
            await ann.send_raw("garbage")
    except ConnectionClosed:
        pass
    assert await ann.closed() == 4429
    assert any(m.get("code") == "rate_limited" for m in ann.seen)
    await nobody_noticed(group, ann, closed=True)


async def test_a_person_chatting_is_never_rate_limited(hs: SuiteHarness) -> None:
    """PROTOCOL.md: a burst of 5, then one message a second, is never limited."""
    group = await hs.group("Ann", "Bob")
    ann, bob = group.people
    texts = [f"burst {i}" for i in range(5)] + [f"steady {i}" for i in range(5)]
    for text in texts[:5]:
        await ann.send("chat.send", text=text, ref=text)
    for text in texts[5:]:
        await asyncio.sleep(1.0)
        await ann.send("chat.send", text=text, ref=text)
    assert [(await bob.expect("chat"))["text"] for _ in texts] == texts
    await ann.expect("ack", ref=texts[-1])
    assert not [m for m in ann.seen if m["type"] == "error"]


# -- names ---------------------------------------------------------------------------


async def test_names_lose_control_and_bidi_characters(hs: SuiteHarness) -> None:
    group = await hs.group("Bob")
    cases = {
        "\u202eAnn\u0000\u0007\u200f": "Ann",
        "  Ann \t\n Lee  ": "Ann Lee",
        "\u2066Dee\u2069\u200b\x1b[31m": "Dee[31m",
        "<b>Bo</b>": "<b>Bo</b>",  # kept as text; pages render names as text
        "Zoë 👩\u200d👧": "Zoë 👩\u200d👧",  # the zero-width joiner of an emoji stays
    }
    for raw, clean in cases.items():
        joined = await hs.join_as(hs.browser(), group.invite, raw)
        assert joined["participant"]["name"] == clean, repr(raw)
        client = await hs.connect(joined["token"])
        assert client.welcome["you"]["name"] == clean
        knock = await group.fac.expect("lobby.knock")
        assert knock["participant"]["name"] == clean
    assert await drain(group.people[0]) == []


@pytest.mark.parametrize("raw", ["\u202e\u202d\u0000\u200b", "\x07\x08\x1b", "n" * 33])
async def test_names_with_nothing_visible_or_too_long_are_refused(
    hs: SuiteHarness, raw: str,
) -> None:
    _, invite = await hs.room()
    response = await hs.join_response(invite, raw)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "bad_request"


@pytest.mark.parametrize("raw", [None, "", "   "])
async def test_no_name_gets_a_pseudonym(hs: SuiteHarness, raw: str | None) -> None:
    _, invite = await hs.room()
    response = await hs.join_response(invite, raw)
    assert response.status_code == 201, response.text
    name = response.json()["participant"]["name"]
    adjective, noun = name.split(" ")  # "Gentle Otter": the generator is tested in tests/rooms
    assert adjective.istitle() and noun.istitle()


@pytest.mark.parametrize("path", ["/ws/", "/wss", "/ws/extra", "/room"])
async def test_a_websocket_anywhere_but_ws_is_refused(hs: SuiteHarness, path: str) -> None:
    """Only ``/ws`` reaches the endpoint (server/app.py's HearthApp dispatches it by exact
    path, ahead of the router, which has no WebSocket route): any other path is refused in
    the handshake."""
    from websockets.exceptions import InvalidStatus

    url = hs.server.ws.rsplit("/ws", 1)[0] + path
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, compression=None,
                           additional_headers={"Origin": hs.server.origin}):
            pass
    assert refused.value.response.status_code == 403


async def test_the_endpoint_lets_the_handshake_headers_go_once_origin_is_read(
        hs: SuiteHarness) -> None:
    """The endpoint reads only Origin of the handshake's headers (a browser's come to a
    kilobyte or two); the scope lives as long as the connection, so it drops them then."""
    from server.signaling.wsprotocol import WebSocketProtocol

    room_id, _ = await hs.room()
    fac = await hs.facilitator(room_id)  # past the Origin check and hello
    here = fac.ws.local_address[:2]
    [protocol] = [c for c in list(hs.server.server.server_state.connections)
                  if isinstance(c, WebSocketProtocol) and tuple(c.scope["client"] or ()) == here]
    assert protocol.scope["path"] == "/ws" and "headers" not in protocol.scope
