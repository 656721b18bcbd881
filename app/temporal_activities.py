"""The lesson workflow's activities: the same node functions and shot subgraph ``make`` runs.

A worker holds one provider client per provider setting and one loaded screen, lent to every
activity (as the local batch engine does). The record of paid jobs is the ledger, not Temporal's
history: a job row is reserved before the provider is called, so a worker killed between the
provider's answer and its next heartbeat still left a trace the next attempt collects (or
reconciles by listing the provider's jobs). The ledger must therefore be one every worker
reaches: a shared ``LESSONREEL_HOME`` here (one SQLite file), a shared database at scale.
Heartbeats carry the provider job id of the shot; a retried attempt checks that the ledger it
sees holds that job, and refuses to run (rather than pay again) on a worker whose ledger does
not.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from lessonreel.app.batch import SharedProvider
from lessonreel.app.temporal_workflow import AssembleInput, LessonInput, ShotInput
from lessonreel.graph.context import Context

SPLIT_LEDGER = "split_ledger"


def _drop(_event: Any) -> None:
    """Progress events of prepare/assemble are not streamed anywhere."""


def _runtime(ctx: Context, writer: Any = _drop) -> Any:
    from langgraph.runtime import Runtime

    return Runtime(context=ctx, stream_writer=writer)


def state_to_json(state: dict[str, Any]) -> dict[str, Any]:
    """The prepared lesson state as JSON (what the workflow carries to assemble)."""
    return {
        "run_id": state["run_id"],
        "lesson": state["lesson"].model_dump(mode="json"),
        "storyboard": state["storyboard"].model_dump(mode="json"),
        "prompts": {str(i): p.model_dump(mode="json") for i, p in state["prompts"].items()},
        "estimate": state["estimate"].model_dump(mode="json"),
    }


def state_from_json(data: dict[str, Any]) -> dict[str, Any]:
    """Rebuild the lesson state :func:`state_to_json` wrote."""
    from lessonreel.agents.schemas import Lesson, ShotPrompt, Storyboard
    from lessonreel.graph.state import CostEstimate

    return {
        "run_id": data["run_id"],
        "lesson": Lesson.model_validate(data["lesson"]),
        "storyboard": Storyboard.model_validate(data["storyboard"]),
        "prompts": {int(i): ShotPrompt.model_validate(p) for i, p in data["prompts"].items()},
        "estimate": CostEstimate.model_validate(data["estimate"]),
    }


def task_to_json(task: Any) -> dict[str, Any]:
    """A ``ShotTask`` as JSON."""
    return {
        **task,
        "shot": task["shot"].model_dump(mode="json"),
        "prompt": task["prompt"].model_dump(mode="json"),
    }


def task_from_json(data: dict[str, Any]) -> Any:
    """Rebuild a ``ShotTask``."""
    from lessonreel.agents.schemas import Shot, ShotPrompt

    return {
        **data,
        "shot": Shot.model_validate(data["shot"]),
        "prompt": ShotPrompt.model_validate(data["prompt"]),
    }


@dataclass
class LessonActivities:
    """The activities of one worker, sharing its provider clients and its screen."""

    providers: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    screen: Any = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    shot_graph: Any = None
    """The shot subgraph, compiled once per worker (compiling it per shot costs CPU)."""

    async def services(self, ctx: Context, run_id: str | None = None) -> Any:
        """Services for one activity: its own ledger connection, the worker's shared parts.

        A shot activity (``run_id`` given) of a run with a budget shares the run's control with
        every worker: budget decisions under a cross-worker lock, and the run's recorded stop.
        """
        from lessonreel.graph.services import attach_services, build_services

        key = (ctx.provider, ctx.base_url, ctx.emulator_config, ctx.rpm, ctx.create_rpm)
        async with self.lock:
            if key not in self.providers:
                first = await asyncio.to_thread(build_services, ctx)
                self.providers[key] = first.provider
                _share_creates(first.provider, first.home, ctx.base_url)
                if self.screen is None:
                    self.screen = await first.screen()
                await asyncio.to_thread(first.ledger.close)
        shared = {
            "provider": SharedProvider(self.providers[key]),
            "loaded_screen": self.screen.for_run(),  # the activity's own embedding memo
        }
        svc = await asyncio.to_thread(build_services, ctx, **shared)
        if run_id is not None and ctx.budget_usd is not None:
            from lessonreel.app.temporal_control import shared_control

            svc.control = await shared_control(svc.ledger, svc.home, run_id)
        attach_services(ctx, svc)
        return svc

    async def warm(self) -> None:
        """Load the screen before polling.

        Shots started at the queue's pace must not wait on a cold load together and then
        create their jobs in one burst.
        """
        from lessonreel.agents.safety import Screen
        from lessonreel.store.home import lessonreel_home

        if self.screen is None:
            self.screen = await asyncio.to_thread(Screen.open, lessonreel_home())

    async def aclose(self) -> None:
        """Close the provider clients when the worker stops."""
        for provider in self.providers.values():
            await provider.aclose()
        self.providers.clear()

    @activity.defn(name="prepare_lesson")
    async def prepare_lesson(self, inp: LessonInput) -> dict[str, Any]:
        """Ingest, direct and estimate; open the run in the ledger; return the shot tasks."""
        from lessonreel.graph.nodes.direct import direct_storyboard
        from lessonreel.graph.nodes.ingest import ingest_lesson
        from lessonreel.graph.nodes.review import review_storyboard
        from lessonreel.graph.routers import shot_tasks

        ctx = Context.from_options(inp.options)
        svc = await self.services(ctx)
        try:
            runtime = _runtime(ctx)
            state: dict[str, Any] = {"lesson_path": inp.lesson_path, "run_id": inp.run_id}
            state.update(await ingest_lesson(state, runtime))  # type: ignore[arg-type]
            await asyncio.to_thread(
                svc.ledger.update_run, inp.run_id, engine="temporal", status="running"
            )
            state.update(await direct_storyboard(state, runtime))  # type: ignore[arg-type]
            state.update(await review_storyboard(state, runtime))  # type: ignore[arg-type]
            tasks = shot_tasks(state, ctx)  # type: ignore[arg-type]
        finally:
            await svc.aclose()
        return {
            "state": state_to_json(state),
            "tasks": [task_to_json(t) for t in tasks],
            "shots": len(state["storyboard"].shots),
        }

    @activity.defn(name="render_shot")
    async def render_shot(self, inp: ShotInput) -> dict[str, Any]:
        """Run the shot subgraph; heartbeat its provider job id; return its result (JSON)."""
        from lessonreel.graph.builder import build_shot_graph
        from lessonreel.store.clip_store import clip_store

        ctx = Context.from_options(inp.options)
        task = task_from_json(inp.task)
        index = task["shot"].index
        info = activity.info()
        previous = dict(info.heartbeat_details[0]) if info.heartbeat_details else {}
        svc = await self.services(ctx, inp.run_id)
        beat: dict[str, Any] = {"shot": index, "job_id": previous.get("job_id"), "stage": "start"}
        every = info.heartbeat_timeout.total_seconds() / 3 if info.heartbeat_timeout else 10.0
        ticker = asyncio.create_task(_heartbeat(beat, every))
        values: dict[str, Any] = {}
        try:
            if beat["job_id"]:
                await _check_ledger_holds(svc, str(beat["job_id"]), index)
            if self.shot_graph is None:
                self.shot_graph = build_shot_graph()
            graph = self.shot_graph
            async for mode, chunk in graph.astream(
                task, context=ctx, stream_mode=["custom", "values"]
            ):
                if mode == "values" and isinstance(chunk, dict):
                    values = chunk
                elif isinstance(chunk, dict) and chunk.get("event") == "shot":
                    beat["stage"] = chunk.get("stage")
                    if chunk.get("job_id"):
                        beat["job_id"] = chunk["job_id"]
                    activity.heartbeat(dict(beat))
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
            await svc.aclose()
        result = (values.get("shot_results") or {})[index]
        if result.outcome == "delivered" and result.clip_path:
            from pathlib import Path

            stored = await asyncio.to_thread(
                clip_store(svc.home).put, inp.run_id, Path(result.clip_path)
            )
            result = result.model_copy(update={"clip_path": stored})
        data: dict[str, Any] = result.model_dump(mode="json")
        return data

    @activity.defn(name="assemble_lesson")
    async def assemble_lesson(self, inp: AssembleInput) -> dict[str, Any]:
        """Stitch clips (from the clip store) and slates, write captions and the report."""
        from lessonreel.graph.nodes.assemble import assemble_lesson
        from lessonreel.graph.report import RunReport
        from lessonreel.graph.state import ShotResult
        from lessonreel.store.clip_store import clip_store

        ctx = Context.from_options(inp.options)
        svc = await self.services(ctx)
        try:
            store = clip_store(svc.home)
            results = {}
            for raw in inp.results:
                result = ShotResult.model_validate(raw)
                if result.outcome == "delivered" and result.clip_path:
                    local = await asyncio.to_thread(store.get, result.clip_path, inp.run_id)
                    result = result.model_copy(update={"clip_path": str(local)})
                results[result.index] = result
            state = {**state_from_json(inp.state), "shot_results": results}
            update = await assemble_lesson(state, _runtime(ctx))  # type: ignore[arg-type]
        finally:
            await svc.aclose()
        report = RunReport.model_validate(update["report"])
        return {
            "run_id": inp.run_id,
            "status": report.status,
            "exit_code": report.exit_code,
            "video_path": update["video_path"],
            "report": update["report"],
        }


def _share_creates(provider: Any, home: Any, base_url: str | None) -> None:
    """Pace this worker's creates together with every worker's sharing the home.

    The task queue's rate limit paces when shot activities start; their creates follow by a
    varying delay, and after an idle gap the server lets starts catch up, so creates paced by the
    queue alone exceed the provider's window. Each worker's gate already paces its own creates
    (``CREATE_PACE``); taking the turns from one file in the shared home paces them all as one.
    """
    from lessonreel.store.create_pace import SharedCreatePace, create_pace_path

    gate = getattr(provider, "gate", None)
    if gate is None or getattr(gate, "create_rpm", None) is None:
        return
    gate.share_creates(SharedCreatePace(create_pace_path(home, provider.name, base_url)))


async def _heartbeat(beat: dict[str, Any], every: float) -> None:
    """Heartbeat while the shot waits for its clip (every third of the heartbeat timeout)."""
    while True:
        activity.heartbeat(dict(beat))
        await asyncio.sleep(max(0.2, every))


async def _check_ledger_holds(svc: Any, job_id: str, index: int) -> None:
    """Refuse to render on a worker whose ledger lacks the job an earlier attempt heartbeated.

    Such a worker would not find the reservation and would pay for the shot again.
    """
    row = await asyncio.to_thread(svc.ledger.job_by_provider_id, svc.provider.name, job_id)
    if row is None:
        raise ApplicationError(
            f"shot {index + 1}: provider job {job_id} from an earlier attempt is not in this "
            "worker's ledger — workers must share LESSONREEL_HOME (or the ledger database)",
            type=SPLIT_LEDGER,
            non_retryable=False,
        )
