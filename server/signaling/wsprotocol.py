"""uvicorn's WebSocket protocol (the ``websockets-sansio`` implementation), lighter for
connections that sit idle for hours.

Hearth's chat connections spend nearly all their life waiting, and at thousands of them
what each one keeps while it waits is most of the server's memory (docs/performance.md,
issue 14). This subclass changes what a connection holds, and in one corner what it does (a
message handed to a reader cancelled in the same turn of the loop is lost: ``_Inbox``):

* ``asyncio.Queue`` (three deques and an ``asyncio.Event``, four more deques' worth:
  about 3 KiB even when empty) becomes ``_Inbox``: a message handed straight to the one
  reader waiting for it, or a short list while the app is busy;
* ``receive`` returns that reader's future instead of being a coroutine that awaits a
  coroutine that awaits it: two fewer live frames per idle connection;
* the ``writable`` ``asyncio.Event`` (a deque, 0.8 KiB) becomes ``_Writable``: a flag,
  with futures only while the transport is paused;
* the handshake's request and response, which uvicorn keeps for the connection's life
  (their headers about 2.5 KiB), are let go once the handshake is over; so is the
  request websockets' parser kept (``_ServerProtocol``);
* the HTTP protocol that read the upgrade request is freed at once (``HttpProtocol``),
  not left in a reference cycle for the collector: such garbage piles up between full
  collections, which a server with thousands of connections makes rare on purpose;
* what uvicorn's ``__init__`` sets on every connection but is the same for all of one
  server's (its config, app, loop, logger, ping settings, shared sets: ``_PER_SERVER``) is
  kept once, on a class made for that server (``WebSocketProtocol.__new__``), so that a
  connection keeps 23 attributes of its own instead of 35. Under CPython's limit of 30, its
  instances share one key table and store only their values: 1.4 KiB less a connection.

It leans on uvicorn's internals: which attributes the protocol reads (``queue``:
``put_nowait`` and ``empty``; ``writable``: ``wait``, ``set`` and ``clear``;
``request`` and ``response`` read only before the handshake completes; ``read_paused``
and the reading pause after each message; the HTTP protocol's ``parser`` and
``handle_websocket_upgrade``), and on websockets' ``ServerProtocol.parse`` reading the
handshake and then the frames through ``super().parse()``. Written and tested against
uvicorn 0.55 and websockets 17.4, so pyproject pins uvicorn to 0.55.x and websockets to 17.x
(17.4 on): a newer release is taken on purpose, with these tests run, not by accident.
tests/signaling/test_wsprotocol.py pins the behaviour relied on through a real server, so
a release that changes it fails there first.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from collections.abc import Coroutine, Generator
from typing import Any

from uvicorn._types import ASGIReceiveEvent, ASGISendEvent
from uvicorn.config import Config
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.server import ServerState
from websockets.http11 import Request
from websockets.protocol import Protocol
from websockets.server import ServerProtocol

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # no httptools: uvicorn reads HTTP with h11, which makes no such cycle
    HttpToolsProtocol = None  # type: ignore[assignment,misc]

__all__ = ["HTTP_PROTOCOL", "WebSocketProtocol"]


class _Inbox:
    """What uvicorn's protocol asks of its receive queue (``put_nowait``, ``empty``), for
    the one reader an ASGI connection has.

    One difference from ``asyncio.Queue``: a message arriving while the reader waits is
    handed to the reader's future at once, so if the reader's task is cancelled after that
    and before it runs again (a timeout firing in the same turn of the loop), the message
    goes with it; a queue would keep it for the next ``get``. Hearth's only timed receive
    is the wait for ``hello``, whose timeout closes the connection (4408) either way."""

    __slots__ = ("_messages", "_waiter")

    def __init__(self) -> None:
        # Messages the app has not asked for yet; None when there are none (an empty
        # deque is still 600 bytes a connection). A deque, not a list: a backlog can be a
        # whole socket read of small frames, taken one at a time from the front.
        self._messages: deque[ASGIReceiveEvent] | None = None
        # The reader's future while it waits; None otherwise.
        self._waiter: asyncio.Future[ASGIReceiveEvent] | None = None

    def put_nowait(self, message: ASGIReceiveEvent) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():  # done: cancelled (a timed-out wait)
            waiter.set_result(message)
            return
        if self._messages is None:
            self._messages = deque((message,))
        else:
            self._messages.append(message)

    def empty(self) -> bool:
        return not self._messages

    def take(self) -> ASGIReceiveEvent | None:
        """The oldest message not yet read, or None."""
        messages = self._messages
        if not messages:
            return None
        message = messages.popleft()
        if not messages:
            self._messages = None
        return message

    def wait(self, loop: asyncio.AbstractEventLoop) -> asyncio.Future[ASGIReceiveEvent]:
        """A future for the next message (the inbox is empty; one reader at a time)."""
        assert self._waiter is None or self._waiter.done(), "a second reader"
        self._waiter = waiter = loop.create_future()
        return waiter


class _Writable:
    """What uvicorn's protocol asks of its ``writable`` event (``wait``, ``set``,
    ``clear``): set unless asyncio has paused writing; futures only while it has."""

    __slots__ = ("_paused", "_waiters")

    def __init__(self) -> None:
        self._paused = False
        self._waiters: list[asyncio.Future[None]] | None = None

    def set(self) -> None:
        self._paused = False
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._paused = True

    async def wait(self) -> bool:
        if not self._paused:
            return True
        # One future per waiter, as asyncio.Event does: cancelling one waiter's task
        # cancels only its own future.
        waiter = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = [waiter]
        else:
            self._waiters.append(waiter)
        try:
            await waiter
        finally:
            if self._waiters is not None and waiter in self._waiters:
                self._waiters.remove(waiter)
        return True


class _HandshakeOnly(Protocol):
    def parse(self) -> Generator[None]:
        return  # frames are parsed by _ServerProtocol.parse, below
        yield


class _ServerProtocol(ServerProtocol, _HandshakeOnly):
    """websockets' server side, with a parser that does not keep the handshake request.

    ``ServerProtocol.parse`` reads the request into a local, then parses frames in the
    same generator frame for the connection's life (``yield from super().parse()``), so
    the request and its headers live as long as the connection. Here the ``super()`` in
    it reaches ``_HandshakeOnly.parse``, which ends at once, so ``ServerProtocol.parse``
    returns after the request and its frame goes; this parser goes on with the frames."""

    def parse(self) -> Generator[None]:
        yield from ServerProtocol.parse(self)
        yield from Protocol.parse(self)


# What uvicorn's ``__init__`` sets to the same object on every connection of one server.
# (Not ``default_headers``: the server makes that list anew every second, with the date.)
_PER_SERVER = ("app", "app_state", "asgi_version", "close_timeout", "config", "connections",
               "logger", "loop", "ping_interval", "ping_timeout", "root_path", "tasks")


def _shared(name: str, values: dict[str, Any]) -> property:
    def get(_: object) -> Any:
        return values[name]

    def set_(_: object, value: Any) -> None:
        # Every connection sets it again, to the same object; a uvicorn that gave one
        # connection its own would have it shared here by mistake, so it is refused.
        if values.setdefault(name, value) is not value:
            raise RuntimeError(f"uvicorn gave one connection its own {name!r}: "
                               "server/signaling/wsprotocol.py keeps it per server")
    return property(get, set_)


class WebSocketProtocol(WebSocketsSansIOProtocol):
    """``uvicorn.Config(ws=WebSocketProtocol)``: the sans-I/O protocol, with less kept
    per connection (see the module docstring)."""

    _per_server = False  # True on the class made for one server

    def __new__(cls, config: Config, *args: Any, **kwargs: Any) -> WebSocketProtocol:
        if cls._per_server:
            return super().__new__(cls)
        made = _CLASSES.get(config)
        if made is None:
            values: dict[str, Any] = {}
            namespace: dict[str, Any] = {name: _shared(name, values) for name in _PER_SERVER}
            namespace["_per_server"] = True
            made = _CLASSES[config] = type(cls.__name__, (cls,), namespace)
        return super().__new__(made)

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        # websockets' protocol as uvicorn made it, with its settings, becomes ours; its
        # parser, started by Protocol.__init__ on the class it was made with, is started
        # again so that it is _ServerProtocol.parse.
        self.conn.__class__ = _ServerProtocol
        self.conn.parser = self.conn.parse()
        next(self.conn.parser)
        self.queue: _Inbox = _Inbox()  # type: ignore[assignment]
        self.writable: _Writable = _Writable()  # type: ignore[assignment]

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        # uvicorn keeps the request for the connection's life but never reads it again:
        # the scope holds what the app needs of it.
        vars(self).pop("request", None)

    def send(self, message: ASGISendEvent) -> Coroutine[Any, Any, None]:
        if self.handshake_complete:
            return super().send(message)  # the hot path: one coroutine, as before
        return self._send_handshake(message)

    async def _send_handshake(self, message: ASGISendEvent) -> None:
        try:
            await super().send(message)
        finally:
            if self.handshake_complete:
                # Accepted, refused, or answered over HTTP: the response is written (or
                # never will be) and uvicorn reads it only before this point.
                vars(self).pop("response", None)

    def receive(self) -> asyncio.Future[ASGIReceiveEvent]:  # type: ignore[override]
        """The next message, as a future rather than a coroutine (an ASGI ``receive``
        need only return an awaitable). As in uvicorn, reading from the socket pauses
        when a message arrives and resumes once the app has taken every message: a
        client that writes faster than the app reads fills its own TCP window, not the
        server's memory."""
        message = self.queue.take()
        if message is None:
            waiter = self.queue.wait(self.loop)
            # Resumes reading when the message is handed over (uvicorn resumes when
            # ``queue.get`` returns it), so pongs and a close are read while the app
            # works on it. (Reading is never paused here: it pauses when a message
            # arrives, and this callback, added before the reader's own, resumes it
            # before the reader can ask again.)
            waiter.add_done_callback(self._taken)
            return waiter
        self._taken()
        ready: asyncio.Future[ASGIReceiveEvent] = self.loop.create_future()
        ready.set_result(message)
        return ready

    def _taken(self, _: object = None) -> None:
        if self.read_paused and self.queue.empty():
            self.read_paused = False
            self.transport.resume_reading()


# The class made for each server (its Config), which keeps that server's ``_PER_SERVER``.
_CLASSES: weakref.WeakKeyDictionary[Config, type[WebSocketProtocol]] = (
    weakref.WeakKeyDictionary())


if HttpToolsProtocol is not None:

    class HttpProtocol(HttpToolsProtocol):
        """uvicorn's httptools protocol, freed as soon as it has handed a connection to the
        WebSocket protocol. Its parser holds it (the parser's callbacks are its methods)
        and it holds its parser; ``connection_lost`` breaks that cycle, but after an
        upgrade the WebSocket protocol gets that call, so uvicorn leaves the pair, with
        the upgrade request's scope and headers and a flow-control event, to the cycle
        collector: about 2 KiB of garbage a connection until the next full collection."""

        def handle_websocket_upgrade(self) -> None:
            super().handle_websocket_upgrade()
            self.parser = None  # type: ignore[assignment]

    HTTP_PROTOCOL: type[asyncio.Protocol] | str = HttpProtocol
else:  # pragma: no cover - uvicorn[standard] brings httptools
    HTTP_PROTOCOL = "auto"
