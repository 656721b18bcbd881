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
got it). Several candidates → we cannot tell which is ours, so we also submit again rather than
risk delivering another shot's clip; the orphan costs money but never corrupts the lesson.
"""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph.runtime import Runtime

from lessonreel.graph.context import Context
from lessonreel.graph.plan import shot_cost
from lessonreel.graph.services import Services, context_of, services
from lessonreel.graph.state import ShotState
from lessonreel.video.types import ProviderError, VideoJob, VideoRequest

ORPHAN_SLACK_SECONDS = 5.0
"""Clock slack when matching a provider job to a reservation by creation time."""

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
        if row is not None:
            adopted = await _find_orphan(svc, row, request)
            if adopted is not None:
                await asyncio.to_thread(svc.ledger.set_provider_job_id, key, adopted.id)
                _emit(runtime, shot.index, "collecting", adopted.id)
                return {**base, "job_id": adopted.id, "job": adopted}
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
    attempts = state.get("attempts", 0) + 1
    _emit(runtime, shot.index, "submitting", None)
    try:
        job = await svc.provider.submit(request)
    except ProviderError as exc:
        await asyncio.to_thread(
            svc.ledger.update_job,
            key,
            status="failed",
            error_kind=exc.error.kind.value,
            error_code=exc.error.code,
            error_message=exc.error.message,
            attempts=attempts,
        )
        return {**base, "job_id": None, "job": None, "error": exc.error, "attempts": attempts}
    await asyncio.to_thread(svc.ledger.set_provider_job_id, key, job.id)
    await asyncio.to_thread(
        svc.ledger.update_job, key, status=job.status, progress=job.progress, attempts=attempts
    )
    await asyncio.to_thread(
        svc.ledger.upsert_shot,
        run_id,
        shot.index,
        status="dispatched",
        job_key=key,
        model=model,
        size=size,
        seconds=shot.duration,
        prompt=prompt,
        attempts=attempts,
    )
    _emit(runtime, shot.index, "submitted", job.id)
    return {**base, "job_id": job.id, "job": job, "attempts": attempts}


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
    for row in svc.ledger.jobs(run_id):
        if row["shot_index"] != index or row["prompt"] != prompt:
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
) -> VideoJob | None:
    """Return the provider job a crashed reservation created, when exactly one can be ours."""
    iter_jobs = getattr(svc.provider, "iter_jobs", None)
    if iter_jobs is None:
        return None
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
        return None
    return candidates[0] if len(candidates) == 1 else None


def _same_shape(job: VideoJob, request: VideoRequest) -> bool:
    prompt = getattr(job, "prompt", None)
    return (
        (not job.model or job.model == request.model)
        and (job.size is None or job.size == request.size)
        and (job.seconds is None or job.seconds == request.seconds)
        and (prompt is None or prompt == request.prompt)
    )
