"""The audit chain's arithmetic (invariant 8), pure: how an entry is hashed and
signed, and how a sequence of entries is checked. Storage is in
``server/store/records.py``; where the key comes from, ``server/datadir.py``.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's
own fields in canonical JSON, so changing any field of any entry, deleting an
entry or reordering entries breaks every hash after it. The store also keeps
the newest entry's number and hash (the head), which catches deleting the
newest entries, where no later hash would notice.

A hash chain alone is no defence against whoever can write the database: they
can edit an entry and recompute every hash after it. So each entry also carries
a MAC, HMAC-SHA256 over its chain hash keyed by the **audit key**, which lives
outside the database (``HEARTH_AUDIT_KEY`` or the data folder's ``audit_key``
file). The MAC covers the chain hash, and the chain hash covers every field and
every earlier entry, so one MAC per entry vouches for the whole log up to it;
the head carries a MAC too (over its number and hash), so deleting the newest
entries and moving the head back needs the key as well. Without the key nothing
can be forged, only destroyed, and ``verify`` names the first entry whose chain
or MAC is wrong.

The upgrade. A database from before the audit key holds entries without a MAC.
They are signed once, by ``plan_signing``, when the key is first made (the data
folder's key file is created: ``server/storage.py``) or when the operator says
so (``hearth audit adopt``, for a key given in ``HEARTH_AUDIT_KEY``), and only if
their chain checks out then. Never automatically later, and never because of
something found in the database: a "this log has no key yet" state in the
database could be forged by the very person the key keeps out (strip every MAC,
rewrite the chain), so signing depends on an event outside the database. Once
signed, every entry must have a valid MAC: an entry without one is reported like
a forged one. ``plan_signing`` also refuses to sign an unsigned entry that comes
after a signed one, and checks every signed entry's MAC first: unsigned entries
may only be the log's oldest, whose chain hashes the later, signed entries'
MACs already vouch for.

What the key does not stop: someone with database access and a copy of an old
head (number, hash and MAC) can delete the entries written since and put the old
head back. Keeping the head's MAC somewhere else now and then (a monitoring
system's log) would catch that; nothing does yet.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

GENESIS = "0" * 64
# At least 256 bits: the key length HMAC-SHA256 is built for, as for the secret key.
MIN_AUDIT_KEY_BYTES = 32
# Domain labels, so an entry's MAC can never be passed off as the head's or the reverse.
_ENTRY_LABEL = b"hearth audit entry\n"
_HEAD_LABEL = b"hearth audit head\n"


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
    mac: str | None = None  # None: written before the audit key existed, not yet signed


@dataclass(frozen=True, slots=True)
class Head:
    seq: int
    hash: str
    mac: str | None = None


class AuditKeyMissing(RuntimeError):
    """An audit entry was to be written or checked by a store given no audit key."""


def entry_mac(key: bytes, entry_hash_hex: str) -> str:
    """The entry's MAC: HMAC-SHA256 over its chain hash (which covers everything else)."""
    return hmac.new(key, _ENTRY_LABEL + entry_hash_hex.encode(), hashlib.sha256).hexdigest()


def head_mac(key: bytes, seq: int, hash_hex: str) -> str:
    return hmac.new(key, _HEAD_LABEL + f"{seq}\n{hash_hex}".encode(),
                    hashlib.sha256).hexdigest()


def _mac_ok(expected: str, found: str | None) -> bool:
    return found is not None and hmac.compare_digest(expected, found)


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
    # What is wrong at ``first_bad``: "chain" (hashes, order, gaps, the head's number
    # or hash) or "mac" (a MAC missing or not made with the audit key).
    broken: Literal["chain", "mac", ""] = ""


def _chain_problem(entry: Entry, expected_seq: int, prev_hash: str) -> Verdict | None:
    if entry.seq != expected_seq:
        return Verdict(False, expected_seq - 1, expected_seq,
                       f"entry {expected_seq} is missing (next is {entry.seq})", "chain")
    if entry.prev_hash != prev_hash:
        return Verdict(False, expected_seq - 1, entry.seq,
                       f"entry {entry.seq} does not follow entry {entry.seq - 1}", "chain")
    recomputed = entry_hash(entry.prev_hash, entry.seq, entry.at, entry.actor, entry.action,
                            entry.room_id, entry.target, entry.detail)
    if recomputed != entry.hash:
        return Verdict(False, expected_seq - 1, entry.seq,
                       f"entry {entry.seq} has been altered (its chain hash is wrong)", "chain")
    return None


