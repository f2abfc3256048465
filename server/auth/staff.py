"""Staff login (password, then a TOTP code when enrolled), logout and password changes,
shared by the JSON API and the HTML forms.

argon2 is deliberately slow (tens of milliseconds of CPU), so every hash and
verification runs in a worker thread, never on the event loop that carries the rooms.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from server.auth import totp
from server.auth.passwords import (
    hash_password_async,
    needs_rehash,
    password_problem,
    verify_password_async,
)
from server.auth.tokens import BadToken, Signer, new_secret
from server.store.db import Staff, Store, session_id

# Where each role's work is: the page a login lands on.
LANDING = {
    "facilitator": "/staff",
    "safeguarding_lead": "/lead",
    "admin": "/admin/directory",
    "coordinator": "/coordinator/volunteers",
}
CHANGE_PASSWORD = "/account/password"  # noqa: S105 (a page address, not a password)
TWO_FACTOR = "/account/2fa"


def needs_enrolment(staff: Staff, required_roles: tuple[str, ...]) -> bool:
    """True for a member whose role must use a second factor (``HEARTH_REQUIRE_2FA``)
    and who has not set one up yet: every staff page sends them to enrol first."""
    return staff.role in required_roles and not staff.two_factor


def landing(staff: Staff, required_roles: tuple[str, ...] = ()) -> str:
    """Where ``staff`` goes after logging in: the change-password page while a generated
    password is unchanged, then two-step login set-up where their role needs it,
    otherwise their role's page."""
    if staff.must_change_password:
        return CHANGE_PASSWORD
    if needs_enrolment(staff, required_roles):
        return TWO_FACTOR
    return LANDING.get(staff.role, "/staff")


async def check_password(store: Store, username: str, password: str) -> Staff | None:
    """The account if ``password`` is its password (rehashed if argon2's parameters
    changed), else None.

    Unknown user, disabled account and wrong password all return None after
    the same argon2 work, so the answer reveals nothing about which it was.
    """
    staff = await store.staff_by_username(username)
    usable = staff is not None and not staff.disabled
    ok = await verify_password_async(staff.password_hash if usable and staff else None, password)
    if not ok or staff is None:
        return None
    if needs_rehash(staff.password_hash):
        await store.set_password_hash(staff.id, await hash_password_async(password))
    return staff


async def check_code(store: Store, box: totp.SecretBox, staff: Staff, code: str) -> bool:
    """True if ``code`` is ``staff``'s current TOTP code and was not used before (the
    step is recorded, so a replayed code is refused). The caller rate-limits."""
    if staff.totp_secret is None:
        return False
    secret = box.open(staff.totp_secret)
    if secret is None:
        return False
    step = totp.matching_step(secret, code)
    return step is not None and await store.use_totp_step(staff.id, step)


async def open_session(store: Store, signer: Signer, staff: Staff, ttl: float) -> str:
    """Store a new session for ``staff``; returns the cookie value."""
    secret = new_secret()
    await store.add_session(staff.id, secret, datetime.now(UTC) + timedelta(seconds=ttl))
    return signer.session_cookie(secret)


async def login(store: Store, signer: Signer, username: str, password: str,
                ttl: float) -> tuple[Staff, str] | None:
    """Password only: for accounts with no second factor (callers check
    ``staff.two_factor`` through ``check_password`` first otherwise)."""
    staff = await check_password(store, username, password)
    if staff is None or staff.two_factor:
        return None
    return staff, await open_session(store, signer, staff, ttl)


def cookie_session_id(signer: Signer, cookie: str | None, ttl: float) -> str | None:
    """The id of the session a cookie names (what a room token carries), or None."""
    if not cookie:
        return None
    try:
        return session_id(signer.read_session_cookie(cookie, ttl))
    except BadToken:
        return None


async def logout(store: Store, signer: Signer, cookie: str | None, ttl: float) -> Staff | None:
    """End the cookie's session; returns whose it was (so their room connections can
    be closed), or None."""
    if not cookie:
        return None
    try:
        secret = signer.read_session_cookie(cookie, ttl)
    except BadToken:
        return None
    staff = await store.session_staff(secret, datetime.now(UTC))
    await store.drop_session(secret)
    return staff


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
    weak = await asyncio.to_thread(password_problem, new, (staff.username,))
    if weak:
        problems["new"] = weak
    elif new != again:
        problems["again"] = "The two new passwords are not the same. Please type it again."
    if not await verify_password_async(staff.password_hash, current):
        problems["current"] = "That is not your current password. Please check it and try again."
    elif "new" not in problems and new == current:
        problems["new"] = "Your new password must be different from your current one."
    if problems:
        raise PasswordProblems(problems)
    try:
        secret = signer.read_session_cookie(cookie, ttl)
    except BadToken:  # the caller found a session with this cookie a moment ago
        raise PasswordProblems({"form": "Your login has expired. Please log in again."}) from None
    await store.change_password(staff.id, await hash_password_async(new), secret)
