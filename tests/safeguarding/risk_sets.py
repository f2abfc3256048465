"""The labelled risk sets in data/risk/, as the tests and benchmarks read them.

The corpus is data (JSON Lines; docs/risk-labels.md gives the fields and how labels are chosen).
This module only loads it, in the ``(text, label, categories)`` shape the rule tests use:

* ``EVAL_SET``: data/risk/legacy/rules-development.jsonl, the messages the rules were developed
  against (their history is in data/risk/README.md), so its figures for the rules are optimistic.
  ``HELDOUT_SET`` to ``HELDOUT_SET_4`` are the batches of it that were once held out.
* ``HELDOUT_SET_5`` and ``HELDOUT_SET_6``: the rules' last two held-out batches
  (data/risk/heldout/legacy-5.jsonl and legacy-6.jsonl), never tuned on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from server.safeguarding import corpus

DATA: Final = Path(__file__).resolve().parents[2] / "data" / "risk"
EvalItem = tuple[str, str, tuple[str, ...]]


def items(messages: list[corpus.Message]) -> list[EvalItem]:
    return [(m.text, m.label, tuple(sorted(m.categories))) for m in messages]


_DEVELOPMENT: Final = corpus.load(DATA / "legacy" / "rules-development.jsonl")


def _batch(name: str) -> list[EvalItem]:
    return items([m for m in _DEVELOPMENT if m.written.endswith(name)])


EVAL_SET: Final = items(_DEVELOPMENT)
HELDOUT_SET: Final = _batch("first heldout")
HELDOUT_SET_2: Final = _batch("second heldout")
HELDOUT_SET_3: Final = _batch("third heldout")
HELDOUT_SET_4: Final = _batch("fourth heldout")
HELDOUT_SET_5: Final = items(corpus.load(DATA / "heldout" / "legacy-5.jsonl"))
HELDOUT_SET_6: Final = items(corpus.load(DATA / "heldout" / "legacy-6.jsonl"))
