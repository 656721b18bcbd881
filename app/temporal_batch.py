"""The ``temporal`` batch engine: start one workflow per lesson and follow it to the end.

The workflow id is the run id, so the batch prints each lesson's UI link up front; workers
(``lessonreel worker``) do the work, and must reach the lesson files, the ledger and the clip
store (a shared ``LESSONREEL_HOME`` here).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from typing import Any

from lessonreel.app.batch import BatchLesson, LessonEventHandler, LessonOutcome, lesson_context
from lessonreel.app.cli_common import say
from lessonreel.graph.context import Context

PROGRESS_SECONDS = 1.0
SHOT_TIMEOUT_MARGIN = 600.0


def shot_timeout(ctx: Context) -> float:
    """Seconds one shot activity may take: every retry's wait for the job, plus a margin."""
    return ctx.job_timeout * (ctx.max_retries + 1) + SHOT_TIMEOUT_MARGIN


async def run_temporal(
    lessons: Sequence[BatchLesson],
    ctx: Context,
    *,
    on_event: LessonEventHandler | None = None,
    console: Any = None,
) -> list[LessonOutcome]:
    """Start every lesson's workflow, report progress per lesson, return their outcomes."""
    from lessonreel.app.temporal_config import CONTROL_QUEUE, TemporalSettings, connect
    from lessonreel.app.temporal_workflow import WORKFLOW_NAME

    settings = TemporalSettings.from_env()
    client = await connect(settings)
    started: list[tuple[BatchLesson, str, Any]] = []
    for lesson in lessons:
        inp = await asyncio.to_thread(_lesson_input, lesson, ctx, settings)
        run_id = inp.run_id
        handle = await client.start_workflow(
            WORKFLOW_NAME, inp, id=run_id, task_queue=CONTROL_QUEUE
        )
        started.append((lesson, run_id, handle))
        if console is not None:
            say(console, f"[{lesson.name}] run {run_id}: {settings.workflow_link(run_id)}")
    waits = [asyncio.create_task(handle.result()) for _l, _r, handle in started]
    follow = asyncio.create_task(_follow(started, waits, on_event))
    outcomes = []
    for (lesson, run_id, _handle), wait in zip(started, waits, strict=True):
        outcomes.append(await _outcome(lesson, run_id, wait))
    follow.cancel()
    return outcomes


def _lesson_input(lesson: BatchLesson, ctx: Context, settings: Any) -> Any:
    """The workflow input of one lesson, with paths as every worker sees them (shared dir)."""
    from lessonreel.agents.ingest import load_lesson
    from lessonreel.app.temporal_config import shot_queue
    from lessonreel.app.temporal_workflow import LessonInput
    from lessonreel.store.home import new_run_id

    lctx = lesson_context(ctx, lesson)
    if lesson.out is not None:
        lctx.output_dir = str(lesson.out.absolute())
    if lctx.emulator_config:
        lctx.emulator_config = os.path.abspath(lctx.emulator_config)
    loaded = load_lesson(lesson.path)
    return LessonInput(
        run_id=new_run_id(loaded.id),
        lesson_path=str(lesson.path.absolute()),
        options=lctx.options(),
        shot_queue=shot_queue(ctx.provider),
        heartbeat_seconds=settings.heartbeat_seconds,
        shot_timeout_seconds=shot_timeout(ctx),
    )


async def _outcome(lesson: BatchLesson, run_id: str, wait: asyncio.Task[Any]) -> LessonOutcome:
    from temporalio.client import WorkflowFailureError

    try:
        summary: dict[str, Any] = await wait
    except WorkflowFailureError as exc:
        cause = str(exc.cause) if exc.cause is not None else str(exc)
        return LessonOutcome(lesson, run_id, 1, "failed", cause)
    return LessonOutcome(
        lesson,
        run_id,
        int(summary["exit_code"]),
        str(summary["status"]),
        str(summary.get("video_path") or ""),
        summary.get("report"),
    )


async def _follow(
    started: list[tuple[BatchLesson, str, Any]],
    waits: list[asyncio.Task[Any]],
    on_event: LessonEventHandler | None,
) -> None:
    """Query each running workflow's progress and report what changed."""
    seen: dict[str, tuple[Any, ...]] = {}
    while True:
        for (lesson, _run_id, handle), wait in zip(started, waits, strict=True):
            if wait.done():
                continue
            try:
                progress = await handle.query("progress")
            except Exception:  # not picked up by a worker yet
                continue
            state = (progress.get("stage"), progress.get("done"), progress.get("shots"))
            if state != seen.get(lesson.name) and on_event is not None:
                seen[lesson.name] = state
                on_event(lesson.name, {"event": "lesson", "stage": _describe(progress)})
        await asyncio.sleep(PROGRESS_SECONDS)


def _describe(progress: dict[str, Any]) -> str:
    stage = str(progress.get("stage"))
    if stage == "rendering":
        return f"rendering: {progress.get('done')}/{progress.get('shots')} shots finished"
    return stage
