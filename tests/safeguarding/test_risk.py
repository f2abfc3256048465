"""Tests for server.safeguarding.risk.

What is held here: the evaluation-set floor (urgent recall, benign false alarms), each behaviour
the issue asks for (negation, idioms, obfuscation, reported speech, intrusive thoughts versus
intent, every category), the rule language (only the Python/JavaScript common subset loads), the
word index (it never changes a decision), robustness on arbitrary text, and agreement with the
browser port in web/static/risk.js.
"""

from __future__ import annotations

import copy
import json
import random
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.safeguarding import corpus
from server.safeguarding.risk import (
    Decision,
    Match,
    RiskScreen,
    RulesError,
    Severity,
    branch_conditions,
    parse_pattern,
    required_words,
)

from .risk_sets import (
    EVAL_SET,
    HELDOUT_SET,
    HELDOUT_SET_2,
    HELDOUT_SET_3,
    HELDOUT_SET_4,
    HELDOUT_SET_5,
    HELDOUT_SET_6,
)

ROOT = Path(__file__).resolve().parents[2]
RULES_PATH = ROOT / "server" / "safeguarding" / "risk_rules.json"
NODE_RUNNER = Path(__file__).with_name("risk_node_runner.mjs")
# The corpus's categories that the rules cover too (worry about a partner and low mood are
# the model's alone: the rules file them under the category of the risk itself).
CATEGORIES = tuple(c for c in corpus.CATEGORIES if c not in ("partner_worry", "low_mood"))

# One compiled screen for the module: compiling is the slow part and the screen is immutable.
SCREEN = RiskScreen.default()


def rules_doc() -> dict[str, Any]:
    """A fresh, mutable copy of the shipped rules document."""
    doc: dict[str, Any] = json.loads(RULES_PATH.read_text(encoding="utf-8"))
    return doc


def decide(text: str) -> tuple[str, tuple[str, ...]]:
    decision = SCREEN.screen(text)
    return decision.severity.value, tuple(sorted(decision.categories))


# --- the evaluation set -------------------------------------------------------------------------


def test_eval_set_floor_urgent_recall_and_benign_false_alarms() -> None:
    urgent = [text for text, severity, _ in EVAL_SET if severity == "urgent"]
    benign = [text for text, severity, _ in EVAL_SET if severity == "none"]
    missed = [t for t in urgent if SCREEN.screen(t).severity is not Severity.URGENT]
    alarms = [t for t in benign if SCREEN.screen(t).severity is not Severity.NONE]
    recall = 1 - len(missed) / len(urgent)
    false_alarm_rate = len(alarms) / len(benign)
    assert recall >= 0.95, f"urgent recall {recall:.3f}; missed: {missed}"
    assert false_alarm_rate <= 0.05, f"false alarms {false_alarm_rate:.3f}: {alarms}"


def test_eval_set_concerns_reach_a_facilitator() -> None:
    """Not in the issue's floor, but a concern that raises nothing is a silent miss."""
    concerns = [text for text, severity, _ in EVAL_SET if severity == "concern"]
    silent = [t for t in concerns if SCREEN.screen(t).severity is Severity.NONE]
    assert len(silent) / len(concerns) <= 0.05, silent


@pytest.mark.parametrize(
    "dataset", [EVAL_SET, HELDOUT_SET_5, HELDOUT_SET_6], ids=["eval", "heldout5", "heldout6"]
)
def test_eval_set_is_well_formed(dataset: Sequence[tuple[str, str, tuple[str, ...]]]) -> None:
    texts = [text for text, _, _ in dataset]
    assert len(set(texts)) == len(texts), "duplicate messages"
    for text, severity, categories in dataset:
        assert severity in ("none", "concern", "urgent"), text
        assert (severity == "none") == (not categories), text
        assert tuple(sorted(categories)) == categories, text
        assert set(categories) <= set(CATEGORIES), text


