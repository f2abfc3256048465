"""One WebSocket connection's outgoing side and its flood limits.

Sending never blocks the caller: the hub fans one encoded message out to many
connections from inside another connection's handler, so a recipient that
reads slowly must cost only itself.

A frame for a connection with nothing queued goes to its transport at once:
uvicorn's ``send`` finishes without waiting while the socket takes data, so it
is stepped by hand and needs no task. (A task per delivery was most of a chat
message's fan-out cost, and its leftovers most of the young objects the
garbage collector walks: docs/performance.md.) Only when the transport is
paused (the peer reads slowly) does a drain task finish that send, and frames
after it wait in a bounded outbox behind it. Idle connections carry no task
and no queue, which keeps memory per connection small.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, cast

from starlette.types import Send

from server.auth.ratelimit import TokenBucket
from server.rooms.types import CLOSE_FLOODING, CLOSE_POLICY
from server.settings import Settings

log = logging.getLogger("hearth.ws")
_Step = Coroutine[Any, Any, None]  # an ASGI send in progress


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
        # Frames waiting behind a send the transport paused; empty whenever ``_drain``
        # is None (made on first need: most connections never need one).
        self._outbox: deque[str | _CloseFrame] | None = None
        self._drain: asyncio.Task[None] | None = None
        self.closed = False
        self.close_code: int | None = None
        self.message_bucket = TokenBucket(settings.ws_burst, settings.ws_per_second, now)
        self._chat_bucket = TokenBucket(settings.chat_burst, settings.chat_per_second, now)
        self._strikes: deque[float] | None = None  # refusals, made on the first one

    # -- sending --------------------------------------------------------------

    def enqueue(self, text: str) -> None:
        """Send one text frame, or queue it behind a paused send; returns at once.
        Dropped after close."""
        if self.closed:
            return
        if self._drain is None:
            self._send_now(text)
            return
        outbox = self._queue()
        if len(outbox) >= self._settings.outbox_limit:
            # Thousands of unread messages: the client is gone or stuck. Closing
            # it protects the server's memory and everyone else's latency.
            self.close(CLOSE_POLICY, "not reading")
            return
        outbox.append(text)

    def close(self, code: int, reason: str = "") -> None:
        """Send what is queued, then close with ``code``. Idempotent."""
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        self._queue().append(_CloseFrame(code, reason))  # after the frames already queued
        if self._drain is None:
            self._drain = asyncio.get_running_loop().create_task(self._run_drain())

    def _queue(self) -> deque[str | _CloseFrame]:
        if self._outbox is None:
            self._outbox = deque()
        return self._outbox

    def _send_now(self, text: str) -> None:
        # An ASGI server's send is an ``async def`` (uvicorn's is): a coroutine to step.
        step = cast(_Step, self._asgi_send({"type": "websocket.send", "text": text}))
        try:
            waiting = step.send(None)
        except StopIteration:
            return  # handed to the transport
        except (OSError, RuntimeError):
            self._lost()
            return
        except Exception:
            # This runs inside the sender's fan-out: whatever went wrong with this one
            # connection must not stop the others' deliveries or the sender's handler.
            log.exception("could not send to a connection; treating it as gone")
            self._lost()
            return
        # The transport is paused: a task finishes this send, and later frames queue.
        self._drain = asyncio.get_running_loop().create_task(self._run_drain(step, waiting))

    def _lost(self) -> None:
        # The peer vanished mid-send (uvicorn raises ClientDisconnected, an OSError).
        # The receive loop sees the disconnect and cleans up.
        self.closed = True
        if self._outbox is not None:
            self._outbox.clear()

    async def _run_drain(self, started: _Step | None = None,
                         waiting: object = None) -> None:
        try:
            if started is not None:
                await _finish(started, waiting)
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
            self._lost()
        finally:
            self._drain = None
            self._outbox = None  # drained (or lost): an idle connection keeps no queue

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
            if self._strikes is None:
                self._strikes = deque()
            self._strikes.append(now)
            while self._strikes and self._strikes[0] < now - self._settings.flood_window:
                self._strikes.popleft()
        return ok

    def flooding(self) -> bool:
        return self._strikes is not None and len(self._strikes) >= self._settings.flood_strikes

    def close_for_flood(self) -> None:
        self.close(CLOSE_FLOODING, "flooding")


async def _finish(step: _Step, waiting: object) -> None:
    """Run ``step``, a coroutine already stepped once that yielded ``waiting``, to its
    end, as a task would: resume it each time what it waits for is done (it reads that
    outcome itself). Closed if this is cancelled, so it is never left half-run."""
    try:
        while True:
            if isinstance(waiting, asyncio.Future):
                await asyncio.wait([waiting])
            else:
                await asyncio.sleep(0)  # a bare yield: give the loop a turn
            try:
                waiting = step.send(None)
            except StopIteration:
                return
    except BaseException:
        step.close()
        raise
