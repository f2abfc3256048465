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
LOGIN_CODE_SALT = "hearth.login-code.v1"
ENROL_SALT = "hearth.totp-enrol.v1"


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

    def join_token(self, identity: Identity, session: str | None = None) -> str:
        """A signed room token. A staff member's carries ``session``, the id (a hash,
        never the secret) of the login session that asked for it: the endpoint checks
        at hello that it still exists, so the token dies with the session."""
        payload = {
            "r": identity.room_id, "p": identity.participant_id, "n": identity.name,
            "k": identity.role, "d": identity.device,
        }
        if session is not None:
            payload["s"] = session
        return str(self._serializer(JOIN_SALT).dumps(payload))

    def read_join_token(self, token: str, max_age: float) -> Identity:
        return self.read_room_token(token, max_age)[0]

    def read_room_token(self, token: str, max_age: float) -> tuple[Identity, str | None]:
        """The identity a token proves, and the staff session it was issued under
        (None for a participant's)."""
        try:
            data = self._serializer(JOIN_SALT).loads(token, max_age=int(max_age))
            identity = Identity(room_id=str(data["r"]), participant_id=str(data["p"]),
                                name=str(data["n"]), role=data["k"],
                                device=None if data.get("d") is None else str(data["d"]))
            session = data.get("s")
            return identity, None if session is None else str(session)
        except (BadSignature, KeyError, TypeError, ValueError, AttributeError):
            raise BadToken("bad or expired token") from None

    # -- staff session cookie --------------------------------------------------------

    def session_cookie(self, session_secret: str) -> str:
        return str(self._serializer(SESSION_SALT).dumps(session_secret))

    def read_session_cookie(self, cookie: str, max_age: float) -> str:
        try:
            return str(self._serializer(SESSION_SALT).loads(cookie, max_age=int(max_age)))
        except BadSignature:
            raise BadToken("bad session cookie") from None

    # -- two-step login -------------------------------------------------------------

    def login_pending(self, staff_id: str) -> str:
        """A short-lived cookie value: this browser gave the right password for
        ``staff_id`` and may now give a code. It is not a session."""
        return str(self._serializer(LOGIN_CODE_SALT).dumps(staff_id))

    def read_login_pending(self, value: str, max_age: float) -> str:
        try:
            return str(self._serializer(LOGIN_CODE_SALT).loads(value, max_age=int(max_age)))
        except BadSignature:
            raise BadToken("bad or expired login") from None

    def enrol_token(self, staff_id: str, secret: str) -> str:
        """The TOTP secret being set up, carried by the enrolment form (the page shows
        the same secret for typing into an app) and bound to the member."""
        return str(self._serializer(ENROL_SALT).dumps({"i": staff_id, "s": secret}))

    def read_enrol_token(self, token: str, staff_id: str, max_age: float) -> str:
        try:
            data = self._serializer(ENROL_SALT).loads(token, max_age=int(max_age))
            if data["i"] != staff_id:
                raise BadToken("made for someone else")
            return str(data["s"])
        except (BadSignature, KeyError, TypeError):
            raise BadToken("bad or expired set-up") from None

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
