"""Run commands: make, plan, runs, show, resume, upscale, providers, webhooks."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach the run commands to ``app``."""
