"""argon2 runs on threads of its own, at most half the cores (server/auth/passwords.py):
a burst of logins must not take every core from the event loop that carries the rooms."""

from __future__ import annotations

import asyncio
import threading

from server.auth.passwords import (
    ARGON2_THREADS,
    hash_password_async,
    verify_password_async,
)


async def test_a_burst_of_verifications_uses_at_most_the_argon2_threads() -> None:
    stored = await hash_password_async("correct horse battery staple")
    loop_thread = threading.current_thread().name

    async def one(n: int) -> bool:
        return await verify_password_async(stored, f"wrong guess {n}")

    results = await asyncio.gather(*(one(n) for n in range(12)))
    assert results == [False] * 12
    assert await verify_password_async(stored, "correct horse battery staple")
    seen = {t.name for t in threading.enumerate() if t.name.startswith("hearth-argon2")}
    assert 1 <= len(seen) <= ARGON2_THREADS, seen
    assert threading.current_thread().name == loop_thread
    assert ARGON2_THREADS >= 1
