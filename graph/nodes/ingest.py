"""ingest_lesson: read the lesson and open the run in the ledger."""

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
    """Load the lesson (text or file) and record the run; a resumed run keeps its lesson."""
    if state.get("lesson") is not None and state.get("run_id"):
        return {}
    from lessonreel.store.home import new_run_id

    ctx = context_of(runtime)
    lesson = await asyncio.to_thread(_load, state)
    if ctx.grade_band:
        lesson = lesson.model_copy(update={"grade_band": ctx.grade_band})
    run_id = state.get("run_id") or new_run_id(lesson.title)
    svc = await services(runtime)
    await asyncio.to_thread(_open_run, svc.ledger, run_id, lesson, ctx)
    return {"lesson": lesson, "run_id": run_id}


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
