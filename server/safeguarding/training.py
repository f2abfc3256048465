"""Training the risk model from the corpus (``hearth risk train``).

This needs scikit-learn, imported here only, so serving never loads it. Training is
deterministic: the same corpus and the same versions of scikit-learn, SciPy and NumPy give the
same file, and ``tests/safeguarding/test_model.py`` retrains and compares with the shipped one.
The versions are pinned in pyproject.toml's ``train`` extra (``pip install -e '.[train]'``):
another scikit-learn fits other weights from the same corpus.

The steps, and why:

1. Split the training folders into training and validation groups (``corpus.split``): variants
   and near-duplicates stay together, and anything matching a held-out message is dropped.
2. Features (``features.py``) that occur in at least two training messages, ranked by a
   chi-squared test on the label. The server's model keeps the ``VOCABULARY`` best, the
   browser's (the draft nudge, label head only) the ``BROWSER_VOCABULARY`` best: its file is
   downloaded by every page, so it stays small.
3. Tf-idf over feature counts (``features.py``, step 4), with the inverse document frequency
   rounded to the 8 bits the file stores, so the model is trained on exactly the numbers it
   is used with.
4. A multinomial logistic regression for the label and one binary logistic regression per
   category (to say what a risk is about), L2-regularised, balanced by class.
5. Weights rounded to 8 bits per column. The rules that are right on fewer than 95 % of
   the training messages they fire on are gated (``model.RuleGate``): they count only when the
   model agrees. The thresholds are then chosen on the validation split by scoring it exactly
   as the server will (rules first, gated by the model, the model beside them).
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, Final

from server.safeguarding import corpus as corp
from server.safeguarding import features as feats
from server.safeguarding.model import (
    FORMAT,
    MODEL_FILE,
    LinearRiskModel,
    ModelScore,
    RuleGate,
    document_text,
)

__all__ = ["TrainingResult", "browser_path", "build", "read_file", "train"]

# The server's model keeps the 200,000 most informative features and the browser's draft nudge
# 16,000, so that the rules and its model stay under 150 KB gzipped. Chosen on the validation
# split (urgent messages decided urgent, at the same benign alarms): 16,000 features 0.62,
# 60,000 0.68, 100,000 0.69, 200,000 0.68 with C 8; then C 4, 8, 16 and 32 gave 0.66, 0.68,
# 0.69 and 0.70 at 60,000, and C 16 0.71 at 100,000 (the most concern recall too). With the
# label head fitted on NB-scaled features (``_nb_scale``), C 2, 4, 8 and 16 gave urgent 0.710,
# 0.732, 0.725 and 0.708 and concern 0.849, 0.853, 0.853 and 0.855, against 0.703 and 0.838
# for plain logistic regression at C 16 on the same split (false alarms 0.078-0.079 for all).
# With 15 % more corpus (en-quiet, pl7, ur12) a bigger vocabulary paid: urgent 0.757 at 100,000
# and C 4, 0.770 at 200,000 and C 4, 0.784 at 200,000 and C 8 (taken), 0.781 at C 16, 0.769 at
# 300,000 and C 8, with concern 0.850-0.869 and false alarms 0.066-0.071 (docs/risk-screen.md).
VOCABULARY: Final = 200_000
BROWSER_VOCABULARY: Final = 16_000
REGULARISATION: Final = 8.0  # scikit-learn's C (see above)
# The label head is fitted on features scaled by their NB log-count ratios (``_nb_scale``).
NB_SCALING: Final = True
MIN_DOCUMENTS: Final = 2
# L-BFGS stops when no gradient component exceeds its tolerance. The label heads decide every
# alert and are fitted tightly. The ten category heads only name what a risk is about: at 1e-6
# they took about 80 of the training's 240 s of CPU; at 1e-4 (2026-12-08, the corpus of model
# c5d3c1) they name the same category for 6,000 of 6,000 risk messages of the corpus, each
# score within 0.05, while the label heads, thresholds and validation figures are unchanged
# to the byte, and training takes 135 s of CPU instead of 238.
TOLERANCE: Final = 1e-6
CATEGORY_TOLERANCE: Final = 1e-4
# Shares of benign validation messages the model may alarm on beyond the rules' own alarms.
CONCERN_BUDGET: Final = 0.06
URGENT_BUDGET: Final = 0.02
# The rule gate (``model.RuleGate``): a rule right on fewer than RULE_PRECISION of the training
# messages it fired on (and fired on at least RULE_MIN_FIRINGS, so that the share means
# something) counts only when the model's any-risk score reaches GATE_ANY_RISK. Chosen on the
# validation split with the model of 2026-12-07 (f63b99) and its thresholds: precision below 0.9
# gated 25 rules; any-risk 0.1, 0.2, 0.3 and 0.5 left 293, 278, 271 and 267 of 3,941 benign
# messages alarmed (313 ungated) and 2,228, 2,226, 2,225 and 2,218 of 3,041 urgent ones urgent
# (2,230 ungated); gating rules below 0.8 or 0.95 instead left 286 and 264 alarms at 0.3.
# Retried on 2026-12-07 with the corpus of model 3c61f722 (11,704 validation messages, more
# hard negatives): precision below 0.9, 0.95 and 0.97 gated 28, 40 and 48 rules for urgent
# recall 0.7576, 0.7573 and 0.7563 and false alarms 0.0689, 0.0673 and 0.0667; 0.95 with
# any-risk 0.5 gave 0.7542 and 0.0652. 0.95 at 0.3: a sixth fewer of the rules' false
# alarms for one urgent message in about 3,300.
RULE_PRECISION: Final = 0.95
RULE_MIN_FIRINGS: Final = 10
GATE_ANY_RISK: Final = 0.3

# What the rules found in a text: (rule id, severity) for each rule that fired.
RuleMatches = Sequence[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class TrainingResult:
    document: dict[str, Any]
    validation: dict[str, float]
    browser: dict[str, Any]


def _pack(values: Any, signed: bool = True) -> str:
    import numpy as np

    data = np.asarray(values, dtype=np.int8 if signed else np.uint8)
    return base64.b64encode(data.tobytes()).decode("ascii")


def _quantise(column: Any) -> tuple[Any, float]:
    import numpy as np

    peak = float(np.abs(column).max()) or 1.0
    scale = peak / 127.0
    return np.clip(np.rint(column / scale), -127, 127).astype(np.int8), scale


def _fit_one(x: Any, target: Any, c: float, tol: float) -> Any:
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    # One BLAS thread per fit: the fits already run one per core, and more threads than
    # cores only make them wait for each other.
    with threadpool_limits(1):
        return LogisticRegression(C=c, class_weight="balanced", max_iter=3000,
                                  tol=tol).fit(x, target)


# What forked workers fit: set before the pool starts, so each worker begins with the matrices
# and targets in memory and only an index travels to it.
_WORK: dict[str, Any] = {}


def _fit_nth(n: int) -> Any:
    x, target, tol = _WORK["jobs"][n]
    return _fit_one(x, target, _WORK["c"], tol)


def _fit_all(jobs: list[tuple[Any, Any, float]], c: float) -> list[Any]:
    """Fit a logistic regression per (matrix, target, tolerance), on as many cores as there are
    (processes: the solver holds the interpreter lock for much of its work). Each fit is
    independent and deterministic, so the result is the same however many run at once."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    workers = min(len(jobs), os.cpu_count() or 1)
    if workers < 2:
        return [_fit_one(x, target, c, tol) for x, target, tol in jobs]
    _WORK.update(jobs=jobs, c=c)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            # The biggest fits first, so that the last one to start is a small one.
            order = sorted(range(len(jobs)), key=lambda n: -jobs[n][0].nnz)
            fitted = dict(zip(order, pool.map(_fit_nth, order), strict=True))
            return [fitted[n] for n in range(len(jobs))]
    finally:
        _WORK.clear()


