"""Outbound notices to the safeguarding lead: a real webhook receiver and a real SMTP server;
batches and caps (issue 9, item 3) with short windows, and the pure budget with its clock."""

from __future__ import annotations

import asyncio
import email.policy
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from server.safeguarding.notify import Notice, NoticeBudget, Notifier, Summary
from tests.harness import free_port

NOTICE = Notice(escalation_id="e_1", room_name="Mums' circle", severity="urgent",
                categories=("suicide",), link="http://127.0.0.1:8000/lead/escalations/e_1")


def notice(n: int, room: str = "Mums' circle") -> Notice:
    return Notice(escalation_id=f"e_{n}", room_name=room, severity="concern",
                  categories=(), link=f"http://127.0.0.1:8000/lead/escalations/e_{n}",
                  room_id=f"r_{room}")


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

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in list(self.requests)]

    async def wait_for(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        return self.bodies()


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


def assert_signed(headers: Any, body: bytes) -> None:
    """As a receiver checks it: HMAC over "timestamp." + body, and a recent timestamp."""
    stamp = headers["X-Hearth-Timestamp"]
    assert abs(int(stamp) - time.time()) < 300
    expected = hmac.new(b"s3cret", stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Hearth-Signature"], f"sha256={expected}")


def test_a_replayed_body_with_an_old_timestamp_does_not_verify() -> None:
    from server.safeguarding.notify import webhook_signature

    body = b'{"event":"escalation.raised"}'
    old = webhook_signature("s3cret", body, 1_700_000_000)
    fresh = webhook_signature("s3cret", body, 1_700_000_600)
    assert old["X-Hearth-Signature"] != fresh["X-Hearth-Signature"]  # the time is signed
    # The old signature does not verify under a new timestamp.
    recomputed = hmac.new(b"s3cret", b"1700000600." + body, hashlib.sha256).hexdigest()
    assert old["X-Hearth-Signature"] != f"sha256={recomputed}"


async def test_webhook_is_signed_and_carries_no_excerpt(receiver: Receiver) -> None:
    notifier = Notifier(webhook_url=receiver.url, webhook_secret="s3cret")
    assert notifier.enabled
    await notifier.send(NOTICE)
    [(headers, body)] = receiver.requests
    assert_signed(headers, body)
    data = json.loads(body)
    assert data["escalation"] == "e_1" and data["severity"] == "urgent"
    assert data["link"].endswith("/lead/escalations/e_1")
    assert "excerpt" not in data and "participant" not in json.dumps(data)


async def test_webhook_retries_once_and_failures_never_raise() -> None:
    flaky = Receiver(fail_first=1)
    try:
        await Notifier(webhook_url=flaky.url, batch_delay=0.1).send(NOTICE)
        assert len(flaky.requests) == 2
    finally:
        flaky.close()
    # Nobody listening: logged, not raised.
    await Notifier(webhook_url=f"http://127.0.0.1:{free_port()}/", timeout=1,
                   batch_delay=0.1).send(NOTICE)


async def test_email_goes_to_the_lead_with_a_neutral_subject() -> None:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        notifier = Notifier(smtp_host="127.0.0.1", smtp_port=controller.port,
                            email_to="lead@example.org", email_from="hearth@example.org",
                            batch_delay=0.1)
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


# -- batches and caps ----------------------------------------------------------------------


def test_the_budget_caps_each_room_and_the_deployment_and_counts_the_rest() -> None:
    budget = NoticeBudget(per_room=2, per_deployment=3, window=60)
    sent = [budget.admit(notice(n, room), now=10.0 + n)
            for n, room in enumerate(["A", "A", "A", "B", "B", "C"])]
    assert sent == [True, True, False, True, False, False]
    assert budget.over == 3
    assert budget.take_summary("L") == Summary(more=3, rooms=(("A", 1), ("B", 1), ("C", 1)),
                                               window=60, link="L")
    assert budget.take_summary("L") is None
    # Counting starts again when the window is over, opened by the next notice.
    assert budget.admit(notice(9, "A"), now=69.9) is False
    assert budget.admit(notice(10, "A"), now=70.0) is True
    assert budget.window_end == 130.0


async def test_a_burst_goes_out_as_one_signed_webhook_listing_every_notice(
        receiver: Receiver) -> None:
    notifier = Notifier(webhook_url=receiver.url, webhook_secret="s3cret", batch_delay=0.3)
    await asyncio.gather(*(notifier.send(notice(n)) for n in range(4)))
    [(headers, body)] = receiver.requests
    assert_signed(headers, body)
    data = json.loads(body)
    assert data["event"] == "escalations.raised" and data["count"] == 4
    assert [e["escalation"] for e in data["escalations"]] == ["e_0", "e_1", "e_2", "e_3"]
    assert "participant" not in body.decode() and "excerpt" not in body.decode()
    # A lone notice still goes out, once the short wait is over.
    started = time.monotonic()
    await notifier.send(notice(9))
    assert 0.3 <= time.monotonic() - started < 2
    assert receiver.bodies()[-1]["escalation"] == "e_9"


async def test_past_the_caps_one_summary_a_window_then_notices_again(receiver: Receiver) -> None:
    notifier = Notifier(webhook_url=receiver.url, webhook_secret="s3cret", batch_delay=0.1,
                        window=1.0, per_room=2, per_deployment=3)
    burst = [notice(n, "A") for n in range(5)] + [notice(5, "B"), notice(6, "B")]
    started = time.monotonic()
    await asyncio.gather(*(notifier.send(n) for n in burst))
    [listed] = receiver.bodies()
    assert [e["escalation"] for e in listed["escalations"]] == ["e_0", "e_1", "e_5"]
    # More of the same in this window: nothing more goes out now...
    await asyncio.gather(*(notifier.send(notice(n, "A")) for n in range(10, 20)))
    assert len(receiver.requests) == 1
    # ...but one summary at the window's end, naming no one, linking to Hearth.
    bodies = await receiver.wait_for(2)
    assert time.monotonic() - started >= 0.9
    summary = bodies[1]
    assert summary == {"event": "escalations.summary", "more": 14,
                       "rooms": [{"room": "A", "more": 13}, {"room": "B", "more": 1}],
                       "window_seconds": 1.0, "link": "http://127.0.0.1:8000/lead"}
    headers, body = receiver.requests[1]
    assert_signed(headers, body)
    await asyncio.sleep(0.3)
    assert len(receiver.requests) == 2  # one summary, not one per notice
    # A new window: notices go out one by one again.
    await notifier.send(notice(30, "A"))
    assert receiver.bodies()[-1]["escalation"] == "e_30"


async def test_closing_sends_the_waiting_batch_and_summary_at_once(receiver: Receiver) -> None:
    notifier = Notifier(webhook_url=receiver.url, batch_delay=30, window=600, per_room=1)
    sending = [asyncio.create_task(notifier.send(notice(n))) for n in range(3)]
    await asyncio.sleep(0.05)
    started = time.monotonic()
    await notifier.aclose()
    await asyncio.gather(*sending)
    assert time.monotonic() - started < 5
    assert [b["event"] for b in receiver.bodies()] == ["escalation.raised",
                                                       "escalations.summary"]
    assert receiver.bodies()[1]["more"] == 2


async def test_a_burst_is_one_email_listing_every_escalation() -> None:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        notifier = Notifier(smtp_host="127.0.0.1", smtp_port=controller.port,
                            email_to="lead@example.org", batch_delay=0.2, window=0.5,
                            per_room=3)
        await asyncio.gather(*(notifier.send(notice(n)) for n in range(5)))
        deadline = time.monotonic() + 5
        while len(inbox.messages) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    finally:
        controller.stop()
    listed, summary = (message_from_bytes(raw, policy=email.policy.default)
                       for raw in inbox.messages)
    assert listed["Subject"] == "Hearth: escalations need you"
    text = listed.get_content()
    assert isinstance(text, str) and text.startswith("3 escalations were raised.")
    assert all(f"/lead/escalations/e_{n}" in text for n in range(3))
    assert "e_3" not in text
    assert summary["Subject"] == "Hearth: more escalations need you"
    text = summary.get_content()
    assert isinstance(text, str)
    assert text.startswith("2 more escalations in the last 0.5 seconds (Mums' circle: 2).")
    assert "http://127.0.0.1:8000/lead" in text
