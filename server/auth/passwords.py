"""Password hashing with argon2id (argon2-cffi's tuned defaults)."""

from __future__ import annotations

from collections.abc import Sequence

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn

MIN_PASSWORD = 10
# zxcvbn's scale is 0-4; 3 is "safely unguessable: moderate protection from an offline
# slow-hash scenario" (its README), which argon2 is.
MIN_STRENGTH = 3
# zxcvbn's matching grows quickly with length; a passphrase is long enough well before this.
_STRENGTH_CHARS = 100
_hasher = PasswordHasher()
# Verified against when the username is unknown, so an unknown user costs the
# same time as a wrong password and the two answers cannot be told apart.
_DUMMY_HASH = _hasher.hash("hearth-dummy-password-for-timing")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def password_problem(password: str, user_inputs: Sequence[str] = ()) -> str | None:
    """Why ``password`` would be easy to guess, in a kind sentence, or None when it is
    strong enough (at least ``MIN_PASSWORD`` characters and zxcvbn score ``MIN_STRENGTH``).
    ``user_inputs`` (the username, say) count as known words."""
    if len(password) < MIN_PASSWORD:
        return f"Please use at least {MIN_PASSWORD} characters."
    result = zxcvbn(password[:_STRENGTH_CHARS], user_inputs=[u for u in user_inputs if u])
    if int(result["score"]) >= MIN_STRENGTH:
        return None
    feedback = result.get("feedback") or {}
    warning = str(feedback.get("warning") or "").strip()
    suggestions = [str(s).strip() for s in feedback.get("suggestions") or [] if str(s).strip()]
    parts = ["That password would be too easy to guess."]
    if warning:
        parts.append(warning if warning.endswith(".") else warning + ".")
    parts.extend(suggestions or ["A few unrelated words together make a strong one."])
    return " ".join(parts)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True only for a matching password; ``None`` (unknown user) burns the same time."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
