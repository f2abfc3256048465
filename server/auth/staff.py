"""Staff login and logout, shared by the JSON API and the HTML form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.auth.passwords import hash_password, needs_rehash, verify_password
from server.auth.tokens import BadToken, Signer, new_secret
from server.store.db import Staff, Store


async def login(store: Store, signer: Signer, username: str, password: str,
                ttl: float) -> tuple[Staff, str] | None:
    """Check the password; on success store a session and return (staff, cookie value).

    Unknown user, disabled account and wrong password all return None after
    the same argon2 work, so the answer reveals nothing about which it was.
    """
    staff = await store.staff_by_username(username)
    usable = staff is not None and not staff.disabled
    ok = verify_password(staff.password_hash if usable and staff else None, password)
    if not ok or staff is None:
        return None
    if needs_rehash(staff.password_hash):
        await store.set_password_hash(staff.id, hash_password(password))
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
