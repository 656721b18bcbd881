"""What every command shares: option types, one-line failures, run lookup, the stderr console."""

from __future__ import annotations

import re
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
PricesOpt = Annotated[
    Path | None,
    typer.Option(help="JSON price file: models to add to or replace in the built-in price table."),
]
DirectorOpt = Annotated[
    str | None,
    typer.Option(
        help="Director: auto (LLM when a chat key is set), llm, or offline (no network). "
        "Env: LESSONREEL_DIRECTOR."
    ),
]
SanitizerOpt = Annotated[
    str | None,
    typer.Option(help="Sanitizer: auto, llm, or offline. Env: LESSONREEL_SANITIZER."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the run report as JSON on stdout.")]
SizeOpt = Annotated[str | None, typer.Option(help="Clip size WIDTHxHEIGHT.")]
BudgetOpt = Annotated[
    float | None,
    typer.Option(
        min=0.0,
        help="Cap in USD on what the provider charges (downgrade, then stop); "
        "a free local run is never stopped.",
    ),
]
SecondsOpt = Annotated[
    int | None,
    typer.Option(
        "--seconds",
        min=4,
        help="Target length in seconds; default from the lesson (about a minute per objective).",
    ),
]
VoiceOpt = Annotated[str | None, typer.Option(help="Narrator's voice (see: lessonreel voices).")]
NarrationOpt = Annotated[
    bool, typer.Option("--narration/--no-narration", help="Speak the narration.")
]
SpeakingRateOpt = Annotated[
    float | None, typer.Option(help="Narration speed, 0.5-2.0 (1.0 natural).")
]
DraftOpt = Annotated[bool, typer.Option(help="Cheapest legal setting for every shot.")]
ReviewOpt = Annotated[
    bool, typer.Option("--review/--yes", help="Approve or edit the storyboard first.")
]
BurnCaptionsOpt = Annotated[
    bool, typer.Option(help="Burn captions into the picture (a soft track by default).")
]
EmulatorConfigOpt = Annotated[
    Path | None, typer.Option(help="YAML/JSON emulator settings for the local provider.")
]


_CONTROL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\\\)?|[\x00-\x1f\x7f-\x9f]"
)


def clean(value: object) -> str:
    """User or provider text made safe for one terminal line: escape sequences and controls go.

    Lesson titles and provider messages are data: an ESC sequence must not clear the screen.
    """
    return _CONTROL.sub(lambda m: " " if m.group() in "\n\t\r" else "", str(value))


def plain(value: object) -> Any:
    """A rich ``Text`` of cleaned user text: printed as is, never read as markup (``[/]``)."""
    from rich.text import Text

    return Text(clean(value))


def say(console: Any, text: object) -> None:
    """Print one line of (cleaned) text as is: no markup, no highlighting, no wrapping."""
    console.print(plain(text), soft_wrap=True, highlight=False)


def stderr_console() -> Any:
    """The console for progress and messages (stdout stays for --json)."""
    from rich.console import Console

    return Console(stderr=True)


def fail(message: str, code: int = EXIT_BAD_INPUT) -> typer.Exit:
    """Print a one-line error and return the Exit to raise (2: bad input)."""
    typer.echo(f"error: {clean(message)}", err=True)
    return typer.Exit(code)


def run_or_fail(run_id: str) -> dict[str, Any]:
    """The ledger row of a run named by id, unique prefix or ``last``; else a one-line error."""
    from lessonreel.store.home import match_run_id
    from lessonreel.store.ledger import Ledger

    with Ledger.open() as ledger:
        known = [str(r["run_id"]) for r in ledger.list_runs(1_000_000)]
        try:
            resolved = match_run_id(run_id, known)
        except LookupError as exc:
            raise fail(str(exc)) from None
        run: dict[str, Any] | None = ledger.get_run(resolved)
    if run is None:  # pragma: no cover - deleted between the two reads
        raise fail(f"no run {run_id!r} — see `lessonreel runs` for run ids")
    return run
