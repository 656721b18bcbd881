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

EXIT_BAD_INPUT = 2

ProviderOpt = Annotated[
    str | None,
    typer.Option(help="Video provider: local ($0 emulator), openai, azure, … (see `providers`)."),
]
BaseUrlOpt = Annotated[
    str | None, typer.Option("--base-url", help="Provider base URL (gateway or emulator).")
]
ModelOpt = Annotated[str | None, typer.Option(help="Video model, e.g. sora-2 or sora-2-pro.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the run report as JSON on stdout.")]


def _stderr() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _context(**options: Any) -> Any:
    """Build a Context from the options given (None: env fallback and defaults apply)."""
    from lessonreel.graph.context import Context

    try:
        return Context(**{k: v for k, v in options.items() if v is not None})
    except ValueError as exc:
        raise _fail(str(exc)) from None


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
        raise _fail(exc.error.message) from None
    missing = [v for v in needed if not os.environ.get(v)]
    if ctx.base_url:
        missing = [v for v in missing if "KEY" in v]
    if missing:
        raise _fail(f"provider {ctx.provider!r} needs {', '.join(missing)} in the environment")


def _average_seconds(ctx: Any) -> float | None:
    from lessonreel.store.ledger import Ledger

    with Ledger.open() as ledger:
        avg: float | None = ledger.average_job_seconds(ctx.provider, ctx.video_model)
    return avg


def _finish(result: Any, *, as_json: bool) -> None:
    """Print where everything went (or the JSON report) and exit with the run's code."""
    from lessonreel.graph.api import summary_line
    from lessonreel.graph.cli_view import files_table

    console = _stderr()
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
        raise _fail(str(exc)) from None
    except RunNotFoundError as exc:
        raise _fail(str(exc.args[0])) from None
    except ProviderError as exc:
        code = EXIT_BAD_INPUT if exc.error.kind is ErrorKind.INVALID_REQUEST else 1
        raise _fail(exc.error.message, code) from None


def _lesson_source(lesson: str) -> tuple[str | None, str | None]:
    """``(path, None)`` for a file, ``(None, text)`` for ``-`` (stdin, which must not be empty)."""
    if lesson != "-":
        return lesson, None
    text = sys.stdin.read()
    if not text.strip():
        raise _fail("the lesson on stdin is empty — pipe a lesson text, e.g. `cat lesson.md |`")
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
        int | None, typer.Option("--seconds", min=4, help="Target video length [default: 60].")
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
    from lessonreel.graph.api import amake_video
    from lessonreel.graph.cli_view import RunView, review_prompt

    path, text = _lesson_source(lesson)
    ctx = _context(
        provider=provider,
        base_url=base_url,
        video_model=model,
        size=size,
        budget_usd=budget,
        target_seconds=seconds,
        draft=draft or None,
        review=review or None,
        output_dir=str(out) if out is not None else None,
        emulator_config=str(emulator_config) if emulator_config is not None else None,
    )
    _check_context(ctx)
    console = _stderr()
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
    draft: Annotated[bool, typer.Option(help="Price the cheapest legal setting.")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print storyboard + estimate JSON.")
    ] = False,
) -> None:
    """Write the storyboard and estimate the cost; nothing is rendered or spent."""
    from rich.console import Console

    from lessonreel.graph.api import aplan_storyboard

    path, text = _lesson_source(lesson)
    ctx = _context(
        provider=provider, video_model=model, size=size, target_seconds=seconds, draft=draft or None
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


def _run_or_fail(run_id: str) -> dict[str, Any]:
    from lessonreel.store.home import check_run_id
    from lessonreel.store.ledger import Ledger

    try:
        check_run_id(run_id)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    with Ledger.open() as ledger:
        run: dict[str, Any] | None = ledger.get_run(run_id)
    if run is None:
        raise _fail(f"no run {run_id!r} — see `lessonreel runs` for run ids")
    return run


def resume(
    run_id: Annotated[str, typer.Argument(metavar="RUN", help="Run id to continue.")],
    base_url: BaseUrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Continue a run from its last checkpoint (after a crash or a paused review)."""
    from lessonreel.graph.api import aresume
    from lessonreel.graph.cli_view import RunView, review_prompt
    from lessonreel.graph.runner import stored_context

    _run_or_fail(run_id)
    ctx = stored_context(run_id, base_url=base_url)
    console = _stderr()
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
        raise _fail(f"--shots {text!r}: give shot numbers like 2,5") from None
    if not numbers or numbers[0] < 1:
        raise _fail("--shots: shot numbers start at 1 (as in storyboard.md)")
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
    from lessonreel.graph.api import aupscale
    from lessonreel.graph.cli_view import RunView

    run = _run_or_fail(run_id)
    indexes = _parse_shots(shots)
    console = _stderr()
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


def register(app: typer.Typer) -> None:
    """Attach the run commands to ``app``."""
    from lessonreel.graph import cli_inspect

    app.command()(make)
    app.command()(plan)
    app.command()(cli_inspect.runs)
    app.command()(cli_inspect.show)
    app.command()(resume)
    app.command()(upscale)
    app.command()(cli_inspect.providers)
    app.command()(cli_inspect.webhooks)
