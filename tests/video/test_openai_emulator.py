"""The openai provider against the in-process emulator: faults as a user would meet them.

The emulator (video/emulator) speaks the same Sora-shaped contract with injectable faults; here
the provider must turn each into the right neutral outcome. Retry waits are recorded, not slept.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import av
import httpx
import pytest
from fakes import FakeTime

from lessonreel.video.emulator.app import create_app
from lessonreel.video.emulator.config import EmulatorConfig
from lessonreel.video.providers.factory import make_provider
from lessonreel.video.providers.openai import OpenAIVideoProvider
from lessonreel.video.providers.retry import RetryPolicy
from lessonreel.video.types import ErrorKind, ProviderError, VideoRequest

LEAF = VideoRequest(prompt="A green leaf turns toward the sun.", model="sora-2", seconds=4)


@pytest.fixture(scope="module")
def render_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One render cache for the module: the same clip is rendered once, not per test."""
    return tmp_path_factory.mktemp("render-cache")


def local(
    waits: FakeTime, render_cache: Path, max_retries: int = 4, **config: Any
) -> tuple[OpenAIVideoProvider, Any]:
    cfg = EmulatorConfig(latency=0.0, cache_dir=render_cache, **config)
    app = create_app(cfg)
    policy = RetryPolicy(max_retries=max_retries, sleep=waits.sleep, clock=waits.clock)
    provider = make_provider("local", transport=httpx.ASGITransport(app=app), retry_policy=policy)
    assert isinstance(provider, OpenAIVideoProvider)
    return provider, app


def stats(app: Any) -> dict[str, Any]:
    result: dict[str, Any] = app.state.store.stats()
    return result


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def probe(path: Path) -> tuple[str, str, int, int, float]:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0]
        duration = float(container.duration or 0) / av.time_base
        return (
            video.codec_context.name,
            audio.codec_context.name,
            video.width,
            video.height,
            duration,
        )


async def test_create_poll_download_yields_a_real_clip(tmp_path: Path, render_cache: Path) -> None:
    provider, _ = local(FakeTime(), render_cache)
    async with provider:
        job = await provider.submit(LEAF)
        done = await provider.get(job.id)
        clip = await provider.download(job.id, tmp_path / "shot_01.mp4")
        thumb = await provider.download(job.id, tmp_path / "shot_01.webp", variant="thumbnail")
    assert done.status == "succeeded"
    assert (done.size, done.seconds, done.provider) == ("1280x720", 4, "local")
    assert clip.sha256 == hashlib.sha256(clip.path.read_bytes()).hexdigest()
    vcodec, acodec, width, height, duration = probe(clip.path)
    assert (vcodec, acodec, width, height) == ("h264", "aac", 1280, 720)
    assert duration == pytest.approx(4.0, abs=0.1)
    assert thumb.path.read_bytes()[8:12] == b"WEBP"
    assert names(tmp_path) == ["shot_01.mp4", "shot_01.webp"]


@pytest.mark.parametrize(
    ("moderation", "code"),
    [
        ({"async_terms": ["volcano"]}, "moderation_blocked"),
        ({"output_terms": ["volcano"]}, "content_filter"),
    ],
)
async def test_asynchronous_moderation_fails_the_job_as_content_policy(
    render_cache: Path, moderation: dict[str, list[str]], code: str
) -> None:
    provider, _ = local(FakeTime(), render_cache, moderation=moderation)
    async with provider:
        job = await provider.submit(LEAF.model_copy(update={"prompt": "A volcano erupts."}))
        failed = await provider.get(job.id)
    assert failed.status == "failed"
    assert failed.error is not None
    assert failed.error.kind is ErrorKind.CONTENT_POLICY
    assert failed.error.code == code


async def test_rate_limit_is_waited_out_and_creates_once(render_cache: Path) -> None:
    waits = FakeTime()
    provider, app = local(waits, render_cache, rate_limit={"first": 2, "retry_after": 2.5})
    async with provider:
        job = await provider.submit(LEAF)
    assert job.id.startswith("video_")
    assert waits.waits == [2.5, 2.5]  # retry-after-ms honoured (2500 ms), not the rounded 3 s
    assert stats(app)["creates"] == 1


async def test_quota_exhausted_stops_without_retrying(render_cache: Path) -> None:
    waits = FakeTime()
    provider, app = local(waits, render_cache, quota={"max_creates": 1})
    async with provider:
        await provider.submit(LEAF)
        with pytest.raises(ProviderError) as info:
            await provider.submit(LEAF)
    assert info.value.error.kind is ErrorKind.QUOTA_EXHAUSTED
    assert waits.waits == []
    assert stats(app)["create_attempts"] == 2


async def test_server_error_burst_is_retried_within_the_cap(render_cache: Path) -> None:
    # Reads are retried through a 5xx burst; a create is not (tests/reliability/test_create_once).
    waits = FakeTime()
    provider, app = local(waits, render_cache, server_errors={"first": 3, "status": 503})
    async with provider:
        page = await provider.list_jobs()
    assert page.jobs == []
    assert len(waits.waits) == 3
    assert stats(app)["faults"]["server_error"] == 3


