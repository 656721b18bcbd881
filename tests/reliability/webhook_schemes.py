"""The two webhook schemes lessonreel receives, behind one shape, for the hardening tests.

Standard Webhooks (Sora shape: ``webhook-id``/``-timestamp``/``-signature``, ``whsec_`` secret)
and OpenRouter (``X-OpenRouter-Signature: t=…,v1=<hex>``, raw secret, unsigned idempotency key).
Each scheme knows how to sign, verify, build its receiver app and re-stamp a header set.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette

from lessonreel.video.webhooks import (
    WebhookEvent,
    create_receiver_app,
    sign_standard,
    verify_standard,
)
from lessonreel.video.webhooks_openrouter import (
    SIGNATURE_HEADER,
    create_openrouter_receiver_app,
    sign_openrouter,
    verify_openrouter,
)

NOW = 1_800_000_000
STANDARD_SECRET = "whsec_" + base64.b64encode(b"lessonreel-reliability-secret-32").decode()
OTHER_STANDARD_SECRET = "whsec_" + base64.b64encode(b"an-attacker-guessed-this-secret!").decode()
OPENROUTER_SECRET = "or-reliability-secret (raw utf-8, not base64)"

OnEvent = Callable[[WebhookEvent], Awaitable[bool]]


def standard_raw_sign(secret: str, msg_id: str, ts: str, body: bytes) -> str:
    """``v1,<b64>`` over raw bytes (the library's signer refuses non-UTF-8 bodies)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


@dataclass(frozen=True)
class Scheme:
    """One webhook scheme: sign, verify, receiver app, and the header that carries the stamp."""

    name: str
    secret: str
    other_secret: str

    def event(self, event_id: str = "evt_1", job_id: str = "video_1", **extra: Any) -> bytes:
        """A typical terminal-state event body for this scheme."""
        if self.name == "openrouter":
            payload: dict[str, Any] = {
                "type": "video.generation.completed",
                "created_at": "2027-01-15T08:00:00Z",
                "data": {"id": job_id, "status": "completed"},
            }
        else:
            payload = {
                "id": event_id,
                "object": "event",
                "created_at": NOW - 5,
                "type": "video.completed",
                "data": {"id": job_id},
            }
        payload.update(extra)
        return json.dumps(payload).encode()

    def sign(
        self, body: bytes, *, ts: float = NOW, msg_id: str = "msg_1", secret: str | None = None
    ) -> dict[str, str]:
        """Headers a genuine sender attaches to ``body``."""
        key = secret or self.secret
        if self.name == "openrouter":
            return sign_openrouter(key, body, timestamp=ts, idempotency_key=msg_id)
        return sign_standard(key, msg_id, ts, body)

    def sign_raw(self, body: bytes, *, ts: int = NOW, msg_id: str = "msg_1") -> dict[str, str]:
        """Like :meth:`sign`, for bodies that are not UTF-8."""
        if self.name == "openrouter":
            return sign_openrouter(self.secret, body, timestamp=ts, idempotency_key=msg_id)
        sig = standard_raw_sign(self.secret, msg_id, str(ts), body)
        return {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": sig}

    def verify(self, body: bytes, headers: Mapping[str, str], *, now: float = NOW) -> WebhookEvent:
        """Verify and parse with this scheme's verifier."""
        if self.name == "openrouter":
            return verify_openrouter(body, headers, self.secret, now=now)
        return verify_standard(body, headers, self.secret, now=now)

    def app(self, on_event: OnEvent, *, clock: Callable[[], float], max_body: int) -> Starlette:
        """The scheme's receiver app."""
        if self.name == "openrouter":
            return create_openrouter_receiver_app(
                self.secret, on_event, clock=clock, max_body=max_body
            )
        return create_receiver_app(self.secret, on_event, clock=clock, max_body=max_body)

    def stamp(self, headers: Mapping[str, str]) -> str:
        """The timestamp as sent."""
        if self.name == "openrouter":
            match = re.match(r"t=([^,]*)", headers[SIGNATURE_HEADER])
            assert match is not None
            return match.group(1)
        return headers["webhook-timestamp"]

    def restamp(self, headers: Mapping[str, str], value: str) -> dict[str, str]:
        """The same headers with the timestamp spelled ``value`` (signature untouched)."""
        out = dict(headers)
        if self.name == "openrouter":
            out[SIGNATURE_HEADER] = re.sub(
                r"t=[^,]*", lambda _: f"t={value}", out[SIGNATURE_HEADER]
            )
        else:
            out["webhook-timestamp"] = value
        return out

    def signature_header(self) -> str:
        """Name of the header that carries the signature."""
        return SIGNATURE_HEADER if self.name == "openrouter" else "webhook-signature"


STANDARD = Scheme("standard", STANDARD_SECRET, OTHER_STANDARD_SECRET)
OPENROUTER = Scheme("openrouter", OPENROUTER_SECRET, "not-the-openrouter-secret")
SCHEMES = [STANDARD, OPENROUTER]
