"""The lighter uvicorn WebSocket protocol (server/signaling/wsprotocol.py), through a real
uvicorn server on a free port and real websockets clients, on both event loops.

It leans on uvicorn's internals, so these pin what it must keep doing: messages in order
whatever the app's pace, reading paused while the app is behind and resumed once it has
caught up (so pongs and closes are read), a receive that timed out before a message came
costing nothing, sends waiting while the transport is paused (and woken when the peer
vanishes), close codes both ways, the frame-size limit, the keepalive, and the
handshake's request and response not kept.
"""

from __future__ import annotations

import asyncio
import base64
import gc
import os
import re
import socket
import struct
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request
from websockets.typing import Origin

from server.signaling.wsprotocol import _PER_SERVER, HTTP_PROTOCOL, WebSocketProtocol
from tests.harness import free_port

HOLD = 1.0  # seconds /hold's app waits before receiving again: several keepalive rounds


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Each path one behaviour; every one starts with the handshake."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    assert (await receive())["type"] == "websocket.connect"
    path = scope["path"]
    if path == "/refuse":
        await send({"type": "websocket.close", "code": 1008})
        return
    await send({"type": "websocket.accept"})
    if path == "/origin":
        headers = dict(scope["headers"])
        await send({"type": "websocket.send", "text": headers[b"origin"].decode()})
    elif path == "/close":
        event = await receive()
        await send({"type": "websocket.close", "code": int(event["text"]), "reason": "bye"})
        return
    elif path == "/hold":
        await receive()
        await asyncio.sleep(HOLD)  # the client's pongs must still be read meanwhile
        await send({"type": "websocket.send", "text": "still here"})
    elif path == "/timeout":
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(receive(), 0.05)
        await send({"type": "websocket.send", "text": "timed out"})
    elif path == "/burst":
        event = await receive()
        count, size = map(int, event["text"].split())
        for n in range(count):  # far past the transport's buffer: sends must wait
            await send({"type": "websocket.send", "text": f"{n:08d}" + "x" * size})
    while True:  # then echo, slowly on /slow, until the client goes
        event = await receive()
        if event["type"] == "websocket.disconnect":
            return
        if path == "/slow":
            await asyncio.sleep(0.002)
        await send({"type": "websocket.send", "text": event.get("text") or "binary"})


class Server:
    def __init__(self, loop: str, *, keepalive: bool = False) -> None:
        self.port = free_port()
        # Keepalive every 0.1 s with 0.3 s to answer, or none: a client that does not read
        # (as in the burst) does not answer pings either, with uvicorn's own protocol too.
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, ws=WebSocketProtocol,
                                http=HTTP_PROTOCOL,
                                ws_max_size=4096, ws_ping_interval=0.1 if keepalive else None,
                                ws_ping_timeout=0.3, loop=loop, log_config=None,
                                lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.01)

    def url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    def protocols(self) -> list[WebSocketProtocol]:
        return [c for c in list(self.server.server_state.connections)
                if isinstance(c, WebSocketProtocol)]

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


LOOPS = ["asyncio", "uvloop"]


@pytest.fixture(scope="module", params=LOOPS)
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    running = Server(request.param)
    yield running
    running.stop()


@pytest.fixture(scope="module", params=LOOPS)
def keepalive_server(request: pytest.FixtureRequest) -> Iterator[Server]:
    running = Server(request.param, keepalive=True)
    yield running
    running.stop()


async def test_the_handshake_request_and_response_are_not_kept(server: Server) -> None:
    origin = Origin("http://here.example")
    async with connect(server.url("/origin"), origin=origin) as ws:
        assert await ws.recv() == "http://here.example"  # the app still reads the headers
        await ws.send("hi")
        assert await ws.recv() == "hi"
        [protocol] = server.protocols()
        assert not hasattr(protocol, "request") and not hasattr(protocol, "response")
        assert protocol.handshake_complete and not protocol.read_paused
        # Nor does websockets' parser, waiting for the next frame, hold the request.
        parser: Any = protocol.conn.parser
        while parser is not None:
            assert not any(isinstance(value, Request)
                           for value in parser.gi_frame.f_locals.values())
            parser = parser.gi_yieldfrom


async def test_a_connection_keeps_its_own_state_and_its_servers_settings_once(
        server: Server, keepalive_server: Server) -> None:
    """What is the same for every connection of a server is kept once per server, so that a
    connection's own attributes stay under the 30 that CPython shares a key table for; two
    servers in one process (as in these tests) each keep their own."""
    async with connect(server.url("/echo")) as plain, \
            connect(keepalive_server.url("/echo")) as pinged:
        for ws in (plain, pinged):
            await ws.send("hi")
            assert await ws.recv() == "hi"
        [one] = server.protocols()
        [other] = keepalive_server.protocols()
        for protocol, running in ((one, server), (other, keepalive_server)):
            config = running.server.config
            assert protocol.config is config and protocol.app is config.loaded_app
            assert protocol.connections is running.server.server_state.connections
            assert protocol.ping_interval == config.ws_ping_interval
            own = vars(protocol)
            assert not set(own) & set(_PER_SERVER)
            assert len(own) < 30, sorted(own)
        assert (one.ping_interval, other.ping_interval) == (None, 0.1)
        assert type(one) is not type(other)


