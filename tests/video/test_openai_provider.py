"""The Sora-shaped client on the wire: what it sends and how it reads the answers.

A scripted httpx.MockTransport stands in for the API; request fixtures in
tests/video/fixtures/requests pin the exact bodies (from shared/reference/sora_api.md).
"""

from __future__ import annotations

import hashlib
import io
import json
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
from openai_fakes import (
    KEY,
    FakeSora,
    FakeTime,
    error,
    fixture,
    multipart_parts,
    names,
    png,
    provider,
    video,
)
from PIL import Image

from lessonreel.video.providers.base import VideoProvider
from lessonreel.video.providers.openai import OpenAIVideoProvider
from lessonreel.video.providers.retry import RetryPolicy
from lessonreel.video.types import Continuity, ErrorKind, ProviderError, VideoRequest


@pytest.fixture
def fake() -> FakeSora:
    return FakeSora()


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()


# -- create ----------------------------------------------------------------------------------


async def test_text_only_shot_sends_exactly_the_recorded_json(
    fake: FakeSora, clock: FakeTime
) -> None:
    spec = fixture("requests", "create_text_only.json")
    fake.on("POST", "/v1/videos", httpx.Response(200, json=video()))
    async with provider(fake, clock) as p:
        job = await p.submit(VideoRequest(**spec["request"]))
    (sent,) = fake.requests
    want = spec["expected"]
    assert (sent.method, sent.url.path) == (want["method"], want["path"])
    assert sent.headers["content-type"] == want["content_type"]
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert all(h not in sent.headers for h in want["absent_headers"])
    assert json.loads(sent.content) == want["json"]
    assert isinstance(json.loads(sent.content)["seconds"], str)
    assert (job.id, job.status, job.provider) == ("video_123", "queued", "openai")


async def test_input_reference_goes_multipart_with_the_recorded_parts(
    fake: FakeSora, clock: FakeTime, tmp_path: Path
) -> None:
    spec = fixture("requests", "create_with_input_reference.json")
    image = spec["image"]
    ref = png(tmp_path / spec["request"]["input_reference"], (image["width"], image["height"]))
    fake.on("POST", "/v1/videos", httpx.Response(200, json=video(model="sora-2-pro")))
    async with provider(fake, clock) as p:
        await p.submit(VideoRequest(**{**spec["request"], "input_reference": ref}))
    (sent,) = fake.requests
    assert sent.headers["content-type"].startswith(spec["expected"]["content_type"] + "; boundary=")
    got = multipart_parts(sent)
    assert [p["name"] for p in got] == [p["name"] for p in spec["expected"]["parts"]]
    for want, part in zip(spec["expected"]["parts"], got, strict=True):
        if "value" in want:
            assert part["value"] == want["value"]
        else:
            assert (part["filename"], part["content_type"]) == (
                want["filename"],
                want["content_type"],
            )
            assert part["data"] == ref.read_bytes()
            with Image.open(io.BytesIO(part["data"])) as sent_image:
                assert "x".join(map(str, sent_image.size)) == want["image_size"]


@pytest.mark.parametrize(("fmt", "mime"), [("JPEG", "image/jpeg"), ("WEBP", "image/webp")])
async def test_jpeg_and_webp_references_are_accepted(
    fake: FakeSora, clock: FakeTime, tmp_path: Path, fmt: str, mime: str
) -> None:
    ref = png(tmp_path / f"frame.{fmt.lower()}", (1280, 720), fmt)
    fake.on("POST", "/v1/videos", httpx.Response(200, json=video()))
    async with provider(fake, clock) as p:
        await p.submit(VideoRequest(prompt="leaf", model="sora-2", input_reference=ref))
    file_part = multipart_parts(fake.requests[0])[-1]
    assert file_part["content_type"] == mime


async def test_reference_of_the_wrong_size_is_refused_before_sending(
    fake: FakeSora, clock: FakeTime, tmp_path: Path
) -> None:
    ref = png(tmp_path / "small.png", (640, 360))
    async with provider(fake, clock) as p:
        with pytest.raises(ProviderError) as info:
            await p.submit(VideoRequest(prompt="leaf", model="sora-2", input_reference=ref))
    assert info.value.error.kind is ErrorKind.INVALID_REQUEST
    assert "640x360" in str(info.value)
    assert "1280x720" in str(info.value)
    assert fake.requests == []


