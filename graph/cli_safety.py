"""Safety commands: ``screen`` and ``blocklist``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach the safety commands to ``app``."""