def test_eval_set_size_and_spread() -> None:
    assert len(EVAL_SET) >= 300
    benign = sum(severity == "none" for _, severity, _ in EVAL_SET)
    assert 0.35 <= benign / len(EVAL_SET) <= 0.5
    for category in CATEGORIES:
        for severity in ("concern", "urgent"):
            count = sum(category in c and s == severity for _, s, c in EVAL_SET)
            assert count >= 2, f"{category}/{severity} has {count} examples"
    # The first four held-out batches were tuned on (rounds five and six) and folded into
    # EVAL_SET; the fifth and sixth must stay out of it.
    for folded in (HELDOUT_SET, HELDOUT_SET_2, HELDOUT_SET_3, HELDOUT_SET_4):
        assert set(folded) <= set(EVAL_SET)
    eval_texts = {text for text, _, _ in EVAL_SET}
    for held_out in (HELDOUT_SET_5, HELDOUT_SET_6):
        assert not eval_texts & {text for text, _, _ in held_out}, "held-out text in EVAL_SET"


@pytest.mark.parametrize(
    ("dataset", "urgent_recall", "silent_concerns", "false_alarms"),
    [
        # Written before round six changed any rule; 47/67 urgent then, 48/67 after the round.
        # Relabelled for the corpus (passive suicidal thinking is urgent): 50/73 urgent.
        (HELDOUT_SET_5, 0.68, 0.26, 0.08),
        # Written after round six froze and measured once: 30/42 urgent, 6/25 concerns silent,
        # 0/36 false alarms. Relabelled for the corpus: 31/45 urgent,
        # 6/22 concerns silent.
        (HELDOUT_SET_6, 0.68, 0.28, 0.05),
    ],
    ids=["heldout5", "heldout6"],
)
def test_held_out_floor(
    dataset: Sequence[tuple[str, str, tuple[str, ...]]],
    urgent_recall: float,
    silent_concerns: float,
    false_alarms: float,
) -> None:
    """A regression floor on text the rules were not tuned on (the issue's floor is on EVAL_SET).

    The floors are what was measured (see data/risk/README.md), not what was
    hoped for; raise them only with a fresh held-out set, never by tuning on these.
    """
    urgent = [text for text, severity, _ in dataset if severity == "urgent"]
    concerns = [text for text, severity, _ in dataset if severity == "concern"]
    benign = [text for text, severity, _ in dataset if severity == "none"]
    missed = [t for t in urgent if SCREEN.screen(t).severity is not Severity.URGENT]
    silent = [t for t in concerns if SCREEN.screen(t).severity is Severity.NONE]
    alarms = [t for t in benign if SCREEN.screen(t).severity is not Severity.NONE]
    # Counts only in the messages: listing the misses would turn held-out text into tuning data.
    # (Plain numbers, so that pytest's report cannot print the lists either.)
    recall, silent_share = 1 - len(missed) / len(urgent), len(silent) / len(concerns)
    alarm_share = len(alarms) / len(benign)
    assert recall >= urgent_recall, f"{len(missed)} urgent missed"
    assert silent_share <= silent_concerns, f"{len(silent)} concerns silent"
    assert alarm_share <= false_alarms, f"{len(alarms)} false alarms"


# --- behaviours ---------------------------------------------------------------------------------

NONE: tuple[str, tuple[str, ...]] = ("none", ())