@dataclass(frozen=True, slots=True)
class _Prepared:
    """The corpus read, split and turned into features: what both models are fitted from."""

    files: list[Path]
    common: dict[str, list[str]]
    messages: int
    originals: int
    training: list[corp.Message]
    validation: list[corp.Message]
    candidates: list[str]  # the features of at least MIN_DOCUMENTS messages, sorted
    counts: Any  # messages by candidates, each feature's count (``_matrix``)
    ranked: list[int]  # the candidates' indices, most informative first
    labels: Any


def _prepare(folders: Sequence[Path], held_out_folder: Path,
             sentence_examples: bool) -> _Prepared:
    import numpy as np
    from sklearn.feature_selection import chi2

    files = [p for folder in folders for p in sorted(folder.glob("*.jsonl"))]
    messages = corp.load_dir(*folders)
    # The common words that tell Polish and Urdu apart from English (data, beside the corpus).
    common = {k: v for k, v in json.loads((folders[0].parent / "languages.json").read_text(
        encoding="utf-8")).items() if not k.startswith("_")}
    files.append(folders[0].parent / "languages.json")
    held_out = corp.load_dir(held_out_folder) if held_out_folder.is_dir() else []
    training, validation = corp.split(messages, held_out)
    originals = len(training)

    # The sentences of a benign post are benign too: the server scores each sentence of a long
    # post, so the model must learn that ordinary sentences about slings are not risk on their
    # own. (A risky post's sentences are not all risky, so they are not added.)
    if sentence_examples:
        training = training + [
            corp.Message(id=f"{m.id}#{k}", text=part, label="none", categories=(),
                         audience=m.audience, language=m.language, script=m.script,
                         written=f"{m.written} (sentence {k})", source=m.source)
            for m in training if m.label == "none"
            for k, part in enumerate(feats.sentences(m.text)) if len(feats.sentences(m.text)) > 1
            and len(feats.tokens(part)) >= 3]

    # 2. the candidate features, ranked by a chi-squared test on the label
    bags = [feats.features(feats.tokens(m.text)) for m in training]
    documents = Counter(chain.from_iterable(bags))  # messages holding each feature
    candidates = sorted(f for f, n in documents.items() if n >= MIN_DOCUMENTS)
    counts = _matrix(bags, {f: i for i, f in enumerate(candidates)})
    labels = np.array([corp.LABELS.index(m.label) for m in training])
    scores, _ = chi2(counts, labels)
    scores = np.nan_to_num(scores)
    # Highest score first; ties by feature string (the candidates are sorted, so by index), so
    # the choice does not depend on float noise.
    order = sorted(range(len(candidates)), key=lambda i: (-round(float(scores[i]), 6), i))
    return _Prepared(files=files, common=common, messages=len(messages), originals=originals,
                     training=training, validation=validation, candidates=candidates,
                     counts=counts, ranked=order, labels=labels)


