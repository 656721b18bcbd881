"""`lessonreel webhooks` verifies each provider's own signature scheme and files events once."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx

from lessonreel.app.webhook_sink import receiver_app
from lessonreel.store.ledger import Ledger
from lessonreel.video.webhooks import sign_standard
from lessonreel.video.webhooks_openrouter import sign_openrouter

WHSEC = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
RAW = "openrouter-workspace-secret-0123456789"


async def _post(app: object, body: bytes, headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://receiver") as client:
        return await client.post("/", content=body, headers=headers)


async def test_openrouter_callbacks_are_verified_in_openrouter_scheme(tmp_path: Path) -> None:
    body = json.dumps(
        {"type": "video.completed", "data": {"id": "gen-1", "status": "completed"}}
    ).encode()
    with Ledger(tmp_path / "l.db") as ledger:
        app = receiver_app(RAW, ledger, provider="openrouter")
        signed = sign_openrouter(RAW, body, timestamp=time.time(), idempotency_key="k1")
        assert (await _post(app, body, signed)).json()["status"] == "ok"
        assert (await _post(app, body, signed)).json()["status"] == "duplicate"
        forged = {**signed, "X-OpenRouter-Signature": signed["X-OpenRouter-Signature"][:-2]}
        assert (await _post(app, body, forged)).status_code == 401
        events = ledger.events_for_job("openrouter", "gen-1")
    assert len(events) == 1


async def test_other_providers_use_standard_webhooks(tmp_path: Path) -> None:
    body = json.dumps(
        {
            "id": "evt_1",
            "object": "event",
            "created_at": int(time.time()),
            "type": "video.completed",
            "data": {"id": "video_1"},
        }
    ).encode()
    with Ledger(tmp_path / "l.db") as ledger:
        app = receiver_app(WHSEC, ledger)
        headers = sign_standard(WHSEC, "msg_1", int(time.time()), body)
        assert (await _post(app, body, headers)).json()["status"] == "ok"
        # an OpenRouter-style signature is not accepted by a Standard-Webhooks receiver
        other = sign_openrouter(WHSEC, body, timestamp=time.time())
        assert (await _post(app, body, other)).status_code in (400, 401)
        assert len(ledger.events_for_job("openai", "video_1")) == 1
