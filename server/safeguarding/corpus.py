"""The labelled risk corpus (``data/risk/``): reading, checking, splitting and hashing it.

The corpus is data, in JSON Lines, one message a line (docs/risk-labels.md gives the fields and
how each label is chosen). ``data/risk/corpus/`` and ``data/risk/legacy/`` are for training;
``data/risk/heldout/`` holds the held-out sets, which are never trained on.

Splitting is deterministic: a message and its variants (``"written": "... variant of <id>"``) form
a group, and a group goes wholly to one split by a hash of its first id, so a reworded copy of a
validation message is never in training. Near-duplicates (the same words after folding) across
groups are merged into one group for the same reason, and any training message whose words match a
held-out message is dropped.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from server.safeguarding.features import tokens

__all__ = [
    "CATEGORIES",
    "LABELS",
    "CorpusError",
    "Message",
    "corpus_hash",
    "load",
    "load_dir",
    "split",
]

LABELS: Final = ("none", "concern", "urgent")
CATEGORIES: Final = (
    "immediate_danger",
    "suicide",
    "self_harm",
    "harm_to_baby",
    "psychosis",
    "domestic_abuse",
    "substance_misuse",
    "partner_worry",
    "low_mood",
)
AUDIENCES: Final = ("mothers", "fathers", "any")
LANGUAGES: Final = ("en", "pl", "ur")
_VARIANT: Final = re.compile(r"variant of ([\w.-]+)")


class CorpusError(ValueError):
    """A corpus line is malformed: the message names the file and line."""


@dataclass(frozen=True, slots=True)
class Message:
    id: str
    text: str
    label: str
    categories: tuple[str, ...]
    audience: str
    language: str
    script: str
    written: str
    source: str  # the file it came from, without the suffix

    @property
    def base(self) -> str:
        """The id of the hand-written message this one varies (itself if it is one)."""
        found = _VARIANT.search(self.written)
        return found.group(1) if found else self.id


def _message(raw: object, where: str, source: str) -> Message:
    if not isinstance(raw, dict):
        raise CorpusError(f"{where}: not a JSON object")
    try:
        text, label, written = raw["text"], raw["label"], raw.get("written", "")
        categories = tuple(raw.get("categories", ()))
        message = Message(
            id=str(raw["id"]), text=text, label=label, categories=categories,
            audience=raw.get("audience", "any"), language=raw.get("language", "en"),
            script=raw.get("script", "latn"), written=str(written), source=source)
    except (KeyError, TypeError) as exc:
        raise CorpusError(f"{where}: missing or malformed field ({exc})") from None
    problems = []
    if not isinstance(text, str) or not text.strip():
        problems.append("empty text")
    if label not in LABELS:
        problems.append(f"label {label!r} is not one of {', '.join(LABELS)}")
    if unknown := [c for c in categories if c not in CATEGORIES]:
        problems.append(f"unknown categories {unknown}")
    if (label == "none") != (not categories):
        problems.append("a risk label needs categories and 'none' must have none")
    if message.audience not in AUDIENCES:
        problems.append(f"audience {message.audience!r}")
    if message.language not in LANGUAGES:
        problems.append(f"language {message.language!r}")
    if problems:
        raise CorpusError(f"{where}: {'; '.join(problems)}")
    return message


def load(path: Path) -> list[Message]:
    """Every message of one JSONL file, checked."""
    out = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            where = f"{path.name}:{number}"
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusError(f"{where}: not JSON ({exc.msg})") from None
            out.append(_message(raw, where, path.stem))
    return out


def load_dir(*folders: Path) -> list[Message]:
    """Every message of every ``*.jsonl`` file in ``folders``, in a stable order; ids unique."""
    messages = [m for folder in folders for path in sorted(folder.glob("*.jsonl"))
                for m in load(path)]
    seen: set[str] = set()
    for message in messages:
        if message.id in seen:
            raise CorpusError(f"{message.source}: duplicate id {message.id}")
        seen.add(message.id)
    return messages


def corpus_hash(paths: Iterable[Path]) -> str:
    """SHA-256 over the files' names and bytes, in name order: what a model was trained on."""
    digest = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.name):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def words_key(text: str) -> str:
    """Two messages with the same key are near-duplicates (the same words once folded)."""
    return " ".join(tokens(text))


NEAR: Final = 0.6  # shingle overlap (Jaccard) at which two messages count as the same one


def _shingles(text: str) -> frozenset[tuple[str, ...]]:
    """Pairs of neighbouring words (single words for a one-word message): what "nearly the
    same words" compares. Pairs, not longer runs, so that one typo does not hide a copy."""
    words = tokens(text)
    size = min(2, len(words))
    return frozenset(tuple(words[i:i + size]) for i in range(len(words) - size + 1))


def near_duplicates(messages: Sequence[Message], others: Sequence[Message],
                    threshold: float = NEAR) -> set[str]:
    """The ids of ``messages`` whose shingles overlap some message of ``others`` by at least
    ``threshold`` (a reworded copy with a typo or an extra clause, not only the same words).

    The overlap with each message of ``others`` that shares a shingle is counted from an
    index of who holds each shingle (one pass over those lists), rather than by intersecting
    sets for every shared shingle: the same Jaccard test, without meeting a common pair
    ("i m") hundreds of times over."""
    holders: dict[tuple[str, ...], list[int]] = {}
    sizes: list[int] = []
    for index, other in enumerate(others):
        shingles = _shingles(other.text)
        sizes.append(len(shingles))
        for shingle in shingles:
            holders.setdefault(shingle, []).append(index)
    found = set()
    for message in messages:
        mine = _shingles(message.text)
        shared: Counter[int] = Counter()
        for shingle in mine:
            shared.update(holders.get(shingle, ()))
        # |mine & theirs| >= threshold * |mine | theirs|, the union being both sizes less the
        # shared shingles (each shingle is in a set once).
        if any(both >= threshold * (len(mine) + sizes[index] - both)
               for index, both in shared.items()):
            found.add(message.id)
    return found


def _bucket(key: str, parts: int) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") % parts


def split(messages: Sequence[Message], held_out: Sequence[Message] = (),
          validation_share: int = 5) -> tuple[list[Message], list[Message]]:
    """(training, validation): about one group in ``validation_share`` goes to validation.

    Groups are a message with its variants, merged with any other group sharing a near-duplicate
    text. Messages that nearly duplicate a held-out message (``near_duplicates``: writers given
    the same labelling guide sometimes wrote its examples) are dropped from both.
    """
    banned = {words_key(m.text) for m in held_out}
    too_near = near_duplicates(messages, held_out)
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    def join(a: str, b: str) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    first_with_words: dict[str, str] = {}
    kept = []
    for message in messages:
        key = words_key(message.text)
        if key in banned or message.id in too_near:
            continue
        kept.append(message)
        join(message.id, message.base)
        if key in first_with_words:
            join(message.id, first_with_words[key])
        else:
            first_with_words[key] = message.id
    training: list[Message] = []
    validation: list[Message] = []
    for message in kept:
        (validation if _bucket(root(message.id), validation_share) == 0 else training).append(
            message)
    return training, validation
