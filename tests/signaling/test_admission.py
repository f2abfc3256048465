"""WebSockets per address, and sockets that have not said hello (server/signaling/admission.py).

One address once held every file descriptor of the server: now it gets close 1013
past its share, and other addresses are not affected.
"""

from __future__ import annotations

import json

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from server.signaling.admission import Admission
from tests.conftest import MakeServer
from tests.harness import harness


def _hello(token: str) -> str:
    return json.dumps({"type": "hello", "token": token})


async def _close_code(ws: ClientConnection) -> int | None:
    try:
        await ws.recv()
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    return None


async def test_one_address_gets_its_share_and_no_more(make_server: MakeServer) -> None:
    server = make_server(ws_per_address=3, ws_waiting_per_address=2, ws_waiting_total=100)
    async with harness(server) as h:
        room_id, invite = await h.room()
        fac = await h.facilitator(room_id, "Fran")  # one socket, past hello
        waiting = [await h.open(), await h.open()]  # two without hello: the cap
        refused = await h.open()
        assert await _close_code(refused) == 1013
        # A socket that says hello no longer counts as waiting, but still as one of three.
        await waiting[0].send(_hello((await h.join(invite))["token"]))
        third = await h.open()  # 3 open, 2 waiting: the per-address cap
        assert await _close_code(third) == 1013
        # Another address on the same machine is not affected.
        elsewhere = await h.open(local_addr=("127.0.0.2", 0))
        await elsewhere.send(_hello((await h.join(invite))["token"]))
        assert '"welcome"' in str(await elsewhere.recv())
        # Closing a socket frees its place.
        await waiting[1].close()
        await fac.close()
        again = await h.participant(invite, "Cat")
        assert again.welcome["type"] == "welcome"
        for ws in (*waiting, elsewhere):
            await ws.close()


async def test_sockets_that_never_say_hello_are_capped_for_everyone(
        make_server: MakeServer) -> None:
    server = make_server(ws_per_address=100, ws_waiting_per_address=100, ws_waiting_total=3)
    async with harness(server) as h:
        _, invite = await h.room()
        silent = [await h.open(local_addr=(f"127.0.0.{n}", 0)) for n in (2, 3, 4)]
        assert await _close_code(await h.open(local_addr=("127.0.0.5", 0))) == 1013
        for ws in silent:
            await ws.close()
        # Once they are gone, anyone may connect again.
        assert (await h.participant(invite)).welcome["type"] == "welcome"


def test_counts_drop_to_nothing() -> None:
    admission = Admission(per_address=2, waiting_per_address=1, waiting_total=5)
    assert admission.enter("a")
    assert not admission.enter("a")  # one waiting already
    admission.said_hello("a")
    assert admission.enter("a")
    assert not admission.enter("a")  # two open
    admission.leave("a", waiting=False)
    admission.leave("a", waiting=True)
    assert admission.open_from("a") == 0
    assert admission.enter("a")
