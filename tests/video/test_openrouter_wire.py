"""OpenRouter adapter at the wire: exact requests, every status and error mapped, safe downloads."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fakes import FakeTime

from lessonreel.video.pricing import PriceTable
from lessonreel.video.providers.base import VideoProvider
from lessonreel.video.providers.openrouter import OpenRouterVideoProvider
from lessonreel.video.providers.openrouter_models import static_catalog
from lessonreel.video.providers.openrouter_wire import api_base
from lessonreel.video.providers.retry import RetryPolicy
from lessonreel.video.types import CREATE_OUTCOME_UNKNOWN, ErrorKind, ProviderError, VideoRequest

FIXTURES = Path(__file__).parent / "fixtures"
KEY = "sk-or-v1-test-key-0123456789"
Handler = Callable[[httpx.Request], httpx.Response]


def make(
    handler: Handler, waits: FakeTime | None = None, **options: Any
) -> OpenRouterVideoProvider:
    waits = waits or FakeTime()
    return OpenRouterVideoProvider(
        api_key=options.pop("api_key", KEY),
        transport=httpx.MockTransport(handler),
        retry_policy=RetryPolicy(max_retries=3, sleep=waits.sleep, clock=waits.clock),
        refresh=options.pop("refresh", False),
        **options,
    )


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


def job(status: str = "pending", **over: Any) -> dict[str, Any]:
    body = {"id": "job-abc123", "polling_url": "/api/v1/videos/job-abc123", "status": status}
    body.update(over)
    return body


@pytest.mark.parametrize(
    "name", ["openrouter_create_text_only.json", "openrouter_create_first_frame.json"]
)
async def test_submit_sends_exactly_the_recorded_request(name: str) -> None:
    fixture = load(name)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202, json=job())

    spec = dict(fixture["request"])
    if "input_reference" in spec:
        spec["input_reference"] = FIXTURES / spec["input_reference"]
    async with make(handler) as provider:
        submitted = await provider.submit(VideoRequest(**spec))

    assert submitted.id == "job-abc123"
    assert submitted.status == "queued"
    (request,) = seen
    expected = fixture["expected"]
    assert request.method == expected["method"]
    assert str(request.url) == expected["url"]
    for header, value in expected["headers"].items():
        assert request.headers[header] == value.replace("<key>", KEY)
    assert json.loads(request.content) == expected["json"]


@pytest.mark.parametrize(
    ("wire", "neutral"),
    [
        ("pending", "queued"),
        ("in_progress", "running"),
        ("completed", "succeeded"),
        ("failed", "failed"),
        ("cancelled", "canceled"),
        ("expired", "expired"),
    ],
)
async def test_every_job_status_maps_to_the_neutral_one(wire: str, neutral: str) -> None:
    async with make(lambda r: httpx.Response(200, json=job(wire))) as provider:
        got = await provider.get("job-abc123")
    assert got.status == neutral
    assert got.terminal == (neutral not in ("queued", "running"))


async def test_completed_job_reports_the_charge_and_content_url() -> None:
    body = job(
        "completed",
        generation_id="gen-1",
        unsigned_urls=["https://openrouter.ai/api/v1/videos/job-abc123/content?index=0"],
        usage={"cost": 0.25, "is_byok": False},
    )
    async with make(lambda r: httpx.Response(200, json=body)) as provider:
        got = await provider.get("job-abc123")
    assert got.cost_usd == pytest.approx(0.25)
    assert got.download_url is not None
    assert got.download_url.endswith("content?index=0")
    assert got.progress == 100


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        ("Content policy violation", ErrorKind.CONTENT_POLICY),
        ({"code": "OutputVideoSensitiveContentDetected"}, ErrorKind.CONTENT_POLICY),
        ("The request was blocked by the provider's safety system", ErrorKind.CONTENT_POLICY),
        ("Provider returned error", ErrorKind.SERVER_ERROR),
        ("Invalid duration for this model", ErrorKind.INVALID_REQUEST),
        (None, ErrorKind.SERVER_ERROR),
    ],
)
async def test_failed_job_text_is_classified(error: Any, kind: ErrorKind) -> None:
    async with make(lambda r: httpx.Response(200, json=job("failed", error=error))) as provider:
        got = await provider.get("job-abc123")
    assert got.status == "failed"
    assert got.error is not None
    assert got.error.kind is kind


async def test_expired_job_says_why() -> None:
    body = job("expired", error="Job exceeded maximum time to live")
    async with make(lambda r: httpx.Response(200, json=body)) as provider:
        got = await provider.get("job-abc123")
    assert got.status == "expired"
    assert got.error is not None
    assert "time to live" in got.error.message


def envelope(status: int, message: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status, json={"error": {"code": status, "message": message}}, headers=headers
    )


@pytest.mark.parametrize(
    ("status", "message", "kind"),
    [
        (400, "duration must be one of [4, 6, 8]", ErrorKind.INVALID_REQUEST),
        (400, "Prompt rejected: content policy violation", ErrorKind.CONTENT_POLICY),
        (401, "No auth credentials found", ErrorKind.INVALID_REQUEST),
        (402, "Insufficient credits. Add more using https://openrouter.ai/credits", None),
        (404, "Model not found", ErrorKind.INVALID_REQUEST),
        (409, "previous job is not completed", ErrorKind.INVALID_REQUEST),
        (413, "Request body too large", ErrorKind.INVALID_REQUEST),
    ],
)
async def test_terminal_http_errors_map_and_are_not_retried(
    status: int, message: str, kind: ErrorKind | None
) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return envelope(status, message)

    async with make(handler) as provider:
        with pytest.raises(ProviderError) as info:
            await provider.submit(VideoRequest(prompt="leaf", model="google/veo-3.1"))
    assert info.value.error.kind is (kind or ErrorKind.QUOTA_EXHAUSTED)
    assert info.value.error.http_status == status
    assert len(calls) == 1
    assert KEY not in str(info.value)


async def test_a_429_at_submit_waits_the_retry_after_then_creates() -> None:
    replies = [envelope(429, "slow down", {"retry-after": "7"}), httpx.Response(202, json=job())]
    waits = FakeTime()
    async with make(lambda r: replies.pop(0), waits) as provider:
        got = await provider.submit(VideoRequest(prompt="leaf", model="google/veo-3.1"))
    assert got.id == "job-abc123"
    assert waits.waits == [pytest.approx(7.0)]


@pytest.mark.parametrize("status", [500, 502])
async def test_server_errors_on_polls_are_retried(status: int) -> None:
    replies = [envelope(status, "Provider returned error"), httpx.Response(200, json=job())]
    waits = FakeTime()
    async with make(lambda r: replies.pop(0), waits) as provider:
        got = await provider.get("job-abc123")
    assert got.status == "queued"
    assert len(waits.waits) == 1


@pytest.mark.parametrize("status", [500, 502])
async def test_server_errors_at_submit_are_not_repeated_because_a_job_may_exist(
    status: int,
) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return envelope(status, "Provider returned error")

    async with make(handler) as provider:
        with pytest.raises(ProviderError) as info:
            await provider.submit(VideoRequest(prompt="leaf", model="google/veo-3.1"))
    assert info.value.error.kind is ErrorKind.SERVER_ERROR
    assert info.value.error.code == CREATE_OUTCOME_UNKNOWN
    assert len(calls) == 1


async def test_persistent_429_surfaces_as_rate_limited_with_retry_after() -> None:
    waits = FakeTime()
    reply = envelope(429, "Rate limit exceeded", {"retry-after": "3"})
    async with make(lambda r: reply, waits) as provider:
        with pytest.raises(ProviderError) as info:
            await provider.get("job-abc123")
    assert info.value.error.kind is ErrorKind.RATE_LIMITED
    assert info.value.error.retry_after == pytest.approx(3.0)


async def test_download_sends_the_bearer_and_index_and_writes_a_checksummed_file(
    tmp_path: Path,
) -> None:
    seen: list[httpx.Request] = []
    payload = b"\x00\x00\x00\x18ftypmp42" + b"x" * 5000

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=payload, headers={"content-type": "video/mp4"})

    async with make(handler) as provider:
        clip = await provider.download("job-abc123", tmp_path / "shot.mp4")
    (request,) = seen
    assert request.url.path == "/api/v1/videos/job-abc123/content"
    assert request.url.params["index"] == "0"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert clip.bytes == len(payload)
    assert (tmp_path / "shot.mp4").read_bytes() == payload
    assert len(clip.sha256) == 64


async def test_truncated_download_is_retried_and_never_leaves_a_partial_file(
    tmp_path: Path,
) -> None:
    whole = b"\x00\x00\x00\x18ftypmp42" + b"y" * 3000

    def truncated(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, content=whole[:1000], headers={"content-length": str(len(whole))}
        )

    async with make(truncated) as provider:
        with pytest.raises(ProviderError) as info:
            await provider.download("job-abc123", tmp_path / "shot.mp4")
    assert info.value.error.kind is ErrorKind.SERVER_ERROR
    assert os.listdir(tmp_path) == []

    replies = [truncated, lambda r: httpx.Response(200, content=whole)]
    async with make(lambda r: replies.pop(0)(r)) as provider:
        clip = await provider.download("job-abc123", tmp_path / "shot.mp4")
    assert clip.bytes == len(whole)


async def test_refresh_models_registers_live_durations_and_prices() -> None:
    catalog = {
        "data": [
            {
                "id": "google/veo-3.1",
                "supported_resolutions": ["720p", "1080p"],
                "supported_aspect_ratios": ["16:9", "9:16"],
                "supported_durations": [4, 6, 8],
                "generate_audio": True,
                "seed": True,
                "pricing_skus": {"per-video-second": "0.40", "per-video-second-1080p": "0.60"},
            },
            {
                "id": "bytedance/seedance-2.0-fast",
                "supported_resolutions": ["720p"],
                "supported_aspect_ratios": ["16:9"],
                "supported_durations": [5],
                "pricing_skus": {"per-video-token": "0.0000012"},
            },
            {
                "id": "mystery/unpriced",
                "supported_resolutions": ["720p"],
                "supported_durations": [5],
            },
        ]
    }
    async with make(lambda r: httpx.Response(200, json=catalog)) as provider:
        specs = {s.model: s for s in await provider.refresh_models()}
        veo = VideoRequest(prompt="x", model="google/veo-3.1", size="1920x1080", seconds=8)
        assert provider.estimate_cost(veo) == pytest.approx(4.80)
        fast = VideoRequest(prompt="x", model="bytedance/seedance-2.0-fast", seconds=5)
        assert provider.estimate_cost(fast) == pytest.approx(1280 * 720 * 24 / 1024 * 1.2e-6 * 5)
    assert specs["google/veo-3.1"].rate("1280x720") == pytest.approx(0.40)
    assert specs["bytedance/seedance-2.0-fast"].priced_per_token
    assert "per token" in specs["bytedance/seedance-2.0-fast"].notes
    assert "mystery/unpriced" not in specs


async def test_submit_fetches_the_catalog_once_and_refuses_illegal_durations() -> None:
    catalog = {"data": [m.model_dump() for m in static_catalog()]}
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path.endswith("/videos/models"):
            return httpx.Response(200, json=catalog)
        return httpx.Response(202, json=job())

    async with make(handler, refresh=True) as provider:
        await provider.submit(VideoRequest(prompt="x", model="google/veo-3.1", seconds=6))
        await provider.submit(VideoRequest(prompt="x", model="google/veo-3.1", seconds=8))
        with pytest.raises(ProviderError) as info:
            await provider.submit(VideoRequest(prompt="x", model="google/veo-3.1", seconds=5))
    assert "allowed: 4, 6, 8" in str(info.value)
    assert calls.count("/api/v1/videos/models") == 1
    assert calls.count("/api/v1/videos") == 2


async def test_passthrough_parameters_outside_the_allowed_list_are_refused() -> None:
    async with make(lambda r: httpx.Response(202, json=job())) as provider:
        ok = provider.build_payload(
            VideoRequest(prompt="x", model="google/veo-3.1", params={"enhancePrompt": True})
        )
        assert ok["provider"] == {
            "options": {"google-vertex": {"parameters": {"enhancePrompt": True}}}
        }
        with pytest.raises(ProviderError, match="allowed: personGeneration"):
            provider.build_payload(
                VideoRequest(prompt="x", model="google/veo-3.1", params={"cfgScale": 3})
            )


def test_static_table_prices_per_token_models_and_says_so() -> None:
    table = PriceTable.default()
    seedance = table.model_spec("openrouter", "bytedance/seedance-2.0")
    assert seedance.priced_per_token
    assert "per token" in seedance.notes.lower()
    assert table.model_spec("openrouter", "google/veo-3.1").seconds == (4, 6, 8)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://openrouter.ai/api/v1", "https://openrouter.ai/api/v1"),
        ("https://openrouter.ai/api/v1/", "https://openrouter.ai/api/v1"),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765/api/v1"),
        ("http://127.0.0.1:8765/openrouter", "http://127.0.0.1:8765/openrouter/api/v1"),
    ],
)
def test_base_url_is_normalised_to_the_api_root(given: str, expected: str) -> None:
    assert api_base(given) == expected


async def test_provider_satisfies_the_protocol_and_hides_the_key() -> None:
    async with make(lambda r: httpx.Response(202, json=job())) as provider:
        assert isinstance(provider, VideoProvider)
        assert KEY not in repr(provider)
        assert {s.model for s in provider.models()} >= {"google/veo-3.1", "alibaba/wan-2.6"}
