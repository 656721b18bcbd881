"""OpenRouter video wire format: base URL, job objects, statuses and error mapping.

OpenRouter's ``/api/v1/videos`` looks like OpenAI's path but has its own shape: ``pending``
status, an ``{"error": {code, message}}`` envelope, 402 for credits, and failed-job text that is
free-form, so moderation refusals are recognised by wording.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from lessonreel.video.providers.errors import parse_retry_after, redact
from lessonreel.video.providers.openrouter_models import PROVIDER
from lessonreel.video.types import (
    ErrorKind,
    JobError,
    JobStatus,
    ProviderError,
    VideoJob,
    VideoRequest,
)

DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"
KEY_ENV = "OPENROUTER_API_KEY"

_STATUS: dict[str, JobStatus] = {
    "pending": "queued",
    "in_progress": "running",
    "completed": "succeeded",
    "failed": "failed",
    "cancelled": "canceled",
    "expired": "expired",
}

#: Wording that marks a refusal by moderation (failed-job text is free-form on OpenRouter).
_POLICY = re.compile(
    r"content[ _-]?polic|moderat|safety|sensitive[ _-]?content|sensitivecontent"
    r"|policy[ _-]?violation|responsible ?ai|nsfw|prohibited content",
    re.IGNORECASE,
)
_QUOTA = re.compile(r"insufficient (credits|balance|funds)|out of credits", re.IGNORECASE)
_INVALID = re.compile(r"\binvalid\b|unsupported|not supported", re.IGNORECASE)


def api_base(base_url: str) -> str:
    """Normalise a base URL to the ``.../api/v1`` root the video paths hang off."""
    root = base_url.rstrip("/")
    return root if root.endswith(("/api/v1", "/v1")) else root + "/api/v1"


def _envelope(body: bytes) -> tuple[str | None, str]:
    """(code, message) of OpenRouter's ``{"error": {"code", "message"}}`` envelope."""
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return None, body.decode("utf-8", "replace").strip()[:500]
    error = data.get("error", data) if isinstance(data, dict) else {}
    if isinstance(error, str):
        return None, error
    if not isinstance(error, dict):
        return None, ""
    code = error.get("code")
    return (str(code) if code is not None else None), str(error.get("message") or "")


def map_http_error(
    status: int, body: bytes, headers: Mapping[str, str], *, secret: str | None = None
) -> JobError:
    """Neutral error for a non-2xx OpenRouter answer (reference §3.6 and §1.2)."""
    code, message = _envelope(body)
    message = redact(message or f"HTTP {status}", secret)

    def make(kind: ErrorKind, text: str = message, retry_after: float | None = None) -> JobError:
        return JobError(
            kind=kind, code=code, message=text, http_status=status, retry_after=retry_after
        )

    if status in (401, 403):
        return make(
            ErrorKind.INVALID_REQUEST,
            f"OpenRouter refused the credentials (HTTP {status}): check {KEY_ENV} — {message}",
        )
    if status == 402 or _QUOTA.search(message):
        return make(ErrorKind.QUOTA_EXHAUSTED)
    if status == 429:
        return make(ErrorKind.RATE_LIMITED, retry_after=parse_retry_after(headers))
    if status in (408, 504):
        return make(ErrorKind.TIMEOUT, retry_after=parse_retry_after(headers))
    if status >= 500:
        return make(ErrorKind.SERVER_ERROR, retry_after=parse_retry_after(headers))
    if _POLICY.search(message):
        return make(ErrorKind.CONTENT_POLICY)
    return make(ErrorKind.INVALID_REQUEST)


def map_job_error(error: Any, status: str) -> JobError | None:
    """Neutral error for a ``failed``/``expired`` job; the text is free-form (or a code object)."""
    if status not in ("failed", "expired"):
        return None
    code: str | None = None
    if isinstance(error, Mapping):
        code = str(error.get("code")) if error.get("code") is not None else None
        message = str(error.get("message") or code or "")
    else:
        message = str(error or "")
    if status == "expired":
        return JobError(
            kind=ErrorKind.TIMEOUT,
            code=code or "expired",
            message=message or "Job exceeded maximum time to live",
        )
    text = f"{code or ''} {message}"
    if _POLICY.search(text):
        kind = ErrorKind.CONTENT_POLICY
    elif _QUOTA.search(text):
        kind = ErrorKind.QUOTA_EXHAUSTED
    elif _INVALID.search(text):
        kind = ErrorKind.INVALID_REQUEST
    else:
        kind = ErrorKind.SERVER_ERROR
    return JobError(kind=kind, code=code, message=message or "the job failed without a reason")


def to_job(
    payload: Any, *, provider: str = PROVIDER, request: VideoRequest | None = None
) -> VideoJob:
    """Neutral job for a ``VideoGenerationResponse`` (also the ``data`` of a webhook event)."""
    if not isinstance(payload, Mapping) or not payload.get("id") or not payload.get("status"):
        raise ProviderError.server("bad_response", "OpenRouter job is missing 'id' or 'status'")
    raw_status = str(payload["status"]).lower()
    if raw_status not in _STATUS:
        raise ProviderError.server(
            "unknown_status", f"OpenRouter reported an unknown status {raw_status!r}"
        )
    status = _STATUS[raw_status]
    usage = payload.get("usage") or {}
    cost = usage.get("cost") if isinstance(usage, Mapping) else None
    urls = payload.get("unsigned_urls") or payload.get("urls") or []
    return VideoJob(
        id=str(payload["id"]),
        provider=provider,
        model=str(payload.get("model") or (request.model if request else "")),
        size=request.size if request else None,
        seconds=request.seconds if request else None,
        status=status,
        progress=100 if status == "succeeded" else 0,
        error=map_job_error(payload.get("error"), raw_status),
        cost_usd=float(cost) if isinstance(cost, int | float) else None,
        download_url=str(urls[0]) if urls else None,
    )
