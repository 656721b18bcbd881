"""The narrator's script and shot timing: whole sentences, source order, a recap, no clipping."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from lessonreel.agents.director_offline import direct_offline
from lessonreel.agents.ingest import load_lesson
from lessonreel.agents.text import split_sentences, words
from lessonreel.agents.timing import fit_timeline, silences

EVAL = Path(__file__).resolve().parents[3] / "shared" / "eval" / "lessons"
LEGAL = (4, 8, 12)


def _lessons() -> list[Path]:
    found = sorted(EVAL.glob("*.txt")) if EVAL.is_dir() else []
    local = sorted((Path(__file__).resolve().parents[2] / "examples").rglob("*.md"))
    return (found or local)[:4]


def _norm(text: str) -> str:
    """Words only; parenthetical asides dropped (the narrator leaves them out)."""
    return re.sub(r"[^a-z0-9]+", " ", re.sub(r"\([^()]*\)", " ", text.lower())).strip()


@pytest.mark.parametrize("path", _lessons(), ids=lambda p: p.stem)
def test_narration_is_whole_source_sentences_in_order_with_a_recap(path: Path) -> None:
    lesson = load_lesson(path)
    board = direct_offline(lesson, legal_seconds=LEGAL)
    source = _norm(lesson.text)
    first_recap = next(
        i for i, s in enumerate(board.shots) if s.narration.startswith("To sum up: ")
    )
    body = board.shots[:first_recap]
    assert body
    assert first_recap > len(board.shots) // 2
    narrated = [s for s in board.shots if s.narration.strip()]
    assert len(narrated) >= 0.8 * len(board.shots)
    positions = []
    for shot in body:
        for sentence in split_sentences(shot.narration):
            assert sentence.rstrip().endswith((".", "!", "”", '"', ")")), sentence
            where = source.find(_norm(sentence))
            assert where >= 0, f"not from the lesson: {sentence!r}"
            positions.append(where)
    assert positions == sorted(positions)  # the lesson's order
    text = " ".join(s.narration for s in board.shots).lower()
    assert "in this lesson" not in text
    assert "learning objective" not in text
    spoken = sum(len(words(s.narration)) for s in board.shots)
    assert 90 <= spoken / board.total_seconds * 60 <= 190


def test_length_comes_from_the_objectives_unless_seconds_are_given() -> None:
    path = _lessons()[0]
    lesson = load_lesson(path)
    for n in (1, 3):
        board = direct_offline(
            lesson.model_copy(update={"objectives": lesson.objectives[:1] * n}), legal_seconds=LEGAL
        )
        assert board.target_seconds <= 60 * n
    short = direct_offline(lesson, legal_seconds=LEGAL, target_seconds=40)
    assert short.target_seconds == 40
    assert short.total_seconds <= 60


def test_timing_holds_every_word_in_legal_shots() -> None:
    speech = [8.6, 9.1, 0.0, 13.5, 4.2, 8.8, 3.1]
    durations, starts = fit_timeline(speech, LEGAL)
    assert all(d in LEGAL for d in durations)
    ends = [a + s for a, s in zip(starts, speech, strict=True)]
    assert ends[-1] <= sum(durations)  # nothing clipped at the end
    spoken = [(a, e) for a, e, s in zip(starts, ends, speech, strict=True) if s > 0]
    for (_, end), (start, _) in itertools.pairwise(spoken):
        assert start >= end  # no two passages overlap
    assert max(silences(durations, starts, speech)[:2]) <= 2.0


def test_narration_flows_over_cuts_so_no_shot_sits_silent() -> None:
    # per-shot speech as Piper spoke a 1,400-word lesson (seconds): rarely a whole 4-s step
    speech = [5.6, 10.0, 5.5, 6.8, 4.5, 6.0, 3.9, 7.7, 10.7, 8.6, 7.5, 6.2, 4.2, 6.1, 3.2, 6.3]
    durations, starts = fit_timeline(speech, LEGAL)
    assert all(d in LEGAL for d in durations)
    assert max(silences(durations, starts, speech)) <= 1.5
    ends = [a + s for a, s in zip(starts, speech, strict=True)]
    assert ends[-1] <= sum(durations)  # nothing clipped
    assert all(b >= a for a, b in zip(ends, starts[1:], strict=False))  # one voice at a time
    # as short as the words allow: less than one step of picture beyond words and pauses
    assert sum(durations) - (sum(speech) + 0.35 * (len(speech) - 1)) < min(LEGAL) + 1.0
    # a shot's words start within 3 s of its picture (and at most 2 s before it)
    cuts = list(itertools.accumulate([0, *durations[:-1]]))
    assert all(-2.0 <= a - c <= 3.0 for a, c in zip(starts, cuts, strict=True))
