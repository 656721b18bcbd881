"""back_off: wait before a retry (honouring retry-after) and move to a fresh ledger retry index."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from langgraph.runtime import Runtime

from lessonreel.graph.context import Context
from lessonreel.graph.services import context_of
from lessonreel.graph.state import ShotState

BACKOFF_CAP_SECONDS = 60.0


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
    wait = backoff_seconds(state, base=ctx.poll_interval)
    runtime.stream_writer(
        {"event": "shot", "index": state["shot"].index, "stage": "retrying", "wait": wait}
    )
    await asyncio.sleep(wait)
    return {
        "retry": state.get("retry", 0) + 1,
        "error": None,
        "job": None,
        "job_id": None,
        "fetch_attempts": 0,
    }
