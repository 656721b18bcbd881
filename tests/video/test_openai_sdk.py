"""The official openai SDK against the emulator as a real HTTP server on loopback."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openai import BadRequestError, InternalServerError, NotFoundError, OpenAI, RateLimitError
from PIL import Image

from lessonreel.video.emulator.config import EmulatorConfig
from lessonreel.video.emulator.server import running_emulator

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def sdk(url: str, *, max_retries: int = 0) -> OpenAI:
    return OpenAI(base_url=f"{url}/v1", api_key="test", max_retries=max_retries, timeout=60)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with running_emulator(EmulatorConfig(latency=0.5)) as url:
        yield url


@pytest.fixture
def client(server: str) -> OpenAI:
    return sdk(server)


def probe(path: Path) -> dict[str, Any]:
    import av

    with av.open(str(path)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        duration = float(video.duration * video.time_base) if video.duration else 0.0
        return {
            "video_codec": video.codec_context.name,
            "audio_codec": audio.codec_context.name,
            "size": f"{video.width}x{video.height}",
            "duration": duration,
        }


def test_create_poll_download_yields_h264_aac_of_the_requested_size_and_length(
    client: OpenAI, tmp_path: Path
) -> None:
    created = client.videos.create(
        prompt="A teacher points at a glowing map of ocean currents.",
        model="sora-2",
        size="1280x720",
        seconds="4",
    )
    assert (created.status, created.object, created.seconds) == ("queued", "video", "4")
    done = client.videos.poll(created.id)
    assert (done.status, done.progress) == ("completed", 100)
    assert done.completed_at is not None
    assert done.expires_at is not None
    assert done.expires_at > done.completed_at

    dest = tmp_path / "clip.mp4"
    client.videos.download_content(created.id).write_to_file(dest)
    info = probe(dest)
    assert (info["video_codec"], info["audio_codec"], info["size"]) == ("h264", "aac", "1280x720")
    assert info["duration"] == pytest.approx(4.0, abs=0.1)

    thumb = client.videos.download_content(created.id, variant="thumbnail").read()
    assert Image.open(io.BytesIO(thumb)).size[0] > 0


def test_remix_delete_and_not_found(client: OpenAI) -> None:
    source = client.videos.create_and_poll(prompt="wide shot of a lab bench", size="1280x720")
    remix = client.videos.remix(source.id, prompt="same shot, switch to an 85 mm lens")
    assert remix.remixed_from_video_id == source.id
    finished = client.videos.poll(remix.id)
    assert (finished.status, finished.size, finished.seconds) == ("completed", "1280x720", "4")

    deleted = client.videos.delete(remix.id)
    assert (deleted.id, deleted.deleted) == (remix.id, True)
    with pytest.raises(NotFoundError):
        client.videos.retrieve(remix.id)


def test_list_paginates_across_pages() -> None:
    with running_emulator(EmulatorConfig(latency=0.0)) as url:
        client = sdk(url)
        ids = [client.videos.create(prompt=f"shot {i}").id for i in range(5)]
        first = client.videos.list(limit=2)
        assert [v.id for v in first.data] == ids[:2:-1]
        assert first.has_more is True
        assert [v.id for v in client.videos.list(limit=2)] == ids[::-1]  # auto-paging
        assert [v.id for v in client.videos.list(limit=3, order="asc")] == ids


def test_input_reference_upload_must_match_size(client: OpenAI) -> None:
    def image(size: tuple[int, int]) -> tuple[str, bytes, str]:
        buf = io.BytesIO()
        Image.new("RGB", size, (200, 120, 40)).save(buf, format="PNG")
        return ("first_frame.png", buf.getvalue(), "image/png")

    ok = client.videos.create(prompt="p", size="720x1280", input_reference=image((720, 1280)))
    assert ok.status == "queued"
    with pytest.raises(BadRequestError) as err:
        client.videos.create(prompt="p", size="1280x720", input_reference=image((720, 1280)))
    assert err.value.param == "input_reference"
    assert "must match the requested width and height" in err.value.message


def test_sdk_sees_each_fault_as_its_documented_exception() -> None:
    config = EmulatorConfig(
        latency=0.2,
        rate_limit={"first": 1, "retry_after": 0.01},
        quota={"max_creates": 2},
        moderation={"submit_terms": ["gore"], "async_terms": ["celebrity"]},
    )
    with running_emulator(config) as url:
        # the SDK honours retry-after-ms and retries the 429 by itself
        retried = sdk(url, max_retries=2).videos.create(prompt="a quiet forest")
        assert retried.status == "queued"
        client = sdk(url)
        with pytest.raises(BadRequestError) as blocked:
            client.videos.create(prompt="gore")
        assert blocked.value.code == "content_policy_violation"
        failed = client.videos.create_and_poll(prompt="a celebrity waves")
        assert failed.status == "failed"
        assert failed.error is not None
        assert failed.error.code == "moderation_blocked"
        with pytest.raises(RateLimitError) as quota:
            client.videos.create(prompt="one more")
        assert quota.value.code == "insufficient_quota"
        stats = httpx.get(f"{url}/_emulator/stats").json()
    assert stats["creates"] == 2
    assert stats["create_attempts"] == 5


def test_sdk_surfaces_server_errors_after_its_retries() -> None:
    with running_emulator(EmulatorConfig(latency=0.0, server_errors={"first": 2})) as url:
        with pytest.raises(InternalServerError):
            sdk(url, max_retries=1).videos.list()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert sdk(url).videos.list().data == []
