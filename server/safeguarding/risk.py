"""The risk screen: a pure, explainable classifier for chat and help-request text.

Every chat message passes this screen before anyone else receives it (ARCHITECTURE invariant 5).
It answers with a :class:`Decision`: a severity (``urgent`` holds the message from the group and
signposts the sender; ``concern`` delivers it and alerts the facilitators), the categories found,
and the rules that fired, so that a facilitator's alert can say *why*.

Everything the screen knows lives in ``risk_rules.json`` as data: normalisation tables, rule
patterns and the guards that stop idioms, negations and reported speech from raising alarms. The
same file is shipped to the browser, where ``web/static/risk.js`` evaluates it to show crisis links
while someone is still typing. The two engines must agree, so the rule language is deliberately
small (see :data:`_FORBIDDEN`) and every normalisation step is a named operation over data that
both engines implement identically.

How a text is screened:

1. It is normalised: Unicode folding, lower case, leetspeak inside words (``k1ll``), letters
   spelled out with separators (``s u i c i d e``), apostrophes dropped, punctuation reduced to
   clause marks (`` , `` and `` . ``), stretched letters squeezed (``kiiiill``: both a two-letter
   and a one-letter reading are screened, since either may be the real word), then text-speak
   words (``kms``, ``wnt``) and short phrases are rewritten.
2. Each rule (a pattern matched on whole words) is searched; a per-category alternation of all its
   rules is tried first so that most benign messages cost a handful of regex searches.
3. For each match, the rule's guards look at the surrounding text: an idiom over the match, a
   negation just before it, a past-tense or reported frame, a denial after it. A guard either
   suppresses the match or downgrades it from urgent to concern.
4. The decision is the highest surviving severity, with the categories and rules that produced it.

The screen is deterministic, never raises on any ``str`` input, and does no I/O after loading.
"""

from __future__ import annotations

import enum
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

__all__ = ["Decision", "Match", "RiskScreen", "RulesError", "Severity"]


class Severity(enum.StrEnum):
    """How strongly a message calls for a facilitator, in increasing order."""

    NONE = "none"
    CONCERN = "concern"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        """0, 1 or 2: for comparing severities (string order would be alphabetical)."""
        return _RANK[self]


_RANK: Final[dict[Severity, int]] = {Severity.NONE: 0, Severity.CONCERN: 1, Severity.URGENT: 2}


@dataclass(frozen=True, slots=True)
class Match:
    """One rule that fired and survived its guards, with the severity it ended with.

    ``severity`` may be lower than the rule's own severity when a guard downgraded it (for example
    an intent rule inside an intrusive-thought frame); it is never ``NONE``.
    """

    category: str
    rule: str
    severity: Severity


@dataclass(frozen=True, slots=True)
class Decision:
    """The screen's answer for one text.

    ``severity`` is the highest severity among ``matches`` (``NONE`` when there are none);
    ``categories`` lists each category of ``matches`` once, in the order the rules file declares
    categories; ``matches`` are ordered by category, then by the rules file's order of rules.
    """

    severity: Severity
    categories: tuple[str, ...]
    matches: tuple[Match, ...]


NO_RISK: Final = Decision(Severity.NONE, (), ())


class RulesError(ValueError):
    """The rules document is malformed or uses a regex feature outside the shared subset."""


# Constructs that Python ``re`` and JavaScript ``RegExp`` (without the ``u`` flag) read
# differently, or that only one of them has. Rules are written in the common subset so that the
# browser port reaches the same decision. Each entry: (compiled detector, reason).
_FORBIDDEN: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    (re.compile(r"\(\?<[=!]"), "lookbehind (older browsers lack it)"),
    (re.compile(r"\(\?P|\(\?<[A-Za-z]"), "named groups"),
    (re.compile(r"\(\?[^:=!]"), "inline flags or atomic groups (set flags once at the top)"),
    (re.compile(r"\\[AZzGpPNhHRXK]"), "anchors or classes that JavaScript lacks (use ^ and $)"),
    (re.compile(r"\\[1-9]"), "backreferences (rules are combined into one alternation)"),
    (re.compile(r"[*+?}]\+"), "possessive quantifiers"),
    (re.compile(r"\{,"), "'{,n}' (JavaScript reads it literally)"),
    (re.compile(r"\[\^?\]"), "a class starting with ']' (the engines disagree)"),
)


