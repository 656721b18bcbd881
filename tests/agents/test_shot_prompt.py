"""The shot prompt template: the layout MEDIA parses and SAFETY refines, and what it never asks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lessonreel.agents.director import direct_offline
from lessonreel.agents.ingest import load_lesson
from lessonreel.agents.schemas import DialogueLine, Storyboard
from lessonreel.agents.shot_prompt import render_shot_prompt
from lessonreel.prompts.shot import (
    CINEMATOGRAPHY_KEYS,
    SECTION_ORDER,
    split_sections,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "lessons"
TEXT_REQUEST = re.compile(r"text that reads|\blabel|\bcaption|\bsubtitle|\bwritten\b", re.I)


@pytest.fixture(scope="module")
def board() -> Storyboard:
    lesson = load_lesson(EXAMPLES / "photosynthesis.md")
    return direct_offline(lesson, legal_seconds=(4, 8, 12))


def test_every_prompt_follows_the_template_order(board: Storyboard) -> None:
    for shot in board.shots:
        text = render_shot_prompt(board, shot, size="1280x720").text
        # narration is a voice-over, never sent to the video model; on-camera dialogue is
        # rare and, when present, its block comes last
        expected = [s for s in SECTION_ORDER if s != "Dialogue" or shot.dialogue]
        assert list(split_sections(text)) == expected
        headers = [line for line in text.splitlines() if re.match(r"^[A-Z][a-z ]+:", line)]
        assert headers[0] == "Cinematography:"
        if shot.dialogue:
            assert text.rstrip().splitlines()[-2] == "Dialogue:"  # dialogue block last
        assert not shot.narration or shot.narration not in text
        assert "\n\n\n" not in text


def test_cinematography_block_has_each_key_once_with_3_to_5_colours(board: Storyboard) -> None:
    for shot in board.shots:
        block = split_sections(render_shot_prompt(board, shot, size="640x360").text)
        lines = block["Cinematography"].splitlines()
        assert [line.split(":", 1)[0] for line in lines] == list(CINEMATOGRAPHY_KEYS)
        palette = lines[4].split(":", 1)[1].split(",")
        assert 3 <= len(palette) <= 5
        move = lines[1].split(":", 1)[1].strip()
        assert not re.search(r"\b(and|then)\b|,", move), move


def test_actions_are_counted_beats_covering_the_shot(board: Storyboard) -> None:
    for shot in board.shots:
        actions = split_sections(render_shot_prompt(board, shot, size="1280x720").text)["Actions"]
        bullets = actions.splitlines()
        assert len(bullets) == max(1, shot.duration // 4)
        assert bullets[0].startswith("- 0-")
        assert bullets[-1].split(":")[0].endswith(f"-{shot.duration} s")


def test_no_request_for_legible_text_outside_the_avoid_list(board: Storyboard) -> None:
    for shot in board.shots:
        sections = split_sections(render_shot_prompt(board, shot, size="1280x720").text)
        for name in ("prose", "Cinematography", "Actions", "Background sound"):
            assert not TEXT_REQUEST.search(sections[name]), (shot.index, name)
        assert "legible text" in sections["Avoid"]


def test_presenter_is_described_identically_in_every_shot(board: Storyboard) -> None:
    presenter = board.style.presenter
    assert presenter
    prompts = [render_shot_prompt(board, s, size="1280x720").text for s in board.shots]
    assert all(presenter in p for p in prompts)


def test_prompt_carries_provider_params(board: Storyboard) -> None:
    shot = board.shots[1]
    prompt = render_shot_prompt(board, shot, size="720x1280")
    assert (prompt.shot_index, prompt.seconds, prompt.size) == (1, shot.duration, "720x1280")
    assert "morphing" in prompt.negative


def test_dialogue_is_speaker_labelled_and_quotes_are_safe(board: Storyboard) -> None:
    shot = board.shots[0].model_copy(
        update={"dialogue": [DialogueLine(speaker="Narrator", line='Say "cheese" to the leaf.')]}
    )
    text = render_shot_prompt(board, shot, size="1280x720").text
    assert split_sections(text)["Dialogue"] == "Narrator: \"Say 'cheese' to the leaf.\""


def test_silent_shot_has_no_dialogue_block_but_keeps_a_sound_cue(board: Storyboard) -> None:
    shot = board.shots[0].model_copy(update={"dialogue": []})
    sections = split_sections(render_shot_prompt(board, shot, size="1280x720").text)
    assert "Dialogue" not in sections
    assert sections["Background sound"]
    assert list(sections)[-1] == "Avoid"
