"""The ``lessonreel emulator`` command."""

from __future__ import annotations

import typer


def emulator(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8765, help="Port to listen on."),
) -> None:
    """Serve the provider emulator on loopback."""
    raise typer.Exit(1)
