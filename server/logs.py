"""Structured (JSON) logs that never carry a participant's address, a token or chat text.

Hearth's own log calls pass ids and outcomes only. Uvicorn's loggers are the
risk: its access log prints client addresses, and its WebSocket handshake
lines ("<addr> - "WebSocket /ws" [accepted]") do too, so those are dropped
here (ARCHITECTURE.md invariant 9).
"""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter


class DropClientAddresses(logging.Filter):
    """Drop uvicorn's per-connection lines, whose first argument is the client address."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if message.startswith("%s - ") or "WebSocket connection" in message:
            return False
        # uvicorn adds an ANSI-coloured copy of each message; JSON logs don't want it.
        record.__dict__.pop("color_message", None)
        return True


class OncePerMinute(logging.Filter):
    """Let one record of each message template (its first line) through per ``every``.

    aiortc warns once per undecodable packet: a client sending garbage would otherwise
    write fifty lines a second into the server's logs. asyncio reports each failed
    ``accept()`` (out of file descriptors) with the socket's details on later lines:
    one address once wrote 60 MB of them in 15 s.
    """

    def __init__(self, every: float = 60.0) -> None:
        super().__init__()
        self._every = every
        self._last: dict[str, float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = str(record.msg).split("\n", 1)[0]
        last = self._last.get(key)
        if last is not None and record.created - last < self._every:
            return False
        if len(self._last) > 1000:
            self._last.clear()
        self._last[key] = record.created
        return True


def configure(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter("{asctime}{levelname}{name}{message}", style="{",
                                       rename_fields={"levelname": "level", "asctime": "time"}))
    handler.addFilter(DropClientAddresses())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
        logger.addFilter(DropClientAddresses())
    # aioice logs every ICE check at INFO with both ends' addresses (invariant 9), and
    # aiortc's INFO lines are per-connection chatter: only their problems are wanted.
    for name in ("aioice", "aiortc"):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("aiortc.rtcrtpreceiver").addFilter(OncePerMinute())
    # The event loop's own errors (failed accepts above all): at most one a second each.
    logging.getLogger("asyncio").addFilter(OncePerMinute(every=1.0))
    # Alembic announces every start-up check at INFO; only problems matter.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # The access log is nothing but client addresses and paths (join links carry invite codes).
    access = logging.getLogger("uvicorn.access")
    access.handlers[:] = []
    access.propagate = False
    access.disabled = True
