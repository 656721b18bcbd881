"""A lessonreel Temporal worker: lesson workflows, prepare/assemble, one provider's shots.

The shot queue's rate limit (``max_task_queue_activities_per_second``) is enforced by the
Temporal server across every worker polling that queue, so two workers together start no more
shot activities than the provider's RPM allows. Starts are not creates (a create follows its
start by the screen step, and starts catch up after an idle gap), so the creates themselves take
turns shared by every worker through the home (``store/create_pace.py``).
"""

from __future__ import annotations

import asyncio
import signal
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from lessonreel.app.temporal_config import CONTROL_QUEUE, TemporalSettings, connect, shot_queue

CONTROL_ACTIVITIES = 2
"""Prepare/assemble activities at once per worker (stitching is CPU-bound)."""


@dataclass
class WorkerPlan:
    """What one worker process serves."""

    provider: str
    rpm: float | None
    """Shot activities per minute across all workers (server-side); None: no limit."""
    max_shots: int = 100
    control: bool = True
    """Also serve lesson workflows and the prepare/assemble activities."""

    def per_second(self) -> float | None:
        """The shot queue's server-side limit: ``rpm`` with the same headroom as creates.

        The server lets a burst of ``ceil(rate)`` activities start after a pause, and a create
        follows its start by the screen step: pacing at the provider's exact limit would have
        creates refused whenever two land closer than the provider's window allows.
        """
        from lessonreel.video.providers.retry import CREATE_PACE

        return self.rpm * CREATE_PACE / 60.0 if self.rpm else None

    def queues(self) -> list[str]:
        """The task queues polled."""
        return ([CONTROL_QUEUE] if self.control else []) + [shot_queue(self.provider)]


def provider_rpm(provider: str) -> float | None:
    """The provider's create (else request) RPM: the run's settings, else its client default."""
    from lessonreel.graph.context import Context
    from lessonreel.graph.services import build_services

    ctx = Context(provider=provider)
    if ctx.create_rpm is not None:
        return ctx.create_rpm
    if ctx.rpm is not None:
        return ctx.rpm
    try:
        svc = build_services(ctx)
    except Exception:  # no key on this machine: no default to read
        return None
    gate = getattr(svc.provider, "gate", None)
    svc.ledger.close()
    rpm = getattr(gate, "create_rpm", None) or getattr(gate, "rpm", None)
    return float(rpm) if rpm else None


async def run_worker(
    settings: TemporalSettings, plan: WorkerPlan, stop: asyncio.Event, on_ready: Any = None
) -> None:
    """Poll the control and shot queues until ``stop`` is set, then drain and exit."""
    from temporalio.worker import Worker
    from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

    from lessonreel.app.temporal_activities import LessonActivities
    from lessonreel.app.temporal_workflow import LessonWorkflow

    client = await connect(settings)
    acts = LessonActivities()
    await acts.warm()
    workers: list[Any] = []
    if plan.control:
        runner = SandboxedWorkflowRunner(
            restrictions=SandboxRestrictions.default.with_passthrough_modules("lessonreel")
        )
        workers.append(
            Worker(
                client,
                task_queue=CONTROL_QUEUE,
                workflows=[LessonWorkflow],
                activities=[acts.prepare_lesson, acts.assemble_lesson],
                max_concurrent_activities=CONTROL_ACTIVITIES,
                workflow_runner=runner,
                graceful_shutdown_timeout=timedelta(seconds=5),
            )
        )
    workers.append(
        Worker(
            client,
            task_queue=shot_queue(plan.provider),
            activities=[acts.render_shot],
            max_concurrent_activities=plan.max_shots,
            max_task_queue_activities_per_second=plan.per_second(),
            graceful_shutdown_timeout=timedelta(seconds=5),
        )
    )
    tasks = [asyncio.create_task(w.run()) for w in workers]
    if on_ready is not None:
        on_ready()
    try:
        await stop.wait()
    finally:
        await asyncio.gather(*(w.shutdown() for w in workers), return_exceptions=True)
        await asyncio.gather(*tasks, return_exceptions=True)
        await acts.aclose()


async def serve(settings: TemporalSettings, plan: WorkerPlan, on_ready: Any = None) -> None:
    """Run a worker until SIGINT/SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await run_worker(settings, plan, stop, on_ready)
