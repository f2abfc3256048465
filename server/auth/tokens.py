"""Signed, expiring tokens: join tokens, session cookies, CSRF tokens, device ids.

itsdangerous signs with the server's secret key; each use has its own salt so
a token made for one purpose is worthless for another.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

from server.rooms.types import Identity

JOIN_SALT = "hearth.join.v1"
SESSION_SALT = "hearth.session.v1"
CSRF_SALT = "hearth.csrf.v1"


class BadToken(Exception):
    """Signature wrong, token malformed or expired."""


# Below this a key can be guessed or was cut short; server/datadir.py refuses it first
# with a clear message, and this keeps any other path from signing with it.
MIN_KEY_BYTES = 32


@dataclass(frozen=True, slots=True)
class Signer:
    secret_key: str

    def __post_init__(self) -> None:
        if len(self.secret_key.encode()) < MIN_KEY_BYTES:
            raise ValueError(f"a secret key needs at least {MIN_KEY_BYTES} bytes")

    def _serializer(self, salt: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret_key, salt=salt)

    # -- join tokens -------------------------------------------------------------

    def join_token(self, identity: Identity) -> str:
        payload = {
            "r": identity.room_id, "p": identity.participant_id, "n": identity.name,
            "k": identity.role, "d": identity.device,
        }
        return str(self._serializer(JOIN_SALT).dumps(payload))

    def read_join_token(self, token: str, max_age: float) -> Identity:
        try:
            data = self._serializer(JOIN_SALT).loads(token, max_age=int(max_age))
            return Identity(room_id=str(data["r"]), participant_id=str(data["p"]),
                            name=str(data["n"]), role=data["k"],
                            device=None if data.get("d") is None else str(data["d"]))
        except (BadSignature, KeyError, TypeError, ValueError):
            raise BadToken("bad or expired token") from None

    # -- staff session cookie --------------------------------------------------------

    def session_cookie(self, session_secret: str) -> str:
        return str(self._serializer(SESSION_SALT).dumps(session_secret))

    def read_session_cookie(self, cookie: str, max_age: float) -> str:
        try:
            return str(self._serializer(SESSION_SALT).loads(cookie, max_age=int(max_age)))
        except BadSignature:
            raise BadToken("bad session cookie") from None

    # -- CSRF (signed double submit: the form field must match the cookie) -----------

    def csrf_token(self, nonce: str) -> str:
        return str(self._serializer(CSRF_SALT).dumps(nonce))

    def csrf_matches(self, form_token: str, cookie_nonce: str, max_age: float) -> bool:
        try:
            nonce = self._serializer(CSRF_SALT).loads(form_token, max_age=int(max_age))
        except BadSignature:
            return False
        return isinstance(nonce, str) and hmac.compare_digest(nonce, cookie_nonce)

    # -- devices -----------------------------------------------------------------------

    def device_hash(self, device_cookie: str) -> str:
        """A keyed hash of a browser's device cookie: what a ban stores."""
        key = self.secret_key.encode()
        return hmac.new(key, device_cookie.encode(), hashlib.sha256).hexdigest()


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)
