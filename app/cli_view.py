"""What the run commands show: per-shot progress with an ETA, the estimate, review prompts.

Everything is drawn on stderr, so ``--json`` output on stdout stays machine-readable.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn

from lessonreel.app.cli_common import clean
from lessonreel.video.pricing import shadow_text

STAGE_PERCENT = {
    "screened": 5,
    "blocked": 5,
    "sanitized": 5,
    "submitting": 10,
    "submitted": 12,
    "collecting": 12,
    "queued": 15,
    "retrying": 10,
    "downloading": 95,
    "delivered": 100,
    "given_up": 100,
    "stopped": 100,
}
DONE_STAGES = frozenset({"delivered", "given_up", "stopped"})


def estimate_line(
    estimate: dict[str, Any], budget: float | None = None, *, label: str = "Estimate"
) -> str:
    """Format the estimate as one line, printed before anything is spent."""
    count = len(estimate.get("per_shot", {}))
    line = (
        f"{label}: {count} shot{'' if count == 1 else 's'}, {estimate['seconds']} s on "
        f"{estimate['provider']}/{estimate['model']} {estimate['size']} = ${estimate['usd']:.2f}"
    )
    if estimate.get("shadow_provider"):
        line += f" ({shadow_text(estimate['shadow_provider'], estimate['shadow_usd'])})"
    if budget is not None:
        line += f" · budget ${budget:.2f}"
        if estimate["usd"] > budget:
            line += " — over budget: shots will be downgraded, then the run stops at the cap"
    return line


class RunView:
    """Rich progress: one bar per shot, its stage, and an ETA from the ledger's averages."""

    def __init__(
        self, console: Console, *, average_seconds: float | None, budget: float | None = None
    ) -> None:
        self.console = console
        self.average = average_seconds
        self.budget = budget
        self.progress = Progress(
            TextColumn("[bold]{task.description}", justify="left"),
            BarColumn(),
            TextColumn("{task.fields[stage]}"),
            TextColumn("{task.fields[eta]}"),
            console=console,
            transient=False,
        )
        self.tasks: dict[int, TaskID] = {}
        self.submitted: dict[int, float] = {}
        self.out: str | None = None
        self.narrated = False
        """The narration was recorded: the next estimate has the shot lengths of the voice."""

    def __enter__(self) -> RunView:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Stop the live display while the terminal asks something, so the prompt stays visible."""
        self.progress.stop()
        try:
            yield
        finally:
            self.progress.start()

    def _eta(self, index: int, stage: str) -> str:
        if stage in DONE_STAGES or self.average is None or index not in self.submitted:
            return ""
        left = self.average - (time.monotonic() - self.submitted[index])
        return f"ETA ~{max(0, round(left))}s"

    def on_event(self, event: dict[str, Any]) -> None:
        """Handle one custom stream event from the graph."""
        kind = event.get("event")
        if kind == "narrate":
            self.narrated = True
            voice = clean(event.get("voice") or "the default voice")
            self.progress.console.print(
                f"Recording the narration ({voice})…", markup=False, highlight=False
            )
            return
        if kind == "narration_failed":
            self.progress.console.print(clean(event.get("reason")), markup=False, highlight=False)
            return
        if kind == "estimate":
            label = "Estimate timed to the narration" if self.narrated else "Estimate"
            self.progress.console.print(
                estimate_line(event["estimate"], self.budget, label=label),
                markup=False,
                highlight=False,
            )
            if self.average is not None:  # the estimate comes once (after the voice, if any)
                self.progress.console.print(
                    f"Clips have taken {self.average:.0f} s on average here (ledger)."
                )
            return
        if kind == "assemble":
            self.out = clean(event.get("out"))
            self.progress.console.print("Assembling the lesson video…")
            return
        if kind != "shot":
            return
        index = int(event["index"])
        stage = str(event.get("stage"))
        if index not in self.tasks:
            self.tasks[index] = self.progress.add_task(
                f"shot {index + 1:>2}", total=100, stage="", eta=""
            )
        if stage == "submitted" or (stage == "collecting" and index not in self.submitted):
            self.submitted[index] = time.monotonic()
        percent = STAGE_PERCENT.get(stage)
        if stage in {"running", "queued"} and event.get("progress") is not None:
            percent = 15 + int(0.8 * int(event["progress"]))
        update: dict[str, Any] = {"stage": stage, "eta": self._eta(index, stage)}
        if percent is not None:
            update["completed"] = percent
        self.progress.update(self.tasks[index], **update)


def files_table(report: dict[str, Any]) -> list[tuple[str, str]]:
    """Where the outputs went, as (what, path) pairs."""
    names = [
        ("Lesson video", "video_path"),
        ("Captions (SRT)", "srt_path"),
        ("Captions (VTT)", "vtt_path"),
        ("Chapters (VTT)", "chapters_path"),
        ("Storyboard", "storyboard_md"),
        ("Report", "report_path"),
    ]
    return [(label, str(report[key])) for label, key in names if report.get(key)]
