"""screen_shot: the safety agent refines a shot's prompt and screens it before any dispatch.

Also the storyboard's own screen (:func:`screen_storyboard_text`), which the director and the
review step call before prompts are rendered: captions, narration, on-screen text and the
storyboard documents are made from the storyboard, not from the prompt.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from langgraph.runtime import Runtime

from lessonreel.agents.schemas import SafetyNote, Storyboard, Verdict
from lessonreel.graph.context import Context
from lessonreel.graph.services import emit, services
from lessonreel.graph.state import ShotState


async def screen_shot(state: ShotState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Refine the prompt (length, dialogue last, negatives) and screen it against the blocklist."""
    from lessonreel.agents.safety import refine

    svc = await services(runtime)
    prompt = refine(state["prompt"])
    screen = await svc.screen()
    verdict = await screen.ascreen(prompt.text)
    if not verdict.allowed:
        verdict = await _paid_for(svc, {**state, "prompt": prompt}, verdict)
    emit(
        runtime,
        {
            "event": "shot",
            "index": state["shot"].index,
            "stage": "screened" if verdict.allowed else "blocked",
            "detail": verdict.category,
        },
    )
    update: dict[str, Any] = {"prompt": prompt, "verdict": verdict}
    if "started_at" not in state:
        update["started_at"] = time.time()
    return update


async def _paid_for(svc: Any, state: ShotState, verdict: Verdict) -> Verdict:
    """A block of a prompt this very attempt already bought stands aside: the job is collected.

    A shot's first pass keeps no checkpoint, so after a crash its prompt is screened again. An
    online moderation check may answer differently the second time; rewriting the prompt then
    would pay for a second clip of the shot. The first verdict let the job be created, so it
    stands (as it did when every step was checkpointed) and the reasons say why.
    """
    from lessonreel.graph.nodes.dispatch import previous_job
    from lessonreel.graph.state import keep_shot_checkpoint

    if keep_shot_checkpoint(state):
        return verdict
    row = await asyncio.to_thread(previous_job, svc, state)
    if row is None:
        return verdict
    why = f"already paid for as job {row['provider_job_id'] or row['idempotency_key'][:12]} when "
    why += "this prompt was allowed; collected, not bought again"
    return verdict.model_copy(update={"allowed": True, "reasons": [*verdict.reasons, why]})


async def screen_storyboard_text(
    storyboard: Storyboard, runtime: Runtime[Context]
) -> tuple[Storyboard, list[SafetyNote]]:
    """Screen every text a viewer sees or hears in the storyboard; unsafe sentences go."""
    from lessonreel.agents.screen_storyboard import screen_storyboard

    svc = await services(runtime)
    screen = await svc.screen()
    return await asyncio.to_thread(screen_storyboard, storyboard, screen)