def _strip_escaped_pairs(pattern: str) -> str:
    """Replace each escaped pair except the ones _FORBIDDEN looks for, so ``\\(`` is not a group."""
    kept = "AZzGpPNhHRXK123456789"
    return re.sub(r"\\(.)", lambda m: m.group(0) if m.group(1) in kept else "e", pattern)


def check_portable(pattern: str) -> None:
    """Raise :class:`RulesError` if ``pattern`` is outside the Python/JavaScript common subset.

    Also checks the pattern compiles in Python. JavaScript compilation is tested separately by the
    Node agreement test.
    """
    plain = _strip_escaped_pairs(pattern)
    for detector, reason in _FORBIDDEN:
        if detector.search(plain):
            raise RulesError(f"pattern {pattern!r} uses {reason}")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise RulesError(f"pattern {pattern!r} does not compile: {exc}") from exc


# --- normalisation ------------------------------------------------------------------------------

_Step = Callable[[list[str]], list[str]]
"""A normalisation step maps the current readings of a text to the next ones (usually one)."""


def _js_replacement(replacement: str) -> str:
    """Turn a JavaScript-style replacement (``$1``) into Python's (``\\g<1>``)."""
    escaped = replacement.replace("\\", "\\\\")
    return re.sub(r"\$(\d)", r"\\g<\1>", escaped)


class _Normaliser:
    """Compiled normalisation steps; see the module docstring and the rules file's "normalise"."""

    def __init__(self, steps: Sequence[Mapping[str, Any]], flags: int) -> None:
        self._steps: list[_Step] = [self._compile(step, flags) for step in steps]

    def readings(self, text: str) -> list[str]:
        """Return the normalised readings of ``text``: one, or two when letters were stretched."""
        current = [text]
        for step in self._steps:
            current = step(current)
        # Two readings can coincide once later steps run; screening one of them is enough.
        return current if len(current) < 2 or current[0] != current[1] else current[:1]

    @staticmethod
    def _each(fn: Callable[[str], str]) -> _Step:
        return lambda texts: [fn(t) for t in texts]

    def _compile(self, step: Mapping[str, Any], flags: int) -> _Step:
        op = step.get("op")
        if op == "nfkd":
            # ASCII is already in NFKD form: skipping it keeps the common case fast.
            return self._each(lambda t: t if t.isascii() else unicodedata.normalize("NFKD", t))
        if op == "lowercase":
            return self._each(str.lower)
        if op == "strip_ranges":
            ranges = [(int(lo), int(hi)) for lo, hi in step["ranges"]]
            cls = "".join(f"\\u{lo:04x}-\\u{hi:04x}" for lo, hi in ranges)
            strip = re.compile(f"[{cls}]+")
            return self._each(lambda t: t if t.isascii() else strip.sub("", t))
        if op == "map_chars":
            return self._map_chars(step)
        if op == "map_between_letters":
            table = _char_table(step["map"])
            chars = re.escape("".join(step["map"]))
            inside = re.compile(f"([a-z])([{chars}]+)(?=[a-z])")
            return self._each(lambda t: inside.sub(lambda m: m[1] + m[2].translate(table), t))
        if op == "join_spaced_letters":
            seps = re.escape(str(step["separators"]))
            runs = int(step["min_letters"]) - 1
            spaced = re.compile(f"\\b[a-z](?:[{seps}]+[a-z]\\b){{{runs},}}")
            strip_seps = re.compile(f"[{seps}]+")
            return self._each(lambda t: spaced.sub(lambda m: strip_seps.sub("", m[0]), t))
        if op == "squeeze_repeats":
            return self._squeeze(step)
        if op == "collapse_spaces":
            return self._each(lambda t: " ".join(t.split()))
        if op == "map_words":
            words: dict[str, str] = dict(step["map"])
            return self._each(lambda t: " ".join([words.get(w, w) for w in t.split(" ")]))
        if op == "replace":
            pairs: list[tuple[re.Pattern[str], str]] = []
            for pattern, replacement in step["rules"]:
                check_portable(pattern)
                pairs.append((re.compile(pattern, flags), _js_replacement(replacement)))

            def replace_all(t: str) -> str:
                for compiled, replacement in pairs:
                    t = compiled.sub(replacement, t)
                return t

            return self._each(replace_all)
        raise RulesError(f"unknown normalisation op {op!r}")

    def _map_chars(self, step: Mapping[str, Any]) -> _Step:
        table = _char_table(step["map"])
        keep = step.get("keep")
        if keep is None:
            return self._each(lambda t: t.translate(table))
        default = str(step.get("default", " "))
        allowed = set(str(keep))
        for value in step["map"].values():
            if not set(value) <= allowed:
                raise RulesError(f"map_chars value {value!r} uses characters outside 'keep'")
        other = re.compile(f"[^{re.escape(str(keep))}]+")
        return self._each(lambda t: other.sub(default, t.translate(table)))

    def _squeeze(self, step: Mapping[str, Any]) -> _Step:
        min_run = int(step["min_run"])
        keeps = [int(k) for k in step["keep"]]
        if not keeps or min_run < 2 or any(not 1 <= k < min_run for k in keeps):
            raise RulesError("squeeze_repeats needs 1 <= keep < min_run")
        stretched = re.compile(f"([a-z])\\1{{{min_run - 1},}}")

        def squeeze(texts: list[str]) -> list[str]:
            out: list[str] = []
            for t in texts:
                if stretched.search(t) is None:
                    out.append(t)
                else:
                    out.extend(stretched.sub(lambda m, k=k: m[1] * k, t) for k in keeps)
            return out

        return squeeze


