"""Run commands: make, plan, resume, upscale (runs, show, providers, webhooks: cli_inspect).

Heavy imports (LangGraph, the agents, PyAV) stay inside the commands so ``lessonreel --help``
is fast. Exit codes: 0 done, 1 failed, 2 bad input, 3 stopped by the budget or a quota.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from lessonreel.app.cli_common import (
    EXIT_BAD_INPUT,
    BaseUrlOpt,
    JsonOpt,
    ModelOpt,
    ProviderOpt,
    fail,
    run_or_fail,
    stderr_console,
)


def _context(**options: Any) -> Any:
    """Build a Context from the options given (None: env fallback and defaults apply)."""
    from lessonreel.graph.context import Context

    try:
        return Context(**{k: v for k, v in options.items() if v is not None})
    except ValueError as exc:
        raise fail(str(exc)) from None


def _check_context(ctx: Any) -> None:
    """Reject an unknown provider/model/size or a missing key before anything runs."""
    import os

    from lessonreel.graph.plan import render_settings
    from lessonreel.video.providers.factory import required_env
    from lessonreel.video.types import ProviderError

    try:
        render_settings(ctx)
        needed = required_env(ctx.provider)
    except ProviderError as exc:
        raise fail(exc.error.message) from None
    if getattr(ctx, "voice", None):
        from lessonreel.video.narration.registry import engine_for

        try:
            engine_for(ctx.voice)
        except ValueError as exc:
            raise fail(str(exc)) from None
    if not 0.5 <= getattr(ctx, "speaking_rate", 1.0) <= 2.0:
        raise fail(f"--speaking-rate {ctx.speaking_rate:g} is outside 0.5-2.0")
    missing = [v for v in needed if not os.environ.get(v)]
    if ctx.base_url:
        missing = [v for v in missing if "KEY" in v]
    if missing:
        raise fail(f"provider {ctx.provider!r} needs {', '.join(missing)} in the environment")


def _average_seconds(ctx: Any) -> float | None:
    from lessonreel.store.ledger import Ledger

    with Ledger.open() as ledger:
        avg: float | None = ledger.average_job_seconds(ctx.provider, ctx.video_model)
    return avg


def _finish(result: Any, *, as_json: bool) -> None:
    """Print where everything went (or the JSON report) and exit with the run's code."""
    from lessonreel.app.api import summary_line
    from lessonreel.app.cli_view import files_table

    console = stderr_console()
    if result.report is None:
        if result.review is not None:
            console.print(
                f"Run {result.run_id} is waiting for review: lessonreel resume {result.run_id}"
            )
        raise typer.Exit(result.exit_code)
    report = result.report.model_dump(mode="json")
    if as_json:
        typer.echo(json.dumps(report, indent=2))
    console.print(summary_line(result.report))
    for gap in result.report.gaps:
        console.print(f"  shot {gap.index + 1}: {gap.outcome} — {gap.reason}")
    for label, path in files_table(report):
        console.print(f"{label:>15}: {path}")
    console.print(f"{'Run id':>15}: {result.run_id}")
    raise typer.Exit(result.exit_code)


def _execute(coro: Any) -> Any:
    """Run a run coroutine; provider refusals become one-line errors, others exit 1."""
    from lessonreel.agents.ingest import LessonInputError
    from lessonreel.graph.runner import RunNotFoundError
    from lessonreel.video.types import ErrorKind, ProviderError

    try:
        return asyncio.run(coro)
    except LessonInputError as exc:
        raise fail(str(exc)) from None
    except RunNotFoundError as exc:
        raise fail(str(exc.args[0])) from None
    except ProviderError as exc:
        code = EXIT_BAD_INPUT if exc.error.kind is ErrorKind.INVALID_REQUEST else 1
        raise fail(exc.error.message, code) from None


def _lesson_source(lesson: str) -> tuple[str | None, str | None]:
    """``(path, None)`` for a file, ``(None, text)`` for ``-`` (stdin, which must not be empty)."""
    if lesson != "-":
        return lesson, None
    text = sys.stdin.read()
    if not text.strip():
        raise fail("the lesson on stdin is empty — pipe a lesson text, e.g. `cat lesson.md |`")
    return None, text


