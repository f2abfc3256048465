"""Participant names: cleaning what people type, and friendly pseudonyms.

Pure functions; the HTTP join handler calls them before a name is signed into
a token, so every later message can trust the name it carries.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata

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


def pseudonym() -> str:
    """A friendly random name such as "Gentle Otter" (400 combinations)."""
    return f"{secrets.choice(_ADJECTIVES)} {secrets.choice(_NOUNS)}"


def stable_pseudonym(seed: str) -> str:
    """The same friendly name for the same seed, e.g. a staff member who gave no
    display name: participants never see an account's username (invariant 4)."""
    digest = hashlib.sha256(seed.encode()).digest()
    return f"{_ADJECTIVES[digest[0] % len(_ADJECTIVES)]} {_NOUNS[digest[1] % len(_NOUNS)]}"
