"""Looks follow the subject and the topic: water looks like water, a volcano like a volcano."""

from __future__ import annotations

from pathlib import Path

from lessonreel.agents.director_offline import direct_offline
from lessonreel.agents.ingest import lesson_from_text, load_lesson
from lessonreel.agents.shot_prompt import render_shot_prompt

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "lessons"
LEGAL = (4, 8, 12)
_VOLCANIC = ("magma", "basalt", "lava", "rumble of shifting rock")

_VOLCANO = """# Volcanoes

## Learning objectives
- Explain how magma reaches the surface at a volcano

A volcano is an opening in Earth's crust where molten rock called magma escapes.
Magma rises because it is hotter and lighter than the solid rock of the mantle around it.
When magma reaches the surface it is called lava, and it cools into new volcanic rock.
Most volcanoes sit where tectonic plates pull apart or where one plate sinks under another.
"""

_EGYPT = """# Ancient Egypt

The pharaohs of the Old Kingdom built pyramids as tombs along the Nile.
A pyramid was built from huge blocks of limestone cut from quarries near the river.
Workers dragged the blocks on sledges and raised them on ramps of mud brick.
The Great Pyramid at Giza was the tallest building in the world for thousands of years.
"""

_WAR = """# The Battle of Britain

In 1940 the German air force tried to win control of the skies over Britain.
The battle was fought by fighter pilots, radar operators and ground crews.
Radar stations on the coast warned the Royal Air Force when German aircraft approached.
The invasion of Britain was called off when the Germans failed to win the battle.
"""


def _prompts(lesson_text: str | None = None, path: Path | None = None) -> tuple[str, str]:
    lesson = load_lesson(path) if path else lesson_from_text(lesson_text or "")
    board = direct_offline(lesson, legal_seconds=LEGAL, target_seconds=32)
    text = " ".join(render_shot_prompt(board, s, size="1280x720").text for s in board.shots)
    return text.lower(), " ".join(board.style.palette)


def test_a_water_cycle_lesson_does_not_look_volcanic() -> None:
    prompts, palette = _prompts(path=EXAMPLES / "water_cycle.md")
    assert not [w for w in _VOLCANIC if w in prompts], prompts
    assert "blue" in palette
    assert "water" in prompts


def test_a_volcano_lesson_in_the_same_subject_keeps_the_volcanic_look() -> None:
    _, palette = _prompts(_VOLCANO)
    assert "magma orange" in palette
    water, _ = _prompts(path=EXAMPLES / "water_cycle.md")
    assert palette not in water


def test_two_history_topics_get_two_looks() -> None:
    _, ancient = _prompts(_EGYPT)
    _, war = _prompts(_WAR)
    assert ancient != war
    assert "sandstone" in ancient
    assert "grey" in war


def test_young_children_keep_their_softer_look_with_the_topic_palette() -> None:
    lesson = load_lesson(EXAMPLES / "water_cycle.md").model_copy(update={"grade_band": "K-2"})
    board = direct_offline(lesson, legal_seconds=LEGAL, target_seconds=32)
    assert "rounded" in board.style.look
    assert not [w for w in _VOLCANIC if w in " ".join(board.style.palette)]