@pytest.mark.parametrize(
    "text",
    [
        "I'm not suicidal, just tired",
        "I don't want to kill myself, I want a nap and a cuppa",
        "never had any thoughts of hurting myself, just flat",
        "he has never hit me, he's lovely with the baby",
        "I'm not hearing voices or anything, I just can't switch off",
        "no thoughts of suicide, no self-harm, the GP was happy",
        "I'd never hurt my baby, I just feel so low",
        "I'm not depressed or suicidal, just lonely",
    ],
)
def test_negation_is_not_risk(text: str) -> None:
    assert decide(text) == NONE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm not okay. I want to kill myself", ("urgent", ("suicide",))),
        ("I'm not drinking, I'm not using, but I want to die", ("urgent", ("suicide",))),
        ("I never thought I'd be someone who wanted to die", ("urgent", ("suicide",))),
        ("I don't know why but I keep thinking about killing myself", ("urgent", ("suicide",))),
        ("not sure I want to be alive anymore", ("urgent", ("suicide",))),
        ("I'm not actively suicidal but I think about dying a lot", ("urgent", ("suicide",))),
        (
            "I'm not allowed to leave the house without telling him",
            ("concern", ("domestic_abuse",)),
        ),
    ],
)
def test_negation_is_scoped_to_its_clause(text: str, expected: tuple[str, tuple[str, ...]]) -> None:
    assert decide(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "the baby is killing me",
        "I could murder a coffee",
        "dying for a nap",
        "my boobs are killing me",
        "I'd kill for 4 hours' sleep",
        "this teething will be the death of me",
        "I'm dead on my feet",
        "I nearly killed myself tripping over the baby gate",
        "wanted to die of embarrassment when my milk leaked",
        "I'd rather die than go to another baby massage class",
        "DH will kill me when he sees the credit card bill",
        "think I've overdosed on chocolate today",
        "I cut my finger chopping onions for his puree",
        "she was milk drunk and passed out on me",
        "I'm hallucinating from tiredness lol",
        "I could strangle him, he slept through the whole night feed",
    ],
)
def test_exhausted_parent_idioms_are_not_risk(text: str) -> None:
    assert decide(text) == NONE


@pytest.mark.parametrize(
    "text",
    [
        "haven't slept properly in weeks",
        "baby blues hit me hard on day 4",
        "I cried all afternoon, I'm so exhausted",
        "I keep hearing phantom crying in the shower",
        "we've moved the knife block now she's crawling",
        "she choked on her milk a bit and it scared me",
    ],
)
def test_ordinary_new_parent_talk_is_not_risk(text: str) -> None:
    assert decide(text) == NONE


@pytest.mark.parametrize(
    "text",
    [
        "thinking about s u i c i d e",
        "I want to k1ll myself",
        "I just want to unalive myself",
        "kms",
        "k.m.s honestly",
        "feeling su1cidal",
        "su!cidal again",
        "I want to diiiiie",
        "I want to kiiiilll myselfff",
        "I WANT TO KILL MYSELF",
        "ｓｕｉｃｉｄａｌ",  # full-width letters
        "süicidal",  # a stray accent
        "i wnt 2 die",
        "thinking about sewerslide",
        "ive been thinkin bout killin myself",
    ],
)
def test_obfuscated_suicide_is_urgent(text: str) -> None:
    assert decide(text) == ("urgent", ("suicide",))


def test_normalised_readings_are_explainable() -> None:
    assert SCREEN.normalise("I'm NOT o.k, s u i c i d a l!!") == ["im not o . k , suicidal . ."]
    # A stretched letter could be a double or a single letter: both readings are screened.
    assert SCREEN.normalise("kiiiill") == ["kiill", "kill"]
    assert SCREEN.normalise("k1ll at 4am for 3 days") == ["kill at 4am for 3 days"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my health visitor asked if I'd had thoughts of suicide and I said no", NONE),
        ("the GP asked if I'd ever thought about hurting myself. nope, just tired", NONE),
        ("the PHQ-9 has a question about being better off dead, threw me", NONE),
        ("my HV asked if I'd had thoughts of suicide", ("concern", ("suicide",))),
        ("what should I do if I start having thoughts of suicide?", ("concern", ("suicide",))),
        (
            "the HV asked if I'd had thoughts of suicide and I said yes",
            ("urgent", ("suicide",)),
        ),
        ("he said if I ever leave he'll kill me", ("urgent", ("domestic_abuse",))),
    ],
)
def test_reported_speech_and_hypotheticals(
    text: str, expected: tuple[str, tuple[str, ...]]
) -> None:
    assert decide(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I used to self harm as a teenager", ("concern", ("self_harm",))),
        ("I was suicidal after my first, much better now", ("concern", ("suicide",))),
        # "when I was 7 months pregnant" is not childhood: this once downgraded violence.
        (
            "he kicked me in the stomach when I was 7 months pregnant",
            ("urgent", ("domestic_abuse",)),
        ),
        ("suicidal again. same as after my first", ("urgent", ("suicide",))),
    ],
)
def test_past_episodes_are_a_concern_not_an_emergency(
    text: str, expected: tuple[str, tuple[str, ...]]
) -> None:
    assert decide(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I keep getting thoughts of drowning him in the bath and it terrifies me",
        "I get flashes of dropping her down the stairs",
        "I've hidden the knives because I keep picturing stabbing him",
        "I'm terrified I'm going to hurt my baby",
        "what if I snap and shake her?",
        "I had a horrible thought about smothering him while he slept",
        "I don't trust myself to be alone with the baby",
    ],
)
def test_intrusive_thoughts_are_a_kind_concern(text: str) -> None:
    assert decide(text) == ("concern", ("harm_to_baby",))


