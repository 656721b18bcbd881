"""The shot grammar follows the content, and its camera notes stay off the screen.

A process is a sequence, a comparison a split screen, a definition a close-up on the term.
"""

from __future__ import annotations

from lessonreel.agents.director_offline import direct_offline
from lessonreel.agents.ingest import lesson_from_text
from lessonreel.agents.shot_grammar import content_role
from lessonreel.agents.shot_prompt import render_shot_prompt
from lessonreel.graph.storyboard_doc import storyboard_markdown

CONCEPTS = ["evaporation", "condensation", "precipitation", "water vapour", "ice", "liquid water"]

_LESSON = """# States of Water

## Learning objectives
- Describe how water moves through the water cycle
- Compare ice with liquid water
- Define condensation

Water on Earth is always on the move, from the sea to the sky and back to the land again.
First, the Sun warms the sea and evaporation turns liquid water into water vapour. Then the
vapour cools high in the sky, condensation forms clouds, and precipitation returns the water
to the ground as rain.

Ice is much less dense than liquid water, so an iceberg floats with most of its bulk hidden.
Unlike liquid water, ice keeps its own shape when you pour it from one glass into another.

Condensation is the change from a gas to a liquid when water vapour cools down.
Dew on the grass in the morning is a small example of this change that anyone can see.
"""


def test_content_decides_the_role() -> None:
    process = "First, evaporation lifts water vapour; then condensation forms clouds."
    assert content_role(process, CONCEPTS) == (
        "process",
        ["evaporation", "water vapour", "condensation"],
    )
    compare = "Ice is less dense than liquid water, unlike most solids."
    assert content_role(compare, CONCEPTS) == ("comparison", ["ice", "liquid water"])
    define = "This change from gas to liquid is called condensation."
    assert content_role(define, CONCEPTS) == ("definition", ["condensation"])
    assert content_role("Newton's first law is about objects at rest.", CONCEPTS) == ("", [])
    assert content_role("More than ten thousand soldiers landed.", CONCEPTS) == ("", [])


def _board():  # type: ignore[no-untyped-def]
    lesson = lesson_from_text(_LESSON)
    lesson = lesson.model_copy(update={"key_concepts": CONCEPTS})
    return lesson, direct_offline(lesson, legal_seconds=(4, 8, 12), target_seconds=60)


def test_a_lesson_gets_a_sequence_a_split_and_a_close_up_where_its_narration_asks() -> None:
    _, board = _board()
    by_framing = {s.framing.split(",")[0]: s for s in board.shots}
    sequence = next(s for f, s in by_framing.items() if f == "sequence")
    assert "evaporation" in sequence.narration.lower()
    assert sequence.beats[0] != sequence.beats[-1]  # the stages go by, one after another
    split = by_framing["split screen"]
    assert "unlike" in split.narration.lower() or "than" in split.narration.lower()
    assert "ice" in split.subject
    assert "liquid water" in split.subject
    close = by_framing["close-up on condensation"]
    assert close.narration.startswith("Condensation is")


def test_the_grammar_reaches_the_storyboard_and_the_prompt_but_never_the_screen() -> None:
    _, board = _board()
    doc = storyboard_markdown(board)
    for shot in board.shots:
        if shot.framing.startswith(("sequence", "split screen", "close-up on")):
            assert shot.framing in doc
            prompt = render_shot_prompt(board, shot, size="1280x720").text
            assert shot.framing in prompt
            assert shot.beats[0] in prompt
        on_screen = " ".join(
            [*(t.term + " " + t.definition for t in shot.on_screen.terms), *shot.on_screen.labels]
        ).lower()
        for note in ("split screen", "close-up", "sequence", "top-down", "soft focus"):
            assert note not in on_screen, (note, on_screen)