def _char_table(mapping: Mapping[str, str]) -> dict[int, str]:
    for key in mapping:
        if len(key) != 1:
            raise RulesError(f"character map key {key!r} is not one character")
    return {ord(k): str(v) for k, v in mapping.items()}


# --- guards and rules ---------------------------------------------------------------------------

_SCOPES: Final = frozenset(
    {"overlap", "just_before", "clause", "sentence_before", "sentence", "after"}
)
_ACTIONS: Final = frozenset({"suppress", "downgrade", "flag"})


@dataclass(frozen=True, slots=True)
class _Guard:
    """A compiled guard. See the rules file's "guards" section for what each one is for."""

    id: str
    action: str
    scope: str
    regex: re.Pattern[str]
    window: int
    requires: str | None
    unless: str | None


@dataclass(frozen=True, slots=True)
class _Rule:
    id: str
    categories: tuple[str, ...]
    severity: Severity
    regex: re.Pattern[str]
    guards: tuple[_Guard, ...]


@dataclass(frozen=True, slots=True)
class _Text:
    """A normalised reading, with the clause and sentence break markers guards are scoped by."""

    value: str
    clause_breaks: tuple[str, ...]
    sentence_breaks: tuple[str, ...]

    def start_of(self, index: int, breaks: tuple[str, ...]) -> int:
        """Index just after the last break found before ``index`` (0 if none).

        Breaks are space-delimited markers such as ``" , "`` or ``" but "``; the text is padded
        with a space so that a break at its very start is found too.
        """
        padded = " " + self.value[:index]
        start = 0
        for brk in breaks:
            found = padded.rfind(brk)
            if found >= 0:
                start = max(start, found - 1 + len(brk))
        return min(start, index)

    def end_of(self, index: int, breaks: tuple[str, ...]) -> int:
        """Index where the first break at or after ``index`` begins (the length if none)."""
        padded = self.value[index:] + " "
        end = len(self.value)
        for brk in breaks:
            found = padded.find(brk)
            if found >= 0:
                end = min(end, index + found)
        return end


def _guard_fires(guard: _Guard, text: _Text, start: int, end: int) -> bool:
    """Whether ``guard``'s pattern is found in its scope around the match ``[start, end)``."""
    value = text.value
    scope = guard.scope
    if scope == "overlap":
        return any(m.start() < end and m.end() > start for m in guard.regex.finditer(value))
    if scope == "after":
        return guard.regex.search(value[end : end + guard.window]) is not None
    breaks = text.sentence_breaks if scope.startswith("sentence") else text.clause_breaks
    before = value[text.start_of(start, breaks) : start].strip()
    if scope == "just_before":
        return guard.regex.search(before) is not None
    if guard.regex.search(before) is not None:
        return True
    if scope in ("clause", "sentence"):
        return guard.regex.search(value[end : text.end_of(end, breaks)].strip()) is not None
    return False


