"""Outbound notice to the safeguarding lead that an escalation was raised.

Both channels are optional and configured by settings: a webhook (JSON POST,
signed with HMAC-SHA256 when a secret is set) and an email (plain SMTP, sent
from a worker thread). The notice carries no chat excerpt and no participant
name: it says that something needs the lead and links to Hearth, where the
details are behind a login. A failed notice is logged and never blocks or
undoes the escalation, which is already durable and shown live in Hearth.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

import httpx

log = logging.getLogger("hearth.notify")


@dataclass(frozen=True, slots=True)
class Notice:
    escalation_id: str
    room_name: str
    severity: str
    categories: tuple[str, ...]
    link: str

    def body(self) -> dict[str, object]:
        return {"event": "escalation.raised", "escalation": self.escalation_id,
                "room": self.room_name, "severity": self.severity,
                "categories": list(self.categories), "link": self.link}


class Notifier:
    def __init__(self, *, webhook_url: str | None = None, webhook_secret: str | None = None,
                 smtp_host: str | None = None, smtp_port: int = 25,
                 email_to: str | None = None, email_from: str = "hearth@localhost",
                 timeout: float = 5.0) -> None:
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.smtp_host = smtp_host
        self.smtp_port = smtp_port
        self.email_to = email_to
        self.email_from = email_from
        self.timeout = timeout

    @property
    def enabled(self) -> bool:
        return bool(self.webhook_url or (self.smtp_host and self.email_to))

    async def send(self, notice: Notice) -> None:
        """Send on every configured channel; failures are logged, never raised."""
        jobs = []
        if self.webhook_url:
            jobs.append(self._webhook(self.webhook_url, notice))
        if self.smtp_host and self.email_to:
            jobs.append(asyncio.to_thread(self._email, notice))
        for result in await asyncio.gather(*jobs, return_exceptions=True):
            if isinstance(result, BaseException):
                log.warning("escalation notice failed",
                            extra={"escalation": notice.escalation_id, "error": repr(result)})

    async def _webhook(self, url: str, notice: Notice) -> None:
        body = json.dumps(notice.body(), separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"}
        if self.webhook_secret:
            digest = hmac.new(self.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
            headers["X-Hearth-Signature"] = f"sha256={digest}"
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

    def _email(self, notice: Notice) -> None:
        message = EmailMessage()
        message["From"] = self.email_from
        message["To"] = self.email_to
        # Neutral subject: it may be read on a lock screen.
        message["Subject"] = "Hearth: an escalation needs you"
        categories = ", ".join(notice.categories) or "not given"
        message.set_content(
            f"A {notice.severity} escalation was raised in {notice.room_name}.\n"
            f"Categories: {categories}\n\n"
            f"Please open it in Hearth: {notice.link}\n"
        )
        assert self.smtp_host is not None
        with smtplib.SMTP(self.smtp_host, self.smtp_port, timeout=self.timeout) as smtp:
            smtp.send_message(message)
