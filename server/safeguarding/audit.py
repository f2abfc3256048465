"""The audit chain's arithmetic (invariant 8), pure: how an entry is hashed and
how a sequence of entries is checked. Storage is in ``server/store/records.py``.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's
own fields in canonical JSON, so changing any field of any entry, deleting an
entry or reordering entries breaks every hash after it. The store also keeps
the newest entry's number and hash (the head), which catches deleting the
newest entries, where no later hash would notice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    at: datetime
    actor: str
    action: str
    room_id: str | None
    target: str | None
    detail: str  # canonical JSON, as stored
    prev_hash: str
    hash: str


def canonical(detail: dict[str, Any]) -> str:
    return json.dumps(detail, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def _timestamp(at: datetime) -> str:
    # Normalised to UTC microseconds: SQLite and PostgreSQL hand datetimes back differently.
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(prev_hash: str, seq: int, at: datetime, actor: str, action: str,
               room_id: str | None, target: str | None, detail: str) -> str:
    body = canonical({
        "seq": seq, "at": _timestamp(at), "actor": actor, "action": action,
        "room": room_id, "target": target, "detail": detail,
    })
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    checked: int
    first_bad: int | None = None  # the seq of the first entry that does not check out
    reason: str = ""


def verify(entries: Iterable[Entry], head_seq: int, head_hash: str) -> Verdict:
    """Check the whole chain in ``seq`` order against itself and the head."""
    prev_hash = GENESIS
    expected_seq = 1
    checked = 0
    for entry in entries:
        if entry.seq != expected_seq:
            return Verdict(False, checked, expected_seq,
                           f"entry {expected_seq} is missing (next is {entry.seq})")
        if entry.prev_hash != prev_hash:
            return Verdict(False, checked, entry.seq,
                           f"entry {entry.seq} does not follow entry {entry.seq - 1}")
        recomputed = entry_hash(entry.prev_hash, entry.seq, entry.at, entry.actor, entry.action,
                                entry.room_id, entry.target, entry.detail)
        if recomputed != entry.hash:
            return Verdict(False, checked, entry.seq, f"entry {entry.seq} has been altered")
        prev_hash = entry.hash
        expected_seq += 1
        checked += 1
    if checked != head_seq or prev_hash != head_hash:
        return Verdict(False, checked, checked + 1 if checked < head_seq else head_seq,
                       f"the log ends at entry {checked} but its head says {head_seq}")
    return Verdict(True, checked)
