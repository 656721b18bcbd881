"""The ``lessonreel`` command line: one typer app, commands registered from their own modules.

Command modules keep heavy imports (chromadb, av, langgraph) inside the command functions so
``lessonreel --help`` stays fast.
"""

from __future__ import annotations

import typer

from lessonreel.graph import cli_runs, cli_safety
from lessonreel.video.emulator import cli as emulator_cli

app = typer.Typer(
    name="lessonreel",
    help="Turn a lesson into a short educational video.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)

cli_runs.register(app)
cli_safety.register(app)
app.command("emulator")(emulator_cli.emulator)


def main() -> None:
    """Console-script entry point."""
    app()
