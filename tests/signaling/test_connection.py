"""One connection's outgoing side (server/signaling/connection.py), against sends shaped
like uvicorn's: an ``async def`` that finishes at once while the socket takes data and
waits on an event while the transport is paused. The real server's chat tests cover the
same code end to end; these pin what they cannot see: no task for a frame the socket
takes at once, order kept across a pause, the outbox's bound, and a peer that vanished.
"""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from typing import Any

from server.rooms.types import CLOSE_POLICY
from server.settings import from_env
from server.signaling.connection import Connection

SETTINGS = from_env({}, outbox_limit=5)


class Transport:
    """What the connection sends to: writes are recorded, and ``pause`` makes sends wait
    as uvicorn's do while asyncio has paused writing."""

    def __init__(self) -> None:
        self.frames: list[Any] = []
        self.writable = asyncio.Event()
        self.writable.set()
        self.gone = False

    async def send(self, message: MutableMapping[str, Any]) -> None:
        await self.writable.wait()
        if self.gone:
            raise ConnectionResetError("the peer went away")  # uvicorn: ClientDisconnected
        self.frames.append(message.get("text") or (message["type"], message.get("code")))


def tasks() -> int:
    return len(asyncio.all_tasks())


async def test_a_frame_the_socket_takes_is_sent_at_once_without_a_task() -> None:
    transport = Transport()
    conn = Connection(1, transport.send, SETTINGS, 0.0)
    before = tasks()
    for n in range(3):
        conn.enqueue(f"m{n}")
        assert tasks() == before  # no task, not even briefly
    assert transport.frames == ["m0", "m1", "m2"]  # already written, in order


async def test_frames_after_a_paused_send_wait_behind_it_in_order() -> None:
    transport = Transport()
    conn = Connection(1, transport.send, SETTINGS, 0.0)
    conn.enqueue("before")
    transport.writable.clear()
    for text in ("a", "b", "c"):
        conn.enqueue(text)
    await asyncio.sleep(0.01)
    assert transport.frames == ["before"]  # "a" is waiting inside the send
    transport.writable.set()
    await conn.flush()
    assert transport.frames == ["before", "a", "b", "c"]
    # Once drained, the next frame goes straight out again.
    before = tasks()
    conn.enqueue("d")
    assert transport.frames[-1] == "d" and tasks() == before


async def test_a_reader_that_stops_reading_is_closed_once_the_outbox_is_full() -> None:
    transport = Transport()
    conn = Connection(1, transport.send, SETTINGS, 0.0)
    transport.writable.clear()
    for n in range(1 + SETTINGS.outbox_limit + 3):
        conn.enqueue(f"m{n}")
    assert conn.closed and conn.close_code == CLOSE_POLICY
    transport.writable.set()
    await conn.flush()
    # The paused frame, the outbox's worth behind it, then the close; nothing after.
    sent = [f"m{n}" for n in range(1 + SETTINGS.outbox_limit)]
    assert transport.frames == [*sent, ("websocket.close", CLOSE_POLICY)]


async def test_a_peer_that_vanished_marks_the_connection_closed() -> None:
    transport = Transport()
    conn = Connection(1, transport.send, SETTINGS, 0.0)
    transport.gone = True
    conn.enqueue("lost")
    assert conn.closed and transport.frames == []
    conn.enqueue("dropped")
    assert transport.frames == []


async def test_a_peer_that_vanishes_while_paused_marks_it_closed_too() -> None:
    transport = Transport()
    conn = Connection(1, transport.send, SETTINGS, 0.0)
    transport.writable.clear()
    conn.enqueue("waiting")
    conn.enqueue("queued")
    transport.gone = True
    transport.writable.set()
    await conn.flush()
    assert conn.closed and transport.frames == []


async def test_a_send_that_fails_otherwise_costs_only_its_own_connection() -> None:
    """A frame now goes out inside the sender's fan-out: an unexpected error from one
    connection's send must not reach the loop that delivers to everyone else."""
    async def broken(message: MutableMapping[str, Any]) -> None:
        raise ValueError("a bug in the transport")

    conn = Connection(1, broken, SETTINGS, 0.0)
    conn.enqueue("first")  # does not raise
    assert conn.closed
    conn.enqueue("second")  # dropped quietly


async def test_a_drained_connection_keeps_no_queue() -> None:
    transport = Transport()
    conn = Connection(1, transport.send, SETTINGS, 0.0)
    transport.writable.clear()
    conn.enqueue("a")
    conn.enqueue("b")
    transport.writable.set()
    await conn.flush()
    assert transport.frames == ["a", "b"]
    assert conn._outbox is None  # read to check the promise of the module's docstring
