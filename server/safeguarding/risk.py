"""The risk screen: a pure, explainable classifier for chat and help-request text.

Every chat message passes this screen before anyone else receives it (ARCHITECTURE invariant 5).
It answers with a :class:`Decision`: a severity (``urgent`` holds the message from the group and
signposts the sender; ``concern`` delivers it and alerts the facilitators), the categories found,
and the rules that fired, so that a facilitator's alert can say *why*.

Everything the screen knows lives in ``risk_rules.json`` as data: normalisation tables, rule
patterns, and the guards that stop idioms, negations and reported speech from raising alarms. The
same file is shipped to the browser, where ``web/static/risk.js`` evaluates it to show crisis links
while someone is still typing. The two engines must agree, so the pattern language is a small
subset of regular expressions that Python ``re`` and JavaScript ``RegExp`` read the same way
(:func:`parse_pattern` enforces it), and every normalisation step is a named operation over data
that both engines implement identically.

How a text is screened:

1. It is normalised into one or two *readings*: Unicode folding, lower case, leetspeak inside words
   (``k1ll``), letters spelled out with separators (``s u i c i d e``), apostrophes dropped,
   punctuation reduced to clause marks (`` , `` and `` . ``), stretched letters squeezed
   (``kiiiill`` is read both as ``kiill`` and ``kill``, since either may be the real word), then
   text-speak words (``kms``, ``wnt``) and short phrases rewritten.
2. Each rule pattern is matched as whole words. To keep the screen fast, each rule is first
   analysed (once, when the rules are loaded): for each of its top-level alternatives, the sets
   of words it needs all at once (``go|going`` *and* ``jump``). A rule none of whose alternatives
   has its words in the text is skipped without running its regex. Guards are analysed the same
   way, so a guard whose words are absent from the text is not searched. This is exact: it never
   changes a decision, only avoids work (and the tests check that).
3. For each match, the rule's guards look at the surrounding text: an idiom over the match, a
   negation just before it, a past-tense or reported frame, a denial after it. A guard either
   suppresses the match or downgrades it from urgent to concern. Guards are evaluated lazily
   (suppressing ones first, then, for an urgent rule, downgrading ones), stopping at the first
   that acts; the answer is the same as evaluating all of them.
4. The decision is the highest surviving severity, with the categories and rules that produced it.

The screen is deterministic, never raises on any ``str`` input, and does no I/O after loading.
"""

from __future__ import annotations

import enum
import functools
import itertools
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Final

__all__ = [
    "Decision",
    "Match",
    "RiskScreen",
    "RulesError",
    "Severity",
    "branch_conditions",
    "parse_pattern",
    "required_words",
]


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


# --- the portable pattern subset ----------------------------------------------------------------
#
# A pattern is parsed into a tiny tree. Parsing both validates it (anything outside the subset is
# a RulesError, so the browser port can never silently disagree) and lets the loader work out
# which words a rule needs. Nodes are tuples:
#   ("lit", c)            one literal character
#   ("any",)              one character of a class, ".", \w, \d, \s and their negations
#   ("zero", bounded)     zero-width: \b ^ $ (bounded=True: a word edge), lookahead, \B
#   ("seq", [node, ...])  concatenation
#   ("alt", [node, ...])  alternation
#   ("rep", node, lo, hi) repetition, hi None for unbounded

Node = tuple[Any, ...]

# Escapes of punctuation mean the same literal character in both engines.
_LITERAL_ESCAPES: Final = frozenset(".-()[]{}|?*+^$\\/'\",:;!#&%<>=@~ ")
_CLASS_ESCAPES: Final = frozenset("dDwWsS")
_MAX_REPEAT: Final = 1000


class _PatternParser:
    """Recursive-descent parser for the portable subset; see the comment block above."""

    def __init__(self, pattern: str) -> None:
        self.src = pattern
        self.pos = 0

    def fail(self, why: str) -> RulesError:
        return RulesError(f"pattern {self.src!r} at {self.pos}: {why}")

    def peek(self) -> str:
        return self.src[self.pos] if self.pos < len(self.src) else ""

    def parse(self) -> Node:
        node = self.alternation()
        if self.pos != len(self.src):
            raise self.fail("unbalanced ')'")
        return node

    def alternation(self) -> Node:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.pos += 1
            branches.append(self.sequence())
        return branches[0] if len(branches) == 1 else ("alt", branches)

    def sequence(self) -> Node:
        items: list[Node] = []
        while self.peek() not in ("", "|", ")"):
            items.append(self.quantified(self.atom()))
        return ("seq", items)

    def atom(self) -> Node:
        c = self.peek()
        self.pos += 1
        if c == "(":
            return self.group()
        if c == "[":
            return self.char_class()
        if c == "\\":
            return self.escape()
        if c == ".":
            return ("any",)
        if c in "^$":
            return ("zero", True)
        if c in "*+?{":
            raise self.fail(f"nothing to repeat before {c!r} (escape it)")
        if c == "}" or c == "]":
            raise self.fail(f"unescaped {c!r}")
        if not ("a" <= c <= "z" or "0" <= c <= "9" or c in " ,.'-&%#/"):
            # Upper case is refused because matching relies on the text being lower-cased
            # (so the 'i' flag never matters); other characters never survive normalisation.
            raise self.fail(f"character {c!r} cannot occur in normalised text")
        return ("lit", c)

    def group(self) -> Node:
        kind = "capture"
        if self.src.startswith("?:", self.pos):
            kind, self.pos = "group", self.pos + 2
        elif self.src.startswith("?=", self.pos) or self.src.startswith("?!", self.pos):
            kind, self.pos = "look", self.pos + 2
        elif self.peek() == "?":
            raise self.fail(
                "lookbehind, named groups, inline flags and atomic groups differ "
                "between Python and JavaScript"
            )
        inner = self.alternation()
        if self.peek() != ")":
            raise self.fail("missing ')'")
        self.pos += 1
        return ("zero", False) if kind == "look" else inner

    def char_class(self) -> Node:
        if self.peek() == "^":
            self.pos += 1
        if self.peek() == "]":
            raise self.fail("a class starting with ']' is read differently by the two engines")
        while self.peek() != "]":
            c = self.peek()
            if c == "":
                raise self.fail("missing ']'")
            if c == "[":
                raise self.fail("escape '[' inside a class (Python warns on it)")
            if c == "\\":
                self.pos += 1
                e = self.peek()
                if e not in _LITERAL_ESCAPES and e not in _CLASS_ESCAPES:
                    raise self.fail(f"escape \\{e} inside a class is not portable")
            elif "A" <= c <= "Z":
                raise self.fail("upper case in a class (the text is lower case)")
            self.pos += 1
        self.pos += 1
        return ("any",)

    def escape(self) -> Node:
        e = self.peek()
        self.pos += 1
        if e == "b":
            return ("zero", True)
        if e == "B":
            return ("zero", False)
        if e in _CLASS_ESCAPES:
            return ("any",)
        if e in _LITERAL_ESCAPES:
            return ("lit", e)
        raise self.fail(
            f"escape \\{e} is not in the portable subset (\\A, \\Z, backreferences, "
            "\\p, \\x and friends differ or are missing in one engine)"
        )

    def quantified(self, node: Node) -> Node:
        c = self.peek()
        if c not in ("*", "+", "?", "{"):
            return node
        if node[0] == "zero":
            raise self.fail("a zero-width assertion cannot be repeated")
        if c == "{":
            m = re.compile(r"\{(\d+)(,(\d*))?\}").match(self.src, self.pos)
            if m is None:
                raise self.fail("'{' must start {n}, {n,} or {n,m} ('{,m}' is literal in JS)")
            lo = int(m[1])
            hi = lo if m[2] is None else (int(m[3]) if m[3] else None)
            if lo > _MAX_REPEAT or (hi is not None and (hi < lo or hi > _MAX_REPEAT)):
                raise self.fail("bad repetition bounds")
            self.pos = m.end()
        else:
            lo, hi = {"*": (0, None), "+": (1, None), "?": (0, 1)}[c]
            self.pos += 1
        if self.peek() == "?":
            self.pos += 1  # lazy: same meaning in both engines
        if self.peek() in ("+", "*", "?", "{"):
            raise self.fail("possessive or doubled quantifiers are not portable")
        return ("rep", node, lo, hi)


