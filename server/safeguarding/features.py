"""The features the risk model reads from a message: the same in Python and in the browser.

``web/static/risk-model.js`` implements exactly these steps, and a test runs both over every
corpus message and compares the feature sets, so every step here is one that JavaScript can do the
same way (Unicode normalisation, a character table, one regular expression per step).

1. Fold: NFKC, lower case, strip combining marks (so "nie mogę" and "nie moge" meet, and Urdu
   written with or without vowel marks meets), map letters that have a common stand-in (Polish
   ``ł`` to ``l``, the Arabic forms of Urdu ``ی``, ``ک`` and ``ہ`` to the Urdu ones), drop
   apostrophes ("can't" and "cant" meet), and squeeze a letter repeated three or more times to
   two ("soooo" is "soo").
2. Tokens: runs of letters and digits, in any script.
3. Features: each token (``w:``), each pair of neighbouring tokens (``b:``), and every run of 3, 4
   and 5 characters of the tokens joined by single spaces with a space at each end, so that
   spelling slips, text-speak and unseen inflections still share most of their features.

Sentences: a long message is also scored sentence by sentence, so that one risky sentence in a
paragraph about slings is not diluted. :func:`sentences` splits on sentence marks and line breaks.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from typing import Final

__all__ = ["FEATURE_VERSION", "features", "fold", "sentences", "tokens"]

FEATURE_VERSION: Final = 1
"""Bump when any step changes: a model records the version it was trained with."""

CHAR_NGRAMS: Final = (3, 4, 5)

# Letters with a common stand-in that NFD does not take apart.
_STAND_INS: Final = str.maketrans({
    "ł": "l",
    "ß": "ss",
    "\u064a": "\u06cc",  # Arabic yeh -> Farsi/Urdu yeh
    "\u0649": "\u06cc",  # alef maksura -> Urdu yeh
    "\u0643": "\u06a9",  # Arabic kaf -> keheh
    "\u0647": "\u06c1",  # Arabic heh -> heh goal
    "\u2019": None, "\u2018": None, "'": None, "\u02bc": None, "`": None,
    "\u0640": None,  # tatweel (kashida): stretches a word, means nothing
})
_SQUEEZE: Final = re.compile(r"(.)\1{2,}")
_TOKEN: Final = re.compile(r"[^\W_]+")
_SENTENCE: Final = re.compile(r"[.!?\n\u06d4\u061f]+")


def fold(text: str) -> str:
    """Step 1: the text as the features see it."""
    if text.isascii():  # most messages: nothing to normalise or strip, and much faster
        return _SQUEEZE.sub(r"\1\1", text.lower().translate(_STAND_INS))
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text).lower())
    category = unicodedata.category
    bare = "".join(c for c in decomposed if category(c)[0] != "M")
    return _SQUEEZE.sub(r"\1\1", unicodedata.normalize("NFC", bare).translate(_STAND_INS))


def tokens(text: str) -> list[str]:
    """Steps 1 and 2: the words of ``text``, folded."""
    return _TOKEN.findall(fold(text))


def features(words: list[str]) -> set[str]:
    """Step 3: the feature strings of a message already split into ``words``."""
    found = {"w:" + w for w in words}
    found.update("b:" + a + " " + b for a, b in itertools.pairwise(words))
    joined = " " + " ".join(words) + " "
    size = len(joined)
    for n in CHAR_NGRAMS:
        found.update(joined[i:i + n] for i in range(size - n + 1))
    return found


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` that have words in them (one item for a one-sentence text)."""
    parts = [part for part in _SENTENCE.split(text) if _TOKEN.search(part)]
    return parts or [text]