@pytest.mark.parametrize(
    "text",
    [
        "I'm going to hurt the baby if he doesn't stop screaming",
        "I want to smother her",
        "I shook my baby last night",
        "I nearly smothered him on purpose",
        "I put my hand over her mouth to stop the crying",
        "the baby would be better off dead",
    ],
)
def test_intent_to_harm_the_baby_is_urgent(text: str) -> None:
    assert decide(text) == ("urgent", ("harm_to_baby",))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I want to end it all", ("urgent", ("suicide",))),
        ("I've been looking up how many paracetamol it would take", ("urgent", ("suicide",))),
        ("they'd be better off without me", ("concern", ("suicide",))),
        ("I wish I could go to sleep and not wake up", ("urgent", ("suicide",))),
        ("I've started cutting again", ("urgent", ("self_harm",))),
        ("I burn myself when it gets too much", ("urgent", ("self_harm",))),
        ("the urge to self harm is back", ("concern", ("self_harm",))),
        ("I haven't slept in 4 days and I'm not even tired", ("urgent", ("psychosis",))),
        ("I can hear voices telling me the baby isn't mine", ("urgent", ("psychosis",))),
        ("they swapped my baby at the hospital", ("urgent", ("psychosis",))),
        ("someone is watching us through the baby monitor", ("urgent", ("psychosis",))),
        ("God has chosen me and the baby for a special mission", ("urgent", ("psychosis",))),
        ("I feel invincible", ("urgent", ("psychosis",))),
        ("my thoughts are racing so fast I can't keep up", ("concern", ("psychosis",))),
        ("he put his hands round my neck", ("urgent", ("domestic_abuse",))),
        ("my partner hit me", ("urgent", ("domestic_abuse",))),
        ("he checks my phone every night", ("concern", ("domestic_abuse",))),
        ("he controls all the money", ("concern", ("domestic_abuse",))),
        ("he won't let me see my friends", ("concern", ("domestic_abuse",))),
        (
            "he insists on coming to every midwife appointment",
            ("concern", ("domestic_abuse",)),
        ),
        ("I've taken an overdose", ("urgent", ("immediate_danger", "suicide"))),
        ("I'm standing on the bridge", ("urgent", ("immediate_danger",))),
        (
            "he's outside trying to get in",
            ("urgent", ("domestic_abuse", "immediate_danger")),
        ),
        ("the baby isn't breathing", ("urgent", ("immediate_danger",))),
        ("I'm drinking every night to cope", ("concern", ("substance_misuse",))),
        ("I'm addicted to codeine", ("concern", ("substance_misuse",))),
        ("I'm drunk and on my own with the baby", ("urgent", ("substance_misuse",))),
    ],
)
def test_each_category(text: str, expected: tuple[str, tuple[str, ...]]) -> None:
    assert decide(text) == expected


def test_fathers_and_partners_are_covered() -> None:
    assert decide("she strangled me and I'm a dad, who'd believe me") == (
        "urgent",
        ("domestic_abuse",),
    )
    assert decide("my wife hasn't slept in 4 days and says the baby is the messiah") == (
        "urgent",
        ("psychosis",),
    )