@functools.lru_cache(maxsize=4096)
def parse_pattern(pattern: str) -> Node:
    """Parse ``pattern`` as the portable subset, or raise :class:`RulesError` saying why not.

    The subset: literals (lower-case letters, digits, space and a little punctuation), escaped
    punctuation, ``.``, classes ``[...]``, ``\\b \\B \\w \\W \\d \\D \\s \\S``, ``^ $``, groups
    ``(...)`` and ``(?:...)``, lookahead ``(?=...)`` and ``(?!...)``, alternation, and the
    quantifiers ``? * + {n} {n,} {n,m}`` optionally lazy. It also checks that Python compiles it.
    Remembered (the tree is never changed): loading the rules asks for each pattern twice.
    """
    tree = _PatternParser(pattern).parse()
    try:
        # Same flags as _compile_internal, so re's cache makes its compile of this pattern free.
        re.compile(pattern, re.ASCII)
    except re.error as exc:  # pragma: no cover - the parser already refuses what re refuses
        raise RulesError(f"pattern {pattern!r} does not compile: {exc}") from exc
    return tree


# --- required words: the exact prefilter --------------------------------------------------------
#
# For a rule we want a set of words W such that every text the rule matches contains some w in W as
# a whole token (the normalised text is single-space separated, so tokens are what split(" ")
# gives). Finite parts of a pattern are expanded into their literal strings; a word inside such a
# string counts only when both its edges are certainly token edges. When no such set can be proved
# the rule simply runs on every text.

# Expanding finite parts is done once at load time; this bounds its cost.
_MAX_STRINGS: Final = 5000
_Cache = dict[int, "frozenset[str] | None"]
_EDGE: Final = "\x00"
_ALNUM: Final = re.compile("[a-z0-9]+")
# Too common to be useful as the one word that lets a rule run.
# How common a word is in parents' chat: 2 for function words, 1 for everyday words, else 0. The
# index prefers the least common word, so a rule is looked at only when something specific to it
# is present. Word lists read better as text than as one-word lines.
_FUNCTION_WORDS: Final = frozenset(
    (  # noqa: SIM905
        "i im ive id ill me my myself a an the to of and or in on it its is was be been being "
        "are am were he she hes shes his her him they them their theyre you your we us our so "
        "just not no do did does done at for with that this these those all can cant could "
        "dont have has had having would will by from if but because what who how why which "
        "while as than into onto up down off out over back then there here some any very too"
    ).split()
)
_EVERYDAY_WORDS: Final = frozenset(
    (  # noqa: SIM905
        "get got going gone go went want need like really now about feel feeling felt think "
        "thought know knew baby babies son daughter kids child children boy girl little one "
        "night day days week weeks time today tonight morning mum mom dad partner husband wife "
        "home house after before when again still even never ever always only also other "
        "thing things something nothing everything anything someone everyone people way make "
        "made come came see saw seen look looking watch watching keep keeps kept give gave put "
        "let tell told said say says ask asked try tried help hold holding feed feeding sleep "
        "sleeping asleep bed work last first next big good bad well better lot bit ok okay yes "
        "lol x every much more own"
    ).split()
)


_COMMONNESS: Final = {**dict.fromkeys(_EVERYDAY_WORDS, 1), **dict.fromkeys(_FUNCTION_WORDS, 2)}


def _commonness(word: str) -> int:
    return _COMMONNESS.get(word, 0)


def _strings(node: Node, cache: _Cache) -> frozenset[str] | None:
    """Every string ``node`` can match if there are few enough of them, else None."""
    key = id(node)
    if key not in cache:
        cache[key] = _expand(node, cache)
    return cache[key]