def _matrix(rows: list[dict[str, int]], index: dict[str, int]) -> Any:
    """Messages by features, holding each feature's count (``features.features``)."""
    import numpy as np
    from scipy import sparse

    # One lookup per feature, gathered flat; SciPy then sorts each row's columns (the
    # canonical form the fits and the sums were always given), rather than Python sorting
    # every row.
    get = index.get
    flat: list[int] = []
    values: list[int] = []
    indptr = [0]
    for bag in rows:
        for feature, n in bag.items():
            i = get(feature)
            if i is not None:
                flat.append(i)
                values.append(n)
        indptr.append(len(flat))
    matrix = sparse.csr_matrix((np.array(values, dtype=np.float64),
                                np.array(flat, dtype=np.int64), np.array(indptr)),
                               shape=(len(rows), len(index)))
    matrix.sort_indices()
    return matrix


@dataclass(frozen=True, slots=True)
class _Design:
    """One model's vocabulary and tf-idf matrix (step 3), before fitting."""

    vocab: list[str]
    idf_q: Any
    idf_scale: float
    x: Any


def _design(prep: _Prepared, size: int) -> _Design:
    """Tf-idf over the ``size`` most informative features, with the inverse document
    frequency rounded to the 8 bits the file stores, so the model is trained on exactly the
    numbers it is used with. Each feature's count is weighted by its idf; a text's vector is
    divided by the square root of the sum of count times idf squared, which is its length
    when no two of its words share a feature, and which adds up word by word
    (``features.py``, step 4), so that the model can score a text from per-word sums."""
    import numpy as np
    from scipy import sparse

    # The candidates are sorted, so the chosen ones' indices in order are the vocabulary sorted.
    chosen = np.sort(np.array(prep.ranked[:size], dtype=np.int64))
    vocab = [prep.candidates[i] for i in chosen]
    counts = prep.counts[:, chosen]
    counts.sort_indices()
    df = np.bincount(counts.indices, minlength=len(vocab))  # messages holding each feature
    idf = np.log((1 + len(prep.training)) / (1 + df)) + 1.0
    idf_scale = float(idf.max()) / 255.0
    idf_q = np.clip(np.rint(idf / idf_scale), 1, 255).astype(np.uint8)
    weight = idf_q.astype(np.float64) * idf_scale
    weighted = counts.multiply(weight).tocsr()
    norms = np.sqrt(counts @ (weight * weight))
    norms[norms == 0] = 1.0
    return _Design(vocab=vocab, idf_q=idf_q, idf_scale=idf_scale,
                   x=sparse.diags(1.0 / norms) @ weighted)


