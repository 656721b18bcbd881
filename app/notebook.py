"""How results look in Jupyter: the storyboard table, the estimate, progress, the video player.

The video is embedded as a data URL up to :data:`EMBED_MAX_BYTES` (it plays in JupyterLab, VS Code
and a saved notebook alike); a larger one is linked by its path relative to the kernel's working
directory, which is the notebook's folder in JupyterLab. IPython is imported only here, and only
when a kernel is running.
"""

from __future__ import annotations

import base64
import html
import os
import time
from pathlib import Path
from typing import Any

from lessonreel.agents.schemas import Shot, Storyboard
from lessonreel.graph.report import RunReport
from lessonreel.graph.state import CostEstimate

EMBED_MAX_BYTES = 20_000_000
HEADERS = ("shot", "seconds", "what we see", "what is said", "outcome")


def said(shot: Shot) -> str:
    """What is said over a shot: the narration, else the on-camera dialogue."""
    return shot.narration.strip() or " ".join(d.line for d in shot.dialogue)


def headers(report: RunReport | None) -> tuple[str, ...]:
    """Column names: the outcome only once there is a report."""
    return HEADERS if report is not None else HEADERS[:-1]


def storyboard_rows(storyboard: Storyboard, report: RunReport | None) -> list[list[str]]:
    """One row per shot: number, seconds, what we see, what is said (and outcome)."""
    outcomes = {r.index: r for r in report.shots} if report is not None else {}
    rows = []
    for shot in storyboard.shots:
        result = outcomes.get(shot.index)
        status: str = result.outcome if result is not None else "planned"
        if result is not None and result.reason:
            status += f" ({result.reason})"
        row = [str(shot.index + 1), str(shot.duration), shot.action, said(shot)]
        rows.append([*row, status] if report is not None else row)
    return rows


def storyboard_html(storyboard: Storyboard, report: RunReport | None) -> str:
    """The storyboard as an HTML table (every cell escaped: lesson text is data)."""
    head = "".join(f"<th style='text-align:left'>{h}</th>" for h in headers(report))
    body = "".join(
        "<tr>"
        + "".join(f"<td style='text-align:left'>{html.escape(c)}</td>" for c in row)
        + "</tr>"
        for row in storyboard_rows(storyboard, report)
    )
    title = html.escape(storyboard.title)
    return (
        f"<table><caption style='text-align:left'><b>{title}</b></caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def media_src(path: Path, mime: str) -> str:
    """A ``src`` that plays in JupyterLab and VS Code: a data URL, or a path from the cwd."""
    size = path.stat().st_size
    if size <= EMBED_MAX_BYTES:
        return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")
    try:
        return Path(os.path.relpath(path, Path.cwd())).as_posix()
    except ValueError:  # another drive (Windows): only the absolute path is left
        return path.as_uri()


def video_html(video: Path, captions: Path | None) -> str:
    """A ``<video>`` element for the lesson, with its captions track when there is one."""
    track = ""
    vtt = captions.with_suffix(".vtt") if captions is not None else None
    if vtt is not None and vtt.exists():
        src = media_src(vtt, "text/vtt")
        track = f'<track kind="captions" srclang="en" label="Captions" src="{src}" default>'
    return (
        f'<video src="{media_src(video, "video/mp4")}" controls width="640">{track}</video>'
        f"<p><code>{html.escape(str(video))}</code></p>"
    )


def estimate_html(text: str) -> str:
    """The estimate line as HTML."""
    return f"<p>{html.escape(text)}</p>"


class NotebookProgress:
    """A progress display updated in place (one IPython display handle) while a run renders."""

    def __init__(self, handle: Any, html_type: Any) -> None:
        self.handle = handle
        self.html_type = html_type
        self.stages: dict[int, str] = {}
        self.note = "Writing the storyboard…"
        self.started = time.monotonic()
        self.last = 0.0

    def on_event(self, event: dict[str, Any]) -> None:
        """Record a run event and redraw (at most a few times a second)."""
        kind = event.get("event")
        if kind == "estimate":
            est = CostEstimate.model_validate(event["estimate"])
            self.note = f"{len(est.per_shot)} shots, {est.seconds} s — rendering…"
        elif kind == "narrate":
            self.note = f"Recording the narration ({event.get('voice') or 'default voice'})…"
        elif kind == "assemble":
            self.note = "Assembling the lesson video…"
        elif kind == "shot":
            self.stages[int(event["index"])] = str(event.get("stage"))
        now = time.monotonic()
        if kind != "shot" or now - self.last > 0.25:
            self.last = now
            self.handle.update(self.html_type(self.render()))

    def render(self) -> str:
        """The current state as HTML."""
        done = sum(1 for s in self.stages.values() if s in {"delivered", "given_up", "stopped"})
        total = max(len(self.stages), 1)
        shots = " ".join(
            f"<span title='{html.escape(s)}'>{i + 1}:{html.escape(s)}</span>"
            for i, s in sorted(self.stages.items())
        )
        elapsed = time.monotonic() - self.started
        return (
            f"<div><progress value='{done}' max='{total}'></progress> "
            f"{done}/{len(self.stages)} shots · {elapsed:.0f} s · {html.escape(self.note)}"
            f"<br><small>{shots}</small></div>"
        )

    def close(self) -> None:
        """Show the final state."""
        self.note = "done"
        self.handle.update(self.html_type(self.render()))


def notebook_progress() -> NotebookProgress | None:
    """A live progress display when running in a Jupyter kernel; None elsewhere."""
    import sys

    if "IPython" not in sys.modules:
        return None
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display
    except ImportError:  # pragma: no cover - IPython vanished after import
        return None
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return None
    progress = NotebookProgress(None, HTML)
    progress.handle = display(HTML(progress.render()), display_id=True)  # type: ignore[no-untyped-call]
    return progress
