"""Providers are built by name from arguments or the environment, with clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from lessonreel.video.providers import factory
from lessonreel.video.providers.factory import (
    ProviderEntry,
    azure_base_url,
    make_provider,
    provider_names,
    required_env,
)
from lessonreel.video.providers.openai import OpenAIVideoProvider
from lessonreel.video.types import ErrorKind, ProviderError, VideoRequest

FIXTURES = Path(__file__).parent / "fixtures"
KEY = "azure-test-key-0123456789abcdef"

QUEUED = json.loads((FIXTURES / "responses" / "video_queued.json").read_text())


class Recorder:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return httpx.Response(200, json=QUEUED)


def test_known_names_and_their_env() -> None:
    assert {"local", "openai", "azure"} <= set(provider_names())
    assert required_env("openai") == ["OPENAI_API_KEY"]
    assert required_env("azure") == ["AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT"]
    assert required_env("local") == []


def test_unknown_provider_lists_the_known_ones() -> None:
    with pytest.raises(ProviderError) as info:
        make_provider("sora-classic")
    assert info.value.error.kind is ErrorKind.INVALID_REQUEST
    assert "known: local, openai, azure" in str(info.value)


@pytest.mark.parametrize(
    ("name", "env", "variable"),
    [
        ("openai", {}, "OPENAI_API_KEY"),
        ("azure", {}, "AZURE_OPENAI_API_KEY"),
        ("azure", {"AZURE_OPENAI_API_KEY": KEY}, "AZURE_OPENAI_ENDPOINT"),
    ],
)
def test_missing_configuration_names_the_variable_to_set(
    monkeypatch: pytest.MonkeyPatch, name: str, env: dict[str, str], variable: str
) -> None:
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    with pytest.raises(ProviderError) as info:
        make_provider(name)
    assert info.value.error.kind is ErrorKind.INVALID_REQUEST
    assert f"set {variable}" in str(info.value)


async def test_openai_reads_key_and_base_url_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-key-0123456789")
    monkeypatch.setenv("OPENAI_BASE_URL", "https://gateway.test/v1")
    recorder = Recorder()
    p = make_provider("openai", transport=httpx.MockTransport(recorder))
    assert isinstance(p, OpenAIVideoProvider)
    try:
        await p.get("video_123")
    finally:
        await p.aclose()
    (sent,) = recorder.requests
    assert str(sent.url) == "https://gateway.test/v1/videos/video_123"
    assert sent.headers["authorization"] == "Bearer sk-env-key-0123456789"
    assert "sk-env-key-0123456789" not in repr(p)


def test_openai_defaults_to_the_official_base_url() -> None:
    p = make_provider("openai", api_key="sk-x-0123456789")
    assert isinstance(p, OpenAIVideoProvider)
    assert p.base_url == "https://api.openai.com/v1"
    assert p.pricing_provider == "openai"


async def test_azure_sends_api_key_header_and_deployment_as_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = json.loads((FIXTURES / "requests" / "create_azure.json").read_text())
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", spec["endpoint"])
    recorder = Recorder()
    p = make_provider(
        "azure", transport=httpx.MockTransport(recorder), deployment=spec["deployment"]
    )
    assert isinstance(p, OpenAIVideoProvider)
    try:
        await p.submit(VideoRequest(**spec["request"]))
    finally:
        await p.aclose()
    (sent,) = recorder.requests
    want = spec["expected"]
    assert (sent.method, str(sent.url)) == (want["method"], want["url"])
    assert sent.headers["content-type"] == want["content_type"]
    assert sent.headers["api-key"] == KEY
    assert all(h not in sent.headers for h in want["absent_headers"])
    assert json.loads(sent.content) == want["json"]
    assert p.pricing_provider == "azure"
    assert p.gate.create_rpm == 2
    assert KEY not in repr(p)


async def test_azure_accepts_the_deployment_name_as_the_model() -> None:
    recorder = Recorder()
    p = make_provider(
        "azure",
        api_key=KEY,
        base_url="https://res.openai.azure.com",
        deployment="lessons-sora",
        transport=httpx.MockTransport(recorder),
    )
    try:
        await p.submit(VideoRequest(prompt="leaf", model="lessons-sora", size="1280x720"))
        assert p.estimate_cost(VideoRequest(prompt="leaf", model="lessons-sora")) == 0.4
    finally:
        await p.aclose()
    assert json.loads(recorder.requests[0].content)["model"] == "lessons-sora"
    assert recorder.requests[0].url.path == "/openai/v1/videos"


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"model": "sora-2", "size": "1792x1024"}, "allowed: 1280x720, 720x1280"),
        ({"model": "sora-2", "seconds": 16}, "allowed: 4, 8, 12"),
        ({"model": "sora-2-pro"}, "unknown model 'sora-2-pro' for provider 'azure'"),
    ],
)
async def test_azure_allows_only_720p_and_4_8_12_seconds(
    fields: dict[str, Any], needle: str
) -> None:
    recorder = Recorder()
    p = make_provider(
        "azure",
        api_key=KEY,
        base_url="https://r.openai.azure.com/",
        transport=httpx.MockTransport(recorder),
    )
    try:
        with pytest.raises(ProviderError) as info:
            await p.submit(VideoRequest(prompt="leaf", **fields))
    finally:
        await p.aclose()
    assert needle in str(info.value)
    assert recorder.requests == []


@pytest.mark.parametrize(
    ("endpoint", "base"),
    [
        ("https://res.openai.azure.com", "https://res.openai.azure.com/openai/v1"),
        ("https://res.openai.azure.com/", "https://res.openai.azure.com/openai/v1"),
        ("https://res.openai.azure.com/openai", "https://res.openai.azure.com/openai/v1"),
        ("https://res.openai.azure.com/openai/v1/", "https://res.openai.azure.com/openai/v1"),
        ("http://127.0.0.1:4000/v1", "http://127.0.0.1:4000/v1"),
    ],
)
def test_azure_endpoint_becomes_the_v1_base_url(endpoint: str, base: str) -> None:
    assert azure_base_url(endpoint) == base


def test_options_reach_the_provider() -> None:
    p = make_provider("openai", api_key="sk-x-0123456789", rpm=30, max_concurrency=2, max_retries=1)
    assert isinstance(p, OpenAIVideoProvider)
    assert (p.gate.rpm, p.gate.max_concurrency, p.retry.max_retries) == (30, 2, 1)


def test_a_new_provider_is_one_registry_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    def build(args: factory.ProviderArgs) -> OpenAIVideoProvider:
        key = factory.require(args.api_key, "GATEWAY_KEY", "gateway")
        return OpenAIVideoProvider(name="gateway", base_url="http://gw.test/v1", api_key=key)

    monkeypatch.setitem(factory.REGISTRY, "gateway", ProviderEntry(build, ("GATEWAY_KEY",)))
    assert "gateway" in provider_names()
    assert required_env("gateway") == ["GATEWAY_KEY"]
    with pytest.raises(ProviderError, match="set GATEWAY_KEY"):
        make_provider("gateway")
    assert make_provider("gateway", api_key="k-0123456789").name == "gateway"


async def test_local_provider_runs_against_the_in_process_emulator(tmp_path: Path) -> None:
    pytest.importorskip("lessonreel.video.emulator.app")
    p = make_provider("local")
    assert isinstance(p, OpenAIVideoProvider)
    try:
        assert p.name == "local"
        assert p.pricing_provider == "local"
        request = VideoRequest(prompt="A green leaf turns to the sun.", model="sora-2", seconds=4)
        assert p.estimate_cost(request) == 0.0
        job = await p.submit(request)
        assert job.provider == "local"
        assert job.status in ("queued", "running", "succeeded")
        assert (await p.get(job.id)).id == job.id
    finally:
        await p.aclose()


async def test_local_provider_cleans_up_its_in_process_emulator() -> None:
    pytest.importorskip("lessonreel.video.emulator.app")
    p = make_provider("local")
    assert isinstance(p, OpenAIVideoProvider)
    store = p._on_close.__self__  # type: ignore[union-attr]  # the emulator's JobStore
    cache = store.cache_dir()
    assert cache.is_dir()
    await p.aclose()
    assert not cache.exists()  # no render cache left behind in the temp dir


async def test_local_with_a_base_url_talks_to_a_running_emulator() -> None:
    server = pytest.importorskip("lessonreel.video.emulator.server")
    with server.running_emulator() as url:
        p = make_provider("local", base_url=f"{url}/v1")
        assert isinstance(p, OpenAIVideoProvider)
        try:
            job = await p.submit(VideoRequest(prompt="A leaf.", model="sora-2"))
        finally:
            await p.aclose()
        async with httpx.AsyncClient() as client:
            stats = (await client.get(f"{url}/_emulator/stats")).json()
    assert p.pricing_provider == "local"
    assert [j["id"] for j in stats["jobs"]] == [job.id]


@pytest.mark.parametrize("name", ["local", "openai", "azure", "openrouter", "veo"])
async def test_every_provider_takes_the_client_side_rate_limits(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--rpm/--create-rpm` (Context.rpm/create_rpm) must work whichever provider is chosen."""
    for var in (
        "OPENAI_API_KEY",
        "AZURE_OPENAI_API_KEY",
        "OPENROUTER_API_KEY",
        "GOOGLE_CLOUD_ACCESS_TOKEN",
    ):
        monkeypatch.setenv(var, "test-key-0123456789")
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://example-resource.openai.azure.com")
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "demo")
    provider = make_provider(name, rpm=90.0, create_rpm=2.0)
    try:
        gate = provider.gate  # type: ignore[attr-defined]
        assert (gate.rpm, gate.create_rpm) == (90.0, 2.0)  # the limits reach the request gate
    finally:
        await provider.aclose()
