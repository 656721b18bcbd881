"""``lessonreel voices``: the narrator's engines and voices, with price and licence."""

from __future__ import annotations

import json

import typer

from lessonreel.app.cli_common import JsonOpt


def voices(as_json: JsonOpt = False) -> None:
    """List the narrator's voices: engine, price, whether it works here, licence."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from lessonreel.app.voices import voice_choices

    choices = voice_choices()
    if as_json:
        rows = [
            {
                "voice": v.name,
                "engine": v.engine,
                "default": v.default,
                "ready": v.ready,
                "usd_per_minute": v.usd_per_minute,
                "description": v.description,
                "licence": v.licence,
            }
            for v in choices
        ]
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title="Narrator voices (--voice NAME)")
    for col in ("voice", "engine", "$/min", "ready", "licence"):
        table.add_column(col, overflow="fold")
    for v in choices:
        name = f"{v.name} (default)" if v.default else v.name
        status = "yes" if v.ready else f"needs {v.needs}"
        table.add_row(name, v.engine, f"{v.usd_per_minute:.3f}", Text(status), Text(v.licence))
    Console().print(table)
