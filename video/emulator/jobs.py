"""Provider-neutral job lifecycle for the emulator; wire shapes live in the profile modules.

A job's status is *derived* from its creation time and latency whenever it is read, so the
emulator works in-process under ``httpx.ASGITransport`` with no background tasks, and a test
can drive time with an injected clock. The three profiles (``sora.py``, ``openrouter.py``,
``veo.py``) are thin route modules over one :class:`JobStore`.

Public API (what profile modules and tests use)::

    store = JobStore(config=None, *, clock=time.time)
    store.config, store.clock, store.faults        # EmulatorConfig, () -> float, FaultPlan
    store.admit(is_create=...) -> Fault | None                  # 5xx / 429 rate-limit decision
    store.check_quota() -> Fault | None                         # 429 insufficient_quota decision
    store.faults.moderation(prompt) -> "submit"|"async"|"output"|None
    store.create(prompt, model, size, seconds, *, profile="sora", remixed_from=None,
                 callback_url=None, reference_sha256=None, seed=None, extra=None) -> EmuJob
    store.get(job_id, *, profile=None) -> EmuJob | None         # None if unknown or deleted
    store.list(*, profile=None, after=None, limit=20, order="desc") -> (list[EmuJob], has_more)
    store.delete(job_id) -> EmuJob | None
    store.state(job) -> JobState                                # status/progress/... now
    await store.content(job, variant) -> Path                   # lazy render, cached on disk
    store.content_path(job, variant) -> Path                    # same, synchronous
    store.truncation() -> float | None                          # truncated-download decision
    store.on_finished(profile, hook)                            # async hook(job), once per job
    await store.dispatch_finished() -> int                      # run hooks for newly finished jobs
    await store.drain(); await store.aclose(); store.stats() -> dict

Statuses use the Sora vocabulary (queued, in_progress, completed, failed); other profiles map.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import shutil
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from lessonreel.video.emulator.config import EmulatorConfig
from lessonreel.video.emulator.faults import Fault, FaultPlan
from lessonreel.video.emulator.render import Variant, render_variant

log = logging.getLogger(__name__)
_STATS_FIELDS = (
    "id", "profile", "model", "size", "seconds", "remixed_from", "deleted", "error_code",
    "reference_sha256", "created_at",
)  # fmt: skip

Status = Literal["queued", "in_progress", "completed", "failed"]
FinishedHook = Callable[["EmuJob"], Coroutine[Any, Any, None]]

MODERATION_MESSAGE = "Your request was blocked by our moderation system."
CONTENT_FILTER_MESSAGE = "The generated video was blocked by our content filter."
INTERNAL_ERROR_MESSAGE = "Video generation failed due to an internal error. Please try again."


class ContentError(Exception):
    """Content cannot be served: the job is not done, failed, or its content expired."""

    def __init__(self, reason: Literal["not_ready", "failed", "expired"], message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass
class EmuJob:
    """One emulated job; immutable facts only, the current status comes from JobStore.state."""

    id: str
    ordinal: int
    profile: str
    prompt: str
    model: str
    size: str
    seconds: int
    seed: int
    created_at: float
    latency: float
    queued_for: float
    error_code: str | None = None
    """Set when the job is destined to fail; it becomes visible once the job ends."""
    error_message: str | None = None
    remixed_from: str | None = None
    callback_url: str | None = None
    reference_sha256: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    deleted: bool = False
    notified: bool = False

    @property
    def prompt_sha256(self) -> str:
        """Hex sha256 of the prompt (used by tests to count resubmissions)."""
        return hashlib.sha256(self.prompt.encode("utf-8")).hexdigest()

    @property
    def finished_at(self) -> float:
        """When the job reaches its terminal status (moderation fails it at queue exit)."""
        if self.error_code == "moderation_blocked":
            return self.created_at + self.queued_for
        return self.created_at + self.latency


@dataclass(frozen=True)
class JobState:
    """A job's status at one instant."""

    status: Status
    progress: int
    completed_at: float | None
    expires_at: float | None
    error_code: str | None
    error_message: str | None

    @property
    def terminal(self) -> bool:
        """True once the job will not change any more."""
        return self.status in ("completed", "failed")


async def _guarded(hook: FinishedHook, job: EmuJob) -> None:
    """Run a hook; a failing hook is logged, never left as an unretrieved task exception."""
    try:
        await hook(job)
    except Exception:
        log.exception("finished-job hook failed for %s", job.id)


