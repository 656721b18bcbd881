"""storyboard.md as a teacher reads it: each shot's narration once, each on-screen word once."""

from __future__ import annotations

import re
from pathlib import Path

from lessonreel.agents.director_offline import direct_offline
from lessonreel.agents.ingest import load_lesson
from lessonreel.graph.storyboard_doc import storyboard_markdown

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "lessons"


def test_each_shot_lists_its_narration_and_each_on_screen_word_once() -> None:
    lesson = load_lesson(EXAMPLES / "photosynthesis.md")
    board = direct_offline(lesson, legal_seconds=[4, 8, 12], target_seconds=60)
    # the director labels a shot with its own key terms: the case a reader saw twice
    assert any({t.term for t in s.on_screen.terms} & set(s.on_screen.labels) for s in board.shots)
    doc = storyboard_markdown(board, {})
    blocks = re.split(r"^### Shot \d+", doc, flags=re.M)[1:]
    assert len(blocks) == len(board.shots)
    for shot, block in zip(board.shots, blocks, strict=True):
        assert block.count("- Narration:") == (1 if shot.narration.strip() else 0)
        listed = re.search(r"^- On screen: (.*)$", block, flags=re.M)
        if listed is None:
            continue
        names = [n.strip().casefold() for n in listed.group(1).split(",")]
        assert len(names) == len(set(names)), (shot.index, listed.group(1))
        wanted = {t.term.casefold() for t in shot.on_screen.terms} | {
            label.casefold() for label in shot.on_screen.labels
        }
        assert set(names) == wanted
