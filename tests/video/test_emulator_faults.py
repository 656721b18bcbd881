"""Every injectable emulator fault produces its documented wire response, deterministically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from fakes import FakeClock
from pydantic import ValidationError

from lessonreel.video.emulator.app import create_app
from lessonreel.video.emulator.config import EmulatorConfig, load_config
from lessonreel.video.emulator.jobs import JobStore

T0 = 1_800_000_000.0


def emulator(clock: FakeClock, **config: Any) -> tuple[httpx.AsyncClient, JobStore]:
    cfg = EmulatorConfig.model_validate({"latency": 2.0, "lenient": True, **config})
    store = JobStore(cfg, clock=clock)
    transport = httpx.ASGITransport(app=create_app(store=store))
    return httpx.AsyncClient(transport=transport, base_url="http://emulator/v1"), store


def error_of(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()["error"]
    return body


async def create(api: httpx.AsyncClient, prompt: str = "a volcano erupts", **extra: Any) -> Any:
    return await api.post("/videos", json={"prompt": prompt, **extra})


async def test_moderation_at_submit_is_a_400_with_a_content_policy_code_and_no_job() -> None:
    clock = FakeClock()
    api, store = emulator(clock, moderation={"submit_terms": ["gore"]})
    async with api:
        blocked = await create(api, "close-up of GORE in battle")
        assert blocked.status_code == 400
        assert error_of(blocked) == {
            "message": "Your request was blocked by our moderation system.",
            "type": "invalid_request_error",
            "param": None,
            "code": "content_policy_violation",
        }
        assert (await create(api, "a gorge at sunset")).status_code == 200  # whole words only
        stats = store.stats()
    assert stats["creates"] == 1
    assert stats["faults"]["moderation_submit"] == 1


async def test_moderation_after_submit_fails_the_job_with_moderation_blocked() -> None:
    clock = FakeClock()
    api, _ = emulator(clock, moderation={"async_terms": ["celebrity"], "output_terms": ["logo"]})
    async with api:
        accepted = await create(api, "a celebrity explains tides")
        assert accepted.status_code == 200
        assert accepted.json()["status"] == "queued"
        filtered = (await create(api, "a brand logo spins")).json()
        clock.advance(2.0)
        video = (await api.get(f"/videos/{accepted.json()['id']}")).json()
        assert video["status"] == "failed"
        assert video["error"] == {
            "code": "moderation_blocked",
            "message": "Your request was blocked by our moderation system.",
        }
        assert video["expires_at"] is None
        output = (await api.get(f"/videos/{filtered['id']}")).json()
        assert (output["status"], output["error"]["code"]) == ("failed", "content_filter")
        content = await api.get(f"/videos/{accepted.json()['id']}/content")
        assert (content.status_code, error_of(content)["code"]) == (400, "video_failed")


async def test_rpm_limit_answers_429_with_retry_after_until_the_window_frees() -> None:
    clock = FakeClock()
    api, store = emulator(clock, rate_limit={"rpm": 2})
    async with api:
        first = (await create(api)).json()
        clock.advance(10.0)
        assert (await create(api)).status_code == 200
        for _ in range(3):  # polls are not creates: they do not count against the limit
            assert (await api.get(f"/videos/{first['id']}")).status_code == 200
        limited = await create(api)
        assert limited.status_code == 429
        assert error_of(limited)["message"].startswith("Rate limit reached for requests")
        assert (error_of(limited)["type"], error_of(limited)["code"]) == (
            "requests",
            "rate_limit_exceeded",
        )
        assert limited.headers["retry-after"] == "50"
        assert limited.headers["retry-after-ms"] == "50000"
        assert limited.headers["x-ratelimit-remaining-requests"] == "0"
        clock.advance(50.0)
        assert (await create(api)).status_code == 200
    assert store.stats()["creates"] == 3


async def test_first_requests_rate_limited_with_a_fixed_retry_after() -> None:
    api, _ = emulator(FakeClock(), rate_limit={"first": 2, "retry_after": 0.25})
    async with api:
        codes = [(await create(api)) for _ in range(3)]
    assert [r.status_code for r in codes] == [429, 429, 200]
    assert codes[0].headers["retry-after-ms"] == "250"
    assert codes[0].headers["retry-after"] == "1"


async def test_quota_exhaustion_is_429_insufficient_quota_without_retry_after() -> None:
    api, store = emulator(FakeClock(), quota={"max_creates": 2})
    async with api:
        assert [(await create(api)).status_code for _ in range(2)] == [200, 200]
        exhausted = await create(api)
    assert exhausted.status_code == 429
    error = error_of(exhausted)
    assert (error["type"], error["code"]) == ("insufficient_quota", "insufficient_quota")
    assert error["message"].startswith("You exceeded your current quota")
    assert "retry-after" not in exhausted.headers
    assert store.stats()["creates"] == 2


async def test_server_error_burst_hits_the_first_requests_of_any_kind() -> None:
    api, _ = emulator(FakeClock(), server_errors={"first": 2, "status": 503})
    async with api:
        listed = await api.get("/videos")
        created = await create(api)
        ok = await create(api)
    assert [listed.status_code, created.status_code, ok.status_code] == [503, 503, 200]
    assert error_of(created)["type"] == "server_error"
    assert "overloaded" in error_of(created)["message"]


async def outcomes(seed: int, n: int = 24) -> list[int]:
    api, _ = emulator(FakeClock(), seed=seed, server_errors={"rate": 0.5, "scope": "create"})
    async with api:
        return [(await create(api)).status_code for _ in range(n)]


async def test_server_error_rate_is_deterministic_by_seed() -> None:
    first, again, other = await outcomes(7), await outcomes(7), await outcomes(8)
    assert first == again
    assert first != other
    assert {500, 200} == set(first)


async def test_async_server_failure_ends_the_job_failed_internal_error() -> None:
    clock = FakeClock()
    api, _ = emulator(clock, failures={"first": 1})
    async with api:
        doomed = (await create(api)).json()
        fine = (await create(api)).json()
        clock.advance(1.0)
        midway = (await api.get(f"/videos/{doomed['id']}")).json()
        clock.advance(1.0)
        failed = (await api.get(f"/videos/{doomed['id']}")).json()
        completed = (await api.get(f"/videos/{fine['id']}")).json()
    assert midway["status"] == "in_progress"
    assert (failed["status"], failed["error"]["code"]) == ("failed", "internal_error")
    assert failed["completed_at"] == int(T0 + 2)
    assert completed["status"] == "completed"


@pytest.mark.parametrize("mode", ["silent", "content_length"])
async def test_truncated_download_sends_part_of_the_clip(mode: str) -> None:
    clock = FakeClock()
    api, store = emulator(
        clock, latency=0.0, downloads={"truncate_first": 1, "truncate_mode": mode}
    )
    async with api:
        video = (await create(api, size="160x90", seconds="1")).json()
        cut = await api.get(f"/videos/{video['id']}/content")
        whole = await api.get(f"/videos/{video['id']}/content")
    store.close()
    assert cut.status_code == 200
    assert whole.content.startswith(cut.content)
    assert len(cut.content) == len(whole.content) // 2
    declared = int(cut.headers["content-length"])
    assert declared == (len(whole.content) if mode == "content_length" else len(cut.content))


async def test_content_after_expiry_is_410_expired_while_the_job_stays_completed() -> None:
    clock = FakeClock()
    api, _ = emulator(clock, expires_after=60.0)
    async with api:
        video = (await create(api)).json()
        clock.advance(2.0 + 60.0)
        gone = await api.get(f"/videos/{video['id']}/content")
        job = (await api.get(f"/videos/{video['id']}")).json()
    assert gone.status_code == 410
    assert (error_of(gone)["type"], error_of(gone)["code"]) == ("invalid_request_error", "expired")
    assert job["status"] == "completed"
    assert job["expires_at"] == int(T0 + 62)


def test_config_loads_from_yaml_and_json_and_rejects_typos(tmp_path: Path) -> None:
    yaml_file = tmp_path / "faults.yaml"
    yaml_file.write_text(
        "seed: 3\nlatency: 0.5\nrate_limit:\n  rpm: 5\nmoderation:\n  async_terms: [gore]\n"
    )
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    cfg = load_config(
        yaml_file, latency=1.5, seed=None, webhook_url="http://127.0.0.1:9/", webhook_secret=secret
    )
    assert (cfg.seed, cfg.latency, cfg.rate_limit.rpm) == (3, 1.5, 5)
    assert cfg.moderation.async_terms == ["gore"]
    assert (cfg.webhooks.url, cfg.webhooks.secret) == ("http://127.0.0.1:9/", secret)

    json_file = tmp_path / "faults.json"
    json_file.write_text(json.dumps({"quota": {"max_creates": 4}}))
    assert load_config(json_file).quota.max_creates == 4

    typo = tmp_path / "typo.yaml"
    typo.write_text("rate_limits:\n  rpm: 5\n")
    with pytest.raises(ValidationError, match="rate_limits"):
        load_config(typo)


def test_webhook_url_without_a_secret_is_rejected() -> None:
    with pytest.raises(ValidationError, match=r"webhooks\.secret"):
        EmulatorConfig.model_validate({"webhooks": {"url": "http://127.0.0.1:9/"}})


def test_defaults_are_a_well_behaved_provider() -> None:
    cfg = EmulatorConfig()
    assert cfg.rate_limit.rpm is None
    assert cfg.quota.max_creates is None
    assert cfg.server_errors.first == 0
    assert cfg.server_errors.rate == 0.0
    assert cfg.failures.first == 0
    assert cfg.downloads.truncate_first == 0
    assert cfg.moderation.submit_terms == []
    assert cfg.webhooks.url is None