def _expand(node: Node, cache: _Cache) -> frozenset[str] | None:
    kind = node[0]
    if kind == "lit":
        return frozenset({node[1]})
    if kind == "zero":
        # A word edge is kept as a marker so that _words_of can treat it like a space.
        return frozenset({_EDGE if node[1] else ""})
    if kind == "any":
        return None
    if kind == "alt":
        out: set[str] = set()
        for branch in node[1]:
            sub = _strings(branch, cache)
            if sub is None:
                return None
            out |= sub
            if len(out) > _MAX_STRINGS:
                return None
        return frozenset(out)
    if kind == "seq":
        acc: frozenset[str] | None = frozenset({""})
        for item in node[1]:
            sub = _strings(item, cache)
            if sub is None or acc is None or len(acc) * len(sub) > _MAX_STRINGS:
                return None
            acc = frozenset(a + b for a, b in itertools.product(acc, sub))
        return acc
    _, child, lo, hi = node
    sub = _strings(child, cache)
    if sub is None or hi is None or hi > 8:
        return None
    reps: set[str] = set()
    layer = frozenset({""})
    for count in range(hi + 1):
        if count >= lo:
            reps |= layer
        if len(reps) > _MAX_STRINGS:
            return None
        layer = frozenset(a + b for a, b in itertools.product(layer, sub))
    return frozenset(reps)


def _min_length(node: Node) -> int:
    """The fewest characters ``node`` can match."""
    kind = node[0]
    if kind in ("lit", "any"):
        return 1
    if kind == "zero":
        return 0
    if kind == "seq":
        return sum(_min_length(item) for item in node[1])
    if kind == "alt":
        return min(_min_length(branch) for branch in node[1])
    return int(node[2]) * _min_length(node[1])


def _is_edge(node: Node) -> bool:
    """True if a token must end or start right at ``node`` (a word edge assertion)."""
    return node[0] == "zero" and bool(node[1])


def _ends_in_space(node: Node, cache: _Cache) -> bool:
    """True if every non-empty match of ``node`` ends with a space (so a token edge follows)."""
    kind = node[0]
    if kind == "rep":
        return _ends_in_space(node[1], cache)
    if kind == "alt":
        return all(_ends_in_space(branch, cache) for branch in node[1])
    if kind == "seq":
        for item in reversed(node[1]):
            if _min_length(item) > 0:
                return _ends_in_space(item, cache)
            if item[0] != "zero":
                return False
        return False
    return kind == "lit" and bool(node[1] == " ")


def _starts_with_space(node: Node) -> bool:
    """True if every non-empty match of ``node`` starts with a space (so a token edge precedes)."""
    kind = node[0]
    if kind == "rep":
        return _starts_with_space(node[1])
    if kind == "alt":
        return all(_starts_with_space(branch) for branch in node[1])
    if kind == "seq":
        for item in node[1]:
            if _min_length(item) > 0:
                return _starts_with_space(item)
            if item[0] != "zero":
                return False
        return False
    return kind == "lit" and bool(node[1] == " ")


def _edge_follows(items: Sequence[Node], start: int, right: bool, cache: _Cache) -> bool:
    """True if the text matched from ``items[start:]`` on surely begins at a token edge.

    Items that may match nothing are looked through; ``right`` is the edge after the sequence.
    """
    for item in items[start:]:
        if _is_edge(item):
            return True
        strings = _strings(item, cache)
        if strings is None:
            # Too many strings to list, but if each non-empty one starts with a space the edge
            # is sure when the item matched something, and decided by what follows otherwise.
            if not _starts_with_space(item):
                return False
            if _min_length(item) > 0:
                return True
            continue
        if any(s and not s.startswith((" ", _EDGE)) for s in strings):
            return False
        if "" not in strings:
            return True
    return right


def _words_of(strings: frozenset[str], left: bool, right: bool) -> frozenset[str] | None:
    """A small set of sure tokens covering every string, or None if some string has none.

    A token is sure when both its edges are certainly token edges in the text. The set is chosen
    greedily (the word covering most strings first, common words last) so that a rule is indexed
    under few, specific words.
    """
    # This runs over a quarter of a million strings when the rules load, so it is written for
    # speed: a part is judged once however many strings share it, and strings that give the
    # same options are counted together (the greedy choice below weighs each by how many).
    commonness: dict[str, int] = {}  # -1: not a run of letters and digits
    options: dict[frozenset[str], int] = {}
    for s in strings:
        parts = s.replace(_EDGE, " ").split(" ")
        last = len(parts) - 1
        # The sure tokens of the least common kind (function words only if nothing rarer).
        rarest, picked = 3, []
        for i, p in enumerate(parts):
            # Only letters and digits: the index tokenises text into runs of [a-z0-9], and
            # such a run edged by a space or a \b in the pattern is a whole run in the text too.
            kind = commonness.get(p)
            if kind is None:
                kind = commonness[p] = _commonness(p) if p.isascii() and p.isalnum() else -1
            if kind < 0 or not (i > 0 or left) or not (i < last or right) or kind > rarest:
                continue
            if kind < rarest:
                rarest, picked = kind, [p]
            else:
                picked.append(p)
        if not picked:
            return None
        option = frozenset(picked)
        options[option] = options.get(option, 0) + 1
    chosen: set[str] = set()
    uncovered = options
    while uncovered:
        counts: dict[str, int] = {}
        for option, times in uncovered.items():
            for word in option:
                counts[word] = counts.get(word, 0) + times
        word = max(sorted(counts), key=lambda w: (-_commonness(w), counts[w], len(w)))
        chosen.add(word)
        uncovered = {option: times for option, times in uncovered.items() if word not in option}
    return frozenset(chosen)


def _score(words: frozenset[str]) -> tuple[int, int, int, int]:
    """Higher is a better index: no common words, then fewer of the commonest, longer, fewer."""
    worst = max(_commonness(w) for w in words)
    return (-worst, -sum(_commonness(w) == worst for w in words), min(map(len, words)), -len(words))


