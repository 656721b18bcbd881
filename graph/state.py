"""Graph state: the lesson run (main graph) and one shot's journey (the per-shot subgraph).

Per-shot results fan in through the named reducer :func:`merge_shot_results`, keyed by shot
index, so parallel shot branches never write a shared list and a later attempt (an upscale, a
retry after resume) replaces the earlier result for its shot.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from lessonreel.agents.schemas import (
    Lesson,
    Rewrite,
    SafetyNote,
    Shot,
    ShotPrompt,
    Storyboard,
    Verdict,
)
from lessonreel.video.pricing import CostEstimate
from lessonreel.video.types import JobError, VideoJob

__all__ = [
    "CostEstimate",
    "InputState",
    "LessonState",
    "Outcome",
    "OutputState",
    "ShotOutput",
    "ShotResult",
    "ShotState",
    "ShotTask",
    "keep_shot_checkpoint",
    "merge_shot_results",
    "shot_result",
]

Outcome = Literal["delivered", "given_up", "stopped"]
"""delivered: a clip is stored; given_up: a slate stands in (reason says why); stopped: the run
stopped dispatching (budget or quota) before this shot was rendered, a slate stands in."""


class ShotResult(BaseModel):
    """What happened to one shot; one row of the run report."""

    index: int = Field(ge=0, description="Shot index in the storyboard.")
    outcome: Outcome = Field(description="delivered, given_up or stopped.")
    reason: str | None = Field(default=None, description="Why it was given up or stopped.")
    provider: str = Field(default="", description="Provider that rendered (or would render) it.")
    model: str = Field(default="", description="Video model requested.")
    size: str = Field(default="", description="WIDTHxHEIGHT requested.")
    seconds: int = Field(default=0, ge=0, description="Clip length requested.")
    job_id: str | None = Field(default=None, description="Provider job id of the final attempt.")
    job_key: str | None = Field(default=None, description="Ledger idempotency key.")
    attempts: int = Field(default=0, ge=0, description="Provider jobs created for this shot.")
    rewrites: list[Rewrite] = Field(default_factory=list, description="Sanitizer rounds.")
    prompt: str = Field(default="", description="Final prompt sent (or last screened).")
    clip_path: str | None = Field(default=None, description="Stored clip, when delivered.")
    sha256: str | None = Field(default=None, description="Checksum of the stored clip.")
    clip_stamp: str | None = Field(
        default=None,
        description="Size, mtime and inode of the clip when fetch found it whole (see file_stamp).",
    )
    cost_usd: float = Field(default=0.0, ge=0, description="What the provider charged.")
    shadow_cost_usd: float = Field(
        default=0.0, ge=0, description="Shadow price of the clip (its charge on a paying provider)."
    )
    elapsed_seconds: float = Field(default=0.0, ge=0, description="Wall time spent on the shot.")
    generation: int = Field(default=0, ge=0, description="0 for the first render, +1 per upscale.")


class ShotSpeech(BaseModel):
    """One shot's narration audio: where it is stored and where it sits in the video."""

    index: int = Field(ge=0, description="Shot index.")
    key: str = Field(description="Ledger idempotency key of this narration asset.")
    path: str = Field(description="The stored WAV file.")
    seconds: float = Field(ge=0, description="Length of the narration audio.")
    offset: float = Field(default=0.0, ge=0, description="Seconds into the video it starts.")
    segments: list[tuple[float, float, str]] = Field(
        default_factory=list, description="Sentences with start/end seconds within the audio."
    )
    cost_usd: float = Field(default=0.0, ge=0, description="What the speech call cost.")


class Narration(BaseModel):
    """The lesson's narration: engine, voice, per-shot audio, or why there is none."""

    engine: str = Field(default="", description="Speech engine (piper, openai).")
    voice: str = Field(default="", description="Voice name.")
    shots: dict[int, ShotSpeech] = Field(default_factory=dict, description="Audio per shot.")
    note: str | None = Field(default=None, description="Why narration is missing, if it is.")
    usd: float = Field(default=0.0, ge=0, description="Total speech cost.")
    max_silence: float = Field(default=0.0, ge=0, description="Longest silent stretch in a shot.")
    loudness_lufs: float | None = Field(default=None, description="Final mix, integrated LUFS.")
    true_peak_dbtp: float | None = Field(default=None, description="Final mix true peak, dBTP.")


