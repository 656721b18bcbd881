"""Standard Webhooks verification and the receiver: accept good events, reject everything else."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from lessonreel.video.webhooks import (
    WebhookError,
    WebhookEvent,
    create_receiver_app,
    sign_standard,
    verify_standard,
)

SECRET = "whsec_" + base64.b64encode(b"lessonreel-test-secret-32-bytes!").decode()
OTHER = "whsec_" + base64.b64encode(b"some-other-secret-of-32-bytes!!!").decode()
NOW = 1_800_000_000.0


def event_body(event_id: str = "evt_1", video_id: str = "video_1") -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "created_at": int(NOW) - 5,
            "type": "video.completed",
            "data": {"id": video_id},
        }
    ).encode()


def test_signature_matches_the_openai_sdk_recipe() -> None:
    from openai import OpenAI

    body = event_body()
    headers = sign_standard(SECRET, "evt_1", NOW, body)
    assert headers["webhook-signature"].startswith("v1,")
    client = OpenAI(api_key="test", webhook_secret=SECRET, base_url="http://127.0.0.1:9/v1")
    client.webhooks.verify_signature(body, headers, tolerance=10**10)  # raises if it disagrees


def test_verify_returns_the_parsed_event() -> None:
    body = event_body()
    event = verify_standard(body, sign_standard(SECRET, "msg_1", NOW, body), SECRET, now=NOW + 30)
    assert event == WebhookEvent(
        id="evt_1",
        type="video.completed",
        created_at=NOW - 5,
        data={"id": "video_1"},
        video_id="video_1",
        provider="openai",
        webhook_id="msg_1",
    )


def test_any_of_several_signatures_may_match_for_secret_rotation() -> None:
    body = event_body()
    good = sign_standard(SECRET, "msg_1", NOW, body)
    old = sign_standard(OTHER, "msg_1", NOW, body)["webhook-signature"]
    headers = {**good, "webhook-signature": f"{old} garbage v1a,xyz {good['webhook-signature']}"}
    assert verify_standard(body, headers, SECRET, now=NOW).video_id == "video_1"


@pytest.mark.parametrize(
    ("mutate", "status", "fragment"),
    [
        (lambda h, b: ({**h, "webhook-signature": "v1,AAAA"}, b), 401, "no matching"),
        (lambda h, b: (h, b.replace(b"video_1", b"video_2")), 401, "no matching"),
        (lambda h, b: ({**h, "webhook-id": "msg_other"}, b), 401, "no matching"),
        (lambda h, b: ({k: v for k, v in h.items() if k != "webhook-id"}, b), 400, "missing"),
        (lambda h, b: ({**h, "webhook-timestamp": "soon"}, b), 400, "not an integer"),
    ],
)
def test_tampered_or_incomplete_requests_are_rejected(
    mutate: Any, status: int, fragment: str
) -> None:
    body = event_body()
    headers, body = mutate(sign_standard(SECRET, "msg_1", NOW, body), body)
    with pytest.raises(WebhookError, match=fragment) as err:
        verify_standard(body, headers, SECRET, now=NOW)
    assert err.value.status_code == status


@pytest.mark.parametrize(
    ("signed_at", "fragment"), [(NOW - 301, "too old"), (NOW + 301, "too new")]
)
def test_stale_and_future_timestamps_are_rejected(signed_at: float, fragment: str) -> None:
    body = event_body()
    with pytest.raises(WebhookError, match=fragment) as err:
        verify_standard(body, sign_standard(SECRET, "msg_1", signed_at, body), SECRET, now=NOW)
    assert err.value.status_code == 401
    # within the tolerance the same request is fine
    assert verify_standard(
        body, sign_standard(SECRET, "msg_1", signed_at, body), SECRET, now=NOW, tolerance=302
    )


class Recorder:
    """on_event backed by a set, standing in for the ledger's record_event."""

    def __init__(self) -> None:
        self.events: list[WebhookEvent] = []
        self.seen: set[str] = set()

    async def __call__(self, event: WebhookEvent) -> bool:
        self.events.append(event)
        if event.webhook_id in self.seen:
            return False
        self.seen.add(event.webhook_id or event.id)
        return True


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def receiver(recorder: Recorder) -> Any:
    app = create_receiver_app(SECRET, recorder, max_body=2048, clock=lambda: NOW)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://receiver"
    ) as client:
        yield client


async def post(client: httpx.AsyncClient, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return await client.post(
        "/", content=body, headers={"content-type": "application/json", **headers}
    )


async def test_receiver_accepts_a_good_event_and_reports_a_repeat_as_duplicate(
    receiver: httpx.AsyncClient, recorder: Recorder
) -> None:
    body = event_body()
    first = await post(receiver, body, sign_standard(SECRET, "msg_1", NOW, body))
    assert (first.status_code, first.json()) == (200, {"status": "ok", "id": "evt_1"})
    # a redelivery keeps webhook-id and gets a fresh timestamp and signature
    again = await post(receiver, body, sign_standard(SECRET, "msg_1", NOW + 60, body))
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    assert [e.video_id for e in recorder.events] == ["video_1", "video_1"]
    assert recorder.seen == {"msg_1"}


async def test_receiver_rejects_without_calling_on_event(
    receiver: httpx.AsyncClient, recorder: Recorder
) -> None:
    body = event_body()
    good = sign_standard(SECRET, "msg_1", NOW, body)
    bad_signature = await post(receiver, body, sign_standard(OTHER, "msg_1", NOW, body))
    stale = await post(receiver, body, sign_standard(SECRET, "msg_1", NOW - 600, body))
    future = await post(receiver, body, sign_standard(SECRET, "msg_1", NOW + 600, body))
    unsigned = await post(receiver, body, {})
    malformed = b'{"type": "video.completed", '
    not_json = await post(receiver, malformed, sign_standard(SECRET, "msg_2", NOW, malformed))
    big = json.dumps({"type": "video.completed", "pad": "x" * 4096}).encode()
    too_big = await post(receiver, big, sign_standard(SECRET, "msg_3", NOW, big))
    assert [r.status_code for r in (bad_signature, stale, future, unsigned, not_json, too_big)] == [
        401, 401, 401, 400, 400, 413,
    ]  # fmt: skip
    assert all("error" in r.json() for r in (bad_signature, stale, not_json, too_big))
    assert recorder.events == []
    assert (await post(receiver, body, good)).status_code == 200


async def test_receiver_rejects_an_oversized_chunked_body(receiver: httpx.AsyncClient) -> None:
    async def chunks() -> Any:
        for _ in range(8):
            yield b"x" * 1024

    response = await receiver.post("/", content=chunks(), headers={"webhook-id": "m"})
    assert response.status_code == 413


def test_a_malformed_secret_fails_at_startup() -> None:
    async def never(event: WebhookEvent) -> bool:
        raise AssertionError

    with pytest.raises(WebhookError, match="invalid webhook secret"):
        create_receiver_app("whsec_", never)