def _required(node: Node, left: bool, right: bool, cache: _Cache) -> frozenset[str] | None:
    """A set of tokens one of which every match of ``node`` contains, or None if unknown.

    ``left`` / ``right`` say whether the text just outside the node is certainly a token edge.
    """
    kind = node[0]
    if kind in ("lit", "any", "zero"):
        strings = _strings(node, cache)
        return None if strings is None else _words_of(strings, left, right)
    if kind == "alt":
        union: set[str] = set()
        for branch in node[1]:
            sub = _required(branch, left, right, cache)
            if sub is None:
                return None
            union |= sub
        return frozenset(union)
    if kind == "rep":
        _, child, lo, hi = node
        strings = _strings(node, cache)
        if strings is not None:
            return _words_of(strings, left, right)
        if lo == 0:
            return None
        # Inner repetitions border each other, so only the outer edges are known.
        return _required(child, left and hi == 1, right and hi == 1, cache)
    candidates = _conditions(node, left, right, cache)
    return max(candidates, key=_score) if candidates else None


def _conditions(node: Node, left: bool, right: bool, cache: _Cache) -> list[frozenset[str]]:
    """Sets of tokens such that every match of ``node`` contains a token from *each* set.

    For a sequence, each item (or finite run of items) that has required words gives its own
    set; all are necessary at once. Empty if nothing is known.
    """
    if node[0] != "seq":
        words = _required(node, left, right, cache)
        return [words] if words else []
    items: list[Node] = node[1]
    found: list[frozenset[str]] = []
    # Whether the text just before item i is surely a token edge: the sequence's own left edge,
    # a \b or ^, or a finite run whose every string ends in a space.
    edge_before = left
    i = 0
    while i < len(items):
        run: frozenset[str] = frozenset({""})
        j = i
        while j < len(items):
            sub = _strings(items[j], cache)
            if sub is None or len(run) * len(sub) > _MAX_STRINGS:
                break
            run = frozenset(a + b for a, b in itertools.product(run, sub))
            j += 1
        if j > i:
            words = _words_of(run, edge_before, _edge_follows(items, j, right, cache))
            if words:
                found.append(words)
            edge_before = all(s.endswith((" ", _EDGE)) for s in run)
            i = j
        else:
            item_right = _edge_follows(items, i + 1, right, cache)
            words = _required(items[i], edge_before, item_right, cache)
            if words:
                found.append(words)
            # After e.g. (?:\w+ ){0,6} the next token starts at an edge: a space this item ended
            # with, or, if it matched nothing, whatever edge came before it.
            edge_before = _is_edge(items[i]) or (
                _ends_in_space(items[i], cache) and (_min_length(items[i]) > 0 or edge_before)
            )
            i += 1
    return found


def branch_conditions(pattern: str) -> list[list[frozenset[str]]] | None:
    """For each top-level alternative of ``pattern``, the token sets it needs all of at once.

    A text can match ``\\b(?:pattern)\\b`` only if, for some alternative, the text has a token
    from every one of that alternative's sets. None if some alternative needs nothing known (the
    rule must then run on every text). This refines :func:`required_words`, which gives one set
    for the whole pattern.
    """
    tree = parse_pattern(pattern)
    cache: _Cache = {}
    branches = tree[1] if tree[0] == "alt" else [tree]
    out: list[list[frozenset[str]]] = []
    for branch in branches:
        conditions = _conditions(branch, True, True, cache)
        if not conditions:
            return None
        out.append(conditions)
    return out


def required_words(pattern: str) -> frozenset[str] | None:
    """Tokens one of which must be in any text where ``\\b(?:pattern)\\b`` matches; None if unknown.

    Exposed for tests and rule authors (a rule with None runs on every message, which is slower).
    """
    return _required(parse_pattern(pattern), True, True, {})


# --- normalisation ------------------------------------------------------------------------------

_Step = tuple[Callable[[str], Any], bool]
"""A normalisation step: a function of one reading, and whether it returns a list of readings
(only squeeze_repeats does) rather than one reading."""


def _js_replacement(replacement: str) -> str:
    """Turn a JavaScript-style replacement (``$1``) into Python's (``\\g<1>``)."""
    escaped = replacement.replace("\\", "\\\\")
    return re.sub(r"\$(\d)", r"\\g<\1>", escaped)


def _char_table(mapping: Mapping[str, str]) -> dict[int, str]:
    for key in mapping:
        if len(key) != 1:
            raise RulesError(f"character map key {key!r} is not one character")
    return {ord(k): str(v) for k, v in mapping.items()}


def _repeat_to(count: int) -> Callable[[re.Match[str]], str]:
    """A replacement that writes group 1 ``count`` times (for squeeze_repeats)."""
    return lambda m: m[1] * count


def _each(fn: Callable[[str], str]) -> _Step:
    return (fn, False)


def _compile_internal(pattern: str, *, parsed: bool = False) -> re.Pattern[str]:
    """Compile a pattern from the rules file: portable subset, lower case, ASCII semantics.

    No IGNORECASE: the text is lower-cased before any pattern runs and patterns may not contain
    upper case, so the rules file's "i" flag is already honoured, and sre is ~3x faster without it.
    re.ASCII because JavaScript's \\b and \\w are ASCII-only. ``parsed``: the caller has
    checked the pattern with :func:`parse_pattern` already (parsing is most of loading's time).
    """
    if not parsed:
        parse_pattern(pattern)
    return re.compile(pattern, re.ASCII)


