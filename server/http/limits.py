"""Request bodies are capped before they are read, not after.

Starlette's ``request.body()`` and ``request.form()`` read the whole body into
memory first, so a size check after them comes too late: unauthenticated 200 MB
bodies once took a server from 217 MB to 1.2 GB. This middleware refuses a body
whose ``Content-Length`` is over the limit without reading any of it, and stops a
body sent without one (chunked) as soon as it passes the limit.
"""

from __future__ import annotations

import json

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.programme.debriefs import TEXT_MAX
from server.safeguarding.directory import MAX_BYTES

# Every form and JSON body Hearth takes is small (a login, a note on an escalation);
# the directory an admin edits is the one large document, whose limit is its own
# (``directory.MAX_BYTES`` of JSON, refused in words by ``directory.parse``). These let
# through any directory within it, so that it is the one refusing: as sent to the API,
# and as a form post, where escaping may triple it (%XX for each byte of Urdu) and the
# entries' form adds its fields' names.
DEFAULT_LIMIT = 32 * 1024
DIRECTORY_FORM_LIMIT = 3 * MAX_BYTES + 64 * 1024
LIMITS = {"/api/directory": MAX_BYTES + 1024, "/admin/directory": DIRECTORY_FORM_LIMIT,
          "/admin/directory/entries": DIRECTORY_FORM_LIMIT}
# A volunteer's debrief (/account/hours/{entry}/debrief): three answers of up to TEXT_MAX
# characters, which in Urdu are two bytes a letter, each escaped as %XX in a form post, and
# the rest of the form. Over the default, and a debrief refused whole would lose it all.
DEBRIEF_FORM_LIMIT = 3 * TEXT_MAX * 2 * 3 + 8 * 1024


def limit_for(path: str) -> int:
    """The largest body ``path`` takes."""
    if path.startswith("/account/hours/") and path.endswith("/debrief"):
        return DEBRIEF_FORM_LIMIT
    return LIMITS.get(path, DEFAULT_LIMIT)

_TOO_LARGE = json.dumps({"error": {"code": "bad_request",
                                   "message": "request body too large"}}).encode()


class BodyLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send)
            return
        received = 0
        over = False
        started = False

        async def capped_receive() -> Message:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # To the app, the client went away: nothing more is buffered.
                    over = True
                    return {"type": "http.disconnect"}
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if over and not started:
                return  # the app's answer to a cut-off body; ours goes instead
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, capped_receive, watched_send)
        except ClientDisconnect:
            if not over:
                raise
        if over and not started:
            await _refuse(send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send) -> None:
    await send({"type": "http.response.start", "status": 413, "headers": [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(_TOO_LARGE)).encode()),
        (b"connection", b"close"),
    ]})
    await send({"type": "http.response.body", "body": _TOO_LARGE})
