"""Routers: every branch of the graph, named ``route_after_<node>``, returning ``Literal`` names.

Routers only read state (and the run's limits from the context); they never call a provider or
the ledger, so they are cheap to re-run on resume and easy to test as tables. They are
``async def`` although they never await: LangGraph runs a plain function router in a worker
thread, which would cost every shot a thread hop per routing decision (four on its way through);
a coroutine router runs inline on the event loop (the Temporal plugin asks for them too).
"""

from __future__ import annotations

from typing import Literal

from langgraph.runtime import Runtime
from langgraph.types import Send

from lessonreel.graph.context import Context
from lessonreel.graph.plan import render_settings
from lessonreel.graph.services import context_of
from lessonreel.graph.state import LessonState, ShotState, ShotTask
from lessonreel.video.types import CREATE_OUTCOME_UNKNOWN, ErrorKind

RATE_LIMIT_RETRY_FACTOR = 4
"""Rate-limit waits allowed per shot, as a multiple of ``max_retries`` (429s are expected)."""

AfterFailure = Literal["sanitize_shot", "back_off", "give_up_shot", "stop_shot"]


def shot_tasks(state: LessonState, context: Context) -> list[ShotTask]:
    """Return the shots to render: the upscale selection, else every undelivered shot."""
    storyboard = state["storyboard"]
    prompts = state.get("prompts") or {}
    results = state.get("shot_results") or {}
    spec, size = render_settings(context)
    upscale = set(state.get("upscale") or ())
    tasks: list[ShotTask] = []
    for shot in storyboard.shots:
        previous = results.get(shot.index)
        if upscale:
            if shot.index not in upscale:
                continue
        elif previous is not None and previous.outcome == "delivered":
            continue
        prompt = prompts[shot.index].model_copy(update={"size": size})
        tasks.append(
            ShotTask(
                run_id=state["run_id"],
                shot=shot,
                prompt=prompt,
                model=spec.model,
                size=size,
                generation=(previous.generation + 1) if previous is not None and upscale else 0,
            )
        )
    return tasks


async def route_after_narrate(
    state: LessonState, runtime: Runtime[Context]
) -> list[Send] | Literal["assemble_lesson"]:
    """Fan out one ``render_shot`` branch per shot to render; nothing to render → assemble."""
    tasks = shot_tasks(state, context_of(runtime))
    if not tasks:
        return "assemble_lesson"
    return [Send("render_shot", task) for task in tasks]


async def route_after_screen(
    state: ShotState, runtime: Runtime[Context]
) -> Literal["dispatch_shot", "sanitize_shot", "give_up_shot"]:
    """Route: allowed → dispatch; blocked → sanitize while rounds remain; otherwise give up."""
    verdict = state.get("verdict")
    if verdict is not None and verdict.allowed:
        return "dispatch_shot"
    if state.get("sanitize_rounds", 0) < context_of(runtime).max_sanitize_rounds:
        return "sanitize_shot"
    return "give_up_shot"


async def route_after_sanitize(state: ShotState) -> Literal["screen_shot", "give_up_shot"]:
    """Return a rewrite goes back to the screen; a prompt that cannot be fixed is given up."""
    return "give_up_shot" if state.get("reason") else "screen_shot"


def _after_failure(state: ShotState, context: Context) -> AfterFailure:
    """Return the error taxonomy's action for the shot's last provider error."""
    error = state.get("error")
    assert error is not None
    retry = state.get("retry", 0)
    if error.code == CREATE_OUTCOME_UNKNOWN:
        # the create may have been accepted: back_off keeps the same key and dispatch reconciles
        rounds = state.get("unknown_rounds", 0)
        return "back_off" if rounds < context.max_retries else "give_up_shot"
    if error.kind is ErrorKind.CONTENT_POLICY:
        if state.get("sanitize_rounds", 0) < context.max_sanitize_rounds:
            return "sanitize_shot"
        return "give_up_shot"
    if error.kind is ErrorKind.RATE_LIMITED:
        if retry < context.max_retries * RATE_LIMIT_RETRY_FACTOR:
            return "back_off"
        return "give_up_shot"
    if error.kind is ErrorKind.QUOTA_EXHAUSTED:
        return "stop_shot"
    if error.kind in (ErrorKind.SERVER_ERROR, ErrorKind.TIMEOUT):
        return "back_off" if retry < context.max_retries else "give_up_shot"
    return "give_up_shot"


async def route_after_dispatch(
    state: ShotState, runtime: Runtime[Context]
) -> Literal["await_clip", "sanitize_shot", "back_off", "give_up_shot", "stop_shot"]:
    """Route: submitted → wait; stopped (budget/quota) → stop; a submit error → its action."""
    if state.get("stopped"):
        return "stop_shot"
    if state.get("error") is None:
        return "await_clip"
    return _after_failure(state, context_of(runtime))


async def route_after_await(
    state: ShotState, runtime: Runtime[Context]
) -> Literal["fetch_clip", "sanitize_shot", "back_off", "give_up_shot", "stop_shot"]:
    """Succeeded → fetch; content policy → sanitize; 429/5xx → back off; quota → stop."""
    job = state.get("job")
    if state.get("error") is None and job is not None and job.status == "succeeded":
        return "fetch_clip"
    if state.get("error") is None:
        return "back_off"
    return _after_failure(state, context_of(runtime))


async def route_after_fetch(
    state: ShotState, runtime: Runtime[Context]
) -> Literal["__end__", "fetch_clip", "back_off", "give_up_shot"]:
    """Route: stored → done; a failed download → fetch again; an expired link → render again."""
    error = state.get("error")
    if error is None:
        return "__end__"
    limit = context_of(runtime).max_retries
    if error.code != "expired" and state.get("fetch_attempts", 0) < limit:
        return "fetch_clip"
    if state.get("retry", 0) < limit:
        return "back_off"
    return "give_up_shot"