async def test_the_http_protocol_that_read_the_upgrade_is_freed_without_the_collector(
        server: Server) -> None:
    assert isinstance(HTTP_PROTOCOL, type)
    gc.collect()
    gc.disable()  # freed by reference counting, or not at all
    try:
        async with connect(server.url("/echo")) as ws:
            await ws.send("hi")
            assert await ws.recv() == "hi"
            left = [o for o in gc.get_objects() if isinstance(o, HTTP_PROTOCOL)]
    finally:
        gc.enable()
    assert left == []


async def test_messages_keep_their_order_when_the_app_is_slower_than_the_client(
        server: Server) -> None:
    async with connect(server.url("/slow")) as ws:
        texts = [f"m{n}" for n in range(200)]
        for text in texts:
            await ws.send(text)
        assert [await asyncio.wait_for(ws.recv(), 5) for _ in texts] == texts


async def test_a_receive_that_timed_out_before_a_message_came_loses_nothing(server: Server) -> None:
    async with connect(server.url("/timeout")) as ws:
        assert await ws.recv() == "timed out"
        await ws.send("after")
        assert await ws.recv() == "after"


async def test_pongs_are_read_while_the_app_works_on_a_message(
        keepalive_server: Server) -> None:
    # Were reading left paused while the app holds the message, the pongs would go unread
    # and uvicorn would close 1011.
    async with connect(keepalive_server.url("/hold"), ping_interval=None) as ws:
        await ws.send("hold this")
        assert await asyncio.wait_for(ws.recv(), HOLD + 2) == "still here"
        await ws.send("and this")
        assert await ws.recv() == "and this"


async def raw_client(server: Server, path: str) -> socket.socket:
    """A WebSocket opened by hand on a socket with a small receive buffer, which reads
    nothing until told: websockets' client, even with ``max_queue=1``, reads megabytes
    into its own buffer before it stops, and loopback's buffers grow as large, so a burst
    would go out without the server's transport ever pausing."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(sock, ("127.0.0.1", server.port))
    key = base64.b64encode(os.urandom(16)).decode()
    await loop.sock_sendall(sock, (
        f"GET {path} HTTP/1.1\r\nHost: here\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += await loop.sock_recv(sock, 1)  # byte by byte: no frame read with it
    assert answer.startswith(b"HTTP/1.1 101"), answer
    return sock


async def send_text(sock: socket.socket, text: str) -> None:
    payload, mask = text.encode(), os.urandom(4)
    assert len(payload) < 126
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    await asyncio.get_running_loop().sock_sendall(
        sock, bytes([0x81, 0x80 | len(payload)]) + mask + masked)


async def paused(server: Server) -> WebSocketProtocol:
    """The connection whose transport has paused with the app's send waiting on it."""
    deadline = time.monotonic() + 5
    while True:
        for protocol in server.protocols():
            writable: Any = protocol.writable
            if writable._paused and writable._waiters:
                return protocol
        assert time.monotonic() < deadline, "the transport never paused"
        await asyncio.sleep(0.02)


async def test_sends_wait_while_the_transport_is_paused_and_all_arrive(server: Server) -> None:
    count, size = 4000, 3000  # about 12 MB: more than the socket buffers on both ends
    sock = await raw_client(server, "/burst")
    try:
        await send_text(sock, f"{count} {size}")
        await paused(server)  # not reading: the app's send waits on the paused transport
        expected = count * (4 + 8 + size)  # each frame: 4 bytes of header, then its text
        data = bytearray()
        loop = asyncio.get_running_loop()
        while len(data) < expected:
            chunk = await asyncio.wait_for(loop.sock_recv(sock, 1 << 20), 5)
            assert chunk, "closed before every frame arrived"
            data += chunk
        assert re.findall(rb"(\d{8})x", bytes(data)) == [
            f"{n:08d}".encode() for n in range(count)]
    finally:
        sock.close()


async def test_a_peer_that_vanishes_while_a_send_waits_leaves_nothing_behind(
        server: Server) -> None:
    sock = await raw_client(server, "/burst")
    await send_text(sock, "40000 3000")
    await paused(server)
    # Gone without a close: a reset, as a phone that lost its signal.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
    deadline = time.monotonic() + 5
    while server.protocols() or server.server.server_state.tasks:
        assert time.monotonic() < deadline, "the waiting send was never woken"
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("code", [1000, 4429, 4401])
async def test_the_apps_close_code_reaches_the_client(server: Server, code: int) -> None:
    async with connect(server.url("/close")) as ws:
        await ws.send(str(code))
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == code


async def test_a_frame_over_the_limit_closes_1009(server: Server) -> None:
    async with connect(server.url("/echo"), max_size=None) as ws:
        await ws.send("small")
        assert await ws.recv() == "small"
        await ws.send("x" * 5000)
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


async def test_a_handshake_the_app_refuses_gets_403(server: Server) -> None:
    with pytest.raises(Exception, match="403"):
        async with connect(server.url("/refuse")):
            pass


async def test_a_client_that_stops_answering_pings_is_closed_by_the_keepalive(
        keepalive_server: Server) -> None:
    async with connect(keepalive_server.url("/echo"), ping_interval=None) as ws:
        await ws.send("hi")
        assert await ws.recv() == "hi"
        ws.transport.pause_reading()  # the client's pongs stop: it never sees the pings
        await asyncio.sleep(1.0)
        ws.transport.resume_reading()
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 3)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1011