def _nb_scale(design: _Design, labels: Any) -> Any:
    """Per feature, how much more often it occurs in one label's messages than in the others'
    (the largest absolute log-count ratio over the labels, each against the rest, with one
    added to every count): the label head is fitted on features scaled by it (NB-LR, Wang
    and Manning 2012), which lets a feature that marks one label strongly weigh more than
    the regularisation would otherwise allow. Measured on validation against plain logistic
    regression: see ``NB_SCALING``."""
    import numpy as np

    present = design.x.copy()
    present.data[:] = 1.0
    ratios = []
    for label in np.unique(labels):
        mine = labels == label
        p = 1.0 + np.asarray(present[mine].sum(axis=0)).ravel()
        q = 1.0 + np.asarray(present[~mine].sum(axis=0)).ravel()
        ratios.append(np.abs(np.log((p / p.sum()) / (q / q.sum()))))
    return np.max(np.stack(ratios), axis=0)


def _document(prep: _Prepared, design: _Design, head: Any,
              category_heads: Sequence[Any], label_scale: Any = None) -> dict[str, Any]:
    """Step 5's file, thresholds still to choose: weights rounded to 8 bits per column.
    ``label_scale``: the per-feature scale the label head was fitted with (``_nb_scale``),
    folded into its weights so that scoring is unchanged."""
    import numpy as np

    coef = head.coef_ - head.coef_[0]  # logits against "none"
    if label_scale is not None:
        coef = coef * label_scale
    bias = head.intercept_ - head.intercept_[0]
    concern_q, concern_scale = _quantise(coef[1])
    urgent_q, urgent_scale = _quantise(coef[2])
    document: dict[str, Any] = {
        "format": FORMAT,
        "feature_version": feats.FEATURE_VERSION,
        "card": {"version": "pending"},
        "labels": list(corp.LABELS),
        "categories": list(corp.CATEGORIES) if category_heads else [],
        "thresholds": {lang: {"urgent": 0.5, "concern": 0.5} for lang in corp.LANGUAGES},
        "languages": prep.common,
        "idf_scale": design.idf_scale,
        "label_scale": [concern_scale, urgent_scale],
        "label_bias": [round(float(bias[1]), 6), round(float(bias[2]), 6)],
    }
    if category_heads:
        category_q, category_scale = zip(*(_quantise(one.coef_[0]) for one in category_heads),
                                         strict=True)
        document["category_scale"] = list(category_scale)
        document["category_bias"] = [round(float(one.intercept_[0]), 6)
                                     for one in category_heads]
    document["vocab"] = design.vocab
    document["idf"] = _pack(design.idf_q, signed=False)
    document["label_weights"] = _pack(np.stack([concern_q, urgent_q], axis=1).ravel())
    if category_heads:
        document["category_weights"] = _pack(np.stack(category_q, axis=1).ravel())
    return document


