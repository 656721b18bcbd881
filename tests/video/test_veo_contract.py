"""The veo provider against the emulator's Vertex profile on a real loopback server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fakes import FakeClock, FakeTime
from live_emulator import probe, stats

from lessonreel.video.emulator.config import EmulatorConfig
from lessonreel.video.emulator.server import running_emulator
from lessonreel.video.pricing import PriceTable
from lessonreel.video.providers.factory import make_provider
from lessonreel.video.providers.veo import VeoVideoProvider
from lessonreel.video.types import (
    CREATE_OUTCOME_UNKNOWN,
    ErrorAction,
    ErrorKind,
    ProviderError,
    VideoRequest,
)

FIXTURES = Path(__file__).parent / "fixtures"
MODEL = "veo-3.1-fast-generate-001"


@contextmanager
def emulator(clock: FakeClock, **config: Any) -> Iterator[str]:
    cfg = EmulatorConfig.model_validate({"latency": 10.0, "fps": 8, **config})
    with running_emulator(cfg, clock=clock, profiles=["veo"]) as url:
        yield url


def provider(url: str, waits: FakeTime | None = None, **options: Any) -> VeoVideoProvider:
    if "api_key" not in options:
        options.setdefault("access_token", "ya29.dummy")
        options.setdefault("project", "lessons-project")
    built = make_provider(
        "veo",
        base_url=url,
        create_rpm=None,  # the 50/min create gate runs on real time
        retry_policy=(waits or FakeTime()).policy(options.pop("max_retries", 3)),
        **options,
    )
    assert isinstance(built, VeoVideoProvider)
    return built


def shot(prompt: str = "A maple leaf turns toward the window light", **over: Any) -> VideoRequest:
    fields: dict[str, Any] = {"model": MODEL, "size": "1280x720", "seconds": 4, **over}
    return VideoRequest(prompt=prompt, **fields)


@pytest.mark.parametrize(
    "auth",
    [{}, {"api_key": "AQ.express-dummy"}],
    ids=["project-oauth", "express-api-key"],
)
async def test_submit_poll_download_yields_a_playable_mp4_and_the_list_price(
    tmp_path: Path, auth: dict[str, str]
) -> None:
    clock = FakeClock()
    with emulator(clock) as url:
        async with provider(url, **auth) as p:
            job = await p.submit(shot(input_reference=FIXTURES / "first_frame_16x9.png"))
            assert job.status == "running"
            assert f"publishers/google/models/{MODEL}/operations/" in job.id
            assert ("projects/lessons-project/" in job.id) is not bool(auth)
            clock.advance(30)
            done = await p.get(job.id)
            clip = await p.download(job.id, tmp_path / "shot.mp4")
    assert done.status == "succeeded"
    assert done.cost_usd == pytest.approx(
        PriceTable.default().model_spec("veo", MODEL).cost(4, "1280x720")
    )
    width, height, frames, _ = probe(clip.path)
    assert (width, height) == (1280, 720)
    assert frames > 0


async def test_results_in_a_bucket_come_through_the_storage_api(tmp_path: Path) -> None:
    clock = FakeClock()
    with emulator(clock, downloads={"truncate_first": 1}) as url:
        async with provider(url, storage_uri="gs://lessons-bucket/veo/") as p:
            job = await p.submit(shot())
            clock.advance(30)
            clip = await p.download(job.id, tmp_path / "shot.mp4")  # first attempt truncated
        faults = stats(url)["faults"]
    assert faults["truncated_download"] == 1
    assert probe(clip.path)[2] > 0
    assert os.listdir(tmp_path) == ["shot.mp4"]


async def test_done_but_filtered_goes_to_the_sanitizer_not_to_success() -> None:
    clock = FakeClock()
    with emulator(clock, moderation={"output_terms": ["forbidden"]}) as url:
        async with provider(url) as p:
            job = await p.submit(shot("A forbidden scene of the leaf"))
            clock.advance(30)
            filtered = await p.get(job.id)
            with pytest.raises(ProviderError):
                await p.download(job.id, Path("never.mp4"))
    assert filtered.status == "failed"
    assert filtered.error is not None
    assert filtered.error.kind is ErrorKind.CONTENT_POLICY
    assert filtered.error.action is ErrorAction.SANITIZE
    assert filtered.cost_usd == 0.0


@pytest.mark.parametrize(
    ("faults", "kind"),
    [
        ({"moderation": {"async_terms": ["forbidden"]}}, ErrorKind.CONTENT_POLICY),
        ({"failures": {"first": 1}}, ErrorKind.SERVER_ERROR),
    ],
)
async def test_operations_that_end_in_error_carry_the_neutral_kind(
    faults: dict[str, Any], kind: ErrorKind
) -> None:
    clock = FakeClock()
    with emulator(clock, **faults) as url:
        async with provider(url) as p:
            job = await p.submit(shot("A forbidden scene of the leaf"))
            clock.advance(30)
            failed = await p.get(job.id)
    assert failed.status == "failed"
    assert failed.error is not None
    assert failed.error.kind is kind


async def test_a_5xx_create_is_reported_as_outcome_unknown_and_not_repeated() -> None:
    clock, waits = FakeClock(), FakeTime()
    with emulator(clock, server_errors={"first": 1, "status": 503, "scope": "create"}) as url:
        async with provider(url, waits) as p:
            with pytest.raises(ProviderError) as info:
                await p.submit(shot())
            counts = stats(url)
            job = await p.submit(shot())  # the caller decides to submit again
    assert info.value.error.kind is ErrorKind.SERVER_ERROR
    assert info.value.error.code == CREATE_OUTCOME_UNKNOWN
    assert (counts["create_attempts"], counts["creates"]) == (1, 0)
    assert waits.waits == []
    assert job.status == "running"


async def test_an_expired_operation_reads_expired() -> None:
    clock = FakeClock()
    with emulator(clock, expires_after=30) as url:
        async with provider(url) as p:
            job = await p.submit(shot())
            clock.advance(100)
            expired = await p.get(job.id)
    assert expired.status == "expired"


def test_the_emulator_enforces_veo_limits_for_any_client() -> None:
    clock = FakeClock()
    path = (
        "/v1/projects/p/locations/us-central1/publishers/google/models/"
        "veo-3.1-generate-001:predictLongRunning"
    )
    bodies = [
        {"instances": [{"prompt": "x"}], "parameters": {"durationSeconds": 10}},
        {"instances": [{"prompt": "x"}], "parameters": {"durationSeconds": 5}},
        {
            "instances": [{"prompt": "x"}],
            "parameters": {"durationSeconds": 4, "resolution": "1080p"},
        },
    ]
    with emulator(clock) as url:
        replies = [
            httpx.post(url + path, json=body, headers={"authorization": "Bearer t"})
            for body in bodies
        ]
        anonymous = httpx.post(url + path, json=bodies[0])
    assert [r.status_code for r in replies] == [400, 400, 400]
    assert all(r.json()["error"]["status"] == "INVALID_ARGUMENT" for r in replies)
    assert "between 4 and 8" in replies[0].json()["error"]["message"]
    assert anonymous.status_code == 401


def test_factory_names_the_missing_google_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ProviderError, match="GOOGLE_CLOUD_ACCESS_TOKEN"):
        make_provider("veo")
    monkeypatch.setenv("GOOGLE_CLOUD_ACCESS_TOKEN", "ya29.x")
    with pytest.raises(ProviderError, match="GOOGLE_CLOUD_PROJECT"):
        make_provider("veo")
