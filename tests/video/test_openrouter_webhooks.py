"""OpenRouter webhooks: accepted when signed, refused when forged, stale or repeated."""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx
import pytest

from lessonreel.video.providers.openrouter_wire import to_job
from lessonreel.video.webhooks import WebhookError, WebhookEvent
from lessonreel.video.webhooks_openrouter import (
    create_openrouter_receiver_app,
    sign_openrouter,
    verify_openrouter,
)

SECRET = "or-webhook-secret-not-base64!"
NOW = 1_790_000_000.0


def event_body(status: str = "completed", **data: object) -> bytes:
    payload = {
        "type": f"video.generation.{status}",
        "created_at": "2026-09-21T12:00:00Z",
        "data": {"id": "job-abc123", "status": status, "model": "google/veo-3.1", **data},
    }
    return json.dumps(payload).encode()


def test_signature_is_hmac_sha256_of_timestamp_comma_raw_body_with_the_raw_secret() -> None:
    body = event_body()
    headers = sign_openrouter(SECRET, body, timestamp=NOW)
    expected = hmac.new(SECRET.encode(), f"{int(NOW)},".encode() + body, hashlib.sha256).hexdigest()
    assert headers["X-OpenRouter-Signature"] == f"t={int(NOW)},v1={expected}"


def test_a_signed_event_verifies_into_a_neutral_event_keyed_by_the_idempotency_key() -> None:
    body = event_body(usage={"cost": 0.25, "is_byok": False})
    headers = sign_openrouter(SECRET, body, timestamp=NOW, idempotency_key="job-abc123-completed")
    event = verify_openrouter(body, headers, SECRET, now=NOW + 10)
    assert event.id == "job-abc123-completed"
    assert event.provider == "openrouter"
    assert event.video_id == "job-abc123"
    assert event.type == "video.generation.completed"
    job = to_job(event.data)
    assert (job.status, job.cost_usd) == ("succeeded", 0.25)


def test_the_idempotency_key_is_derived_when_the_header_is_missing() -> None:
    body = event_body("failed", error="Content policy violation")
    event = verify_openrouter(body, sign_openrouter(SECRET, body, timestamp=NOW), SECRET, now=NOW)
    assert event.id == "job-abc123-failed"
    assert to_job(event.data).error is not None


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (
            lambda h, b: (
                {**h, "X-OpenRouter-Signature": h["X-OpenRouter-Signature"][:-4] + "beef"},
                b,
            ),
            "signature",
        ),
        (lambda h, b: (h, b.replace(b"completed", b"cancelled")), "signature"),
        (
            lambda h, b: ({k: v for k, v in h.items() if k != "X-OpenRouter-Signature"}, b),
            "missing",
        ),
    ],
)
def test_forged_or_unsigned_events_are_refused(mutate, fragment: str) -> None:  # type: ignore[no-untyped-def]
    body = event_body()
    headers, body = mutate(sign_openrouter(SECRET, body, timestamp=NOW), body)
    with pytest.raises(WebhookError) as info:
        verify_openrouter(body, headers, SECRET, now=NOW)
    assert info.value.status_code == 401
    assert fragment in info.value.message


def test_a_different_secret_is_refused() -> None:
    body = event_body()
    headers = sign_openrouter("another-secret", body, timestamp=NOW)
    with pytest.raises(WebhookError):
        verify_openrouter(body, headers, SECRET, now=NOW)


@pytest.mark.parametrize("skew", [301.0, -301.0])
def test_stale_or_future_timestamps_beyond_300_s_are_refused(skew: float) -> None:
    body = event_body()
    headers = sign_openrouter(SECRET, body, timestamp=NOW)
    with pytest.raises(WebhookError) as info:
        verify_openrouter(body, headers, SECRET, now=NOW + skew)
    assert info.value.status_code == 401
    verify_openrouter(body, headers, SECRET, now=NOW + skew * 299 / 301)  # inside: accepted


async def test_receiver_accepts_once_then_answers_duplicate_and_refuses_forgeries() -> None:
    seen: dict[str, WebhookEvent] = {}

    async def on_event(event: WebhookEvent) -> bool:
        if event.id in seen:
            return False
        seen[event.id] = event
        return True

    app = create_openrouter_receiver_app(SECRET, on_event, clock=lambda: NOW)
    body = event_body()
    headers = sign_openrouter(SECRET, body, timestamp=NOW, idempotency_key="job-abc123-completed")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://receiver") as client:
        first = await client.post("/", content=body, headers=headers)
        again = await client.post("/", content=body, headers=headers)
        stale_headers = sign_openrouter(SECRET, body, timestamp=NOW - 400)
        stale = await client.post("/", content=body, headers=stale_headers)
        forged = await client.post(
            "/", content=body.replace(b"job-abc123", b"job-evil99"), headers=headers
        )
        huge = await client.post("/", content=b"x" * 70_000, headers=headers)

    assert (first.status_code, first.json()["status"]) == (200, "ok")
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    assert stale.status_code == 401
    assert forged.status_code == 401
    assert huge.status_code == 413
    assert list(seen) == ["job-abc123-completed"]
