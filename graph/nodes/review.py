"""review_storyboard: an optional human checkpoint (``interrupt``) before anything is spent."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from lessonreel.agents.schemas import Storyboard
from lessonreel.graph.context import Context
from lessonreel.graph.nodes.screen import screen_storyboard_text
from lessonreel.graph.plan import estimate, render_prompts, render_settings
from lessonreel.graph.services import context_of
from lessonreel.graph.state import LessonState


def review_request(state: LessonState) -> dict[str, Any]:
    """Return what the reviewer is shown: the storyboard and the estimate, as JSON."""
    cost = state.get("estimate")
    return {
        "question": "Approve this storyboard? Resume with 'approve' or {'storyboard': {...}}.",
        "run_id": state.get("run_id"),
        "storyboard": state["storyboard"].model_dump(mode="json"),
        "estimate": cost.model_dump(mode="json") if cost is not None else None,
    }


async def review_storyboard(state: LessonState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Pause for approval when review is on; an edited storyboard replaces the director's.

    The answer is ``"approve"`` / ``True`` / ``{"approve": true}``, or ``{"storyboard": {...}}``
    with an edited storyboard (validated; prompts and estimate are recomputed).
    """
    ctx = context_of(runtime)
    if not ctx.review or state.get("approved") or state.get("upscale"):
        return {"approved": True}
    answer = interrupt(review_request(state))
    edited = answer.get("storyboard") if isinstance(answer, dict) else None
    if edited is None:
        return {"approved": True}
    storyboard = Storyboard.model_validate(edited)
    if state.get("lesson") is not None:
        from lessonreel.agents.quiz import refresh_quiz

        storyboard = refresh_quiz(state["lesson"], storyboard)
    spec, size = render_settings(ctx)
    storyboard.check_durations(spec.seconds)
    storyboard, notes = await screen_storyboard_text(storyboard, runtime)
    return {
        "safety_notes": notes,
        "approved": True,
        "storyboard": storyboard,
        "prompts": render_prompts(storyboard, size=size),
        "estimate": estimate(storyboard, ctx),
    }
