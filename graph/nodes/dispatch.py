"""dispatch_shot: submit a screened shot to the provider exactly once.

The ledger decides. The idempotency key (provider, model, size, seconds, final prompt, run, shot,
retry index) is reserved *before* the submit call and the provider's job id is stored right
after it, so a re-run of this node (resume after a crash) finds the row and collects the job
instead of paying for it twice.

A row that exists *without* a provider job id means the process died between reserving and the
provider's answer: the job may or may not exist. For a provider that can list its jobs (the
Sora shape), we look for jobs created since the reservation with the same model, size and length
(and prompt, where the listing carries it) that no other ledger row has claimed; exactly one
such job is adopted. None found → the submit is repeated under the same key (the provider never
got it). Several candidates with our exact prompt → the newest is adopted; several that cannot
be told apart (no prompt in the listing) → we submit again rather than risk delivering another
shot's clip; the orphan costs money but never corrupts the lesson.

A submit whose answer was lost (``create_outcome_unknown``: reset, read timeout, 5xx after the
request was sent) leaves its row ``submit_unknown`` under the *same* key; back_off waits briefly
and this node reconciles it the same way. A provider that cannot list its jobs is never
resubmitted blindly: the shot is given up and the user told to check the provider.
"""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph.runtime import Runtime

from lessonreel.graph.context import Context
from lessonreel.graph.plan import shot_cost
from lessonreel.graph.services import Services, context_of, services
from lessonreel.graph.state import ShotState
from lessonreel.video.types import (
    CREATE_OUTCOME_UNKNOWN,
    ErrorKind,
    JobError,
    ProviderError,
    VideoJob,
    VideoRequest,
)

ORPHAN_SLACK_SECONDS = 5.0
"""Clock slack when matching a provider job to a reservation by creation time."""

SUBMIT_UNKNOWN = "submit_unknown"
"""Ledger status of a reservation whose submit may have created a job (its answer was lost)."""

UNLISTABLE_REASON = (
    "the provider may have created this job — check the provider, then `lessonreel resume RUN`"
)
"""Why a shot whose create went unanswered is given up on a provider that cannot list jobs."""

RETRIES_PER_GENERATION = 1000
"""The ledger's retry index is ``generation × 1000 + retry``: an upscale is a new paid intent
(a new key) even when its prompt and model match an earlier render of the shot."""


def ledger_retry(state: ShotState) -> int:
    """The retry index that goes into the idempotency key for this attempt."""
    retry: int = state["generation"] * RETRIES_PER_GENERATION + state.get("retry", 0)
    return retry