def test_decision_explains_which_rules_fired() -> None:
    decision = SCREEN.screen("I've taken an overdose and I'm not safe at home")
    assert decision.severity is Severity.URGENT
    assert decision.categories == ("immediate_danger", "suicide", "domestic_abuse")
    assert Match("immediate_danger", "immediate_danger.overdose_taken", Severity.URGENT) in (
        decision.matches
    )
    assert all(m.severity is not Severity.NONE for m in decision.matches)
    assert all(
        m.rule.startswith(m.category + ".") or m.category != m.rule.split(".")[0]
        for m in decision.matches
    )
    assert SCREEN.screen("a lovely walk to the park") == Decision(Severity.NONE, (), ())


def test_downgraded_matches_say_so_in_their_severity() -> None:
    decision = SCREEN.screen("I'm terrified I'm going to hurt my baby")
    intent = [m for m in decision.matches if m.rule == "harm_to_baby.intent"]
    assert intent == [Match("harm_to_baby", "harm_to_baby.intent", Severity.CONCERN)]


def test_severity_orders_by_rank_not_alphabet() -> None:
    assert [s.rank for s in Severity] == [0, 1, 2]
    assert Severity("urgent") is Severity.URGENT
    # A StrEnum, so it serialises as its value in wire messages and JSON.
    assert f"{Severity.URGENT}" == "urgent" and json.dumps(Severity.CONCERN) == '"concern"'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # means with intent, a place with its ease, a decision with a burden
        ("I've got the pills ready", ("urgent", ("immediate_danger", "suicide"))),
        ("I've stockpiled enough paracetamol to do it properly", ("urgent", ("suicide",))),
        ("I keep thinking the railway line would be quick", ("urgent", ("suicide",))),
        ("they'd be better off without me, I've made my mind up", ("urgent", ("suicide",))),
        ("my wife keeps saying she wants to die", ("urgent", ("suicide",))),
        ("i dont want 2 b here anymore", ("urgent", ("suicide",))),
        # violence named by the body part, threats that name their object
        ("he slammed my head into the door", ("urgent", ("domestic_abuse",))),
        ("she threw a plate at my head", ("urgent", ("domestic_abuse",))),
        ("he said he'd finish me", ("urgent", ("domestic_abuse",))),
        ("he told me I'd end up in a ditch if I left", ("urgent", ("domestic_abuse",))),
        ("he threatens to take the kids if I leave", ("concern", ("domestic_abuse",))),
        # surveillance through devices, commanded harm
        ("the government is listening through my phone", ("urgent", ("psychosis",))),
        ("there are hidden cameras in the smoke alarm", ("urgent", ("psychosis",))),
        ("I hear voices telling me to hurt myself", ("urgent", ("psychosis", "self_harm"))),
        ("God wants me to sacrifice the baby", ("urgent", ("harm_to_baby", "psychosis"))),
        # use while in sole charge of the baby
        (
            "I'm completely wasted and the baby's crying and my husband's away",
            ("urgent", ("substance_misuse",)),
        ),
        (
            "took some of my valium and fell asleep with the baby in bed",
            ("urgent", ("substance_misuse",)),
        ),
    ],
)
def test_families_of_risk_language(text: str, expected: tuple[str, tuple[str, ...]]) -> None:
    assert decide(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I've got my tablets ready for the morning so I don't forget",
        "my tablets are lined up in the pill organiser for the week",
        "he said he'll end it if I don't stop nagging, we're both so tired",
        "I'm going to finish it tonight, only 3 chapters left of my book",
        "I've written letters to my baby for when she's older",
        "I was watching her through the monitor and she smiled in her sleep",
        "I swear my phone is listening to me, I mentioned nappies and now it's all nappy ads",
        "she headbutted my nose at 5am, I genuinely saw stars",
        "she threw her bottle at my head, little monkey",
        "he's got a knife and fork set now he's weaning, so grown up",
        "gas and air made me high as a kite, best part of labour",
        "I used to smoke weed at uni, seems like another life now",
        "what would happen to my baby if I died? we're doing our wills this week",
    ],
)
def test_everyday_look_alikes_are_not_risk(text: str) -> None:
    assert decide(text) == NONE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("this is goodbye, see you on the other side", ("urgent", ("immediate_danger", "suicide"))),
        (
            "I'm going to finish it tonight with a bottle of wine and my pills",
            ("urgent", ("immediate_danger", "suicide")),
        ),
        (
            "he's got a knife from the kitchen and he's in the garden shouting he'll kill me",
            ("urgent", ("domestic_abuse", "immediate_danger")),
        ),
        (
            "I cut myself with the bread knife on purpose and there's so much blood",
            ("urgent", ("immediate_danger", "self_harm")),
        ),
    ],
)
def test_everyday_excuses_do_not_hide_risk(
    text: str, expected: tuple[str, tuple[str, ...]]
) -> None:
    """The guards that excuse look-alikes (tasks, DIY, kitchen accidents, absences) stay narrow."""
    assert decide(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a named partner kicking is violence; the baby kicking from inside is not
        ("my wife kicked me in the stomach last night", ("urgent", ("domestic_abuse",))),
        ("the baby kicks me in the ribs every night, 36 weeks", NONE),
        # self-harm: on purpose, abbreviated, milder harm on a named body part
        ("I burned myself on purpose with the iron", ("urgent", ("self_harm",))),
        ("sh again tonight", ("urgent", ("self_harm",))),
        ("I scratch my legs really hard until they bleed", ("urgent", ("self_harm",))),
        # method research, a partner's plan, planning around the children, a crash as a method
        ("I googled how long it takes for an overdose to kill you", ("urgent", ("suicide",))),
        (
            "my girlfriend said she's been working out how to end her life",
            ("urgent", ("suicide",)),
        ),
        ("I've worked out who'll look after the boys", ("urgent", ("suicide",))),
        ("sorted out who'll have the kids while we're at the wedding", NONE),
        (
            "every night on the drive home I think about swerving into the central reservation",
            ("urgent", ("suicide",)),
        ),
        ("do you ever wish you'd just not wake up?", ("urgent", ("suicide",))),
        # an overdose counted in containers
        (
            "took two boxes of paracetamol about an hour ago",
            ("urgent", ("immediate_danger", "suicide")),
        ),
        ("I took two paracetamol and I'm feeding her", NONE),
        # the baby: an object over the face; fear of actually acting is not an intrusive thought
        ("I pressed a towel over her face to stop the crying", ("urgent", ("harm_to_baby",))),
        ("I'm scared I'll actually do it, I want to hurt him", ("urgent", ("harm_to_baby",))),
        ("I'm scared I'll hurt her, the thoughts are awful", ("concern", ("harm_to_baby",))),
        # forced entry with the attacker coming in
        (
            "my ex bust the door open and he's coming up the stairs",
            ("urgent", ("domestic_abuse", "immediate_danger")),
        ),
        # a partner's words about the member are abuse, not the member's suicidality
        ("she says everyone would be better off without me", ("concern", ("domestic_abuse",))),
        # driving the children intoxicated; drugs got from someone while in charge of the baby
        ("he's drunk and he's just driven off with the baby", ("urgent", ("substance_misuse",))),
        ("I've had a few drinks so my husband is driving the kids home", NONE),
        (
            "got some pills off a lad at the park and I'm looking after the baby on my own",
            ("urgent", ("substance_misuse",)),
        ),
        ("I get my diazepam from a man down the road", ("concern", ("substance_misuse",))),
    ],
)
def test_sixth_round_families(text: str, expected: tuple[str, tuple[str, ...]]) -> None:
    """Families added in the sixth round, each with a look-alike that must stay quiet."""
    assert decide(text) == expected


