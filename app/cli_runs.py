"""Run commands: make, plan, resume, upscale (runs, show, providers, webhooks: cli_inspect).

Heavy imports (LangGraph, the agents, PyAV) stay inside the commands so ``lessonreel --help``
is fast. Exit codes: 0 done, 1 failed, 2 bad input, 3 stopped by the budget or a quota.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from lessonreel.app.cli_args import lesson_source, parse_shots, shot_count
from lessonreel.app.cli_common import (
    BaseUrlOpt,
    BudgetOpt,
    BurnCaptionsOpt,
    DirectorOpt,
    DraftOpt,
    EmulatorConfigOpt,
    JsonOpt,
    ModelOpt,
    NarrationOpt,
    PricesOpt,
    ProviderOpt,
    ReviewOpt,
    SanitizerOpt,
    SecondsOpt,
    SizeOpt,
    SpeakingRateOpt,
    VoiceOpt,
    fail,
    run_or_fail,
    stderr_console,
)
from lessonreel.app.cli_outcome import execute_run, finish_run
from lessonreel.app.voices import narration_problem


def _context(**options: Any) -> Any:
    """Build a Context from the options given (None: env fallback and defaults apply)."""
    from lessonreel.graph.context import Context

    try:
        return Context(**{k: v for k, v in options.items() if v is not None})
    except ValueError as exc:
        raise fail(str(exc)) from None


def _check_context(ctx: Any, *, need_keys: bool = True, speaks: bool = False) -> None:
    """Reject an unknown provider/model/size/voice or a missing key before anything runs.

    ``speaks``: the voice must also be able to speak here (``make``; ``plan`` only prices it).
    """
    import os

    from lessonreel.graph.plan import render_settings
    from lessonreel.video.providers.factory import provider_names, required_env
    from lessonreel.video.types import ProviderError

    names = provider_names()
    if ctx.provider not in names:
        raise fail(
            f"unknown provider {ctx.provider!r}; choose one of {', '.join(sorted(names))} "
            "(see `lessonreel providers`)"
        )
    try:
        render_settings(ctx)
        needed = required_env(ctx.provider)
    except ProviderError as exc:
        raise fail(exc.error.message) from None
    except ValueError as exc:  # an unreadable price file
        raise fail(str(exc)) from None
    problem = narration_problem(ctx, ready=speaks)  # speaks: refused now, not silent later
    if problem is not None:
        raise fail(problem)
    missing = [v for v in needed if not os.environ.get(v)] if need_keys else []
    if ctx.base_url:
        missing = [v for v in missing if "KEY" in v]
    if missing:
        raise fail(f"provider {ctx.provider!r} needs {', '.join(missing)} in the environment")
    _check_agents(ctx)


def _check_agents(ctx: Any) -> None:
    """``--director llm`` / ``--sanitizer llm`` without a chat key fails before any work."""
    from lessonreel.agents.models import ChatConfigError, choose_chat_model

    for role, choice in (("director", ctx.director), ("sanitizer", ctx.sanitizer)):
        if choice == "llm":
            try:
                choose_chat_model(role, choice, base_url=ctx.chat_base_url)
            except ChatConfigError as exc:
                raise fail(str(exc)) from None


def _check_out(out: Path | None, lesson_path: str | None) -> None:
    """``--out`` is checked before anything is read, planned or rendered."""
    if out is None:
        return
    from lessonreel.app.out_guard import OutputDirError, check_output_dir

    try:
        check_output_dir(out, lesson_path=lesson_path)
    except OutputDirError as exc:
        raise fail(str(exc)) from None


def make_context(
    *,
    out: Path | None,
    provider: str | None,
    base_url: str | None,
    model: str | None,
    size: str | None,
    budget: float | None,
    seconds: int | None,
    draft: bool,
    review: bool,
    emulator_config: Path | None,
    prices: Path | None = None,
    director: str | None = None,
    sanitizer: str | None = None,
    burn_captions: bool = False,
    need_keys: bool = True,
    voice: str | None = None,
    narration: bool = True,
    speaking_rate: float | None = None,
) -> Any:
    """The checked Context of ``make``'s options (``batch`` shares it); bad input exits 2.

    ``need_keys=False`` when the provider is called elsewhere (Temporal workers hold the keys).
    """
    ctx = _context(
        provider=provider,
        base_url=base_url,
        video_model=model,
        size=size,
        budget_usd=budget,
        target_seconds=seconds,
        draft=draft or None,
        review=review or None,
        director=director,
        sanitizer=sanitizer,
        output_dir=str(out) if out is not None else None,
        emulator_config=str(emulator_config) if emulator_config is not None else None,
        prices=str(prices) if prices is not None else None,
        burn_captions=burn_captions or None,
        voice=voice,
        narration=None if narration else False,
        speaking_rate=speaking_rate,
    )
    _check_context(ctx, need_keys=need_keys, speaks=need_keys)
    return ctx


def _average_seconds(ctx: Any) -> float | None:
    import sqlite3

    from lessonreel.store.ledger import Ledger

    try:
        with Ledger.open() as ledger:
            avg: float | None = ledger.average_job_seconds(ctx.provider, ctx.video_model)
    except (sqlite3.Error, OSError):
        return None  # a full disk or read-only home: the run itself says so, in one line
    return avg


def _review_handler(console: Any, view: Any, ctx: Any, *, interactive: bool) -> Any:
    """The terminal review (live display stopped while asking), or None to pause the run."""
    if not interactive:
        return None
    from lessonreel.app.cli_review import review_prompt
    from lessonreel.graph.plan import legal_seconds

    legal = legal_seconds(ctx)

    def ask(request: dict[str, Any]) -> Any:
        with view.paused():
            return review_prompt(console, request, legal)

    return ask


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
    size: SizeOpt = None,
    budget: BudgetOpt = None,
    seconds: SecondsOpt = None,
    voice: VoiceOpt = None,
    narration: NarrationOpt = True,
    speaking_rate: SpeakingRateOpt = None,
    draft: DraftOpt = False,
    review: ReviewOpt = False,
    director: DirectorOpt = None,
    sanitizer: SanitizerOpt = None,
    emulator_config: EmulatorConfigOpt = None,
    prices: PricesOpt = None,
    burn_captions: BurnCaptionsOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Turn a lesson into lesson.mp4 with captions, a storyboard and a report."""
    from lessonreel.app.api import amake_video
    from lessonreel.app.cli_view import RunView

    _check_out(out, lesson if lesson != "-" else None)
    ctx = make_context(
        out=out,
        provider=provider,
        base_url=base_url,
        model=model,
        size=size,
        budget=budget,
        seconds=seconds,
        draft=draft,
        review=review,
        voice=voice,
        narration=narration,
        speaking_rate=speaking_rate,
        director=director,
        sanitizer=sanitizer,
        emulator_config=emulator_config,
        prices=prices,
        burn_captions=burn_captions,
    )
    path, text = lesson_source(lesson)
    console = stderr_console()
    with RunView(console, average_seconds=_average_seconds(ctx), budget=ctx.budget_usd) as view:
        result = execute_run(
            amake_video(
                path,
                text=text,
                context=ctx,
                on_event=view.on_event,
                on_review=_review_handler(console, view, ctx, interactive=sys.stdin.isatty())
                if ctx.review
                else None,
            ),
            ctx,
        )
    finish_run(result, as_json=as_json)


