"""The trained risk model: a linear model over word and character n-grams, beside the rules.

The rules (``risk.py``) are precise and explain themselves, but only know the phrasings they were
written for. The model generalises from the labelled corpus in ``data/risk/`` to phrasing nobody
wrote a rule for, in English, Polish and Urdu. It is small, shipped in the package as
``risk_model.json.gz`` (gzipped JSON: 200,000 features make 2.0 MB compressed)
with its model card, and needs nothing at run time but this file: no download,
no scikit-learn (``hearth risk train`` rebuilds it with scikit-learn; see ``training.py``).

How a text is scored (``web/static/risk-model.js`` does the same for the browser nudge):

* Its features (``features.py``) are looked up in the vocabulary, each with its count, weighted
  by its inverse document frequency; the vector is divided by the square root of the sum of
  count times idf squared (tf-idf). All of that adds up word by word (``features.py``, step 4),
  so each word's share of the three sums (the squared length and two logits) is worked out once
  and remembered (a bounded cache): scoring a message is a few additions per word and pair,
  not hundreds of lookups and a NumPy gather.
* Two logits against "none" give, through a softmax, the chance that the text is ``urgent`` and
  that it is ``concern`` or worse; a second head gives a score per category, to say what the
  risk is about.
* A text of several sentences is scored whole and sentence by sentence, and the highest scores
  count, so one risky sentence in a long post about slings is not diluted.

Weights are stored as 8-bit integers with a scale per column (the file stays small enough to send
to a browser); the same integers are used in Python and in JavaScript, so both agree.
"""

from __future__ import annotations

import base64
import gzip
import itertools
import json
import math
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final, Protocol

import numpy as np

from server.safeguarding import features as feats

__all__ = ["MODEL_FILE", "LinearRiskModel", "ModelError", "ModelScore", "RiskModel", "RuleGate",
           "default_model", "document_text"]

FORMAT: Final = "hearth-risk-model/1"
MODEL_FILE: Final = "risk_model.json.gz"
"""The server's model in the package; the browser's, smaller one is ``risk_model_browser.json``."""


def document_text(data: bytes, name: str) -> str:
    """A model file's JSON text: gunzipped when ``name`` ends in ``.gz``."""
    return (gzip.decompress(data) if name.endswith(".gz") else data).decode("utf-8")


class ModelError(ValueError):
    """The model file is malformed or was built for other features."""


@dataclass(frozen=True, slots=True)
class ModelScore:
    """What a model thinks of one text.

    ``urgent`` is the chance it is urgent; ``any_risk`` the chance it is concern or urgent (so
    ``any_risk >= urgent``); ``category`` the category it most resembles with its score (only
    from ``categorise``); ``language`` the language whose thresholds apply.
    """

    urgent: float
    any_risk: float
    category: str | None = None
    category_score: float = 0.0
    language: str = "en"  # which thresholds apply (features.language_of)


@dataclass(frozen=True, slots=True)
class RuleGate:
    """The rules that need the model's agreement before they raise anything.

    A rule in ``rules`` was right (the message really was concern or urgent) on fewer than 95 %
    of the training messages it fired on (``training.RULE_PRECISION``): "I'm not suicidal,
    just knackered", a recovered past, a film's plot. Its match counts only when the model's
    any-risk score reaches ``min_any_risk``. Chosen when the model is trained, from the
    training split, and stored in the model's file; the precise rules are not in it and stand
    whatever the model says.
    """

    rules: frozenset[str] = frozenset()
    min_any_risk: float = 0.0

    def holds(self, rule: str, any_risk: float) -> bool:
        return rule not in self.rules or any_risk >= self.min_any_risk


class RiskModel(Protocol):
    """Anything that scores a text: the linear model today, a stronger backend later."""

    @property
    def version(self) -> str: ...

    @property
    def rule_gate(self) -> RuleGate:
        """Which rules this model must agree with (chosen with this model's scores)."""
        ...

    @property
    def thresholds(self) -> Mapping[str, Mapping[str, float]]:
        """Per language (``en``, ``pl``, ``ur``): the ``urgent`` and ``concern`` thresholds."""
        ...

    def score(self, text: str) -> ModelScore: ...

    def categorise(self, text: str) -> ModelScore:
        """``score`` with the category filled in (for texts the model raises)."""
        ...


def _unpack(encoded: str, columns: int, rows: int, signed: bool = True) -> Any:
    raw = base64.b64decode(encoded)
    if len(raw) != rows * columns:
        raise ModelError(f"weights hold {len(raw)} bytes, expected {rows * columns}")
    return np.frombuffer(raw, dtype=np.int8 if signed else np.uint8).reshape(rows, columns)


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


