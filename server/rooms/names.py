"""Participant names: cleaning what people type, and friendly pseudonyms.

Pure functions; the HTTP join handler calls them before a name is signed into
a token, so every later message can trust the name it carries.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import secrets
import unicodedata
from collections.abc import Iterable
from importlib import resources

MAX_NAME = 32
MAX_CHAT = 2000

# Zero-width joiner stays: it glues emoji such as family sequences together and
# cannot reorder text. Every other format character (Cf) goes, which covers the
# bidirectional overrides and isolates (U+202A-202E, U+2066-2069), marks
# (U+200E/200F, U+061C) and zero-width spaces that let one name impersonate
# another or flip the text around it.
_KEEP_FORMAT = frozenset({"\u200d"})
_SPACES = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n{3,}")


class InvalidName(ValueError):
    """The name has no usable characters or is too long; the message says which."""


def _strip_invisible(text: str, keep: frozenset[str]) -> str:
    return "".join(
        ch
        for ch in text
        if ch in keep or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")
        or ch in _KEEP_FORMAT
    )


def clean_name(raw: str) -> str:
    """Return the display form of ``raw`` or raise ``InvalidName``.

    NFC-normalised, control/format characters removed, whitespace runs turned
    into one space, trimmed; the result must be 1-32 characters.
    """
    text = unicodedata.normalize("NFC", raw)
    text = _strip_invisible(text.replace("\t", " ").replace("\n", " "), frozenset())
    text = _SPACES.sub(" ", text).strip()
    if not text:
        raise InvalidName("a name needs at least one visible character")
    if len(text) > MAX_NAME:
        raise InvalidName(f"a name can be at most {MAX_NAME} characters")
    return text


_SYMBOLS = frozenset("|!@$+")  # stand-ins that are not letters or digits themselves


@functools.cache
def _lookalikes() -> tuple[dict[int, str], tuple[str, ...], frozenset[str]]:
    data = json.loads(resources.files("server.rooms").joinpath("lookalikes.json").read_text(
        encoding="utf-8"))
    table = {ord(k): v for k, v in data["map"].items()}
    # The reserved words go through the same table, so that both sides read alike ("lead"
    # and "1ead" both become "iead").
    parts = tuple("".join(_readings(p, table)[0]) for p in data["reserved_parts"])
    words = frozenset("".join(_readings(w, table)[0]) for w in data["reserved_words"])
    return table, parts, words


def _readings(name: str, table: dict[int, str]) -> tuple[list[str], list[str]]:
    """The words of ``name`` with stand-in symbols read as letters ("adm!n" -> "admin"), and
    with them dropped ("admin!" -> "admin")."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name).casefold())
    bare = "".join(ch for ch in folded if not unicodedata.combining(ch))
    as_letters = bare.translate(table)
    dropped = "".join(ch for ch in bare if ch not in _SYMBOLS).translate(table)
    return ([w for w in re.split(r"[^a-z0-9]+", as_letters) if w],
            [w for w in re.split(r"[^a-z0-9]+", dropped) if w])


def lookalike_key(name: str) -> list[str]:
    """The words of ``name`` as they read: "F4c1l1tat0r Sam" and "Facilitator sam" give
    the same key. Compatibility forms and accents go, stand-ins become the letter they
    imitate (``lookalikes.json``), anything else separates words."""
    return _readings(name, _lookalikes()[0])[0]


class ReservedName(InvalidName):
    """A parent's name that reads as a facilitator's, or as a staff word."""


def check_not_reserved(name: str, staff_names: Iterable[str] = ()) -> None:
    """Raise ``ReservedName`` when ``name`` (a parent's) imitates a staff role ("Facilitator
    Sam", "m0derator", "Admin") or reads the same as a staff member's name, so that nobody
    can pass as a facilitator. Real staff carry a badge the page draws, never a name."""
    table, parts, reserved = _lookalikes()
    taken = {"".join(lookalike_key(staff)) for staff in staff_names}
    for words in _readings(name, table):
        joined = "".join(words)
        if (any(part in joined for part in parts) or reserved.intersection(words)
                or joined in taken):
            raise ReservedName("that name is kept for the group's facilitators; please "
                               "choose another")


def clean_chat(raw: str) -> str:
    """Chat text with control and bidi characters removed (newlines and tabs kept).

    Returns "" when nothing visible is left; the caller answers ``bad_message``.
    """
    text = unicodedata.normalize("NFC", raw).replace("\r\n", "\n").replace("\r", "\n")
    text = _strip_invisible(text, frozenset({"\n", "\t"}))
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


# Gentle, ungendered words: a pseudonym should feel kind and reveal nothing.
_ADJECTIVES = (
    "Gentle", "Kind", "Quiet", "Bright", "Calm", "Warm", "Brave", "Steady", "Hopeful",
    "Patient", "Cosy", "Sunny", "Soft", "Cheerful", "Thoughtful", "Golden", "Misty",
    "Tender", "Lively", "Merry",
)
_NOUNS = (
    "Robin", "Otter", "Willow", "Heron", "Maple", "Wren", "Badger", "Fern", "Puffin",
    "Hazel", "Swallow", "Acorn", "Bramble", "Clover", "Kestrel", "Meadow", "Pebble",
    "Rowan", "Thistle", "Finch",
)


def pseudonyms(count: int, avoid: Iterable[str] = ()) -> list[str]:
    """``count`` different friendly random names such as "Gentle Otter" (of 400), none that
    reads as one in ``avoid`` (staff members' names, compared as check_not_reserved does)
    while others are free."""
    taken = {"".join(lookalike_key(name)) for name in avoid}
    every = [f"{a} {n}" for a in _ADJECTIVES for n in _NOUNS]
    free = [name for name in every if "".join(lookalike_key(name)) not in taken] or every
    return secrets.SystemRandom().sample(free, min(count, len(free)))


def pseudonym(avoid: Iterable[str] = ()) -> str:
    """One friendly random name, never a staff member's (``avoid``) while another is free."""
    return pseudonyms(1, avoid)[0]


def stable_pseudonym(seed: str) -> str:
    """The same friendly name for the same seed, e.g. a staff member who gave no
    display name: participants never see an account's username (invariant 4)."""
    digest = hashlib.sha256(seed.encode()).digest()
    return f"{_ADJECTIVES[digest[0] % len(_ADJECTIVES)]} {_NOUNS[digest[1] % len(_NOUNS)]}"
