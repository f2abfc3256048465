"""The TOTP second factor (RFC 6238, as authenticator apps speak it): 30-second steps,
six digits, a code accepted in the step before or after the server's (clock drift), and
each code once only (``Store.use_totp_step``).

The secret is kept encrypted (Fernet) with a key derived from the server's secret key,
so a copy of the database alone does not let anyone make codes. Changing the secret key
makes the stored secrets unreadable: every member then needs an admin to reset their
second factor. Secrets are never logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken

ISSUER = "Hearth"
STEP_SECONDS = 30
DIGITS = 6
# Steps either side of now whose codes are accepted: a phone's clock a little off.
DRIFT_STEPS = 1
_KEY_LABEL = b"hearth.totp-secret.v1"


def new_secret() -> str:
    """A fresh base32 secret (160 bits, RFC 4226's recommendation)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=username, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The enrolment QR code as an SVG ``data:`` URL: an ``<img>`` the page's CSP allows
    (``img-src 'self' data:``), with no script and nothing fetched."""
    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=3))


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def clean_code(code: str) -> str:
    return "".join(ch for ch in code if not ch.isspace())


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step whose code ``code`` is (now, or one step either side), else None.
    The caller records the step so the same code is not accepted twice."""
    code = clean_code(code)
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = int((time.time() if now is None else now) // STEP_SECONDS)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        # Every candidate is compared, so the time taken does not say which one matched.
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


@dataclass(frozen=True, slots=True)
class SecretBox:
    """Encrypts TOTP secrets for the database with a key derived from the server's key."""

    secret_key: str

    def _fernet(self) -> Fernet:
        key = hmac.new(self.secret_key.encode(), _KEY_LABEL, hashlib.sha256).digest()
        return Fernet(base64.urlsafe_b64encode(key))

    def seal(self, secret: str) -> str:
        return self._fernet().encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str | None:
        """The secret, or None when it cannot be read (the server's key changed)."""
        try:
            return self._fernet().decrypt(sealed.encode()).decode()
        except (InvalidToken, ValueError):
            return None