# What a word adds to a piece's sums (``features.py``, step 4): its features' idf
# squared (a piece's squared length adds these up), its concern and urgent logit parts, and its
# category logit parts (read only for texts the model raised). A plain tuple: a message adds up
# dozens of them, and indexing a tuple is the cheapest read Python has.
_Sums = tuple[float, float, float, Any]


@dataclass(frozen=True, slots=True)
class _Piece:
    """A text's or a sentence's sums, with the words' sums and the pairs' rows they came from."""

    q: float
    concern: float
    urgent: float
    sums: list[_Sums]
    pairs: list[int]


@dataclass(frozen=True, slots=True)
class _Evaluated:
    """A text's pieces (the whole first), its language and each piece's chances."""

    pieces: list[_Piece]
    language: str
    urgent: list[float]
    any_risk: list[float]


CACHE_WORDS: Final = 50_000  # remembered words; the cache starts afresh when full


class LinearRiskModel:
    """The shipped model, loaded from its JSON document."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        if doc.get("format") != FORMAT:
            raise ModelError(f"not a {FORMAT} document")
        if doc.get("feature_version") != feats.FEATURE_VERSION:
            raise ModelError(
                f"trained with features v{doc.get('feature_version')}, this code computes "
                f"v{feats.FEATURE_VERSION}: retrain with 'hearth risk train'")
        try:
            vocab: list[str] = list(doc["vocab"])
            size = len(vocab)
            self.card: dict[str, Any] = dict(doc["card"])
            self._version = str(self.card["version"])
            self._thresholds = {lang: {k: float(v) for k, v in levels.items()}
                                for lang, levels in doc["thresholds"].items()}
            self._common = {lang: frozenset(words) for lang, words in doc["languages"].items()}
            # The browser's model has no gate: the draft nudge runs every rule as it is.
            gate = doc.get("rule_gate") or {"rules": {}, "min_any_risk": 0.0}
            self._gate = RuleGate(frozenset(gate["rules"]), float(gate["min_any_risk"]))
            self.categories: tuple[str, ...] = tuple(doc["categories"])
            idf = _unpack(doc["idf"], 1, size, signed=False)[:, 0] * float(doc["idf_scale"])
            label = _unpack(doc["label_weights"], 2, size).astype(np.float64)
            label_scale = np.array([float(s) for s in doc["label_scale"]])
            self._label_bias = [float(b) for b in doc["label_bias"]]
            # The browser's model has no category head (``categories`` is empty).
            if self.categories:
                category = _unpack(doc["category_weights"], len(self.categories), size)
                category_scale = np.array([float(s) for s in doc["category_scale"]])
                self._category_bias = np.array([float(b) for b in doc["category_bias"]])
            else:
                category = np.zeros((size, 0), dtype=np.int8)
                category_scale = np.zeros(0)
                self._category_bias = np.zeros(0)
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"malformed model document: {exc}") from None
        if category_scale.shape != (len(self.categories),) or label_scale.shape != (2,):
            raise ModelError("malformed model document: scales do not match the heads")
        self._index = {feature: i for i, feature in enumerate(vocab)}
        # One row per feature: idf squared, the concern and urgent logit parts, then the
        # category logit parts; the tf-idf weight is folded into the logit parts so that
        # scoring is sums and a square root.
        self._rows = np.column_stack([idf * idf, idf[:, None] * label * label_scale,
                                      idf[:, None] * category * category_scale])
        self._words: dict[str, _Sums] = {}
        # The label sums of every feature, three doubles a row in one flat array (4.8 MB, one
        # object, nothing for the garbage collector to walk), read for pairs: an object per
        # pair met would add up to 50 MB. The category head reads its rows only for texts
        # the model raised.
        self._label_sums = array("d", np.ascontiguousarray(self._rows[:, :3]).tobytes())
        self._last: tuple[str, _Evaluated] | None = None

    @property
    def version(self) -> str:
        return self._version

    @property
    def thresholds(self) -> Mapping[str, Mapping[str, float]]:
        return self._thresholds

    @property
    def rule_gate(self) -> RuleGate:
        return self._gate

    @classmethod
    def from_json(cls, text: str) -> LinearRiskModel:
        return cls(json.loads(text))

    def _sums(self, rows: list[int]) -> _Sums:
        total = self._rows[rows].sum(axis=0)
        q, concern, urgent = total[:3].tolist()
        return q, concern, urgent, total[3:]

    def _word(self, word: str) -> _Sums:
        found = self._words.get(word)
        if found is None:
            index = self._index
            found = self._sums(
                list({i for i in map(index.get, feats.token_features(word)) if i is not None}))
            # Numbers (times, amounts, counts) seldom come back: remembering each would fill
            # the cache with one-offs, and every entry is an object the garbage collector
            # walks until the cache starts afresh (docs/performance.md).
            if not word.isdigit():
                if len(self._words) >= CACHE_WORDS:
                    self._words.clear()  # bounded: random text cannot grow it without limit
                self._words[word] = found
        return found

    def _piece(self, words: Iterable[str], pairs: Iterable[int]) -> _Piece:
        """One piece's sums (``features.py``, step 4): each distinct word's once, and each
        distinct pair's that the model knows once (``pairs`` holds their rows)."""
        q = concern = urgent = 0.0
        found = [self._words.get(word) or self._word(word) for word in set(words)]
        for sums in found:
            q += sums[0]
            concern += sums[1]
            urgent += sums[2]
        rows = list(pairs)
        label_sums = self._label_sums
        for row in rows:
            q += label_sums[3 * row]
            concern += label_sums[3 * row + 1]
            urgent += label_sums[3 * row + 2]
        return _Piece(q, concern, urgent, found, rows)

    def _pieces(self, text: str) -> tuple[list[_Piece], str]:
        """The whole text's sums, then each sentence's when there are several (none for a
        text without words); and the text's language. Words none of whose features the
        model knows still score: their sums are naught and give the biases."""
        parts = feats.sentence_tokens(text)
        words = parts[0] if len(parts) == 1 else [w for part in parts for w in part]
        language = feats.language_of(text, words, self._common)
        if not words:
            return [], language  # nothing to read: no score at all
        get = self._index.get
        pairs = [{i for i in map(get, feats.bigrams(part)) if i is not None} for part in parts]
        if len(parts) == 1:
            return [self._piece(words, pairs[0])], language
        # The whole text's pairs are its sentences' and those across their ends.
        across = {i for i in (get("b:" + a[-1] + " " + b[0])
                              for a, b in itertools.pairwise(parts)) if i is not None}
        whole = self._piece(words, across.union(*pairs))
        return [whole, *map(self._piece, parts, pairs)], language

    def _chances(self, piece: _Piece) -> tuple[float, float]:
        """Softmax of [none, concern, urgent] from a piece's sums (no feature: biases)."""
        norm = math.sqrt(piece.q) or 1.0
        concern = piece.concern / norm + self._label_bias[0]
        urgent = piece.urgent / norm + self._label_bias[1]
        top = max(0.0, concern, urgent)
        e_none, e_concern, e_urgent = (math.exp(-top), math.exp(concern - top),
                                       math.exp(urgent - top))
        total = e_none + e_concern + e_urgent
        return e_urgent / total, (e_concern + e_urgent) / total

    def _evaluate(self, text: str) -> _Evaluated:
        # The assessor asks for the category of a text it has just scored: remember the last.
        last = self._last
        if last is not None and last[0] == text:
            return last[1]
        pieces, language = self._pieces(text)
        chances = [self._chances(piece) for piece in pieces] or [(0.0, 0.0)]
        evaluated = _Evaluated(pieces, language, [u for u, _ in chances],
                               [a for _, a in chances])
        self._last = (text, evaluated)
        return evaluated

    def score(self, text: str) -> ModelScore:
        """The label scores; see :meth:`categorise` for what the risk is about."""
        e = self._evaluate(text)
        return ModelScore(urgent=max(e.urgent), any_risk=max(e.any_risk), language=e.language)

    def categorise(self, text: str) -> ModelScore:
        """:meth:`score` with the category the riskiest piece most resembles (for a text the
        model raised, to say what it is about)."""
        e = self._evaluate(text)
        plain = ModelScore(urgent=max(e.urgent), any_risk=max(e.any_risk), language=e.language)
        if not e.pieces or not self.categories:
            return plain
        piece = e.pieces[e.any_risk.index(plain.any_risk)]
        if piece.q == 0.0:
            return plain  # no feature the model knows: nothing to say what it is about
        parts = [found[3] for found in piece.sums]
        if piece.pairs:
            parts.append(self._rows[piece.pairs, 3:].sum(axis=0))
        sums = np.sum(parts, axis=0) / math.sqrt(piece.q) + self._category_bias
        top = int(np.argmax(sums))
        return ModelScore(urgent=plain.urgent, any_risk=plain.any_risk,
                          category=self.categories[top], category_score=_sigmoid(float(sums[top])),
                          language=e.language)


def default_model() -> LinearRiskModel:
    """The model shipped in the package."""
    return LinearRiskModel.from_json(document_text(
        resources.files("server.safeguarding").joinpath(MODEL_FILE).read_bytes(), MODEL_FILE))