def train(folders: Sequence[Path], held_out_folder: Path,
          screen: Callable[[str], RuleMatches] | None = None,
          today: dt.date | None = None, vocabulary: int = VOCABULARY,
          browser_vocabulary: int = BROWSER_VOCABULARY,
          c: float = REGULARISATION, sentence_examples: bool = True,
          nb_scaling: bool = NB_SCALING) -> TrainingResult:
    """Train on every ``*.jsonl`` in ``folders``; ``screen`` gives the rules' matches in a text
    (so that the gate and the thresholds are chosen for rules and model together). Two models
    come out: the server's (``vocabulary`` features, the label head and a head per category)
    and the browser's draft nudge (``browser_vocabulary`` features, the label head only)."""
    import numpy as np
    from scipy import sparse

    prep = _prepare(folders, held_out_folder, sentence_examples)
    server, browser = _design(prep, vocabulary), _design(prep, browser_vocabulary)

    # 4. the heads: a multinomial logistic regression for the label (on NB-scaled features)
    # and one binary one per category (to say what a risk is about), L2-regularised,
    # balanced by class.
    server_nb = _nb_scale(server, prep.labels) if nb_scaling else None
    browser_nb = _nb_scale(browser, prep.labels) if nb_scaling else None

    def scaled(design: _Design, scale: Any) -> Any:
        return design.x if scale is None else (design.x @ sparse.diags(scale)).tocsr()

    jobs = [(scaled(server, server_nb), prep.labels, TOLERANCE)] + [
        (server.x, np.array([category in m.categories for m in prep.training]),
         CATEGORY_TOLERANCE) for category in corp.CATEGORIES] + [
        (scaled(browser, browser_nb), prep.labels, TOLERANCE)]
    fitted = _fit_all(jobs, c)
    document = _document(prep, server, fitted[0], fitted[1:-1], server_nb)
    browser_document = _document(prep, browser, fitted[-1], (), browser_nb)

    # 5. the rule gate, from the training split; then the thresholds, on validation, with the
    # rules (scored exactly as the server will; the browser's draft nudge has no gate)
    def found(text: str) -> RuleMatches:
        return screen(text) if screen else ()

    originals = prep.training[:prep.originals]
    document["rule_gate"] = rule_gate(originals, [found(m.text) for m in originals])
    validation = prep.validation
    matches = [found(m.text) for m in validation]
    figures = {}
    for doc, name in ((document, "server"), (browser_document, "browser")):
        model = LinearRiskModel(doc)
        scores = [model.score(m.text) for m in validation]
        rules = [_severity(ms, model.rule_gate, score.any_risk)
                 for ms, score in zip(matches, scores, strict=True)]
        doc["thresholds"], figures[name] = choose_thresholds(validation, rules, scores)
    corpus_sha = corp.corpus_hash(prep.files)
    trained_on = today or dt.date.today()
    # The corpus and the weights both name the version: retraining the same corpus with other
    # settings gives another version, so feedback counted per version never mixes two models.
    weights_sha = hashlib.sha256(encode(document).encode()).hexdigest()
    version = f"linear-{trained_on.isoformat()}-{corpus_sha[:8]}-{weights_sha[:6]}"
    document["card"] = {
        "version": version,
        "trained": trained_on.isoformat(),
        "corpus_sha256": corpus_sha,
        "corpus_files": [p.name for p in sorted(prep.files, key=lambda p: p.name)],
        "messages": {"training": prep.originals, "validation": len(validation),
                     "sentences_of_benign_posts_added": len(prep.training) - prep.originals,
                     "dropped_as_held_out_or_duplicate": prep.messages - prep.originals
                     - len(validation)},
        "languages": {lang: sum(m.language == lang for m in prep.training)
                      for lang in corp.LANGUAGES},
        "vocabulary": len(server.vocab),
        "regularisation_c": c,
        "fit_tolerance": {"label": TOLERANCE, "categories": CATEGORY_TOLERANCE},
        "label_head": "NB-scaled logistic regression" if nb_scaling else "logistic regression",
        "thresholds_chosen_on": "the validation split, for the rules and the model together",
        "rules_gated": (f"{len(document['rule_gate']['rules'])} rules right on fewer than "
                        f"{RULE_PRECISION:.0%} of the training messages they fired on count "
                        f"only when the model's any-risk score is {GATE_ANY_RISK} or more"),
        "validation": figures["server"],
        "intended_use": "Screening peer-support chat for facilitators, beside the rules; "
                        "never alone, never a clinical judgement.",
    }
    browser_document["card"] = {
        "version": f"{version}-browser",
        "trained": trained_on.isoformat(),
        "corpus_sha256": corpus_sha,
        "vocabulary": len(browser.vocab),
        "regularisation_c": c,
        "validation": figures["browser"],
        "intended_use": "Nudging a parent before she sends a draft, in her browser; the server "
                        "screens what is sent with the full model.",
    }
    return TrainingResult(document=document, validation=figures["server"],
                          browser=browser_document)


