"""The Sora-shaped emulator in-process (ASGITransport): object shapes, lifecycle, validation."""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fakes import FakeClock
from PIL import Image

from lessonreel.video.emulator.app import create_app
from lessonreel.video.emulator.config import EmulatorConfig
from lessonreel.video.emulator.jobs import JobStore

T0 = 1_800_000_000.0
VIDEO_KEYS = {
    "id", "object", "model", "status", "progress", "created_at", "completed_at", "expires_at",
    "prompt", "size", "seconds", "remixed_from_video_id", "error",
}  # fmt: skip


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_client(clock: FakeClock, **config: Any) -> tuple[httpx.AsyncClient, JobStore]:
    store = JobStore(EmulatorConfig.model_validate({"latency": 10.0, **config}), clock=clock)
    transport = httpx.ASGITransport(app=create_app(store=store))
    return httpx.AsyncClient(transport=transport, base_url="http://emulator/v1"), store


@pytest.fixture
async def api(clock: FakeClock) -> AsyncIterator[httpx.AsyncClient]:
    client, store = make_client(clock)
    async with client:
        yield client
    store.close()


def png(width: int, height: int, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (30, 90, 160)).save(buf, format=fmt)
    return buf.getvalue()


def assert_error(response: httpx.Response, status: int, *, param: str | None, code: str) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error"
    assert (error["param"], error["code"]) == (param, code)
    message: str = error["message"]
    return message


async def test_job_goes_queued_then_in_progress_with_rising_progress_then_completed(
    api: httpx.AsyncClient, clock: FakeClock
) -> None:
    created = await api.post(
        "/videos", json={"prompt": "a cell divides", "size": "1280x720", "seconds": "8"}
    )
    assert created.status_code == 200
    video = created.json()
    assert set(video) == VIDEO_KEYS
    assert video["id"].startswith("video_")
    assert (video["object"], video["model"], video["status"], video["progress"]) == (
        "video", "sora-2", "queued", 0,
    )  # fmt: skip
    assert (video["size"], video["seconds"], video["prompt"]) == ("1280x720", "8", "a cell divides")
    assert video["created_at"] == int(T0)
    assert video["completed_at"] is None
    assert video["expires_at"] is None
    assert video["error"] is None
    assert video["remixed_from_video_id"] is None

    seen = []
    for _ in range(4):
        clock.advance(2.0)
        seen.append((await api.get(f"/videos/{video['id']}")).json())
    assert [v["status"] for v in seen] == ["in_progress"] * 4
    progress = [v["progress"] for v in seen]
    assert progress == sorted(progress)
    assert len(set(progress)) == 4
    assert all(0 < p < 100 for p in progress)

    clock.advance(2.0)
    done = (await api.get(f"/videos/{video['id']}")).json()
    assert (done["status"], done["progress"]) == ("completed", 100)
    assert done["completed_at"] == int(T0 + 10)
    assert done["expires_at"] == int(T0 + 10 + 3600)


async def test_multipart_create_with_defaults(api: httpx.AsyncClient) -> None:
    response = await api.post("/videos", data={"prompt": "chalkboard"}, files={})
    assert response.status_code == 200
    # force multipart even without files, as the official SDK does
    response = await api.post("/videos", files={"prompt": (None, "chalkboard")})
    assert response.status_code == 200, response.text
    video = response.json()
    assert (video["model"], video["size"], video["seconds"]) == ("sora-2", "720x1280", "4")


@pytest.mark.parametrize(
    ("body", "param", "code", "fragment"),
    [
        ({}, "prompt", "missing_required_parameter", "Missing required parameter: 'prompt'"),
        ({"prompt": "x" * 32_001}, "prompt", "string_above_max_length", "maximum length 32000"),
        ({"prompt": "p", "model": "sora-3"}, "model", "invalid_value", "'sora-2' and 'sora-2-pro'"),
        ({"prompt": "p", "seconds": 8}, "seconds", "invalid_type", "but got an integer instead"),
        ({"prompt": "p", "seconds": "5"}, "seconds", "invalid_value", "'4', '8', and '12'"),
        ({"prompt": "p", "size": "640x360"}, "size", "invalid_value", "Invalid value: '640x360'"),
        (
            {"prompt": "p", "size": "1792x1024"},
            "size",
            "invalid_value",
            "not supported by model 'sora-2'",
        ),
    ],
)
async def test_invalid_create_is_a_400_in_the_openai_envelope(
    api: httpx.AsyncClient, body: dict[str, Any], param: str, code: str, fragment: str
) -> None:
    message = assert_error(await api.post("/videos", json=body), 400, param=param, code=code)
    assert fragment in message


