"""Explainer diagrams follow the lesson: a cycle in stage order, no shot repeating the last.

The water-cycle example goes through ingest, the offline director and the on-screen plan; the
diagram each shot would draw is read from the teaching layer's plan.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from lessonreel.agents.director_offline import direct_offline
from lessonreel.agents.ingest import load_lesson
from lessonreel.graph.diagrams import cycle_stages
from lessonreel.graph.teaching import planned, shot_visuals

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "lessons"


def test_a_cycle_ring_goes_round_in_the_order_the_lesson_teaches_its_stages() -> None:
    lesson = load_lesson(EXAMPLES / "water_cycle.md")
    stages = cycle_stages(lesson)
    assert stages == ["evaporation", "condensation", "precipitation", "runoff"]
    storyboard = planned(
        direct_offline(lesson, legal_seconds=[4, 8, 12], target_seconds=60), lesson
    )
    rings = [v.labels for v in shot_visuals(storyboard, lesson) if v.diagram == "cycle"]
    assert rings, "no shot draws the water cycle"
    assert all(list(ring) == stages for ring in rings)


def test_no_shot_draws_the_same_diagram_as_the_shot_before() -> None:
    for name in ("water_cycle.md", "photosynthesis.md", "equivalent_fractions.md"):
        lesson = load_lesson(EXAMPLES / name)
        board = planned(direct_offline(lesson, legal_seconds=[4, 8, 12]), lesson)  # full length
        teaching = [v for v in shot_visuals(board, lesson) if v.role == "teach"]
        for before, after in pairwise(teaching):
            if after.labels:
                assert (after.diagram, set(after.labels)) != (before.diagram, set(before.labels))
