"""Outbound notices to the safeguarding lead: a real webhook receiver and a real SMTP server."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from server.safeguarding.notify import Notice, Notifier
from tests.harness import free_port

NOTICE = Notice(escalation_id="e_1", room_name="Mums' circle", severity="urgent",
                categories=("suicide",), link="http://127.0.0.1:8000/lead/escalations/e_1")


class Receiver:
    def __init__(self, fail_first: int = 0) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.fail_first = fail_first
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append((dict(self.headers), body))
                status = 503 if len(outer.requests) <= outer.fail_first else 204
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


async def test_webhook_is_signed_and_carries_no_excerpt(receiver: Receiver) -> None:
    notifier = Notifier(webhook_url=receiver.url, webhook_secret="s3cret")
    assert notifier.enabled
    await notifier.send(NOTICE)
    [(headers, body)] = receiver.requests
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-Hearth-Signature"] == f"sha256={expected}"
    data = json.loads(body)
    assert data["escalation"] == "e_1" and data["severity"] == "urgent"
    assert data["link"].endswith("/lead/escalations/e_1")
    assert "excerpt" not in data and "participant" not in json.dumps(data)


async def test_webhook_retries_once_and_failures_never_raise() -> None:
    flaky = Receiver(fail_first=1)
    try:
        await Notifier(webhook_url=flaky.url).send(NOTICE)
        assert len(flaky.requests) == 2
    finally:
        flaky.close()
    # Nobody listening: logged, not raised.
    await Notifier(webhook_url=f"http://127.0.0.1:{free_port()}/", timeout=1).send(NOTICE)


async def test_email_goes_to_the_lead_with_a_neutral_subject() -> None:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        notifier = Notifier(smtp_host="127.0.0.1", smtp_port=controller.port,
                            email_to="lead@example.org", email_from="hearth@example.org")
        await notifier.send(NOTICE)
    finally:
        controller.stop()
    [raw] = inbox.messages
    message = message_from_bytes(raw)
    assert message["To"] == "lead@example.org"
    assert message["Subject"] == "Hearth: an escalation needs you"
    text = message.get_payload()
    assert isinstance(text, str) and "/lead/escalations/e_1" in text


def test_nothing_configured_means_disabled() -> None:
    assert not Notifier().enabled
    assert not Notifier(smtp_host="127.0.0.1").enabled  # no recipient
