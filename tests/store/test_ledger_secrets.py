"""The ledger never stores secrets: refused in what we write, redacted in what we receive."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lessonreel.store.ledger import Ledger
from lessonreel.store.ledger_guard import find_secret, redact_secrets


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger(tmp_path / "lessonreel.db") as led:
        yield led


def reserve(led: Ledger, key: str) -> None:
    led.reserve_job(
        key,
        run_id="run-1",
        shot_index=0,
        provider="openai",
        model="sora-2",
        size="1280x720",
        seconds=4,
        prompt="p",
        estimate_usd=0.4,
    )


# -- secrets --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {"note": "sk-proj-abcdefghijklmnopqrstuvwxyz0123"},
        {"headers": {"Authorization": "Bearer abc"}},
        {"api_key": "anything"},
        {"secrets": ["whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]},  # fake
        {"google": "AIza" + "SyA-1234567890abcdefghijklmnopqrstu"},  # fake
        {"url": "https://x?auth=Bearer eyJhbGciOi.eyJzdWIiOiIx.SflKxwRJSMeKKF2QT4"},
    ],
)
def test_secrets_are_refused_in_options(ledger: Ledger, options: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="refusing to store"):
        ledger.create_run(
            "r1", lesson_id="l", title="t", provider="openai", model="m", options=options
        )
    assert ledger.get_run("r1") is None


def test_environment_key_values_are_refused_anywhere(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "0123456789abcdef0123456789abcdef")
    ledger.create_run("r1", lesson_id="l", title="t", provider="azure", model="m", options={})
    with pytest.raises(ValueError, match="environment variable"):
        ledger.update_run("r1", error="auth failed for 0123456789abcdef0123456789abcdef")
    with pytest.raises(ValueError, match="refusing"):
        ledger.upsert_shot("r1", 0, note="key=0123456789abcdef0123456789abcdef")


def test_secrets_in_incoming_data_are_redacted(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "fake-openai-key-for-test-123")
    payload = {
        "data": {"id": "video_1", "echo": "key fake-openai-key-for-test-123 rejected"},
        "webhook_secret": "whatever",
    }
    assert ledger.record_event(
        provider="openai", event_id="e1", type="t", provider_job_id="video_1", payload=payload
    )
    reserve(ledger, "k1")
    fake_key = "sk-" + "abcdefghij0123456789xyz"
    ledger.update_job("k1", status="failed", error_message=f"Incorrect API key {fake_key}")
    dump = "\n".join(ledger.db.iterdump())
    assert "fake-openai-key-for-test-123" not in dump
    assert fake_key not in dump
    assert "whatever" not in dump
    assert ledger.events_for_job("openai", "video_1")[0]["payload"]["data"]["id"] == "video_1"


def test_ordinary_lesson_words_are_not_mistaken_for_keys(ledger: Ledger) -> None:
    options = {
        "title": "risk-free sketch-based lesson on task-switching",
        "max_tokens": 800,
        "style": "Bearer of good news",
        "token_budget": "sk-1",
    }
    assert (
        ledger.create_run(
            "r1", lesson_id="l", title="t", provider="openai", model="m", options=options
        )["options"]
        == options
    )


def test_guard_reports_without_echoing_the_secret() -> None:
    secret = "sk-proj-abcdefghijklmnopqrstuvwxyz0123"
    found = find_secret({"nested": [{"x": secret}]})
    assert found is not None
    assert secret not in found
    assert redact_secrets({"nested": [secret, 3]}) == {"nested": ["[REDACTED]", 3]}
