"""When the client retries, how long it waits, and how it throttles itself.

Waits are recorded by an injected sleep (FakeTime) or measured on a virtual-time event loop:
nothing sleeps for real and nothing asserts wall-clock speed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from openai_fakes import (
    BASE,
    KEY,
    FakeSora,
    FakeTime,
    error,
    provider,
    video,
)

from lessonreel.video.providers.openai import OpenAIVideoProvider
from lessonreel.video.providers.retry import CREATE_PACE
from lessonreel.video.types import ErrorKind, ProviderError, VideoRequest


@pytest.fixture
def fake() -> FakeSora:
    return FakeSora()


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()


# -- retries ---------------------------------------------------------------------------------


async def test_rate_limit_waits_retry_after_then_succeeds(fake: FakeSora, clock: FakeTime) -> None:
    fake.on(
        "POST",
        "/v1/videos",
        error(429, "error_rate_limit.json", {"retry-after": "3"}),
        error(429, "error_rate_limit.json", {"retry-after-ms": "250"}),
        httpx.Response(200, json=video()),
    )
    async with provider(fake, clock) as p:
        job = await p.submit(VideoRequest(prompt="leaf", model="sora-2"))
    assert job.id == "video_123"
    assert clock.waits == [3.0, 0.25]
    assert len(fake.requests) == 3


async def test_retry_after_is_capped(fake: FakeSora, clock: FakeTime) -> None:
    fake.on(
        "GET",
        "/v1/videos/v",
        error(429, "error_rate_limit.json", {"retry-after": "86400"}),
        httpx.Response(200, json=video()),
    )
    async with provider(fake, clock) as p:
        await p.get("v")
    assert clock.waits == [120.0]


async def test_server_errors_back_off_exponentially_and_stop_at_the_cap(
    fake: FakeSora, clock: FakeTime
) -> None:
    fake.on("GET", "/v1/videos/v", error(500, "error_server.json"))
    async with provider(fake, clock) as p:
        with pytest.raises(ProviderError) as info:
            await p.get("v")
    assert info.value.error.kind is ErrorKind.SERVER_ERROR
    assert len(fake.requests) == 5  # 1 try + max_retries=4
    assert len(clock.waits) == 4
    for wait, base in zip(clock.waits, [0.5, 1.0, 2.0, 4.0], strict=True):
        assert base * 0.75 <= wait <= base


async def test_timeouts_are_retried_then_reported(fake: FakeSora, clock: FakeTime) -> None:
    fake.on("GET", "/v1/videos/v", httpx.ReadTimeout("slow"), httpx.Response(200, json=video()))
    async with provider(fake, clock) as p:
        assert (await p.get("v")).id == "video_123"
    fake.on("GET", "/v1/videos/v", httpx.ReadTimeout("slow"))
    async with provider(fake, clock, max_retries=1) as p:
        with pytest.raises(ProviderError) as info:
            await p.get("v")
    assert info.value.error.kind is ErrorKind.TIMEOUT


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (lambda: error(400, "error_invalid_type.json"), ErrorKind.INVALID_REQUEST),
        (lambda: error(400, "error_content_policy.json"), ErrorKind.CONTENT_POLICY),
        (lambda: error(429, "error_insufficient_quota.json"), ErrorKind.QUOTA_EXHAUSTED),
        (lambda: error(402, "error_insufficient_quota.json"), ErrorKind.QUOTA_EXHAUSTED),
        (lambda: error(401, "error_invalid_api_key.json"), ErrorKind.INVALID_REQUEST),
        (lambda: error(404, "error_azure_deployment_404.json"), ErrorKind.INVALID_REQUEST),
    ],
)
async def test_terminal_kinds_are_never_retried(
    fake: FakeSora, clock: FakeTime, reply: Callable[[], httpx.Response], kind: ErrorKind
) -> None:
    fake.on("POST", "/v1/videos", reply(), httpx.Response(200, json=video()))
    async with provider(fake, clock) as p:
        with pytest.raises(ProviderError) as info:
            await p.submit(VideoRequest(prompt="leaf", model="sora-2"))
    assert info.value.error.kind is kind
    assert len(fake.requests) == 1
    assert clock.waits == []


async def test_a_429_pauses_the_whole_provider(fake: FakeSora, clock: FakeTime) -> None:
    fake.on("GET", "/v1/videos/a", error(429, "error_rate_limit.json", {"retry-after": "10"}))
    fake.on("GET", "/v1/videos/b", httpx.Response(200, json=video(id="b")))
    async with provider(fake, clock, max_retries=0) as p:
        with pytest.raises(ProviderError):
            await p.get("a")
        assert p.gate.paused_for == 10.0
        await p.get("b")  # another job on the same provider waits out the pause first
    assert clock.waits == [10.0]


# -- throttles (virtual-time event loop: no real waiting, no timed assertions) --------------


class VirtualClockLoop(asyncio.SelectorEventLoop):
    """Event loop whose clock jumps to the next timer whenever nothing is ready."""

    def __init__(self) -> None:
        super().__init__()
        self.virtual = 0.0

    def time(self) -> float:
        return self.virtual

    def _run_once(self) -> None:
        if not self._ready:  # type: ignore[attr-defined]
            pending = [h.when() for h in self._scheduled if not h.cancelled()]  # type: ignore[attr-defined]
            if pending:
                self.virtual = max(self.virtual, min(pending))
        super()._run_once()  # type: ignore[misc]


def run_virtual(make_coro: Callable[[asyncio.AbstractEventLoop], Any]) -> Any:
    loop = VirtualClockLoop()
    try:
        return loop.run_until_complete(make_coro(loop))
    finally:
        loop.close()


def test_create_rpm_spaces_job_creation_evenly() -> None:
    async def scenario(loop: asyncio.AbstractEventLoop) -> tuple[list[float], list[float]]:
        create_times: list[float] = []
        get_times: list[float] = []

        def handler(request: httpx.Request) -> httpx.Response:
            (create_times if request.method == "POST" else get_times).append(loop.time())
            return httpx.Response(200, json=video())

        async with OpenAIVideoProvider(
            base_url=BASE, api_key=KEY, transport=httpx.MockTransport(handler), create_rpm=2
        ) as p:
            req = VideoRequest(prompt="leaf", model="sora-2")
            await asyncio.gather(
                *(p.submit(req) for _ in range(4)), *(p.get("v") for _ in range(3))
            )
        return create_times, get_times

    creates, gets = run_virtual(scenario)
    # Azure's 2 creates a minute, evenly spaced with the gate's 2 % headroom
    assert creates == pytest.approx([i * 30.0 / CREATE_PACE for i in range(4)])
    assert gets == [0.0, 0.0, 0.0]  # polls are not held back by the create limiter


def test_rpm_limits_every_request() -> None:
    async def scenario(loop: asyncio.AbstractEventLoop) -> list[float]:
        times: list[float] = []

        def handler(request: httpx.Request) -> httpx.Response:
            times.append(loop.time())
            return httpx.Response(200, json=video())

        async with OpenAIVideoProvider(
            base_url=BASE, api_key=KEY, transport=httpx.MockTransport(handler), rpm=120
        ) as p:
            await asyncio.gather(*(p.get("v") for _ in range(4)))
        return times

    assert run_virtual(scenario) == [0.0, 0.5, 1.0, 1.5]


async def test_max_concurrency_caps_requests_in_flight() -> None:
    in_flight = 0
    peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        for _ in range(5):
            await asyncio.sleep(0)
        in_flight -= 1
        return httpx.Response(200, json=video())

    async with OpenAIVideoProvider(
        base_url=BASE, api_key=KEY, transport=httpx.MockTransport(handler), max_concurrency=2
    ) as p:
        jobs = await asyncio.gather(*(p.get("v") for _ in range(8)))
    assert len(jobs) == 8
    assert peak == 2
