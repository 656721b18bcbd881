"""The ``lessonreel emulator`` command: serve the provider emulator on loopback."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def emulator(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    latency: Annotated[
        float | None, typer.Option(min=0.0, help="Seconds each job takes to render (default 3).")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Seed for fault decisions and clips (default 0).")
    ] = None,
    webhook_url: Annotated[
        str | None, typer.Option(help="POST video.completed / video.failed events here.")
    ] = None,
    webhook_secret: Annotated[
        str | None, typer.Option(help="whsec_<base64> secret that signs the events.")
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", exists=True, dir_okay=False, help="YAML or JSON fault settings."),
    ] = None,
    profile: Annotated[
        str,
        typer.Option(
            help="Wire shape to serve: openai (/v1/videos), openrouter (/api/v1/videos), "
            "veo (Vertex :predictLongRunning), or all (each on its own path)."
        ),
    ] = "all",
) -> None:
    """Serve the provider emulator (real MP4 animatics, injectable faults)."""
    from pydantic import ValidationError

    from lessonreel.video.emulator.config import EmulatorConfig, load_config
    from lessonreel.video.emulator.server import serve

    overrides = {
        "latency": latency,
        "seed": seed,
        "webhook_url": webhook_url,
        "webhook_secret": webhook_secret,
    }
    try:
        if config is not None:
            settings = load_config(config, **overrides)
        else:
            plain = {k: v for k, v in overrides.items() if v is not None and "webhook" not in k}
            hooks = {k[8:]: v for k, v in overrides.items() if v is not None and "webhook" in k}
            settings = EmulatorConfig.model_validate({**plain, "webhooks": hooks})
    except (ValidationError, ValueError, OSError) as exc:
        typer.echo(f"error: invalid emulator config: {exc}", err=True)
        raise typer.Exit(2) from None
    shapes = {
        "openai": "/v1/videos",
        "openrouter": "/api/v1/videos",
        "veo": "/v1/projects/P/locations/L/publishers/google/models/M:predictLongRunning",
    }
    if profile != "all" and profile not in shapes:
        typer.echo(f"error: --profile must be one of all, {', '.join(shapes)}", err=True)
        raise typer.Exit(2)
    chosen = list(shapes) if profile == "all" else [profile]
    base = f"http://{host}:{port}"
    root = "/api/v1" if profile == "openrouter" else "/v1"
    typer.echo(
        f"lessonreel emulator: {base}{root} (latency {settings.latency:g} s, seed {settings.seed})"
    )
    for name in chosen:
        typer.echo(f"  {name}: {base}{shapes[name]}")
    if settings.webhooks.url:
        typer.echo(f"webhooks -> {settings.webhooks.url}")
    serve(settings, host=host, port=port, profiles=None if profile == "all" else chosen)
