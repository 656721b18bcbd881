"""``lessonreel export RUN --scorm``: package a finished run for a school's LMS."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lessonreel.app.cli_common import fail, run_or_fail


def export(
    run_id: Annotated[str, typer.Argument(metavar="RUN", help="Run id (see `lessonreel runs`).")],
    scorm: Annotated[
        bool, typer.Option("--scorm", help="A SCORM 1.2 zip: video, captions and the quiz.")
    ] = False,
    out: Annotated[
        Path | None, typer.Option(help="Where to write the zip (default: next to the video).")
    ] = None,
) -> None:
    """Export a finished run (SCORM 1.2 for Moodle, Canvas, Blackboard)."""
    from lessonreel.app.web.scorm import ExportError, build_scorm

    if not scorm:
        raise fail("choose what to export: --scorm")
    run = run_or_fail(run_id)
    if not run.get("out_dir"):
        raise fail(f"run {run['run_id']} has not finished — lessonreel resume {run['run_id']}")
    if out is not None and out.suffix.lower() != ".zip":
        raise fail(f"--out must name a .zip file, not {out}")
    try:
        path = build_scorm(Path(str(run["out_dir"])), str(run["run_id"]), out)
    except ExportError as exc:
        raise fail(str(exc)) from None
    typer.echo(str(path))
