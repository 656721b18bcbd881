"""``lessonreel serve``: the educator studio in the browser (loopback unless a token is set)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from lessonreel.app.cli_common import fail

TOKEN_ENV = "LESSONREEL_TOKEN"
MIN_TOKEN_CHARS = 16


def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on; off loopback a token is required.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    token: Annotated[
        str | None,
        typer.Option(
            help=f"Access token every request must carry (or set {TOKEN_ENV}).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Open the studio: paste a lesson, review the storyboard, watch progress, get the video."""
    from lessonreel.app.web.security import is_loopback

    token = token or os.environ.get(TOKEN_ENV) or None
    if token is not None and len(token) < MIN_TOKEN_CHARS:
        raise fail(f"the token is too short: use at least {MIN_TOKEN_CHARS} characters")
    if token is None and not is_loopback(host):
        raise fail(
            f"listening on {host} lets other machines in: give --token or set {TOKEN_ENV} "
            "(or keep the default --host 127.0.0.1)"
        )
    import uvicorn

    from lessonreel.app.web.server import create_app

    where = f"[{host}]" if ":" in host else host
    typer.echo(f"lessonreel studio: http://{where}:{port}/ (Ctrl+C stops it; runs can be resumed)")
    uvicorn.run(
        create_app(token=token),
        host=host,
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=3,
    )
