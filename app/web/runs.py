"""What the studio knows about a run: its phase, its shots' progress, and its files.

Everything is read from the ledger and the checkpoints, so a reloaded page or a restarted
server shows the same run: nothing lives only in this process except which runs it advances.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from lessonreel.app.web.jobs import REVIEW_NODE, RunManager
from lessonreel.graph.report import RunReport

Phase = Literal[
    "directing", "review", "rendering", "finished", "interrupted", "cancelled", "failed", "missing"
]
SHOT_STAGES = {"dispatched": "rendering", "delivered": "delivered", "given_up": "slate"}
"""Ledger shot status → what the page says (no row yet: queued, or narrating while the
narration is recorded; stopped: slate)."""
LIVE_PHASES = ("directing", "rendering")


@dataclass
class RunView:
    """One run as a page shows it."""

    run_id: str
    phase: Phase
    row: dict[str, Any] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def title(self) -> str:
        """The lesson's title (the run id until the lesson is read)."""
        return str(self.row.get("title") or self.run_id)

    @property
    def report(self) -> RunReport | None:
        """The finished run's report."""
        raw = self.values.get("report")
        return RunReport.model_validate(raw) if raw else None

    @property
    def out_dir(self) -> Path | None:
        """Where the lesson files are."""
        report = self.report
        if report is not None and report.video_path:
            return Path(report.video_path).parent
        out = self.row.get("out_dir")
        return Path(str(out)) if out else None


def _row(run_id: str) -> dict[str, Any] | None:
    from lessonreel.store.ledger import Ledger

    with Ledger.open() as ledger:
        return ledger.get_run(run_id)


Checkpoint = tuple[dict[str, Any], tuple[str, ...]]
"""A run's last checkpointed values and the nodes still to run."""


async def checkpoint_states(run_ids: list[str]) -> dict[str, Checkpoint]:
    """Last checkpointed values and pending nodes of several runs, one checkpointer open."""
    from lessonreel.graph.builder import build_graph
    from lessonreel.graph.runner import open_checkpointer

    out: dict[str, Checkpoint] = {}
    async with open_checkpointer() as saver:
        graph = build_graph(checkpointer=saver)
        for run_id in run_ids:
            snap = await graph.aget_state({"configurable": {"thread_id": run_id}})
            out[run_id] = (dict(snap.values), tuple(snap.next))
    return out


def decide_phase(
    row: dict[str, Any] | None,
    values: dict[str, Any],
    pending: tuple[str, ...],
    *,
    active: bool,
) -> Phase:
    """Where a run stands, from its ledger row, checkpoint and whether it is in flight."""
    if active:
        return "rendering" if row and row.get("shots") else "directing"
    if row is None:
        return "missing" if not values else "failed"
    if row.get("status") == "cancelled":
        return "cancelled"
    if REVIEW_NODE in pending:
        return "review"
    if pending:
        return "interrupted"
    if values.get("report"):
        return "finished"
    return "interrupted" if values else "failed"


async def run_view(run_id: str, manager: RunManager) -> RunView:
    """Read one run's phase, row and checkpointed values."""
    row = await asyncio.to_thread(_row, run_id)
    states = await checkpoint_states([run_id])
    values, pending = states[run_id]
    phase = decide_phase(row, values, pending, active=manager.active(run_id))
    return RunView(run_id, phase, row or {}, values, manager.errors.get(run_id))


def _progress(run_id: str) -> dict[str, Any]:
    from lessonreel.store.ledger import Ledger

    with Ledger.open() as ledger:
        row = ledger.get_run(run_id) or {}
        shots = ledger.shots(run_id)
        spent = ledger.spent(run_id)
        avg = ledger.average_job_seconds(str(row.get("provider")), str(row.get("model")))
    total = int(row.get("shots") or 0)
    stages = {int(s["idx"]): SHOT_STAGES.get(str(s.get("status")), "slate") for s in shots}
    for s in shots:
        if s.get("status") not in SHOT_STAGES and s.get("status") != "stopped":
            stages[int(s["idx"])] = "rendering"
    states = [stages.get(i, "queued") for i in range(total)]
    options = row.get("options") if isinstance(row.get("options"), dict) else {}
    # the narration is recorded before any shot is sent, so no shot row yet means it is running
    narrating = bool(total and not shots and (options or {}).get("narration"))
    if narrating:
        states = ["narrating"] * total
    left = sum(st in {"queued", "narrating", "rendering"} for st in states)
    parallel = max(1, min(left, int((options or {}).get("max_concurrent_jobs") or 8)))
    eta = round(avg * left / parallel) if avg is not None and left else None
    return {
        "row": row,
        "title": row.get("title"),
        "shots": states,
        "spent_usd": spent,
        "estimate_usd": float(row.get("estimate_usd") or 0.0),
        "eta_seconds": eta,
        "left": left,
        "narrating": narrating,
    }


async def progress(run_id: str, manager: RunManager) -> dict[str, Any]:
    """One progress snapshot for the page: phase, per-shot stage, ETA and spend."""
    snap = await asyncio.to_thread(_progress, run_id)
    if manager.active(run_id):
        snap["phase"] = decide_phase(snap.pop("row"), {}, (), active=True)
    else:
        snap["phase"] = (await run_view(run_id, manager)).phase
    snap.pop("row", None)
    if snap["narrating"] and snap["phase"] != "rendering":
        # a run stopped during its narration: nothing is being recorded now
        snap["narrating"] = False
        snap["shots"] = ["queued"] * len(snap["shots"])
    snap["error"] = manager.errors.get(run_id)
    snap["at"] = time.time()
    return snap
