"""Standard Webhooks signing and verification, and a Starlette receiver for provider events.

The HMAC and the secret decoding come from the ``standardwebhooks`` package; this module adds
what it lacks for us: an injectable clock and tolerance (the library hard-codes both), clear
status codes, parsing into :class:`WebhookEvent`, and a receiver that rejects before it records.

Replay protection is deliberately *not* an in-memory set here: it must survive restarts, so the
receiver's ``on_event`` callback (backed by the ledger) returns False for an id it has seen.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import BaseModel, Field
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

DEFAULT_TOLERANCE = 300
DEFAULT_READ_TIMEOUT = 10.0
"""Seconds a sender gets to deliver a whole body (a stalled one is answered 408)."""
MAX_STAMP_DIGITS = 12
"""Unix seconds have 10 digits until the year 2286; a longer stamp is malformed, not stale."""

log = logging.getLogger(__name__)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_stamp(text: str, what: str) -> int:
    """A timestamp header as int; WebhookError (400) unless it is a few ASCII digits.

    ASCII digits only: int() would also take " 17…", "1_7…" or full-width digits, which are
    different headers with the same value and so would verify against the original signature;
    and a bounded length, since a 400-digit stamp overflows float arithmetic.
    """
    if not (text.isascii() and text.isdigit() and len(text) <= MAX_STAMP_DIGITS):
        raise WebhookError(f"{what} is not an integer of unix seconds")
    return int(text)


class WebhookError(Exception):
    """A webhook request was rejected; ``status_code`` is what the receiver answers."""

    def __init__(self, message: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


class WebhookEvent(BaseModel):
    """A verified provider event (thin: fetch the job for its full state)."""

    id: str = Field(description="Event id from the body (evt_...), else the webhook-id header.")
    type: str = Field(description="Event type, e.g. video.completed or video.failed.")
    created_at: float = Field(description="Unix seconds the provider created the event.")
    data: dict[str, Any] = Field(default_factory=dict, description="The event's data object.")
    video_id: str | None = Field(default=None, description="Provider job id the event is about.")
    provider: str = Field(default="openai", description="Which provider sent it.")
    webhook_id: str | None = Field(
        default=None, description="The webhook-id header (stable across redeliveries)."
    )


def _signer(secret: str) -> Any:
    from standardwebhooks.webhooks import Webhook

    try:
        return Webhook(secret)
    except Exception as exc:  # the library raises binascii.Error, its own types, RuntimeError
        raise WebhookError(f"invalid webhook secret: {type(exc).__name__}", 500) from None


def _sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    stamp = datetime.fromtimestamp(timestamp, tz=UTC)
    signature: str = _signer(secret).sign(msg_id, stamp, body.decode("utf-8"))
    return signature


def sign_standard(secret: str, msg_id: str, timestamp: float, body: bytes) -> dict[str, str]:
    """Build the three Standard Webhooks headers for ``body`` (``whsec_`` secret)."""
    ts = int(timestamp)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": _sign(secret, msg_id, ts, body),
    }


def verify_standard(
    body: bytes,
    headers: Mapping[str, str],
    secret: str,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
    provider: str = "openai",
) -> WebhookEvent:
    """Verify a Standard-Webhooks request and parse it; raises WebhookError (400/401)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    msg_id = lowered.get("webhook-id")
    stamp = lowered.get("webhook-timestamp")
    signatures = lowered.get("webhook-signature")
    if not (msg_id and stamp and signatures):
        raise WebhookError("missing webhook-id, webhook-timestamp or webhook-signature header")
    ts = parse_stamp(stamp, "webhook-timestamp")
    current = time.time() if now is None else now
    if current - ts > tolerance:
        raise WebhookError("webhook timestamp is too old", 401)
    if ts - current > tolerance:
        raise WebhookError("webhook timestamp is too new", 401)
    try:
        expected = base64.b64decode(_sign(secret, msg_id, ts, body).split(",", 1)[1])
    except UnicodeError:  # a non-UTF-8 body, or an unencodable webhook-id
        raise WebhookError("webhook body or webhook-id is not valid UTF-8") from None
    matched = False
    for item in signatures.split():
        version, _, value = item.partition(",")
        if version != "v1" or not value:
            continue
        try:
            candidate = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            continue
        if base64.b64encode(candidate).decode("ascii") != value:
            continue  # non-canonical spelling (stray low bits): not what any signer sends
        matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise WebhookError("no matching webhook signature", 401)
    payload, data = parse_event_body(body)
    event_id = payload.get("id")
    created = payload.get("created_at")
    video_id = data.get("id")
    return WebhookEvent(
        id=event_id if isinstance(event_id, str) and event_id else msg_id,
        type=payload["type"],
        created_at=_finite(created, float(ts)),
        data=data,
        video_id=video_id if isinstance(video_id, str) else None,
        provider=provider,
        webhook_id=msg_id,
    )


