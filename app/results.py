"""What the Python API returns: plans and videos that display themselves.

In Jupyter through ``_repr_html_`` (the video player, the storyboard as a table, the cost), in a
terminal through rich (``__rich__``), and as one short line in a plain ``repr``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lessonreel.agents.schemas import Lesson, Storyboard
from lessonreel.graph.report import RunReport
from lessonreel.graph.state import CostEstimate, Narration
from lessonreel.video.pricing import shadow_text


@dataclass
class PlanResult:
    """A storyboard and its cost estimate; nothing was spent."""

    lesson: Lesson | None
    storyboard: Storyboard
    estimate: CostEstimate

    def _repr_html_(self) -> str:
        from lessonreel.app.notebook import estimate_html, storyboard_html

        return storyboard_html(self.storyboard, None) + estimate_html(estimate_text(self.estimate))

    def __repr__(self) -> str:
        return (
            f"<PlanResult {self.storyboard.title!r}: {len(self.storyboard.shots)} shots, "
            f"{self.storyboard.total_seconds} s, ${self.estimate.usd:.2f} on "
            f"{self.estimate.provider}>"
        )

    def __rich__(self) -> Any:
        from rich.console import Group
        from rich.text import Text

        return Group(storyboard_table(self.storyboard, None), Text(estimate_text(self.estimate)))


@dataclass
class VideoResult:
    """A finished (or paused) run: where the lesson video went, and the report."""

    run_id: str
    video_path: Path | None
    captions_path: Path | None
    report: RunReport | None
    storyboard: Storyboard | None
    review: dict[str, Any] | None = None
    """The pending review request when the run paused at the storyboard (review mode)."""

    @property
    def exit_code(self) -> int:
        """The CLI's exit code for this result (0 done, 1 failed, 3 stopped)."""
        if self.report is None:
            return 0 if self.review is not None else 1
        code: int = self.report.exit_code
        return code

    def _repr_html_(self) -> str:
        from lessonreel.app.notebook import storyboard_html, video_html

        title = self.report.title if self.report else self.run_id
        parts = [f"<h3>{html.escape(title)}</h3>"]
        if self.video_path is not None and self.video_path.exists():
            parts.append(video_html(self.video_path, self.captions_path))
        if self.review is not None:
            parts.append(
                f"<p>Awaiting review: <code>resume({self.run_id!r}, answer='approve')</code></p>"
            )
        if self.storyboard is not None:
            parts.append(storyboard_html(self.storyboard, self.report))
        if self.report is not None:
            parts.append(f"<p>{html.escape(summary_line(self.report))}</p>")
            spoken = narration_text(self.report.narration)
            if spoken:
                parts.append(f"<p>{html.escape(spoken)}</p>")
        return "\n".join(parts)

    def __repr__(self) -> str:
        status = self.report.status if self.report else "awaiting review" if self.review else "-"
        return f"<VideoResult {self.run_id} {status}: {self.video_path}>"

    def __rich__(self) -> Any:
        from rich.console import Group
        from rich.text import Text

        items: list[Any] = []
        if self.storyboard is not None:
            items.append(storyboard_table(self.storyboard, self.report))
        if self.report is not None:
            items.append(Text(summary_line(self.report)))
            spoken = narration_text(self.report.narration)
            if spoken:
                items.append(Text(spoken))
        return Group(*items)


def summary_line(report: RunReport) -> str:
    """One line: status, shots delivered, spend, and where the video is."""
    t = report.totals
    shadow = f" ({shadow_text(t.shadow_provider, t.shadow_usd)})" if t.shadow_provider else ""
    slates = ""
    if t.given_up or t.stopped:
        why = [f"{n} {what}" for n, what in ((t.given_up, "given up"), (t.stopped, "stopped")) if n]
        slates = f", {t.given_up + t.stopped} shown as slates ({', '.join(why)})"
    return (
        f"{report.status}: {t.delivered}/{t.shots} shots delivered{slates} · "
        f"spent ${t.spent_usd:.2f}{shadow} · {report.video_path}"
    )


def narration_text(narration: Narration | None) -> str:
    """Whether the video speaks, with which voice, and why not when it does not (one line)."""
    from lessonreel.graph.nodes.narrate import NO_NARRATION

    if narration is None:
        return ""
    if narration.note == NO_NARRATION:
        return "No voice-over: narration was turned off; the captions carry the narration."
    if not narration.shots:
        why = narration.note or "no shot had narration to speak"
        return f"No voice-over ({why}); the captions carry the narration."
    cost = f", ${narration.usd:.2f}" if narration.usd else ""
    spoken = f"Narrated by {narration.voice} ({narration.engine}{cost})"
    return f"{spoken}; {narration.note}." if narration.note else f"{spoken}."


def silent_by_accident(narration: Narration | None) -> bool:
    """True when the run meant to speak but some or all of its narration audio is missing."""
    from lessonreel.graph.nodes.narrate import NO_NARRATION

    return narration is not None and narration.note is not None and narration.note != NO_NARRATION


def estimate_text(estimate: CostEstimate) -> str:
    """The estimate as one line (the review prompt and the notebook show it)."""
    text = (
        f"Estimate: {estimate.seconds} s on {estimate.provider}/{estimate.model} "
        f"{estimate.size} = ${estimate.usd:.2f}"
    )
    if estimate.shadow_provider:
        text += f" ({shadow_text(estimate.shadow_provider, estimate.shadow_usd)})"
    return text


def storyboard_table(storyboard: Storyboard, report: RunReport | None) -> Any:
    """The storyboard as a rich table (terminal reprs)."""
    from rich.table import Table
    from rich.text import Text

    from lessonreel.app.notebook import headers, storyboard_rows

    table = Table(title=Text(storyboard.title))
    for h in headers(report):
        table.add_column(h, overflow="fold")
    for row in storyboard_rows(storyboard, report):
        table.add_row(*(Text(c) for c in row))
    return table