@pytest.mark.parametrize("content", [b"GIF89a" + bytes(64), b"not an image at all"])
async def test_reference_of_the_wrong_type_is_refused_before_sending(
    fake: FakeSora, clock: FakeTime, tmp_path: Path, content: bytes
) -> None:
    ref = tmp_path / "frame.gif"
    if content.startswith(b"GIF"):
        Image.new("RGB", (1280, 720)).save(ref, format="GIF")
    else:
        ref.write_bytes(content)
    async with provider(fake, clock) as p:
        with pytest.raises(ProviderError) as info:
            await p.submit(VideoRequest(prompt="leaf", model="sora-2", input_reference=ref))
    assert info.value.error.kind is ErrorKind.INVALID_REQUEST
    assert "JPEG, PNG or WebP" in str(info.value)
    assert fake.requests == []


@pytest.mark.parametrize(
    ("request_fields", "needle"),
    [
        ({"model": "sora-3"}, "known: sora-2, sora-2-pro"),
        ({"model": "sora-2", "seconds": 5}, "allowed: 4, 8, 12"),
        ({"model": "sora-2", "size": "1920x1080"}, "allowed: 1280x720, 720x1280"),
    ],
)
async def test_illegal_settings_are_refused_with_what_is_allowed(
    fake: FakeSora, clock: FakeTime, request_fields: dict[str, Any], needle: str
) -> None:
    async with provider(fake, clock) as p:
        with pytest.raises(ProviderError) as info:
            await p.submit(VideoRequest(prompt="leaf", **request_fields))
        with pytest.raises(ProviderError):
            p.estimate_cost(VideoRequest(prompt="leaf", **request_fields))
    assert info.value.error.kind is ErrorKind.INVALID_REQUEST
    assert needle in str(info.value)
    assert fake.requests == []


async def test_estimate_cost_reads_the_price_table(fake: FakeSora, clock: FakeTime) -> None:
    async with provider(fake, clock) as p:
        assert p.estimate_cost(VideoRequest(prompt="x", model="sora-2-pro", seconds=12)) == 3.6
        assert {m.model for m in p.models()} == {"sora-2", "sora-2-pro"}


async def test_remix_posts_json_prompt_and_continuity_routes_to_it(
    fake: FakeSora, clock: FakeTime
) -> None:
    remixed = video(id="video_456", remixed_from_video_id="video_123")
    fake.on("POST", "/v1/videos/video_123/remix", httpx.Response(200, json=remixed))
    async with provider(fake, clock) as p:
        job = await p.remix("video_123", "same shot, switch to 85 mm")
        again = await p.submit(
            VideoRequest(
                prompt="same shot, warmer light",
                model="sora-2",
                continuity=Continuity(kind="remix", job_id="video_123"),
            )
        )
        with pytest.raises(NotImplementedError):
            await p.submit(
                VideoRequest(
                    prompt="longer",
                    model="sora-2",
                    continuity=Continuity(kind="extend", job_id="v"),
                )
            )
    assert job.id == again.id == "video_456"
    bodies = [json.loads(r.content) for r in fake.calls("POST", "/v1/videos/video_123/remix")]
    assert bodies == [
        {"prompt": "same shot, switch to 85 mm"},
        {"prompt": "same shot, warmer light"},
    ]


# -- retrieve, list, delete ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wire", "neutral"),
    [
        ("queued", "queued"),
        ("in_progress", "running"),
        ("completed", "succeeded"),
        ("failed", "failed"),
        ("cancelled", "canceled"),
        ("canceled", "canceled"),
        ("expired", "expired"),
    ],
)
async def test_get_maps_each_status(
    fake: FakeSora, clock: FakeTime, wire: str, neutral: str
) -> None:
    fake.on("GET", "/v1/videos/video_123", httpx.Response(200, json=video(wire)))
    async with provider(fake, clock, clock=lambda: 0.0) as p:
        job = await p.get("video_123")
    assert job.status == neutral
    assert job.seconds == 8
    assert job.size == "1280x720"


async def test_completed_fixture_reads_every_field(fake: FakeSora, clock: FakeTime) -> None:
    fake.on(
        "GET",
        "/v1/videos/v",
        httpx.Response(200, json=fixture("responses", "video_completed.json")),
    )
    async with provider(fake, clock, clock=lambda: 1760627900.0) as p:
        job = await p.get("v")
    assert job.status == "succeeded"
    assert job.progress == 100
    assert job.terminal
    assert (job.created_at, job.completed_at, job.expires_at) == (
        1760627796,
        1760627863,
        1760714196,
    )
    assert (job.model, job.size, job.seconds) == ("sora-2", "720x1280", 4)


