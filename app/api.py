"""The Python / notebook API: ``make_video`` and ``plan_storyboard`` (sync) and async twins.

Results display themselves in Jupyter (``_repr_html_``: the video player, the storyboard as a
table, the cost) and in a terminal through rich (``__rich__``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

from lessonreel.agents.schemas import Lesson
from lessonreel.app.results import PlanResult, VideoResult
from lessonreel.graph.context import Context
from lessonreel.graph.report import RunReport
from lessonreel.graph.runner import EventHandler, ReviewHandler, run_graph, stored_context

T = TypeVar("T")


class RunStoppedError(RuntimeError):
    """A run stopped on an expected failure (the LLM director failed); it can be resumed.

    ``run_id`` names the run to resume; ``__cause__`` is the failure itself.
    """

    def __init__(self, run_id: str, reason: BaseException) -> None:
        super().__init__(f"run {run_id} stopped: {reason}")
        self.run_id = run_id
        self.reason = reason


async def _run_kept(
    run_id: str,
    ctx: Context,
    coro: Coroutine[Any, Any, T],
    *,
    lesson_path: str | None = None,
) -> T:
    """Await a run holding its ``--out`` folder; a director failure becomes RunStoppedError."""
    from lessonreel.agents.director import DirectorError
    from lessonreel.app.out_guard import hold_output_dir

    try:  # a run another process advances is named as such, before its --out is looked at
        await asyncio.to_thread(_check_lease, run_id)
    except BaseException:
        coro.close()
        raise
    with contextlib.ExitStack() as stack:
        if ctx.output_dir:
            try:
                stack.enter_context(
                    hold_output_dir(ctx.output_dir, run_id=run_id, lesson_path=lesson_path)
                )
            except BaseException:
                coro.close()
                raise
        try:
            return await coro
        except DirectorError as exc:
            raise RunStoppedError(run_id, exc) from exc
    raise AssertionError("unreachable")  # pragma: no cover - ExitStack never swallows


def _check_lease(run_id: str) -> None:
    """Raise LeaseHeldError when another live process holds the run (store/lease.py)."""
    from lessonreel.store.ledger import Ledger

    with Ledger.open() as ledger:
        ledger.leases.check(run_id, None)


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from sync code; in a running loop (Jupyter) use a worker thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _context(context: Context | None, options: dict[str, Any]) -> Context:
    if context is not None:
        return context
    return Context(**options)


def _check_narration(ctx: Context) -> None:
    """A voice that cannot speak here, or a rate out of range, is refused before a run exists."""
    from lessonreel.app.voices import narration_problem

    problem = narration_problem(ctx)
    if problem is not None:
        raise ValueError(problem)


def _load(lesson: str | Path | None, text: str | None) -> Lesson:
    from lessonreel.agents.ingest import load_lesson

    return load_lesson(lesson, text=text)


def lesson_input(lesson: str | Path | None, text: str | None) -> tuple[Lesson, dict[str, Any]]:
    """Validate the lesson up front (bad input fails before a run exists) and build the input."""
    loaded = _load(lesson, text)
    if text is not None:
        return loaded, {"lesson_text": text}
    return loaded, {"lesson_path": os.path.abspath(os.path.expanduser(str(lesson)))}


async def aplan_storyboard(
    lesson: str | Path | None = None,
    *,
    text: str | None = None,
    context: Context | None = None,
    **options: Any,
) -> PlanResult:
    """Write the storyboard and estimate its cost without rendering anything."""
    from lessonreel.agents.director import direct, director_chat_model
    from lessonreel.agents.safety import Screen
    from lessonreel.agents.screen_passages import screen_lesson
    from lessonreel.agents.screen_storyboard import screen_storyboard
    from lessonreel.graph.plan import estimate, render_settings
    from lessonreel.store.home import lessonreel_home

    ctx = _context(context, options)
    loaded = await asyncio.to_thread(_load, lesson, text)
    screen = await asyncio.to_thread(Screen.open, lessonreel_home())
    loaded, _notes = await screen_lesson(loaded, screen)  # the plan shows what make would film
    spec, _size = render_settings(ctx)
    storyboard = await direct(
        loaded,
        legal_seconds=spec.seconds,
        target_seconds=ctx.target_seconds,
        chat_model=director_chat_model(
            ctx.director, model=ctx.director_model, base_url=ctx.chat_base_url
        ),
        speaking_rate=ctx.speaking_rate,
    )
    storyboard, _notes = await asyncio.to_thread(screen_storyboard, storyboard, screen)
    return PlanResult(lesson=loaded, storyboard=storyboard, estimate=estimate(storyboard, ctx))


def plan_storyboard(
    lesson: str | Path | None = None,
    *,
    text: str | None = None,
    context: Context | None = None,
    **options: Any,
) -> PlanResult:
    """Sync twin of :func:`aplan_storyboard`."""
    return _run(aplan_storyboard(lesson, text=text, context=context, **options))


def result_from_values(run_id: str, values: dict[str, Any], review: Any = None) -> VideoResult:
    """Turn a run's final state into a :class:`VideoResult`."""
    report = values.get("report")
    video = values.get("video_path")
    captions = values.get("captions_path")
    return VideoResult(
        run_id=run_id,
        video_path=Path(video) if video else None,
        captions_path=Path(captions) if captions else None,
        report=RunReport.model_validate(report) if report else None,
        storyboard=values.get("storyboard"),
        review=review,
    )