def _compile_word_pattern(pattern: str, flags: int) -> re.Pattern[str]:
    check_portable(pattern)
    return re.compile(f"\\b(?:{pattern})\\b", flags)


def _compile_guard(spec: Mapping[str, Any], flags: int) -> _Guard:
    gid = str(spec["id"])
    action = str(spec["action"])
    scope = str(spec["scope"])
    if action not in _ACTIONS or scope not in _SCOPES:
        raise RulesError(f"guard {gid!r}: unknown action {action!r} or scope {scope!r}")
    patterns = spec["patterns"] if "patterns" in spec else [spec["pattern"]]
    for pattern in patterns:
        check_portable(pattern)
    body = "|".join(f"(?:{p})" for p in patterns)
    # Guards match whole words like rules. "just_before" must end where the match begins.
    source = f"\\b(?:{body})\\b"
    if scope == "just_before":
        source += "$"
    return _Guard(
        id=gid,
        action=action,
        scope=scope,
        regex=re.compile(source, flags),
        window=int(spec.get("window", 80)),
        requires=spec.get("requires"),
        unless=spec.get("unless"),
    )


def _verdict(rule: _Rule, text: _Text, start: int, end: int) -> Severity:
    """The rule's severity after its guards: NONE if suppressed, CONCERN if downgraded."""
    if not rule.guards:
        return rule.severity
    fired = {g.id for g in rule.guards if _guard_fires(g, text, start, end)}
    if not fired:
        return rule.severity
    downgrade = False
    for guard in rule.guards:
        if guard.id not in fired:
            continue
        if guard.requires is not None and guard.requires not in fired:
            continue
        if guard.unless is not None and guard.unless in fired:
            continue
        if guard.action == "suppress":
            return Severity.NONE
        if guard.action == "downgrade":
            downgrade = True
    return Severity.CONCERN if downgrade else rule.severity


# --- the screen ---------------------------------------------------------------------------------


