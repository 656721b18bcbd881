"""The run report: every shot accounted for, with provider, job, attempts, rewrites and cost.

Written as ``report.json`` next to the lesson video, returned by the graph and the notebook API,
and printed by ``lessonreel make --json``. It never contains keys: it is built from state and
the ledger, neither of which holds any.
"""

from __future__ import annotations

import time
from typing import Literal

from pydantic import BaseModel, Field

from lessonreel.agents.schemas import Quiz, SafetyNote, Storyboard
from lessonreel.graph.state import CostEstimate, Narration, ShotResult

RunStatus = Literal["done", "partial", "stopped", "failed"]

EXIT_CODES: dict[str, int] = {"done": 0, "partial": 0, "failed": 1, "stopped": 3}
"""CLI exit code per run status (2 is bad input, decided before a run starts)."""


class Gap(BaseModel):
    """A stretch of the lesson video where a slate stands in for a shot."""

    index: int = Field(description="Shot index.")
    start: float = Field(description="Start in the lesson video, seconds.")
    end: float = Field(description="End in the lesson video, seconds.")
    outcome: str = Field(description="given_up or stopped.")
    reason: str = Field(description="Why the shot was not rendered.")


class Totals(BaseModel):
    """Run-wide sums."""

    shots: int = Field(description="Shots in the storyboard.")
    delivered: int = Field(description="Shots with a stored clip.")
    given_up: int = Field(description="Shots replaced by a slate (safety or provider refusal).")
    stopped: int = Field(description="Shots not rendered because the run stopped.")
    seconds: float = Field(description="Storyboard length, seconds.")
    delivered_seconds: float = Field(description="Seconds of delivered clips.")
    attempts: int = Field(description="Provider jobs created.")
    rewrites: int = Field(description="Sanitizer rounds.")
    spent_usd: float = Field(description="USD the provider charged (from the ledger).")
    estimate_usd: float = Field(description="USD estimated before the run.")
    shadow_provider: str | None = Field(default=None, description="Real provider priced against.")
    shadow_usd: float = Field(default=0.0, description="Shadow price: the run on shadow_provider.")


class RunReport(BaseModel):
    """What happened in one run."""

    run_id: str
    title: str
    lesson_id: str
    provider: str
    model: str
    size: str
    status: RunStatus
    stop_reason: str | None = None
    shots: list[ShotResult]
    totals: Totals
    gaps: list[Gap] = Field(default_factory=list)
    safety: list[SafetyNote] = Field(
        default_factory=list, description="What the safety agent took out of the lesson and why."
    )
    estimate: CostEstimate | None = None
    narration: Narration | None = None
    quiz: Quiz | None = Field(default=None, description="The learning check shown after the video.")
    video_path: str | None = None
    srt_path: str | None = None
    vtt_path: str | None = None
    chapters_path: str | None = Field(
        default=None, description="WebVTT chapters: one per objective, the last the recap."
    )
    storyboard_md: str | None = None
    storyboard_json: str | None = None
    report_path: str | None = None
    finished_at: float = Field(default_factory=time.time)

    @property
    def exit_code(self) -> int:
        """0 done (or done with slates), 1 failed, 3 stopped by budget or quota."""
        return EXIT_CODES[self.status]


def run_status(results: list[ShotResult]) -> RunStatus:
    """Decide the status: stopped beats all; nothing delivered fails; any slate is partial."""
    if any(r.outcome == "stopped" for r in results):
        return "stopped"
    if not any(r.outcome == "delivered" for r in results):
        return "failed"
    if any(r.outcome != "delivered" for r in results):
        return "partial"
    return "done"


def build_report(
    *,
    run_id: str,
    storyboard: Storyboard,
    results: dict[int, ShotResult],
    estimate: CostEstimate | None,
    spent_usd: float,
    shadow_usd: float | None,
    provider: str,
    safety: list[SafetyNote] | None = None,
) -> RunReport:
    """Assemble the report; a shot with no result at all is reported as stopped."""
    rows: list[ShotResult] = []
    gaps: list[Gap] = []
    for shot in storyboard.shots:
        result = results.get(shot.index) or ShotResult(
            index=shot.index, outcome="stopped", reason="never dispatched", seconds=shot.duration
        )
        rows.append(result)
        if result.outcome != "delivered":
            gaps.append(
                Gap(
                    index=shot.index,
                    start=shot.start,
                    end=shot.end,
                    outcome=result.outcome,
                    reason=result.reason or result.outcome,
                )
            )
    status = run_status(rows)
    stop_reason = next((r.reason for r in rows if r.outcome == "stopped"), None)
    delivered = [r for r in rows if r.outcome == "delivered"]
    shadow_name = estimate.shadow_provider if estimate is not None else None
    return RunReport(
        run_id=run_id,
        title=storyboard.title,
        lesson_id=storyboard.lesson_id,
        provider=provider,
        model=estimate.model if estimate is not None else (rows[0].model if rows else ""),
        size=estimate.size if estimate is not None else (rows[0].size if rows else ""),
        status=status,
        stop_reason=stop_reason,
        shots=rows,
        safety=list(safety or []),
        totals=Totals(
            shots=len(rows),
            delivered=len(delivered),
            given_up=sum(r.outcome == "given_up" for r in rows),
            stopped=sum(r.outcome == "stopped" for r in rows),
            seconds=float(storyboard.total_seconds),
            delivered_seconds=float(sum(r.seconds for r in delivered)),
            attempts=sum(r.attempts for r in rows),
            rewrites=sum(len(r.rewrites) for r in rows),
            spent_usd=round(spent_usd, 4),
            estimate_usd=estimate.usd if estimate is not None else 0.0,
            shadow_provider=shadow_name,
            shadow_usd=round(
                shadow_usd if shadow_usd is not None else sum(r.shadow_cost_usd for r in delivered),
                4,
            ),
        ),
        gaps=gaps,
        estimate=estimate,
        quiz=storyboard.quiz,
    )
