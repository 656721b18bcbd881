"""Seeded fault decisions, provider-neutral.

Every decision is a pure function of (seed, fault kind, ordinal of the request within its kind),
drawn from its own ``random.Random`` stream, so adding polls or another fault kind never shifts
which create gets the 500. Profiles (Sora, OpenRouter, Veo) turn a :class:`Fault` into their own
error envelope; the plan itself knows nothing about wire formats.
"""

from __future__ import annotations

import math
import random
import re
import threading
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from lessonreel.video.emulator.config import EmulatorConfig

FaultKind = Literal["rate_limited", "quota_exhausted", "server_error"]
ModerationPath = Literal["submit", "async", "output"]

RATE_LIMIT_MESSAGE = (
    "Rate limit reached for requests. Limit: {limit}, Used: {limit}, Requested: 1. "
    "Please try again in {wait}."
)
QUOTA_MESSAGE = (
    "You exceeded your current quota, please check your plan and billing details. For more "
    "information on this error, read the docs: "
    "https://platform.openai.com/docs/guides/error-codes/api-errors."
)
SERVER_ERROR_MESSAGES = {
    500: "The server had an error while processing your request. Sorry about that!",
    502: "Bad gateway.",
    503: "The engine is currently overloaded, please try again later.",
}


@dataclass(frozen=True)
class Fault:
    """A request-level fault the profile must answer with instead of doing the work."""

    kind: FaultKind
    status: int
    message: str
    retry_after: float | None = None
    """Seconds the client should wait (rate limits only)."""
    limit: int | None = None
    """The RPM limit that was hit, for x-ratelimit-* headers."""


def _pattern(terms: list[str]) -> re.Pattern[str] | None:
    cleaned = [t.strip() for t in terms if t.strip()]
    if not cleaned:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(t) for t in cleaned) + r")\b", re.IGNORECASE)


class FaultPlan:
    """Decides, deterministically by seed, which requests, jobs, downloads and events misbehave."""

    def __init__(self, config: EmulatorConfig, clock: Callable[[], float]) -> None:
        self.config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._ordinals: Counter[str] = Counter()
        self._window: deque[float] = deque()
        self.counts: Counter[str] = Counter()
        """How often each fault fired, by name (served in /_emulator/stats)."""
        mod = config.moderation
        self._submit = _pattern(mod.submit_terms)
        self._async = _pattern(mod.async_terms)
        self._output = _pattern(mod.output_terms)

    def _next(self, stream: str) -> int:
        with self._lock:
            n = self._ordinals[stream]
            self._ordinals[stream] += 1
            return n

    def draw(self, stream: str, ordinal: int) -> float:
        """Return a uniform [0, 1) number fixed by (seed, stream, ordinal)."""
        return random.Random(f"{self.config.seed}/{stream}/{ordinal}").random()

    def _hit(self, stream: str, ordinal: int, first: int, rate: float) -> bool:
        return ordinal < first or (rate > 0.0 and self.draw(stream, ordinal) < rate)

    def admit(self, *, is_create: bool) -> Fault | None:
        """Server-error and rate-limit decision for one incoming API request."""
        se = self.config.server_errors
        if is_create or se.scope == "all":
            n = self._next("server_error")
            if self._hit("server_error", n, se.first, se.rate):
                self.counts["server_error"] += 1
                message = SERVER_ERROR_MESSAGES.get(se.status, SERVER_ERROR_MESSAGES[500])
                return Fault("server_error", se.status, message)
        rl = self.config.rate_limit
        if not (is_create or rl.scope == "all"):
            return None
        n = self._next("rate_limit")
        if n < rl.first:
            self.counts["rate_limited"] += 1
            wait = rl.retry_after if rl.retry_after is not None else 1.0
            return self._rate_fault(wait, rl.rpm or rl.first)
        if rl.rpm is None:
            return None
        now = self._clock()
        with self._lock:
            while self._window and self._window[0] <= now - rl.window:
                self._window.popleft()
            if len(self._window) >= rl.rpm:
                wait = self._window[0] + rl.window - now
                self.counts["rate_limited"] += 1
                if rl.retry_after is not None:
                    wait = rl.retry_after
                return self._rate_fault(wait, rl.rpm)
            self._window.append(now)
        return None

    @staticmethod
    def _rate_fault(wait: float, limit: int) -> Fault:
        wait = max(wait, 0.0)
        text = f"{wait:.3f}s" if wait < 1 else f"{math.ceil(wait)}s"
        return Fault(
            "rate_limited",
            429,
            RATE_LIMIT_MESSAGE.format(limit=f"{limit} / min", wait=text),
            retry_after=wait,
            limit=limit,
        )

    def quota(self, jobs_created: int) -> Fault | None:
        """insufficient_quota once ``max_creates`` jobs exist."""
        cap = self.config.quota.max_creates
        if cap is not None and jobs_created >= cap:
            self.counts["quota_exhausted"] += 1
            return Fault("quota_exhausted", 429, QUOTA_MESSAGE)
        return None

    def moderation(self, prompt: str) -> ModerationPath | None:
        """Which moderation path (if any) a prompt triggers; submit wins over async/output.

        Pure (no counting): profiles call it before creating, JobStore.create again after.
        """
        for path, pattern in (
            ("submit", self._submit),
            ("async", self._async),
            ("output", self._output),
        ):
            if pattern is not None and pattern.search(prompt):
                return path  # type: ignore[return-value]
        return None

    def job_fails(self, job_ordinal: int) -> bool:
        """Decide whether the created job with this ordinal ends failed/internal_error."""
        f = self.config.failures
        hit = self._hit("job_failure", job_ordinal, f.first, f.rate)
        if hit:
            self.counts["job_failure"] += 1
        return hit

    def latency(self, job_ordinal: int) -> float:
        """Render latency of one job, with seeded jitter."""
        base: float = self.config.latency
        jitter: float = self.config.latency_jitter
        if base <= 0.0 or jitter <= 0.0:
            return base
        return base * (1.0 + jitter * (2.0 * self.draw("latency", job_ordinal) - 1.0))

    def truncate(self) -> float | None:
        """Share of the body to send for the next video download, or None for all of it."""
        d = self.config.downloads
        n = self._next("download")
        if self._hit("download", n, d.truncate_first, d.truncate_rate):
            self.counts["truncated_download"] += 1
            fraction: float = d.truncate_fraction
            return fraction
        return None

    def drop_webhook(self) -> bool:
        """Decide whether the next webhook event is never delivered."""
        w = self.config.webhooks
        n = self._next("webhook")
        hit = self._hit("webhook", n, w.drop_first, w.drop_rate)
        if hit:
            self.counts["webhook_dropped"] += 1
        return hit
