"""The risk corpus, the trained model and the one decision made from rules and model together.

What is held here: the corpus is what the issue asks of it (sizes, languages, every category on
both sides, valid lines, no near-duplicate across the training/validation split, no held-out text
in training); the shipped model is exactly what ``hearth risk train`` rebuilds from the corpus;
the model file is checked when loaded; the assessor keeps the rules' decision and lets the model
raise it, screening long posts sentence by sentence; and floors at the measured held-out figures
(bench/risk_eval.py prints them in full).
"""

from __future__ import annotations

import base64
import json
import math
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from server.safeguarding import corpus, training
from server.safeguarding.assess import RiskAssessor, default_assessor
from server.safeguarding.features import features, sentence_tokens, sentences, tokens
from server.safeguarding.model import LinearRiskModel, ModelError, default_model
from server.safeguarding.risk import Severity
from server.safeguarding.screening import default_screen

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "risk"
MODEL_PATH = ROOT / "server" / "safeguarding" / "risk_model.json.gz"
TRAINING = corpus.load_dir(DATA / "corpus", DATA / "legacy")
HELD_OUT = {path.stem: corpus.load(path) for path in sorted((DATA / "heldout").glob("*.jsonl"))}


# --- the corpus -----------------------------------------------------------------------------------


def test_the_corpus_is_as_large_as_asked_in_each_language() -> None:
    by_language = Counter(m.language for m in TRAINING)
    assert by_language["en"] >= 12_000 and by_language["pl"] >= 2_000
    assert by_language["ur"] >= 2_000
    urdu_scripts = Counter(m.script for m in TRAINING if m.language == "ur")
    assert urdu_scripts["arab"] >= 800 and urdu_scripts["latn"] >= 800


def test_every_category_has_urgent_and_concern_examples_in_every_language() -> None:
    for language in corpus.LANGUAGES:
        seen = Counter((c, m.label) for m in TRAINING if m.language == language
                       for c in m.categories)
        for category in corpus.CATEGORIES:
            levels = {"urgent": category != "low_mood", "concern": category != "immediate_danger"}
            for level, expected in levels.items():
                if expected:
                    assert seen[(category, level)] >= 20, (language, category, level)


def test_the_corpus_has_many_voices_and_hard_negatives() -> None:
    briefs = Counter(m.source for m in TRAINING)
    assert len(briefs) >= 8 and max(briefs.values()) < 0.25 * len(TRAINING)
    assert Counter(m.audience for m in TRAINING)["fathers"] >= 1_500
    benign = [m for m in TRAINING if m.label == "none"]
    assert 0.3 <= len(benign) / len(TRAINING) <= 0.5
    # Hard negatives: benign messages with words that sound like risk.
    alarming = ("kill", "die", "dying", "dead", "murder", "overdose", "knife")
    assert sum(any(w in m.text.lower() for w in alarming) for m in benign) >= 300


def test_held_out_sets_are_large_enough_and_cover_polish_and_urdu() -> None:
    fresh = {name: msgs for name, msgs in HELD_OUT.items() if not name.startswith("legacy")}
    assert len(fresh) >= 3 and all(len(msgs) >= 150 for msgs in fresh.values())
    languages = Counter(m.language for msgs in fresh.values() for m in msgs)
    assert languages["pl"] >= 100 and languages["ur"] >= 100


def test_no_held_out_text_is_trained_on_and_splits_do_not_share_near_duplicates() -> None:
    held = [m for msgs in HELD_OUT.values() for m in msgs]
    training, validation = corpus.split(TRAINING, held)
    held_keys = {corpus.words_key(m.text) for m in held}
    train_keys = {corpus.words_key(m.text) for m in training}
    assert not held_keys & train_keys
    # Nor anything nearly the same (a typo, an extra clause): writers shared the guide's examples.
    assert not corpus.near_duplicates(training + validation, held)
    assert not train_keys & {corpus.words_key(m.text) for m in validation}
    # A variant is in the split of the message it varies.
    split_of = {m.id: "t" for m in training} | {m.id: "v" for m in validation}
    for message in training + validation:
        if message.base in split_of:
            assert split_of[message.base] == split_of[message.id], message.id
    assert 0.12 <= len(validation) / (len(training) + len(validation)) <= 0.28


