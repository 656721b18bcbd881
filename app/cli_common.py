"""What every command shares: option types, one-line failures, run lookup, the stderr console."""

from __future__ import annotations

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
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the run report as JSON on stdout.")]


def stderr_console() -> Any:
    """The console for progress and messages (stdout stays for --json)."""
    from rich.console import Console

    return Console(stderr=True)


def fail(message: str, code: int = EXIT_BAD_INPUT) -> typer.Exit:
    """Print a one-line error and return the Exit to raise (2: bad input)."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def run_or_fail(run_id: str) -> dict[str, Any]:
    """The ledger row of ``run_id``, or a one-line error naming how to list runs."""
    from lessonreel.store.home import check_run_id
    from lessonreel.store.ledger import Ledger

    try:
        check_run_id(run_id)
    except ValueError as exc:
        raise fail(str(exc)) from None
    with Ledger.open() as ledger:
        run: dict[str, Any] | None = ledger.get_run(run_id)
    if run is None:
        raise fail(f"no run {run_id!r} — see `lessonreel runs` for run ids")
    return run
