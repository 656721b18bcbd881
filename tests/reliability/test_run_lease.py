"""One process advances a run at a time: concurrent resumes never pay twice.

A run paused at the storyboard review (``make --review`` with nothing to answer) is resumed by
two ``lessonreel resume`` processes started together, three times over. The one that gets the
run renders it; the other exits 1 naming who holds the run, having created nothing. Afterwards
the emulator saw exactly one create per shot and a last resume delivers the lesson.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from conftest import Lessonreel

pytestmark = pytest.mark.slow

SHOTS = 8


def _paused_run(lessonreel: Lessonreel, emulator: Any, out: Path) -> str:
    """Start a run that stops at the storyboard review (nobody answers); return its id."""
    args = lessonreel.driver.make_args(emulator.url, out, SHOTS, "--review")
    made = subprocess.run(
        lessonreel.driver.cli(*args),
        env=lessonreel.env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    run_id = lessonreel.driver.only_run_id(lessonreel.home)
    assert run_id, made.stderr[-3000:]
    assert not lessonreel.ledger("SELECT * FROM jobs"), "a paused run already dispatched"
    return str(run_id)


def _resume(lessonreel: Lessonreel, run_id: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        lessonreel.driver.cli("resume", run_id, "--approve"),
        env=lessonreel.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("attempt", [1, 2, 3])
def test_two_resumes_of_one_paused_run_at_once_create_each_shot_once(
    lessonreel: Lessonreel, attempt: int
) -> None:
    emulator = lessonreel.emulator({"latency": 1.0, "seed": attempt})
    run_id = _paused_run(lessonreel, emulator, lessonreel.tmp / "out")

    both = [_resume(lessonreel, run_id) for _ in range(2)]
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda p: p.communicate(timeout=240), both))
    codes = [p.returncode for p in both]

    errors = [err for _out, err in results]
    assert all("Traceback" not in err for err in errors), errors
    assert 0 in codes, errors
    # whoever lost the race says who holds the run (and since when), in one line; exit 2 is
    # the --out guard, which two processes starting in the same instant may reach first
    assert set(codes) <= {0, 1, 2}, errors
    for code, err in zip(codes, errors, strict=True):
        if code == 0:
            continue
        line = [ln for ln in err.splitlines() if ln.startswith("error:")]
        assert len(line) == 1, err
        assert f"pid {both[0].pid}" in line[0] or f"pid {both[1].pid}" in line[0]
        assert code == 2 or "since" in line[0]
    final = lessonreel.run("resume", run_id, "--json")
    assert final.returncode == 0, final.stderr[-3000:]
    report = json.loads((lessonreel.tmp / "out" / "report.json").read_text())
    assert report["status"] == "done"
    stats = lessonreel.driver.get_json(emulator.url + "/_emulator/stats")
    assert stats["creates"] == len(report["shots"]), (codes, errors)
    assert lessonreel.driver.invariant_problems(lessonreel.home, run_id, stats) == []


def test_a_lease_of_a_killed_holder_is_free_at_once_on_the_same_machine(
    lessonreel: Lessonreel,
) -> None:
    emulator = lessonreel.emulator({"latency": 30.0})
    run_id = _paused_run(lessonreel, emulator, lessonreel.tmp / "out")
    holder = _resume(lessonreel, run_id)
    deadline = time.monotonic() + 120
    while not lessonreel.ledger("SELECT * FROM jobs WHERE provider_job_id IS NOT NULL"):
        assert holder.poll() is None, holder.communicate()[1][-3000:]
        assert time.monotonic() < deadline, "the resume never submitted"
        time.sleep(0.1)
    held = lessonreel.run("resume", run_id)
    assert held.returncode == 1
    assert f"pid {holder.pid}" in held.stderr

    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(10)
    holder.communicate()

    # no flag, no wait: the holder's pid is gone, so the next resume takes the run over
    free = subprocess.run(
        lessonreel.driver.cli("resume", run_id),
        env={**lessonreel.env, "LESSONREEL_JOB_TIMEOUT": "0.5"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "held by" not in free.stderr
    assert "Traceback" not in free.stderr, free.stderr[-3000:]


def test_a_lease_held_elsewhere_is_honoured_until_its_heartbeat_lapses(tmp_path: Path) -> None:
    from lessonreel.store.lease import LeaseHeldError
    from lessonreel.store.ledger import Ledger

    with Ledger(tmp_path / "lessonreel.db") as ledger:
        other = ledger.leases.acquire("run-1", ttl=0.5, host="another-machine", pid=1)
        with pytest.raises(LeaseHeldError) as held:
            ledger.leases.acquire("run-1", ttl=30)
        assert "another-machine" in str(held.value)
        assert "since" in str(held.value)
        assert ledger.leases.heartbeat(other)  # a live holder keeps it...
        time.sleep(0.7)  # ...until its heartbeat lapses
        mine = ledger.leases.acquire("run-1", ttl=30)
        assert mine.host == socket.gethostname()
        assert not ledger.leases.heartbeat(other), "the lapsed holder still thinks it holds it"
        ledger.leases.release(mine)
        assert ledger.leases.holder("run-1") is None
