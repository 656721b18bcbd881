"""The Python / notebook API: ``make_video`` and ``plan_storyboard`` (sync) and async twins.

Results display themselves in Jupyter (``_repr_html_``: the video player, the storyboard as a
table, the cost) and in a terminal through rich (``__rich__``).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import os
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from lessonreel.agents.schemas import Lesson, Storyboard
from lessonreel.graph.context import Context
from lessonreel.graph.report import RunReport
from lessonreel.graph.runner import EventHandler, ReviewHandler, run_graph, stored_context
from lessonreel.graph.state import CostEstimate
from lessonreel.video.pricing import shadow_text

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


@dataclass
class PlanResult:
    """A storyboard and its cost estimate; nothing was spent."""

    lesson: Lesson | None
    storyboard: Storyboard
    estimate: CostEstimate

    def _repr_html_(self) -> str:
        from lessonreel.app.notebook import estimate_html, storyboard_html

        return storyboard_html(self.storyboard, None) + estimate_html(estimate_text(self.estimate))

    def __repr__(self) -> str:
        return (
            f"<PlanResult {self.storyboard.title!r}: {len(self.storyboard.shots)} shots, "
            f"{self.storyboard.total_seconds} s, ${self.estimate.usd:.2f} on "
            f"{self.estimate.provider}>"
        )

    def __rich__(self) -> Any:
        from rich.console import Group
        from rich.text import Text

        return Group(_storyboard_table(self.storyboard, None), Text(estimate_text(self.estimate)))


@dataclass
class VideoResult:
    """A finished (or paused) run: where the lesson video went, and the report."""

    run_id: str
    video_path: Path | None
    captions_path: Path | None
    report: RunReport | None
    storyboard: Storyboard | None
    review: dict[str, Any] | None = None
    """The pending review request when the run paused at the storyboard (review mode)."""

    @property
    def exit_code(self) -> int:
        """The CLI's exit code for this result (0 done, 1 failed, 3 stopped)."""
        if self.report is None:
            return 0 if self.review is not None else 1
        code: int = self.report.exit_code
        return code

    def _repr_html_(self) -> str:
        from lessonreel.app.notebook import storyboard_html, video_html

        title = self.report.title if self.report else self.run_id
        parts = [f"<h3>{html.escape(title)}</h3>"]
        if self.video_path is not None and self.video_path.exists():
            parts.append(video_html(self.video_path, self.captions_path))
        if self.review is not None:
            parts.append(
                f"<p>Awaiting review: <code>resume({self.run_id!r}, answer='approve')</code></p>"
            )
        if self.storyboard is not None:
            parts.append(storyboard_html(self.storyboard, self.report))
        if self.report is not None:
            parts.append(f"<p>{html.escape(summary_line(self.report))}</p>")
        return "\n".join(parts)

    def __repr__(self) -> str:
        status = self.report.status if self.report else "awaiting review" if self.review else "-"
        return f"<VideoResult {self.run_id} {status}: {self.video_path}>"

    def __rich__(self) -> Any:
        from rich.console import Group
        from rich.text import Text

        items: list[Any] = []
        if self.storyboard is not None:
            items.append(_storyboard_table(self.storyboard, self.report))
        if self.report is not None:
            items.append(Text(summary_line(self.report)))
        return Group(*items)


def summary_line(report: RunReport) -> str:
    """One line: status, shots delivered, spend, and where the video is."""
    t = report.totals
    shadow = f" ({shadow_text(t.shadow_provider, t.shadow_usd)})" if t.shadow_provider else ""
    slates = ""
    if t.given_up or t.stopped:
        why = [f"{n} {what}" for n, what in ((t.given_up, "given up"), (t.stopped, "stopped")) if n]
        slates = f", {t.given_up + t.stopped} shown as slates ({', '.join(why)})"
    return (
        f"{report.status}: {t.delivered}/{t.shots} shots delivered{slates} · "
        f"spent ${t.spent_usd:.2f}{shadow} · {report.video_path}"
    )


def estimate_text(estimate: CostEstimate) -> str:
    """The estimate as one line (the review prompt and the notebook show it)."""
    text = (
        f"Estimate: {estimate.seconds} s on {estimate.provider}/{estimate.model} "
        f"{estimate.size} = ${estimate.usd:.2f}"
    )
    if estimate.shadow_provider:
        text += f" ({shadow_text(estimate.shadow_provider, estimate.shadow_usd)})"
    return text


def _storyboard_table(storyboard: Storyboard, report: RunReport | None) -> Any:
    from rich.table import Table
    from rich.text import Text

    from lessonreel.app.notebook import headers, storyboard_rows

    table = Table(title=Text(storyboard.title))
    for h in headers(report):
        table.add_column(h, overflow="fold")
    for row in storyboard_rows(storyboard, report):
        table.add_row(*(Text(c) for c in row))
    return table


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
