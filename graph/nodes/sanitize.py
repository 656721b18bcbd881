"""sanitize_shot: rewrite a blocked or provider-rejected prompt, keeping the teaching intent."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from lessonreel.graph.context import Context
from lessonreel.graph.services import context_of, emit, services
from lessonreel.graph.state import ShotState


def sanitize_reason(state: ShotState) -> str:
    """Why the prompt needs a rewrite: the provider's rejection, else the screen's verdict."""
    error = state.get("error")
    if error is not None:
        return f"provider rejected the prompt ({error.code or error.kind.value}): {error.message}"
    verdict = state.get("verdict")
    if verdict is not None and not verdict.allowed:
        reasons = "; ".join(verdict.reasons) or "matched the blocklist"
        return f"screen blocked the prompt ({verdict.category or 'unsafe'}): {reasons}"
    return "prompt needs a rewrite"


async def sanitize_shot(state: ShotState, runtime: Runtime[Context]) -> dict[str, Any]:
    """One bounded sanitizer round; when nothing can fix the prompt the shot is given up."""
    from lessonreel.agents.sanitizer import sanitize

    svc = await services(runtime)
    rounds = state.get("sanitize_rounds", 0) + 1
    reason = sanitize_reason(state)
    error = state.get("error")
    rewrite = await sanitize(
        state["prompt"].text,
        reason=reason,
        verdict=None if error is not None else state.get("verdict"),
        round=rounds,
        chat_model=svc.sanitizer_llm,
        screen=await svc.screen(),
        max_rounds=context_of(runtime).max_sanitize_rounds,
    )
    emit(
        runtime,
        {"event": "shot", "index": state["shot"].index, "stage": "sanitized", "detail": reason},
    )
    if rewrite is None or not rewrite.after.strip() or rewrite.after == state["prompt"].text:
        return {
            "sanitize_rounds": rounds,
            "reason": f"given up after {rounds} sanitize round(s): {reason}",
        }
    return {
        "sanitize_rounds": rounds,
        "prompt": state["prompt"].model_copy(update={"text": rewrite.after}),
        "rewrites": [rewrite],
        "error": None,
        "job": None,
        "job_key": None,
    }
