"""The ``lessonreel`` command line: one typer app, every command registered here.

Command modules keep heavy imports (chromadb, av, langgraph) inside the command functions so
``lessonreel --help`` stays fast. No failure prints a traceback unless ``--debug`` (or
``LESSONREEL_DEBUG=1``) asks for it.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from lessonreel.app import (
    cli_batch,
    cli_emulator,
    cli_export,
    cli_inspect,
    cli_runs,
    cli_safety,
    cli_serve,
    cli_voices,
    cli_worker,
)
from lessonreel.app.cli_errors import DEBUG_ENV, debug_enabled


def _options(
    debug: Annotated[
        bool,
        typer.Option("--debug", help="Show tracebacks (also LESSONREEL_DEBUG=1)."),
    ] = False,
) -> None:
    """Turn a lesson into a short educational video."""
    if debug:
        os.environ[DEBUG_ENV] = "1"


def build_app() -> typer.Typer:
    """The typer app with every command, in the order ``--help`` lists them."""
    app = typer.Typer(
        name="lessonreel",
        help="Turn a lesson into a short educational video.",
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode="rich",
        pretty_exceptions_enable=False,
    )
    app.callback()(_options)
    app.command()(cli_runs.make)
    app.command()(cli_runs.plan)
    app.command()(cli_batch.batch)
    app.command()(cli_inspect.runs)
    app.command()(cli_inspect.show)
    app.command()(cli_runs.resume)
    app.command()(cli_runs.upscale)
    app.command()(cli_inspect.providers)
    app.command()(cli_voices.voices)
    app.command("screen")(cli_safety.screen)
    app.add_typer(cli_safety.blocklist_app, name="blocklist")
    app.command("emulator")(cli_emulator.emulator)
    app.command()(cli_inspect.webhooks)
    app.command("serve")(cli_serve.serve)
    app.command("export")(cli_export.export)
    app.command()(cli_worker.worker)
    return app


app = build_app()


def main() -> None:
    """Console-script entry point: an unexpected failure is one line unless debugging."""
    args = sys.argv[1:]
    if "--debug" in args[: args.index("--") if "--" in args else len(args)]:
        args.remove("--debug")  # accepted after the command too: `lessonreel plan X --debug`
        os.environ[DEBUG_ENV] = "1"
    try:
        app(args=args)
    except KeyboardInterrupt:
        typer.echo("interrupted — a run can be continued with: lessonreel resume last", err=True)
        sys.exit(130)
    except Exception as exc:
        if debug_enabled():
            raise
        from lessonreel.app.cli_common import clean

        message = clean(str(exc))[:500] or "(no message)"
        typer.echo(f"error: {type(exc).__name__}: {message}", err=True)
        typer.echo("  this was not expected; --debug shows the traceback", err=True)
        sys.exit(1)
