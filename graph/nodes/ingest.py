"""ingest_lesson: read the lesson, screen it passage by passage, and open the run in the ledger."""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph.runtime import Runtime

from lessonreel.agents.schemas import Lesson
from lessonreel.graph.context import Context
from lessonreel.graph.services import context_of, services
from lessonreel.graph.state import LessonState


def _load(state: LessonState) -> Lesson:
    from lessonreel.agents.ingest import load_lesson

    path = state.get("lesson_path")
    return load_lesson(path, text=None if path else state.get("lesson_text"))


async def ingest_lesson(state: LessonState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Load the lesson (text or file), screen it, record the run; a resumed run keeps its lesson.

    The director only ever reads the screened lesson: graphic passages restated neutrally,
    instructions aimed at the video tool dropped, each change noted for the report.
    """
    if state.get("lesson") is not None and state.get("run_id"):
        return {}
    from lessonreel.agents.screen_passages import screen_lesson
    from lessonreel.store.home import new_run_id

    ctx = context_of(runtime)
    lesson = await asyncio.to_thread(_load, state)
    if ctx.grade_band:
        lesson = lesson.model_copy(update={"grade_band": ctx.grade_band})
    svc = await services(runtime)
    lesson, notes = await screen_lesson(lesson, await svc.screen(), chat_model=svc.sanitizer_llm)
    run_id = state.get("run_id") or new_run_id(lesson.title)
    await asyncio.to_thread(_open_run, svc.ledger, run_id, lesson, ctx)
    return {"lesson": lesson, "run_id": run_id, "safety_notes": notes}


def _open_run(ledger: Any, run_id: str, lesson: Lesson, ctx: Context) -> None:
    if ledger.get_run(run_id) is None:
        ledger.create_run(
            run_id,
            lesson_id=lesson.id,
            title=lesson.title,
            provider=ctx.provider,
            model=ctx.video_model,
            options=ctx.options(),
        )
