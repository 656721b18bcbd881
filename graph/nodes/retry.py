"""back_off: wait before a retry (honouring retry-after) and move to a fresh ledger retry index.

A create whose answer was lost is the exception: the job may exist, so the retry index (and so
the idempotency key) stays, and dispatch_shot looks for the job before submitting again.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

from langgraph.runtime import Runtime

from lessonreel.graph.context import Context
from lessonreel.graph.services import context_of, emit
from lessonreel.graph.state import ShotState
from lessonreel.video.types import CREATE_OUTCOME_UNKNOWN

BACKOFF_CAP_SECONDS = 60.0

UNKNOWN_OUTCOME_WAIT_SECONDS = 2.0
"""Longest wait before listing the provider's jobs after a lost create (listings lag a little)."""


def backoff_seconds(state: ShotState, *, base: float) -> float:
    """Return the provider's retry-after when given, else jittered exponential backoff."""
    error = state.get("error")
    if error is not None and error.retry_after is not None:
        return max(0.0, float(error.retry_after))
    retry: int = state.get("retry", 0)
    wait: float = min(BACKOFF_CAP_SECONDS, base * (2**retry)) * random.uniform(0.5, 1.0)
    return wait


async def back_off(state: ShotState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Sleep, then clear the failed job so dispatch submits under a new idempotency key."""
    ctx = context_of(runtime)
    error = state.get("error")
    if error is not None and error.code == CREATE_OUTCOME_UNKNOWN:
        wait = min(UNKNOWN_OUTCOME_WAIT_SECONDS, ctx.max_poll_interval)
        if error.retry_after is not None:
            wait = min(BACKOFF_CAP_SECONDS, max(0.0, float(error.retry_after)))
        emit(
            runtime,
            {"event": "shot", "index": state["shot"].index, "stage": "reconciling", "wait": wait},
        )
        await asyncio.sleep(wait)
        rounds: int = state.get("unknown_rounds", 0) + 1
        return {"unknown_rounds": rounds, "error": None, "job": None, "job_id": None}
    wait = backoff_seconds(state, base=ctx.poll_interval)
    emit(
        runtime, {"event": "shot", "index": state["shot"].index, "stage": "retrying", "wait": wait}
    )
    await asyncio.sleep(wait)
    return {
        "retry": state.get("retry", 0) + 1,
        "error": None,
        "job": None,
        "job_id": None,
        "fetch_attempts": 0,
    }
