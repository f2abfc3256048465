"""Connection quality for staff (server/signaling/quality.py): the levels and their
hysteresis, then real WebSocket clients on a real server measuring every few tenths of a
second: a parent who stops answering pings is shown as lost to the facilitator, and no
parent ever receives anyone's quality."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from server import protocol as p
from server.media.types import LinkStats
from server.rooms.types import MediaSeat, Send
from server.signaling.quality import (
    MEDIA_LOSS_WEAK,
    SOCKET_RTT_WEAK,
    QualityBook,
    classify,
)
from tests.conftest import MakeServer
from tests.harness import Client, harness

# ---- the levels ------------------------------------------------------------------------


def test_levels_from_the_socket_and_from_rtcp() -> None:
    def level(**kw: Any) -> p.Quality | None:
        kw.setdefault("socket_rtt", None)
        kw.setdefault("waiting", 0.0)
        kw.setdefault("media", None)
        return classify(lost_after=10.0, was=kw.pop("was", None), **kw)

    assert level() is None  # nothing to go by: no indicator rather than a guess
    assert level(socket_rtt=0.08) == "good"
    assert level(socket_rtt=SOCKET_RTT_WEAK) == "weak"
    assert level(socket_rtt=0.08, waiting=2.0) == "weak"  # an answer overdue
    assert level(socket_rtt=0.08, waiting=10.0) == "lost"
    assert level(media=LinkStats(round_trip=0.05, loss=0.0, jitter=0.004, report_age=1)) == "good"
    assert level(media=LinkStats(round_trip=0.05, loss=MEDIA_LOSS_WEAK)) == "weak"
    assert level(media=LinkStats(round_trip=0.45)) == "weak"
    assert level(media=LinkStats(jitter=0.05)) == "weak"
    assert level(socket_rtt=0.05, media=LinkStats(report_age=8.0)) == "weak"  # sound stopped
    # Hysteresis in value: coming back from weak needs the lower GOOD thresholds.
    assert level(socket_rtt=0.4) == "good"
    assert level(socket_rtt=0.4, was="weak") == "weak"
    assert level(socket_rtt=0.2, was="weak") == "good"


def _seats(*people: tuple[str, int, bool]) -> tuple[MediaSeat, ...]:
    return tuple(MediaSeat(participant_id=who, conn=conn, place="room", staff=staff,
                                   audio=False, video=False, mute_locked=False)
                 for who, conn, staff in people)


def _told(effects: list[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for effect in effects:
        if isinstance(effect, Send) and isinstance(effect.message, p.ParticipantQuality):
            found.update(effect.message.people)
    return found


def _pinged(effects: list[Any]) -> tuple[tuple[int, ...], int] | None:
    for effect in effects:
        if isinstance(effect, Send) and isinstance(effect.message, p.Ping):
            return effect.to, effect.message.n
    return None


def test_changes_settle_before_they_are_shown_and_go_to_watching_staff_only() -> None:
    book = QualityBook(every=5.0)
    seats = _seats(("fac", 1, True), ("ann", 2, False), ("bob", 3, False))
    book.join(1, ["quality"], staff=True)
    book.join(2, ["ping"], staff=False)
    book.join(3, ["ping", "quality"], staff=False)  # a parent asking to watch is not heard
    now = 100.0
    effects = book.round("r", seats, {}, now)
    pinged = _pinged(effects)
    assert pinged is not None and set(pinged[0]) == {2, 3}
    assert book.pong(2, pinged[1], now + 0.05) == (True, True)
    assert book.pong(2, pinged[1], now + 0.06) == (False, False)  # answered already
    assert book.pong(3, pinged[1], now + 0.9) == (True, True)
    now += 5
    effects = book.round("r", seats, {}, now)
    assert _told(effects) == {"ann": "good", "bob": "weak"}  # first levels at once
    assert all(e.to == (1,) for e in effects if isinstance(e.message, p.ParticipantQuality))
    # Bob's link recovers: shown once it has held for two rounds, not at the first.
    for _ in range(3):
        n = _pinged(effects)
        assert n is not None
        book.pong(2, n[1], now + 0.05)
        book.pong(3, n[1], now + 0.05)
        now += 5
        effects = book.round("r", seats, {}, now)
        if _told(effects):
            break
    assert _told(effects) == {"bob": "good"}
    # Ann stops answering: weak while overdue is not yet settled, lost after two rounds.
    changes: dict[str, Any] = {}
    for _ in range(3):
        n = _pinged(effects)
        if n is not None:
            book.pong(3, n[1], now + 0.05)
        now += 5
        effects = book.round("r", seats, {}, now)
        changes.update(_told(effects))
    assert changes.get("ann") == "lost" and "bob" not in changes
    # A staff member who arrives gets everyone's level at once.
    snapshot = book.snapshot("r")
    assert snapshot is not None and snapshot.people == {"ann": "lost", "bob": "good"}
    # With no staff watching, nothing is measured or sent.
    book.leave(1)
    assert book.round("r", seats, {}, now + 5) == []


def test_rtcp_alone_gives_a_level_and_its_end_takes_it_away() -> None:
    book = QualityBook(every=5.0)
    seats = _seats(("fac", 1, True), ("ann", 2, False))
    book.join(1, ["quality"], staff=True)
    book.join(2, [], staff=False)  # an older client: no pings, but listening
    good = LinkStats(round_trip=0.04, loss=0.0, jitter=0.003, report_age=0.8)
    assert _told(book.round("r", seats, {"ann": good}, 10.0)) == {"ann": "good"}
    assert _told(book.round("r", seats, {}, 15.0)) == {"ann": None}  # peer connection gone


# ---- real clients on a real server -----------------------------------------------------

EVERY = 0.3  # seconds between rounds on the private server: lost within about a second


async def _hello(h: Any, token: str, features: list[str]) -> Client:
    client = Client(await h.open())
    h.clients.append(client)
    await client.send("hello", token=token, features=features)
    client.welcome = await client.expect("welcome")
    return client


async def _answer_pings(client: Client, answering: asyncio.Event) -> None:
    """Read forever, answering each ping while ``answering`` is set."""
    with contextlib.suppress(Exception):
        while True:
            message = await client.recv(timeout=30)
            if message["type"] == "ping" and answering.is_set():
                await client.send("pong", n=message["n"])


async def test_a_parent_who_stops_answering_is_lost_to_the_facilitator_and_nobody_else(
        make_server: MakeServer) -> None:
    server = make_server(quality_every=EVERY)
    async with harness(server) as h:
        room_id, invite = await h.room()
        fac = await _hello(h, (await h.staff_token(room_id))["token"], ["ping", "quality"])
        ann = await _hello(h, (await h.join(invite, "Ann"))["token"], ["ping"])
        # Bob asks to see quality too: a parent must never be told it.
        bob = await _hello(h, (await h.join(invite, "Bob"))["token"], ["ping", "quality"])
        for who in (ann, bob):
            await fac.expect("lobby.knock")
            await fac.send("lobby.admit", participant=who.id)
        answering = {who.id: asyncio.Event() for who in (ann, bob)}
        readers = [asyncio.create_task(_answer_pings(who, answering[who.id]))
                   for who in (ann, bob)]
        for event in answering.values():
            event.set()
        try:
            # Levels are sent when they change: one that came while the admissions above
            # waited for a knock was read there (kept in ``seen``), and no other follows.
            levels: dict[str, Any] = {}
            for message in fac.seen:
                if message["type"] == "participant.quality":
                    levels.update(message["people"])

            async def until(person: str, level: str, timeout: float) -> float:
                start = asyncio.get_running_loop().time()
                while levels.get(person) != level:
                    left = start + timeout - asyncio.get_running_loop().time()
                    assert left > 0, f"{person} not {level} within {timeout}s: {levels}"
                    message = await fac.recv(timeout=left)
                    if message["type"] == "ping":
                        await fac.send("pong", n=message["n"])
                    elif message["type"] == "participant.quality":
                        levels.update(message["people"])
                return asyncio.get_running_loop().time() - start

            # The first rounds settle (generous: the suite may be running beside heavy tests).
            await until(ann.id, "good", 10)
            await until(bob.id, "good", 10)
            answering[ann.id].clear()  # Ann's phone goes into a tunnel
            took = await until(ann.id, "lost", 5)
            assert took < 3 * EVERY * 4, took
            assert levels[bob.id] == "good"
            # A facilitator who arrives now sees it at once, with the welcome.
            late = await _hello(h, (await h.staff_token(room_id))["token"], ["quality"])
            first = await late.expect("participant.quality")
            assert first["people"][ann.id] == "lost"
            # Ann comes back: good again once it has held.
            answering[ann.id].set()
            await until(ann.id, "good", 5)
            # A facilitator without the feature is sent neither pings nor levels.
            plain = await h.connect((await h.staff_token(room_id))["token"])
            seen = await plain.nothing(wait=4 * EVERY)
            assert not [m for m in seen if m["type"] in ("ping", "participant.quality")]
        finally:
            for task in readers:
                task.cancel()
            await asyncio.gather(*readers, return_exceptions=True)
        for who in (ann, bob):
            got = [m["type"] for m in who.seen]
            assert "ping" in got
            assert "participant.quality" not in got, f"a parent was told: {who.seen}"
            assert not any('"quality"' in json.dumps(m) for m in who.seen)