def merge_shot_results(
    left: dict[int, ShotResult] | None, right: dict[int, ShotResult] | None
) -> dict[int, ShotResult]:
    """Fan-in reducer: merge per-shot results by index; the later write for a shot wins."""
    merged = dict(left or {})
    merged.update(right or {})
    return merged


def append_rewrites(left: list[Rewrite] | None, right: list[Rewrite] | None) -> list[Rewrite]:
    """Accumulate sanitizer rounds for one shot, in order."""
    return [*(left or []), *(right or [])]


def append_safety_notes(
    left: list[SafetyNote] | None, right: list[SafetyNote] | None
) -> list[SafetyNote]:
    """Accumulate the safety agent's changes (ingest, then storyboard), in order."""
    return [*(left or []), *(right or [])]


class InputState(TypedDict, total=False):
    """What a run starts from: a lesson (text or path) and, for an upscale, the shots to redo."""

    lesson_text: str
    lesson_path: str
    run_id: str
    upscale: list[int]


class OutputState(TypedDict, total=False):
    """What a run hands back."""

    run_id: str
    video_path: str
    captions_path: str
    report: dict[str, object]


class LessonState(InputState, OutputState, total=False):
    """The main graph's state."""

    lesson: Lesson
    storyboard: Storyboard
    prompts: dict[int, ShotPrompt]
    estimate: CostEstimate
    approved: bool
    narration: Narration
    shot_results: Annotated[dict[int, ShotResult], merge_shot_results]
    safety_notes: Annotated[list[SafetyNote], append_safety_notes]


class ShotTask(TypedDict):
    """One branch of the fan-out (the ``Send`` payload): a shot and how to render it."""

    run_id: str
    shot: Shot
    prompt: ShotPrompt
    model: str
    size: str
    generation: int


class ShotState(ShotTask, total=False):
    """A shot's journey through screen → (sanitize) → dispatch → await → fetch."""

    verdict: Verdict
    rewrites: Annotated[list[Rewrite], append_rewrites]
    sanitize_rounds: int
    retry: int
    unknown_rounds: int
    attempts: int
    fetch_attempts: int
    job_key: str | None
    job_id: str | None
    job: VideoJob | None
    settled: bool
    error: JobError | None
    reason: str
    stopped: bool
    started_at: float
    shot_results: Annotated[dict[int, ShotResult], merge_shot_results]


OFF_COURSE_COUNTERS = ("retry", "unknown_rounds", "sanitize_rounds", "fetch_attempts")
"""Shot state counters that a resumed shot could not rebuild from its ``Send`` input and the
ledger: a retry index (the idempotency key of the attempt), a sanitizer round (its rewritten
prompt), a re-fetch."""


def keep_shot_checkpoint(values: Mapping[str, Any]) -> bool:
    """Whether a shot's checkpoint must be written: only once the shot has left its first pass.

    On the first pass (screen → dispatch → await → fetch) a shot killed midway can start again
    from its input: the refined prompt and the attempt's key come out the same, and the ledger
    row reserved before the paid create turns the dispatch into a collect. A retry or a rewrite
    cannot be rebuilt that way, so from then on every step of the shot is checkpointed.
    """
    return any(values.get(name) for name in OFF_COURSE_COUNTERS)


class ShotOutput(TypedDict):
    """What a shot branch reports back to the main graph."""

    shot_results: Annotated[dict[int, ShotResult], merge_shot_results]


def shot_result(
    state: ShotState,
    *,
    outcome: Outcome,
    provider: str,
    reason: str | None = None,
    clip: str | None = None,
    sha256: str | None = None,
    cost_usd: float = 0.0,
    shadow_usd: float = 0.0,
) -> ShotResult:
    """Return the report row for a shot, from everything its branch has learnt."""
    shot = state["shot"]
    started = state.get("started_at") or time.time()
    return ShotResult(
        index=shot.index,
        outcome=outcome,
        reason=reason,
        provider=provider,
        model=state["model"],
        size=state["size"],
        seconds=shot.duration,
        job_id=state.get("job_id"),
        job_key=state.get("job_key"),
        attempts=state.get("attempts", 0),
        rewrites=list(state.get("rewrites", [])),
        prompt=state["prompt"].text,
        clip_path=clip,
        sha256=sha256,
        cost_usd=cost_usd,
        shadow_cost_usd=shadow_usd if outcome == "delivered" else 0.0,
        elapsed_seconds=max(0.0, time.time() - started),
        generation=state["generation"],
    )
