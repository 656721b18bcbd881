"""A full disk stops a run with one line, leaves no partial files, and resume finishes it.

The run folders of a home sit on a small tmpfs (a real filesystem that really fills up: the
test needs root to mount it). ``lessonreel make`` with the in-process local provider stores a
few clips, then the disk is full: it exits 1 with one line naming the path and the space to
free, and no ``.part`` file is left. Once there is room again, ``resume`` finishes the lesson
without rendering again any shot whose clip was already stored.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import Lessonreel

pytestmark = pytest.mark.slow

SHOTS = 4


@pytest.fixture
def small_runs(home: Path) -> Iterator[Path]:
    """``<home>/runs`` on a tmpfs that holds about two clips."""
    runs = home / "runs"
    runs.mkdir(exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(runs)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace')}")
    try:
        yield runs
    finally:
        subprocess.run(["umount", "-l", str(runs)], check=False)


def _args(lessonreel: Lessonreel, out: Path, *extra: str) -> list[str]:
    args = lessonreel.driver.make_args("http://unused", out, SHOTS, *extra)
    at = args.index("--base-url")
    del args[at : at + 2]  # the in-process local provider: it forgets its jobs between runs
    config = lessonreel.tmp / "emulator.json"  # lenient sizes: the small test clips are legal
    config.write_text(json.dumps({"lenient": True, "latency": 0}), encoding="utf-8")
    return [*args, "--emulator-config", str(config)]


def test_a_full_disk_is_one_line_and_resume_renders_no_stored_shot_again(
    lessonreel: Lessonreel, small_runs: Path
) -> None:
    out = lessonreel.tmp / "out"
    env = {**lessonreel.env, "LESSONREEL_MAX_CONCURRENT_JOBS": "1"}

    full = lessonreel.run(*_args(lessonreel, out), env=env)

    assert full.returncode == 1, full.stderr[-3000:]
    assert "Traceback" not in full.stderr, full.stderr[-3000:]
    errors = [line for line in full.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, full.stderr[-3000:]
    assert "no space left" in errors[0]
    assert str(small_runs) in errors[0]
    assert "MB" in errors[0]
    assert list(small_runs.rglob("*.part")) == []
    run_id = lessonreel.driver.only_run_id(lessonreel.home)
    assert run_id
    stored = lessonreel.ledger(
        "SELECT shot_index, idempotency_key, clip_path FROM jobs"
        " WHERE run_id = ? AND sha256 IS NOT NULL",
        (run_id,),
    )
    sizes = {str(p): p.stat().st_size for p in small_runs.rglob("*") if p.is_file()}
    assert stored, f"nothing stored before the disk filled up: {sizes} {errors}"
    before = {row["shot_index"]: Path(row["clip_path"]).stat().st_mtime_ns for row in stored}

    subprocess.run(["mount", "-o", "remount,size=64m", str(small_runs)], check=True)
    resumed = lessonreel.run("resume", run_id, env=env)

    assert resumed.returncode == 0, resumed.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    assert report["status"] == "done"
    assert report["totals"]["delivered"] == report["totals"]["shots"]
    for row in stored:
        jobs = lessonreel.ledger(
            "SELECT idempotency_key FROM jobs WHERE run_id = ? AND shot_index = ?",
            (run_id, row["shot_index"]),
        )
        assert [j["idempotency_key"] for j in jobs] == [row["idempotency_key"]]
        assert Path(row["clip_path"]).stat().st_mtime_ns == before[row["shot_index"]]
    assert list(small_runs.rglob("*.part")) == []


def _file_size_cap(limit: int) -> Callable[[], None]:
    def cap() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return cap


def test_a_file_size_cap_stops_the_run_in_one_line_and_resume_finishes_it(
    lessonreel: Lessonreel,
) -> None:
    # The fallback without root: RLIMIT_FSIZE makes writes past the cap fail (EFBIG; Python
    # ignores SIGXFSZ) wherever they happen: a clip, the ledger or the checkpoints.
    out = lessonreel.tmp / "out"
    env = {**lessonreel.env, "LESSONREEL_MAX_CONCURRENT_JOBS": "1"}
    capped = subprocess.run(
        lessonreel.driver.cli(*_args(lessonreel, out)),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        preexec_fn=_file_size_cap(300_000),
    )

    assert capped.returncode == 1, capped.stderr[-3000:]
    assert "Traceback" not in capped.stderr, capped.stderr[-3000:]
    errors = [line for line in capped.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, capped.stderr[-3000:]
    assert str(lessonreel.tmp) in errors[0]  # the clip, database or video that hit the cap
    assert list(lessonreel.home.rglob("*.part")) == []
    run_id = lessonreel.driver.only_run_id(lessonreel.home)
    assert run_id

    resumed = lessonreel.run("resume", run_id, env=env)

    assert resumed.returncode == 0, resumed.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    assert report["totals"]["delivered"] == report["totals"]["shots"]