class _Normaliser:
    """Compiled normalisation steps, in the order the rules file lists them.

    Ops (each also implemented, identically, by the JavaScript port):

    - ``nfkd``: Unicode NFKD decomposition.
    - ``lowercase``: lower case.
    - ``strip_ranges``: delete characters in the given code point ranges (combining accents).
    - ``map_chars``: replace characters by the ``map`` table; with ``keep``, any character that is
      then outside ``keep`` becomes ``default``.
    - ``map_between_letters``: the ``map`` table, only for runs of its characters that have an
      a-z letter on both sides (``k1ll`` but not ``4am``).
    - ``join_spaced_letters``: ``min_letters`` or more single letters separated by ``separators``
      are joined into a word (``s u i c i d e``).
    - ``squeeze_repeats``: a letter repeated ``min_run`` or more times is cut to each length in
      ``keep``, giving one reading per length (only when some letter was stretched).
    - ``collapse_spaces``: runs of spaces become one; no leading or trailing space.
    - ``map_words``: replace whole space-separated words by the ``map`` table.
    - ``replace``: regex replacements, ``[pattern, replacement]`` with ``$1`` group references.
    """

    def __init__(self, steps: Sequence[Mapping[str, Any]]) -> None:
        if not any(step.get("op") == "lowercase" for step in steps):
            raise RulesError("normalise must include 'lowercase': patterns are lower case")
        self._steps: list[_Step] = [self._compile(step) for step in steps]

    def readings(self, text: str) -> list[str]:
        """The normalised readings of ``text``: one, or two when letters were stretched."""
        current = [text]
        for fn, multi in self._steps:
            if multi:
                current = [out for t in current for out in fn(t)]
            elif len(current) == 1:
                current[0] = fn(current[0])
            else:
                current = [fn(t) for t in current]
        # Two readings can coincide once later steps run; screening one of them is enough.
        return current if len(current) < 2 or current[0] != current[1] else current[:1]

    def _compile(self, step: Mapping[str, Any]) -> _Step:
        op = step.get("op")
        if op == "nfkd":
            # ASCII is already in NFKD form: skipping it keeps the common case fast.
            return _each(lambda t: t if t.isascii() else unicodedata.normalize("NFKD", t))
        if op == "lowercase":
            return _each(str.lower)
        if op == "strip_ranges":
            cls = "".join(f"\\U{int(lo):08x}-\\U{int(hi):08x}" for lo, hi in step["ranges"])
            strip = re.compile(f"[{cls}]+")
            return _each(lambda t: t if t.isascii() else strip.sub("", t))
        if op == "map_chars":
            return self._map_chars(step)
        if op == "map_between_letters":
            return self._map_between_letters(step)
        if op == "join_spaced_letters":
            seps = re.escape(str(step["separators"]))
            runs = int(step["min_letters"]) - 1
            spaced = re.compile(f"\\b[a-z](?:[{seps}]+[a-z]\\b){{{runs},}}", re.ASCII)
            strip_seps = re.compile(f"[{seps}]+")
            return _each(lambda t: spaced.sub(lambda m: strip_seps.sub("", m[0]), t))
        if op == "squeeze_repeats":
            return self._squeeze(step)
        if op == "collapse_spaces":
            return _each(lambda t: " ".join([w for w in t.split(" ") if w]))
        if op == "map_words":
            words: dict[str, str] = {str(k): str(v) for k, v in step["map"].items()}
            for value in words.values():
                if value != value.lower():
                    raise RulesError(f"map_words value {value!r} must be lower case")
            return _each(lambda t: " ".join([words.get(w, w) for w in t.split(" ")]))
        if op == "replace":
            pairs: list[tuple[re.Pattern[str], str]] = []
            for pattern, replacement in step["rules"]:
                if replacement != replacement.lower():
                    raise RulesError(f"replacement {replacement!r} must be lower case")
                pairs.append((_compile_internal(pattern), _js_replacement(replacement)))

            # One search for all patterns first: if none matches, no substitution can happen.
            anything = re.compile("|".join(f"(?:{c.pattern})" for c, _ in pairs), re.ASCII)

            def replace_all(t: str) -> str:
                if anything.search(t) is None:
                    return t
                for compiled, replacement in pairs:
                    t = compiled.sub(replacement, t)
                return t

            return _each(replace_all)
        raise RulesError(f"unknown normalisation op {op!r}")

    @staticmethod
    def _map_chars(step: Mapping[str, Any]) -> _Step:
        table = _char_table(step["map"])
        keep = step.get("keep")
        if keep is None and len(table) == 1:
            # One character (dropping apostrophes): str.replace is much faster than translate().
            ((source, target),) = table.items()
            return _each(lambda t: t.replace(chr(source), target))
        if keep is None:
            # translate() visits every character; most texts contain none of the sources, and
            # one search for a class of them is cheaper than testing each in turn. A table of
            # other scripts only (Urdu written out) cannot touch ASCII text, most messages: one
            # isascii() says so without the search.
            present = re.compile(f"[{re.escape(''.join(step['map']))}]")
            if all(source >= 128 for source in table):
                return _each(lambda t: t if t.isascii() or not present.search(t)
                             else t.translate(table))
            return _each(lambda t: t.translate(table) if present.search(t) else t)
        default = str(step.get("default", " "))
        allowed = set(str(keep))
        for value in step["map"].values():
            if not set(value) <= allowed:
                raise RulesError(f"map_chars value {value!r} uses characters outside 'keep'")
        # For ASCII text one translate() does both jobs; other text also needs the regex.
        ascii_table: dict[int, str] = {i: default for i in range(128) if chr(i) not in allowed}
        ascii_table.update(table)
        other = re.compile(f"[^{re.escape(str(keep))}]")
        return _each(
            lambda t: (
                t.translate(ascii_table) if t.isascii() else other.sub(default, t.translate(table))
            )
        )

    @staticmethod
    def _map_between_letters(step: Mapping[str, Any]) -> _Step:
        table = _char_table(step["map"])
        sources = "".join(step["map"])
        inside = re.compile(f"([a-z])([{re.escape(sources)}]+)(?=[a-z])")

        present = re.compile(f"[{re.escape(sources)}]")

        def apply(t: str) -> str:
            if present.search(t) is None:
                return t
            return inside.sub(lambda m: m[1] + m[2].translate(table), t)

        return _each(apply)

    @staticmethod
    def _squeeze(step: Mapping[str, Any]) -> _Step:
        min_run = int(step["min_run"])
        keeps = [int(k) for k in step["keep"]]
        if not keeps or min_run < 2 or any(not 1 <= k < min_run for k in keeps):
            raise RulesError("squeeze_repeats needs 1 <= keep < min_run")
        stretched = re.compile(f"([a-z])\\1{{{min_run - 1},}}")

        def squeeze(t: str) -> list[str]:
            if stretched.search(t) is None:
                return [t]
            return [stretched.sub(_repeat_to(k), t) for k in keeps]

        return (squeeze, True)