def rule_gate(messages: Sequence[corp.Message], matches: Sequence[RuleMatches]
              ) -> dict[str, Any]:
    """The model file's ``rule_gate``: each rule that fired on at least ``RULE_MIN_FIRINGS``
    training messages and was right (concern or urgent) on fewer than ``RULE_PRECISION`` of
    them, with that share, for the card to show."""
    fired: dict[str, int] = {}
    right: dict[str, int] = {}
    for message, found in zip(messages, matches, strict=True):
        for rule in {rule for rule, _ in found}:
            fired[rule] = fired.get(rule, 0) + 1
            right[rule] = right.get(rule, 0) + (message.label != "none")
    gated = {rule: round(right[rule] / n, 3) for rule, n in sorted(fired.items())
             if n >= RULE_MIN_FIRINGS and right[rule] / n < RULE_PRECISION}
    return {"min_any_risk": GATE_ANY_RISK, "precision_below": RULE_PRECISION, "rules": gated}


def _severity(matches: RuleMatches, gate: RuleGate, any_risk: float) -> str:
    """The rules' severity once the gate has dropped the matches the model does not back."""
    kept = [corp.LABELS.index(severity) for rule, severity in matches
            if gate.holds(rule, any_risk)]
    return corp.LABELS[max(kept, default=0)]


def choose_thresholds(validation: Sequence[corp.Message], rules: Sequence[str],
                      scored: Sequence[ModelScore]
                      ) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """Per language (as the model detects it), the lowest thresholds whose alarms on benign
    validation messages, beyond those the rules raise already, stay within budget:
    ``CONCERN_BUDGET`` of benign messages for any alarm and ``URGENT_BUDGET`` for urgent ones
    (an urgent alarm holds the message and shows the sender crisis contacts, so a false one
    costs more than a quiet check-in)."""
    grid = [round(0.01 * k, 2) for k in range(5, 100)]

    def lowest(passes: Callable[[float], bool]) -> float:
        return next((t for t in grid if passes(t)), grid[-1])

    thresholds: dict[str, dict[str, float]] = {}
    for language in corp.LANGUAGES:
        benign = [i for i, m in enumerate(validation)
                  if m.label == "none" and scored[i].language == language]
        concern_t = lowest(lambda t, b=benign: sum(  # type: ignore[misc]
            rules[i] == "none" and scored[i].any_risk >= t for i in b)
            <= CONCERN_BUDGET * len(b))
        # Whatever is urgent is also an alarm: never below the concern threshold, so that
        # CONCERN_BUDGET bounds all the model's alarms and URGENT_BUDGET the urgent ones.
        urgent_t = max(concern_t, lowest(lambda t, b=benign: sum(  # type: ignore[misc]
            rules[i] != "urgent" and scored[i].urgent >= t for i in b)
            <= URGENT_BUDGET * len(b)))
        thresholds[language] = {"urgent": urgent_t, "concern": concern_t}

    def decided(i: int) -> str:
        levels = thresholds[scored[i].language]
        if rules[i] == "urgent" or scored[i].urgent >= levels["urgent"]:
            return "urgent"
        if rules[i] == "concern" or scored[i].any_risk >= levels["concern"]:
            return "concern"
        return "none"

    verdicts = [decided(i) for i in range(len(validation))]
    benign = [i for i, m in enumerate(validation) if m.label == "none"]
    urgent = [i for i, m in enumerate(validation) if m.label == "urgent"]
    concern = [i for i, m in enumerate(validation) if m.label == "concern"]
    figures = {
        "urgent_recall": round(sum(verdicts[i] == "urgent" for i in urgent)
                               / max(1, len(urgent)), 4),
        "concern_recall": round(sum(verdicts[i] != "none" for i in concern)
                                / max(1, len(concern)), 4),
        "benign_false_alarms": round(sum(verdicts[i] != "none" for i in benign)
                                     / max(1, len(benign)), 4),
        "messages": len(validation),
    }
    return thresholds, figures


