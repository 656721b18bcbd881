"""dispatch_shot: submit a screened shot to the provider exactly once.

The ledger decides. The idempotency key (provider, model, size, seconds, final prompt, run, shot,
generation, retry index) is reserved *before* the submit call and the provider's job id is
stored right after it, so a re-run of this node (resume after a crash) finds the row and collects
the job instead of paying for it twice. A row without a provider job id is reconciled first
(:mod:`lessonreel.graph.reconcile`). A submit whose answer was lost (``create_outcome_unknown``:
reset, read timeout, 5xx after the request was sent) leaves its row ``submit_unknown`` under the
*same* key; back_off waits briefly and this node reconciles it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph.runtime import Runtime

from lessonreel.graph.context import Context
from lessonreel.graph.nodes.await_clip import record_terminal, terminal_error
from lessonreel.graph.reconcile import SUBMIT_UNKNOWN, reconcile
from lessonreel.graph.services import Services, context_of, emit, services
from lessonreel.graph.state import ShotState
from lessonreel.video.pricing import Decision, charge, committed_usd, decide
from lessonreel.video.types import CREATE_OUTCOME_UNKNOWN, ProviderError, VideoJob, VideoRequest

LEGACY_RETRIES_PER_GENERATION = 1000
"""Ledgers written before the key carried the generation folded it into the retry index as
``generation × 1000 + retry``; such rows are still found on resume."""


async def dispatch_shot(state: ShotState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Reserve the job in the ledger, then submit it (or collect the one already submitted)."""
    ctx = context_of(runtime)
    svc = await services(runtime)
    shot = state["shot"]
    run_id = state["run_id"]
    if svc.control.stop_reason:
        return {"stopped": True, "reason": svc.control.stop_reason}

    prompt = state["prompt"].text
    async with svc.control.dispatch_lock:
        if svc.control.stop_reason:  # another shot stopped the run while this one waited
            return {"stopped": True, "reason": svc.control.stop_reason}
        row, decision, key = await asyncio.to_thread(_look_up, svc, ctx, state)
        if row is not None:
            model, size = row["model"], row["size"]
        else:
            assert decision is not None
            if decision.refused:
                reason = svc.control.stop(decision.reason)
                await asyncio.to_thread(
                    svc.ledger.update_run, run_id, status="stopping", stop=reason
                )
                return {"stopped": True, "reason": reason}
            model, size = decision.model, decision.size
        base = {"job_key": key, "model": model, "size": size, "error": None, "settled": False}
        request = VideoRequest(prompt=prompt, model=model, size=size, seconds=shot.duration)
        if row is not None and row.get("provider_job_id"):
            _emit(runtime, shot.index, "collecting", row["provider_job_id"])
            return {**base, "job_id": row["provider_job_id"], "job": None}
        attempts = state.get("attempts", 0)
        if row is not None:
            found = await reconcile(svc.provider, svc.ledger, row, request)
            if found.job is not None:
                adopted = found.job
                await asyncio.to_thread(
                    _record_created, svc, state, key, model, size, adopted, attempts + 1
                )
                _emit(runtime, shot.index, "collecting", adopted.id)
                return {
                    **base,
                    "job_id": adopted.id,
                    "job": adopted,
                    "attempts": attempts + 1,
                    "settled": adopted.terminal,  # recorded terminal with it, if it ended
                }
            if found.error is not None:
                failed = {**base, "job_id": None, "job": None, "error": found.error}
                return {**failed, "reason": found.reason} if found.reason else failed
        if decision is not None and decision.action == "downgrade":
            _emit(runtime, shot.index, "downgraded", None, detail=decision.reason)
        # a new attempt's row was reserved by _look_up; an existing one needs none
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
    await asyncio.to_thread(_record_created, svc, state, key, model, size, job, attempts)
    _emit(runtime, shot.index, "submitted", job.id)
    # a submit that answered a finished job was recorded terminal (and charged) with it
    return {**base, "job_id": job.id, "job": job, "attempts": attempts, "settled": job.terminal}


