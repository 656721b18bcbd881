"""The openrouter provider against the emulator's OpenRouter profile on a real loopback server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fakes import FakeClock, FakeTime
from live_emulator import Inbox, eventually, probe, stats

from lessonreel.video.emulator.config import EmulatorConfig
from lessonreel.video.emulator.server import running_app, running_emulator
from lessonreel.video.pricing import PriceTable
from lessonreel.video.providers.factory import make_provider
from lessonreel.video.providers.openrouter import OpenRouterVideoProvider
from lessonreel.video.types import CREATE_OUTCOME_UNKNOWN, ErrorKind, ProviderError, VideoRequest
from lessonreel.video.webhooks_openrouter import create_openrouter_receiver_app

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "openrouter-workspace-secret"
MODEL = "google/veo-3.1"


@contextmanager
def emulator(clock: FakeClock, **config: Any) -> Iterator[str]:
    cfg = EmulatorConfig.model_validate({"latency": 10.0, "fps": 8, **config})
    with running_emulator(cfg, clock=clock, profiles=["openrouter"]) as url:
        yield url


def provider(url: str, waits: FakeTime | None = None, **options: Any) -> OpenRouterVideoProvider:
    built = make_provider(
        "openrouter",
        base_url=url,
        api_key="sk-or-dummy",
        retry_policy=(waits or FakeTime()).policy(options.pop("max_retries", 3)),
        **options,
    )
    assert isinstance(built, OpenRouterVideoProvider)
    return built


def shot(prompt: str = "A maple leaf turns toward the window light", **over: Any) -> VideoRequest:
    fields: dict[str, Any] = {"model": MODEL, "size": "1280x720", "seconds": 4, **over}
    return VideoRequest(prompt=prompt, **fields)


async def test_submit_poll_download_yields_a_playable_mp4_and_the_charge(tmp_path: Path) -> None:
    clock = FakeClock()
    with emulator(clock) as url:
        async with provider(url) as p:
            job = await p.submit(shot(input_reference=FIXTURES / "first_frame_16x9.png"))
            assert (job.status, job.provider) == ("queued", "openrouter")
            clock.advance(5)
            assert (await p.get(job.id)).status == "running"
            clock.advance(10)
            done = await p.get(job.id)
            clip = await p.download(job.id, tmp_path / "shot.mp4")
    assert done.status == "succeeded"
    assert done.cost_usd == pytest.approx(
        PriceTable.default().model_spec("openrouter", MODEL).cost(4, "1280x720")
    )
    width, height, frames, seconds = probe(clip.path)
    assert (width, height) == (1280, 720)
    assert frames > 0
    assert seconds == pytest.approx(4.0, abs=0.5)


async def test_live_catalog_drives_validation_and_estimates() -> None:
    clock = FakeClock()
    with emulator(clock) as url:
        async with provider(url) as p:
            specs = {s.model for s in await p.refresh_models()}
            assert {MODEL, "bytedance/seedance-2.0", "alibaba/wan-2.6"} <= specs
            seedance = p.prices.model_spec("openrouter", "bytedance/seedance-2.0")
            assert seedance.priced_per_token
            assert seedance.notes.startswith("From GET")  # the listing's own figures…
            static = PriceTable.default().model_spec("openrouter", "bytedance/seedance-2.0")
            assert static.notes.startswith("Static fallback")  # …in this provider's table only
            with pytest.raises(ProviderError, match="allowed: 4, 6, 8"):
                await p.submit(shot(seconds=5))
        assert stats(url)["creates"] == 0


@pytest.mark.parametrize(
    ("faults", "kind"),
    [
        ({"moderation": {"output_terms": ["forbidden"]}}, ErrorKind.CONTENT_POLICY),
        ({"failures": {"first": 1}}, ErrorKind.SERVER_ERROR),
    ],
)
async def test_jobs_that_fail_later_carry_the_neutral_kind(
    faults: dict[str, Any], kind: ErrorKind
) -> None:
    clock = FakeClock()
    with emulator(clock, **faults) as url:
        async with provider(url) as p:
            job = await p.submit(shot("A forbidden scene of the leaf"))
            clock.advance(60)
            failed = await p.get(job.id)
    assert failed.status == "failed"
    assert failed.error is not None
    assert failed.error.kind is kind


async def test_out_of_credits_is_402_quota_exhausted_and_never_retried() -> None:
    clock, waits = FakeClock(), FakeTime()
    with emulator(clock, quota={"max_creates": 0}) as url:
        async with provider(url, waits) as p:
            with pytest.raises(ProviderError) as info:
                await p.submit(shot())
    assert info.value.error.kind is ErrorKind.QUOTA_EXHAUSTED
    assert info.value.error.http_status == 402
    assert waits.waits == []


@pytest.mark.parametrize("status", [500, 502])
async def test_server_errors_on_reads_are_retried_on_creates_reported(status: int) -> None:
    clock, waits = FakeClock(), FakeTime()
    with emulator(clock, server_errors={"first": 2, "status": status, "scope": "all"}) as url:
        async with provider(url, waits) as p:
            assert await p.refresh_models()  # two 5xx answers, then the catalog
    assert len(waits.waits) == 2
    with emulator(clock, server_errors={"first": 1, "status": status, "scope": "create"}) as url:
        async with provider(url, waits) as p:
            with pytest.raises(ProviderError) as info:
                await p.submit(shot())
            counts = stats(url)
    assert info.value.error.kind is ErrorKind.SERVER_ERROR
    assert info.value.error.code == CREATE_OUTCOME_UNKNOWN  # a job may exist: never repeated
    assert (counts["create_attempts"], counts["creates"]) == (1, 0)
    assert len(waits.waits) == 2


async def test_truncated_download_is_retried_and_never_left_on_disk(tmp_path: Path) -> None:
    clock = FakeClock()
    with emulator(clock, downloads={"truncate_first": 1}) as url:
        async with provider(url, max_retries=0) as p:
            job = await p.submit(shot())
            clock.advance(60)
            with pytest.raises(ProviderError) as info:
                await p.download(job.id, tmp_path / "cut.mp4")
            assert info.value.error.transient
            assert os.listdir(tmp_path) == []
        async with provider(url) as p:
            clip = await p.download(job.id, tmp_path / "whole.mp4")
    assert probe(clip.path)[2] > 0


async def test_expired_jobs_read_expired_and_have_no_content(tmp_path: Path) -> None:
    clock = FakeClock()
    with emulator(clock, expires_after=30) as url:
        async with provider(url) as p:
            job = await p.submit(shot())
            clock.advance(100)
            expired = await p.get(job.id)
            with pytest.raises(ProviderError):
                await p.download(job.id, tmp_path / "late.mp4")
    assert expired.status == "expired"
    assert expired.error is not None
    assert "time to live" in expired.error.message


async def test_signed_callbacks_are_accepted_once_even_when_redelivered() -> None:
    clock, inbox = FakeClock(), Inbox()
    receiver = create_openrouter_receiver_app(SECRET, inbox.on_event, clock=clock)
    with (
        running_app(receiver) as hook_url,
        emulator(clock, webhooks={"secret": SECRET, "duplicate": 1}) as url,
    ):
        async with provider(url, callback_url=hook_url) as p:
            job = await p.submit(shot())
            clock.advance(60)
            assert eventually(lambda: inbox.duplicates == 1)
    (event,) = inbox.events
    assert event.id == f"{job.id}-completed"
    assert event.type == "video.generation.completed"
    assert event.data["usage"]["cost"] == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("secret", "skew"), [("a-forged-secret", 0.0), (SECRET, 400.0)], ids=["forged", "stale"]
)
async def test_forged_or_stale_callbacks_are_refused(secret: str, skew: float) -> None:
    clock, inbox = FakeClock(), Inbox()
    receiver = create_openrouter_receiver_app(SECRET, inbox.on_event, clock=lambda: clock() + skew)
    hooks = {"secret": secret, "max_attempts": 1}
    with running_app(receiver) as hook_url, emulator(clock, webhooks=hooks) as url:
        async with provider(url, callback_url=hook_url) as p:
            await p.submit(shot())
            clock.advance(60)
            assert eventually(lambda: stats(url)["webhooks"].get("undelivered") == 1)
    assert inbox.events == []
