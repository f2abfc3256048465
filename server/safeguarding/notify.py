"""Outbound notices to the safeguarding lead that escalations were raised.

Both channels are optional and configured by settings: a webhook (JSON POST,
signed with HMAC-SHA256 when a secret is set) and an email (plain SMTP, sent
from a worker thread). A notice carries no chat excerpt and no participant
name: it says that something needs the lead and links to Hearth, where the
details are behind a login. A failed notice is logged and never blocks or
undoes the escalation, which is already durable and shown live in Hearth.

A burst must not become a burst on the lead's phone (issue 9, item 3):

- **Batched.** A notice waits up to ``BATCH_DELAY`` seconds for others; those
  that arrive meanwhile go out with it as one webhook POST and one email that
  list them all. A lone notice goes out as it always did, that much later.
- **Capped.** At most ``PER_ROOM`` notices for one room and ``PER_DEPLOYMENT``
  in all go out in a window of ``CAP_WINDOW`` seconds. Beyond that nothing goes
  out one by one: at the end of the window ONE summary says how many more
  escalations there were (by room) and links to Hearth.

Only the messages are shaped here: every escalation is stored and shown live
to the lead whatever this module sends. The caps count in this process, so
with several nodes each node has its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import smtplib
import time
from collections import Counter
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx

log = logging.getLogger("hearth.notify")


def webhook_signature(secret: str, body: bytes, timestamp: int) -> dict[str, str]:
    """The headers that sign a webhook body. The signature covers the time it was sent,
    so a receiver that rejects timestamps more than five minutes old cannot be made to
    act on a notice captured and replayed later."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return {"X-Hearth-Timestamp": str(timestamp), "X-Hearth-Signature": f"sha256={digest}"}

# Seconds a notice waits for others to go out with it. Escalations come in bursts
# (one room's crisis touching several people, a restart re-routing overdue alerts,
# a flood): two seconds gathers a burst into one message, and is nothing beside the
# minutes a lead takes to see a phone.
BATCH_DELAY = 2.0
# The window the caps count in, and how often a summary may go out.
CAP_WINDOW = 60.0
# Notices one room may send a window. A real crisis in a group is one or two
# escalations a minute; five leaves room for a hard session, and past that the
# lead is better served by one "N more: open Hearth" than by a buzzing phone.
PER_ROOM = 5
# Notices the whole deployment may send a window: several rooms' worth of the
# above, and still a number a lead can read. More is a flood or an incident, and
# Hearth (not email) is where the lead should be looking.
PER_DEPLOYMENT = 20


@dataclass(frozen=True, slots=True)
class Notice:
    escalation_id: str
    room_name: str
    severity: str
    categories: tuple[str, ...]
    link: str
    # What the per-room cap counts by: the room's id when given, else its name.
    room_id: str | None = None

    @property
    def room_key(self) -> str:
        return self.room_id or self.room_name

    def body(self) -> dict[str, object]:
        return {"event": "escalation.raised", "escalation": self.escalation_id,
                "room": self.room_name, "severity": self.severity,
                "categories": list(self.categories), "link": self.link}

    def text(self) -> str:
        categories = ", ".join(self.categories) or "not given"
        return (f"A {self.severity} escalation was raised in {self.room_name}.\n"
                f"Categories: {categories}\n\n"
                f"Please open it in Hearth: {self.link}\n")


@dataclass(frozen=True, slots=True)
class Summary:
    """Escalations past the caps in one window: how many, and in which rooms."""

    more: int
    rooms: tuple[tuple[str, int], ...]  # (room name, how many), most first
    window: float
    link: str

    def body(self) -> dict[str, object]:
        return {"event": "escalations.summary", "more": self.more,
                "rooms": [{"room": name, "more": n} for name, n in self.rooms],
                "window_seconds": self.window, "link": self.link}

    def text(self) -> str:
        span = "minute" if self.window == 60 else f"{self.window:g} seconds"
        rooms = ", ".join(f"{name}: {n}" for name, n in self.rooms)
        return (f"{self.more} more escalation{'s' if self.more != 1 else ''} "
                f"in the last {span} ({rooms}).\n"
                "So many are not sent one by one.\n\n"
                f"Please open Hearth: {self.link}\n")


