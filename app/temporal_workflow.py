"""The lesson workflow on Temporal: prepare, one activity per shot, assemble.

Its id is the run id, so starting a lesson twice is refused by the server. It only sequences
activities (named by string, so this module imports nothing heavy into the workflow sandbox):

- ``prepare_lesson`` (control queue): ingest, storyboard, estimate; opens the run in the ledger;
- ``render_shot`` × N (the provider's queue ``lessonreel-<provider>``, rate-limited by the
  server): screen, sanitize, dispatch, await, fetch — the same shot subgraph ``make`` runs;
- ``assemble_lesson`` (control queue): slates, stitching, captions, report.

Inputs and results are plain JSON: run options (never an API key), storyboard, shot results.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

from lessonreel.app.temporal_config import CONTROL_QUEUE

WORKFLOW_NAME = "lessonreel.lesson"
SHOT_ATTEMPTS = 20
"""Attempts of one shot activity (a worker killed mid-shot costs one); each one collects the
job its predecessors paid for (the ledger's reservation) instead of creating another."""


@dataclass
class LessonInput:
    """What a lesson workflow starts from."""

    run_id: str
    lesson_path: str
    options: dict[str, Any]
    """``Context.options()``: settings only, no keys (they stay in each worker's environment)."""
    shot_queue: str
    heartbeat_seconds: float = 30.0
    shot_timeout_seconds: float = 3600.0


@dataclass
class ShotInput:
    """One shot activity: the run, its settings and the shot task (``ShotTask`` as JSON)."""

    run_id: str
    options: dict[str, Any]
    task: dict[str, Any]


@dataclass
class AssembleInput:
    """The assemble activity: the prepared lesson and every shot's result (JSON)."""

    run_id: str
    options: dict[str, Any]
    state: dict[str, Any]
    results: list[dict[str, Any]] = field(default_factory=list)


@workflow.defn(name=WORKFLOW_NAME)
class LessonWorkflow:
    """One lesson: a workflow whose shots run as activities on the provider's task queue."""

    def __init__(self) -> None:
        self._progress: dict[str, Any] = {"stage": "starting", "shots": 0, "done": 0}

    @workflow.query(name="progress")
    def progress(self) -> dict[str, Any]:
        """Stage, shots planned and shots finished (the batch prints it per lesson)."""
        return dict(self._progress)

    @workflow.run
    async def run(self, inp: LessonInput) -> dict[str, Any]:
        """Prepare, render every shot in parallel, assemble; return the run's summary."""
        prepared: dict[str, Any] = await workflow.execute_activity(
            "prepare_lesson",
            inp,
            task_queue=CONTROL_QUEUE,
            start_to_close_timeout=timedelta(minutes=15),
            retry_policy=RetryPolicy(maximum_attempts=5),
        )
        tasks: list[dict[str, Any]] = prepared["tasks"]
        self._progress.update(stage="rendering", shots=int(prepared["shots"]))
        results = await asyncio.gather(*(self._render(inp, task) for task in tasks))
        self._progress["stage"] = "assembling"
        summary: dict[str, Any] = await workflow.execute_activity(
            "assemble_lesson",
            AssembleInput(inp.run_id, inp.options, prepared["state"], list(results)),
            task_queue=CONTROL_QUEUE,
            start_to_close_timeout=timedelta(minutes=30),
            retry_policy=RetryPolicy(maximum_attempts=5),
        )
        self._progress["stage"] = "finished"
        return summary

    async def _render(self, inp: LessonInput, task: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = await workflow.execute_activity(
            "render_shot",
            ShotInput(inp.run_id, inp.options, task),
            task_queue=inp.shot_queue,
            start_to_close_timeout=timedelta(seconds=inp.shot_timeout_seconds),
            heartbeat_timeout=timedelta(seconds=inp.heartbeat_seconds),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(seconds=1),
                maximum_interval=timedelta(seconds=30),
                maximum_attempts=SHOT_ATTEMPTS,
            ),
        )
        self._progress["done"] = int(self._progress["done"]) + 1
        return result
