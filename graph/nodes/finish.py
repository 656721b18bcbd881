"""give_up_shot and stop_shot: a shot that will not be rendered gets a slate and a reason."""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph.runtime import Runtime

from lessonreel.graph.context import Context
from lessonreel.graph.services import emit, services
from lessonreel.graph.state import Outcome, ShotState, shot_result


def give_up_reason(state: ShotState) -> str:
    """Why a shot ends as a slate, in words a teacher can act on."""
    if state.get("reason"):
        return str(state["reason"])
    error = state.get("error")
    if error is not None:
        code = f" ({error.code})" if error.code else ""
        return f"provider failure {error.kind.value}{code}: {error.message}"
    verdict = state.get("verdict")
    if verdict is not None and not verdict.allowed:
        rounds = state.get("sanitize_rounds", 0)
        why = "; ".join(verdict.reasons) or verdict.category or "blocked"
        return f"blocked by the safety screen after {rounds} sanitize round(s): {why}"
    return "given up"


async def _record(
    state: ShotState, runtime: Runtime[Context], outcome: Outcome, reason: str
) -> dict[str, Any]:
    svc = await services(runtime)
    index = state["shot"].index
    result = shot_result(state, outcome=outcome, provider=svc.provider.name, reason=reason)
    await asyncio.to_thread(
        svc.ledger.upsert_shot,
        state["run_id"],
        index,
        status=outcome,
        error=reason,
        attempts=result.attempts,
        rewrites=len(result.rewrites),
        prompt=result.prompt,
        verdict=state.get("verdict"),
    )
    emit(runtime, {"event": "shot", "index": index, "stage": outcome, "detail": reason})
    return {"shot_results": {index: result}}


async def give_up_shot(state: ShotState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Give the shot up: a slate stands in for it and the report says why."""
    return await _record(state, runtime, "given_up", give_up_reason(state))


async def stop_shot(state: ShotState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Return the run stopped dispatching (budget or quota): keep the slot, say why."""
    svc = await services(runtime)
    error = state.get("error")
    reason = state.get("reason") or svc.control.stop_reason
    if error is not None and reason is None:
        reason = svc.control.stop(f"provider quota exhausted: {error.message}")
    return await _record(state, runtime, "stopped", reason or "run stopped")
