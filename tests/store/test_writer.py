"""The chain writers' lock: one holder at a time, urgent waiters first, each class in order."""

from __future__ import annotations

import asyncio

import pytest

from server.store.writer import PriorityLock


async def _take(lock: PriorityLock, name: str, order: list[str], *, urgent: bool = False) -> None:
    async with lock.hold(urgent=urgent):
        order.append(name)
        await asyncio.sleep(0)  # hold it across a turn of the loop, as a real write does


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_urgent_waiters_go_before_ordinary_ones_queued_earlier() -> None:
    lock = PriorityLock()
    order: list[str] = []
    await lock.acquire()
    waiters = [asyncio.create_task(_take(lock, name, order, urgent=name.startswith("alert")))
               for name in ("audit 1", "audit 2", "alert 1", "audit 3", "alert 2")]
    await _settle()
    assert lock.waiting() == (2, 3) and order == []
    lock.release()
    await asyncio.gather(*waiters)
    assert order == ["alert 1", "alert 2", "audit 1", "audit 2", "audit 3"]
    assert not lock.locked and lock.waiting() == (0, 0)


async def test_a_free_lock_is_taken_at_once_and_released() -> None:
    lock = PriorityLock()
    async with lock.hold():
        assert lock.locked
    assert not lock.locked
    with pytest.raises(RuntimeError):
        lock.release()


async def test_a_cancelled_waiter_leaves_the_queue_and_the_lock_usable() -> None:
    lock = PriorityLock()
    order: list[str] = []
    await lock.acquire()
    doomed = asyncio.create_task(_take(lock, "doomed", order, urgent=True))
    after = asyncio.create_task(_take(lock, "after", order))
    await _settle()
    doomed.cancel()
    await _settle()
    assert lock.waiting() == (0, 1)
    lock.release()
    await after
    assert order == ["after"] and not lock.locked


async def test_a_waiter_cancelled_as_it_is_handed_the_lock_passes_it_on() -> None:
    lock = PriorityLock()
    order: list[str] = []
    await lock.acquire()
    first = asyncio.create_task(_take(lock, "first", order))
    second = asyncio.create_task(_take(lock, "second", order))
    await _settle()
    lock.release()  # hands the lock to "first", which has not run yet
    first.cancel()  # ...and is cancelled before it does
    await second
    assert order == ["second"] and not lock.locked