async def test_pro_model_accepts_its_larger_sizes(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/videos", json={"prompt": "p", "model": "sora-2-pro", "size": "1792x1024", "seconds": "12"}
    )
    assert response.status_code == 200, response.text


async def test_malformed_json_body_is_a_400(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/videos", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert "could not parse the JSON body" in assert_error(response, 400, param=None, code=None)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/videos/video_nope"),
        ("DELETE", "/videos/video_nope"),
        ("GET", "/videos/video_nope/content"),
        ("POST", "/videos/video_nope/remix"),
    ],
)
async def test_unknown_video_id_is_404(api: httpx.AsyncClient, method: str, path: str) -> None:
    response = await api.request(method, path, json={"prompt": "x"} if method == "POST" else None)
    assert "video_nope" in assert_error(response, 404, param="video_id", code="not_found")


async def test_unknown_path_is_404_in_the_envelope(api: httpx.AsyncClient) -> None:
    response = await api.get("/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "invalid_request_error"


async def test_list_pages_with_cursor_in_both_orders(api: httpx.AsyncClient) -> None:
    ids = [(await api.post("/videos", json={"prompt": f"p{i}"})).json()["id"] for i in range(5)]

    pages, after = [], None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"after": after} if after else {})}
        page = (await api.get("/videos", params=params)).json()
        assert page["object"] == "list"
        assert page["first_id"] == page["data"][0]["id"]
        assert page["last_id"] == page["data"][-1]["id"]
        pages.append([v["id"] for v in page["data"]])
        if not page["has_more"]:
            break
        after = page["last_id"]
    assert pages == [ids[4:2:-1], ids[2:0:-1], ids[:1]]  # default order is newest first

    asc = (await api.get("/videos", params={"order": "asc", "limit": 100})).json()
    assert [v["id"] for v in asc["data"]] == ids
    assert asc["has_more"] is False
    rest = (await api.get("/videos", params={"order": "asc", "after": ids[3]})).json()
    assert [v["id"] for v in rest["data"]] == ids[4:]


async def test_list_rejects_bad_parameters(api: httpx.AsyncClient) -> None:
    for params, param in (({"limit": 101}, "limit"), ({"order": "up"}, "order"),
                          ({"after": "video_missing"}, "after")):  # fmt: skip
        assert_error(
            await api.get("/videos", params=params), 400, param=param, code="invalid_value"
        )
    empty = (await api.get("/videos")).json()
    assert empty == {
        "object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False,
    }  # fmt: skip


async def test_delete_removes_the_job_but_the_create_is_still_counted(
    api: httpx.AsyncClient,
) -> None:
    video_id = (await api.post("/videos", json={"prompt": "p"})).json()["id"]
    deleted = await api.delete(f"/videos/{video_id}")
    assert deleted.json() == {"id": video_id, "object": "video.deleted", "deleted": True}
    assert (await api.get(f"/videos/{video_id}")).status_code == 404
    assert (await api.get("/videos")).json()["data"] == []
    stats = (await api.get("http://emulator/_emulator/stats")).json()
    assert stats["creates"] == 1
    assert stats["jobs"][0]["deleted"] is True


async def test_remix_needs_a_completed_source_and_keeps_its_settings(
    api: httpx.AsyncClient, clock: FakeClock
) -> None:
    source = (
        await api.post("/videos", json={"prompt": "wide shot", "size": "1280x720", "seconds": "8"})
    ).json()
    early = await api.post(f"/videos/{source['id']}/remix", json={"prompt": "switch to 85 mm"})
    assert "not completed" in assert_error(early, 400, param="video_id", code="invalid_value")

    clock.advance(10.0)
    remix = (await api.post(f"/videos/{source['id']}/remix", json={"prompt": "85 mm"})).json()
    assert remix["remixed_from_video_id"] == source["id"]
    assert remix["id"] != source["id"]
    assert remix["status"] == "queued"
    assert (remix["size"], remix["seconds"], remix["prompt"]) == ("1280x720", "8", "85 mm")
    stats = (await api.get("http://emulator/_emulator/stats")).json()
    assert (stats["creates"], stats["remixes"]) == (1, 1)