def test_near_duplicates_are_reworded_copies_not_shared_words() -> None:
    def message(id_: str, text: str) -> corpus.Message:
        return corpus.Message(id=id_, text=text, label="none", categories=(), audience="any",
                              language="en", script="latn", written="test", source="test")

    held = [message("h", "this teething is actually killing me, 4 teeth at once")]
    near = [message("typo", "this teething is actualy killing me 4 teeth at once 😩"),
            message("clause", "this teething is actually killing me, 4 teeth at once, send cake"),
            message("case", "This teething is actually killing me! 4 teeth at once")]
    apart = [message("other", "this teething is a nightmare, 2 teeth at once"),
             message("words", "killing me softly was on the radio at once")]
    assert corpus.near_duplicates(near + apart, held) == {"typo", "clause", "case"}


def test_a_malformed_corpus_line_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x1", "text": "hi", "label": "urgent", "categories": []}\n')
    with pytest.raises(corpus.CorpusError, match=r"bad.jsonl:1: .*needs categories"):
        corpus.load(bad)
    bad.write_text('{"id": "x1", "text": "hi", "label": "none", "categories": []}\nnot json\n')
    with pytest.raises(corpus.CorpusError, match=r"bad.jsonl:2: not JSON"):
        corpus.load(bad)


# --- the shipped model --------------------------------------------------------------------------