class NoticeBudget:
    """Which notices may go out one by one (pure: ``now`` is passed in).

    Windows of ``window`` seconds, each opened by the first notice after the last
    one closed; every room and the whole deployment have a cap per window. A notice
    past a cap is counted instead, for the summary (``take_summary``).
    """

    def __init__(self, *, per_room: int = PER_ROOM, per_deployment: int = PER_DEPLOYMENT,
                 window: float = CAP_WINDOW) -> None:
        self.per_room = per_room
        self.per_deployment = per_deployment
        self.window = window
        self._start: float | None = None
        self._sent: Counter[str] = Counter()
        self._over: Counter[str] = Counter()
        self._names: dict[str, str] = {}

    @property
    def window_end(self) -> float:
        return (self._start or 0.0) + self.window

    @property
    def over(self) -> int:
        """Notices counted for the next summary."""
        return sum(self._over.values())

    def admit(self, notice: Notice, now: float) -> bool:
        """True: send ``notice``; False: it is counted for the window's summary."""
        if self._start is None or now >= self.window_end:
            self._start = now
            self._sent.clear()
        key = notice.room_key
        if self._sent.total() < self.per_deployment and self._sent[key] < self.per_room:
            self._sent[key] += 1
            return True
        self._over[key] += 1
        self._names[key] = notice.room_name
        return False

    def take_summary(self, link: str) -> Summary | None:
        """The notices counted so far, as one summary (and the count starts again)."""
        if not self._over:
            return None
        rooms = tuple((self._names[key], n) for key, n in self._over.most_common())
        summary = Summary(more=self.over, rooms=rooms, window=self.window, link=link)
        self._over.clear()
        self._names.clear()
        return summary


@dataclass(slots=True)
class _Batch:
    notices: list[Notice]
    done: asyncio.Future[None]
    wake: asyncio.Event