def test_hyperbole_over_trivia_is_downgraded_not_dropped() -> None:
    """'He'll kill me if I buy another pram' is usually a joke, but not always: a concern."""
    assert decide("he said he'd kill me if I bought another pram") == (
        "concern",
        ("domestic_abuse",),
    )
    assert decide("he said he'd kill me if I ever left") == ("urgent", ("domestic_abuse",))


# --- robustness and the word index --------------------------------------------------------------

def test_a_long_run_of_filler_words_is_screened_without_backtracking() -> None:
    """The negation guard once listed 'ever had' beside 'ever' and 'had': the same words, but
    a run of them could be split two ways at every step, and each added 'ever had any '
    tripled the work (14 of them took 3.5 s; 40 would hold the server for years). With each
    filler a single choice, a message of 400 of them screens at once (the suite's per-test
    timeout is what fails here, not a clock in the test)."""
    text = "not " + "ever had any of " * 400 + "x I want to die"
    assert SCREEN.screen(text).severity is Severity.URGENT
    for filler in ("ever had any ", "had any of ", "any of any "):
        SCREEN.screen("never " + filler * 400 + "suicidal")


_TRICKY = "abcdefghijklmnopqrstuvwxyz ABCXYZ 0134579 !?.,;:'’`\"-_*@$|\n\t😂ÉİßＳ\u0308\u2028"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=2000), st.text(alphabet=_TRICKY, max_size=2000)))
def test_screen_never_raises_and_is_deterministic(text: str) -> None:
    first = SCREEN.screen(text)
    assert SCREEN.screen(text) == first
    assert isinstance(first.severity, Severity)
    assert set(first.categories) <= set(CATEGORIES)
    assert (first.severity is Severity.NONE) == (not first.matches)


