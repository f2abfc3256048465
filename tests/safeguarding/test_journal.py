"""The safeguarding journal on its own: the file (format, fsync'd adds, torn lines, the
lock, 0600) and the loop that stores entries in order until the store takes them."""

from __future__ import annotations

import asyncio
import logging
import os
import stat
from pathlib import Path

import pytest

from server.datadir import SetupError
from server.safeguarding.journal import (
    JOURNAL_FILE,
    Journal,
    JournalFile,
    Unavailable,
    Unstorable,
)


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines()


async def test_an_entry_survives_a_reopen_until_it_is_done(tmp_path: Path) -> None:
    journal = Journal(JournalFile.in_folder(tmp_path))
    first = journal.add("a_1", b'{"n":1}')
    journal.add("a_2", b'{"n":2}')
    path = tmp_path / JOURNAL_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(_lines(path)) == 2
    journal._done(first)  # as the loop does once it is stored
    await journal.aclose()  # a crash would leave the same file: adds are fsynced

    again = Journal(JournalFile.in_folder(tmp_path))
    assert again.depth == 1 and again.busy
    stored: list[bytes] = []

    async def store(record: bytes) -> None:
        stored.append(record)

    again.start(store)
    for _ in range(50):
        if not again.busy:
            break
        await asyncio.sleep(0.02)
    assert stored == [b'{"n":2}']
    assert path.read_bytes() == b""  # nothing left: the file starts afresh
    await again.aclose()


async def test_a_torn_or_damaged_line_is_skipped(tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    journal = Journal(JournalFile.in_folder(tmp_path))
    journal.add("a_1", b'{"n":1}')
    journal.add("a_2", b'{"n":2}')
    await journal.aclose()
    path = tmp_path / JOURNAL_FILE
    good, second = _lines(path)
    damaged = second.replace(b'"n":2', b'"n":3')  # the checksum no longer matches
    path.write_bytes(good + b"\n" + damaged + b"\n" + second[:20])  # and a torn tail

    with caplog.at_level(logging.ERROR, "hearth.journal"):
        reopened = Journal(JournalFile.in_folder(tmp_path))
    assert [e.record for e in reopened._pending] == [b'{"n":1}']
    assert "damaged journal line" in caplog.text
    # The torn tail is cut off, so the next entry is a line of its own.
    reopened.add("a_4", b'{"n":4}')
    await reopened.aclose()
    assert [e.record for e in Journal(JournalFile.in_folder(tmp_path))._pending] == [
        b'{"n":1}', b'{"n":4}']


def test_one_process_at_a_time(tmp_path: Path) -> None:
    held = JournalFile.in_folder(tmp_path)
    try:
        with pytest.raises(SetupError, match="another Hearth process"):
            JournalFile.in_folder(tmp_path)
    finally:
        held.close()
    JournalFile.in_folder(tmp_path).close()  # free again once closed


async def test_entries_of_one_alert_are_stored_in_order_and_retried(tmp_path: Path) -> None:
    journal = Journal(JournalFile.in_folder(tmp_path), retry_max=0.2)
    stored: list[bytes] = []
    failures = {b"a1-raise": 3}

    async def store(record: bytes) -> None:
        if failures.get(record, 0):
            failures[record] -= 1
            raise Unavailable("database down")
        if record == b"gone":
            raise Unstorable("no such alert")
        stored.append(record)

    for key, record in [("a1", b"a1-raise"), ("a2", b"a2-raise"), ("a1", b"a1-ack"),
                        ("a3", b"gone")]:
        journal.add(key, record)
    journal.start(store)
    for _ in range(100):
        if not journal.busy:
            break
        await asyncio.sleep(0.02)
    assert not journal.busy
    assert stored.index(b"a1-raise") < stored.index(b"a1-ack")
    assert sorted(stored) == [b"a1-ack", b"a1-raise", b"a2-raise"]
    await journal.aclose()


async def test_a_first_attempt_still_running_is_awaited_not_repeated(tmp_path: Path) -> None:
    journal = Journal(JournalFile.in_folder(tmp_path))
    stored: list[bytes] = []

    async def store(record: bytes) -> None:
        stored.append(record)

    journal.start(store)
    release = asyncio.Event()

    async def slow_first_attempt() -> None:
        await release.wait()

    attempt = asyncio.get_running_loop().create_task(slow_first_attempt())
    journal.add("a1", b"raise", attempt=attempt)
    journal.add("a1", b"ack")  # waits for the raise
    await asyncio.sleep(0.1)
    assert stored == [] and journal.depth == 2
    release.set()
    for _ in range(50):
        if not journal.busy:
            break
        await asyncio.sleep(0.02)
    assert stored == [b"ack"]  # the raise was stored by its first attempt
    await journal.aclose()


async def test_a_full_disk_keeps_the_entry_in_memory(tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    journal = Journal(JournalFile(Path("/dev/full")), retry_max=0.1)  # every write: ENOSPC
    with caplog.at_level(logging.CRITICAL, "hearth.journal"):
        entry = journal.add("a1", b"raise")
    assert not entry.written and journal.depth == 1
    assert "kept in memory" in caplog.text
    stored: list[bytes] = []

    async def store(record: bytes) -> None:
        stored.append(record)

    journal.start(store)
    for _ in range(50):
        if not journal.busy:
            break
        await asyncio.sleep(0.02)
    assert stored == [b"raise"]
    await journal.aclose()


async def test_an_entry_waits_for_a_direct_write_of_its_alert(tmp_path: Path) -> None:
    """The raise is still being written straight to the database (not journalled) when
    the same alert's reminder is journalled: the reminder goes second."""
    journal = Journal(JournalFile.in_folder(tmp_path))
    stored: list[bytes] = []

    async def store(record: bytes) -> None:
        stored.append(record)

    journal.start(store)
    release = asyncio.Event()

    async def direct_write() -> None:
        await release.wait()
        stored.append(b"raise")

    journal.track("a1", asyncio.get_running_loop().create_task(direct_write()))
    assert journal.running("a1")
    journal.add("a1", b"reminder")
    journal.add("a2", b"other alert")  # not held up
    await asyncio.sleep(0.1)
    assert stored == [b"other alert"]
    release.set()
    for _ in range(50):
        if not journal.busy:
            break
        await asyncio.sleep(0.02)
    assert stored == [b"other alert", b"raise", b"reminder"] and not journal.running("a1")
    await journal.aclose()
