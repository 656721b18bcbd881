"""Fault matrix: `lessonreel make` against a served emulator misbehaving by seed.

Each case injects one family of provider faults and checks the error taxonomy's action (retry
within the cap, sanitize or give up, stop the run and keep what is done) plus the invariants
every run must keep (``invariant_problems`` in bench/crash.py): every shot in report.json, no
idempotency key used twice, every job the provider created held by exactly one ledger row, every
delivered clip on disk with the ledger's checksum, spend equal to the charges of completed jobs.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import Lessonreel, RunOutcome
from lossy_proxy import Loss, LossyProxy

pytestmark = pytest.mark.slow

SHOTS = 3
CLIP_USD = 0.40  # 4 s at the $0.10/s the driver prices 320x180 clips at
FAST = {"latency": 0.3, "seed": 11}
FAST_POLLING = {"LESSONREEL_POLL_INTERVAL": "0.1", "LESSONREEL_MAX_POLL_INTERVAL": "0.5"}


def _make(lessonreel: Lessonreel, config: dict[str, Any], shots: int = SHOTS) -> RunOutcome:
    emulator = lessonreel.emulator({**FAST, **config})
    return lessonreel.make(emulator, shots, env={**lessonreel.env, **FAST_POLLING})


def _assert_invariants(run: RunOutcome, shots: int) -> None:
    assert run.report is not None, run.stderr[-3000:]
    assert run.problems == [], run.problems
    assert len(run.report["shots"]) == shots
    assert run.report["totals"]["spent_usd"] == pytest.approx(
        CLIP_USD * sum(1 for j in run.stats["jobs"] if j["status"] == "completed"), abs=1e-6
    )


def _decoded_seconds(driver: Any, path: str) -> float:
    seconds: float = driver.decode_video(Path(path))[0]
    return seconds


TRANSIENT = {
    "429 storm with retry-after, then a 5xx burst at create": (
        {
            "rate_limit": {"first": 5, "retry_after": 0.3},
            "server_errors": {"first": 3, "scope": "create"},
        },
        {"rate_limited": 5, "server_error": 3},
    ),
    "failed jobs, downloads cut mid-body, seeded 503s on any request": (
        {
            "failures": {"first": 2},
            "downloads": {"truncate_first": 2, "truncate_mode": "content_length"},
            "server_errors": {"rate": 0.25, "status": 503},
        },
        {"job_failure": 2, "truncated_download": 2, "server_error": 1},
    ),
}


@pytest.mark.parametrize(("faults", "fired"), TRANSIENT.values(), ids=list(TRANSIENT))
def test_transient_faults_are_retried_within_the_cap_and_every_shot_is_delivered(
    lessonreel: Lessonreel, faults: dict[str, Any], fired: dict[str, int]
) -> None:
    run = _make(lessonreel, faults)

    assert run.returncode == 0, run.stderr[-3000:]
    assert run.report is not None
    assert run.report["status"] == "done"
    assert len(run.shots("delivered")) == run.total
    for fault, least in fired.items():
        assert run.stats["faults"].get(fault, 0) >= least, run.stats["faults"]
    _assert_invariants(run, run.total)
    # a failed job is re-rendered, a refused or cut request is not: at most the failed jobs extra
    failed_jobs = run.stats["faults"].get("job_failure", 0)
    assert run.stats["creates"] == run.total + failed_jobs
    assert all(s["attempts"] <= 1 + 3 for s in run.report["shots"])  # max_retries = 3


def test_report_attempts_count_the_jobs_the_provider_created(lessonreel: Lessonreel) -> None:
    run = _make(lessonreel, {"server_errors": {"first": 3, "scope": "create"}})

    assert run.report is not None, run.stderr[-3000:]
    assert run.report["status"] == "done"
    assert run.stats["creates"] == run.total
    assert run.report["totals"]["attempts"] == run.stats["creates"]


def test_silently_truncated_download_is_detected_and_fetched_again(
    lessonreel: Lessonreel, driver: Any
) -> None:
    run = _make(lessonreel, {"downloads": {"truncate_first": 1, "truncate_mode": "silent"}})

    assert run.stats["faults"].get("truncated_download") == 1
    _assert_invariants(run, run.total)
    for shot in run.shots("delivered"):
        assert _decoded_seconds(driver, shot["clip_path"]) == pytest.approx(4.0, abs=0.3)
    assert run.report is not None
    assert _decoded_seconds(driver, run.report["video_path"]) == pytest.approx(
        run.report["totals"]["seconds"], abs=0.5
    )


def test_moderation_at_submit_and_as_failed_job_gives_the_shot_up_without_blind_retries(
    lessonreel: Lessonreel, driver: Any
) -> None:
    # shot 1 is the "wide establishing shot", shot 3 the "macro shot" (offline director grammar;
    # the plant look says "macro nature shots" in every prompt, so the term is the framing)
    moderation = {"submit_terms": ["establishing"], "async_terms": ["macro shot"]}
    run = _make(lessonreel, {"moderation": moderation}, shots=5)

    assert run.returncode == 0, run.stderr[-3000:]
    assert run.report is not None
    assert run.report["status"] == "partial"
    given_up = {s["index"]: s for s in run.shots("given_up")}
    assert sorted(given_up) == [0, 2]
    assert all("provider rejected" in s["reason"] for s in given_up.values())
    assert sorted(s["index"] for s in run.shots("delivered")) == [1, *range(3, run.total)]
    # refused at the door: no job (attempts count created jobs); failed by moderation: the
    # offline sanitizer simplifies the prompt once (the flagged framing survives it), so two
    # jobs with two different prompts — never the same prompt resubmitted
    assert given_up[0]["attempts"] == 0
    assert given_up[2]["attempts"] == 2
    assert len(given_up[2]["rewrites"]) >= 1
    assert run.stats["creates"] == run.total
    assert all(n == 1 for n in run.stats["creates_by_prompt_hash"].values())
    _assert_invariants(run, run.total)
    # slates keep the lesson's timing
    assert _decoded_seconds(driver, run.report["video_path"]) == pytest.approx(
        4 * run.total, abs=0.5
    )


def test_quota_exhausted_mid_run_stops_with_exit_3_and_keeps_what_is_done(
    lessonreel: Lessonreel, driver: Any
) -> None:
    run = _make(lessonreel, {"quota": {"max_creates": 2}}, shots=5)

    assert run.returncode == 3, run.stderr[-3000:]
    assert run.report is not None
    assert run.report["status"] == "stopped"
    assert len(run.shots("delivered")) == 2
    stopped = run.shots("stopped")
    assert len(stopped) == run.total - 2
    assert all("quota" in s["reason"] for s in stopped)
    assert run.stats["creates"] == 2
    assert run.report["totals"]["spent_usd"] == pytest.approx(2 * CLIP_USD)
    _assert_invariants(run, run.total)
    assert _decoded_seconds(driver, run.report["video_path"]) == pytest.approx(
        4 * run.total, abs=0.5
    )


def test_links_that_expire_before_the_fetch_are_rendered_again_a_bounded_number_of_times(
    lessonreel: Lessonreel,
) -> None:
    run = _make(lessonreel, {"expires_after": 0.01}, shots=1)

    assert run.report is not None, run.stderr[-3000:]
    assert run.returncode == 1  # nothing could be delivered
    assert run.report["status"] == "failed"
    (shot,) = run.shots("given_up")
    assert "expired" in shot["reason"]
    assert shot["attempts"] == 1 + 3  # max_retries = 3, then the shot is given up
    # each re-render is a new job, held by its own ledger row (no key reused, no orphan)
    assert run.stats["creates"] == shot["attempts"]
    assert run.problems == []


def test_completed_jobs_whose_links_expired_are_still_counted_as_spend(
    lessonreel: Lessonreel,
) -> None:
    run = _make(lessonreel, {"expires_after": 0.01}, shots=1)

    assert run.report is not None, run.stderr[-3000:]
    completed = sum(1 for j in run.stats["jobs"] if j["status"] == "completed")
    assert completed == 4
    assert run.report["totals"]["spent_usd"] == pytest.approx(completed * CLIP_USD)


def test_webhooks_duplicated_late_and_dropped_are_recorded_once_and_polling_covers_the_rest(
    lessonreel: Lessonreel,
) -> None:
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    env = {**lessonreel.env, "LESSONREEL_WEBHOOK_SECRET": secret}
    receiver = lessonreel.server(["webhooks", "--provider", "local"], env=env)
    hooks = {"url": receiver.url + "/", "secret": secret, "duplicate": 2, "delay": 0.4}
    emulator = lessonreel.emulator({**FAST, "webhooks": {**hooks, "drop_first": 1}})

    run = lessonreel.make(emulator, SHOTS, env={**lessonreel.env, **FAST_POLLING})

    assert run.returncode == 0, run.stderr[-3000:]
    assert run.report is not None
    assert run.report["status"] == "done"
    _assert_invariants(run, run.total)
    events = lessonreel.ledger("SELECT event_id, provider_job_id, type FROM events")
    ids = [e["event_id"] for e in events]
    assert len(ids) == len(set(ids)), "a duplicated delivery was recorded twice"
    job_ids = {s["job_id"] for s in run.report["shots"]}
    assert {e["provider_job_id"] for e in events} <= job_ids
    assert 1 <= len(events) <= run.total - 1  # the first event was dropped; polling delivered it
    assert all(e["type"] == "video.completed" for e in events)


# -- lost answers: a loopback proxy cuts the connection after the emulator did the work ---------


@contextmanager
def _proxy(upstream: str, rule: Any) -> Iterator[LossyProxy]:
    """Run a LossyProxy (asyncio) on its own loop in a thread, for a child process to use."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    proxy = LossyProxy(upstream, rule)
    asyncio.run_coroutine_threadsafe(proxy.__aenter__(), loop).result(10)
    try:
        yield proxy
    finally:
        asyncio.run_coroutine_threadsafe(proxy.__aexit__(None, None, None), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def _reset_first_poll_and_download(method: str, path: str, ordinal: int) -> Loss:
    """Cut the first answer to every job's status poll and content download."""
    job_path = method == "GET" and path.startswith("/v1/videos/")
    return "reset" if job_path and ordinal == 0 else None


def _reset_first_create(method: str, path: str, ordinal: int) -> Loss:
    return "reset" if (method, path, ordinal) == ("POST", "/v1/videos", 0) else None


def _make_through(lessonreel: Lessonreel, rule: Any) -> tuple[RunOutcome, LossyProxy]:
    emulator = lessonreel.emulator(FAST)
    out = lessonreel.tmp / "out"
    env = {**lessonreel.env, **FAST_POLLING}
    with _proxy(emulator.url, rule) as proxy:
        proc = lessonreel.run(*lessonreel.driver.make_args(proxy.url, out, SHOTS), env=env)
    return lessonreel.outcome(proc, emulator, out), proxy


def test_connection_resets_on_polls_and_downloads_are_retried_without_new_jobs(
    lessonreel: Lessonreel,
) -> None:
    run, proxy = _make_through(lessonreel, _reset_first_poll_and_download)

    assert run.returncode == 0, run.stderr[-3000:]
    assert run.report is not None
    assert run.report["status"] == "done"
    assert sum(e.loss == "reset" for e in proxy.exchanges) >= 2 * run.total
    assert run.stats["creates"] == run.total
    _assert_invariants(run, run.total)


def test_a_create_whose_answer_was_cut_off_is_found_again_not_paid_twice(
    lessonreel: Lessonreel,
) -> None:
    run, proxy = _make_through(lessonreel, _reset_first_create)

    assert [e.upstream_status for e in proxy.exchanges if e.loss] == [200]  # created, unheard
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.report is not None
    assert run.report["status"] == "done"
    assert run.stats["creates"] == run.total, "the lost create was submitted again"
    _assert_invariants(run, run.total)
