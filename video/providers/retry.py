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
from typing import Protocol, TypeVar

import httpx
from aiolimiter import AsyncLimiter

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


def loop_time() -> float:
    """The clock ``asyncio.sleep`` counts by (the running loop's), so waits and turns agree."""
    try:
        return asyncio.get_running_loop().time()
    except RuntimeError:  # no loop: asyncio's default clock
        return time.monotonic()


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
    clock: Clock = field(default=loop_time, repr=False)
    """Monotonic seconds, read by the provider's pause gate; advanced by a fake ``sleep``."""
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def backoff(self, retry_number: int, exc: BaseException | None = None) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based) after ``exc``."""
        if isinstance(exc, ProviderError) and exc.error.retry_after is not None:
            asked = float(exc.error.retry_after)
            return min(max(asked, 0.0), self.max_retry_after)
        base = min(self.initial * 2.0 ** (retry_number - 1), self.max_backoff)
        return float(base * (1.0 - self.jitter * self.rng.random()))

    async def call(self, fn: Callable[[], Awaitable[T]], *, what: str = "request") -> T:
        """Run ``fn`` and retry transient ProviderErrors, at most ``max_retries`` times.

        A plain loop rather than a retry library's: every provider request passes through here
        and nearly all succeed at once, so the first try costs nothing beyond the call.
        """
        attempt = 1
        while True:
            try:
                return await fn()
            except ProviderError as exc:
                if not is_transient(exc) or attempt > self.max_retries:
                    raise
                wait = self.backoff(attempt, exc)
                log.warning(
                    "%s failed (%s); retry %d/%d in %.2fs",
                    what,
                    exc,
                    attempt,
                    self.max_retries,
                    wait,
                )
            await self.sleep(wait)
            attempt += 1


CREATE_PACE = 0.98
"""Share of ``create_rpm`` creates are paced at.

Providers count creates as they arrive, in a sliding window: creates spaced at exactly the limit
are refused whenever one arrives a little late and a later one on time (a loaded machine, a
busy network), and each 429 pauses the provider. Two per cent of headroom absorbs a 0.2 s delay
in a 10 s window (1.2 s in a minute's).
"""


class CreatePace(Protocol):
    """Create turns shared with other processes creating on the same provider account."""

    def reserve(self, spacing: float) -> float:
        """Take the next turn (``spacing`` seconds after the last); seconds until it comes."""
        ...

    def hold(self, seconds: float) -> None:
        """Hand out no turn sooner than ``seconds`` from now."""
        ...

    def held_for(self) -> float:
        """Seconds left in a hold (0 when none)."""
        ...


class LocalCreatePace:
    """Create turns within this process (the default when no other process shares the account).

    A 429's hold needs no record here: the gate's own pause already holds this process.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._next = float("-inf")

    def reserve(self, spacing: float) -> float:
        """Take the next turn; seconds until it comes."""
        now = self._clock()
        due = max(now, self._next)
        self._next = due + spacing
        return due - now

    def hold(self, seconds: float) -> None:
        """Nothing to record: :meth:`ProviderGate.pause` holds this process."""

    def held_for(self) -> float:
        """Never held beyond the gate's own pause."""
        return 0.0


class ProviderGate:
    """Per-provider throttles: request RPM, create RPM, a concurrency cap and 429 pauses.

    ``rpm`` limits every request, ``create_rpm`` only job creation (Azure allows 2 creates per
    minute), ``max_concurrency`` in-flight requests. After a 429 the whole provider pauses for the
    retry-after, so concurrent callers do not keep hammering a limited API.

    With a create RPM, creates queue in order for their turn and are sent the moment it comes,
    outside the concurrency cap: a create that waited for a slot behind polls and
    downloads after its token would leave together with the next one, past the provider's
    limit (or, queued behind them, leave the provider idle).
    """

    def __init__(
        self,
        *,
        rpm: float | None = None,
        create_rpm: float | None = None,
        max_concurrency: int = 4,
        sleep: Sleep = asyncio.sleep,
        clock: Clock | None = None,
        max_pause: float = 120.0,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.rpm = rpm
        self.create_rpm = create_rpm
        self.max_concurrency = max_concurrency
        self._sleep = sleep
        self._clock = clock or loop_time
        self._paused_until = 0.0
        self.max_pause = max_pause
        # Built lazily: aiolimiter and Semaphore bind to the running loop on first use.
        self._limiter: AsyncLimiter | None = None
        self._semaphore: asyncio.Semaphore | None = None
        self._create_turn: asyncio.Lock | None = None
        self._pace: CreatePace = LocalCreatePace(self._clock)

    def share_creates(self, pace: CreatePace) -> None:
        """Take create turns from ``pace``, shared with every process on this account.

        Several workers each pacing their own creates would together exceed the provider's
        create RPM; with a shared pace their creates are spaced as one process's are. A 429 then
        also holds the other processes' turns for its retry-after.
        """
        self._pace = pace

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

    async def _wait_pause(self) -> None:
        if (left := self.paused_for) > 0:
            await self._sleep(left)

    async def _create_due(self) -> None:
        """Wait for this create's turn: evenly spaced after the last one, never in a pause.

        Called under the create lock, so turns are handed out in order. A 429 while a create
        waited (here, or on another process sharing the pace): wait it out, then take a fresh
        turn, so creates stay spaced after the pause.
        """
        assert self.create_rpm is not None
        spacing = 60.0 / (self.create_rpm * CREATE_PACE)
        while True:
            await self._wait_pause()
            wait = self._pace.reserve(spacing)
            if wait > 0:
                await self._sleep(wait)
            if self.paused_for <= 0 and self._pace.held_for() <= 0:
                return

    @asynccontextmanager
    async def slot(self, *, create: bool = False) -> AsyncIterator[None]:
        """Wait for a pause to end and for rate and concurrency room, then hold a slot."""
        if not (create and self.create_rpm is not None):
            await self._wait_pause()
        if self._limiter is None and self.rpm is not None:
            self._limiter = self._limiter_for(self.rpm)
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.max_concurrency)
        if self._create_turn is None:
            self._create_turn = asyncio.Lock()
        if create and self.create_rpm is not None:
            # creates queue in order for their turn, then leave at once: they take no shared
            # concurrency slot (their rate bounds them), so polls and downloads filling every
            # slot cannot hold a granted create back until the next one is due as well
            async with self._create_turn:
                await self._create_due()
                if self._limiter is not None:
                    await self._limiter.acquire()
            yield
            return
        if self._limiter is not None:
            await self._limiter.acquire()
        async with self._semaphore:
            yield

    def on_error(self, exc: ProviderError) -> None:
        """React to an error: a 429 with retry-after pauses the provider."""
        if exc.error.kind is ErrorKind.RATE_LIMITED and exc.error.retry_after:
            self.pause(exc.error.retry_after)
            self._pace.hold(min(float(exc.error.retry_after), self.max_pause))