def plan(
    lesson: Annotated[str, typer.Argument(help="Lesson file, or - for stdin.")],
    provider: ProviderOpt = None,
    model: ModelOpt = None,
    size: Annotated[str | None, typer.Option(help="Clip size WIDTHxHEIGHT.")] = None,
    seconds: Annotated[int | None, typer.Option("--seconds", min=4, help="Target length.")] = None,
    voice: Annotated[str | None, typer.Option(help="Narrator's voice (priced).")] = None,
    speaking_rate: Annotated[float | None, typer.Option(help="Narration speed, 0.5-2.0.")] = None,
    draft: Annotated[bool, typer.Option(help="Price the cheapest legal setting.")] = False,
    director: DirectorOpt = None,
    prices: PricesOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print storyboard + estimate JSON.")
    ] = False,
) -> None:
    """Write the storyboard and estimate the cost; nothing is rendered or spent."""
    from rich.console import Console

    from lessonreel.app.api import aplan_storyboard

    ctx = _context(
        provider=provider,
        video_model=model,
        size=size,
        target_seconds=seconds,
        voice=voice,
        speaking_rate=speaking_rate,
        draft=draft or None,
        director=director,
        prices=str(prices) if prices is not None else None,
    )
    _check_context(ctx)
    path, text = lesson_source(lesson)
    result = execute_run(aplan_storyboard(path, text=text, context=ctx), ctx)
    if as_json:
        payload = {
            "storyboard": result.storyboard.model_dump(mode="json"),
            "estimate": result.estimate.model_dump(mode="json"),
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    Console().print(result)


def resume(
    run_id: Annotated[
        str, typer.Argument(metavar="RUN", help="Run id, a unique prefix of it, or `last`.")
    ],
    approve: Annotated[
        bool,
        typer.Option("--approve", help="Approve a storyboard awaiting review (no terminal)."),
    ] = False,
    out: Annotated[
        Path | None, typer.Option(help="Write the lesson files to this folder instead.")
    ] = None,
    base_url: BaseUrlOpt = None,
    director: DirectorOpt = None,
    sanitizer: SanitizerOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Continue a run from its last checkpoint (after a crash or a paused review)."""
    from lessonreel.app.api import aresume
    from lessonreel.app.cli_view import RunView
    from lessonreel.graph.runner import stored_context

    run_id = str(run_or_fail(run_id)["run_id"])
    _check_out(out, None)
    overrides: dict[str, Any] = {
        "base_url": base_url,
        "director": director,
        "sanitizer": sanitizer,
        "output_dir": str(out) if out is not None else None,
    }
    try:
        ctx = stored_context(run_id, **overrides)
    except ValueError as exc:
        raise fail(str(exc)) from None
    _check_agents(ctx)
    if ctx.output_dir and out is None:
        _check_out(Path(ctx.output_dir), None)
    console = stderr_console()
    with RunView(console, average_seconds=_average_seconds(ctx), budget=ctx.budget_usd) as view:
        result = execute_run(
            aresume(
                run_id,
                answer="approve" if approve else None,
                on_event=view.on_event,
                on_review=_review_handler(
                    console, view, ctx, interactive=sys.stdin.isatty() and not approve
                ),
                **overrides,
            ),
            ctx,
        )
    finish_run(result, as_json=as_json)


def upscale(
    run_id: Annotated[
        str, typer.Argument(metavar="RUN", help="Run id, a unique prefix of it, or `last`.")
    ],
    shots: Annotated[str, typer.Option(help="Shot numbers to re-render, e.g. 2,5.")],
    model: ModelOpt = None,
    size: Annotated[str | None, typer.Option(help="New clip size WIDTHxHEIGHT.")] = None,
    base_url: BaseUrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Re-render chosen shots at a higher tier and re-assemble the lesson."""
    from lessonreel.app.api import aupscale
    from lessonreel.app.cli_common import say
    from lessonreel.app.cli_view import RunView
    from lessonreel.graph.runner import stored_context

    run = run_or_fail(run_id)
    run_id = str(run["run_id"])
    count = shot_count(run)
    if count == 0:
        raise fail(
            f"run {run_id} has no storyboard yet — finish it first: lessonreel resume {run_id}"
        )
    indexes = parse_shots(shots, count)
    ctx = stored_context(run_id, base_url=base_url)
    if ctx.output_dir:
        _check_out(Path(ctx.output_dir), None)
    console = stderr_console()
    numbers = ", ".join(str(i + 1) for i in indexes)
    say(console, f"Upscaling shots {numbers} of {run['title']}")
    with RunView(console, average_seconds=None) as view:
        result = execute_run(
            aupscale(
                run_id,
                indexes,
                model=model,
                size=size,
                base_url=base_url,
                on_event=view.on_event,
            ),
            ctx,
        )
    finish_run(result, as_json=as_json)
