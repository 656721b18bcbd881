"""The director: lesson in, timed storyboard out.

`direct` uses the LLM director when a chat model is given and the deterministic offline
director otherwise; `direct_offline` is the synchronous offline twin. Both obey the checklist in
`lessonreel.agents.checks`.
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.language_models import BaseChatModel

from lessonreel.agents.checks import storyboard_violations
from lessonreel.agents.director_llm import MAX_ATTEMPTS, DirectorError, direct_llm
from lessonreel.agents.director_offline import direct_offline
from lessonreel.agents.models import choose_chat_model
from lessonreel.agents.schemas import Lesson, Storyboard
from lessonreel.agents.script import lesson_target_seconds, words_per_minute
from lessonreel.agents.text import lesson_sentences

__all__ = [
    "DirectorError",
    "direct",
    "direct_offline",
    "director_chat_model",
    "storyboard_violations",
]


async def direct(
    lesson: Lesson,
    *,
    legal_seconds: Sequence[int],
    target_seconds: int | None = None,
    chat_model: BaseChatModel | None = None,
    max_attempts: int = MAX_ATTEMPTS,
    speaking_rate: float = 1.0,
) -> Storyboard:
    """Write the lesson's storyboard (offline when ``chat_model`` is None).

    ``target_seconds`` None: about a minute per objective (see ``lesson_target_seconds``).
    Raises `DirectorError` when the LLM cannot produce a valid storyboard within
    ``max_attempts``, and ValueError for an empty or non-positive ``legal_seconds``.
    """
    if chat_model is None:
        return direct_offline(
            lesson,
            legal_seconds=legal_seconds,
            target_seconds=target_seconds,
            speaking_rate=speaking_rate,
        )
    wpm = words_per_minute(lesson.grade_band, speaking_rate)
    target = target_seconds or lesson_target_seconds(
        lesson.objectives, lesson_sentences(lesson.text), wpm
    )
    return await direct_llm(
        lesson,
        legal_seconds=legal_seconds,
        target_seconds=target,
        chat_model=chat_model,
        max_attempts=max_attempts,
        words_per_second=wpm / 60,
    )


def director_chat_model(
    choice: str = "auto", *, model: str | None = None, base_url: str | None = None
) -> BaseChatModel | None:
    """The director's chat model for ``choice`` (auto/llm/offline); None means offline.

    Raises ``ChatConfigError`` for ``llm`` without a configured chat key.
    """
    return choose_chat_model("director", choice, model=model, base_url=base_url)
