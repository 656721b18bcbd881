"""Vertex Veo adapter at the wire: exact requests, operations mapped, filtered-but-done refused."""

from __future__ import annotations

import asyncio
import base64
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fakes import FakeTime
from live_emulator import in_virtual_time

from lessonreel.video.providers.base import VideoProvider
from lessonreel.video.providers.retry import CREATE_PACE, RetryPolicy
from lessonreel.video.providers.veo import VeoVideoProvider
from lessonreel.video.types import CREATE_OUTCOME_UNKNOWN, ErrorKind, ProviderError, VideoRequest

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "ya29.test-access-token-0123456789"
API_KEY = "AQ.express-key-0123456789"
OP = (
    "projects/p1/locations/us-central1/publishers/google/models/veo-3.1-generate-001"
    "/operations/a1b07c8e-7b5a-4aba-bb34-3e1ccb8afcc8"
)
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"z" * 4000
Handler = Callable[[httpx.Request], httpx.Response]


def make(handler: Handler, **options: Any) -> VeoVideoProvider:
    waits = options.pop("waits", None) or FakeTime()
    if "api_key" not in options:
        options.setdefault("access_token", TOKEN)
        options.setdefault("project", "p1")
    options.setdefault("create_rpm", None)  # the 50/min create gate runs on real time
    return VeoVideoProvider(
        transport=httpx.MockTransport(handler),
        retry_policy=RetryPolicy(max_retries=2, sleep=waits.sleep, clock=waits.clock),
        **options,
    )


def operation(done: bool | None = None, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": OP}
    if done is not None:
        body["done"] = done
    body.update(over)
    return body


def finished(*videos: dict[str, Any], filtered: int = 0, reasons: list[str] | None = None) -> Any:
    response: dict[str, Any] = {
        "@type": "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse",
        "raiMediaFilteredCount": filtered,
    }
    if reasons:
        response["raiMediaFilteredReasons"] = reasons
    if videos:
        response["videos"] = list(videos)
    return operation(True, response=response)


@pytest.mark.parametrize(
    "name", ["veo_create_text_only.json", "veo_create_first_frame.json", "veo_create_express.json"]
)
async def test_submit_sends_exactly_the_recorded_request(name: str) -> None:
    fixture = json.loads((FIXTURES / name).read_text())
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"name": OP})

    options = {
        k: v.replace("<token>", TOKEN).replace("<key>", API_KEY)
        for k, v in fixture["provider"].items()
    }
    spec = dict(fixture["request"])
    if "input_reference" in spec:
        spec["input_reference"] = FIXTURES / spec["input_reference"]
    async with make(handler, **options) as provider:
        job = await provider.submit(VideoRequest(**spec))

    assert job.id == OP
    assert job.status == "running"
    (request,) = seen
    expected = fixture["expected"]
    assert request.method == expected["method"]
    assert str(request.url) == expected["url"]
    for header, value in expected["headers"].items():
        assert request.headers[header] == value.replace("<token>", TOKEN).replace("<key>", API_KEY)
    for header in expected["absent_headers"]:
        assert header not in request.headers
    assert json.loads(request.content) == expected["json"]


async def test_polling_posts_fetch_predict_operation_with_the_operation_name() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=operation())

    async with make(handler) as provider:
        job = await provider.get(OP)
    (request,) = seen
    assert request.method == "POST"
    assert request.url.path == (
        "/v1/projects/p1/locations/us-central1/publishers/google/models/"
        "veo-3.1-generate-001:fetchPredictOperation"
    )
    assert json.loads(request.content) == {"operationName": OP}
    assert job.status == "running"
    assert job.model == "veo-3.1-generate-001"


