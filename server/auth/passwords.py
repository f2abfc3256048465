"""Password hashing with argon2id (argon2-cffi's tuned defaults)."""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

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


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so an unknown user costs the same
    time as a wrong password and the two answers cannot be told apart. Made on first use,
    not at import: a command-line run that checks no password need not pay for a hash."""
    return _hasher.hash("hearth-dummy-password-for-timing")


# argon2 is tens of milliseconds of CPU by design. Run on the event loop it stalled every
# room (20 bad logins: a WebSocket round trip from 3 ms to 818 ms); in the default thread
# pool, several at once still took every core. So it runs on threads of its own, at most
# half the machine's cores: a burst of logins queues here and the rooms keep a core.
# One pool for the process, since the cores are the process's (made on first use).
ARGON2_THREADS = max(1, (os.cpu_count() or 2) // 2)
_pool: ThreadPoolExecutor | None = None


def _argon2_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(ARGON2_THREADS, thread_name_prefix="hearth-argon2")
    return _pool


async def hash_password_async(password: str) -> str:
    """``hash_password`` on the argon2 threads."""
    return await asyncio.get_running_loop().run_in_executor(
        _argon2_pool(), hash_password, password)


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    """``verify_password`` on the argon2 threads."""
    return await asyncio.get_running_loop().run_in_executor(
        _argon2_pool(), verify_password, password_hash, password)


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
        matched = _hasher.verify(password_hash or _dummy_hash(), password)
        return matched and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
