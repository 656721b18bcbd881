"""direct_storyboard: the director writes the storyboard and its quiz; prompts and estimate."""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph.runtime import Runtime

from lessonreel.graph.context import Context
from lessonreel.graph.nodes.screen import screen_storyboard_text
from lessonreel.graph.plan import estimate, render_prompts, render_settings
from lessonreel.graph.services import context_of, emit, services
from lessonreel.graph.state import LessonState


async def direct_storyboard(state: LessonState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Write the timed storyboard, render each shot's prompt and estimate the cost.

    The estimate is stored on the run and streamed before any paid call is made; with narration
    on, ``narrate_lesson`` streams it instead, once, after the shots are timed to the voice.
    """
    if state.get("storyboard") is not None:
        return {}
    from lessonreel.agents.director import direct

    ctx = context_of(runtime)
    svc = await services(runtime)
    spec, size = render_settings(ctx)
    lesson = state["lesson"]
    storyboard = await direct(
        lesson,
        legal_seconds=spec.seconds,
        target_seconds=ctx.target_seconds,
        chat_model=svc.director_llm,
        speaking_rate=ctx.speaking_rate,
    )
    if storyboard.quiz is None:
        from lessonreel.agents.quiz import make_quiz

        quiz = await make_quiz(lesson, storyboard, chat_model=svc.director_llm)
        storyboard = storyboard.model_copy(update={"quiz": quiz})
    # The quiz is screened with the rest: what a viewer reads is screened like what they hear.
    storyboard, notes = await screen_storyboard_text(storyboard, runtime)
    cost = estimate(storyboard, ctx)
    await asyncio.to_thread(
        svc.ledger.update_run,
        state["run_id"],
        estimate_usd=cost.usd,
        estimate_shadow_usd=cost.shadow_usd,
        shots=len(storyboard.shots),
        seconds=storyboard.total_seconds,
    )
    if not ctx.narration:
        emit(runtime, {"event": "estimate", "estimate": cost.model_dump(mode="json")})
    return {
        "storyboard": storyboard,
        "prompts": render_prompts(storyboard, size=size),
        "estimate": cost,
        "safety_notes": notes,
    }