async def dispatch_shot(state: ShotState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Reserve the job in the ledger, then submit it (or collect the one already submitted)."""
    ctx = context_of(runtime)
    svc = await services(runtime)
    shot = state["shot"]
    run_id = state["run_id"]
    if svc.halt_reason:
        return {"stopped": True, "reason": svc.halt_reason}

    prompt = state["prompt"].text
    retry = ledger_retry(state)
    async with svc.dispatch_lock:
        # another process advancing this run would pay for its shots too (store/lease.py)
        await asyncio.to_thread(svc.ledger.leases.check, run_id, svc.lease_token)
        row = await asyncio.to_thread(_previous_job, svc, run_id, shot.index, prompt, retry)
        if row is not None:
            model, size, key = row["model"], row["size"], row["idempotency_key"]
            decision: dict[str, Any] = {"action": "allow"}
        else:
            decision = await asyncio.to_thread(
                _budget, svc, ctx, run_id, state["model"], state["size"], shot.duration
            )
            if decision.get("refuse"):
                svc.halt_reason = str(decision["reason"])
                await asyncio.to_thread(
                    svc.ledger.update_run, run_id, status="stopping", stop=svc.halt_reason
                )
                return {"stopped": True, "reason": svc.halt_reason}
            model, size = decision["model"], decision["size"]
            key = _key(svc, run_id, shot.index, model, size, shot.duration, prompt, retry)
        base = {"job_key": key, "model": model, "size": size, "error": None}
        request = VideoRequest(prompt=prompt, model=model, size=size, seconds=shot.duration)
        if row is not None and row.get("provider_job_id"):
            _emit(runtime, shot.index, "collecting", row["provider_job_id"])
            return {**base, "job_id": row["provider_job_id"], "job": None}
        attempts = state.get("attempts", 0)
        if row is not None:
            unknown = row.get("status") == SUBMIT_UNKNOWN
            if unknown and getattr(svc.provider, "iter_jobs", None) is None:
                error = JobError(
                    kind=ErrorKind.INVALID_REQUEST,
                    code="create_unreconciled",
                    message=UNLISTABLE_REASON,
                )
                return {
                    **base,
                    "job_id": None,
                    "job": None,
                    "error": error,
                    "reason": UNLISTABLE_REASON,
                }
            adopted, listed = await _find_orphan(svc, row, request)
            if adopted is not None:
                await asyncio.to_thread(svc.ledger.set_provider_job_id, key, adopted.id)
                await _record_submitted(svc, state, key, model, size, adopted, attempts + 1)
                _emit(runtime, shot.index, "collecting", adopted.id)
                return {**base, "job_id": adopted.id, "job": adopted, "attempts": attempts + 1}
            if unknown and not listed:
                error = JobError(
                    kind=ErrorKind.SERVER_ERROR,
                    code=CREATE_OUTCOME_UNKNOWN,
                    message="could not list the provider's jobs to find a lost create",
                )
                return {**base, "job_id": None, "job": None, "error": error}
        if decision.get("action") == "downgrade":
            _emit(runtime, shot.index, "downgraded", None, detail=str(decision.get("reason")))
        await asyncio.to_thread(
            svc.ledger.reserve_job,
            key,
            run_id=run_id,
            shot_index=shot.index,
            provider=svc.provider.name,
            model=model,
            size=size,
            seconds=shot.duration,
            prompt=prompt,
            estimate_usd=shot_cost(svc.provider.name, model, size, shot.duration),
        )
    _emit(runtime, shot.index, "submitting", None)
    try:
        job = await svc.provider.submit(request)
    except ProviderError as exc:
        # a refused submit created no job: ``attempts`` (jobs created) is not bumped; a lost
        # answer keeps the reservation (same key) so the next round can find the job
        lost = exc.error.code == CREATE_OUTCOME_UNKNOWN
        await asyncio.to_thread(
            svc.ledger.update_job,
            key,
            status=SUBMIT_UNKNOWN if lost else "failed",
            error_kind=exc.error.kind.value,
            error_code=exc.error.code,
            error_message=exc.error.message,
        )
        return {**base, "job_id": None, "job": None, "error": exc.error}
    attempts += 1
    await asyncio.to_thread(svc.ledger.set_provider_job_id, key, job.id)
    await _record_submitted(svc, state, key, model, size, job, attempts)
    _emit(runtime, shot.index, "submitted", job.id)
    return {**base, "job_id": job.id, "job": job, "attempts": attempts}


async def _record_submitted(
    svc: Services, state: ShotState, key: str, model: str, size: str, job: VideoJob, attempts: int
) -> None:
    """Store a created (or adopted) job's status and mark the shot dispatched."""
    shot = state["shot"]
    await asyncio.to_thread(
        svc.ledger.update_job,
        key,
        status=job.status,
        progress=job.progress,
        attempts=attempts,
        error_kind=None,
        error_code=None,
        error_message=None,
    )
    await asyncio.to_thread(
        svc.ledger.upsert_shot,
        state["run_id"],
        shot.index,
        status="dispatched",
        job_key=key,
        model=model,
        size=size,
        seconds=shot.duration,
        prompt=state["prompt"].text,
        attempts=attempts,
    )


def _key(
    svc: Services,
    run_id: str,
    index: int,
    model: str,
    size: str,
    seconds: int,
    prompt: str,
    retry: int,
) -> str:
    key: str = svc.ledger.idempotency_key(
        provider=svc.provider.name,
        model=model,
        size=size,
        seconds=seconds,
        prompt=prompt,
        reference_sha256=None,
        run_id=run_id,
        shot_index=index,
        retry=retry,
    )
    return key


def _previous_job(
    svc: Services, run_id: str, index: int, prompt: str, retry: int
) -> dict[str, Any] | None:
    """The job this very attempt reserved before a crash, whatever model the budget chose."""
    for row in svc.ledger.jobs_for_shot(run_id, index):
        if row["prompt"] != prompt:
            continue
        expected = _key(
            svc, run_id, index, row["model"], row["size"], int(row["seconds"]), prompt, retry
        )
        if expected == row["idempotency_key"]:
            found: dict[str, Any] = row
            return found
    return None


def _emit(
    runtime: Runtime[Context], index: int, stage: str, job_id: str | None, detail: str = ""
) -> None:
    runtime.stream_writer(
        {"event": "shot", "index": index, "stage": stage, "job_id": job_id, "detail": detail}
    )


def _budget(
    svc: Services, ctx: Context, run_id: str, model: str, size: str, seconds: int
) -> dict[str, Any]:
    """Ask the budget policy whether this clip may be bought, and at which model/size."""
    if ctx.budget_usd is None:
        return {"model": model, "size": size, "action": "allow"}
    from lessonreel.graph import budget

    decision: dict[str, Any] = budget.decide_for_dispatch(
        ledger=svc.ledger,
        run_id=run_id,
        provider=svc.provider.name,
        model=model,
        size=size,
        seconds=seconds,
        budget_usd=ctx.budget_usd,
        policy=ctx.tier_policy,
    )
    return decision


async def _find_orphan(
    svc: Services, row: dict[str, Any], request: VideoRequest
) -> tuple[VideoJob | None, bool]:
    """Return ``(job, listed)``: the provider job a reservation created, when one can be ours.

    ``listed`` is False when the provider's jobs could not be listed (so nothing is known).
    """
    iter_jobs = getattr(svc.provider, "iter_jobs", None)
    if iter_jobs is None:
        return None, False
    since = float(row.get("created_at") or 0.0) - ORPHAN_SLACK_SECONDS
    candidates: list[VideoJob] = []
    try:
        async for job in iter_jobs(order="desc"):
            if job.created_at is not None and job.created_at < since:
                break
            if not _same_shape(job, request):
                continue
            claimed = await asyncio.to_thread(
                svc.ledger.job_by_provider_id, svc.provider.name, job.id
            )
            if claimed is None:
                candidates.append(job)
    except (ProviderError, NotImplementedError, TypeError):
        return None, False
    if len(candidates) == 1:
        return candidates[0], True
    if candidates and all(getattr(j, "prompt", None) == request.prompt for j in candidates):
        # identical prompt, model, size and length: any is ours to take; the newest is the
        # likeliest to be the lost create
        return max(candidates, key=lambda j: j.created_at or 0.0), True
    return None, True


def _same_shape(job: VideoJob, request: VideoRequest) -> bool:
    prompt = getattr(job, "prompt", None)
    return (
        (not job.model or job.model == request.model)
        and (job.size is None or job.size == request.size)
        and (job.seconds is None or job.seconds == request.seconds)
        and (prompt is None or prompt == request.prompt)
    )
