"""The offline on-screen plan: each key term gets one card, when first said, with its definition."""

from __future__ import annotations

from pathlib import Path

from lessonreel.agents.director_offline import direct_offline
from lessonreel.agents.ingest import load_lesson
from lessonreel.agents.on_screen import define, find_equation, key_terms
from lessonreel.agents.text import lesson_sentences, mentions, term_key

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "lessons"


def test_definition_is_the_lessons_own_defining_sentence() -> None:
    sentences = [
        "Plants need light.",
        "Inertia is the tendency of a body to keep moving or stay at rest.",
        "This change from gas to liquid is called condensation.",
    ]
    assert define("inertia", sentences).startswith("The tendency of a body to keep moving")
    assert define("condensation", sentences) == "Change from gas to liquid."


def test_a_definition_fits_the_cards_two_lines_as_a_whole_clause() -> None:
    # 18 words, but ~105 characters: the card would have cut it with '…'
    sentences = [
        "Some flows across the surface as runoff, trickling into streams, then rivers, "
        "and finally back to the ocean."
    ]
    assert define("runoff", sentences) == "Some flows across the surface as runoff."


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
    assert len(defined) >= 0.75 * len(carded)
    sentences = " ".join(lesson_sentences(lesson.text))
    assert all(t.definition.rstrip(".… ").split()[-1] in sentences for t in defined)
