"""The safeguarding journal: records the database could not take yet, kept on local
disk and retried until it does (ARCHITECTURE.md invariant 6: an alert is never lost).

``SafeguardingService`` tries the database first. A record it could not commit in
time (the database stopped, locked or full) is added here, and the caller goes on
(the facilitator is told) only once the entry is on disk. A loop then stores the
entries in order, with backoff, and marks each one done; on the next start the
entries not marked done are stored again. Storing must therefore be idempotent:
the records carry their own keys (alert id, first acknowledgement, one escalation
per alert) and a second store of the same record changes nothing.

The file, ``safeguarding.journal`` in the data folder (0600), is append-only text,
one entry a line::

    <crc32 of the JSON, 8 hex digits> {"op":"add","id":..,"key":..,"at":..,"record":{..}}
    <crc32> {"op":"done","id":..}

- An ``add`` line is fsynced before ``add`` returns: that is what makes the caller's
  "durable" true. The file's name is fsynced with its folder when it is created.
- A ``done`` line is not fsynced: losing one costs a replay, which changes nothing.
- A line with a wrong checksum or no newline (a crash or a full disk mid-write) is
  skipped on reading; a torn tail is cut off before anything is appended after it.
- When no entry is left the file is truncated, so it stays small.
- The file is locked (``flock``) for the life of the process: two processes
  replaying one journal would both announce what they store.

If even the file cannot be written, the entry is kept in memory, retried on both
sides, and logged at CRITICAL on every failed try: never dropped while the process
lives.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import secrets
import stat
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from server.datadir import SetupError, fsync_dir

log = logging.getLogger("hearth.journal")

JOURNAL_FILE = "safeguarding.journal"
# First retry 0.1 s after a failure, doubling: a database that blips is caught at
# once, one that is down for minutes is asked every ``retry_max`` seconds.
FIRST_RETRY = 0.1


class Unstorable(Exception):
    """Raised by the store callback for a record that can never be stored (its alert
    does not exist): the entry is logged and dropped instead of retried forever."""


class Unavailable(Exception):
    """Raised by the store callback when the database itself failed (down, locked,
    full): the rest of the round waits for the next try instead of failing in turn."""


class _Add(msgspec.Struct, tag="add", tag_field="op"):
    id: str
    key: str
    at: datetime
    record: msgspec.Raw


class _Done(msgspec.Struct, tag="done", tag_field="op"):
    id: str


_decoder = msgspec.json.Decoder(_Add | _Done)


def _line(item: _Add | _Done) -> bytes:
    body = msgspec.json.encode(item)
    return b"%08x %s\n" % (zlib.crc32(body), body)


def _parse(line: bytes) -> _Add | _Done | None:
    crc, _, body = line.partition(b" ")
    try:
        if int(crc, 16) != zlib.crc32(body):
            return None
        return _decoder.decode(body)
    except (ValueError, msgspec.DecodeError):
        return None


class JournalFile:
    """The file itself: read once at start, then appended to. Blocking calls, made on
    the event loop on purpose: they happen only when the database has failed, and an
    fsync there is cheaper and simpler to order than a hop to a thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        created = not path.exists()
        try:
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise SetupError(f"cannot open the safeguarding journal {path}: {exc.strerror}. "
                             "Set HEARTH_DATA_DIR to a folder this user can write.") from None
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self._fd)
            raise SetupError(f"another Hearth process is using {path}; each process needs "
                             "a data folder of its own (HEARTH_DATA_DIR).") from None
        if created:
            fsync_dir(path.parent)
        if stat.S_ISREG(os.fstat(self._fd).st_mode):  # a test may point it at /dev/full
            os.fchmod(self._fd, 0o600)  # an older file, or one made under another umask

    @classmethod
    def in_folder(cls, data_dir: Path) -> JournalFile:
        return cls(data_dir / JOURNAL_FILE)

    def read(self) -> list[_Add]:
        """The entries added and not marked done, in the order they were added."""
        size = os.fstat(self._fd).st_size
        data = b""
        while len(data) < size and (chunk := os.pread(self._fd, size - len(data), len(data))):
            data += chunk
        if data and not data.endswith(b"\n"):
            # A torn last line (the process died mid-write): its caller was never told
            # it was durable. Cut it off so the next line starts on a line of its own.
            self._truncate(data.rfind(b"\n") + 1)
            data = data[:data.rfind(b"\n") + 1]
        pending: dict[str, _Add] = {}
        for number, raw in enumerate(data.splitlines(), 1):
            item = _parse(raw)
            if item is None:
                log.error("skipping a damaged journal line", extra={"line": number})
            elif isinstance(item, _Add):
                pending[item.id] = item
            else:
                pending.pop(item.id, None)
        if not pending and data:
            self._truncate(0)
        return list(pending.values())

    def append(self, item: _Add | _Done, *, sync: bool) -> None:
        """Write one line (and fsync it when ``sync``); raises OSError, leaving no
        partial line behind when it can."""
        line = _line(item)
        size = os.fstat(self._fd).st_size
        try:
            written = os.write(self._fd, line)
            if written != len(line):
                raise OSError(28, "short write to the journal")
            if sync:
                os.fsync(self._fd)
        except OSError:
            self._truncate(size)
            raise

    def clear(self) -> None:
        """Every entry is done: start the file afresh."""
        self._truncate(0)

    def _truncate(self, size: int) -> None:
        try:
            os.ftruncate(self._fd, size)
        except OSError:
            log.warning("could not truncate the journal", exc_info=True)

    def close(self) -> None:
        os.close(self._fd)  # also lets go of the lock


