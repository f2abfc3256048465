"""The WebSocket endpoint ``/ws``: one coroutine per connection.

Reads frames, enforces the session rules of PROTOCOL.md (Origin, hello in
time, token, flood limits), decodes at the edge and hands typed messages to
the hub. A bad frame is answered with ``error`` to its sender only; nothing
one client sends can reach another client's session except through the room
machine's rules.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import MutableMapping
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import Headers
from starlette.types import Receive, Scope, Send

from server import protocol as p
from server.auth.tokens import BadToken, Signer
from server.cluster.placement import Moved, PlacementUnavailable
from server.metrics import Metrics
from server.rooms.types import (
    CLOSE_MOVED,
    CLOSE_NO_HELLO,
    CLOSE_POLICY,
    CLOSE_TRY_LATER,
    CLOSE_UNAUTHORIZED,
    Identity,
)
from server.settings import Settings
from server.signaling.admission import gate_for
from server.signaling.connection import Connection
from server.signaling.hub import Hub
from server.signaling.staff_watch import StaffWatch

log = logging.getLogger("hearth.ws")


class Endpoint:
    """ASGI app for ``/ws``; one instance per server, holding no per-connection state."""

    def __init__(self, hub: Hub, signer: Signer, settings: Settings, metrics: Metrics) -> None:
        self._hub = hub
        self._signer = signer
        self._settings = settings
        self._metrics = metrics
        self._origins = settings.origins
        # The caps per address: this node's count, and every node's through Redis when
        # the node is one of several (server/signaling/admission.py).
        self._admission = gate_for(settings, hub.placement, signer.secret_key)
        self._staff = StaffWatch(self._staff_refusal, hub.close_staff,
                                 settings.staff_recheck_every)

    async def aclose(self) -> None:
        await self._staff.aclose()
        await self._admission.aclose()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Raw ASGI, not Starlette's WebSocket: that object, its headers and its receive
        # coroutine would live as long as the connection, for nothing the endpoint needs.
        address = scope["client"][0] if scope.get("client") else "unknown"
        if not await self._admission.enter(address):
            # Accepted first so the client sees a close code it can act on (back off).
            self._metrics.closes.labels(str(CLOSE_TRY_LATER)).inc()
            if await _accept(receive, send):
                await _close(send, CLOSE_TRY_LATER, "too many connections; try again later")
            return
        waiting = True
        try:
            if not await _accept(receive, send):
                return  # gone before the handshake finished
            origin = Headers(scope=scope).get("origin", "").rstrip("/")
            if origin not in self._origins:
                # Accepted first so the client sees the close code the contract names.
                self._metrics.closes.labels("1008").inc()
                await _close(send, CLOSE_POLICY, "origin not allowed")
                return
            # Origin was all the endpoint reads of the handshake's headers (a browser's come
            # to a kilobyte or two, cookies and all), and the scope lives as long as the
            # connection: uvicorn's protocol keeps it too. So they are let go now, and a
            # later read of them fails loudly instead of finding none.
            del scope["headers"]
            conn = Connection(self._hub.next_conn_id(), send, self._settings, time.monotonic())
            try:
                hello = await self._hello(receive, conn)
                await self._admission.said_hello(address)
                waiting = False
                if hello:
                    await self._read(receive, conn)
            finally:
                self._staff.discard(conn.id)
                self._hub.detach(conn)
                if conn.close_code is not None:
                    self._metrics.closes.labels(str(conn.close_code)).inc()
                await conn.flush()
        finally:
            await self._admission.leave(address, waiting=waiting)

    async def _hello(self, receive: Receive, conn: Connection) -> bool:
        try:
            first = await asyncio.wait_for(receive(), self._settings.hello_timeout)
        except TimeoutError:
            conn.close(CLOSE_NO_HELLO, "no hello")
            return False
        frame = _frame(first)
        if frame is None:
            return False  # disconnected before saying anything
        try:
            message = p.decode(frame)
        except p.ProtocolError as error:
            return self._refuse(conn, error.message, error.ref)
        if not isinstance(message, p.Hello):
            return self._refuse(conn, "the first message must be hello", message.ref)
        try:
            identity, session = self._signer.read_room_token(message.token,
                                                             self._settings.join_token_ttl)
        except BadToken:
            return self._refuse(conn, "the token is not valid or has expired", message.ref)
        if identity.role in p.STAFF_ROLES:
            try:
                why = await self._staff_refusal(identity, session)
            except Exception as exc:  # the database: fail closed, and let the client retry
                log.error("could not check a staff session: %s", type(exc).__name__)
                conn.close(CLOSE_TRY_LATER, "try again shortly")
                return False
            if why is not None:
                return self._refuse(conn, why, message.ref)
        if not await self._placed_here(conn, identity.room_id, message.ref):
            return False
        if identity.role in p.STAFF_ROLES:
            self._staff.add(conn.id, identity, session)
        return await self._hub.attach(conn, identity, message.features)

    async def _placed_here(self, conn: Connection, room_id: str, ref: str | None) -> bool:
        """Invariant 10: a room's clients are all on the node that runs it. A hello for a
        room another node runs is sent there (``error moved`` with its ``ws_url``, close
        4307); when no node can be given the room now (Redis unreachable, every node
        draining or full), ``error placement_unavailable`` and 1013: try again shortly."""
        try:
            claim = await self._hub.placement.claim(room_id)
        except PlacementUnavailable as error:
            log.warning("could not place a room: %s", error, extra={"room": room_id})
            self._metrics.placement_unavailable.inc()
            self._metrics.errors.labels("placement_unavailable").inc()
            conn.enqueue(p.encode(p.Error(
                code="placement_unavailable",
                message="the group cannot be opened just now; please try again in a minute",
                ref=ref)).decode())
            conn.close(CLOSE_TRY_LATER, "placement unavailable")
            return False
        if isinstance(claim, Moved):
            self._metrics.placed_elsewhere.inc()
            conn.enqueue(p.encode(p.Error(code="moved", ref=ref, ws_url=claim.ws_url,
                                          message="this group runs on another server")
                                  ).decode())
            conn.close(CLOSE_MOVED, "moved")
            return False
        self._metrics.placed_here.inc()
        return True

    async def _staff_refusal(self, identity: Identity, session: str | None) -> str | None:
        """Why a staff token may not enter now, or None. A staff token names the login
        session it was issued under: logging out, or an admin disabling the account,
        ends the session and so the token; a facilitator must still be assigned to the
        room (docs/protocol.md)."""
        store = self._hub.store
        staff = (await store.session_staff_by_id(session, datetime.now(UTC))
                 if session is not None else None)
        if staff is None or identity.participant_id != f"f_{staff.id}":
            return "your login has ended; please log in again"
        if staff.role == "facilitator" and not await store.is_assigned(identity.room_id,
                                                                       staff.id):
            return "you are not a facilitator of this group"
        return None

    def _refuse(self, conn: Connection, why: str, ref: str | None) -> bool:
        self._metrics.errors.labels("unauthorized").inc()
        conn.enqueue(p.encode(p.Error(code="unauthorized", message=why, ref=ref)).decode())
        conn.close(CLOSE_UNAUTHORIZED, "unauthorized")
        return False

    async def _read(self, receive: Receive, conn: Connection) -> None:
        hub = self._hub
        metrics = self._metrics
        while not conn.closed:
            event = await receive()
            frame = _frame(event)
            if frame is None:
                return
            now = time.monotonic()
            try:
                message = p.decode(frame)
            except p.ProtocolError as error:
                if not conn.admit(now, chat=False):
                    self._limited(conn, error.ref)
                    continue
                metrics.errors.labels(error.code).inc()
                conn.enqueue(p.encode(p.Error(code=error.code, message=error.message,
                                              ref=error.ref)).decode())
                continue
            if isinstance(message, p.Pong):
                # The answer to a ping not yet answered is free; any other pong counts
                # against the flood limits, and is dropped without a word.
                if not hub.pong(conn, message.n, now) and not conn.admit(now, chat=False):
                    self._limited(conn, message.ref)
                continue
            if not conn.admit(now, chat=isinstance(message, p.ChatSend)):
                self._limited(conn, message.ref)
                continue
            metrics.messages_in.labels(p.message_type(message)).inc()
            hub.receive(conn, message)

    def _limited(self, conn: Connection, ref: str | None) -> None:
        self._metrics.errors.labels("rate_limited").inc()
        if conn.flooding():
            conn.close_for_flood()
            return
        conn.enqueue(p.encode(p.Error(code="rate_limited", message="slow down a little",
                                      ref=ref)).decode())


# Protocol v1 speaks text frames only; a binary frame decodes as this, which
# the decoder rejects as bad JSON (a zero byte is never valid JSON).
_BINARY = b"\x00binary frame"


async def _accept(receive: Receive, send: Send) -> bool:
    """Complete the handshake; False if the client went away first."""
    if (await receive())["type"] != "websocket.connect":
        return False
    await send({"type": "websocket.accept"})
    return True


async def _close(send: Send, code: int, reason: str) -> None:
    await send({"type": "websocket.close", "code": code, "reason": reason})


def _frame(event: MutableMapping[str, Any]) -> str | bytes | None:
    """The text of a receive event; None when the peer disconnected."""
    if event["type"] == "websocket.disconnect":
        return None
    text = event.get("text")
    return str(text) if text is not None else _BINARY