async def test_content_variants_are_real_media_of_the_requested_size(clock: FakeClock) -> None:
    import av

    client, store = make_client(clock, lenient=True, latency=1.0)
    async with client as api:
        video = (
            await api.post("/videos", json={"prompt": "a red leaf falls", "size": "320x180"})
        ).json()
        early = await api.get(f"/videos/{video['id']}/content")
        assert_error(early, 400, param="video_id", code="video_not_ready")

        clock.advance(1.0)
        mp4 = await api.get(f"/videos/{video['id']}/content")
        assert mp4.status_code == 200
        assert mp4.headers["content-type"] == "video/mp4"
        with av.open(io.BytesIO(mp4.content)) as container:
            stream = container.streams.video[0]
            assert (stream.codec_context.name, stream.width, stream.height) == ("h264", 320, 180)
            assert container.streams.audio[0].codec_context.name == "aac"
        thumb = await api.get(f"/videos/{video['id']}/content", params={"variant": "thumbnail"})
        assert thumb.headers["content-type"] == "image/webp"
        assert Image.open(io.BytesIO(thumb.content)).format == "WEBP"
        sprite = await api.get(f"/videos/{video['id']}/content", params={"variant": "spritesheet"})
        assert sprite.headers["content-type"] == "image/jpeg"
        assert Image.open(io.BytesIO(sprite.content)).format == "JPEG"
        bad = await api.get(f"/videos/{video['id']}/content", params={"variant": "gif"})
        assert_error(bad, 400, param="variant", code="invalid_value")
    store.close()


async def test_input_reference_must_be_an_image_of_exactly_the_requested_size(
    api: httpx.AsyncClient,
) -> None:
    fields = {"prompt": (None, "first frame"), "size": (None, "1280x720")}
    ok = await api.post(
        "/videos", files={**fields, "input_reference": ("ref.png", png(1280, 720), "image/png")}
    )
    assert ok.status_code == 200, ok.text

    wrong = await api.post(
        "/videos", files={**fields, "input_reference": ("ref.png", png(640, 360), "image/png")}
    )
    message = assert_error(wrong, 400, param="input_reference", code="invalid_value")
    assert "must match the requested width and height" in message
    assert "640x360" in message

    junk = await api.post(
        "/videos", files={**fields, "input_reference": ("ref.png", b"not an image", "image/png")}
    )
    assert_error(junk, 400, param="input_reference", code="invalid_image")
    gif = await api.post(
        "/videos",
        files={**fields, "input_reference": ("r.gif", png(1280, 720, "GIF"), "image/gif")},
    )
    assert_error(gif, 400, param="input_reference", code="invalid_image_format")
    text = await api.post("/videos", files={**fields, "input_reference": (None, "ref.png")})
    assert "expected a file" in assert_error(
        text, 400, param="input_reference", code="invalid_type"
    )


async def test_json_input_reference_as_a_data_url(api: httpx.AsyncClient) -> None:
    url = "data:image/png;base64," + base64.b64encode(png(720, 1280)).decode()
    ok = await api.post("/videos", json={"prompt": "p", "input_reference": {"image_url": url}})
    assert ok.status_code == 200, ok.text
    remote = await api.post(
        "/videos", json={"prompt": "p", "input_reference": {"image_url": "https://x.test/a.png"}}
    )
    assert_error(remote, 400, param="input_reference", code="invalid_value")


async def test_api_key_when_configured_bearer_or_azure_header(clock: FakeClock) -> None:
    client, store = make_client(clock, api_key="sk-emulator")
    async with client as api:
        missing = await api.get("/videos")
        assert missing.status_code == 401
        wrong = await api.get("/videos", headers={"Authorization": "Bearer sk-wrong"})
        assert wrong.status_code == 401
        assert wrong.json()["error"]["code"] == "invalid_api_key"
        assert "sk-wrong" not in wrong.text
        bearer = await api.get("/videos", headers={"Authorization": "Bearer sk-emulator"})
        assert bearer.status_code == 200
        azure = await api.get(
            "http://emulator/openai/v1/videos", headers={"api-key": "sk-emulator"}
        )
        assert azure.status_code == 200
    store.close()


async def test_retrieve_hints_the_poll_interval(api: httpx.AsyncClient) -> None:
    video_id = (await api.post("/videos", json={"prompt": "p"})).json()["id"]
    response = await api.get(f"/videos/{video_id}")
    assert response.headers["openai-poll-after-ms"] == "1000"
    assert response.headers["x-request-id"].startswith("req_")
