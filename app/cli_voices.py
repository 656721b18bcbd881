"""``lessonreel voices``: the narrator's engines and voices, with price and licence."""

from __future__ import annotations

import json

import typer

from lessonreel.app.cli_common import JsonOpt


def voices(as_json: JsonOpt = False) -> None:
    """List the narrator's voices: engine, price, whether it works here, licence."""
    from rich.console import Console
    from rich.table import Table

    from lessonreel.video.narration.openai_speech import speech_key
    from lessonreel.video.narration.piper import piper_available
    from lessonreel.video.narration.registry import all_voices, default_voice, speech_usd_per_char

    default = default_voice()
    rows = []
    for v in all_voices():
        ready = piper_available() if v.engine == "piper" else bool(speech_key())
        rows.append(
            {
                "voice": v.name,
                "engine": v.engine,
                "default": v.name == default,
                "ready": ready,
                "usd_per_minute": round(speech_usd_per_char(v.name) * 850, 4),
                "description": v.description,
                "licence": v.licence,
            }
        )
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title="Narrator voices (--voice NAME)")
    for col in ("voice", "engine", "$/min", "ready", "licence"):
        table.add_column(col, overflow="fold")
    for r in rows:
        name = f"{r['voice']} (default)" if r["default"] else str(r["voice"])
        status = (
            "yes" if r["ready"] else ("needs OPENAI_API_KEY" if r["engine"] == "openai" else "no")
        )
        table.add_row(
            name, str(r["engine"]), f"{r['usd_per_minute']:.3f}", status, str(r["licence"])
        )
    Console().print(table)