def make(
    lesson: Annotated[
        str, typer.Argument(help="Lesson file (.md .txt .pdf .docx .pptx .html), or - for stdin.")
    ],
    out: Annotated[
        Path | None, typer.Option(help="Folder for lesson.mp4, captions, storyboard, report.")
    ] = None,
    provider: ProviderOpt = None,
    base_url: BaseUrlOpt = None,
    model: ModelOpt = None,
    size: Annotated[str | None, typer.Option(help="Clip size WIDTHxHEIGHT.")] = None,
    budget: Annotated[
        float | None, typer.Option(min=0.0, help="Spend cap in USD (downgrade, then stop).")
    ] = None,
    seconds: Annotated[
        int | None,
        typer.Option("--seconds", min=4, help="Target video length [default: from the lesson]."),
    ] = None,
    voice: Annotated[
        str | None, typer.Option(help="Narrator's voice (see: lessonreel voices).")
    ] = None,
    narration: Annotated[
        bool, typer.Option("--narration/--no-narration", help="Speak the narration.")
    ] = True,
    speaking_rate: Annotated[
        float | None, typer.Option(help="Narration speed, 0.5-2.0 (1.0 natural).")
    ] = None,
    draft: Annotated[bool, typer.Option(help="Cheapest legal setting for every shot.")] = False,
    review: Annotated[
        bool, typer.Option("--review/--yes", help="Approve or edit the storyboard first.")
    ] = False,
    emulator_config: Annotated[
        Path | None, typer.Option(help="YAML/JSON emulator settings for the local provider.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Turn a lesson into lesson.mp4 with captions, a storyboard and a report."""
    from lessonreel.app.api import amake_video
    from lessonreel.app.cli_view import RunView, review_prompt

    path, text = _lesson_source(lesson)
    ctx = _context(
        provider=provider,
        base_url=base_url,
        video_model=model,
        size=size,
        budget_usd=budget,
        target_seconds=seconds,
        voice=voice,
        narration=None if narration else False,
        speaking_rate=speaking_rate,
        draft=draft or None,
        review=review or None,
        output_dir=str(out) if out is not None else None,
        emulator_config=str(emulator_config) if emulator_config is not None else None,
    )
    _check_context(ctx)
    console = stderr_console()
    with RunView(console, average_seconds=_average_seconds(ctx), budget=ctx.budget_usd) as view:
        result = _execute(
            amake_video(
                path,
                text=text,
                context=ctx,
                on_event=view.on_event,
                on_review=(lambda req: review_prompt(console, req)) if ctx.review else None,
            )
        )
    _finish(result, as_json=as_json)


def plan(
    lesson: Annotated[str, typer.Argument(help="Lesson file, or - for stdin.")],
    provider: ProviderOpt = None,
    model: ModelOpt = None,
    size: Annotated[str | None, typer.Option(help="Clip size WIDTHxHEIGHT.")] = None,
    seconds: Annotated[int | None, typer.Option("--seconds", min=4, help="Target length.")] = None,
    voice: Annotated[str | None, typer.Option(help="Narrator's voice (priced).")] = None,
    speaking_rate: Annotated[float | None, typer.Option(help="Narration speed, 0.5-2.0.")] = None,
    draft: Annotated[bool, typer.Option(help="Price the cheapest legal setting.")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print storyboard + estimate JSON.")
    ] = False,
) -> None:
    """Write the storyboard and estimate the cost; nothing is rendered or spent."""
    from rich.console import Console

    from lessonreel.app.api import aplan_storyboard

    path, text = _lesson_source(lesson)
    ctx = _context(
        provider=provider,
        video_model=model,
        size=size,
        target_seconds=seconds,
        voice=voice,
        speaking_rate=speaking_rate,
        draft=draft or None,
    )
    _check_context(ctx)
    result = _execute(aplan_storyboard(path, text=text, context=ctx))
    if as_json:
        payload = {
            "storyboard": result.storyboard.model_dump(mode="json"),
            "estimate": result.estimate.model_dump(mode="json"),
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    Console().print(result)


def resume(
    run_id: Annotated[str, typer.Argument(metavar="RUN", help="Run id to continue.")],
    base_url: BaseUrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Continue a run from its last checkpoint (after a crash or a paused review)."""
    from lessonreel.app.api import aresume
    from lessonreel.app.cli_view import RunView, review_prompt
    from lessonreel.graph.runner import stored_context

    run_or_fail(run_id)
    ctx = stored_context(run_id, base_url=base_url)
    console = stderr_console()
    with RunView(console, average_seconds=_average_seconds(ctx), budget=ctx.budget_usd) as view:
        result = _execute(
            aresume(
                run_id,
                base_url=base_url,
                on_event=view.on_event,
                on_review=lambda req: review_prompt(console, req),
            )
        )
    _finish(result, as_json=as_json)


def _parse_shots(text: str) -> list[int]:
    try:
        numbers = sorted({int(part) for part in text.replace(" ", "").split(",") if part})
    except ValueError:
        raise fail(f"--shots {text!r}: give shot numbers like 2,5") from None
    if not numbers or numbers[0] < 1:
        raise fail("--shots: shot numbers start at 1 (as in storyboard.md)")
    return [n - 1 for n in numbers]


def upscale(
    run_id: Annotated[str, typer.Argument(metavar="RUN", help="Run id to improve.")],
    shots: Annotated[str, typer.Option(help="Shot numbers to re-render, e.g. 2,5.")],
    model: ModelOpt = None,
    size: Annotated[str | None, typer.Option(help="New clip size WIDTHxHEIGHT.")] = None,
    base_url: BaseUrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Re-render chosen shots at a higher tier and re-assemble the lesson."""
    from lessonreel.app.api import aupscale
    from lessonreel.app.cli_view import RunView

    run = run_or_fail(run_id)
    indexes = _parse_shots(shots)
    console = stderr_console()
    console.print(f"Upscaling shots {', '.join(str(i + 1) for i in indexes)} of {run['title']}")
    with RunView(console, average_seconds=None) as view:
        result = _execute(
            aupscale(
                run_id,
                indexes,
                model=model,
                size=size,
                base_url=base_url,
                on_event=view.on_event,
            )
        )
    _finish(result, as_json=as_json)
