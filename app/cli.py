"""The ``lessonreel`` command line: one typer app, every command registered here.

Command modules keep heavy imports (chromadb, av, langgraph) inside the command functions so
``lessonreel --help`` stays fast.
"""

from __future__ import annotations

import typer

from lessonreel.app import cli_emulator, cli_inspect, cli_runs, cli_safety, cli_voices


def build_app() -> typer.Typer:
    """The typer app with every command, in the order ``--help`` lists them."""
    app = typer.Typer(
        name="lessonreel",
        help="Turn a lesson into a short educational video.",
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode="rich",
    )
    app.command()(cli_runs.make)
    app.command()(cli_runs.plan)
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
    return app


app = build_app()


def main() -> None:
    """Console-script entry point."""
    app()