class JobStore:
    """In-memory jobs, seeded faults, the render cache and finished-job hooks."""

    def __init__(
        self, config: EmulatorConfig | None = None, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.config = config or EmulatorConfig()
        self.clock = clock
        self.faults = FaultPlan(self.config, clock)
        self._jobs: dict[str, EmuJob] = {}
        self._order: list[str] = []
        self._lock = threading.Lock()
        self._render_locks: dict[str, threading.Lock] = {}
        self._cache_dir: Path | None = self.config.cache_dir
        self._own_cache = False
        self._hooks: dict[str, list[FinishedHook]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.counts: Counter[str] = Counter()
        """Per-store counters: creates, remixes, create_attempts, deliveries, ..."""

    # -- request-level faults -------------------------------------------------------------
    def admit(self, *, is_create: bool) -> Fault | None:
        """Server-error / rate-limit decision for one API request (counts create attempts)."""
        if is_create:
            self.counts["create_attempts"] += 1
        return self.faults.admit(is_create=is_create)

    def check_quota(self) -> Fault | None:
        """insufficient_quota once the configured number of jobs was created."""
        return self.faults.quota(len(self._order))

    # -- jobs -----------------------------------------------------------------------------
    def create(
        self,
        prompt: str,
        model: str,
        size: str,
        seconds: int,
        *,
        profile: str = "sora",
        remixed_from: str | None = None,
        callback_url: str | None = None,
        reference_sha256: str | None = None,
        seed: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> EmuJob:
        """Accept a job: decide its latency and fate now (seeded), store it, return it."""
        with self._lock:
            ordinal = len(self._order)
            job_id = f"video_{uuid.uuid4().hex}"
            latency = self.faults.latency(ordinal)
            job = EmuJob(
                id=job_id,
                ordinal=ordinal,
                profile=profile,
                prompt=prompt,
                model=model,
                size=size,
                seconds=seconds,
                seed=self.config.seed + ordinal if seed is None else seed,
                created_at=self.clock(),
                latency=latency,
                queued_for=latency * self.config.queued_share,
                remixed_from=remixed_from,
                callback_url=callback_url,
                reference_sha256=reference_sha256,
                extra=dict(extra or {}),
            )
            path = self.faults.moderation(prompt)
            if path is not None:
                self.faults.counts[f"moderation_{path}"] += 1
            if path == "async":
                job.error_code, job.error_message = "moderation_blocked", MODERATION_MESSAGE
            elif path == "output":
                job.error_code, job.error_message = "content_filter", CONTENT_FILTER_MESSAGE
            elif self.faults.job_fails(ordinal):
                failures = self.config.failures
                job.error_code = failures.code
                job.error_message = failures.message or INTERNAL_ERROR_MESSAGE
            self._jobs[job_id] = job
            self._order.append(job_id)
            self.counts["remixes" if remixed_from else "creates"] += 1
            return job

    def get(self, job_id: str, *, profile: str | None = None) -> EmuJob | None:
        """Return the job, or None when unknown, deleted or of another profile."""
        job = self._jobs.get(job_id)
        if job is None or job.deleted or (profile is not None and job.profile != profile):
            return None
        return job

    def list(
        self,
        *,
        profile: str | None = None,
        after: str | None = None,
        limit: int = 20,
        order: Literal["asc", "desc"] = "desc",
    ) -> tuple[list[EmuJob], bool]:
        """One page of live jobs in creation order and whether more follow.

        ``after`` is a job id (deleted ones still work as cursors); raises KeyError if unknown.
        """
        with self._lock:
            ids = list(self._order) if order == "asc" else list(reversed(self._order))
        start = 0
        if after is not None:
            if after not in self._jobs:
                raise KeyError(after)
            start = ids.index(after) + 1
        live = [
            self._jobs[i]
            for i in ids[start:]
            if not self._jobs[i].deleted and (profile is None or self._jobs[i].profile == profile)
        ]
        return live[:limit], len(live) > limit

    def delete(self, job_id: str) -> EmuJob | None:
        """Delete a job (any status; there is no cancel endpoint); None when unknown."""
        job = self.get(job_id)
        if job is not None:
            job.deleted = True
            self.counts["deletes"] += 1
        return job

    def state(self, job: EmuJob, now: float | None = None) -> JobState:
        """Status, progress and timestamps of ``job`` at ``now`` (default: the clock)."""
        t = self.clock() if now is None else now
        elapsed = t - job.created_at
        if t >= job.finished_at:
            if job.error_code is not None:
                return JobState(
                    "failed", 0, job.finished_at, None, job.error_code, job.error_message
                )
            expires = job.finished_at + self.config.expires_after
            return JobState("completed", 100, job.finished_at, expires, None, None)
        if elapsed < job.queued_for:
            return JobState("queued", 0, None, None, None, None)
        span = max(job.latency - job.queued_for, 1e-9)
        progress = 1 + int(98 * min(max((elapsed - job.queued_for) / span, 0.0), 1.0))
        return JobState("in_progress", progress, None, None, None, None)

    # -- content --------------------------------------------------------------------------
    def _check_content(self, job: EmuJob) -> None:
        state = self.state(job)
        if state.status == "failed":
            raise ContentError("failed", f"Video {job.id} failed and has no content.")
        if state.status != "completed":
            raise ContentError(
                "not_ready", f"Video {job.id} is not ready yet; its status is {state.status}."
            )
        assert state.expires_at is not None
        if self.clock() >= state.expires_at:
            raise ContentError(
                "expired", f"The content of video {job.id} expired at {int(state.expires_at)}."
            )

    def cache_dir(self) -> Path:
        """Where rendered variants live (a temp dir unless the config names one)."""
        with self._lock:
            if self._cache_dir is None:
                self._cache_dir = Path(tempfile.mkdtemp(prefix="lessonreel-emulator-"))
                self._own_cache = True
            return self._cache_dir

    def content_path(self, job: EmuJob, variant: Variant = "video") -> Path:
        """Render (once) and return the file for ``variant``; raises ContentError."""
        self._check_content(job)
        with self._lock:
            lock = self._render_locks.setdefault(job.id, threading.Lock())
        with lock:
            path: Path = render_variant(
                self.cache_dir(),
                job_id=job.id,
                variant=variant,
                prompt=job.prompt,
                size=job.size,
                seconds=job.seconds,
                seed=job.seed,
                fps=self.config.fps,
                look=self.config.look,
            )
        return path

    async def content(self, job: EmuJob, variant: Variant = "video") -> Path:
        """Async :meth:`content_path`; rendering runs in a worker thread."""
        self._check_content(job)
        path: Path = await asyncio.to_thread(self.content_path, job, variant)
        return path

    def truncation(self) -> float | None:
        """Share of the next video download to send (None = all); seeded."""
        fraction: float | None = self.faults.truncate()
        return fraction

    # -- finished-job hooks (webhooks) ----------------------------------------------------
    def on_finished(self, profile: str, hook: FinishedHook) -> None:
        """Call ``hook(job)`` once when a job of ``profile`` completes or fails."""
        self._hooks.setdefault(profile, []).append(hook)

    async def dispatch_finished(self) -> int:
        """Start hooks for jobs that finished since the last call; returns how many jobs."""
        now = self.clock()
        due: list[EmuJob] = []
        with self._lock:
            for job_id in self._order:
                job = self._jobs[job_id]
                if not job.notified and not job.deleted and now >= job.finished_at:
                    job.notified = True
                    due.append(job)
        for job in due:
            for hook in self._hooks.get(job.profile, []):
                task = asyncio.create_task(_guarded(hook, job))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        return len(due)

    async def drain(self) -> None:
        """Wait until every started hook (delivery) has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        """Cancel pending deliveries and remove the temp render cache."""
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        await asyncio.to_thread(self.close)  # rmtree blocks: keep it off the event loop

    def close(self) -> None:
        """Remove the temp render cache (a configured cache_dir is kept)."""
        if self._own_cache and self._cache_dir is not None:
            shutil.rmtree(self._cache_dir, ignore_errors=True)
            self._cache_dir = None
            self._own_cache = False

    def stats(self) -> dict[str, Any]:
        """Return counts for tests: creates, per-prompt creates, faults fired, every job."""
        with self._lock:
            jobs = [self._jobs[i] for i in self._order]
        by_prompt = Counter(j.prompt_sha256 for j in jobs if j.remixed_from is None)
        return {
            "creates": self.counts["creates"],
            "remixes": self.counts["remixes"],
            "create_attempts": self.counts["create_attempts"],
            "deletes": self.counts["deletes"],
            "creates_by_prompt_hash": dict(by_prompt),
            "faults": dict(self.faults.counts),
            "webhooks": {
                k.removeprefix("webhook_"): v
                for k, v in self.counts.items()
                if k.startswith("webhook_")
            },
            "jobs": [
                {
                    **{k: getattr(j, k) for k in _STATS_FIELDS},
                    "status": self.state(j).status,
                    "prompt_sha256": j.prompt_sha256,
                }
                for j in jobs
            ],
        }