class Notifier:
    def __init__(self, *, webhook_url: str | None = None, webhook_secret: str | None = None,
                 smtp_host: str | None = None, smtp_port: int = 25,
                 email_to: str | None = None, email_from: str = "hearth@localhost",
                 timeout: float = 5.0, batch_delay: float = BATCH_DELAY,
                 window: float = CAP_WINDOW, per_room: int = PER_ROOM,
                 per_deployment: int = PER_DEPLOYMENT, lead_url: str | None = None) -> None:
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.smtp_host = smtp_host
        self.smtp_port = smtp_port
        self.email_to = email_to
        self.email_from = email_from
        self.timeout = timeout
        self.batch_delay = batch_delay
        # Where a summary sends the lead; without one, taken from the notices' links.
        self.lead_url = lead_url
        self.budget = NoticeBudget(per_room=per_room, per_deployment=per_deployment,
                                   window=window)
        self._batch: _Batch | None = None
        self._summary: asyncio.Task[None] | None = None
        self._summary_wake: asyncio.Event | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False

    @property
    def enabled(self) -> bool:
        return bool(self.webhook_url or (self.smtp_host and self.email_to))

    async def send(self, notice: Notice) -> None:
        """Queue ``notice``; returns once the message it went out in was sent (or only
        counted for a summary). Failures are logged, never raised."""
        if not self.enabled:
            return
        if self.lead_url is None and "/lead/" in notice.link:
            self.lead_url = notice.link.split("/lead/", 1)[0] + "/lead"
        batch = self._batch
        if batch is None:
            loop = asyncio.get_running_loop()
            batch = self._batch = _Batch([], loop.create_future(), asyncio.Event())
            self._spawn(self._flush_later(batch))
        batch.notices.append(notice)
        await asyncio.shield(batch.done)

    async def aclose(self) -> None:
        """Send what waits (the open batch, the window's summary) now, for a shutdown."""
        self._closing = True
        if self._batch is not None:
            self._batch.wake.set()
        if self._summary_wake is not None:
            self._summary_wake.set()
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- batching and caps ----------------------------------------------------------

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _flush_later(self, batch: _Batch) -> None:
        try:
            if not self._closing:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(batch.wake.wait(), self.batch_delay)
            self._batch = None
            now = asyncio.get_running_loop().time()
            listed = [notice for notice in batch.notices if self.budget.admit(notice, now)]
            # The summary ("and N more") goes out after the notices it follows, even when
            # closing sends both at once.
            delivered = asyncio.Event()
            if self.budget.over and self._summary is None:
                wake = self._summary_wake = asyncio.Event()
                delay = 0.0 if self._closing else max(0.0, self.budget.window_end - now)
                self._summary = self._spawn(self._summary_later(wake, delay, delivered))
            try:
                if listed:
                    await self._deliver(listed)
            finally:
                delivered.set()
        finally:
            if self._batch is batch:
                self._batch = None
            if not batch.done.done():
                batch.done.set_result(None)

    async def _summary_later(self, wake: asyncio.Event, delay: float,
                             after: asyncio.Event) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), delay)
        await after.wait()
        self._summary = None
        self._summary_wake = None
        summary = self.budget.take_summary(self.lead_url or "")
        if summary is not None:
            await self._deliver_summary(summary)

    # -- channels -------------------------------------------------------------------

    async def _deliver(self, notices: Sequence[Notice]) -> None:
        if len(notices) == 1:
            (notice,) = notices
            body = notice.body()
            subject = "Hearth: an escalation needs you"
            text = notice.text()
        else:
            body = {"event": "escalations.raised", "count": len(notices),
                    "escalations": [notice.body() for notice in notices]}
            subject = "Hearth: escalations need you"
            text = (f"{len(notices)} escalations were raised.\n\n"
                    + "\n".join(notice.text() for notice in notices))
        await self._on_channels(body, subject, text,
                                [notice.escalation_id for notice in notices])

    async def _deliver_summary(self, summary: Summary) -> None:
        await self._on_channels(summary.body(), "Hearth: more escalations need you",
                                summary.text(), [])

    async def _on_channels(self, body: dict[str, object], subject: str, text: str,
                           escalations: list[str]) -> None:
        """Send on every configured channel; failures are logged, never raised."""
        jobs = []
        if self.webhook_url:
            jobs.append(self._webhook(self.webhook_url, body))
        if self.smtp_host and self.email_to:
            jobs.append(asyncio.to_thread(self._email, subject, text))
        for result in await asyncio.gather(*jobs, return_exceptions=True):
            if isinstance(result, BaseException):
                log.warning("escalation notice failed",
                            extra={"escalations": escalations, "error": repr(result)})

    async def _webhook(self, url: str, data: dict[str, object]) -> None:
        body = json.dumps(data, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"}
        if self.webhook_secret:
            headers.update(webhook_signature(self.webhook_secret, body, int(time.time())))
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            # Two tries: a receiver restarting should not lose the notice.
            for attempt in (1, 2):
                try:
                    response = await client.post(url, content=body, headers=headers)
                    response.raise_for_status()
                    return
                except httpx.HTTPError:
                    if attempt == 2:
                        raise
                    await asyncio.sleep(0.5)

    def _email(self, subject: str, text: str) -> None:
        message = EmailMessage()
        message["From"] = self.email_from
        message["To"] = self.email_to
        # Neutral subject: it may be read on a lock screen.
        message["Subject"] = subject
        message.set_content(text)
        assert self.smtp_host is not None
        with smtplib.SMTP(self.smtp_host, self.smtp_port, timeout=self.timeout) as smtp:
            smtp.send_message(message)