@pytest.mark.parametrize(
    ("payload", "status", "kind"),
    [
        (operation(False), "running", None),
        (operation(), "running", None),
        (finished({"bytesBase64Encoded": "AAAA", "mimeType": "video/mp4"}), "succeeded", None),
        (finished({"gcsUri": "gs://b/x/sample_0.mp4", "mimeType": "video/mp4"}), "succeeded", None),
        (
            operation(True, error={"code": 3, "message": "bad aspectRatio"}),
            "failed",
            ErrorKind.INVALID_REQUEST,
        ),
        (
            operation(
                True,
                error={"code": 3, "message": "The prompt violates Vertex AI's usage guidelines"},
            ),
            "failed",
            ErrorKind.CONTENT_POLICY,
        ),
        (
            operation(True, error={"code": 8, "message": "Quota exceeded per minute"}),
            "failed",
            ErrorKind.RATE_LIMITED,
        ),
        (
            operation(True, error={"code": 8, "message": "Billing spend cap reached"}),
            "failed",
            ErrorKind.QUOTA_EXHAUSTED,
        ),
        (operation(True, error={"code": 4, "message": "deadline"}), "failed", ErrorKind.TIMEOUT),
        (
            operation(True, error={"code": 13, "message": "internal"}),
            "failed",
            ErrorKind.SERVER_ERROR,
        ),
        (
            operation(True, error={"code": 14, "message": "unavailable"}),
            "failed",
            ErrorKind.SERVER_ERROR,
        ),
        (operation(True, error={"code": 1, "message": "cancelled"}), "canceled", None),
        (finished(), "failed", ErrorKind.SERVER_ERROR),
    ],
)
async def test_operations_map_to_neutral_states(
    payload: dict[str, Any], status: str, kind: ErrorKind | None
) -> None:
    async with make(lambda r: httpx.Response(200, json=payload)) as provider:
        job = await provider.get(OP)
    assert job.status == status
    assert (job.error.kind if job.error else None) is kind


async def test_done_but_filtered_is_a_content_policy_failure_never_a_success() -> None:
    reason = (
        "We encountered an issue with the audio for your prompt, which means we could not "
        "create your video. You have not been charged for this attempt."
    )
    payload = finished(filtered=1, reasons=[reason])
    async with make(lambda r: httpx.Response(200, json=payload)) as provider:
        job = await provider.get(OP)
        assert job.status == "failed"
        assert job.error is not None
        assert job.error.kind is ErrorKind.CONTENT_POLICY
        assert "issue with the audio" in job.error.message
        assert job.cost_usd == 0.0
        with pytest.raises(ProviderError, match="failed, there is nothing to download"):
            await provider.download(OP, Path("never.mp4"))


async def test_inline_video_is_decoded_to_a_checksummed_file(tmp_path: Path) -> None:
    payload = finished(
        {"bytesBase64Encoded": base64.b64encode(MP4).decode(), "mimeType": "video/mp4"}
    )
    async with make(lambda r: httpx.Response(200, json=payload)) as provider:
        clip = await provider.download(OP, tmp_path / "shot.mp4")
    assert (tmp_path / "shot.mp4").read_bytes() == MP4
    assert clip.bytes == len(MP4)
    assert os.listdir(tmp_path) == ["shot.mp4"]


async def test_gcs_result_is_fetched_through_the_storage_api_with_the_same_bearer(
    tmp_path: Path,
) -> None:
    seen: list[httpx.Request] = []
    payload = finished(
        {"gcsUri": "gs://lessons-bucket/veo/123/sample_0.mp4", "mimeType": "video/mp4"}
    )

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "storage.googleapis.com":
            return httpx.Response(200, content=MP4)
        return httpx.Response(200, json=payload)

    async with make(handler, storage_uri="gs://lessons-bucket/veo/") as provider:
        clip = await provider.download(OP, tmp_path / "shot.mp4")
    storage = seen[-1]
    assert str(storage.url) == (
        "https://storage.googleapis.com/storage/v1/b/lessons-bucket/o/"
        "veo%2F123%2Fsample_0.mp4?alt=media"
    )
    assert storage.headers["authorization"] == f"Bearer {TOKEN}"
    assert clip.bytes == len(MP4)


async def test_gcs_result_without_a_configured_bucket_names_what_is_missing(tmp_path: Path) -> None:
    payload = finished({"gcsUri": "gs://someone/sample_0.mp4", "mimeType": "video/mp4"})
    async with make(lambda r: httpx.Response(200, json=payload)) as provider:
        with pytest.raises(ProviderError) as info:
            await provider.download(OP, tmp_path / "shot.mp4")
    assert "VEO_STORAGE_URI" in str(info.value)
    assert info.value.error.kind is ErrorKind.INVALID_REQUEST


