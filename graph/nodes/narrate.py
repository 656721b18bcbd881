"""narrate_lesson: speak the narration, then set shot lengths from the real audio.

Runs after the storyboard is approved and before any video is paid for, so clips are ordered at
the lengths the words need (rounded to the model's legal durations). A speech failure never
stops the lesson: the captions stay, the report says why the video has no voice.
"""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph.runtime import Runtime

from lessonreel.agents.script import DEFAULT_WPM, words_per_minute
from lessonreel.agents.timing import retime
from lessonreel.graph.context import Context
from lessonreel.graph.plan import estimate, render_prompts, render_settings, run_voice
from lessonreel.graph.services import context_of, emit, services
from lessonreel.graph.speech import speak_lesson, time_shots
from lessonreel.graph.state import LessonState, Narration
from lessonreel.store.home import run_dir
from lessonreel.video.narration.base import SpeechError
from lessonreel.video.narration.registry import make_narrator

NO_NARRATION = "narration turned off (--no-narration)"


def narrator_rate(grade_band: str, speaking_rate: float) -> float:
    """The engine's speed: the grade's pace (slower for young children) × ``--speaking-rate``."""
    return round(words_per_minute(grade_band, speaking_rate) / DEFAULT_WPM, 3)


async def narrate_lesson(state: LessonState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Speak each shot's narration once (stored, keyed in the ledger) and retime the shots.

    The cost estimate is streamed here, once, with the final shot lengths (``direct_storyboard``
    streams it only when narration is off).
    """
    if state.get("narration") is not None or state.get("upscale"):
        return {}
    ctx = context_of(runtime)
    if not ctx.narration:
        return {"narration": Narration(note=NO_NARRATION)}
    svc = await services(runtime)
    run_id = state["run_id"]
    storyboard = state["storyboard"]
    voice = run_voice(ctx)
    emit(runtime, {"event": "narrate", "voice": voice})
    try:
        narrator = make_narrator(voice, base_url=ctx.speech_base_url, model=ctx.speech_model)
        folder = await asyncio.to_thread(run_dir, run_id)
        narration = await asyncio.to_thread(
            speak_lesson,
            svc.ledger,
            run_id,
            storyboard,
            narrator,
            voice=voice,
            model=ctx.speech_model,
            rate=narrator_rate(state["lesson"].grade_band, ctx.speaking_rate),
            folder=folder / "narration",
        )
    except (SpeechError, ValueError) as exc:
        note = f"no narration audio: {exc}"
        emit(runtime, {"event": "narration_failed", "reason": note})
        kept = state.get("estimate")  # the director's timing stands: its estimate is the final one
        if kept is not None:
            shown = kept if isinstance(kept, dict) else kept.model_dump(mode="json")
            emit(runtime, {"event": "estimate", "estimate": shown})
        return {"narration": Narration(voice=voice, note=note)}
    spec, size = render_settings(ctx)
    durations, narration = time_shots(storyboard, narration, sorted(spec.seconds))
    timed = retime(storyboard, durations)
    cost = estimate(timed, ctx)
    await asyncio.to_thread(
        svc.ledger.update_run,
        run_id,
        estimate_usd=cost.usd,
        estimate_shadow_usd=cost.shadow_usd,
        seconds=timed.total_seconds,
    )
    emit(runtime, {"event": "estimate", "estimate": cost.model_dump(mode="json")})
    return {
        "narration": narration,
        "storyboard": timed,
        "prompts": render_prompts(timed, size=size),
        "estimate": cost,
    }
