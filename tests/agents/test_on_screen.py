"""The offline on-screen plan: each key term gets one card, when first said, with its definition."""

from __future__ import annotations

from pathlib import Path

import pytest

from lessonreel.agents.director_offline import direct_offline
from lessonreel.agents.ingest import load_lesson
from lessonreel.agents.on_screen import define, find_equation, key_terms
from lessonreel.agents.text import lesson_sentences, mentions, term_key, words

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "lessons"
EVAL = Path(__file__).resolve().parents[3] / "shared" / "eval" / "lessons"


def test_definition_is_the_lessons_own_defining_sentence() -> None:
    sentences = [
        "Plants need light.",
        "Inertia is the tendency of a body to keep moving or stay at rest.",
        "This change from gas to liquid is called condensation.",
    ]
    assert define("inertia", sentences).startswith("The tendency of a body to keep moving")
    assert define("condensation", sentences) == "Change from gas to liquid."


def test_a_definition_fits_the_cards_two_lines_as_a_whole_clause() -> None:
    # 19 words, ~105 characters: the card would have cut it with '…'
    sentences = [
        "Runoff is the water that flows across the surface, trickling into streams, then rivers "
        "and finally back to the ocean."
    ]
    assert define("runoff", sentences) == "The water that flows across the surface."


def test_a_sentence_that_only_mentions_the_term_is_no_definition() -> None:
    # sentences from the eval lessons: the term is there, but nothing says what it is
    assert define("Europe", ["The war in Europe was over."]) == ""
    stomata = (
        "Splitting water releases oxygen, and the oxygen leaves the plant through the stomata."
    )
    assert define("stomata", [stomata]) == ""
    assert define("runoff", ["Some flows across the surface as runoff, into streams."]) == ""
    assert define("card", ["Can you make 5 with the 1-dot card?"]) == ""
    assert define("water", ["The water was not inside the bottle, it was in the air."]) == ""


def test_the_lesson_s_naming_and_appositive_sentences_define_the_term() -> None:
    sentences = [
        "Splitting water releases oxygen, and the oxygen leaves the plant through the stomata.",
        "Carbon dioxide, a gas in the air, enters the leaf through tiny pores called **stomata** "
        "on the underside of the leaf.",
        "The mode of a set of numbers is the number that occurs the most.",
        "Newton’s first law is often called the law of inertia.",
        "Equivalent fractions look different but name the same amount.",
    ]
    assert define("stomata", sentences) == "Tiny pores on the underside of the leaf."
    assert define("carbon dioxide", sentences) == "A gas in the air."
    assert define("mode", sentences) == "The number that occurs the most."
    assert define("newton's first law", sentences) == "Often called the law of inertia."
    # no defining sentence: one with the term as its subject says what it does
    assert define("equivalent fractions", sentences) == sentences[-1]


def test_cards_of_the_eval_lessons_show_no_sentence_that_is_not_about_the_term() -> None:
    lessons = sorted(EVAL.glob("*.txt")) if EVAL.is_dir() else []
    if not lessons:
        pytest.skip("shared/eval/lessons is not next to this checkout")
    cards = {}
    for path in lessons:
        lesson = load_lesson(path)
        board = direct_offline(lesson, legal_seconds=[4, 8, 12], target_seconds=60)
        cards.update({t.term: t.definition for s in board.shots for t in s.on_screen.terms})
    assert cards.get("europe", "") == ""  # was "The war in Europe was over."
    assert cards.get("egypt", "") == ""  # was "He greatly expanded Egypt’s territorial control."
    for term, definition in cards.items():
        if definition and mentions(definition, term):
            # a sentence, not a definition body: the term must be what it is about
            first = term_key(" ".join(words(definition)[:6]))
            assert term_key(term).split()[0] in first.split(), (term, definition)


def test_every_definition_of_the_examples_fits_a_card() -> None:
    for path in sorted(EXAMPLES.glob("*.md")):
        lesson = load_lesson(path)
        sentences = lesson_sentences(lesson.text)
        for term in key_terms(lesson):
            definition = define(term, sentences)
            assert len(definition) <= 90, (path.name, term, definition)


def test_a_sentence_that_defines_another_term_is_not_a_definition() -> None:
    sentences = ["Water that falls from clouds is called precipitation.", "Rain is common."]
    assert define("water", sentences) == ""


def test_equations_are_found_as_latex() -> None:
    assert find_equation("Overall, 6CO2 + 6H2O → C6H12O6 + 6O2 in the leaf.") == (
        r"6\mathrm{CO}_{2} + 6\mathrm{H}_{2}\mathrm{O} \rightarrow  "
        r"\mathrm{C}_{6}\mathrm{H}_{12}\mathrm{O}_{6} + 6\mathrm{O}_{2}"
    )
    assert find_equation("So 1/2 = 2/4 always.") == r"\frac{1}{2} = \frac{2}{4}"
    assert find_equation("A = B is not an equation in this prose.") is None


def test_every_key_term_gets_one_card_on_the_shot_that_first_says_it() -> None:
    lesson = load_lesson(EXAMPLES / "water_cycle.md")
    storyboard = direct_offline(lesson, legal_seconds=[4, 8, 12], target_seconds=60)
    carded = [t.term for s in storyboard.shots for t in s.on_screen.terms]
    assert len({term_key(t) for t in carded}) == len(carded), "a term got two cards"
    recap = storyboard.shots[-1].on_screen
    assert not recap.terms
    assert set(recap.labels) == set(key_terms(lesson))
    said: set[str] = set()
    for shot in storyboard.shots[:-1]:
        spoken = " ".join(d.line for d in shot.dialogue)
        for term in shot.on_screen.terms:
            earlier = any(mentions(s, term.term) for s in said)
            assert not earlier, f"{term.term!r} was said before its card"
        said.add(spoken)
    defined = [t for s in storyboard.shots for t in s.on_screen.terms if t.definition]
    # the lesson defines these four in so many words; every one gets its definition
    assert {"condensation", "evaporation", "precipitation", "water vapour"} <= {
        term_key(t.term) for t in defined
    }
    sentences = " ".join(lesson_sentences(lesson.text))
    assert all(t.definition.rstrip(".… ").split()[-1] in sentences for t in defined)