def _vocabulary() -> list[str]:
    words: set[str] = set()
    for text, _, _ in EVAL_SET:
        words.update(text.split())
    return sorted(words)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_vocabulary()), max_size=40).map(" ".join))
def test_word_index_never_changes_a_decision(text: str) -> None:
    assert SCREEN.screen(text) == SCREEN.screen_exhaustively(text)


def test_word_index_agrees_on_the_evaluation_sets() -> None:
    for text, _, _ in EVAL_SET + HELDOUT_SET_5 + HELDOUT_SET_6:
        assert SCREEN.screen(text) == SCREEN.screen_exhaustively(text), text


def test_required_words() -> None:
    words = required_words("(?:kill|top) (?:my ?self|meself)")
    assert words
    for match in ("kill myself", "top my self", "kill meself", "top meself"):
        assert set(match.split()) & words, match
    assert required_words("\\w+ dead") == frozenset({"dead"})
    # "drunk" could run on into "drunkard" before a free gap, so it is not a sure word until a
    # \b says where the word ends.
    assert "drunk" not in (required_words("i am drunk.{0,9}") or set())
    assert "drunk" in (required_words("drunk\\b.{0,9}") or set())
    assert required_words("\\w+") is None


def test_branch_conditions_need_every_set_of_an_alternative() -> None:
    # "kill" and "baby" are both needed by the first alternative; "kms" alone by the second.
    assert branch_conditions("kill (?:\\w+ ){0,3}baby|kms") == [
        [frozenset({"kill"}), frozenset({"baby"})],
        [frozenset({"kms"})],
    ]
    assert branch_conditions("\\w+|kms") is None
    # A space-led repetition after a word still makes the word's end a sure token edge.
    assert required_words("not(?: (?:really|at all))*") == frozenset({"not"})


def test_every_rule_is_indexed_by_some_word() -> None:
    assert SCREEN.rules_needing_no_word() == []


# --- the rule language --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        "(?<=a)b",  # lookbehind
        "(?<!a)b",
        "(?P<name>a)",  # named group
        "(?<name>a)",
        "(?i)kill",  # inline flag
        "(?>atomic)",
        "kill\\Z",
        "\\Akill",
        "(a)\\1",  # backreference
        "a*+",  # possessive
        "a{,3}",
        "Kill",  # upper case never matches the lower-cased text
        "[]a]",
        "\\p{L}",
        "\\x41",
        "a{2,1}",
        "*a",
    ],
)
def test_non_portable_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(RulesError):
        parse_pattern(pattern)


