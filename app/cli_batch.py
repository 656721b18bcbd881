"""``lessonreel batch``: many lessons at once, in process (local) or on Temporal workers.

Exit codes summarise the batch: 0 every lesson done (slates included), 1 a lesson failed,
2 bad input (nothing ran), 3 a lesson was stopped by the budget or a quota.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from lessonreel.app.cli_common import (
    BaseUrlOpt,
    BudgetOpt,
    BurnCaptionsOpt,
    DirectorOpt,
    DraftOpt,
    EmulatorConfigOpt,
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
    say,
    stderr_console,
)

FINAL_STAGES = frozenset({"delivered", "given_up", "stopped"})


class BatchView:
    """Per-lesson progress as plain lines on stderr (many lessons do not fit in bars)."""

    def __init__(self, console: Any, total: int) -> None:
        self.console = console
        self.total = total
        self.done: dict[str, set[int]] = {}
        self.shots: dict[str, int] = {}

    def on_event(self, name: str, event: dict[str, Any]) -> None:
        """Print a lesson's start, its estimate and each shot that reaches its outcome."""
        kind = event.get("event")
        if kind == "lesson":
            say(self.console, f"[{name}] {event.get('stage')}")
        elif kind == "estimate":
            estimate = event["estimate"]
            self.shots[name] = len(estimate.get("per_shot", {}))
            line = f"[{name}] {self.shots[name]} shots, estimate ${estimate['usd']:.2f}"
            say(self.console, line)
        elif kind == "shot" and event.get("stage") in FINAL_STAGES:
            finished = self.done.setdefault(name, set())
            finished.add(int(event["index"]))
            total = self.shots.get(name, "?")
            line = (
                f"[{name}] shot {int(event['index']) + 1} {event['stage']} "
                f"({len(finished)}/{total})"
            )
            say(self.console, line)


def batch(
    lessons: Annotated[
        list[Path], typer.Argument(help="Lesson files (.md .txt .pdf .docx .pptx .html).")
    ],
    engine: Annotated[
        str, typer.Option(help="local: in this process; temporal: on `lessonreel worker`s.")
    ] = "local",
    out: Annotated[
        Path | None, typer.Option(help="Folder with one sub-folder per lesson (its name).")
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
    concurrent: Annotated[
        int,
        typer.Option(
            min=1,
            help="Lessons prepared at once (local engine): read, storyboard, narration; "
            "prepared lessons then wait on the provider together.",
        ),
    ] = 2,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print every lesson's outcome and report as JSON.")
    ] = False,
) -> None:
    """Make many lessons: each in its own folder, one provider-wide rate limit, one exit code."""
    import asyncio

    from lessonreel.app.batch import batch_exit_code, batch_lessons, run_local
    from lessonreel.app.cli_runs import make_context

    if engine not in ("local", "temporal"):
        raise fail(f"--engine {engine!r}: use local or temporal")
    if review and engine == "temporal":
        raise fail("--review pauses at each storyboard; Temporal batches run unattended (--yes)")
    ctx = make_context(
        out=None,
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
        need_keys=engine == "local",
    )
    if engine == "temporal" and ctx.provider == "local" and not ctx.base_url:
        raise fail(
            "the temporal engine needs a provider every worker reaches: serve one with "
            "`lessonreel emulator` and pass --base-url"
        )
    _check_lessons(lessons)
    items = batch_lessons(lessons, out)
    _check_outs(items)
    console = stderr_console()
    view = BatchView(console, len(items))
    say(console, f"Batch of {len(items)} lessons on the {engine} engine")
    if engine == "temporal":
        from lessonreel.app.temporal_batch import run_temporal
        from lessonreel.app.temporal_config import TemporalSettings, check_reachable

        try:
            check_reachable(TemporalSettings.from_env())
        except ConnectionError as exc:
            raise fail(str(exc), 1) from None

        try:
            outcomes = asyncio.run(
                run_temporal(items, ctx, on_event=view.on_event, console=console)
            )
        except RuntimeError as exc:  # no Temporal at the address, or the extra missing
            raise fail(f"temporal engine: {exc}", 1) from None
    else:
        outcomes = asyncio.run(run_local(items, ctx, on_event=view.on_event, concurrent=concurrent))
    code = batch_exit_code([o.exit_code for o in outcomes])
    for outcome in outcomes:
        where = f" → {outcome.message}" if outcome.message else ""
        say(console, f"{outcome.lesson.name}: {outcome.status} (run {outcome.run_id}){where}")
    if as_json:
        payload = {"exit_code": code, "lessons": [o.as_json() for o in outcomes]}
        typer.echo(json.dumps(payload, indent=2))
    delivered = sum(1 for o in outcomes if o.exit_code == 0)
    say(console, f"{delivered}/{len(outcomes)} lessons done")
    raise typer.Exit(code)


def _check_outs(items: list[Any]) -> None:
    """Every lesson's folder must be one a run may write (checked before anything runs)."""
    from lessonreel.app.out_guard import OutputDirError, check_output_dir

    for item in items:
        if item.out is None:
            continue
        try:
            check_output_dir(item.out, lesson_path=item.path)
        except OutputDirError as exc:
            raise fail(str(exc)) from None


def _check_lessons(paths: list[Path]) -> None:
    """Read every lesson before anything runs: one bad file fails the batch with exit 2."""
    from lessonreel.agents.ingest import LessonInputError
    from lessonreel.app.api import lesson_input

    for path in paths:
        try:
            lesson_input(path, None)
        except LessonInputError as exc:
            raise fail(f"{path}: {exc}") from None
