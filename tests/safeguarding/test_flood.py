"""A flood of help requests against a real server (issue 9, item 3).

One person waiting in a lobby, never admitted and with no facilitator present,
sends help requests as fast as the WebSocket's flood limits let a person. Every
request is answered in full; the alerts, escalations and outbound notices stay
bounded; and a group chatting in another room at the same time is not disturbed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

from websockets.exceptions import ConnectionClosed

from server.safeguarding.notify import BATCH_DELAY
from tests.conftest import MakeServer
from tests.harness import Client, ServerThread, drain, suite_harness
from tests.safeguarding.test_notify import Receiver
from tests.safeguarding.test_room_safeguarding import URGENT

REQUESTS = 100
CHAT_EVERY = 0.6  # seconds between one chatter's messages: under the chat limit of 2 a second


class Reader:
    """Everything one client receives, with when it arrived, until stopped."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.got: list[tuple[float, dict[str, Any]]] = []
        self.closed: int | None = None
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                message = await self.client.recv(0.1)
            except TimeoutError:
                continue
            except ConnectionClosed as closed:
                self.closed = closed.rcvd.code if closed.rcvd else 1006
                return
            self.got.append((time.monotonic(), message))

    def of(self, type_: str) -> list[dict[str, Any]]:
        return [m for _, m in self.got if m["type"] == type_]

    async def stop(self) -> None:
        self._stop.set()
        await self._task


async def send_paced(client: Client, server: ServerThread, count: int) -> float:
    """``count`` help requests as fast as the server's general bucket lets one connection
    (a little under it, so that frames bunched up on the way are not refused). Returns
    the seconds it took."""
    burst = server.settings.ws_burst - 5
    rate = server.settings.ws_per_second * 0.9
    started = time.monotonic()
    for n in range(count):
        due = started + max(0, n - burst) / rate
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        # Numbered from 100: the screen reads "please help 99" like "please help 999" (the
        # emergency number), urgent, a second alert that is not the flood's.
        await client.send("help.request", text=f"please help {n + 100}")
    return time.monotonic() - started


async def chat_meanwhile(sender: Client, name: str, stop: asyncio.Event,
                         sent: dict[str, float]) -> None:
    n = 0
    while not stop.is_set():
        text = f"{name} says hello {n}"
        sent[text] = time.monotonic()
        await sender.send("chat.send", text=text)
        n += 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), CHAT_EVERY)


async def eventually(check: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "not within the time allowed"
        await asyncio.sleep(0.05)


async def test_a_lobby_flood_is_one_alert_one_escalation_one_notice(
        make_server: MakeServer) -> None:
    receiver = Receiver()
    try:
        server = make_server(webhook_url=receiver.url, webhook_secret="s3cret")
        async with suite_harness(server) as hs:
            flooded, invite = await hs.room(name="Flooded group")
            zed = await hs.connect((await hs.join_as(hs.browser(), invite, "Zed"))["token"])
            await zed.expect("waiting", reason="no_facilitator")
            # Another room, live, chatting all the while.
            group = await hs.group("Ann", "Bob")
            ann, bob = group.people
            readers = {name: Reader(client) for name, client in
                       (("zed", zed), ("fac", group.fac), ("ann", ann), ("bob", bob))}
            stop = asyncio.Event()
            sent: dict[str, float] = {}
            chatters = [asyncio.create_task(chat_meanwhile(c, name, stop, sent))
                        for name, c in (("Ann", ann), ("Bob", bob))]

            took = await send_paced(zed, server, REQUESTS)
            flood_ended = time.monotonic()

            async def all_answered() -> bool:
                return len(readers["zed"].of("help.received")) == REQUESTS
            await eventually(all_answered)
            stop.set()
            await asyncio.gather(*chatters)
            await asyncio.sleep(0.5)  # the last chat messages arrive
            for reader in readers.values():
                await reader.stop()

            # Never silenced: every request had its answer and its signposting.
            flood = readers["zed"]
            assert len(flood.of("signpost")) == REQUESTS
            assert flood.of("error") == [] and flood.closed is None, flood.of("error")[:3]

            # One alert, one escalation (nobody was there: straight to the lead).
            alerts = await hs.store.safeguarding.open_alerts(flooded)
            assert len(alerts) == 1 and alerts[0].kind == "help"
            escalations = [e for e in await hs.store.safeguarding.escalations(open_only=False)
                           if e.room_id == flooded]
            assert len(escalations) == 1 and escalations[0].raised_by == "system"

            # One notice at the lead's webhook, signed, naming nobody. (Any notice the
            # flood caused is out one batch delay after its last request.)
            await asyncio.sleep(flood_ended + BATCH_DELAY + 1.0 - time.monotonic())
            [(_, body)] = receiver.requests
            data = json.loads(body)
            assert data["escalation"] == escalations[0].id
            assert b"Zed" not in body and b"please help" not in body

            # The other room went on undisturbed: every message arrived, promptly.
            for who in ("ann", "bob", "fac"):
                reader = readers[who]
                assert reader.of("error") == [] and reader.closed is None, who
                assert not [m for m in reader.of("alert")], who
                arrived = {m["text"]: at for at, m in reader.got if m["type"] == "chat"}
                assert set(arrived) == set(sent), who
                delays = [arrived[text] - sent[text] for text in sent]
                assert max(delays) < 1.0, (who, max(delays))
            assert len(sent) >= 2 * int(took / CHAT_EVERY)

            # A facilitator who comes sees one alert standing for every request.
            fac = await hs.fac(flooded, "Fay")
            [alert] = fac.welcome["alerts"]
            assert (alert["id"], alert["count"]) == (alerts[0].id, REQUESTS)
    finally:
        receiver.close()


async def test_facilitators_see_one_alert_counting_repeats_and_urgent_chat_still_alerts(
        make_server: MakeServer) -> None:
    server = make_server()
    async with suite_harness(server) as hs:
        group = await hs.group("Ann")
        ann = group.people[0]
        for _ in range(5):
            await ann.send("help.request", text="please")
        for _ in range(5):
            await ann.expect("help.received")
            await ann.expect("signpost")
        first = await group.fac.expect("alert")
        assert first.get("count", 1) == 1
        counted = await group.fac.expect("alert", timeout=5, count=5)
        assert counted["id"] == first["id"]
        assert [m for m in await drain(group.fac) if m["type"] == "alert"] == []
        assert [e for e in await hs.store.safeguarding.open_alerts(group.room_id)
                if e.kind == "help"] == [await hs.store.safeguarding.alert(first["id"])]

        # Urgent chat is screened and alerted as ever, whatever help was merged.
        await ann.send("chat.send", text=URGENT)
        await ann.expect("chat.held")
        risk = await group.fac.expect("alert", kind="risk")
        assert risk["severity"] == "urgent"
        await group.fac.expect("alert.escalated", alert=risk["id"])

        # Acknowledged: asking again is a new alert.
        await group.fac.send("alert.ack", alert=first["id"])
        await group.fac.expect("alert.acked", alert=first["id"])
        await ann.send("help.request")
        again = await group.fac.expect("alert", kind="help")
        assert again["id"] != first["id"] and "count" not in again
