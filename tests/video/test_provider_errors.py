"""Sora-shaped statuses, HTTP errors and failed jobs map onto the neutral vocabulary.

Bodies come from tests/video/fixtures/responses (copied from shared/reference/sora_api.md §1-§4).
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from lessonreel.video.providers.errors import (
    error_from_exception,
    error_from_job,
    error_from_response,
    map_status,
    parse_retry_after,
)
from lessonreel.video.providers.retry import RetryPolicy
from lessonreel.video.types import ErrorAction, ErrorKind, JobError, ProviderError

RESPONSES = Path(__file__).parent / "fixtures" / "responses"
KEY = "sk-test-0123456789abcdefsecret"


def body(name: str) -> bytes:
    return (RESPONSES / name).read_bytes()


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
def test_every_sora_status_maps_to_a_neutral_status(wire: str, neutral: str) -> None:
    assert map_status(wire) == neutral


def test_an_unknown_status_is_reported_not_guessed() -> None:
    with pytest.raises(ProviderError) as info:
        map_status("teleporting")
    assert info.value.error.kind is ErrorKind.SERVER_ERROR
    assert "teleporting" in str(info.value)


@pytest.mark.parametrize(
    ("status", "fixture", "headers", "kind", "code"),
    [
        (400, "error_invalid_type.json", {}, ErrorKind.INVALID_REQUEST, "invalid_type"),
        (400, "error_seconds_integer.json", {}, ErrorKind.INVALID_REQUEST, "invalid_type"),
        (
            400,
            "error_content_policy.json",
            {},
            ErrorKind.CONTENT_POLICY,
            "content_policy_violation",
        ),
        (429, "error_rate_limit.json", {}, ErrorKind.RATE_LIMITED, "rate_limit_exceeded"),
        (429, "error_insufficient_quota.json", {}, ErrorKind.QUOTA_EXHAUSTED, "insufficient_quota"),
        (402, "error_insufficient_quota.json", {}, ErrorKind.QUOTA_EXHAUSTED, "insufficient_quota"),
        (404, "error_azure_deployment_404.json", {}, ErrorKind.INVALID_REQUEST, None),
        (500, "error_server.json", {}, ErrorKind.SERVER_ERROR, None),
        (502, "error_server.json", {}, ErrorKind.SERVER_ERROR, None),
        (503, "error_server.json", {}, ErrorKind.SERVER_ERROR, None),
        (504, "error_server.json", {}, ErrorKind.TIMEOUT, None),
        (408, "error_server.json", {}, ErrorKind.TIMEOUT, None),
    ],
)
def test_http_errors_map_to_neutral_kinds(
    status: int, fixture: str, headers: dict[str, str], kind: ErrorKind, code: str | None
) -> None:
    error = error_from_response(status, body(fixture), headers)
    assert error.kind is kind
    assert error.code == code
    assert error.http_status == status
    assert error.message  # the provider's words reach the user


def test_moderation_blocked_at_create_is_content_policy() -> None:
    payload = {
        "error": {
            "message": "blocked",
            "type": "invalid_request_error",
            "code": "moderation_blocked",
        }
    }
    error = error_from_response(400, json.dumps(payload).encode(), {})
    assert error.kind is ErrorKind.CONTENT_POLICY
    assert error.action is ErrorAction.SANITIZE


def test_azure_content_filter_inner_error_is_content_policy() -> None:
    payload = {
        "error": {
            "message": "The response was filtered",
            "type": None,
            "code": "content_filter",
            "inner_error": {"code": "ResponsibleAIPolicyViolation"},
        }
    }
    assert (
        error_from_response(400, json.dumps(payload).encode(), {}).kind is ErrorKind.CONTENT_POLICY
    )


def test_rate_limit_carries_retry_after_seconds() -> None:
    error = error_from_response(429, body("error_rate_limit.json"), {"Retry-After": "7"})
    assert error.kind is ErrorKind.RATE_LIMITED
    assert error.retry_after == 7.0
    assert error.action is ErrorAction.WAIT_AND_RETRY


def test_retry_after_ms_wins_over_retry_after() -> None:
    headers = {"retry-after-ms": "1500", "retry-after": "9"}
    assert error_from_response(429, body("error_rate_limit.json"), headers).retry_after == 1.5


def test_retry_after_as_http_date() -> None:
    now = 1_800_000_000.0
    when = format_datetime(datetime.fromtimestamp(now + 30, tz=UTC), usegmt=True)
    assert parse_retry_after({"Retry-After": when}, now=now) == pytest.approx(30.0)


@pytest.mark.parametrize("junk", ["soon", "-3", ""])
def test_unusable_retry_after_is_ignored(junk: str) -> None:
    assert parse_retry_after({"retry-after": junk}) is None


def test_quota_on_429_is_not_mistaken_for_rate_limit() -> None:
    error = error_from_response(429, body("error_insufficient_quota.json"), {"retry-after": "1"})
    assert error.kind is ErrorKind.QUOTA_EXHAUSTED
    assert error.action is ErrorAction.STOP_RUN
    assert not error.transient


@pytest.mark.parametrize("status", [401, 403])
def test_auth_failures_say_check_your_key_and_never_echo_it(status: int) -> None:
    echo = {"error": {"message": f"Incorrect API key provided: {KEY}.", "code": "invalid_api_key"}}
    error = error_from_response(
        status,
        json.dumps(echo).encode(),
        {},
        base_url="https://api.openai.com/v1",
        secret=KEY,
        key_env="OPENAI_API_KEY",
    )
    assert error.kind is ErrorKind.INVALID_REQUEST
    assert "check your API key" in error.message
    assert "OPENAI_API_KEY" in error.message
    assert KEY not in error.message
    assert KEY not in str(ProviderError(error))


def test_non_json_gateway_error_still_maps() -> None:
    error = error_from_response(502, b"<html>Bad Gateway</html>", {})
    assert error.kind is ErrorKind.SERVER_ERROR
    assert "Bad Gateway" in error.message


@pytest.mark.parametrize(
    ("job_error", "failure_reason", "kind"),
    [
        (json.loads(body("video_failed_moderation.json"))["error"], None, ErrorKind.CONTENT_POLICY),
        ({"code": "content_filter", "message": "output filtered"}, None, ErrorKind.CONTENT_POLICY),
        ({"code": "internal_error", "message": "oops"}, None, ErrorKind.SERVER_ERROR),
        ({"code": "server_error", "message": "oops"}, None, ErrorKind.SERVER_ERROR),
        (None, None, ErrorKind.SERVER_ERROR),
        (None, "input_moderation", ErrorKind.CONTENT_POLICY),
        (None, "internal_error", ErrorKind.SERVER_ERROR),
    ],
)
def test_failed_jobs_map_to_neutral_kinds(
    job_error: dict[str, Any] | None, failure_reason: str | None, kind: ErrorKind
) -> None:
    assert error_from_job(job_error, failure_reason=failure_reason).kind is kind


def test_connection_refused_names_the_url() -> None:
    exc = httpx.ConnectError("[Errno 111] Connection refused")
    error = error_from_exception(exc, base_url="http://127.0.0.1:9/v1")
    assert error.kind is ErrorKind.SERVER_ERROR
    assert "http://127.0.0.1:9/v1" in error.message
    assert "cannot reach" in error.message


def test_read_timeout_is_timeout() -> None:
    error = error_from_exception(httpx.ReadTimeout("timed out"), base_url="https://x/v1")
    assert error.kind is ErrorKind.TIMEOUT
    assert error.transient


def _transient(retry_after: float | None = None) -> ProviderError:
    return ProviderError(
        JobError(kind=ErrorKind.RATE_LIMITED, message="x", retry_after=retry_after)
    )


def test_backoff_is_exponential_jittered_and_capped() -> None:
    policy = RetryPolicy(initial=0.5, max_backoff=8.0, jitter=0.25, rng=random.Random(1))
    for n, base in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 8.0), (9, 8.0)]:
        wait = policy.backoff(n, _transient())
        assert base * 0.75 <= wait <= base


def test_backoff_honours_retry_after_with_a_ceiling() -> None:
    policy = RetryPolicy(max_retry_after=120.0)
    assert policy.backoff(1, _transient(retry_after=3.5)) == 3.5
    assert policy.backoff(1, _transient(retry_after=0.0)) == 0.0
    assert policy.backoff(1, _transient(retry_after=3600.0)) == 120.0