class RiskScreen:
    """A compiled rules document. Immutable after construction; safe to share between tasks."""

    __slots__ = ("_categories", "_clause_breaks", "_groups", "_normaliser", "_sentence_breaks")

    def __init__(
        self,
        normaliser: _Normaliser,
        groups: Sequence[tuple[re.Pattern[str], tuple[_Rule, ...]]],
        categories: Sequence[str],
        clause_breaks: Iterable[str],
        sentence_breaks: Iterable[str],
    ) -> None:
        """Use :meth:`from_rules` or :meth:`default`; this constructor takes compiled parts."""
        self._normaliser = normaliser
        self._groups = tuple(groups)
        self._categories = tuple(categories)
        self._clause_breaks = tuple(clause_breaks)
        self._sentence_breaks = tuple(sentence_breaks)

    @classmethod
    def from_rules(cls, rules: Mapping[str, Any]) -> RiskScreen:
        """Compile a rules document (the parsed JSON of ``risk_rules.json``).

        Raises :class:`RulesError` if it is malformed: unknown ops, scopes or severities, duplicate
        or dangling ids, or a pattern outside the Python/JavaScript common subset.
        """
        try:
            return cls._compile(rules)
        except RulesError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise RulesError(f"malformed rules document: {exc!r}") from exc

    @classmethod
    def _compile(cls, rules: Mapping[str, Any]) -> RiskScreen:
        if rules.get("flags", "") not in ("", "i"):
            raise RulesError("top-level flags may only be '' or 'i'")
        # ASCII: after normalisation the text is ASCII, and JavaScript's \b and \w are ASCII-only.
        flags = re.ASCII | (re.IGNORECASE if rules.get("flags") == "i" else 0)
        normaliser = _Normaliser(rules["normalise"], flags)

        guards: dict[str, _Guard] = {}
        for spec in rules["guards"]:
            guard = _compile_guard(spec, flags)
            if guard.id in guards:
                raise RulesError(f"duplicate guard id {guard.id!r}")
            guards[guard.id] = guard
        for guard in guards.values():
            for ref in (guard.requires, guard.unless):
                if ref is not None and ref not in guards:
                    raise RulesError(f"guard {guard.id!r} refers to unknown guard {ref!r}")

        def guard_list(ids: Iterable[str], where: str) -> tuple[_Guard, ...]:
            missing = [i for i in ids if i not in guards]
            if missing:
                raise RulesError(f"{where} uses unknown guards {missing}")
            return tuple(guards[i] for i in ids)

        default_guards: list[str] = list(rules.get("default_guards", []))
        category_names: list[str] = []
        groups: list[tuple[re.Pattern[str], tuple[_Rule, ...]]] = []
        rule_ids: set[str] = set()
        for category in rules["categories"]:
            name = str(category["name"])
            if name in category_names:
                raise RulesError(f"duplicate category {name!r}")
            category_names.append(name)
            cat_guards = category.get("guards", default_guards)
            compiled: list[_Rule] = []
            for spec in category["rules"]:
                rid = f"{name}.{spec['id']}"
                if rid in rule_ids:
                    raise RulesError(f"duplicate rule id {rid!r}")
                rule_ids.add(rid)
                severity = Severity(spec["severity"])
                if severity is Severity.NONE:
                    raise RulesError(f"rule {rid!r}: severity must be concern or urgent")
                also = tuple(str(c) for c in spec.get("also", ()))
                compiled.append(
                    _Rule(
                        id=rid,
                        categories=(name, *also),
                        severity=severity,
                        regex=_compile_word_pattern(str(spec["pattern"]), flags),
                        guards=guard_list(spec.get("guards", cat_guards), rid),
                    )
                )
            if compiled:
                # One alternation per category: a single search rejects most benign text.
                union = "|".join(f"(?:{r.regex.pattern})" for r in compiled)
                groups.append((re.compile(union, flags), tuple(compiled)))
        for _, group_rules in groups:
            for rule in group_rules:
                unknown = [c for c in rule.categories if c not in category_names]
                if unknown:
                    raise RulesError(f"rule {rule.id!r}: 'also' names unknown {unknown}")
        return cls(
            normaliser,
            groups,
            category_names,
            rules.get("clause_breaks", [" , ", " . "]),
            rules.get("sentence_breaks", [" . "]),
        )

    @classmethod
    def default(cls) -> RiskScreen:
        """The screen built from the packaged ``risk_rules.json`` (read once per call)."""
        source = resources.files("server.safeguarding").joinpath("risk_rules.json")
        return cls.from_rules(json.loads(source.read_text(encoding="utf-8")))

    def normalise(self, text: str) -> list[str]:
        """The normalised readings that rules are matched against (for tests and rule authors)."""
        return self._normaliser.readings(text)

    def screen(self, text: str) -> Decision:
        """Screen one message. Pure and deterministic; never raises for a ``str``."""
        best: dict[tuple[str, str], Severity] = {}
        for reading in self._normaliser.readings(text):
            wrapped: _Text | None = None
            for union, rules in self._groups:
                if union.search(reading) is None:
                    continue
                if wrapped is None:
                    wrapped = _Text(reading, self._clause_breaks, self._sentence_breaks)
                for rule in rules:
                    severity = Severity.NONE
                    for m in rule.regex.finditer(reading):
                        verdict = _verdict(rule, wrapped, m.start(), m.end())
                        if verdict.rank > severity.rank:
                            severity = verdict
                            if severity is rule.severity:
                                break
                    if severity is Severity.NONE:
                        continue
                    for category in rule.categories:
                        key = (category, rule.id)
                        if severity.rank > best.get(key, Severity.NONE).rank:
                            best[key] = severity
        if not best:
            return NO_RISK
        return self._decide(best)

    def _decide(self, best: Mapping[tuple[str, str], Severity]) -> Decision:
        order = {name: i for i, name in enumerate(self._categories)}
        # Insertion order of `best` follows the rules file, so a stable sort by category keeps
        # each category's rules in file order.
        keys = sorted(best, key=lambda key: order[key[0]])
        matches = tuple(Match(category, rule, best[(category, rule)]) for category, rule in keys)
        categories = tuple(dict.fromkeys(m.category for m in matches))
        severity = max((m.severity for m in matches), key=lambda s: s.rank)
        return Decision(severity, categories, matches)
