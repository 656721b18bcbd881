"""screen_shot: the safety agent refines a shot's prompt and screens it before any dispatch."""

from __future__ import annotations

import time
from typing import Any

from langgraph.runtime import Runtime

from lessonreel.graph.context import Context
from lessonreel.graph.services import services
from lessonreel.graph.state import ShotState


async def screen_shot(state: ShotState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Refine the prompt (length, dialogue last, negatives) and screen it against the blocklist."""
    from lessonreel.agents.safety import refine

    svc = await services(runtime)
    prompt = refine(state["prompt"])
    screen = await svc.screen()
    verdict = await screen.ascreen(prompt.text)
    runtime.stream_writer(
        {
            "event": "shot",
            "index": state["shot"].index,
            "stage": "screened" if verdict.allowed else "blocked",
            "detail": verdict.category,
        }
    )
    update: dict[str, Any] = {"prompt": prompt, "verdict": verdict}
    if "started_at" not in state:
        update["started_at"] = time.time()
    return update
