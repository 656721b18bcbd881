"""Map Sora-shaped HTTP failures, failed jobs and job states onto the neutral vocabulary.

The dispatcher decides what to do (retry, sanitize, pause, stop) from the neutral kind alone,
so every provider-specific spelling of "blocked", "slow down" or "out of money" ends here.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Mapping
from typing import Any

import httpx

from lessonreel.video.types import ErrorKind, JobError, JobStatus, ProviderError

#: Codes that mean the prompt or reference image was refused by moderation.
CONTENT_POLICY_CODES = frozenset(
    {
        "content_policy_violation",
        "moderation_blocked",
        "content_filter",
        "content_filtered",
        "responsibleaipolicyviolation",
        "input_moderation",
        "output_moderation",
    }
)
#: Codes on a failed job that mean "the provider broke, try again".
SERVER_ERROR_CODES = frozenset(
    {"internal_error", "server_error", "processing_error", "generation_failed", "timeout"}
)
QUOTA_CODES = frozenset({"insufficient_quota", "billing_hard_limit_reached", "quota_exceeded"})

_STATUS_MAP: dict[str, JobStatus] = {
    "queued": "queued",
    "pending": "queued",
    "in_progress": "running",
    "preprocessing": "running",
    "running": "running",
    "processing": "running",
    "completed": "succeeded",
    "succeeded": "succeeded",
    "failed": "failed",
    "cancelled": "canceled",
    "canceled": "canceled",
    "expired": "expired",
}


def map_status(status: str) -> JobStatus:
    """Neutral status for a provider status; an unknown one is a provider fault, said clearly."""
    try:
        return _STATUS_MAP[status.lower()]
    except KeyError:
        raise ProviderError.server(
            "unknown_status", f"the provider reported an unknown job status {status!r}"
        ) from None


def redact(text: str, secret: str | None) -> str:
    """Remove every occurrence of ``secret`` from ``text`` (keys must never be echoed)."""
    if secret and len(secret) >= 4:
        text = text.replace(secret, "***")
    return text


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds the server asked us to wait: ``retry-after-ms`` first, then ``retry-after``.

    ``retry-after`` may be seconds (float) or an HTTP date; nonsense and negatives give None.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    raw_ms = lowered.get("retry-after-ms")
    if raw_ms is not None:
        try:
            value = float(raw_ms) / 1000.0
        except ValueError:
            value = -1.0
        if value >= 0:
            return value
    raw = lowered.get("retry-after")
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
        value = when.timestamp() - (time.time() if now is None else now)
        return max(value, 0.0)
    return value if value >= 0 else None


def _envelope(body: bytes) -> dict[str, Any]:
    """Extract the ``error`` object of an error body, tolerant of non-JSON gateways."""
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        text = body.decode("utf-8", "replace").strip()
        return {"message": text[:500]} if text else {}
    if not isinstance(data, dict):
        return {}
    error = data.get("error", data)
    if isinstance(error, str):
        return {"message": error}
    return error if isinstance(error, dict) else {}


def _codes(error: Mapping[str, Any]) -> set[str]:
    """Every code-like field of an error object, lower-cased (Azure nests ``inner_error``)."""
    found: set[str] = set()
    for key in ("code", "type"):
        value = error.get(key)
        if isinstance(value, str):
            found.add(value.lower())
    inner = error.get("inner_error") or error.get("innererror")
    if isinstance(inner, Mapping):
        found |= _codes(inner)
    return found


def error_from_response(
    status: int,
    body: bytes,
    headers: Mapping[str, str],
    *,
    base_url: str = "",
    secret: str | None = None,
    key_env: str | None = None,
) -> JobError:
    """Neutral error for a non-2xx HTTP response."""
    error = _envelope(body)
    codes = _codes(error)
    code_value = error.get("code")
    code = code_value if isinstance(code_value, str) else None
    message = redact(str(error.get("message") or f"HTTP {status}"), secret)
    retry_after = parse_retry_after(headers)

    def make(kind: ErrorKind, text: str = message, ra: float | None = None) -> JobError:
        return JobError(kind=kind, code=code, message=text, http_status=status, retry_after=ra)

    if status in (401, 403):
        where = f" at {base_url}" if base_url else ""
        hint = f" (set {key_env})" if key_env else ""
        if status == 401:
            text = f"authentication failed (HTTP 401){where}: check your API key{hint}"
        else:
            text = f"access denied (HTTP 403){where}: check your API key{hint} — {message}"
        return make(ErrorKind.INVALID_REQUEST, text)
    if status == 402 or codes & QUOTA_CODES or "exceeded your current quota" in message.lower():
        return make(ErrorKind.QUOTA_EXHAUSTED, ra=retry_after)
    if status == 429:
        return make(ErrorKind.RATE_LIMITED, ra=retry_after)
    if codes & CONTENT_POLICY_CODES:
        return make(ErrorKind.CONTENT_POLICY)
    if status in (408, 504):
        return make(ErrorKind.TIMEOUT, ra=retry_after)
    if status == 409 or status >= 500:
        return make(ErrorKind.SERVER_ERROR, ra=retry_after)
    if status == 404:
        return make(ErrorKind.INVALID_REQUEST, f"not found (HTTP 404): {message}")
    return make(ErrorKind.INVALID_REQUEST)


def error_from_job(
    error: Mapping[str, Any] | None, *, failure_reason: str | None = None
) -> JobError:
    """Neutral error for a job that ended ``failed`` (moderation, provider fault, ...)."""
    error = error or {}
    codes = _codes(error)
    if failure_reason:
        codes.add(failure_reason.lower())
    code_value = error.get("code") or failure_reason
    code = str(code_value) if code_value else None
    message = str(error.get("message") or "the job failed without a reason")
    if codes & CONTENT_POLICY_CODES:
        kind = ErrorKind.CONTENT_POLICY
    elif codes & QUOTA_CODES:
        kind = ErrorKind.QUOTA_EXHAUSTED
    elif "rate_limit_exceeded" in codes:
        kind = ErrorKind.RATE_LIMITED
    elif any(c.startswith("invalid") for c in codes):
        kind = ErrorKind.INVALID_REQUEST
    else:
        # internal_error / server_error and anything unknown: generating again may work.
        kind = ErrorKind.SERVER_ERROR
    return JobError(kind=kind, code=code, message=message)


def error_from_exception(exc: httpx.HTTPError, *, base_url: str) -> JobError:
    """Neutral error for a transport failure (no HTTP response at all)."""
    detail = type(exc).__name__ + (f": {exc}" if str(exc) else "")
    if isinstance(exc, httpx.ConnectTimeout | httpx.ConnectError):
        return JobError(
            kind=ErrorKind.SERVER_ERROR
            if isinstance(exc, httpx.ConnectError)
            else ErrorKind.TIMEOUT,
            code="unreachable",
            message=(
                f"cannot reach the video API at {base_url} ({detail}); "
                "check the base URL and that the service is running"
            ),
        )
    if isinstance(exc, httpx.TimeoutException):
        return JobError(
            kind=ErrorKind.TIMEOUT,
            code="timeout",
            message=f"the video API at {base_url} did not answer in time ({detail})",
        )
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return JobError(
            kind=ErrorKind.INVALID_REQUEST,
            code="bad_base_url",
            message=f"the base URL {base_url!r} is not a usable http(s) URL ({detail})",
        )
    return JobError(
        kind=ErrorKind.SERVER_ERROR,
        code="transport_error",
        message=f"the connection to {base_url} failed ({detail})",
    )