def _finite(value: object, fallback: float) -> float:
    """``value`` as finite float seconds, else ``fallback`` (no OverflowError, NaN or inf)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:
            return fallback
        if math.isfinite(number):
            return number
    return fallback


def parse_event_body(body: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """Decode a verified body into ``(event, event["data"])``; WebhookError (400) otherwise.

    Shared by every signature scheme, so odd JSON is refused the same way whoever sent it.
    """
    try:
        payload = _scrub(json.loads(body))
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        raise WebhookError("webhook body is not valid JSON") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
        raise WebhookError("webhook body is not an event object with a type")
    data = payload.get("data")
    return payload, data if isinstance(data, dict) else {}


def _scrub(value: Any) -> Any:
    """Replace lone surrogates (valid JSON escapes, unencodable text) with U+FFFD."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_scrub(k): _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


class Verifier(Protocol):
    """A signature scheme: verify ``body`` and its headers, return the parsed event."""

    def __call__(
        self,
        body: bytes,
        headers: Mapping[str, str],
        secret: str,
        *,
        tolerance: int = ...,
        now: float | None = ...,
    ) -> WebhookEvent:
        """Raise `WebhookError` (with its HTTP status) for anything not genuine and fresh."""
        ...


async def _read_limited(request: Request, max_body: int, read_timeout: float) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (len(declared) > 18 or not declared.isdigit()):
        raise WebhookError("content-length is not a byte count")
    if declared is not None and int(declared) > max_body:
        raise WebhookError(f"webhook body exceeds {max_body} bytes", 413)
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(read_timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > max_body:
                    raise WebhookError(f"webhook body exceeds {max_body} bytes", 413)
                chunks.append(chunk)
    except TimeoutError:
        raise WebhookError(f"webhook body not received within {read_timeout:g} s", 408) from None
    return b"".join(chunks)


async def _receive(request: Request) -> JSONResponse:
    state = request.app.state
    try:
        body = await _read_limited(request, state.max_body, state.read_timeout)
        event = state.verify(
            body, request.headers, state.secret, tolerance=state.tolerance, now=state.clock()
        )
    except WebhookError as exc:
        return JSONResponse({"error": exc.message}, status_code=exc.status_code)
    except ClientDisconnect:
        client = request.client.host if request.client else "?"
        log.warning("webhook sender %s disconnected before its body was complete", client)
        return JSONResponse({"error": "disconnected"}, status_code=400)
    fresh = await state.on_event(event)
    return JSONResponse({"status": "ok" if fresh else "duplicate", "id": event.id})


def create_receiver_app(
    secret: str,
    on_event: Callable[[WebhookEvent], Awaitable[bool]],
    *,
    max_body: int = 65536,
    tolerance: int = DEFAULT_TOLERANCE,
    clock: Callable[[], float] = time.time,
    verify: Verifier | None = None,
    read_timeout: float = DEFAULT_READ_TIMEOUT,
) -> Starlette:
    """Build a Starlette app whose ``POST /`` verifies events and hands them to ``on_event``.

    ``verify`` is the provider's signature scheme (Standard Webhooks by default; OpenRouter
    passes its own), so every receiver shares the same size limit, refusals and de-duplication.

    Answers 413 (too large), 400 (malformed headers/JSON), 401 (bad signature, stale or
    future timestamp) without calling ``on_event``; 200 ``ok`` for a new event and 200
    ``duplicate`` when ``on_event`` returns False (already seen), so the sender stops retrying.
    A body not received within ``read_timeout`` seconds is answered 408; a sender that hangs up
    mid-body is logged in one line. An exception in ``on_event`` becomes a 500 and the sender
    retries later.
    """
    if verify is None:
        _signer(secret)  # fail at startup on a malformed secret, not at the first event
    app = Starlette(routes=[Route("/", _receive, methods=["POST"])])
    app.state.verify = verify or verify_standard
    app.state.secret = secret
    app.state.on_event = on_event
    app.state.max_body = max_body
    app.state.tolerance = tolerance
    app.state.clock = clock
    app.state.read_timeout = read_timeout
    return app