# Retraining takes about 100 s on a quiet machine of CI's kind and more with the other core busy,
# so the default 120 s limit would make this test flaky rather than catch anything.
@pytest.mark.timeout(600)
def test_the_shipped_model_is_what_the_corpus_trains() -> None:
    """``hearth risk train --check`` retrains from data/risk with the shipped model's date and
    compares the files byte for byte: a corpus edit without retraining fails here."""
    done = subprocess.run([sys.executable, "-m", "server", "risk", "train", "--check",
                           "--corpus", str(DATA), "--out", str(MODEL_PATH)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr or done.stdout
    assert "match the corpus" in done.stdout


def test_the_model_card_describes_what_it_was_trained_on() -> None:
    card = json.loads(training.read_file(MODEL_PATH))["card"]
    files = sorted(p for folder in ("corpus", "legacy") for p in (DATA / folder).glob("*.jsonl"))
    files.append(DATA / "languages.json")
    assert card["corpus_sha256"] == corpus.corpus_hash(files)
    assert card["corpus_files"] == sorted(p.name for p in files)
    assert set(json.loads(training.read_file(MODEL_PATH))["thresholds"]) == {"en", "pl", "ur"}
    assert set(card["validation"]) >= {"urgent_recall", "concern_recall", "benign_false_alarms"}
    assert card["version"] == default_model().version
    # Shipped in the package gzipped: 2.0 MB on disk for 200,000 features, read in about a
    # third of a second at start-up (66 MiB in memory). A model much bigger than that would
    # want a leaner format than JSON first.
    assert MODEL_PATH.stat().st_size < 2_500_000
    browser = json.loads(training.read_file(training.browser_path(MODEL_PATH)))
    assert browser["card"]["version"] == f"{card['version']}-browser"
    assert browser["card"]["corpus_sha256"] == card["corpus_sha256"]
    assert browser["categories"] == [] and len(browser["vocab"]) < len(
        json.loads(training.read_file(MODEL_PATH))["vocab"])


def test_a_model_built_for_other_features_or_damaged_is_refused() -> None:
    doc: dict[str, Any] = json.loads(training.read_file(MODEL_PATH))
    with pytest.raises(ModelError, match="features v"):
        LinearRiskModel({**doc, "feature_version": 99})
    with pytest.raises(ModelError, match="not a hearth-risk-model"):
        LinearRiskModel({**doc, "format": "something else"})
    with pytest.raises(ModelError, match="bytes"):
        LinearRiskModel({**doc, "label_weights": doc["label_weights"][:-8]})
    with pytest.raises(ModelError, match="malformed"):
        LinearRiskModel({k: v for k, v in doc.items() if k != "vocab"})
    with pytest.raises(ModelError, match="malformed"):
        LinearRiskModel({**doc, "rule_gate": {"rules": 5, "min_any_risk": 0.3}})


def test_features_fold_diacritics_scripts_and_stretching() -> None:
    assert tokens("Nie mogę już!!! Wzięłam") == ["nie", "moge", "juz", "wzielam"]
    assert tokens("I can't do thisssss") == ["i", "cant", "do", "thiss"]
    # Arabic-form letters meet their Urdu forms; tatweel and vowel marks are dropped.
    assert tokens("\u0643\u06cc\u0627") == tokens("\u06a9\u06cc\u0627")
    assert tokens("\u0645\u0640\u0631\u0646\u0627") == tokens("\u0645\u0631\u0646\u0627")
    assert "w:moge" in features(["moge"]) and " mo" in features(["moge"])
    assert sentences("Fine. Really fine!\nHonestly") == ["Fine", " Really fine", "Honestly"]


def test_features_count_a_shared_run_once_per_word_and_a_pair_once() -> None:
    found = features(["feeding", "crying", "feeding", "crying"])
    assert found["ing "] == 2  # two distinct words share it; repeats of a word add nothing
    assert found["w:feeding"] == 1
    assert found["b:feeding crying"] == 1  # it occurs twice in the text


class ReferenceScorer:
    """The model's label scores worked out the slow, obvious way from the file's numbers and
    ``features``' counts (no per-word sums, no cache), piece by piece as the model scores."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.vocab = {feature: i for i, feature in enumerate(doc["vocab"])}
        self.idf = np.frombuffer(base64.b64decode(doc["idf"]), np.uint8) * doc["idf_scale"]
        self.weights = np.frombuffer(base64.b64decode(doc["label_weights"]),
                                     np.int8).reshape(-1, 2)

    def score(self, text: str) -> tuple[float, float]:
        doc, vocab, idf, weights = self.doc, self.vocab, self.idf, self.weights
        parts = sentence_tokens(text)
        pieces = [[w for part in parts for w in part], *(parts if len(parts) > 1 else [])]
        best_urgent = best_any = 0.0
        for words in pieces:
            if not words:
                continue
            counts = {vocab[f]: n for f, n in features(words).items() if f in vocab}
            length = math.sqrt(sum(n * idf[i] ** 2 for i, n in counts.items())) or 1.0
            logits = [sum(n * idf[i] * weights[i, k] * doc["label_scale"][k]
                          for i, n in counts.items()) / length + doc["label_bias"][k]
                      for k in (0, 1)]
            e = [1.0, math.exp(logits[0]), math.exp(logits[1])]
            best_urgent = max(best_urgent, e[2] / sum(e))
            best_any = max(best_any, (e[1] + e[2]) / sum(e))
        return best_urgent, best_any


def test_the_model_scores_what_its_features_and_weights_say() -> None:
    """The per-word sums and their cache give exactly what the features' counts and the file's
    weights give worked out in full (features.py, step 4), on messages in every language."""
    doc = json.loads(training.read_file(MODEL_PATH))
    model = LinearRiskModel(doc)
    reference = ReferenceScorer(doc)
    texts = [m.text for m in TRAINING[::97]] + [
        "Weaning is fine. I want to die. Really, tonight!", "crying crying feeding feeding"]
    assert {m.language for m in TRAINING[::97]} == set(corpus.LANGUAGES)
    for text in texts:
        found = model.score(text)
        assert (found.urgent, found.any_risk) == pytest.approx(reference.score(text),
                                                               abs=1e-9), text


# --- one decision ------------------------------------------------------------------------------


ASSESSOR = default_assessor()
RULES_ONLY = RiskAssessor(default_screen(), None)


def test_the_rules_decision_stands_and_keeps_its_explanation() -> None:
    text = "I've taken all my tablets and I want to die"
    found = ASSESSOR.assess(text)
    assert found.severity is Severity.URGENT
    assert found.rules and found.rules == RULES_ONLY.assess(text).rules
    for text in ("I wish I could just go to sleep and not wake up", "hello all x"):
        assert ASSESSOR.assess(text).severity.rank >= RULES_ONLY.assess(text).severity.rank


def test_imprecise_rules_need_the_model_to_agree_and_precise_ones_stand() -> None:
    """The model's file names the rules that were right on fewer than nine in ten of the
    training messages they fired on; such a rule raises a text only when the model's any-risk
    score reaches the gate. Measured on the corpus (training data): the gate drops some of the
    rules' benign alarms, keeps the gated rules where the model agrees, and never touches a
    precise rule."""
    model = default_model()
    gate = model.rule_gate
    assert len(gate.rules) >= 10 and 0 < gate.min_any_risk < 1
    screen = default_screen()
    dropped = kept = firm_stood = 0
    for message in TRAINING:
        fired = {m.rule for m in screen.screen(message.text).matches}
        if not fired:
            continue
        found = ASSESSOR.assess(message.text)
        any_risk = model.score(message.text).any_risk
        for rule in fired:
            if rule not in gate.rules:
                assert rule in found.rules, (rule, message.id)
                firm_stood += message.label == "none"
            elif any_risk >= gate.min_any_risk:
                assert rule in found.rules, (rule, message.id)
                kept += 1
            else:
                assert rule not in found.rules, (rule, message.id)
                dropped += message.label == "none"
    # Benign alarms the gate dropped, gated rules the model backed, and benign alarms of precise
    # rules that stand all exist in the corpus.
    assert dropped >= 50 and kept >= 200 and firm_stood >= 10, (dropped, kept, firm_stood)
    # docs/risk-screen.md's examples: a recovered past and a film's plot.
    for text in ("I was suicidal after my first, but I am much better now",
                 "I self-harmed as a teenager", "in the film she wants to die at the end"):
        assert RULES_ONLY.assess(text).severity is not Severity.NONE, text
        assert ASSESSOR.assess(text).severity is Severity.NONE, text


def test_the_gate_is_the_rules_measured_precision() -> None:
    """``training.rule_gate`` gates a rule right on fewer than 95 % of at least ten firings."""
    def said(label: str) -> corpus.Message:
        return corpus.Message(id="x", text="x", label=label, categories=(), audience="any",
                              language="en", script="latn", written="test", source="test")

    messages, matches = [], []
    for rule, right, wrong in (("loose", 8, 2), ("rare", 5, 4), ("near", 18, 2),
                               ("tight", 19, 1)):
        for label in ["urgent"] * right + ["none"] * wrong:
            messages.append(said(label))
            matches.append([(rule, "urgent"), (rule, "concern")])  # counted once per message
    gate = training.rule_gate(messages, matches)
    assert gate["rules"] == {"loose": 0.8, "near": 0.9}
    assert gate["min_any_risk"] == training.GATE_ANY_RISK
    # The browser's model has no gate: every rule stands there as it is.
    browser = LinearRiskModel(json.loads(training.read_file(training.browser_path(MODEL_PATH))))
    assert browser.rule_gate.rules == frozenset()


# The issue's examples of what the rules missed (the corpus briefs quoted a few of them).
ISSUE_EXAMPLES = [
    "the kids would have a better life with someone else as their mum",
    "I keep thinking it would be easier not to exist",
    "I've given the cat to my neighbour and cleaned the whole house, it's all sorted now",
    "this is my last group, love you all",
    "had most of a bottle of gin and a handful of whatever was in the cabinet, the baby's asleep",
    "he's put a lock on the outside of the door and says I'm not going anywhere",
    "the health visitor is secretly recording us for the police, the baby knows",
    "wzięłam wszystkie tabletki, chcę umrzeć",
    "میں نے ساری گولیاں کھا لی ہیں، میں مرنا چاہتی ہوں",
]


def test_the_model_raises_what_the_rules_miss_and_says_which_signal_fired() -> None:
    """Measured on this model: 6 of the 7 the rules miss raised, all urgent; the cat given away
    and the tidied house score 0.49 for urgent, under the English thresholds, and pass (the
    corpus has as many innocent tidied houses as real ones). The Polish and Urdu ones the
    rules catch now, and say so."""
    by_rules = {
        "wzięłam wszystkie tabletki, chcę umrzeć":
            ("immediate_danger.overdose_taken_in_polish", "suicide.want_to_die_in_polish"),
        "میں نے ساری گولیاں کھا لی ہیں، میں مرنا چاہتی ہوں":
            ("immediate_danger.overdose_taken_in_urdu", "suicide.want_to_die_in_urdu"),
    }
    caught = 0
    for text in ISSUE_EXAMPLES:
        found = ASSESSOR.assess(text)
        if text in by_rules:
            assert found.severity is Severity.URGENT and found.rules == by_rules[text]
            continue
        assert RULES_ONLY.assess(text).severity is Severity.NONE, text
        if found.severity is not Severity.NONE:
            caught += 1
            assert found.model is not None and found.model_version == default_model().version
            assert found.model.category in found.categories
    assert caught >= 6, f"the model raised only {caught} of {len(ISSUE_EXAMPLES) - len(by_rules)}"


@pytest.mark.parametrize("text", [
    "I want to die", "i just want to die", "I'm going to kill myself tonight",
    "chcę umrzeć", "nie chce juz zyc", "zabiję się", "łyknęłam wszystkie tabletki",
    "No i chcę umrzeć",  # Polish "well, and...": not an English "no" negating it
    # Known miss, left visible: "się powieszę" is also everyday hyperbole in Polish ("jeszcze
    # raz ta piosenka i się powieszę"), so its rule needs the model to agree, and the model
    # gives this 0.22, under the gate's 0.3.
    pytest.param("się powieszę dzisiaj", marks=pytest.mark.xfail(
        strict=True, reason="a gated rule; the model scores it 0.22")),
    "main marna chahti hoon", "khudkushi kar lungi", "maine saari goliyan kha li hain",
    # The model gives this 0.63, under Urdu's thresholds (0.84 urgent, 0.82 concern): the rules
    # catch it, reading Urdu script written out as romanised Urdu ("min mrna chahti hon").
    "میں مرنا چاہتی ہوں", "میں نے ساری گولیاں کھا لی ہیں", "خودکشی کر لوں گی",
])
def test_plain_statements_are_urgent(text: str) -> None:
    """The plainest way of saying it. "I want to die" once reached no one: its rule is gated
    (imprecise on a corpus full of look-alikes) and the model gave it 0.28, under the gate."""
    assert ASSESSOR.assess(text).severity is Severity.URGENT


@pytest.mark.parametrize("text", [
    "nie chcę umrzeć, jestem po prostu zmęczona", "zabije sie ze smiechu, maly zjadl cytryne",
    "main marna nahi chahti, bas thak gayi hoon", "agar koi kahe ke woh marna chahti hai to?",
    "میں مرنا نہیں چاہتی، بس تھک گئی ہوں", "وہ کہتی ہے کہ وہ مرنا چاہتی ہے",
    # Found in review: each fired a rule before it was narrowed.
    "main apne bachon ke liye apni jaan de dungi", "antibiotic ki puri dawai kha li, ab behtar",
    "Wzięłam wszystkie leki ze sobą na wakacje", "Wolałabym umrzeć niż znowu rodzić",
    "Zaraz się zabiję ze śmiechu", "wcale nie chcę umrzeć, po prostu jestem zmęczona",
])
def test_plain_look_alikes_in_polish_and_urdu_do_not_fire_the_rules(text: str) -> None:
    """A negation, someone else, the idiom: not the rules' business (the model may still ask)."""
    assert RULES_ONLY.assess(text).severity is Severity.NONE


def test_risk_buried_in_a_long_post_is_not_diluted() -> None:
    """Sentence by sentence as well as whole: one risky sentence in a paragraph of ordinary
    talk scores as high as it does alone."""
    risky = "I've been saving up my tablets for when I can't do this anymore"
    filler = ("Weaning is going ok, she loves sweet potato but spits out broccoli. "
              "The sling finally arrived and it's so much easier for the school run. "
              "My mum came round on Tuesday and did a load of washing which was lovely. ")
    post = filler + risky + ". " + filler
    model = default_model()
    assert model.score(post).urgent == pytest.approx(
        max(model.score(risky).urgent, model.score(post).urgent))
    assert model.score(post).urgent >= model.score(risky).urgent - 1e-9
    assert ASSESSOR.assess(post).severity is Severity.URGENT


def test_the_assessor_never_raises_on_any_text() -> None:
    for text in ("", " ", "\u0000", "x" * 5000, "😭" * 300, "\u202e\u200b", "."):
        found = ASSESSOR.assess(text)
        assert found.severity in Severity


# --- floors on the held-out sets -------------------------------------------------------------

# Measured with `python bench/risk_eval.py` on model linear-2026-12-07-93eb644a-5fb717, all
# eleven held-out sets pooled: (urgent decided urgent, concern reaching a facilitator, benign
# alarms) as counts out of (urgent, concern, benign). Raise these only with a fresh held-out
# set, never by tuning on these sets; only the counts are reported, never which messages.
# History, on the first seven sets (the rules alone: en 184/386, 128/296, 23/352; pl 0/98,
# 0/89, 0/98; ur 2/98, 4/89, 2/98): the 16,000-feature model (C 8) scored en 327, 278, 36;
# pl 79, 88, 8; ur 73, 83, 6; the 100,000-feature one (C 16) en 343, 289, 36; pl 86, 87, 6;
# ur 81, 86, 9; this one, with its label head fitted on NB-scaled features at C 4 (chosen
# on the validation split, training.py), en 353, 287, 35; pl 90, 89, 6; ur 79, 85, 9. On
# ho-fresh-e, first run with this model: urgent 104/120 (the previous model 100), concern
# 115/120 (115), benign alarms 14/120 (14). Then retrained on the pinned BLAS kernel (cli.py;
# the file before was trained on another processor's kernel, and the check failed here), with
# 49 Urdu hard negatives on tiredness added (data/risk/corpus/ur9.jsonl): against that file,
# pl urgent 119 -> 117, ur urgent 105 -> 106, ur alarms 12 -> 11, en alarms 43 -> 44; ho-fresh-e
# unchanged. The two lowered here are those counts, measured, not a target. Then the rule gate
# (chosen on the validation split, training.py; model 2b8cea, the same weights), on the eight
# sets: en alarms 44 -> 30, en concern 346 -> 345, ur alarms 11 -> 10, urgent unchanged. Then
# ho-fresh-f (360 messages, committed before it was first run) joined, and the model was
# retrained without its near-duplicates (4d0065): first run on it, urgent 110/120 (en 55/60,
# pl 27/30, ur 28/30), concern 117/120, alarms 11/120 (en 5, pl 5, ur 1); all nine sets
# pooled: en 457, 404, 35; pl 145, 146, 15; ur 134, 142, 11. Then pl5 and ur10 (3,000
# messages written for the weakest places those counts showed) joined the corpus (8e8c65):
# pl alarms 15 -> 5 and urgent 145 -> 141 (its thresholds, chosen on validation, rose);
# ur urgent 134 -> 139 and alarms 11 -> 8; en 457 -> 456 and alarms 35 -> 33. Then en-neg2
# and en-indirect (2,860 English messages: hard negatives, and risk said indirectly) joined
# (c7580e; validation urgent 0.735 -> 0.757 at the same false alarms, which is why it was
# kept): en urgent 456 -> 462, concern 404 -> 407, alarms 33 -> 35; ur alarms 8 -> 9. Then
# ho-fresh-g (360 messages, committed before it was first run) joined; first run, on c7580e:
# urgent 115/120 (en 59/60, pl 27/30, ur 29/30), concern 116/120, alarms 6/120 (en 4, ur 2).
# Then en-pairs, en-neg3, pl6 and ur11 (5,000 messages: urgent beside concern beside a benign
# look-alike, and hard negatives full of alarming words) joined, and rules right on fewer
# than 95 % of their training firings were gated (was 90 %; chosen on validation,
# training.py): model e1039e, on all ten sets, against c7580e: en urgent 521 -> 513, concern
# 465 -> 464, alarms 39 -> 33; pl urgent 168 -> 170, concern 172 -> 170, alarms 5 -> 5; ur
# urgent 168 -> 172, concern 171 -> 171, alarms 11 -> 11 (ho-fresh-g: urgent 115, alarms
# 6 -> 5). Kept because it was chosen on validation, not on these sets: English urgent fell
# (its validation threshold rose, 0.68 -> 0.70, with the harder benign messages) and the
# floors below are those measured counts, the English one lower than before. Then en-quiet,
# pl7 and ur12 (3,300 messages: urgent said quietly) joined and the vocabulary grew to
# 200,000 at C 8 (chosen on validation, training.py): model 37b742, on all ten sets,
# against e1039e: en urgent 513 -> 517, concern 464 -> 467, alarms 33 -> 34; pl urgent
# 170 -> 172, concern 170 -> 171, alarms 5 -> 4; ur urgent 172 -> 172, concern 171 -> 172,
# alarms 11 -> 8 (ho-fresh-g: urgent 115 -> 114, alarms 5 -> 5). Then features v3 (counts
# that add up word by word, features.py; model f9a732, the same corpus): on the ten sets urgent
# 861 -> 863, concern 810 -> 807, alarms 46 -> 48. Then ho-plain (360 plain, direct statements
# and look-alikes, committed before it was first run) joined; first run, on f9a732: urgent
# 106/120 (en 59/60, pl 23/30, ur 24/30), concern 115/120, alarms 4/120. Then a corpus of plain
# statements (plain.jsonl) and rules for plain Polish and romanised Urdu (suicide.*_in_polish,
# *_in_urdu, immediate_danger.overdose_taken_in_*; validation alarms 360 -> 354 at the same
# urgent recall) joined: model 41f64b, on all eleven sets: urgent 975/1062, concern
# 924/954, alarms 49/1028 (ho-plain: urgent 113, pl 26, ur 27; alarms 4). Then the rules read
# Urdu script written out as romanised Urdu (model a9e49e): ur urgent 200 -> 201 (Urdu script
# 103 -> 104), the rest unchanged; the rules alone: Urdu script urgent 0 -> 6 of 110, no alarm.
# The new rules' ids then said their language in words (model 03e4d1), and a review narrowed them
# (a Polish negation of their own; not "wolałabym umrzeć niż", medicines taken along, a finished
# course, "apni jaan de dungi"; model 5fb717): the same figures with the model; the rules alone
# pl urgent 9 -> 10. Then ho-fresh-h (360, committed before it was first run) joined; first run,
# on 5fb717: urgent 114/120 (en 59/60, pl 28/30, ur 27/30), concern 119/120, alarms 4/120 (en 2,
# ur 2); all twelve sets pooled: en 637, 583, 38; pl 225, 228, 4; ur 228, 232, 11. Then en-acts,
# en-replies, pl8 and ur13 (4,400 messages: risk told through actions and logistics, and live
# chat replies, beside look-alikes) joined (model c5d3c1, chosen on validation as before): en
# urgent 637 -> 645, concern 583 -> 584, alarms 38 -> 42; pl 225 -> 233, 228 -> 230, 4 -> 5;
# ur 228 -> 225, 232 -> 235, 11 -> 13 (ho-fresh-h: urgent 114, concern 118, alarms 4).
FLOORS = {
    "en": ((645, 686), (584, 596), (42, 652)),
    "pl": ((233, 248), (230, 239), (5, 248)),
    "ur": ((225, 248), (235, 239), (13, 248)),
}


@pytest.mark.parametrize("language", sorted(FLOORS))
def test_held_out_floor_for_rules_and_model(language: str) -> None:
    messages = [m for msgs in HELD_OUT.values() for m in msgs if m.language == language]
    decided = [(m.label, ASSESSOR.assess(m.text).severity.value) for m in messages]
    urgent = sum(label == "urgent" and got == "urgent" for label, got in decided)
    concern = sum(label == "concern" and got != "none" for label, got in decided)
    alarms = sum(label == "none" and got != "none" for label, got in decided)
    totals = Counter(label for label, _ in decided)
    (min_urgent, n_urgent), (min_concern, n_concern), (max_alarms, n_benign) = FLOORS[language]
    assert (totals["urgent"], totals["concern"], totals["none"]) == (n_urgent, n_concern,
                                                                      n_benign)
    assert urgent >= min_urgent, f"urgent {urgent}/{n_urgent}"
    assert concern >= min_concern, f"concern {concern}/{n_concern}"
    assert alarms <= max_alarms, f"false alarms {alarms}/{n_benign}"


def test_numbers_are_scored_but_not_remembered() -> None:
    """The word cache keeps words that come back; a number (a time, an amount) seldom does,
    and each one remembered was an object the garbage collector walked for nothing. A
    number still scores exactly as it would from the cache."""
    fresh = default_model()
    texts = [f"fed her at {n} and again at {n + 7}, {n * 3} ml" for n in range(300)]
    scores = [fresh.score(text) for text in texts]
    cached = fresh._words  # what this model remembers, read to check what it kept
    assert not [word for word in cached if word.isdigit()]
    assert {"fed", "her", "at", "and", "again", "ml"} <= cached.keys()
    # The same texts, scored again, score the same (numbers are worked out each time).
    assert [fresh.score(text) for text in texts] == scores