async def test_completed_job_past_expires_at_reads_expired(fake: FakeSora, clock: FakeTime) -> None:
    fake.on(
        "GET",
        "/v1/videos/v",
        httpx.Response(200, json=fixture("responses", "video_completed.json")),
    )
    async with provider(fake, clock, clock=lambda: 1760714197.0) as p:
        assert (await p.get("v")).status == "expired"


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("moderation_blocked", ErrorKind.CONTENT_POLICY),
        ("content_filter", ErrorKind.CONTENT_POLICY),
        ("internal_error", ErrorKind.SERVER_ERROR),
        ("server_error", ErrorKind.SERVER_ERROR),
    ],
)
async def test_failed_job_carries_a_neutral_error(
    fake: FakeSora, clock: FakeTime, code: str, kind: ErrorKind
) -> None:
    failed = video("failed", error={"code": code, "message": "nope"})
    fake.on("GET", "/v1/videos/video_123", httpx.Response(200, json=failed))
    async with provider(fake, clock) as p:
        job = await p.get("video_123")
    assert job.status == "failed"
    assert job.error is not None
    assert job.error.kind is kind
    assert job.error.code == code


async def test_list_follows_the_after_cursor_across_pages(fake: FakeSora, clock: FakeTime) -> None:
    ids = [f"video_{i}" for i in range(5)]

    def page(request: httpx.Request) -> httpx.Response:
        after = request.url.params.get("after")
        start = ids.index(after) + 1 if after else 0
        chunk = ids[start : start + 2]
        return httpx.Response(
            200,
            json={
                "object": "list",
                "data": [video(id=i) for i in chunk],
                "first_id": chunk[0],
                "last_id": chunk[-1],
                "has_more": start + 2 < len(ids),
            },
        )

    fake.on("GET", "/v1/videos", page)
    async with provider(fake, clock) as p:
        first = await p.list_jobs(limit=2, order="asc")
        seen = [job.id async for job in p.iter_jobs(limit=2, order="asc")]
    assert [j.id for j in first.jobs] == ["video_0", "video_1"]
    assert first.has_more
    assert first.last_id == "video_1"
    assert seen == ids
    sent = [dict(r.url.params) for r in fake.requests[1:]]
    assert sent == [
        {"limit": "2", "order": "asc"},
        {"after": "video_1", "limit": "2", "order": "asc"},
        {"after": "video_3", "limit": "2", "order": "asc"},
    ]


async def test_delete_and_cancel(fake: FakeSora, clock: FakeTime) -> None:
    fake.on(
        "DELETE",
        "/v1/videos/video_123",
        httpx.Response(200, json=fixture("responses", "deleted.json")),
    )
    fake.on(
        "DELETE", "/v1/videos/gone", httpx.Response(404, json={"error": {"message": "not found"}})
    )
    fake.on("DELETE", "/v1/videos/busy", error(400, "error_invalid_type.json"))
    async with provider(fake, clock) as p:
        assert await p.delete("video_123") is True
        await p.cancel("video_123")
        await p.cancel("gone")  # already gone: fine
        with pytest.raises(ProviderError):
            await p.cancel("busy")
    assert len(fake.calls("DELETE", "/v1/videos/video_123")) == 2


# -- download --------------------------------------------------------------------------------


async def test_download_streams_to_dest_with_checksum(
    fake: FakeSora, clock: FakeTime, tmp_path: Path
) -> None:
    payload = bytes(range(256)) * 1000
    fake.on("GET", "/v1/videos/video_123/content", lambda r: httpx.Response(200, content=payload))
    dest = tmp_path / "shots" / "shot_01.mp4"
    async with provider(fake, clock) as p:
        clip = await p.download("video_123", dest)
        thumb = await p.download("video_123", tmp_path / "t.webp", variant="thumbnail")
    assert clip.path == dest
    assert dest.read_bytes() == payload
    assert clip.sha256 == hashlib.sha256(payload).hexdigest()
    assert clip.bytes == len(payload)
    assert thumb.path.exists()
    variants = [r.url.params["variant"] for r in fake.requests]
    assert variants == ["video", "thumbnail"]
    assert fake.requests[0].headers["accept"] == "application/binary"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["shot_01.mp4"]


