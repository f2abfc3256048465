"""Staff login, logout and password changes, shared by the JSON API and the HTML forms.

argon2 is deliberately slow (tens of milliseconds of CPU), so every hash and
verification runs in a worker thread, never on the event loop that carries the rooms.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from server.auth.passwords import MIN_PASSWORD, hash_password, needs_rehash, verify_password
from server.auth.tokens import BadToken, Signer, new_secret
from server.store.db import Staff, Store

# Where each role's work is: the page a login lands on.
LANDING = {
    "facilitator": "/staff",
    "safeguarding_lead": "/lead",
    "admin": "/admin/directory",
}
CHANGE_PASSWORD = "/account/password"  # noqa: S105 (a page address, not a password)


def landing(staff: Staff) -> str:
    """Where ``staff`` goes after logging in: the change-password page while a generated
    password is unchanged, otherwise their role's page."""
    if staff.must_change_password:
        return CHANGE_PASSWORD
    return LANDING.get(staff.role, "/staff")


async def login(store: Store, signer: Signer, username: str, password: str,
                ttl: float) -> tuple[Staff, str] | None:
    """Check the password; on success store a session and return (staff, cookie value).

    Unknown user, disabled account and wrong password all return None after
    the same argon2 work, so the answer reveals nothing about which it was.
    """
    staff = await store.staff_by_username(username)
    usable = staff is not None and not staff.disabled
    ok = await asyncio.to_thread(
        verify_password, staff.password_hash if usable and staff else None, password)
    if not ok or staff is None:
        return None
    if needs_rehash(staff.password_hash):
        await store.set_password_hash(staff.id, await asyncio.to_thread(hash_password, password))
    secret = new_secret()
    await store.add_session(staff.id, secret, datetime.now(UTC) + timedelta(seconds=ttl))
    return staff, signer.session_cookie(secret)


async def logout(store: Store, signer: Signer, cookie: str | None, ttl: float) -> None:
    if not cookie:
        return
    try:
        secret = signer.read_session_cookie(cookie, ttl)
    except BadToken:
        return
    await store.drop_session(secret)


@dataclass
class PasswordProblems(Exception):
    """Why a password change was refused: a kind sentence per form field
    (``current``, ``new``, ``again``; ``form`` for the form as a whole)."""

    fields: dict[str, str] = field(default_factory=dict)


async def change_password(store: Store, signer: Signer, staff: Staff, cookie: str, *,
                          current: str, new: str, again: str, ttl: float) -> None:
    """Replace ``staff``'s password with ``new``, or raise ``PasswordProblems``.

    On success the hash is stored, ``must_change_password`` cleared and every other
    session of theirs ended; the session of ``cookie`` (the one asking) carries on.
    The caller rate-limits: each call may verify the current password once.
    """
    problems: dict[str, str] = {}
    if len(new) < MIN_PASSWORD:
        problems["new"] = f"Your new password needs at least {MIN_PASSWORD} characters."
    elif new != again:
        problems["again"] = "The two new passwords are not the same. Please type it again."
    if not await asyncio.to_thread(verify_password, staff.password_hash, current):
        problems["current"] = "That is not your current password. Please check it and try again."
    elif "new" not in problems and new == current:
        problems["new"] = "Your new password must be different from your current one."
    if problems:
        raise PasswordProblems(problems)
    try:
        secret = signer.read_session_cookie(cookie, ttl)
    except BadToken:  # the caller found a session with this cookie a moment ago
        raise PasswordProblems({"form": "Your login has expired. Please log in again."}) from None
    await store.change_password(staff.id, await asyncio.to_thread(hash_password, new), secret)