def google_error(status: int, code_name: str, message: str, **headers: str) -> httpx.Response:
    return httpx.Response(
        status,
        json={"error": {"code": status, "message": message, "status": code_name}},
        headers=headers,
    )


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (
            google_error(
                400,
                "INVALID_ARGUMENT",
                "The number value for `durationSeconds` is out of bound.",
            ),
            ErrorKind.INVALID_REQUEST,
        ),
        (
            google_error(
                400, "INVALID_ARGUMENT", "Prompt blocked by Responsible AI safety filters"
            ),
            ErrorKind.CONTENT_POLICY,
        ),
        (
            google_error(401, "UNAUTHENTICATED", "Request had invalid authentication"),
            ErrorKind.INVALID_REQUEST,
        ),
        (
            google_error(403, "PERMISSION_DENIED", "Vertex AI API has not been used"),
            ErrorKind.INVALID_REQUEST,
        ),
        (
            google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded", **{"retry-after": "5"}),
            ErrorKind.RATE_LIMITED,
        ),
        (google_error(503, "UNAVAILABLE", "try later"), ErrorKind.SERVER_ERROR),
    ],
)
async def test_http_errors_at_submit_map_to_neutral_kinds(
    reply: httpx.Response, kind: ErrorKind
) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return reply

    async with make(handler) as provider:
        with pytest.raises(ProviderError) as info:
            await provider.submit(VideoRequest(prompt="leaf", model="veo-3.1-generate-001"))
    assert info.value.error.kind is kind
    # Only a 429 is repeated: after a 5xx the operation may exist, and a repeat could pay twice.
    assert len(calls) == (3 if kind is ErrorKind.RATE_LIMITED else 1)
    if kind is ErrorKind.SERVER_ERROR:
        assert info.value.error.code == CREATE_OUTCOME_UNKNOWN
    assert TOKEN not in str(info.value)


async def test_a_gone_operation_reads_expired() -> None:
    reply = google_error(404, "NOT_FOUND", "Operation not found")
    async with make(lambda r: reply) as provider:
        job = await provider.get(OP)
    assert job.status == "expired"


@pytest.mark.parametrize(
    ("request_kwargs", "fragment"),
    [
        ({"size": "1920x1080", "seconds": 4}, "only as 8-second clips"),
        ({"size": "1280x720", "seconds": 5}, "allowed: 4, 6, 8"),
        ({"size": "1024x1024", "seconds": 4}, "allowed: 1280x720"),
        ({"model": "veo-3.0-generate-001"}, "unknown model"),
        ({"params": {"sampleCount": 4}}, "does not take"),
    ],
)
async def test_illegal_requests_are_refused_before_sending(
    request_kwargs: dict[str, Any], fragment: str
) -> None:
    calls: list[httpx.Request] = []
    spec: dict[str, Any] = {"prompt": "leaf", "model": "veo-3.1-generate-001", **request_kwargs}
    async with make(
        lambda r: calls.append(r) or httpx.Response(200, json={"name": OP})
    ) as provider:
        with pytest.raises(ProviderError) as info:
            await provider.submit(VideoRequest(**spec))
    assert fragment in str(info.value)
    assert calls == []


def test_missing_credentials_name_the_environment_variables() -> None:
    with pytest.raises(ProviderError, match="GOOGLE_CLOUD_ACCESS_TOKEN"):
        VeoVideoProvider()
    with pytest.raises(ProviderError, match="GOOGLE_CLOUD_PROJECT"):
        VeoVideoProvider(access_token=TOKEN)


async def test_cost_is_the_list_price_for_the_clip_and_the_provider_fits_the_protocol() -> None:
    payload = finished({"bytesBase64Encoded": "AAAA", "mimeType": "video/mp4"})

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(":predictLongRunning"):
            return httpx.Response(200, json={"name": OP})
        return httpx.Response(200, json=payload)

    request = VideoRequest(prompt="leaf", model="veo-3.1-generate-001", size="1920x1080", seconds=8)
    async with make(handler) as provider:
        assert isinstance(provider, VideoProvider)
        assert provider.estimate_cost(request) == pytest.approx(3.20)
        job = await provider.submit(request)
        done = await provider.get(job.id)
        assert TOKEN not in repr(provider)
    assert done.cost_usd == pytest.approx(3.20)


def test_by_default_creates_are_spaced_to_vertex_50_per_minute_and_polls_are_not() -> None:
    async def scenario(loop: asyncio.AbstractEventLoop) -> tuple[list[float], list[float]]:
        creates: list[float] = []
        polls: list[float] = []

        def handler(request: httpx.Request) -> httpx.Response:
            is_create = request.url.path.endswith(":predictLongRunning")
            (creates if is_create else polls).append(loop.time())
            return httpx.Response(200, json={"name": OP} if is_create else operation())

        provider = VeoVideoProvider(
            access_token=TOKEN, project="p1", transport=httpx.MockTransport(handler)
        )
        async with provider:
            request = VideoRequest(prompt="leaf", model="veo-3.1-generate-001")
            await asyncio.gather(
                *(provider.submit(request) for _ in range(3)), *(provider.get(OP) for _ in range(3))
            )
        return creates, polls

    creates, polls = in_virtual_time(scenario)
    # Vertex's 50 creates a minute, evenly spaced with the gate's 2 % headroom
    assert creates == pytest.approx([i * 1.2 / CREATE_PACE for i in range(3)])
    assert polls == [0.0, 0.0, 0.0]
