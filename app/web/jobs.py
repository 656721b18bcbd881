"""Runs the studio started, in process: one task per run, and who may start the next step.

Every step goes through one lock per run, so two tabs approving the same storyboard cannot both
resume it: the first starts the render, the second finds the run busy. Errors are kept as one
plain sentence for the page; the traceback goes to the server log only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from typing import Any

from lessonreel.graph.context import Context

log = logging.getLogger(__name__)

REVIEW_NODE = "review_storyboard"


def plain_error(exc: BaseException) -> str:
    """Say what went wrong in one sentence a teacher can act on (no traceback, no key)."""
    from lessonreel.agents.director_llm import DirectorError
    from lessonreel.agents.ingest import LessonInputError
    from lessonreel.graph.runner import RunNotFoundError
    from lessonreel.video.types import ProviderError

    if isinstance(exc, LessonInputError | RunNotFoundError):
        return str(exc.args[0]) if exc.args else "the lesson cannot be read"
    if isinstance(exc, ProviderError):
        return f"The video service refused the request: {exc.error.message}"
    if isinstance(exc, DirectorError):
        return f"The storyboard could not be written: {exc}"
    if isinstance(exc, ValueError):
        return f"The run stopped: {exc}"
    return (
        "The run stopped because of an unexpected problem on the server "
        f"({type(exc).__name__}); it can be resumed from its page."
    )


class RunManager:
    """The studio's runs in flight; the graph's checkpoints stay the source of truth."""

    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.errors: dict[str, str] = {}
        """The last failure of each run, as one plain sentence."""

    def active(self, run_id: str) -> bool:
        """True while this server is advancing the run."""
        task = self._tasks.get(run_id)
        return task is not None and not task.done()

    async def wait(self, run_id: str) -> None:
        """Return when this server stops advancing the run (at once when it is not)."""
        task = self._tasks.get(run_id)
        if task is not None:
            await asyncio.wait([task])

    def _lock(self, run_id: str) -> asyncio.Lock:
        return self._locks.setdefault(run_id, asyncio.Lock())

    def _spawn(self, run_id: str, work: Coroutine[Any, Any, Any]) -> None:
        self.errors.pop(run_id, None)
        self._tasks[run_id] = asyncio.create_task(self._guard(run_id, work), name=run_id)

    async def _guard(self, run_id: str, work: Coroutine[Any, Any, Any]) -> None:
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("run %s failed", run_id)
            self.errors[run_id] = plain_error(exc)

    async def start(self, payload: dict[str, Any], *, run_id: str, context: Context) -> None:
        """Start a new run; it writes the storyboard and pauses for review."""
        from lessonreel.graph.runner import run_graph

        async with self._lock(run_id):
            if self.active(run_id):
                return
            self._spawn(run_id, run_graph(payload, run_id=run_id, context=context))

    async def approve(self, run_id: str, answer: Any) -> bool:
        """Resume the review with ``answer``; False when the run is not waiting for review."""
        from langgraph.types import Command

        from lessonreel.graph.runner import run_graph, stored_context, thread_state

        async with self._lock(run_id):
            if self.active(run_id):
                return False
            _values, pending = await thread_state(run_id)
            if REVIEW_NODE not in pending:
                return False
            ctx = await asyncio.to_thread(stored_context, run_id)
            work = run_graph(Command(resume=answer), run_id=run_id, context=ctx)
            self._spawn(run_id, work)
            return True

    async def resume(self, run_id: str) -> bool:
        """Continue an interrupted run from its checkpoint; False when nothing is left to do."""
        from lessonreel.graph.runner import run_graph, stored_context, thread_state

        async with self._lock(run_id):
            if self.active(run_id):
                return False
            _values, pending = await thread_state(run_id)
            if not pending or REVIEW_NODE in pending:
                return False
            ctx = await asyncio.to_thread(stored_context, run_id)
            self._spawn(run_id, run_graph(None, run_id=run_id, context=ctx))
            return True

    async def upscale(self, run_id: str, shots: Sequence[int]) -> bool:
        """Re-render ``shots`` one tier up; False while the run is busy."""
        from lessonreel.app.api import aupscale

        async with self._lock(run_id):
            if self.active(run_id):
                return False
            self._spawn(run_id, aupscale(run_id, list(shots)))
            return True

    async def shutdown(self) -> None:
        """Stop advancing runs (their checkpoints let the next server resume them)."""
        tasks = [t for t in self._tasks.values() if not t.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
