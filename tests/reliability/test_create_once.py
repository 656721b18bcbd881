"""No paid job is ever created twice by the provider's own retries.

Creating a video costs money and the Sora-shaped API takes no idempotency key, so the provider
repeats a create only when the server certainly did not create a job (a 429, or a connection that
never opened). When the request went out and the answer was lost — a cut connection, a read
timeout, a 5xx, an unreadable 2xx — it raises ``code=create_outcome_unknown`` at once and leaves
the reconciliation (list the jobs, adopt ours) to the dispatcher. Polls and downloads keep
their retries. The lost answers here happen over real loopback sockets, in front of the emulator.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fakes import FakeTime
from lossy_proxy import LossyProxy, lose_first

from lessonreel.video.emulator.config import EmulatorConfig
from lessonreel.video.emulator.server import running_emulator
from lessonreel.video.providers.openai import OpenAIVideoProvider
from lessonreel.video.providers.retry import RetryPolicy, is_transient
from lessonreel.video.types import CREATE_OUTCOME_UNKNOWN, ErrorKind, ProviderError, VideoRequest

LEAF = VideoRequest(prompt="A green leaf turns toward the sun.", model="sora-2", seconds=4)
CREATE = ("POST", "/v1/videos")


@pytest.fixture(scope="module")
def render_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("render-cache")


@pytest.fixture
def emulator(render_cache: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A real emulator server; ``@pytest.mark.parametrize('emulator', [{...}], indirect=True)``."""
    faults: dict[str, Any] = getattr(request, "param", {})
    config = EmulatorConfig(latency=0.0, cache_dir=render_cache, **faults)
    with running_emulator(config) as url:
        yield url


def emulator_stats(url: str) -> dict[str, Any]:
    stats: dict[str, Any] = httpx.get(f"{url}/_emulator/stats").json()
    return stats


def provider_at(url: str, waits: FakeTime, **options: Any) -> OpenAIVideoProvider:
    policy = RetryPolicy(max_retries=4, sleep=waits.sleep, clock=waits.clock)
    return OpenAIVideoProvider(
        base_url=f"{url}/v1", api_key=None, name="local", retry_policy=policy, **options
    )


@pytest.fixture
async def proxy_losing_first_create(emulator: str) -> AsyncIterator[LossyProxy]:
    async with LossyProxy(emulator, lose_first(*CREATE, "reset")) as proxy:
        yield proxy


async def test_a_create_whose_answer_is_cut_off_is_not_repeated_and_can_be_found(
    emulator: str, proxy_losing_first_create: LossyProxy
) -> None:
    proxy, waits = proxy_losing_first_create, FakeTime()
    async with provider_at(proxy.url, waits) as provider:
        with pytest.raises(ProviderError) as info:
            await provider.submit(LEAF)
        listed = [job async for job in provider.iter_jobs()]
    error = info.value.error
    assert error.code == CREATE_OUTCOME_UNKNOWN
    assert error.kind is ErrorKind.SERVER_ERROR
    assert "list the provider's jobs" in error.message
    assert not is_transient(info.value)
    assert [e.upstream_status for e in proxy.calls(*CREATE)] == [200]  # created, answer lost
    assert waits.waits == []
    assert emulator_stats(emulator)["creates"] == 1
    # What the dispatcher needs to reconcile: exactly one job, recognisably ours.
    assert len(listed) == 1
    job = listed[0]
    assert (job.prompt, job.model, job.size, job.seconds) == (LEAF.prompt, "sora-2", "1280x720", 4)


async def test_a_create_that_times_out_after_the_server_took_it_is_not_repeated(
    emulator: str,
) -> None:
    waits = FakeTime()
    async with (
        LossyProxy(emulator, lose_first(*CREATE, "hold")) as proxy,
        provider_at(proxy.url, waits, timeout=0.5) as provider,
    ):
        with pytest.raises(ProviderError) as info:
            await provider.submit(LEAF)
    assert info.value.error.kind is ErrorKind.TIMEOUT
    assert info.value.error.code == CREATE_OUTCOME_UNKNOWN
    assert len(proxy.calls(*CREATE)) == 1
    assert waits.waits == []
    assert emulator_stats(emulator)["creates"] == 1


async def test_a_remix_whose_answer_is_cut_off_is_not_repeated(emulator: str) -> None:
    waits = FakeTime()
    async with provider_at(emulator, waits) as direct:
        source = await direct.submit(LEAF)
    path = f"/v1/videos/{source.id}/remix"
    async with (
        LossyProxy(emulator, lose_first("POST", path, "reset")) as proxy,
        provider_at(proxy.url, waits) as provider,
    ):
        with pytest.raises(ProviderError) as info:
            await provider.remix(source.id, "The same leaf, now autumn red.")
    assert info.value.error.code == CREATE_OUTCOME_UNKNOWN
    assert len(proxy.calls("POST", path)) == 1
    stats = emulator_stats(emulator)
    assert (stats["creates"], stats["remixes"]) == (1, 1)


async def test_a_lost_poll_answer_is_still_retried(emulator: str) -> None:
    waits = FakeTime()
    async with provider_at(emulator, waits) as direct:
        job = await direct.submit(LEAF)
    path = f"/v1/videos/{job.id}"
    async with (
        LossyProxy(emulator, lose_first("GET", path, "reset")) as proxy,
        provider_at(proxy.url, waits) as provider,
    ):
        polled = await provider.get(job.id)
    assert polled.id == job.id
    assert len(proxy.calls("GET", path)) == 2
    assert len(waits.waits) == 1