# --- guards and rules ---------------------------------------------------------------------------

_SCOPES: Final = frozenset(
    {"overlap", "just_before", "clause", "sentence_before", "sentence", "after"}
)
_ACTIONS: Final = frozenset({"suppress", "downgrade", "flag"})


@dataclass(frozen=True, slots=True)
class _Guard:
    """A compiled guard. See the rules file's "_about" and "guards" for what each one is for."""

    id: str
    action: str
    scope: str
    regex: re.Pattern[str]
    window: int
    requires: str | None
    unless: str | None
    # Tokens one of which any match of the pattern contains (None if unknown): when a reading
    # has none of them the guard cannot fire anywhere in it, except in an "after" window, whose
    # cut end can make a token the reading does not have (see _Scopes.possible).
    words: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class _Rule:
    id: str
    categories: tuple[str, ...]
    severity: Severity
    regex: re.Pattern[str]
    guards: tuple[_Guard, ...]
    # The same guards sorted by what they can do, so that a verdict evaluates only the guards
    # that can still change it (see _verdict); flags are looked at only when referred to.
    suppressors: tuple[_Guard, ...] = ()
    downgraders: tuple[_Guard, ...] = ()
    by_id: Mapping[str, _Guard] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        id: str,
        categories: tuple[str, ...],
        severity: Severity,
        regex: re.Pattern[str],
        guards: tuple[_Guard, ...],
    ) -> _Rule:
        return cls(
            id=id,
            categories=categories,
            severity=severity,
            regex=regex,
            guards=guards,
            suppressors=tuple(g for g in guards if g.action == "suppress"),
            # A downgrade cannot change a concern rule's verdict, so it is never evaluated.
            downgraders=(
                tuple(g for g in guards if g.action == "downgrade")
                if severity is Severity.URGENT
                else ()
            ),
            by_id={g.id: g for g in guards},
        )


@dataclass(frozen=True, slots=True)
class _Text:
    """A normalised reading, with the clause and sentence break markers guards are scoped by."""

    value: str
    clause_breaks: tuple[str, ...]
    sentence_breaks: tuple[str, ...]
    # The reading's tokens, for skipping guards that cannot fire (None: never skip; used to
    # check that skipping changes nothing).
    tokens: frozenset[str] | None = None
    # Where each overlap guard matches in this reading, found once however many rules ask.
    overlap_spans: dict[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)

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


class _Scopes:
    """The text around one match that guards look at, each piece cut (and stripped) once.

    Many guards of a rule share a scope, so the slices are cached here for the one match; the
    results are the same as cutting them afresh for every guard.
    """

    __slots__ = ("_cache", "end", "fired", "start", "text")

    def __init__(self, text: _Text, start: int, end: int) -> None:
        self.text = text
        self.start = start
        self.end = end
        self._cache: dict[object, str] = {}
        # Guard id -> whether it fired around this match (evaluated at most once each).
        self.fired: dict[str, bool] = {}

    def before(self, sentence: bool) -> str:
        """From the start of the match's clause (or sentence) up to the match, stripped."""
        key = ("before", sentence)
        piece = self._cache.get(key)
        if piece is None:
            text = self.text
            breaks = text.sentence_breaks if sentence else text.clause_breaks
            piece = text.value[text.start_of(self.start, breaks) : self.start].strip()
            self._cache[key] = piece
        return piece

    def after(self, sentence: bool) -> str:
        """From the end of the match to the end of its clause (or sentence), stripped."""
        key = ("after", sentence)
        piece = self._cache.get(key)
        if piece is None:
            text = self.text
            breaks = text.sentence_breaks if sentence else text.clause_breaks
            piece = text.value[self.end : text.end_of(self.end, breaks)].strip()
            self._cache[key] = piece
        return piece

    def window(self, size: int) -> str:
        """The next ``size`` characters after the match, stripped."""
        piece = self._cache.get(size)
        if piece is None:
            piece = self.text.value[self.end : self.end + size].strip()
            self._cache[size] = piece
        return piece


def _guard_fires(guard: _Guard, scopes: _Scopes) -> bool:
    """Whether ``guard``'s pattern is found in its scope around the match (memoised per match)."""
    fired = scopes.fired.get(guard.id)
    if fired is None:
        fired = scopes.fired[guard.id] = _search_scope(guard, scopes)
    return fired


def _search_scope(guard: _Guard, scopes: _Scopes) -> bool:
    scope = guard.scope
    text = scopes.text
    if (
        guard.words is not None
        and text.tokens is not None
        and scope != "after"
        and guard.words.isdisjoint(text.tokens)
    ):
        # Exact: overlap guards search the reading itself, and the other scopes (but "after")
        # cut it at token edges, so a match would contain one of the reading's tokens.
        return False
    if scope == "overlap":
        spans = text.overlap_spans.get(guard.id)
        if spans is None:
            spans = tuple(m.span() for m in guard.regex.finditer(text.value))
            text.overlap_spans[guard.id] = spans
        start, end = scopes.start, scopes.end
        return any(s < end and e > start for s, e in spans)
    if scope == "after":
        return guard.regex.search(scopes.window(guard.window)) is not None
    sentence = scope.startswith("sentence")
    if guard.regex.search(scopes.before(sentence)) is not None:
        return True
    if scope in ("clause", "sentence"):
        return guard.regex.search(scopes.after(sentence)) is not None
    return False


