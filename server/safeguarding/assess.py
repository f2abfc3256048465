"""One decision from the rules and the model together.

The rules (``risk.py``) keep their explanations and hard guards, and what the precise rules
decide stands. A few rules are not precise: on the training split they were right on fewer than
95 in 100 of the messages they fired on ("I'm not suicidal, just knackered", a recovered past).
Those need the model's agreement (its any-risk score at the gate the model's file names, see
``model.RuleGate``) before they raise anything; on the validation split this halved the rules'
false alarms for 5 of 3,041 urgent messages. The model (``model.py``) also catches what the
rules miss: a text the rules pass is raised to ``urgent`` when the model's urgent score reaches
its urgent threshold, or to ``concern`` when its any-risk score reaches the concern threshold
(both thresholds chosen on a validation split when it was trained). Every decision says which
signal fired, so that a facilitator's alert can say why in words.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Final

from server.safeguarding.model import ModelScore, RiskModel, default_model
from server.safeguarding.risk import Match, RiskScreen, Severity
from server.safeguarding.screening import default_screen

__all__ = ["Assessment", "RiskAssessor", "default_assessor"]


@dataclass(frozen=True, slots=True)
class Assessment:
    """The screen's answer: the severity, what it is about, and which signals fired.

    ``rules`` are the ids of the rules that fired; ``model`` is the model's score when the model
    raised or confirmed the severity (``None`` when it found nothing above its thresholds).
    """

    severity: Severity
    categories: tuple[str, ...]
    rules: tuple[str, ...]
    model: ModelScore | None = None
    model_version: str | None = None


NOTHING: Final = Assessment(Severity.NONE, (), ())


class RiskAssessor:
    """Rules first, the model beside them (``model=None``: the rules alone)."""

    def __init__(self, screen: RiskScreen, model: RiskModel | None) -> None:
        self.screen = screen
        self.model = model

    @property
    def model_version(self) -> str | None:
        return self.model.version if self.model is not None else None

    def assess(self, text: str) -> Assessment:
        decision = self.screen.screen(text)
        matches = decision.matches
        if self.model is None:
            return Assessment(decision.severity, decision.categories, _ids(matches))
        score: ModelScore | None = None
        gate = self.model.rule_gate
        if any(m.rule in gate.rules for m in matches):
            score = self.model.score(text)
            any_risk = score.any_risk
            matches = tuple(m for m in matches if gate.holds(m.rule, any_risk))
        severity = max((m.severity for m in matches), key=lambda s: s.rank,
                       default=Severity.NONE)
        # Matches come in the rules file's order of categories: keep it.
        categories = tuple(dict.fromkeys(m.category for m in matches))
        rules = _ids(matches)
        if severity is Severity.URGENT:
            # Nothing is above urgent: the rules' explanation says it all, and the model's
            # time is saved for the texts it might raise.
            return Assessment(severity, categories, rules)
        if score is None:
            score = self.model.score(text)
        levels = self.model.thresholds
        thresholds = levels.get(score.language) or levels["en"]  # a language it has no pair for
        if score.urgent >= thresholds["urgent"]:
            fired = Severity.URGENT
        elif score.any_risk >= thresholds["concern"]:
            fired = Severity.CONCERN
        else:
            fired = Severity.NONE
        if fired is Severity.NONE:
            return Assessment(severity, categories, rules)
        score = self.model.categorise(text)  # only for texts it raised: it costs more
        if score.category is not None and score.category not in categories:
            categories = (*categories, score.category)
        return Assessment(max(severity, fired, key=lambda s: s.rank), categories, rules,
                          model=score, model_version=self.model.version)


def _ids(matches: tuple[Match, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m.rule for m in matches))


@functools.cache
def default_assessor() -> RiskAssessor:
    """The shipped rules and model, loaded once per process (both are immutable)."""
    return RiskAssessor(default_screen(), default_model())
