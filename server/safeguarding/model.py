"""The trained risk model: a linear model over word and character n-grams, beside the rules.

The rules (``risk.py``) are precise and explain themselves, but only know the phrasings they were
written for. The model generalises from the labelled corpus in ``data/risk/`` to phrasing nobody
wrote a rule for, in English, Polish and Urdu. It is small, shipped in the package as
``risk_model.json`` with its model card, and needs nothing at run time but this file: no download,
no scikit-learn (``hearth risk train`` rebuilds it with scikit-learn; see ``training.py``).

How a text is scored (``web/static/risk-model.js`` does the same for the browser nudge):

* Its features (``features.py``) are looked up in the vocabulary. Each present feature counts once,
  weighted by its inverse document frequency, and the vector is scaled to unit length (tf-idf).
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
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final, Protocol

from server.safeguarding import features as feats

__all__ = ["LinearRiskModel", "ModelError", "ModelScore", "RiskModel", "default_model"]

FORMAT: Final = "hearth-risk-model/1"


class ModelError(ValueError):
    """The model file is malformed or was built for other features."""


@dataclass(frozen=True, slots=True)
class ModelScore:
    """What a model thinks of one text.

    ``urgent`` is the chance it is urgent; ``any_risk`` the chance it is concern or urgent (so
    ``any_risk >= urgent``); ``category`` the category it most resembles with its score (``None``
    when the text looks like no risk at all).
    """

    urgent: float
    any_risk: float
    category: str | None = None
    category_score: float = 0.0


class RiskModel(Protocol):
    """Anything that scores a text: the linear model today, a stronger backend later."""

    @property
    def version(self) -> str: ...

    @property
    def thresholds(self) -> Mapping[str, float]: ...

    def score(self, text: str) -> ModelScore: ...


def _unpack(encoded: str, columns: int, rows: int, signed: bool = True) -> list[tuple[int, ...]]:
    raw = base64.b64decode(encoded)
    if len(raw) != rows * columns:
        raise ModelError(f"weights hold {len(raw)} bytes, expected {rows * columns}")
    values = [(b - 256 if signed and b > 127 else b) for b in raw]
    return [tuple(values[i * columns:(i + 1) * columns]) for i in range(rows)]


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


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
            self.version: str = str(doc["card"]["version"])
            self.card: dict[str, Any] = dict(doc["card"])
            self.thresholds: dict[str, float] = {
                k: float(v) for k, v in doc["thresholds"].items()}
            self.categories: tuple[str, ...] = tuple(doc["categories"])
            idf = _unpack(doc["idf"], 1, size, signed=False)
            label = _unpack(doc["label_weights"], 2, size)
            category = _unpack(doc["category_weights"], len(self.categories), size)
            idf_scale = float(doc["idf_scale"])
            label_scale = [float(s) for s in doc["label_scale"]]
            self._label_bias = [float(b) for b in doc["label_bias"]]
            category_scale = [float(s) for s in doc["category_scale"]]
            self._category_bias = [float(b) for b in doc["category_bias"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"malformed model document: {exc}") from None
        # One row per feature: (idf squared, concern logit part, urgent logit part); the tf-idf
        # weight is folded into the logit parts so that scoring is three sums and a square root.
        self._rows: dict[str, tuple[float, float, float, int]] = {}
        self._category_rows: list[tuple[float, ...]] = []
        for index, (feature, (q,), (c, u), cats) in enumerate(
                zip(vocab, idf, label, category, strict=True)):
            weight = q * idf_scale
            self._rows[feature] = (weight * weight, weight * c * label_scale[0],
                                   weight * u * label_scale[1], index)
            self._category_rows.append(tuple(
                weight * v * s for v, s in zip(cats, category_scale, strict=True)))

    @classmethod
    def from_json(cls, text: str) -> LinearRiskModel:
        return cls(json.loads(text))

    def _logits(self, words: list[str]) -> tuple[float, float, list[int]]:
        rows = self._rows
        found = [row for row in map(rows.get, feats.features(words)) if row is not None]
        if not found:
            return self._label_bias[0], self._label_bias[1], []
        norm = math.sqrt(sum(row[0] for row in found))
        concern = sum(row[1] for row in found) / norm + self._label_bias[0]
        urgent = sum(row[2] for row in found) / norm + self._label_bias[1]
        return concern, urgent, [row[3] for row in found]

    def score(self, text: str) -> ModelScore:
        parts = feats.sentences(text)
        pieces = [feats.tokens(text)]
        if len(parts) > 1:
            pieces += [feats.tokens(part) for part in parts]
        best_urgent, best_any, best_indexes, best_norm_source = 0.0, 0.0, list[int](), 0.0
        for words in pieces:
            if not words:
                continue
            concern, urgent, indexes = self._logits(words)
            top = max(0.0, concern, urgent)
            e_none, e_concern, e_urgent = (math.exp(-top), math.exp(concern - top),
                                           math.exp(urgent - top))
            total = e_none + e_concern + e_urgent
            p_urgent, p_any = e_urgent / total, (e_concern + e_urgent) / total
            if p_any > best_any or p_urgent > best_urgent:
                best_indexes, best_norm_source = indexes, p_any
            best_urgent, best_any = max(best_urgent, p_urgent), max(best_any, p_any)
        category, category_score = self._category(best_indexes) if best_norm_source else (None, 0)
        return ModelScore(urgent=best_urgent, any_risk=best_any, category=category,
                          category_score=category_score)

    def _category(self, indexes: Sequence[int]) -> tuple[str | None, float]:
        if not indexes:
            return None, 0.0
        rows = self._category_rows
        norm = math.sqrt(sum(self._rows_q(i) for i in indexes))
        sums = [sum(rows[i][k] for i in indexes) / norm + bias
                for k, bias in enumerate(self._category_bias)]
        best = max(range(len(sums)), key=sums.__getitem__)
        return self.categories[best], _sigmoid(sums[best])

    def _rows_q(self, index: int) -> float:
        return self._q_by_index[index]

    @property
    def _q_by_index(self) -> list[float]:
        cached: list[float] | None = getattr(self, "_q_cache", None)
        if cached is None:
            cached = [0.0] * len(self._rows)
            for q, _, _, index in self._rows.values():
                cached[index] = q
            object.__setattr__(self, "_q_cache", cached)
        return cached


def default_model() -> LinearRiskModel:
    """The model shipped in the package."""
    text = resources.files("server.safeguarding").joinpath("risk_model.json").read_text("utf-8")
    return LinearRiskModel.from_json(text)
