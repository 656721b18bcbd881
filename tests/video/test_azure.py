"""Azure OpenAI v1 through the ``openai`` provider: exactly the requests Azure documents.

sora_api.md §4.1: base ``https://{resource}.openai.azure.com/openai/v1/``, ``api-key`` header,
the deployment name as ``model``, only 720p and 4/8/12 s, and 2 job creates per minute.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from live_emulator import in_virtual_time

from lessonreel.video.providers.factory import make_provider
from lessonreel.video.providers.openai import OpenAIVideoProvider
from lessonreel.video.types import ErrorKind, ProviderError, VideoRequest

FIXTURES = Path(__file__).parent / "fixtures"
KEY = "azure-key-0123456789abcdef"
RESOURCE = "https://lessons-east.openai.azure.com"
DEPLOYMENT = "sora-2-classroom"


def video(status: str = "queued", **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((FIXTURES / "responses" / "video_queued.json").read_text())
    body.update(status=status, **over)
    return body


@pytest.fixture
def azure_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", RESOURCE)
    monkeypatch.setenv("AZURE_OPENAI_DEPLOYMENT", DEPLOYMENT)


@pytest.mark.usefixtures("azure_env")
async def test_create_poll_and_download_go_to_the_resource_with_the_api_key_header(
    tmp_path: Path,
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/content"):
            return httpx.Response(200, content=b"\x00\x00\x00\x18ftypmp42" + b"a" * 100)
        return httpx.Response(200, json=video("completed" if request.method == "GET" else "queued"))

    provider = make_provider("azure", transport=httpx.MockTransport(handler))
    assert isinstance(provider, OpenAIVideoProvider)
    async with provider:
        request = VideoRequest(prompt="A leaf turns toward the sun.", model="sora-2", seconds=8)
        job = await provider.submit(request)
        await provider.get(job.id)
        await provider.download(job.id, tmp_path / "clip.mp4")

    create, poll, content = seen
    assert (create.method, str(create.url)) == ("POST", f"{RESOURCE}/openai/v1/videos")
    assert json.loads(create.content) == {
        "model": DEPLOYMENT,
        "prompt": "A leaf turns toward the sun.",
        "size": "1280x720",
        "seconds": "8",
    }
    assert (poll.method, str(poll.url)) == ("GET", f"{RESOURCE}/openai/v1/videos/video_123")
    assert content.url.path == "/openai/v1/videos/video_123/content"
    for sent in seen:
        assert sent.headers["api-key"] == KEY
        assert "authorization" not in sent.headers
        assert "api-version" not in sent.url.params  # v1 needs none


@pytest.mark.usefixtures("azure_env")
@pytest.mark.parametrize(
    ("size", "seconds", "legal"),
    [
        ("1280x720", 4, True),
        ("720x1280", 12, True),
        ("1280x720", 8, True),
        ("1920x1080", 4, False),
        ("1792x1024", 4, False),
        ("1280x720", 10, False),
    ],
)
async def test_only_720p_and_4_8_12_seconds_are_accepted(
    size: str, seconds: int, legal: bool
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=video())

    provider = make_provider("azure", transport=httpx.MockTransport(handler))
    assert isinstance(provider, OpenAIVideoProvider)
    async with provider:
        request = VideoRequest(prompt="leaf", model="sora-2", size=size, seconds=seconds)
        if legal:
            await provider.submit(request)
        else:
            with pytest.raises(ProviderError) as info:
                await provider.submit(request)
            assert info.value.error.kind is ErrorKind.INVALID_REQUEST
    assert len(seen) == (1 if legal else 0)


def test_the_create_limiter_holds_the_third_create_of_a_minute(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", RESOURCE)

    async def scenario(loop: asyncio.AbstractEventLoop) -> tuple[list[float], list[float], float]:
        creates: list[float] = []
        polls: list[float] = []

        def handler(request: httpx.Request) -> httpx.Response:
            (creates if request.method == "POST" else polls).append(loop.time())
            return httpx.Response(200, json=video())

        provider = make_provider("azure", transport=httpx.MockTransport(handler))
        assert isinstance(provider, OpenAIVideoProvider)
        async with provider:
            rpm = provider.gate.create_rpm
            request = VideoRequest(prompt="leaf", model="sora-2")
            await asyncio.gather(
                *(provider.submit(request) for _ in range(3)),
                *(provider.get("video_123") for _ in range(3)),
            )
        return creates, polls, rpm

    creates, polls, rpm = in_virtual_time(scenario)
    assert rpm == 2  # Azure's documented default
    assert len(creates) == 3
    assert sum(1 for t in creates if t < 60.0) == 2  # two creates in the first minute ...
    assert creates[2] - creates[0] >= 60.0  # ... and the third held until the next one
    assert polls == [0.0, 0.0, 0.0]  # polling is not held back by the create limiter