def _effective(rule: _Rule, guard: _Guard, scopes: _Scopes) -> bool:
    """Whether ``guard`` fired and its ``requires`` / ``unless`` let it act.

    A guard referred to by ``requires`` or ``unless`` counts only if it is one of the rule's own
    guards (the JavaScript port decides the same way).
    """
    # The required guard first: it is often cheaper and usually absent ("denied" needs
    # "reported"). The answer does not depend on the order.
    if guard.requires is not None:
        required = rule.by_id.get(guard.requires)
        if required is None or not _guard_fires(required, scopes):
            return False
    if not _guard_fires(guard, scopes):
        return False
    if guard.unless is not None:
        blocker = rule.by_id.get(guard.unless)
        if blocker is not None and _guard_fires(blocker, scopes):
            return False
    return True


def _verdict(rule: _Rule, text: _Text, start: int, end: int) -> Severity:
    """The rule's severity after its guards: NONE if suppressed, CONCERN if downgraded.

    Any effective suppressing guard wins; otherwise any effective downgrading guard makes an
    urgent rule a concern. Guards are evaluated lazily in that order, so most matches look at
    only a few of them; the answer is the same as evaluating every guard first.
    """
    scopes = _Scopes(text, start, end)
    for guard in rule.suppressors:
        if _effective(rule, guard, scopes):
            return Severity.NONE
    for guard in rule.downgraders:
        if _effective(rule, guard, scopes):
            return Severity.CONCERN
    return rule.severity


_DEF_REF: Final = re.compile(r"<([A-Z][A-Z0-9_]*)>")


def _expand_defs(defs: Mapping[str, str]) -> dict[str, str]:
    """Expand ``<NAME>`` references inside the defs themselves, each in terms of earlier ones."""
    expanded: dict[str, str] = {}
    for name, body in defs.items():
        if _DEF_REF.fullmatch(f"<{name}>") is None:
            raise RulesError(f"def name {name!r} must be UPPER_CASE")
        expanded[name] = _substitute(str(body), expanded)
    return expanded


def _substitute(pattern: str, defs: Mapping[str, str]) -> str:
    """Replace each ``<NAME>`` with ``(?:body)``; an unknown name is an error, not a literal."""

    def one(m: re.Match[str]) -> str:
        if m[1] not in defs:
            raise RulesError(f"pattern {pattern!r} uses undefined <{m[1]}>")
        return f"(?:{defs[m[1]]})"

    return _DEF_REF.sub(one, pattern)


def _compile_guard(spec: Mapping[str, Any], defs: Mapping[str, str]) -> _Guard:
    gid = str(spec["id"])
    action = str(spec["action"])
    scope = str(spec["scope"])
    if action not in _ACTIONS or scope not in _SCOPES:
        raise RulesError(f"guard {gid!r}: unknown action {action!r} or scope {scope!r}")
    raw = spec["patterns"] if "patterns" in spec else [spec["pattern"]]
    body = "|".join(f"(?:{_substitute(str(p), defs)})" for p in raw)
    if scope == "overlap" and _min_length(parse_pattern(body)) == 0:
        raise RulesError(f"guard {gid!r}: an overlap guard must not match the empty string")
    # Guard patterns are used as written (they place their own \b). "just_before" must end
    # where the match begins, so it is anchored to the end of the text before the match.
    return _Guard(
        id=gid,
        action=action,
        scope=scope,
        regex=_compile_internal(f"(?:{body})$" if scope == "just_before" else body),
        window=int(spec.get("window", 80)),
        requires=spec.get("requires"),
        unless=spec.get("unless"),
        # A just_before guard is analysed with its "$" (the text before a match ends at an edge).
        words=_any_words(f"(?:{body})$" if scope == "just_before" else body),
    )


def _any_words(pattern: str) -> frozenset[str] | None:
    """Tokens one of which every match of ``pattern`` (used as written, no \\b around it) has."""
    tree = parse_pattern(pattern)
    cache: _Cache = {}
    words: set[str] = set()
    for branch in tree[1] if tree[0] == "alt" else [tree]:
        needs = _conditions(branch, False, False, cache)
        if not needs:
            return None
        rarest: frozenset[str] = max(needs, key=_score)
        words |= rarest
    return frozenset(words)


# --- the screen ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Index:
    """Which rules can possibly match, by the tokens present in a reading.

    Each top-level alternative of a rule is filed under the words of its rarest needed set
    (:func:`branch_conditions`), with the other sets it needs; a rule is a candidate when, for
    one of its alternatives, the reading has a word of every set. Exact: it only skips rules that
    cannot match.
    """

    by_word: Mapping[str, tuple[tuple[int, tuple[frozenset[str], ...]], ...]]
    always: tuple[int, ...]
    # by_word split for speed: the rules a word alone admits, and the (rule, other sets) pairs
    # that need more; the same information as by_word.
    direct: Mapping[str, frozenset[int]] = field(init=False)
    conditional: Mapping[str, tuple[tuple[int, tuple[frozenset[str], ...]], ...]] = field(
        init=False
    )

    def __post_init__(self) -> None:
        direct = {
            w: frozenset(p for p, others in es if not others) for w, es in self.by_word.items()
        }
        conditional = {w: tuple((p, o) for p, o in es if o) for w, es in self.by_word.items()}
        object.__setattr__(self, "direct", {w: ps for w, ps in direct.items() if ps})
        object.__setattr__(self, "conditional", {w: cs for w, cs in conditional.items() if cs})

    def candidates(self, tokens: frozenset[str]) -> list[int]:
        """Positions of the rules that may match a reading with these tokens, in order."""
        found: set[int] = set(self.always)
        direct = self.direct
        for word in tokens & direct.keys():
            found |= direct[word]
        conditional = self.conditional
        for word in tokens & conditional.keys():
            for position, others in conditional[word]:
                if position in found:
                    continue
                for needed in others:
                    if needed.isdisjoint(tokens):
                        break
                else:
                    found.add(position)
        return sorted(found)