@pytest.mark.parametrize(
    "pattern",
    [
        "a|b",
        "(?:ab)+?",
        "a{2}",
        "a{2,}",
        "a{1,3}?",
        "(?=x)x",
        "(?!y)x",
        "[^a-z\\-]",
        "\\b\\w\\d\\s",
    ],
)
def test_portable_patterns_are_accepted(pattern: str) -> None:
    parse_pattern(pattern)


def _first_rule(doc: dict[str, Any]) -> dict[str, Any]:
    rule: dict[str, Any] = doc["categories"][0]["rules"][0]
    return rule


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: _first_rule(d).update(pattern="(?<=x)kill"), "lookbehind"),
        (lambda d: _first_rule(d).update(pattern="<NOPE>"), "undefined"),
        (lambda d: _first_rule(d).update(severity="none"), "concern or urgent"),
        (lambda d: _first_rule(d).update(pattern="(?:a)?"), "empty string"),
        (lambda d: _first_rule(d).update(guards=["missing"]), "unknown guards"),
        (lambda d: _first_rule(d).update(also=["nowhere"]), "also"),
        (lambda d: d.update(flags=""), "flags"),
        (lambda d: d["normalise"].append({"op": "shout"}), "unknown normalisation op"),
        (lambda d: d["guards"].append(copy.deepcopy(d["guards"][0])), "duplicate guard"),
        (
            lambda d: d["categories"][0]["rules"].append(copy.deepcopy(_first_rule(d))),
            "duplicate rule",
        ),
        (lambda d: d.pop("categories"), "malformed"),
    ],
)
def test_malformed_rules_are_refused(change: Any, message: str) -> None:
    doc = rules_doc()
    change(doc)
    with pytest.raises(RulesError, match=message):
        RiskScreen.from_rules(doc)


def test_default_loads_the_packaged_rules() -> None:
    assert RiskScreen.default().screen("I want to die") == SCREEN.screen("I want to die")
    assert [c["name"] for c in rules_doc()["categories"]] == list(CATEGORIES)


# --- agreement with the browser port ------------------------------------------------------------

_EDGE_CASES = [
    "ｓｕｉｃｉｄａｌ",
    "İ want to DİE",
    "su\u0308icidal",
    "kiiiilllll myselffff",
    "😂😂 hearing voices lol",
    "line\u2028separator and\nnewline: I want to die",
    "\ud800 a lone surrogate",
    "I want to k!ll mys3lf",
    "x" * 2000,
    "",
]


def _random_texts(count: int) -> list[str]:
    """Deterministic jumbles of eval-set words and awkward characters, for normalisation parity."""
    rng = random.Random(20261126)
    vocabulary = _vocabulary()
    texts = []
    for _ in range(count):
        parts = [
            rng.choice(vocabulary)
            if rng.random() < 0.8
            else rng.choice(_TRICKY) * rng.randint(1, 4)
            for _ in range(rng.randint(1, 30))
        ]
        texts.append(rng.choice([" ", "", "  ", " . "]).join(parts))
    return texts


def test_browser_port_agrees_with_the_server(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed, so web/static/risk.js cannot be checked here")
    held_out = HELDOUT_SET_5 + HELDOUT_SET_6
    texts = [text for text, _, _ in EVAL_SET + held_out] + _EDGE_CASES + _random_texts(3000)
    texts_path = tmp_path / "texts.json"
    texts_path.write_text(json.dumps(texts), encoding="utf-8")
    result = subprocess.run(
        [node, str(NODE_RUNNER), str(RULES_PATH), str(texts_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    from_js = json.loads(result.stdout)
    assert len(from_js) == len(texts)
    disagreements = []
    for text, js in zip(texts, from_js, strict=True):
        py = SCREEN.screen(text)
        expected = {
            "severity": py.severity.value,
            "categories": list(py.categories),
            "rules": [m.rule for m in py.matches],
            "readings": SCREEN.normalise(text),
        }
        if js != expected:
            disagreements.append((text[:80], expected, js))
    assert not disagreements, disagreements[:5]
