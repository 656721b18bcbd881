"""Lost-create reconciliation: find the provider job a reservation may have created.

A ledger row that exists *without* a provider job id means the process died (or the answer was
lost) between reserving and the provider's answer: the job may or may not exist. For a provider
that can list its jobs (:class:`~lessonreel.video.providers.base.ListsJobs`, the Sora shape), we
look for jobs created since the reservation with the same model, size and length (and prompt,
where the listing carries it) that no other ledger row has claimed; exactly one such job is
adopted. None found → the submit is repeated under the same key (the provider never got it).
Several candidates with our exact prompt → the newest is adopted; several that cannot be told
apart (no prompt in the listing) → we submit again rather than risk delivering another shot's
clip; the orphan costs money but never corrupts the lesson. A provider that cannot list its jobs
is never resubmitted blindly: the shot is given up and the user told to check the provider.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from lessonreel.store.ledger import Ledger
from lessonreel.video.providers.base import ListsJobs, VideoProvider
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


@dataclass(frozen=True)
class Reconciled:
    """What a reservation without a provider job id turned out to be.

    ``job`` set: adopt it. ``error`` set: stop this round with it. Neither: submit (again)
    under the same key.
    """

    job: VideoJob | None = None
    error: JobError | None = None
    reason: str | None = None


async def reconcile(
    provider: VideoProvider, ledger: Ledger, row: dict[str, Any], request: VideoRequest
) -> Reconciled:
    """Decide what to do with a reserved job that has no provider job id yet."""
    unknown = row.get("status") == SUBMIT_UNKNOWN
    if not isinstance(provider, ListsJobs):
        if not unknown:
            return Reconciled()  # the process died before the submit: nothing was sent
        error = JobError(
            kind=ErrorKind.INVALID_REQUEST, code="create_unreconciled", message=UNLISTABLE_REASON
        )
        return Reconciled(error=error, reason=UNLISTABLE_REASON)
    adopted, listed = await find_orphan(provider, ledger, row, request)
    if adopted is not None:
        return Reconciled(job=adopted)
    if unknown and not listed:
        error = JobError(
            kind=ErrorKind.SERVER_ERROR,
            code=CREATE_OUTCOME_UNKNOWN,
            message="could not list the provider's jobs to find a lost create",
        )
        return Reconciled(error=error)
    return Reconciled()


async def find_orphan(
    provider: ListsJobs, ledger: Ledger, row: dict[str, Any], request: VideoRequest
) -> tuple[VideoJob | None, bool]:
    """Return ``(job, listed)``: the provider job a reservation created, when one can be ours.

    ``listed`` is False when the provider's jobs could not be listed (so nothing is known).
    """
    name = str(row.get("provider") or getattr(provider, "name", ""))
    since = float(row.get("created_at") or 0.0) - ORPHAN_SLACK_SECONDS
    candidates: list[VideoJob] = []
    try:
        async for job in provider.iter_jobs(order="desc"):
            if job.created_at is not None and job.created_at < since:
                break
            if not same_shape(job, request):
                continue
            claimed = await asyncio.to_thread(ledger.job_by_provider_id, name, job.id)
            if claimed is None:
                candidates.append(job)
    except (ProviderError, NotImplementedError, TypeError):
        return None, False
    if len(candidates) == 1:
        return candidates[0], True
    if candidates and all(getattr(j, "prompt", None) == request.prompt for j in candidates):
        # identical prompt, model, size and length: any is ours to take; the newest is the
        # likeliest to be the lost create
        return max(candidates, key=_created), True
    return None, True


def _created(job: VideoJob) -> float:
    return job.created_at or 0.0


def same_shape(job: VideoJob, request: VideoRequest) -> bool:
    """True when a listed job could be the one ``request`` created."""
    prompt = getattr(job, "prompt", None)
    return (
        (not job.model or job.model == request.model)
        and (job.size is None or job.size == request.size)
        and (job.seconds is None or job.seconds == request.seconds)
        and (prompt is None or prompt == request.prompt)
    )
