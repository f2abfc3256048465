"""One WebSocket connection's outgoing side and its flood limits.

Sending never blocks the caller: the hub fans one encoded message out to many
connections from inside another connection's handler, so a recipient that
reads slowly must cost only itself. Each connection has a bounded outbox; a
drain task exists only while there is something to send (idle connections
carry no task, which keeps memory per connection small).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from dataclasses import dataclass

from starlette.types import Send

from server.auth.ratelimit import TokenBucket
from server.rooms.types import CLOSE_FLOODING, CLOSE_POLICY
from server.settings import Settings


@dataclass(frozen=True, slots=True)
class _CloseFrame:
    code: int
    reason: str


class Connection:
    __slots__ = (
        "_asgi_send",
        "_chat_bucket",
        "_drain",
        "_outbox",
        "_settings",
        "_strikes",
        "close_code",
        "closed",
        "id",
        "message_bucket",
    )

    def __init__(self, conn_id: int, asgi_send: Send, settings: Settings, now: float) -> None:
        self.id = conn_id
        self._asgi_send = asgi_send
        self._settings = settings
        self._outbox: deque[str | _CloseFrame] = deque()
        self._drain: asyncio.Task[None] | None = None
        self.closed = False
        self.close_code: int | None = None
        self.message_bucket = TokenBucket(settings.ws_burst, settings.ws_per_second, now)
        self._chat_bucket = TokenBucket(settings.chat_burst, settings.chat_per_second, now)
        self._strikes: deque[float] = deque()

    # -- sending --------------------------------------------------------------

    def enqueue(self, text: str) -> None:
        """Queue one text frame; returns at once. Dropped after close."""
        if self.closed:
            return
        if len(self._outbox) >= self._settings.outbox_limit:
            # Thousands of unread messages: the client is gone or stuck. Closing
            # it protects the server's memory and everyone else's latency.
            self.close(CLOSE_POLICY, "not reading")
            return
        self._outbox.append(text)
        if self._drain is None:
            self._drain = asyncio.get_running_loop().create_task(self._run_drain())

    def close(self, code: int, reason: str = "") -> None:
        """Send what is queued, then close with ``code``. Idempotent."""
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        self._outbox.append(_CloseFrame(code, reason))  # after the frames already queued
        if self._drain is None:
            self._drain = asyncio.get_running_loop().create_task(self._run_drain())

    async def _run_drain(self) -> None:
        try:
            while self._outbox:
                item = self._outbox.popleft()
                if isinstance(item, _CloseFrame):
                    self._outbox.clear()
                    await self._asgi_send(
                        {"type": "websocket.close", "code": item.code, "reason": item.reason}
                    )
                    return
                await self._asgi_send({"type": "websocket.send", "text": item})
        except (OSError, RuntimeError):
            # The peer vanished mid-send (uvicorn raises ClientDisconnected, an
            # OSError). The receive loop sees the disconnect and cleans up.
            self.closed = True
            self._outbox.clear()
        finally:
            self._drain = None

    async def flush(self) -> None:
        """Wait until the outbox has been handed to the transport (used on shutdown)."""
        while self._drain is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(self._drain)

    # -- flood control ----------------------------------------------------------

    def admit(self, now: float, *, chat: bool) -> bool:
        """Spend from the buckets; False means answer ``rate_limited``.

        Refusals are counted: ``flood_strikes`` of them within ``flood_window``
        seconds is a sustained flood, and the caller closes with 4429.
        """
        ok = self.message_bucket.take(now) and (not chat or self._chat_bucket.take(now))
        if not ok:
            self._strikes.append(now)
            while self._strikes and self._strikes[0] < now - self._settings.flood_window:
                self._strikes.popleft()
        return ok

    def flooding(self) -> bool:
        return len(self._strikes) >= self._settings.flood_strikes

    def close_for_flood(self) -> None:
        self.close(CLOSE_FLOODING, "flooding")
