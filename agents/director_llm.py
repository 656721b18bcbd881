"""The LLM director: a chat model writes the storyboard as structured output.

The model fills a draft (no indexes or timestamps, objectives by number); the code then
normalises timing, checks the result against the same checklist as the offline director and,
when it fails, feeds the problems back to the model for a bounded number of attempts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.exceptions import OutputParserException
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, Field, ValidationError

from lessonreel.agents.checks import (
    WORDS_PER_SECOND,
    beats_for,
    storyboard_violations,
    target_tolerance,
)
from lessonreel.agents.director_offline import legal_durations
from lessonreel.agents.schemas import DialogueLine, Lesson, Shot, Storyboard, StyleBible
from lessonreel.agents.text import extract_concepts, is_instruction
from lessonreel.prompts.director import director_messages, director_retry_message
from lessonreel.prompts.looks import look_for
from lessonreel.prompts.styles import style_for

MAX_ATTEMPTS = 3
"""First answer plus two corrections; each correction repeats the problems found."""


class DirectorError(RuntimeError):
    """The director could not produce a valid storyboard; the message says what failed."""


class ShotDraft(BaseModel):
    """One shot as the model writes it; timing and index are filled in afterwards."""

    duration: int = Field(description="Clip length in seconds; one of the allowed durations.")
    framing: str = Field(description="Framing and angle, e.g. 'wide shot, eye level'.")
    camera_move: str = Field(description="Exactly one camera move, e.g. 'slow dolly-in'.")
    lens: str = Field(description="Lens and depth of field, e.g. '35mm, shallow depth'.")
    lighting: str = Field(description="Lighting by source and quality.")
    palette: list[str] = Field(min_length=3, max_length=5, description="3-5 colour names.")
    subject: str = Field(description="The concrete subject on screen (nouns, materials).")
    setting: str = Field(description="Where the shot takes place, in concrete nouns.")
    action: str = Field(description="The one subject action in this shot.")
    beats: list[str] = Field(min_length=1, description="The action as beats, one per 4 s.")
    narration: str = Field(
        default="",
        description="What the narrator says over this shot: whole sentences, lesson order.",
    )
    dialogue: list[DialogueLine] = Field(
        default_factory=list, description="On-camera speech (rare in lessons; usually empty)."
    )
    background_sound: str = Field(default="", description="One small sound cue.")
    mood: str = Field(default="calm, curious", description="Mood in a few words.")
    objective_index: int = Field(ge=0, description="Number of the learning objective served.")
    concepts: list[str] = Field(default_factory=list, description="Key concepts shown.")


class StoryboardDraft(BaseModel):
    """The storyboard as the model writes it: a style bible and shots in order."""

    style: StyleBible = Field(description="The look shared by every shot.")
    shots: list[ShotDraft] = Field(min_length=1, description="Shots in order.")


def _fit_beats(beats: Sequence[str], need: int) -> list[str]:
    """Merge surplus beats into the last one, or extend the last one, to ``need`` beats."""
    beats = [b for b in beats if b.strip()] or ["holds still"]
    if len(beats) > need:
        return [*beats[: need - 1], "; ".join(beats[need - 1 :])]
    return [*beats, *[f"{beats[-1]}, continuing slowly"] * (need - len(beats))]


def normalise(
    draft: StoryboardDraft,
    lesson: Lesson,
    *,
    legal_seconds: Sequence[int],
    target_seconds: int,
    objectives: Sequence[str],
) -> Storyboard:
    """Turn a draft into a timed `Storyboard`; raise ValueError listing what breaks the rules."""
    problems = [
        f"shot {i}: objective_index {s.objective_index} is not in 0..{len(objectives) - 1}"
        for i, s in enumerate(draft.shots)
        if s.objective_index >= len(objectives)
    ]
    if problems:
        raise ValueError("; ".join(problems))
    style = draft.style
    if not style.presenter:
        style = style.model_copy(update={"presenter": style_for(lesson.subject).presenter})
    shots = []
    t = 0
    for i, s in enumerate(draft.shots):
        fields: dict[str, Any] = s.model_dump(exclude={"objective_index", "beats"})
        shots.append(
            Shot(
                **fields,
                index=i,
                start=t,
                end=t + s.duration,
                beats=_fit_beats(s.beats, beats_for(s.duration)),
                objective=objectives[s.objective_index],
            )
        )
        t += s.duration
    board = Storyboard(
        lesson_id=lesson.id,
        title=lesson.title,
        style=style,
        shots=shots,
        target_seconds=target_seconds,
    )
    check_lesson = lesson.model_copy(update={"objectives": list(objectives)})
    violations = storyboard_violations(
        board, legal_seconds=legal_seconds, lesson=check_lesson, target_seconds=target_seconds
    )
    if violations:
        raise ValueError("; ".join(violations[:10]))
    return board


async def direct_llm(
    lesson: Lesson,
    *,
    legal_seconds: Sequence[int],
    target_seconds: int = 60,
    chat_model: BaseChatModel,
    max_attempts: int = MAX_ATTEMPTS,
    words_per_second: float = WORDS_PER_SECOND,
) -> Storyboard:
    """Ask the chat model for a storyboard, retrying with the problems found (bounded)."""
    legal = legal_durations(legal_seconds)
    tolerance = target_tolerance(legal)
    concepts = lesson.key_concepts or extract_concepts(lesson.text, title=lesson.title)
    objectives = [o for o in lesson.objectives if not is_instruction(o)] or [
        f"Explain {concepts[0] if concepts else lesson.title}"
    ]
    preset = look_for(lesson.subject, lesson.grade_band, title=lesson.title, concepts=concepts)
    style_hint: dict[str, object] = {
        "look": preset.look,
        "palette": list(preset.palette),
        "lens": preset.lens,
        "lighting": preset.lighting,
        "presenter": preset.presenter,
        "sound": preset.sound,
    }
    messages: list[BaseMessage] = []
    for role, content in director_messages(
        title=lesson.title,
        subject=lesson.subject,
        grade_band=lesson.grade_band,
        text=lesson.text,
        objectives=objectives,
        concepts=concepts,
        style=style_hint,
        legal_seconds=legal,
        target_seconds=target_seconds,
        tolerance=tolerance,
        words_per_second=round(words_per_second, 1),
    ):
        messages.append(SystemMessage(content) if role == "system" else HumanMessage(content))
    structured = chat_model.with_structured_output(StoryboardDraft, method="function_calling")
    error = "no attempt made"
    for _attempt in range(max(1, max_attempts)):
        try:
            raw = await structured.ainvoke(messages)
            draft = raw if isinstance(raw, StoryboardDraft) else StoryboardDraft.model_validate(raw)
            return normalise(
                draft,
                lesson,
                legal_seconds=legal,
                target_seconds=target_seconds,
                objectives=objectives,
            )
        except (ValidationError, OutputParserException, ValueError) as exc:
            error = _one_line(exc)
        except Exception as exc:
            raise DirectorError(
                f"LLM director call failed: {type(exc).__name__}: {_one_line(exc)}"
            ) from exc
        messages.append(
            HumanMessage(
                director_retry_message(
                    error=error,
                    legal_seconds=legal,
                    target_seconds=target_seconds,
                    tolerance=tolerance,
                    objectives=len(objectives),
                )
            )
        )
    raise DirectorError(
        f"LLM director gave no valid storyboard in {max(1, max_attempts)} attempts; "
        f"last problem: {error}"
    )


def _one_line(exc: BaseException, limit: int = 1200) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[:limit] + " ..."
