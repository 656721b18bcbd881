"""await_clip: wait for a submitted job, reading webhook events first and polling as a fallback.

The wait lives inside this node, so a crash mid-wait resumes the *wait* (the job id is in the
ledger and in the checkpoint), never the job.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from langgraph.runtime import Runtime

from lessonreel.graph.context import Context
from lessonreel.graph.services import Services, context_of, emit, services
from lessonreel.graph.state import ShotState
from lessonreel.video.pricing import billed, shadow_price
from lessonreel.video.types import ErrorKind, JobError, ProviderError, VideoJob

EVENT_CHECK_SECONDS = 0.5
"""How often the ledger is read for webhook events between polls."""

TERMINAL_EVENT_TYPES = frozenset(
    {"video.completed", "video.failed", "video.succeeded", "video.canceled", "video.expired"}
)


async def await_clip(state: ShotState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Wait until the job is terminal; on success record the charge; map failures to errors."""
    ctx = context_of(runtime)
    svc = await services(runtime)
    job_id = state.get("job_id")
    key = state.get("job_key")
    index = state["shot"].index
    if not job_id or not key:
        return {"error": JobError(kind=ErrorKind.SERVER_ERROR, code="no_job", message="no job id")}
    job: VideoJob | None = state.get("job")
    if job is not None and job.terminal:  # it ended before the wait began: one thread hop
        error = terminal_error(job)
        if state.get("settled"):  # dispatch recorded it with the create, in the same hop
            return {"job": job, "error": error}
        stored = await asyncio.to_thread(_stored_else_record, svc, state, job, job_id, key, error)
        if stored is not None:
            return {"job": stored, "error": None}
        return {"job": job, "error": error}
    stored = await asyncio.to_thread(_already_stored, svc, key, job_id)
    if stored is not None:
        return {"job": stored, "error": None}  # fetch_clip checks and reuses the stored clip
    deadline = time.monotonic() + ctx.job_timeout
    delay = max(0.05, ctx.poll_interval)
    next_poll = 0.0
    while job is None or not job.terminal:
        if job is None or time.monotonic() >= next_poll or await _terminal_event(svc, job_id):
            try:
                job = await svc.provider.get(job_id)
            except ProviderError as exc:
                return {"job": None, "error": _lost(exc.error)}
            next_poll = time.monotonic() + delay
            delay = min(delay * 1.6, ctx.max_poll_interval)
            if not job.terminal:  # a terminal status is recorded with its charge (_settle)
                await asyncio.to_thread(_record_status, svc, key, job)
            emit(
                runtime,
                {"event": "shot", "index": index, "stage": job.status, "progress": job.progress},
            )
            if job.terminal:
                break
        if time.monotonic() > deadline:
            return {
                "job": job,
                "error": JobError(
                    kind=ErrorKind.TIMEOUT,
                    code="job_timeout",
                    message=f"job {job_id} not done after {ctx.job_timeout:g}s",
                ),
            }
        await asyncio.sleep(min(EVENT_CHECK_SECONDS, max(0.0, next_poll - time.monotonic())))
    return await _settle(svc, state, job, key)


def _record_status(svc: Services, key: str, job: VideoJob) -> None:
    """Record a polled job's status, progress and link expiry."""
    svc.ledger.update_job(key, status=job.status, progress=job.progress, expires_at=job.expires_at)


def _already_stored(svc: Services, key: str, job_id: str) -> VideoJob | None:
    """The finished job whose clip is already on disk (a resume must not render it again).

    A local provider forgets its jobs when its process ends; asking it would render the shot
    again. The ledger knows the job succeeded and where its checked clip lies.
    """
    row = svc.ledger.job_by_key(key)
    if not row or row.get("status") != "succeeded" or not row.get("sha256"):
        return None
    if not row.get("clip_path") or not Path(row["clip_path"]).exists():
        return None
    return VideoJob(id=job_id, provider=svc.provider.name, status="succeeded", progress=100)


async def _terminal_event(svc: Services, job_id: str) -> bool:
    """Return true when the webhook receiver has written a terminal event for the job."""
    events = await asyncio.to_thread(svc.ledger.events_for_job, svc.provider.name, job_id)
    return any(e.get("type") in TERMINAL_EVENT_TYPES for e in events)


def _lost(error: JobError) -> JobError:
    """Make a 404 (the provider lost the job) transient: it can only be rendered again."""
    if error.http_status == 404:
        return JobError(
            kind=ErrorKind.SERVER_ERROR,
            code="job_not_found",
            message=f"the provider no longer knows this job: {error.message}",
            http_status=404,
        )
    return error


def _charge(svc: Services, state: ShotState, job: VideoJob, key: str) -> None:
    """Record what the provider charged for a rendered job (its price, else our estimate).

    Runs in one worker thread: one hop per shot instead of one per ledger call.
    """
    ledger = svc.ledger
    run_id = state["run_id"]
    charge = job.cost_usd
    if charge is None:  # the provider did not say: our estimate, from the reserved row
        charge = (ledger.job_by_key(key) or {}).get("estimate_usd") or 0
    ledger.update_job(key, cost_usd=float(charge))
    ledger.record_spend(run_id, job_key=key, usd=float(charge), kind="charge")
    shot = state["shot"]
    shadow = shadow_price(
        svc.prices, svc.provider.name, state["model"], state["size"], shot.duration
    )
    if shadow is not None:
        ledger.record_spend(run_id, job_key=key, usd=shadow, kind="shadow")


def terminal_error(job: VideoJob) -> JobError | None:
    """The error the router reads for a terminal job (None: it succeeded and is billed)."""
    if billed(job) and job.status == "succeeded":
        return None
    error = job.error or JobError(
        kind=ErrorKind.SERVER_ERROR, code=job.status, message=f"job ended {job.status}"
    )
    if job.status in {"expired", "canceled"} and error.kind is ErrorKind.INVALID_REQUEST:
        error = JobError(kind=ErrorKind.SERVER_ERROR, code=job.status, message=error.message)
    return error


async def _settle(svc: Services, state: ShotState, job: VideoJob, key: str) -> dict[str, Any]:
    """Record the terminal status and charges, and turn the job into the state the router reads."""
    error = terminal_error(job)
    await asyncio.to_thread(record_terminal, svc, state, job, key, error)
    return {"job": job, "error": error}


def _stored_else_record(
    svc: Services, state: ShotState, job: VideoJob, job_id: str, key: str, error: JobError | None
) -> VideoJob | None:
    """The stored clip's job if there is one (a resume), else record the terminal job (one hop)."""
    stored = _already_stored(svc, key, job_id)
    if stored is None:
        record_terminal(svc, state, job, key, error)
    return stored


def record_terminal(
    svc: Services, state: ShotState, job: VideoJob, key: str, error: JobError | None
) -> None:
    """Record a terminal job: status, charges, and its error when it failed (one thread hop).

    ``state`` gives the run, the shot and the model and size the job was bought at.
    """
    ledger = svc.ledger
    _record_status(svc, key, job)
    if billed(job):
        _charge(svc, state, job, key)
    elif job.cost_usd:
        ledger.record_spend(state["run_id"], job_key=key, usd=float(job.cost_usd), kind="charge")
    if error is not None:
        ledger.update_job(
            key,
            error_kind=error.kind.value,
            error_code=error.code,
            error_message=error.message,
        )
