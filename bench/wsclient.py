"""A minimal WebSocket client (RFC 6455) on ``asyncio.Protocol``, for load generation.

The benchmark's clients share two CPU cores with the server they measure, so
the client side must be as cheap per frame as Python allows: no task per
connection, no reader coroutine, no per-frame ``await``. ``data_received``
parses frames in place and calls ``on_text(payload)`` synchronously.

It speaks just what protocol v1 needs: text frames out (masked, as the RFC
requires of clients), text frames in, answers to pings (uvicorn pings every
20 s and drops a silent peer), and the closing handshake. Server frames are
never fragmented by uvicorn; a fragmented one is reported as an error rather
than reassembled.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import random
import struct
from collections.abc import Callable
from typing import cast

try:
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover - the pure-Python fallback is slower, not different
    from websockets.utils import apply_mask

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_TEXT, OP_CLOSE, OP_PING, OP_PONG = 0x1, 0x8, 0x9, 0xA
# Answers arrive within this many bytes of header; anything bigger is not uvicorn.
_MAX_HANDSHAKE = 16 * 1024


class HandshakeFailed(Exception):
    pass


def _frame(opcode: int, payload: bytes) -> bytes:
    mask = random.randbytes(4)
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    return header + mask + apply_mask(payload, mask)


class WsClient(asyncio.Protocol):
    """One WebSocket connection. ``opened`` resolves after the 101 answer.

    ``on_text`` is called with each text frame's payload (bytes, UTF-8 JSON).
    ``closed`` resolves with the close code the server sent (1006 if the
    connection dropped without one).
    """

    def __init__(self, host: str, port: int, origin: str, path: str = "/ws") -> None:
        self.on_text: Callable[[bytes], None] = _ignore
        self._host, self._port, self._origin, self._path = host, port, origin, path
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[int] = loop.create_future()
        self.transport: asyncio.Transport | None = None
        self._key = base64.b64encode(os.urandom(16))
        self._buffer = b""
        self._open = False
        self.close_code: int | None = None

    # -- asyncio.Protocol -------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = writer = cast(asyncio.Transport, transport)
        writer.write(
            f"GET {self._path} HTTP/1.1\r\n"
            f"Host: {self._host}:{self._port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {self._key.decode()}\r\n"
            "Sec-WebSocket-Version: 13\r\n"
            f"Origin: {self._origin}\r\n\r\n".encode()
        )

    def data_received(self, data: bytes) -> None:
        if self._buffer:
            data = self._buffer + data
            self._buffer = b""
        if not self._open:
            data = self._handshake(data)
            if not data:
                return
        # The hot path: parse every complete frame in ``data``, keep the rest.
        pos = 0
        end = len(data)
        on_text = self.on_text
        while end - pos >= 2:
            first = data[pos]
            length = data[pos + 1] & 0x7F
            start = pos + 2
            if length == 126:
                if end - pos < 4:
                    break
                length = (data[pos + 2] << 8) | data[pos + 3]
                start = pos + 4
            elif length == 127:
                if end - pos < 10:
                    break
                (length,) = struct.unpack_from("!Q", data, pos + 2)
                start = pos + 10
            stop = start + length
            if stop > end:
                break
            opcode = first & 0x0F
            if opcode == OP_TEXT and first & 0x80:
                on_text(data[start:stop])
            else:
                self._control(first, data[start:stop])
            pos = stop
        if pos < end:
            self._buffer = data[pos:]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(HandshakeFailed(str(exc or "connection lost")))
        if not self.closed.done():
            self.closed.set_result(self.close_code or 1006)

    # -- sending ------------------------------------------------------------------

    def send_text(self, payload: bytes) -> None:
        """Queue one text frame (``payload`` is UTF-8). Returns at once."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(_frame(OP_TEXT, payload))

    def close(self, code: int = 1000) -> None:
        """Start the closing handshake; the server answers and drops the TCP connection."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(_frame(OP_CLOSE, struct.pack("!H", code)))

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    # -- details --------------------------------------------------------------------

    def _handshake(self, data: bytes) -> bytes:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            if len(data) > _MAX_HANDSHAKE:
                self._fail("no end of HTTP headers")
            self._buffer = data
            return b""
        status, *lines = head.decode("latin-1").split("\r\n")
        if not status.startswith("HTTP/1.1 101"):
            self._fail(f"server answered {status!r}")
            return b""
        headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines)}
        expected = base64.b64encode(hashlib.sha1(self._key + _GUID).digest()).decode()
        if headers.get("sec-websocket-accept") != expected:
            self._fail("bad Sec-WebSocket-Accept")
            return b""
        self._open = True
        self.opened.set_result(None)
        return rest

    def _control(self, first: int, payload: bytes) -> None:
        opcode = first & 0x0F
        assert self.transport is not None
        if opcode == OP_PING:
            self.transport.write(_frame(OP_PONG, payload))
        elif opcode == OP_CLOSE:
            self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
            if not self.transport.is_closing():
                self.transport.write(_frame(OP_CLOSE, payload[:2]))
                self.transport.close()
            if not self.closed.done():
                self.closed.set_result(self.close_code)
        elif opcode != OP_PONG:
            self._fail(f"unexpected frame: opcode {opcode}, fin {bool(first & 0x80)}")

    def _fail(self, why: str) -> None:
        if not self.opened.done():
            self.opened.set_exception(HandshakeFailed(why))
        self.close_code = 1002
        if self.transport is not None:
            self.transport.abort()


def _ignore(payload: bytes) -> None:
    pass


async def connect(host: str, port: int, origin: str, path: str = "/ws") -> WsClient:
    """Open a WebSocket to ``ws://host:port{path}``; raises ``HandshakeFailed`` or
    ``OSError``. ``path``: another than ``/ws`` behind a proxy, e.g. ``/nodes/a/ws``."""
    loop = asyncio.get_running_loop()
    _, client = await loop.create_connection(lambda: WsClient(host, port, origin, path),
                                             host, port)
    await client.opened
    return client