def encode(document: dict[str, Any]) -> str:
    """The model file's text: stable key order and separators, one line per top-level key
    (so a diff of two models is readable)."""
    lines = [f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False, separators=(',', ':'))}"
             for k, v in document.items()]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def browser_path(model_path: Path) -> Path:
    """Where the browser's model lives beside the server's: ``risk_model_browser.json``
    (plain JSON: the server reads it once to serve it, compressed, to pages)."""
    stem = model_path.name.removesuffix(".gz").removesuffix(".json")
    return model_path.with_name(f"{stem}_browser.json")


def file_bytes(path: Path, text: str) -> bytes:
    """What a model file holds: gzipped when its name ends in ``.gz`` (with no timestamp in
    the header, so the same model gives the same bytes and ``--check`` can compare)."""
    data = text.encode("utf-8")
    return gzip.compress(data, 9, mtime=0) if path.name.endswith(".gz") else data


def read_file(path: Path) -> str:
    return document_text(path.read_bytes(), path.name)


def toolchain() -> str:
    """The installed versions that decide the trained weights, for a failed check to name."""
    from importlib.metadata import version

    return ", ".join(f"{name} {version(name)}" for name in ("scikit-learn", "scipy", "numpy"))


def build(root: Path, out: Path | None, *, check: bool = False) -> str:
    """``hearth risk train``: train from ``root`` (the folder holding ``corpus/``, ``legacy/``
    and ``heldout/``) and write ``out`` (default: the packaged model) and the browser's model
    beside it. With ``check``, write nothing: retrain with the shipped model's date and say
    whether both results match."""
    from importlib import resources

    from server.safeguarding.screening import default_screen

    folders = [root / "corpus", root / "legacy"]
    if not all(f.is_dir() for f in folders):
        raise SystemExit(f"error: {root} has no corpus/ and legacy/ folders of JSONL")
    shipped_path = out or Path(str(resources.files("server.safeguarding").joinpath(
        MODEL_FILE)))
    today = None
    if check:
        try:
            today = dt.date.fromisoformat(json.loads(read_file(shipped_path))["card"]["trained"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SystemExit(f"error: cannot read the model to check, {shipped_path}: {exc}"
                             ) from None
    screen = default_screen()
    result = train(folders, root / "heldout",
                   screen=lambda t: [(m.rule, m.severity.value) for m in screen.screen(t).matches],
                   today=today)
    files = {shipped_path: encode(result.document),
             browser_path(shipped_path): encode(result.browser)}
    card = result.document["card"]
    summary = (f"{card['version']}: {card['messages']['training']} training and "
               f"{card['messages']['validation']} validation messages, vocabulary "
               f"{card['vocabulary']}, thresholds {result.document['thresholds']}, "
               f"validation {result.validation}; browser: vocabulary "
               f"{result.browser['card']['vocabulary']}, validation "
               f"{result.browser['card']['validation']}")
    if check:
        stale = [str(path) for path, text in files.items()
                 if not path.is_file() or read_file(path) != text]
        if stale:
            raise SystemExit(f"error: {', '.join(stale)} does not match the corpus: retrain "
                             f"with 'hearth risk train' ({summary}). Trained here with "
                             f"{toolchain()}: the shipped model needs the versions of "
                             "pyproject.toml's train extra")
        return f"{shipped_path} and its browser model match the corpus ({summary})"
    for path, text in files.items():
        path.write_bytes(file_bytes(path, text))
    return f"wrote {shipped_path} and {browser_path(shipped_path).name} ({summary})"