async def test_server_errors_past_the_cap_surface(render_cache: Path) -> None:
    waits = FakeTime()
    provider, _ = local(waits, render_cache, max_retries=2, server_errors={"first": 10})
    async with provider:
        with pytest.raises(ProviderError) as info:
            await provider.get("video_x")
    assert info.value.error.kind is ErrorKind.SERVER_ERROR
    assert len(waits.waits) == 2


async def test_failed_job_with_internal_error_is_server_error(render_cache: Path) -> None:
    provider, _ = local(FakeTime(), render_cache, failures={"first": 1})
    async with provider:
        job = await provider.get((await provider.submit(LEAF)).id)
    assert job.status == "failed"
    assert job.error is not None
    assert job.error.kind is ErrorKind.SERVER_ERROR


async def test_truncated_download_leaves_nothing_and_the_next_gets_the_whole_clip(
    tmp_path: Path, render_cache: Path
) -> None:
    no_retry, app = local(FakeTime(), render_cache, max_retries=0, downloads={"truncate_first": 1})
    waits = FakeTime()
    policy = RetryPolicy(sleep=waits.sleep, clock=waits.clock)
    retrying = make_provider(
        "local", transport=httpx.ASGITransport(app=app), retry_policy=policy
    )  # same emulator, so the same job and its one truncation
    async with no_retry, retrying:
        job = await no_retry.submit(LEAF)
        with pytest.raises(ProviderError) as info:
            await no_retry.download(job.id, tmp_path / "shot.mp4")
        assert info.value.error.kind is ErrorKind.SERVER_ERROR
        assert info.value.error.transient
        assert names(tmp_path) == []
        clip = await retrying.download(job.id, tmp_path / "shot.mp4")
    assert waits.waits == []  # the one truncation was already spent
    assert clip.bytes == clip.path.stat().st_size
    assert probe(clip.path)[:2] == ("h264", "aac")
    assert names(tmp_path) == ["shot.mp4"]


async def test_wrong_key_says_check_your_key(render_cache: Path) -> None:
    cfg = EmulatorConfig(latency=0.0, cache_dir=render_cache, api_key="right-key-0123456789")
    transport = httpx.ASGITransport(app=create_app(cfg))
    wrong = "wrong-key-0123456789"
    async with OpenAIVideoProvider(
        base_url="http://emulator/v1", api_key=wrong, transport=transport, pricing_provider="local"
    ) as provider:
        with pytest.raises(ProviderError) as info:
            await provider.submit(LEAF)
    assert info.value.error.kind is ErrorKind.INVALID_REQUEST
    assert info.value.error.http_status == 401
    assert "check your API key" in str(info.value)
    assert wrong not in str(info.value)


async def test_list_pages_remix_and_delete(render_cache: Path) -> None:
    provider, app = local(FakeTime(), render_cache)
    async with provider:
        created = [await provider.submit(LEAF) for _ in range(3)]
        remixed = await provider.remix(created[0].id, "Same shot, warmer light.")
        page = await provider.list_jobs(limit=2, order="asc")
        every = [job.id async for job in provider.iter_jobs(limit=2, order="asc")]
        await provider.cancel(created[1].id)
        await provider.cancel(created[1].id)  # already gone: still fine
        after = [job.id async for job in provider.iter_jobs(limit=2)]
    ids = [j.id for j in created] + [remixed.id]
    assert page.has_more
    assert [j.id for j in page.jobs] == ids[:2]
    assert every == ids
    assert set(after) == set(ids) - {created[1].id}
    assert stats(app)["remixes"] == 1


async def test_over_a_real_server_a_dropped_connection_is_retried(
    tmp_path: Path, render_cache: Path
) -> None:
    from lessonreel.video.emulator.server import running_emulator

    config = EmulatorConfig(
        latency=0.0,
        cache_dir=render_cache,
        api_key="emulator-key-0123456789",
        downloads={"truncate_first": 1, "truncate_mode": "content_length"},
    )
    waits = FakeTime()
    policy = RetryPolicy(sleep=waits.sleep, clock=waits.clock)
    with running_emulator(config) as url:
        provider = make_provider(
            "openai", base_url=f"{url}/v1", api_key="emulator-key-0123456789", retry_policy=policy
        )
        async with provider:  # type: ignore[attr-defined]
            job = await provider.submit(LEAF)
            clip = await provider.download(job.id, tmp_path / "shot.mp4")
    assert len(waits.waits) == 1  # the dropped first download, then a whole one
    assert clip.sha256 == hashlib.sha256(clip.path.read_bytes()).hexdigest()
    assert probe(clip.path)[:2] == ("h264", "aac")
    assert names(tmp_path) == ["shot.mp4"]