def _look_up(
    svc: Services, ctx: Context, state: ShotState
) -> tuple[dict[str, Any] | None, Decision | None, str]:
    """Check the lease, find this attempt's job, else ask the budget and reserve (one hop).

    Without a job, the budget decides and, when it allows, the job's row is reserved here,
    before the submit. Returns ``(row, decision, key)``: the existing row, or the budget's
    decision (``key`` is empty when it refused).
    """
    # another process advancing this run would pay for its shots too (store/lease.py)
    svc.ledger.leases.check(state["run_id"], svc.lease_token)
    row = previous_job(svc, state)
    if row is not None:
        return row, None, str(row["idempotency_key"])
    shot = state["shot"]
    decision = _budget(svc, ctx, state["run_id"], state["model"], state["size"], shot.duration)
    if decision.refused:
        return None, decision, ""
    key = _key(svc, state, decision.model, decision.size)
    svc.ledger.reserve_job(
        key,
        run_id=state["run_id"],
        shot_index=shot.index,
        provider=svc.provider.name,
        model=decision.model,
        size=decision.size,
        seconds=shot.duration,
        prompt=state["prompt"].text,
        estimate_usd=charge(
            svc.prices, svc.provider.name, decision.model, decision.size, shot.duration
        ),
    )
    return None, decision, key


def _record_created(
    svc: Services,
    state: ShotState,
    key: str,
    model: str,
    size: str,
    job: VideoJob,
    attempts: int,
) -> None:
    """Store a created (or adopted) job's id first, then its status, and mark the shot dispatched.

    Runs in one worker thread: the job id is committed before anything else, as before, without
    a thread hop per ledger call. A job that is already terminal (a provider that answers the
    submit with a finished job, or a listed job that ended) is then recorded terminal and
    charged here, as await_clip would record it, so that node needs no hop of its own
    (``settled`` in the state).
    """
    shot = state["shot"]
    svc.ledger.set_provider_job_id(key, job.id)
    svc.ledger.update_job(
        key,
        status=job.status,
        progress=job.progress,
        attempts=attempts,
        error_kind=None,
        error_code=None,
        error_message=None,
    )
    svc.ledger.upsert_shot(
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
    if job.terminal:
        bought: ShotState = {**state, "model": model, "size": size}
        record_terminal(svc, bought, job, key, terminal_error(job))


def _key(
    svc: Services,
    state: ShotState,
    model: str,
    size: str,
    *,
    seconds: int | None = None,
    legacy: bool = False,
) -> str:
    """The idempotency key of this attempt (``legacy``: as ledgers before the generation field)."""
    shot = state["shot"]
    generation, retry = state["generation"], state.get("retry", 0)
    if legacy:
        generation, retry = 0, generation * LEGACY_RETRIES_PER_GENERATION + retry
    key: str = svc.ledger.idempotency_key(
        provider=svc.provider.name,
        model=model,
        size=size,
        seconds=shot.duration if seconds is None else seconds,
        prompt=state["prompt"].text,
        reference_sha256=None,
        run_id=state["run_id"],
        shot_index=shot.index,
        generation=generation,
        retry=retry,
    )
    return key


def previous_job(svc: Services, state: ShotState) -> dict[str, Any] | None:
    """The job this very attempt reserved before a crash, whatever model the budget chose."""
    prompt = state["prompt"].text
    for row in svc.ledger.jobs_for_shot(state["run_id"], state["shot"].index):
        if row["prompt"] != prompt:
            continue
        seconds = int(row["seconds"])
        keys = {
            _key(svc, state, row["model"], row["size"], seconds=seconds, legacy=old)
            for old in (False, True)
        }
        if row["idempotency_key"] in keys:
            found: dict[str, Any] = row
            return found
    return None


def _emit(
    runtime: Runtime[Context], index: int, stage: str, job_id: str | None, detail: str = ""
) -> None:
    emit(
        runtime,
        {"event": "shot", "index": index, "stage": stage, "job_id": job_id, "detail": detail},
    )


def _budget(
    svc: Services, ctx: Context, run_id: str, model: str, size: str, seconds: int
) -> Decision:
    """Ask the tier policy whether this clip may be bought, and at which model/size."""
    if ctx.budget_usd is None:
        usd = charge(svc.prices, svc.provider.name, model, size, seconds)
        return Decision(
            action="allow", model=model, size=size, seconds=seconds, usd=usd, reason="no budget"
        )
    return decide(
        svc.prices,
        budget_usd=ctx.budget_usd,
        spent_usd=committed_usd(svc.ledger, run_id, svc.prices),
        provider=svc.provider.name,
        model=model,
        size=size,
        seconds=seconds,
        policy=ctx.tier_policy,
    )
