"""A run killed with SIGKILL while its jobs render is resumed to completion, paying once per shot.

The emulator runs as its own server process (it outlives the killed run, as a real provider
would); ``lessonreel make`` and ``lessonreel resume`` run as real processes against it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

BIN = Path(sys.executable).parent / "lessonreel"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait(predicate: Any, *, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def emulator_server(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    log = (tmp_path / "emulator.log").open("w")
    proc = subprocess.Popen(
        [str(BIN), "emulator", "--port", str(port), "--latency", "4"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{base}/_emulator/stats", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        _wait(up, timeout=30, what="the emulator server")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def _stats(base: str) -> dict[str, Any]:
    data: dict[str, Any] = httpx.get(f"{base}/_emulator/stats", timeout=5).json()
    return data


def test_sigkilled_run_resumes_and_creates_exactly_one_job_per_shot(
    emulator_server: str, lesson_file: Path, tmp_path: Path
) -> None:
    env = {**os.environ, "COLUMNS": "200"}
    base_url = f"{emulator_server}/v1"
    make = subprocess.Popen(
        [str(BIN), "make", str(lesson_file), "--base-url", base_url, "--seconds", "12"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "make.log").open("w"),
    )
    try:
        _wait(lambda: _stats(emulator_server)["creates"] >= 2, timeout=120, what="jobs in flight")
    finally:
        make.send_signal(signal.SIGKILL)
        make.wait(timeout=10)
    assert make.returncode == -signal.SIGKILL
    in_flight = _stats(emulator_server)["creates"]

    from lessonreel.store.ledger import Ledger

    with Ledger.open() as ledger:
        (run,) = ledger.list_runs()
    run_id = run["run_id"]
    done = subprocess.run(
        [str(BIN), "resume", run_id, "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)

    shots = report["shots"]
    stats = _stats(emulator_server)
    assert in_flight >= 2
    assert stats["creates"] == len(shots)  # the killed run's jobs were collected, not redone
    assert all(count == 1 for count in stats["creates_by_prompt_hash"].values())
    assert all(s["outcome"] == "delivered" for s in shots)
    assert len({s["job_id"] for s in shots}) == len(shots)
    for shot in shots:
        assert Path(shot["clip_path"]).exists()
    assert Path(report["video_path"]).exists()