@pytest.mark.parametrize(
    "emulator", [{"rate_limit": {"first": 1, "retry_after": 2.0}}], indirect=True
)
async def test_a_429_at_create_is_waited_out_and_one_job_exists(emulator: str) -> None:
    waits = FakeTime()
    async with provider_at(emulator, waits) as provider:
        job = await provider.submit(LEAF)
        listed = [j.id async for j in provider.iter_jobs()]
    assert waits.waits == [2.0]
    stats = emulator_stats(emulator)
    assert (stats["create_attempts"], stats["creates"]) == (2, 1)
    assert listed == [job.id]


@pytest.mark.parametrize(
    "emulator", [{"server_errors": {"first": 1, "scope": "create", "status": 502}}], indirect=True
)
async def test_a_5xx_at_create_is_reported_as_outcome_unknown_not_retried(emulator: str) -> None:
    # A 5xx may come from a gateway after the API accepted the job, so it is not retried here;
    # this emulator fails before creating, so the dispatcher's listing finds nothing to adopt.
    waits = FakeTime()
    async with provider_at(emulator, waits) as provider:
        with pytest.raises(ProviderError) as info:
            await provider.submit(LEAF)
        listed = [j async for j in provider.iter_jobs()]
    assert (info.value.error.code, info.value.error.http_status) == (CREATE_OUTCOME_UNKNOWN, 502)
    assert waits.waits == []
    assert emulator_stats(emulator)["create_attempts"] == 1
    assert listed == []


class FlakyConnect(httpx.AsyncBaseTransport):
    """A real loopback transport whose first ``failures`` connections are refused."""

    def __init__(self, failures: int, error: type[httpx.TransportError]) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.failures = failures
        self.error = error
        self.attempts = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise self.error("connection refused", request=request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.mark.parametrize("error", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout])
async def test_a_create_that_never_left_is_retried_and_creates_once(
    emulator: str, error: type[httpx.TransportError]
) -> None:
    waits = FakeTime()
    transport = FlakyConnect(2, error)
    async with provider_at(emulator, waits, transport=transport) as provider:
        job = await provider.submit(LEAF)
    assert transport.attempts == 3
    assert len(waits.waits) == 2
    assert emulator_stats(emulator)["creates"] == 1
    assert job.status in ("queued", "running", "succeeded")


# -- the whole decision table, on a scripted transport ---------------------------------------


def scripted(*replies: httpx.Response | Exception) -> tuple[httpx.MockTransport, list[str]]:
    """A transport answering each request with the next reply (the last one repeats)."""
    seen: list[str] = []
    queue = list(replies)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(reply, Exception):
            raise reply
        return reply

    return httpx.MockTransport(handler), seen


CREATED = httpx.Response(
    200,
    json={
        "id": "video_1",
        "object": "video",
        "model": "sora-2",
        "status": "queued",
        "created_at": 1,
        "size": "1280x720",
        "seconds": "4",
        "prompt": LEAF.prompt,
    },
)
SENT_THEN_LOST = [
    httpx.ReadTimeout("read timed out"),
    httpx.WriteTimeout("write timed out"),
    httpx.ReadError("connection reset by peer"),
    httpx.WriteError("broken pipe"),
    httpx.RemoteProtocolError("Server disconnected without sending a response."),
    httpx.Response(500, json={"error": {"message": "boom", "type": "server_error"}}),
    httpx.Response(502, text="Bad gateway"),
    httpx.Response(503, json={"error": {"message": "overloaded"}}, headers={"retry-after": "1"}),
    httpx.Response(504, text="Gateway timeout"),
    httpx.Response(408, text="Request timeout"),
    httpx.Response(200, text="<html>proxy says hi</html>"),
    httpx.Response(200, json={"unexpected": True}),
    httpx.Response(200, json={**CREATED.json(), "status": "teleporting"}),
]


LOST_IDS = [
    "read-timeout",
    "write-timeout",
    "read-reset",
    "write-broken-pipe",
    "disconnected",
    "500",
    "502",
    "503-retry-after",
    "504",
    "408",
    "200-html",
    "200-no-job",
    "200-unknown-status",
]


@pytest.mark.parametrize("reply", SENT_THEN_LOST, ids=LOST_IDS)
async def test_every_ambiguous_create_failure_is_reported_once_as_outcome_unknown(
    reply: httpx.Response | Exception,
) -> None:
    transport, seen = scripted(reply, CREATED)
    waits = FakeTime()
    async with provider_at("https://api.test", waits, transport=transport) as provider:
        with pytest.raises(ProviderError) as info:
            await provider.submit(LEAF)
    assert info.value.error.code == CREATE_OUTCOME_UNKNOWN
    assert info.value.error.transient  # the dispatcher's taxonomy still says "try again" ...
    assert not is_transient(info.value)  # ... but never blindly: the provider did not
    assert seen == ["POST /v1/videos"]
    assert waits.waits == []


@pytest.mark.parametrize("reply", SENT_THEN_LOST[:10], ids=LOST_IDS[:10])
async def test_polls_keep_their_retries_through_the_same_failures(
    reply: httpx.Response | Exception,
) -> None:
    transport, seen = scripted(reply, CREATED)
    waits = FakeTime()
    async with provider_at("https://api.test", waits, transport=transport) as provider:
        job = await provider.get("video_1")
    assert job.id == "video_1"
    assert seen == ["GET /v1/videos/video_1"] * 2


async def test_terminal_refusals_at_create_keep_their_own_code() -> None:
    refused = httpx.Response(
        400, json={"error": {"message": "blocked", "code": "moderation_blocked"}}
    )
    transport, seen = scripted(refused, CREATED)
    async with provider_at("https://api.test", FakeTime(), transport=transport) as provider:
        with pytest.raises(ProviderError) as info:
            await provider.submit(LEAF)
    assert (info.value.error.kind, info.value.error.code) == (
        ErrorKind.CONTENT_POLICY,
        "moderation_blocked",
    )
    assert seen == ["POST /v1/videos"]