def verify(entries: Iterable[Entry], head: Head, key: bytes) -> Verdict:
    """Check the whole log in ``seq`` order: each entry's chain hash, then its MAC
    (which must be there and made with ``key``), then the head's number, hash and MAC.
    The first problem found is the verdict."""
    prev_hash = GENESIS
    expected_seq = 1
    for entry in entries:
        problem = _chain_problem(entry, expected_seq, prev_hash)
        if problem is not None:
            return problem
        if entry.mac is None:
            return Verdict(False, expected_seq - 1, entry.seq,
                           f"entry {entry.seq} has no MAC (written before the audit key and "
                           "never signed: see hearth audit adopt)", "mac")
        if not _mac_ok(entry_mac(key, entry.hash), entry.mac):
            return Verdict(False, expected_seq - 1, entry.seq,
                           f"entry {entry.seq}'s MAC is wrong: the entry was changed or "
                           "written without the audit key (or this is not its key)", "mac")
        prev_hash = entry.hash
        expected_seq += 1
    checked = expected_seq - 1
    if checked != head.seq or prev_hash != head.hash:
        return Verdict(False, checked, checked + 1 if checked < head.seq else head.seq,
                       f"the log ends at entry {checked} but its head says {head.seq}",
                       "chain")
    if checked and not _mac_ok(head_mac(key, head.seq, head.hash), head.mac):
        return Verdict(False, checked, head.seq,
                       f"the head's MAC is wrong: the log's end (entry {head.seq}) was moved "
                       "without the audit key", "mac")
    return Verdict(True, checked)


@dataclass(frozen=True, slots=True)
class SigningPlan:
    """What ``plan_signing`` decided: sign ``entries`` (seq -> MAC) and the head (when
    ``head_mac``). ``refused``, in one line, says why not all of it: then only the
    entries before a break in the chain are signed, or none."""

    entries: dict[int, str]
    head_mac: str | None
    refused: str = ""


def plan_signing(entries: Iterable[Entry], head: Head, key: bytes) -> SigningPlan:
    """The MACs to give the entries written before the audit key (see the module's
    docstring), or a refusal: an unsigned entry follows a signed one, a MAC present
    is wrong, or the head does not match the log (nothing signed), or the chain
    breaks (only the unsigned entries before the break signed)."""
    prev_hash = GENESIS
    expected_seq = 1
    unsigned: dict[int, str] = {}
    signed_seen = False
    for entry in entries:
        problem = _chain_problem(entry, expected_seq, prev_hash)
        if problem is not None:
            # The entries before the break check out: they are signed, so that the
            # verdict names the break rather than "no MAC" at entry 1.
            signed = f"entries 1-{entry.seq - 1} signed, " if unsigned else ""
            return SigningPlan(unsigned, None, f"{signed}none after: {problem.reason}")
        if entry.mac is None:
            if signed_seen:
                return SigningPlan({}, None, f"nothing signed: entry {entry.seq} has no MAC "
                                             "but an earlier entry has one")
            unsigned[entry.seq] = entry_mac(key, entry.hash)
        elif not _mac_ok(entry_mac(key, entry.hash), entry.mac):
            return SigningPlan({}, None, f"nothing signed: entry {entry.seq}'s MAC is wrong")
        else:
            signed_seen = True
        prev_hash = entry.hash
        expected_seq += 1
    checked = expected_seq - 1
    if checked != head.seq or prev_hash != head.hash:
        return SigningPlan({}, None, f"nothing signed: the log ends at entry {checked} but "
                                     f"its head says {head.seq}")
    expected_head = head_mac(key, head.seq, head.hash)
    if head.mac is not None and signed_seen and not _mac_ok(expected_head, head.mac):
        return SigningPlan({}, None, "nothing signed: the head's MAC is wrong")
    return SigningPlan(unsigned, expected_head if checked else None)
