"""The learning check: every answer is said in the narration, offline and with a chat model."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from lessonreel.agents.director import direct_offline
from lessonreel.agents.ingest import load_lesson
from lessonreel.agents.quiz import (
    QuizDraft,
    is_narrated,
    make_quiz,
    offline_quiz,
    refresh_quiz,
    unspoken_answers,
)
from lessonreel.agents.schemas import DialogueLine, QuizQuestion, Storyboard
from lessonreel.graph.storyboard_doc import storyboard_markdown

LESSONS = sorted((Path(__file__).parents[2] / "examples" / "lessons").glob("*.md"))


def _storyboard(path: Path) -> tuple[Any, Storyboard]:
    lesson = load_lesson(path)
    return lesson, direct_offline(lesson, legal_seconds=[4, 8, 12], target_seconds=40)


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_offline_questions_are_answered_in_the_narration(path: Path) -> None:
    lesson, storyboard = _storyboard(path)
    quiz = offline_quiz(lesson, storyboard)
    assert 3 <= len(quiz.questions) <= 5
    assert unspoken_answers(quiz, storyboard) == []
    for q in quiz.questions:
        assert len(q.choices) >= 2
        assert len({c.lower() for c in q.choices}) == len(q.choices), q.choices
        # the blank hides the answer, and the sentence that answers it was narrated
        assert q.choices[q.answer].lower() not in q.question.lower()
        assert is_narrated(q.explanation, storyboard)
        wrong = [c for i, c in enumerate(q.choices) if i != q.answer]
        assert all(w.lower() not in q.explanation.lower() for w in wrong), (wrong, q.explanation)
    assert len({q.answer for q in quiz.questions}) > 1, "the answer always sits in one slot"


def test_questions_cut_from_one_sentence_hide_their_answers_in_different_slots() -> None:
    lesson = load_lesson(next(p for p in LESSONS if p.stem == "water_cycle"))
    storyboard = direct_offline(lesson, legal_seconds=[4, 8, 12], target_seconds=40)
    one = (
        "When sunlight warms the sea, evaporation turns water into water vapour, which cools by "
        "condensation into clouds and falls again as precipitation."
    )
    shots = [
        s.model_copy(update={"narration": one if s.index == 0 else ""}) for s in storyboard.shots
    ]
    quiz = offline_quiz(lesson, storyboard.model_copy(update={"shots": shots}))
    assert len(quiz.questions) >= 3
    assert {q.explanation for q in quiz.questions} == {one}
    slots = [q.answer for q in quiz.questions]
    assert len(set(slots)) > 1, f"every question from one sentence puts its answer at {slots[0]}"
    assert all(a != b for a, b in itertools.pairwise(slots)), slots


def test_narration_field_is_preferred_over_dialogue() -> None:
    lesson, storyboard = _storyboard(LESSONS[0])
    shots = []
    for shot in storyboard.shots:  # the same words as on-camera dialogue instead
        line = [DialogueLine(speaker="Narrator", line=shot.narration)] if shot.narration else []
        shots.append(shot.model_copy(update={"narration": "", "dialogue": line}))
    moved = storyboard.model_copy(update={"shots": shots})
    before = offline_quiz(lesson, storyboard)
    after = offline_quiz(lesson, moved)
    assert [q.question for q in after.questions] == [q.question for q in before.questions]
    assert unspoken_answers(after, moved) == []


class ScriptedQuizModel:
    """A chat model whose structured output is scripted; it records the prompts it was sent."""

    def __init__(self, result: Any) -> None:
        self.result = result
        self.messages: list[Any] = []

    def with_structured_output(self, schema: type) -> ScriptedQuizModel:
        assert schema is QuizDraft
        return self

    async def ainvoke(self, messages: Any) -> Any:
        self.messages.append(messages)
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


async def test_llm_questions_are_kept_when_the_narration_answers_them() -> None:
    lesson = load_lesson(LESSONS[-1])  # water cycle, narrated at its full length
    storyboard = direct_offline(lesson, legal_seconds=[4, 8, 12])
    good = [
        QuizQuestion(
            question="What is the change from liquid to gas called?",
            choices=["condensation", "evaporation", "runoff"],
            answer=1,
            objective=lesson.objectives[0],
            explanation="This change from liquid to gas is called evaporation.",
        ),
        QuizQuestion(
            question="What is the change from gas to liquid called?",
            choices=["Condensation", "precipitation", "transpiration"],
            answer=0,
        ),
        QuizQuestion(
            question="What is water that falls from clouds called?",
            choices=["runoff", "vapour", "precipitation"],
            answer=2,
        ),
    ]
    invented = QuizQuestion(
        question="Which gas do clouds store?", choices=["helium", "neon"], answer=0
    )
    model = ScriptedQuizModel(QuizDraft(questions=[*good, invented]))
    quiz = await make_quiz(lesson, storyboard, chat_model=model)  # type: ignore[arg-type]
    assert [q.question for q in quiz.questions] == [q.question for q in good]
    system, human = model.messages[0]
    assert "word for word" in system.content
    assert "<narration>" in human.content
    assert "called evaporation" in human.content


async def test_llm_failure_or_thin_answer_falls_back_to_offline_questions() -> None:
    lesson, storyboard = _storyboard(LESSONS[0])
    broken = ScriptedQuizModel(ValueError("bad JSON"))
    quiz = await make_quiz(lesson, storyboard, chat_model=broken)  # type: ignore[arg-type]
    assert quiz == offline_quiz(lesson, storyboard)
    one = QuizQuestion(question="q?", choices=["helium", "argon"], answer=0)
    thin = ScriptedQuizModel(QuizDraft(questions=[one]))
    topped = await make_quiz(lesson, storyboard, chat_model=thin)  # type: ignore[arg-type]
    assert len(topped.questions) >= 3
    assert unspoken_answers(topped, storyboard) == []


def test_an_edit_that_removes_an_answer_rebuilds_the_check() -> None:
    lesson, storyboard = _storyboard(LESSONS[-1])
    storyboard = storyboard.model_copy(update={"quiz": offline_quiz(lesson, storyboard)})
    assert refresh_quiz(lesson, storyboard) is storyboard
    assert storyboard.quiz is not None
    target = storyboard.quiz.questions[0]
    shots = [
        s.model_copy(update={"narration": "We will look at the sky."})
        if target.choices[target.answer].lower() in s.narration.lower()
        else s
        for s in storyboard.shots
    ]
    edited = storyboard.model_copy(update={"shots": shots})
    assert unspoken_answers(edited.quiz, edited) != []  # type: ignore[arg-type]
    fixed = refresh_quiz(lesson, edited)
    assert fixed.quiz is not None
    assert unspoken_answers(fixed.quiz, fixed) == []


def test_storyboard_markdown_lists_the_questions_and_answers() -> None:
    lesson, storyboard = _storyboard(LESSONS[-1])
    quiz = offline_quiz(lesson, storyboard)
    text = storyboard_markdown(storyboard.model_copy(update={"quiz": quiz}))
    assert "## Check your understanding" in text
    for q in quiz.questions:
        assert f"**{q.choices[q.answer]}** (answer)" in text
