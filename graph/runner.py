"""Run the graph with its SQLite checkpointer: start, resume, upscale; stream progress events.

The CLI and the notebook API both go through here, so a run started in one can be resumed from
the other: the thread id is the run id, the checkpoints live in ``checkpoints.db`` under the
home, and the run's context is rebuilt from the options stored in the ledger.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from langchain_core.runnables import RunnableConfig

from lessonreel.graph.context import Context

EventHandler = Callable[[dict[str, Any]], None]
ReviewHandler = Callable[[dict[str, Any]], Any]


class RunNotFoundError(LookupError):
    """No run with that id in the ledger (or no checkpoint to resume from)."""


@dataclass
class RunOutcome:
    """What a graph invocation ended with."""

    run_id: str
    values: dict[str, Any] = field(default_factory=dict)
    interrupted: dict[str, Any] | None = None
    """The pending review request, when the run stopped at the storyboard review."""


def checkpoint_serde() -> Any:
    """Build a serializer that knows (and only allows) the project types kept in graph state."""
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

    from lessonreel.agents import schemas
    from lessonreel.graph import state
    from lessonreel.video import types

    allowed: list[tuple[str, ...] | type] = [
        schemas.Lesson,
        schemas.Storyboard,
        schemas.Shot,
        schemas.ShotPrompt,
        schemas.Verdict,
        schemas.Rewrite,
        schemas.Match,
        schemas.SafetyNote,
        state.CostEstimate,
        ("lessonreel.graph.state", "CostEstimate"),  # checkpoints written before video/pricing/
        state.ShotResult,
        state.Narration,
        state.ShotSpeech,
        types.VideoJob,
        types.JobError,
        types.ErrorKind,
        types.Clip,
    ]
    return JsonPlusSerializer(allowed_msgpack_modules=allowed)


@asynccontextmanager
async def run_lease(run_id: str) -> AsyncIterator[str]:
    """Hold the run's lease while the block runs (heartbeat included); yield its token.

    Raises :class:`~lessonreel.store.lease.LeaseHeldError` before anything is opened or written
    when another live process advances the run.
    """
    from lessonreel.store.ledger import Ledger

    ledger = await asyncio.to_thread(Ledger.open)
    try:
        lease = await asyncio.to_thread(ledger.leases.acquire, run_id)
        beat = asyncio.create_task(_heartbeat(ledger, lease))
        try:
            yield lease.token
        finally:
            beat.cancel()
            await asyncio.to_thread(ledger.leases.release, lease)
    finally:
        await asyncio.to_thread(ledger.close)


def _sweep_partials(run_id: str) -> None:
    """Delete partial downloads a killed or disk-full run left (we hold the run's lease)."""
    from lessonreel.store.assets import remove_stale_temps
    from lessonreel.store.home import shots_dir

    remove_stale_temps(shots_dir(run_id, create=False))


async def _heartbeat(ledger: Any, lease: Any) -> None:
    """Extend the lease every third of its life until cancelled (or taken over)."""
    while True:
        await asyncio.sleep(lease.ttl / 3)
        if not await asyncio.to_thread(ledger.leases.heartbeat, lease):
            return  # taken over: dispatch_shot refuses to pay from now on


@asynccontextmanager
async def open_checkpointer() -> AsyncIterator[Any]:
    """Open the SQLite checkpointer in the home (``checkpoints.db``), writes group-committed.

    The shot subgraph is checkpointed sparsely (:func:`~lessonreel.graph.state.
    keep_shot_checkpoint`): a shot's first pass writes no checkpoint of its own, the ledger
    keeps its paid job; the lesson graph's checkpoints (and each finished shot's result) are
    written in full.
    """
    import aiosqlite

    from lessonreel.graph.builder import SHOT_NODE
    from lessonreel.graph.checkpointer import GroupCommit, GroupCommitSaver
    from lessonreel.graph.state import keep_shot_checkpoint
    from lessonreel.store.home import checkpoints_path

    path = checkpoints_path()
    writer = GroupCommit(path)
    # the same 30 s busy wait as the group-commit writer: another process (a studio still
    # shutting down, a second worker) may hold the write lock for a moment
    async with aiosqlite.connect(str(path), timeout=30.0) as conn:
        try:
            yield GroupCommitSaver(
                conn,
                writer,
                serde=checkpoint_serde(),
                sparse={SHOT_NODE: keep_shot_checkpoint},
            )
        finally:
            await writer.aclose()


AWAITING_REVIEW = "awaiting review"
"""A run's status while its storyboard waits for a reviewer (``show`` and ``runs`` say so)."""


async def _set_status(svc: Any, run_id: str, status: str) -> None:
    import asyncio

    if await asyncio.to_thread(svc.ledger.get_run, run_id) is not None:
        await asyncio.to_thread(svc.ledger.update_run, run_id, status=status)


def thread_config(run_id: str, context: Context) -> RunnableConfig:
    """Config for a run's thread; ``max_concurrency`` bounds the shots in flight."""
    return {
        "configurable": {"thread_id": run_id},
        "max_concurrency": max(1, context.max_concurrent_jobs),
        "recursion_limit": 200,
    }


async def run_graph(
    payload: Any,
    *,
    run_id: str,
    context: Context,
    on_event: EventHandler | None = None,
    on_review: ReviewHandler | None = None,
) -> RunOutcome:
    """Invoke (or resume, with ``payload=None``) the run's thread until it ends or pauses.

    When the storyboard review interrupts and ``on_review`` is given, its answer resumes the run;
    without one the run stays paused and the request is returned in ``interrupted``.
    """
    from lessonreel.graph.builder import build_graph
    from lessonreel.graph.services import open_services

    config = thread_config(run_id, context)
    async with (
        run_lease(run_id) as token,
        open_checkpointer() as saver,
        open_services(context) as svc,
    ):
        svc.lease_token = token
        svc.on_event = on_event if on_event is not None else _ignore_event
        await asyncio.to_thread(_sweep_partials, run_id)
        graph = build_graph(checkpointer=saver)
        return await _drive(graph, svc, payload, run_id, config, context, on_review)


def _ignore_event(_event: dict[str, Any]) -> None:
    """Progress of a run nobody watches."""


async def _drive(
    graph: Any,
    svc: Any,
    payload: Any,
    run_id: str,
    config: RunnableConfig,
    context: Context,
    on_review: ReviewHandler | None,
) -> RunOutcome:
    """Stream the thread to its end or its pause, answering reviews when a handler is given."""
    from langgraph.types import Command

    while True:
        if isinstance(payload, Command):
            await _set_status(svc, run_id, "running")
        async for _chunk in graph.astream(
            payload,
            config,
            context=context,
            stream_mode="custom",  # stays empty: nodes hand progress to svc.on_event (emit)
            durability="sync",
        ):
            pass
        snapshot = await graph.aget_state(config)
        pending = [i.value for task in snapshot.tasks for i in task.interrupts]
        if pending and on_review is not None:
            payload = Command(resume=on_review(pending[0]))
            continue
        if pending:
            await _set_status(svc, run_id, AWAITING_REVIEW)
        return RunOutcome(
            run_id=run_id,
            values=dict(snapshot.values),
            interrupted=pending[0] if pending else None,
        )


async def thread_state(run_id: str) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Return the last checkpointed values and the nodes still to run (empty: finished)."""
    from lessonreel.graph.builder import build_graph

    async with open_checkpointer() as saver:
        graph = build_graph(checkpointer=saver)
        snapshot = await graph.aget_state({"configurable": {"thread_id": run_id}})
        return dict(snapshot.values), tuple(snapshot.next)


def stored_context(run_id: str, **overrides: Any) -> Context:
    """Rebuild the context a run was started with (from the ledger), applying overrides."""
    from lessonreel.store.ledger import Ledger

    with Ledger.open() as ledger:
        run = ledger.get_run(run_id)
    if run is None:
        raise RunNotFoundError(f"no run {run_id!r} — see `lessonreel runs` for run ids")
    options = run.get("options") or {}
    return Context.from_options(options if isinstance(options, dict) else {}, **overrides)