def truncated(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200, headers={"content-length": "1000"}, stream=httpx.ByteStream(b"\x00" * 400)
    )


async def test_truncated_download_is_transient_and_leaves_no_file(
    fake: FakeSora, clock: FakeTime, tmp_path: Path
) -> None:
    fake.on("GET", "/v1/videos/video_123/content", truncated)
    dest = tmp_path / "shot.mp4"
    async with provider(fake, clock, max_retries=2) as p:
        with pytest.raises(ProviderError) as info:
            await p.download("video_123", dest)
    assert info.value.error.kind is ErrorKind.SERVER_ERROR
    assert "truncated" in str(info.value)
    assert "400 of 1000" in str(info.value)
    assert len(fake.requests) == 3
    assert names(tmp_path) == []


async def test_truncated_download_is_retried_into_a_whole_file(
    fake: FakeSora, clock: FakeTime, tmp_path: Path
) -> None:
    whole = b"\x01" * 1000
    fake.on("GET", "/v1/videos/video_123/content", truncated, httpx.Response(200, content=whole))
    async with provider(fake, clock) as p:
        clip = await p.download("video_123", tmp_path / "shot.mp4")
    assert clip.bytes == 1000
    assert clip.sha256 == hashlib.sha256(whole).hexdigest()
    assert names(tmp_path) == ["shot.mp4"]


async def test_download_error_status_maps_and_leaves_no_file(
    fake: FakeSora, clock: FakeTime, tmp_path: Path
) -> None:
    fake.on(
        "GET", "/v1/videos/v/content", httpx.Response(404, json={"error": {"message": "expired"}})
    )
    async with provider(fake, clock) as p:
        with pytest.raises(ProviderError) as info:
            await p.download("v", tmp_path / "shot.mp4")
    assert info.value.error.kind is ErrorKind.INVALID_REQUEST
    assert names(tmp_path) == []


# -- auth, keys, reachability ----------------------------------------------------------------


async def test_the_key_never_appears_in_errors_or_repr(fake: FakeSora, clock: FakeTime) -> None:
    echo = {"error": {"message": f"Incorrect API key provided: {KEY}", "code": "invalid_api_key"}}
    fake.on("GET", "/v1/videos/v", httpx.Response(401, json=echo))
    fake.on("GET", "/v1/videos/w", httpx.Response(400, json=echo))
    async with provider(fake, clock, key_env="OPENAI_API_KEY") as p:
        assert KEY not in repr(p)
        assert KEY not in str(p)
        with pytest.raises(ProviderError) as auth:
            await p.get("v")
        with pytest.raises(ProviderError) as echoed:
            await p.get("w")
    assert "check your API key (set OPENAI_API_KEY)" in str(auth.value)
    for info in (auth, echoed):
        assert KEY not in str(info.value)
        assert KEY not in repr(info.value.error)
    assert "Incorrect API key provided: ***" in str(echoed.value)


async def test_unreachable_base_url_names_the_url(clock: FakeTime) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}/v1"
    policy = RetryPolicy(max_retries=1, sleep=clock.sleep, clock=clock.clock)
    async with OpenAIVideoProvider(base_url=base, api_key=KEY, retry_policy=policy) as p:
        with pytest.raises(ProviderError) as info:
            await p.get("video_123")
    assert info.value.error.kind is ErrorKind.SERVER_ERROR
    assert f"cannot reach the video API at {base}" in str(info.value)
    assert len(clock.waits) == 1  # transient: retried once, then reported


def test_a_base_url_without_scheme_is_refused() -> None:
    with pytest.raises(ProviderError) as info:
        OpenAIVideoProvider(base_url="api.openai.com/v1", api_key=KEY)
    assert "must start with http:// or https://" in str(info.value)


async def test_gateway_without_key_sends_no_auth(fake: FakeSora, clock: FakeTime) -> None:
    fake.on("GET", "/v1/videos/v", httpx.Response(200, json=video()))
    async with provider(fake, clock, api_key=None) as p:
        await p.get("v")
    assert "authorization" not in fake.requests[0].headers


async def test_provider_satisfies_the_protocol(fake: FakeSora, clock: FakeTime) -> None:
    async with provider(fake, clock) as p:
        assert isinstance(p, VideoProvider)