class RiskScreen:
    """A compiled rules document. Immutable after construction; safe to share between tasks."""

    __slots__ = (
        "_categories",
        "_clause_breaks",
        "_index",
        "_normaliser",
        "_rules",
        "_sentence_breaks",
    )

    def __init__(
        self,
        normaliser: _Normaliser,
        rules: Sequence[_Rule],
        index: _Index,
        categories: Sequence[str],
        clause_breaks: Iterable[str],
        sentence_breaks: Iterable[str],
    ) -> None:
        """Use :meth:`from_rules` or :meth:`default`; this constructor takes compiled parts."""
        self._normaliser = normaliser
        self._rules = tuple(rules)
        self._index = index
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
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise RulesError(f"malformed rules document: {exc!r}") from exc

    @classmethod
    def _compile(cls, doc: Mapping[str, Any]) -> RiskScreen:
        if doc.get("flags") != "i":
            # Case-insensitivity is implemented by the mandatory 'lowercase' step and lower-case
            # patterns, identically in both engines, rather than by a regex flag.
            raise RulesError("top-level flags must be 'i' (the only supported mode)")
        normaliser = _Normaliser(doc["normalise"])
        defs = _expand_defs(doc.get("defs", {}))

        guards: dict[str, _Guard] = {}
        for spec in doc["guards"]:
            guard = _compile_guard(spec, defs)
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

        default_guards: list[str] = list(doc.get("default_guards", []))
        category_names = [str(c["name"]) for c in doc["categories"]]
        if len(set(category_names)) != len(category_names):
            raise RulesError("duplicate category name")
        compiled: list[_Rule] = []
        by_word: dict[str, list[tuple[int, tuple[frozenset[str], ...]]]] = {}
        always: list[int] = []
        for category in doc["categories"]:
            name = str(category["name"])
            cat_guards = category.get("guards", default_guards)
            for spec in category["rules"]:
                rid = f"{name}.{spec['id']}"
                if any(r.id == rid for r in compiled):
                    raise RulesError(f"duplicate rule id {rid!r}")
                severity = Severity(spec["severity"])
                if severity is Severity.NONE:
                    raise RulesError(f"rule {rid!r}: severity must be concern or urgent")
                also = tuple(str(c) for c in spec.get("also", ()))
                unknown = [c for c in also if c not in category_names or c == name]
                if unknown:
                    raise RulesError(f"rule {rid!r}: 'also' names {unknown}")
                pattern = _substitute(str(spec["pattern"]), defs)
                if _min_length(parse_pattern(pattern)) == 0:
                    # Python's finditer and JavaScript's matchAll step past empty matches
                    # differently; a rule that can match nothing is a mistake anyway.
                    raise RulesError(f"rule {rid!r} can match the empty string")
                branches = branch_conditions(pattern)
                position = len(compiled)
                if branches is None:
                    always.append(position)
                else:
                    for needs in branches:
                        primary = max(needs, key=_score)
                        others = tuple(dict.fromkeys(n for n in needs if n != primary))
                        for word in primary:
                            by_word.setdefault(word, []).append((position, others))
                compiled.append(
                    _Rule.build(
                        id=rid,
                        categories=(name, *also),
                        severity=severity,
                        # The pattern was parsed above; word edges round it keep it in the subset.
                        regex=_compile_internal(f"\\b(?:{pattern})\\b", parsed=True),
                        guards=guard_list(spec.get("guards", cat_guards), rid),
                    )
                )
        index = _Index({w: tuple(ps) for w, ps in by_word.items()}, tuple(always))
        return cls(
            normaliser,
            compiled,
            index,
            category_names,
            doc.get("clause_breaks", [" , ", " . "]),
            doc.get("sentence_breaks", [" . "]),
        )

    @classmethod
    def default(cls) -> RiskScreen:
        """The screen built from the packaged ``risk_rules.json`` (read once per call)."""
        source = resources.files("server.safeguarding").joinpath("risk_rules.json")
        return cls.from_rules(json.loads(source.read_text(encoding="utf-8")))

    def normalise(self, text: str) -> list[str]:
        """The normalised readings that rules are matched against (for tests and rule authors)."""
        return self._normaliser.readings(text)

    def rules_needing_no_word(self) -> list[str]:
        """Ids of rules the word index cannot skip (they run on every message)."""
        return [self._rules[i].id for i in self._index.always]

    def screen(self, text: str) -> Decision:
        """Screen one message. Pure and deterministic; never raises for a ``str``."""
        return self._screen(text, use_index=True)

    def screen_exhaustively(self, text: str) -> Decision:
        """:meth:`screen` without the word index: every rule runs. For tests of the index."""
        return self._screen(text, use_index=False)

    def _screen(self, text: str, *, use_index: bool) -> Decision:
        best: dict[int, Severity] = {}
        for reading in self._normaliser.readings(text):
            tokens = frozenset(_ALNUM.findall(reading)) if use_index else None
            positions = (
                self._index.candidates(tokens) if tokens is not None else range(len(self._rules))
            )
            wrapped: _Text | None = None
            for position in positions:
                rule = self._rules[position]
                severity = Severity.NONE
                for m in rule.regex.finditer(reading):
                    if wrapped is None:
                        wrapped = _Text(reading, self._clause_breaks, self._sentence_breaks, tokens)
                    verdict = _verdict(rule, wrapped, m.start(), m.end())
                    if verdict.rank > severity.rank:
                        severity = verdict
                        if severity is rule.severity:
                            break
                # Most candidate rules match nothing: skip the rank lookups for them.
                if severity is not Severity.NONE and (
                    severity.rank > best.get(position, Severity.NONE).rank
                ):
                    best[position] = severity
        return self._decide(best) if best else NO_RISK

    def _decide(self, best: Mapping[int, Severity]) -> Decision:
        order = {name: i for i, name in enumerate(self._categories)}
        found: list[tuple[int, int, Match]] = []
        for position, severity in best.items():
            rule = self._rules[position]
            for category in rule.categories:
                found.append((order[category], position, Match(category, rule.id, severity)))
        matches = tuple(m for _, _, m in sorted(found, key=lambda f: (f[0], f[1])))
        categories = tuple(dict.fromkeys(m.category for m in matches))
        severity = max((m.severity for m in matches), key=lambda s: s.rank)
        return Decision(severity, categories, matches)