@dataclass(slots=True, eq=False)
class Entry:
    """One record waiting to be stored. ``key`` orders entries: those with the same key
    (one alert's raise, acknowledgement, re-route) are stored in the order added."""

    id: str
    key: str
    at: datetime
    record: bytes
    written: bool = False  # on disk (fsynced)
    # The first, direct attempt to store it, when it was still running as the entry
    # was added: it is awaited, not repeated, so the record is not stored twice.
    attempt: asyncio.Future[Any] | None = None


Store = Callable[[bytes], Awaitable[object]]


class Journal:
    """The entries still to store, and the loop that stores them.

    ``add`` is the only call on the hot path; ``start`` begins replaying what an
    earlier process left; ``aclose`` stops (entries on disk wait for the next start).
    """

    def __init__(self, file: JournalFile, *, retry_max: float = 5.0,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._file = file
        self._retry_max = retry_max
        self._clock = clock
        self._pending: list[Entry] = [
            Entry(a.id, a.key, a.at, bytes(a.record), written=True) for a in file.read()]
        if self._pending:
            log.warning("replaying safeguarding records left in the journal",
                        extra={"entries": len(self._pending)})
        # Direct writes still running, by key: entries with the same key wait for them.
        self._running: dict[str, set[asyncio.Future[Any]]] = {}
        self._wake = asyncio.Event()
        self._wake.set()  # replay what was left at once
        self._loop: asyncio.Task[None] | None = None
        self._store: Store | None = None

    # -- what the service and operators ask --------------------------------------------

    @property
    def depth(self) -> int:
        return len(self._pending)

    @property
    def busy(self) -> bool:
        """True while anything waits: new records then join the queue behind it, so one
        alert's records are stored in order and nobody waits on a failing database."""
        return bool(self._pending)

    def running(self, key: str) -> bool:
        """True while a direct write of ``key`` (tracked with ``track``) is running."""
        return key in self._running

    def track(self, key: str, attempt: asyncio.Future[Any]) -> None:
        """A record of ``key`` is being written directly: an entry of the same key added
        meanwhile is stored only after it, so one alert's records keep their order."""
        self._running.setdefault(key, set()).add(attempt)

        def finished(done: asyncio.Future[Any]) -> None:
            attempts = self._running.get(key, set())
            attempts.discard(done)
            if not attempts:
                self._running.pop(key, None)
            if not done.cancelled():
                # Read here as well as in the loop: one that fails after ``aclose``
                # must not end as "Task exception was never retrieved".
                done.exception()
            self._wake.set()

        attempt.add_done_callback(finished)

    def oldest_age(self) -> float:
        """Seconds the oldest entry has waited (0 when none)."""
        if not self._pending:
            return 0.0
        return max(0.0, (self._clock() - min(e.at for e in self._pending)).total_seconds())

    # -- adding --------------------------------------------------------------------------

    def add(self, key: str, record: bytes, attempt: asyncio.Future[Any] | None = None) -> Entry:
        """Queue ``record``, durable on disk when this returns (or, if the disk refuses,
        in memory with a CRITICAL log, retried on both sides)."""
        entry = Entry(f"j_{secrets.token_hex(8)}", key, self._clock(), record, attempt=attempt)
        self._pending.append(entry)
        self._write(entry)
        if attempt is not None and attempt not in self._running.get(key, ()):
            self.track(key, attempt)
        self._wake.set()
        return entry

    def _write(self, entry: Entry) -> None:
        try:
            self._file.append(_Add(entry.id, entry.key, entry.at, msgspec.Raw(entry.record)),
                              sync=True)
        except OSError:
            log.critical("a safeguarding record could not be written to the journal; it is "
                         "kept in memory and retried (free disk space in the data folder)",
                         exc_info=True, extra={"entry": entry.id})
        else:
            entry.written = True

    def _done(self, entry: Entry) -> None:
        self._pending.remove(entry)
        if not entry.written:
            return
        if not self._pending:
            self._file.clear()
            return
        try:
            self._file.append(_Done(entry.id), sync=False)
        except OSError:
            log.warning("could not mark a journal entry done; it will be replayed (harmless)",
                        exc_info=True, extra={"entry": entry.id})

    # -- storing -------------------------------------------------------------------------

    def start(self, store: Store) -> None:
        """Store entries with ``store(record)`` until none are left, now and whenever one
        is added. ``store`` raises to be retried later (``Unavailable`` also ends the
        round), or ``Unstorable`` to drop the entry."""
        self._store = store
        self._loop = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        failures = 0
        while True:
            if failures:
                delay = min(self._retry_max, FIRST_RETRY * 2 ** (failures - 1))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), delay)
            else:
                await self._wake.wait()
            self._wake.clear()
            failures = failures + 1 if await self._round() else 0

    async def _round(self) -> bool:
        """One pass over the entries, in order; True if one failed (retry after a pause)."""
        assert self._store is not None
        failed = False
        # Keys with a direct write still running, or an earlier entry not yet stored.
        waiting = set(self._running)
        for entry in [e for e in self._pending if not e.written]:
            self._write(entry)
        for entry in list(self._pending):
            if entry.key in waiting:
                continue
            if entry.attempt is not None:
                attempt, entry.attempt = entry.attempt, None  # done: its key was not waiting
                if not attempt.cancelled() and attempt.exception() is None:
                    self._done(entry)  # the first attempt got there (and announced it)
                    continue
            try:
                await self._store(entry.record)
            except Unstorable as exc:
                log.error("dropping a journal entry that cannot be stored: %s", exc,
                          extra={"entry": entry.id})
                self._done(entry)
            except Unavailable as exc:
                log.warning("the database is not taking safeguarding records; will retry: %s",
                            exc, extra={"entries": len(self._pending)})
                return True
            except Exception as exc:
                # The message only: a database error's text can carry the statement's
                # parameters (an excerpt), which logs must never hold (invariant 9).
                log.warning("could not store a journalled safeguarding record; will retry: %s",
                            exc, extra={"entry": entry.id})
                failed = True
                waiting.add(entry.key)
            else:
                self._done(entry)
        return failed

    async def aclose(self) -> None:
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
        for entry in self._pending:
            if not entry.written:
                self._write(entry)
            if not entry.written:
                log.critical("a safeguarding record is lost: it could be neither stored nor "
                             "journalled before shutdown", extra={"entry": entry.id})
        self._file.close()