async def amake_video(
    lesson: str | Path | None = None,
    *,
    text: str | None = None,
    context: Context | None = None,
    run_id: str | None = None,
    on_event: EventHandler | None = None,
    on_review: ReviewHandler | None = None,
    **options: Any,
) -> VideoResult:
    """Turn a lesson (a file path, or ``text=``) into a lesson video with captions and a report.

    ``options`` are :class:`Context` fields (``provider="local"``, ``budget_usd=2.0``, ...).
    With ``review=True`` the run pauses after the storyboard: ``on_review(request)`` answers
    ``"approve"`` or ``{"storyboard": {...}}``; without a handler the paused run is returned
    and :func:`aresume` continues it.
    """
    from lessonreel.store.home import new_run_id

    ctx = _context(context, options)
    _check_narration(ctx)
    loaded, payload = await asyncio.to_thread(lesson_input, lesson, text)
    rid = run_id or new_run_id(loaded.title)
    payload["run_id"] = rid
    outcome = await _run_kept(
        rid,
        ctx,
        run_graph(payload, run_id=rid, context=ctx, on_event=on_event, on_review=on_review),
        lesson_path=payload.get("lesson_path"),
    )
    return result_from_values(rid, outcome.values, outcome.interrupted)


def make_video(
    lesson: str | Path | None = None,
    *,
    text: str | None = None,
    context: Context | None = None,
    **options: Any,
) -> VideoResult:
    """Sync twin of :func:`amake_video`; in Jupyter it shows progress while rendering."""
    from lessonreel.app.notebook import notebook_progress

    progress = notebook_progress() if "on_event" not in options else None
    if progress is not None:
        options["on_event"] = progress.on_event
    try:
        return _run(amake_video(lesson, text=text, context=context, **options))
    finally:
        if progress is not None:
            progress.close()


async def aresume(
    run_id: str,
    *,
    on_event: EventHandler | None = None,
    on_review: ReviewHandler | None = None,
    answer: Any = None,
    **overrides: Any,
) -> VideoResult:
    """Continue a run from its last checkpoint (after a crash, or a paused review)."""
    from langgraph.types import Command

    from lessonreel.graph.runner import thread_state

    ctx = stored_context(run_id, **overrides)
    values, pending = await thread_state(run_id)
    if not pending:
        return result_from_values(run_id, values)
    payload: Any = Command(resume=answer) if answer is not None else None
    outcome = await _run_kept(
        run_id,
        ctx,
        run_graph(payload, run_id=run_id, context=ctx, on_event=on_event, on_review=on_review),
    )
    return result_from_values(run_id, outcome.values, outcome.interrupted)


def resume(run_id: str, **overrides: Any) -> VideoResult:
    """Sync twin of :func:`aresume`."""
    return _run(aresume(run_id, **overrides))


async def aupscale(
    run_id: str,
    shots: Sequence[int],
    *,
    model: str | None = None,
    size: str | None = None,
    on_event: EventHandler | None = None,
    **overrides: Any,
) -> VideoResult:
    """Re-render ``shots`` (0-based indexes) at a higher tier, then re-assemble the lesson."""
    from lessonreel.graph.plan import next_tier
    from lessonreel.graph.services import price_table

    ctx = stored_context(run_id, **overrides)
    ctx.draft = False
    ctx.review = False
    ctx.video_model = model or next_tier(ctx.provider, ctx.video_model, price_table(ctx))
    if size:
        ctx.size = size
    outcome = await _run_kept(
        run_id,
        ctx,
        run_graph({"upscale": list(shots)}, run_id=run_id, context=ctx, on_event=on_event),
    )
    return result_from_values(run_id, outcome.values)


def upscale(run_id: str, shots: Sequence[int], **kwargs: Any) -> VideoResult:
    """Sync twin of :func:`aupscale`."""
    return _run(aupscale(run_id, shots, **kwargs))
