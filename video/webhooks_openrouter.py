"""OpenRouter's webhook scheme: signing, verification and a receiver app.

OpenRouter does not use Standard Webhooks. It sends ``X-OpenRouter-Signature: t=<unix>,v1=<hex>``
where the hex is HMAC-SHA256 over ``"{t},{raw body}"`` keyed with the secret's raw UTF-8 bytes
(no ``whsec_`` base64 decoding), and ``X-OpenRouter-Idempotency-Key: <job_id>-<status>`` for
de-duplication. Events are thin (``type``, ISO ``created_at``, ``data`` = the job), so a
verified event maps to the same :class:`~lessonreel.video.webhooks.WebhookEvent` as the Sora shape
and the ledger de-duplicates both the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime

from starlette.applications import Starlette

from lessonreel.video.webhooks import (
    DEFAULT_TOLERANCE,
    WebhookError,
    WebhookEvent,
    create_receiver_app,
    parse_event_body,
    parse_stamp,
)

SIGNATURE_HEADER = "X-OpenRouter-Signature"
IDEMPOTENCY_HEADER = "X-OpenRouter-Idempotency-Key"
EVENT_TYPES = (
    "video.generation.completed",
    "video.generation.failed",
    "video.generation.cancelled",
    "video.generation.expired",
)


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode("ascii") + b"," + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign_openrouter(
    secret: str, body: bytes, *, timestamp: float, idempotency_key: str | None = None
) -> dict[str, str]:
    """Return the headers OpenRouter sends with ``body`` (signature, and the dedupe key)."""
    ts = int(timestamp)
    headers = {
        SIGNATURE_HEADER: f"t={ts},v1={_digest(secret, ts, body)}",
        "content-type": "application/json",
    }
    if idempotency_key:
        headers[IDEMPOTENCY_HEADER] = idempotency_key
    return headers


def _parse_signature(value: str) -> tuple[int, list[str]]:
    stamp: int | None = None
    signatures: list[str] = []
    for part in value.split(","):
        key, _, item = part.strip().partition("=")
        if key == "t":
            stamp = parse_stamp(item, "X-OpenRouter-Signature timestamp")
        elif key == "v1" and item and item.isascii():  # compare_digest refuses non-ASCII str
            signatures.append(item.lower())
    if stamp is None or not signatures:
        raise WebhookError("X-OpenRouter-Signature must carry t=<unix> and v1=<hex>")
    return stamp, signatures


def _iso_to_unix(value: object, fallback: float) -> float:
    number = fallback
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:  # a 400-digit integer is valid JSON
            return fallback
    elif isinstance(value, str):
        try:
            number = datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except (ValueError, OverflowError, OSError):
            return fallback
    return number if math.isfinite(number) else fallback


def verify_openrouter(
    body: bytes,
    headers: Mapping[str, str],
    secret: str,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> WebhookEvent:
    """Verify an OpenRouter webhook and parse it; raises WebhookError (400 malformed, 401 bad).

    The event id is the idempotency key (``<job_id>-<status>``, taken from the signed body when
    it names the job, else from the unsigned header), so a redelivery of the same terminal state
    is recognised as a repeat by whoever records events.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    header = lowered.get(SIGNATURE_HEADER.lower())
    if not header:
        raise WebhookError(f"missing {SIGNATURE_HEADER} header", 401)
    stamp, candidates = _parse_signature(header)
    current = time.time() if now is None else now
    if abs(current - stamp) > tolerance:
        raise WebhookError("webhook timestamp is outside the 300 s tolerance", 401)
    expected = _digest(secret, stamp, body)
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise WebhookError("no matching webhook signature", 401)
    payload, data = parse_event_body(body)
    job_id = data.get("id") if isinstance(data.get("id"), str) else None
    # The idempotency header is not signed: build the same ``<job_id>-<status>`` key from the
    # signed body whenever it can, so a replay with an edited header is still a repeat.
    key = lowered.get(IDEMPOTENCY_HEADER.lower())
    if job_id is not None:
        key = f"{job_id}-{data.get('status') or payload['type'].rsplit('.', 1)[-1]}"
    elif not key:
        raise WebhookError("webhook has neither an idempotency key nor a job id")
    return WebhookEvent(
        id=key,
        type=payload["type"],
        created_at=_iso_to_unix(payload.get("created_at"), float(stamp)),
        data=data,
        video_id=job_id,
        provider="openrouter",
        webhook_id=key,
    )


def create_openrouter_receiver_app(
    secret: str,
    on_event: Callable[[WebhookEvent], Awaitable[bool]],
    *,
    max_body: int = 65536,
    tolerance: int = DEFAULT_TOLERANCE,
    clock: Callable[[], float] = time.time,
) -> Starlette:
    """Return a Starlette app whose ``POST /`` verifies OpenRouter events for ``on_event``.

    Same contract as :func:`lessonreel.video.webhooks.create_receiver_app`: 413/400/401 without
    calling ``on_event``; 200 ``ok`` for a new event, 200 ``duplicate`` when ``on_event``
    returns False (the idempotency key was seen), so OpenRouter stops redelivering.
    """
    if not secret:
        raise WebhookError("an OpenRouter webhook secret is required", 500)
    return create_receiver_app(
        secret,
        on_event,
        max_body=max_body,
        tolerance=tolerance,
        clock=clock,
        verify=verify_openrouter,
    )
