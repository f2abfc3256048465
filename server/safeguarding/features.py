"""The features the risk model reads from a message: the same in Python and in the browser.

``web/static/risk-model.js`` implements exactly these steps, and a test runs both over every
corpus message and compares the feature counts, so every step here is one that JavaScript can do the
same way (Unicode normalisation, a character table, one regular expression per step).

1. Fold: NFKC, lower case, strip combining marks (so "nie mogę" and "nie moge" meet, and Urdu
   written with or without vowel marks meets), map letters that have a common stand-in (Polish
   ``ł`` to ``l``, the Arabic forms of Urdu ``ی``, ``ک`` and ``ہ`` to the Urdu ones), drop
   apostrophes ("can't" and "cant" meet), and squeeze a letter repeated three or more times to
   two ("soooo" is "soo").
2. Tokens: runs of letters and digits, in any script.
3. Features: each token (``w:``), each pair of neighbouring tokens (``b:``), and every run of 3, 4
   and 5 characters of each token with a space at each end (" moge " gives " mo", "mog", ...,
   "oge "), so that spelling slips, text-speak and unseen inflections still share most of their
   features. Character runs stay inside a token so that a token's features can be computed once
   and remembered (``model.py`` caches them: most words come back again and again).
4. Counts: each distinct word of a text gives its features once, and a feature that two words
   share counts twice ("feeding" and "crying" both give "ing "); each distinct pair counts once.
   So a text's vector is the sum of its words' vectors and its pairs': ``model.py`` keeps each
   word's contribution to the scores as three numbers and adds them up, rather than gathering
   hundreds of features per message (version 2 counted every feature once per text, which no
   per-word sum can give; the model alone scores about a third faster with version 3,
   docs/risk-screen.md).

Sentences: a long message is also scored sentence by sentence, so that one risky sentence in a
paragraph about slings is not diluted. :func:`sentence_tokens` splits the folded text on sentence
marks and line breaks; since those are never part of a token, the message's tokens are exactly
its sentences' tokens, in order.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from typing import Final

__all__ = [
    "FEATURE_VERSION",
    "bigrams",
    "features",
    "fold",
    "language_of",
    "sentence_tokens",
    "sentences",
    "token_features",
    "tokens",
]

FEATURE_VERSION: Final = 3
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
# Every combining mark (Unicode category M*) of the Basic Multilingual Plane, to delete: one
# table lookup per character instead of a category test per character.
_MARKS: Final = {c: None for c in range(0x10000)
                 if unicodedata.category(chr(c))[0] == "M"}
_ASTRAL: Final = re.compile("[\U00010000-\U0010ffff]")
_SQUEEZE: Final = re.compile(r"(.)\1{2,}")


def _drop_mark(found: re.Match[str]) -> str:
    return "" if unicodedata.category(found.group())[0] == "M" else found.group()
_TOKEN: Final = re.compile(r"[^\W_]+")
_SENTENCE: Final = re.compile(r"[.!?\n\u06d4\u061f]+")


def fold(text: str) -> str:
    """Step 1: the text as the features see it."""
    if text.isascii():  # most messages: nothing to normalise or strip, and much faster
        return _SQUEEZE.sub(r"\1\1", text.lower().translate(_STAND_INS))
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text).lower())
    # The table covers the Basic Multilingual Plane; the few marks beyond it (and emoji, which
    # are not marks) are tested one by one.
    bare = _ASTRAL.sub(_drop_mark, decomposed.translate(_MARKS))
    return _SQUEEZE.sub(r"\1\1", unicodedata.normalize("NFC", bare).translate(_STAND_INS))


def tokens(text: str) -> list[str]:
    """Steps 1 and 2: the words of ``text``, folded."""
    return _TOKEN.findall(fold(text))


def token_features(word: str) -> list[str]:
    """The features of one token on its own: the word and its character runs."""
    padded = " " + word + " "
    size = len(padded)
    return ["w:" + word, *(padded[i:i + n] for n in CHAR_NGRAMS for i in range(size - n + 1))]


def bigrams(words: list[str]) -> list[str]:
    """The features of neighbouring pairs."""
    return ["b:" + a + " " + b for a, b in itertools.pairwise(words)]


def features(words: list[str]) -> dict[str, int]:
    """Steps 3 and 4: the features of a message already split into ``words``, with their
    counts: each distinct word's features once per word, each distinct pair once."""
    found = dict.fromkeys(bigrams(words), 1)
    for word in set(words):
        for feature in set(token_features(word)):
            found[feature] = found.get(feature, 0) + 1
    return found


def sentence_tokens(text: str) -> list[list[str]]:
    """The tokens of each sentence of ``text`` that has any (at least one list, maybe empty)."""
    parts = [_TOKEN.findall(part) for part in _SENTENCE.split(fold(text))]
    return [words for words in parts if words] or [[]]


_URDU_LETTERS: Final = re.compile(r"[\u0600-\u06ff]")
_POLISH_LETTERS: Final = re.compile(r"[ąćęłńśźżĄĆĘŁŃŚŹŻ]")


def language_of(text: str, words: list[str], common: dict[str, frozenset[str]]) -> str:
    """``en``, ``pl`` or ``ur``: Urdu-script letters say Urdu, Polish letters Polish; otherwise
    the language with the most of its ``common`` words, if it has two (or a third of a short
    message); otherwise English. Used only to pick the model's thresholds."""
    if _URDU_LETTERS.search(text):
        return "ur"
    if _POLISH_LETTERS.search(text):
        return "pl"
    best, hits = "en", 0
    for language, vocabulary in sorted(common.items()):
        found = sum(map(vocabulary.__contains__, words))
        if found > hits:
            best, hits = language, found
    return best if hits >= 2 or (hits and 3 * hits >= len(words)) else "en"


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` that have words in them (one item for a one-sentence text).
    Used to make training examples; scoring uses :func:`sentence_tokens`."""
    parts = [part for part in _SENTENCE.split(text) if _TOKEN.search(part)]
    return parts or [text]
