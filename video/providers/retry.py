"""Transient-retry policy and per-provider rate gates.

Only transient kinds (rate_limited, server_error, timeout) are retried, with jittered exponential
backoff and the server's ``retry-after`` honoured; everything else surfaces at once so the
dispatcher can sanitize, fail the shot or stop the run. Waits go through an injectable ``sleep``
and ``clock`` so tests can assert the waits without sleeping.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TypeVar

import httpx
from aiolimiter import AsyncLimiter
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from lessonreel.video.types import CREATE_OUTCOME_UNKNOWN, ErrorKind, JobError, ProviderError

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


NOT_SENT_ERRORS: tuple[type[httpx.HTTPError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)
"""Transport failures raised before any byte of the request reached the server."""


def is_transient(exc: BaseException) -> bool:
    """Tell whether ``exc`` is a ProviderError that is safe and useful to retry as it is.

    A create whose outcome is unknown is transient by kind but never retried blindly: a second
    attempt could create a second paid job.
    """
    return (
        isinstance(exc, ProviderError)
        and exc.error.transient
        and exc.error.code != CREATE_OUTCOME_UNKNOWN
    )


def guard_create(error: JobError, *, sent: bool = True, what: str = "create") -> JobError:
    """Return ``error`` for a job-creating call, marked outcome-unknown when a retry may pay twice.

    Job creation has no idempotency key on these APIs, so a create is repeated only when the
    server certainly did not create a job: a 429 rate limit (refused at the door) or a transport
    failure before the request was sent (``sent=False``). Terminal kinds pass unchanged (the
    server refused the request). Everything else that is transient — a read timeout, a reset
    connection, any 5xx (a gateway or the API itself can fail *after* the job was accepted), a 2xx
    we could not read — becomes ``code=create_outcome_unknown``, which :func:`is_transient`
    refuses, so the dispatcher reconciles by listing jobs instead.
    """
    if not error.transient or not sent or error.kind is ErrorKind.RATE_LIMITED:
        return error
    if error.code == CREATE_OUTCOME_UNKNOWN:
        return error
    detail = f"{error.code}: {error.message}" if error.code else error.message
    return error.model_copy(
        update={
            "code": CREATE_OUTCOME_UNKNOWN,
            "message": (
                f"{what} may or may not have created a job ({detail}); list the provider's "
                "jobs before submitting again (not retried, to avoid paying twice)"
            ),
        }
    )


@dataclass
class RetryPolicy:
    """How often and how long to retry transient failures.

    Backoff after retry ``n`` (1-based) is ``min(initial * 2**(n-1), max_backoff)`` scaled by a
    jitter factor in ``(1 - jitter, 1]``; a server-sent retry-after replaces it, capped at
    ``max_retry_after``.
    """

    max_retries: int = 4
    initial: float = 0.5
    max_backoff: float = 8.0
    jitter: float = 0.25
    max_retry_after: float = 120.0
    sleep: Sleep = field(default=asyncio.sleep, repr=False)
    """Awaited for every wait (retries and pauses); tests inject a recorder."""
    clock: Clock = field(default=time.monotonic, repr=False)
    """Monotonic seconds, read by the provider's pause gate; advanced by a fake ``sleep``."""
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def backoff(self, retry_number: int, exc: BaseException | None = None) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based) after ``exc``."""
        if isinstance(exc, ProviderError) and exc.error.retry_after is not None:
            asked = float(exc.error.retry_after)
            return min(max(asked, 0.0), self.max_retry_after)
        base = min(self.initial * 2.0 ** (retry_number - 1), self.max_backoff)
        return float(base * (1.0 - self.jitter * self.rng.random()))

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        return self.backoff(state.attempt_number, exc)

    async def call(self, fn: Callable[[], Awaitable[T]], *, what: str = "request") -> T:
        """Run ``fn`` and retry transient ProviderErrors, at most ``max_retries`` times."""

        def before_sleep(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            wait = state.next_action.sleep if state.next_action else 0.0
            log.warning(
                "%s failed (%s); retry %d/%d in %.2fs",
                what,
                exc,
                state.attempt_number,
                self.max_retries,
                wait,
            )

        retrying = AsyncRetrying(
            retry=retry_if_exception(is_transient),
            stop=stop_after_attempt(self.max_retries + 1),
            wait=self._wait,
            sleep=self.sleep,
            before_sleep=before_sleep,
            reraise=True,
        )
        return await retrying(fn)


class ProviderGate:
    """Per-provider throttles: request RPM, create RPM, a concurrency cap and 429 pauses.

    ``rpm`` limits every request, ``create_rpm`` only job creation (Azure allows 2 creates per
    minute), ``max_concurrency`` in-flight requests. After a 429 the whole provider pauses for the
    retry-after, so concurrent callers do not keep hammering a limited API.
    """

    def __init__(
        self,
        *,
        rpm: float | None = None,
        create_rpm: float | None = None,
        max_concurrency: int = 4,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        max_pause: float = 120.0,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.rpm = rpm
        self.create_rpm = create_rpm
        self.max_concurrency = max_concurrency
        self._sleep = sleep
        self._clock = clock
        self._paused_until = 0.0
        self.max_pause = max_pause
        # Built lazily: aiolimiter and Semaphore bind to the running loop on first use.
        self._limiter: AsyncLimiter | None = None
        self._create_limiter: AsyncLimiter | None = None
        self._semaphore: asyncio.Semaphore | None = None

    def pause(self, seconds: float) -> None:
        """Hold every request of this provider for ``seconds`` (capped) from now."""
        seconds = min(seconds, self.max_pause)
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    @property
    def paused_for(self) -> float:
        """Seconds left in the current pause (0 when not paused)."""
        return max(self._paused_until - self._clock(), 0.0)

    @staticmethod
    def _limiter_for(rpm: float | None) -> AsyncLimiter | None:
        if rpm is None:
            return None
        if rpm <= 0:
            raise ValueError("rpm must be positive")
        # Burst of at most one: requests are spaced evenly, 60/rpm seconds apart.
        return AsyncLimiter(1, 60.0 / rpm)

    @asynccontextmanager
    async def slot(self, *, create: bool = False) -> AsyncIterator[None]:
        """Wait for a pause to end and for rate and concurrency room, then hold a slot."""
        if (left := self.paused_for) > 0:
            await self._sleep(left)
        if self._limiter is None and self.rpm is not None:
            self._limiter = self._limiter_for(self.rpm)
        if self._create_limiter is None and self.create_rpm is not None:
            self._create_limiter = self._limiter_for(self.create_rpm)
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.max_concurrency)
        if create and self._create_limiter is not None:
            await self._create_limiter.acquire()
        if self._limiter is not None:
            await self._limiter.acquire()
        async with self._semaphore:
            yield

    def on_error(self, exc: ProviderError) -> None:
        """React to an error: a 429 with retry-after pauses the provider."""
        if exc.error.kind is ErrorKind.RATE_LIMITED and exc.error.retry_after:
            self.pause(exc.error.retry_after)
