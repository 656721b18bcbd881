"""Crash driver: SIGKILL `lessonreel make` at seeded moments, resume, check nothing is lost.

A 30-shot lesson runs against the emulator served as a real process; the driver kills the run
with SIGKILL at 20 seeded moments (while submitting, while waiting for jobs, mid-download and
during assembly — found by watching the ledger and the run directory), resumes it each time with
``lessonreel resume RUN`` and finally checks: exactly one create per shot on the emulator, every
clip on disk with the checksum the ledger recorded, and a lesson video as long as the
storyboard that PyAV decodes to the end. It prints its figures and ends with one key=value line.

The process helpers (emulator process, CLI command, ledger checks) live in ``_crashkit.py``
and are shared with ``tests/reliability`` through this module. ``python bench/crash.py --cli
ARGS`` is the ``lessonreel`` command with tiny 320x180, 4 s clips priced like sora-2 (so runs
are fast and spend is not zero).
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _crashkit import (
    LESSON,
    PHASES,
    SUBMIT_WINDOW,
    _small_cli,
    cli,
    decode_video,
    emulator,
    free_port,
    get_json,
    invariant_problems,
    ledger_path,
    make_args,
    only_run_id,
    read_db,
    run_env,
    seed_blocklist,
    start_server,
)

__all__ = [
    "LESSON",
    "cli",
    "crash_run",
    "decode_video",
    "emulator",
    "free_port",
    "get_json",
    "invariant_problems",
    "ledger_path",
    "make_args",
    "only_run_id",
    "read_db",
    "run_env",
    "start_server",
]


# -- the crash loop ------------------------------------------------------------------------------


@dataclass
class CrashFigures:
    """What one crash run measured."""

    shots: int = 0
    kills: int = 0
    kills_by_phase: Counter[str] = field(default_factory=Counter)
    missed: int = 0
    resumes: int = 0
    creates: int = 0
    create_attempts: int = 0
    duplicates: int = 0
    lost: int = 0
    final_status: str = ""
    final_exit: int | None = None
    duration: float = 0.0
    storyboard_seconds: float = 0.0
    frames: int = 0
    wall: float = 0.0
    problems: list[str] = field(default_factory=list)


def observe(home: Path, run_id: str | None, shots: int, since: float) -> set[str]:
    """The phases a ``shots``-shot run shows activity in since ``since`` (epoch seconds)."""
    phases: set[str] = set()
    if run_id is None:
        return phases
    db = ledger_path(home)
    jobs = read_db(
        db,
        "SELECT provider_job_id, status, sha256, created_at FROM jobs"
        " WHERE run_id = ? AND updated_at >= ?",
        (run_id, since),
    )
    now = time.time()
    for j in jobs:
        fresh = j["created_at"] >= since and now - j["created_at"] < SUBMIT_WINDOW
        if (j["provider_job_id"] is None and j["status"] == "reserved") or fresh:
            phases.add("submit")
        elif j["status"] == "succeeded" and not j["sha256"]:
            phases.add("download")
        elif j["status"] in ("submitted", "queued", "running", "in_progress"):
            phases.add("wait")
    shots_dir = home / "runs" / run_id / "shots"
    if _fresh_files(shots_dir, since, hidden=True):
        phases.add("download")
    rows = read_db(db, "SELECT status FROM shots WHERE run_id = ?", (run_id,))
    if len(rows) >= shots and all(
        r["status"] in ("delivered", "given_up", "stopped") for r in rows
    ):
        out = read_db(db, "SELECT options FROM runs WHERE run_id = ?", (run_id,))
        out_dir = json.loads(out[0]["options"] or "{}").get("output_dir") if out else None
        recent = read_db(
            db, "SELECT 1 FROM shots WHERE run_id = ? AND updated_at >= ?", (run_id, since)
        )
        if recent or (out_dir and _fresh_files(Path(out_dir), since, hidden=False)):
            phases.add("assemble")
    return phases


def _fresh_files(folder: Path, since: float, *, hidden: bool) -> bool:
    """True when ``folder`` holds a file changed since ``since`` (only temp files if hidden)."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return False
    for entry in entries:
        if hidden and not entry.name.startswith("."):
            continue
        try:
            if entry.stat().st_mtime >= since:
                return True
        except OSError:
            continue
    return False


def schedule(rng: random.Random, kills: int) -> list[str]:
    """Seeded kill targets: assembly kills last (assembly happens once, at the end)."""
    early = rng.choices(("submit", "wait", "download", "any"), weights=(3, 3, 3, 1), k=kills)
    n_assemble = max(1, kills // 10) if kills >= 3 else 0
    targets = early[: kills - n_assemble]
    return targets + ["assemble"] * n_assemble


def _kill_when(
    proc: subprocess.Popen[bytes],
    target: str,
    *,
    rng: random.Random,
    home: Path,
    shots: int,
    run_id: str | None,
) -> str | None:
    """Poll until ``target`` shows activity (plus a seeded delay) and SIGKILL; the phase hit."""
    delay = rng.uniform(0.0, 0.6) if target in ("wait", "any") else rng.uniform(0.0, 0.05)
    patience = rng.uniform(2.0, 8.0)
    fallback: float | None = None
    since = time.time()
    seen_at: float | None = None
    while proc.poll() is None:
        run_id = run_id or only_run_id(home)
        phases = observe(home, run_id, shots, since)
        now = time.monotonic()
        if fallback is None and phases:
            fallback = now + patience  # the target may never come in this life: kill anyway
        if seen_at is None and (target in phases or (target == "any" and phases)):
            seen_at = now
        if (seen_at is not None and now - seen_at >= delay) or (
            target != "assemble" and fallback is not None and now > fallback and phases
        ):
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            hit = observe(home, run_id, shots, since) or {"start"}
            return target if target in hit else sorted(hit, key=_PHASE_ORDER.index)[0]
        time.sleep(0.005)
    return None


_PHASE_ORDER = [*PHASES, "start"]


def crash_run(
    workdir: Path,
    *,
    shots: int = 30,
    kills: int = 20,
    seed: int = 7,
    latency: float = 1.0,
    concurrency: int = 4,
    log: Any = print,
) -> CrashFigures:
    """Run a ``shots``-shot lesson with ``kills`` SIGKILLs and resumes; measure and check it."""
    started = time.monotonic()
    rng = random.Random(seed)
    home = workdir / "home"
    out = workdir / "out"
    env = run_env(home, {"LESSONREEL_MAX_CONCURRENT_JOBS": str(concurrency)})
    if not (home / "blocklist").exists():
        seed_blocklist(home, env)
    figures = CrashFigures(shots=shots)
    config = {"seed": seed, "latency": latency, "latency_jitter": 0.5, "queued_share": 0.2}
    with emulator(workdir, config, env) as emu:
        targets = schedule(rng, kills)
        run_id: str | None = None
        exit_code: int | None = None
        life = 0
        while True:
            if run_id is None:
                args = make_args(emu.url, out, shots)
            else:
                args = ["resume", run_id]
                figures.resumes += 1
            stderr = (workdir / f"life-{life:02d}.log").open("wb")
            life_started = time.monotonic()
            proc = subprocess.Popen(cli(*args), env=env, stdout=stderr, stderr=stderr)
            stderr.close()
            target = targets[life] if life < len(targets) else None
            hit = None
            if target is not None:
                hit = _kill_when(proc, target, rng=rng, home=home, shots=shots, run_id=run_id)
            exit_code = proc.wait()
            run_id = run_id or only_run_id(home)
            life += 1
            if hit is not None:
                figures.kills += 1
                figures.kills_by_phase[hit] += 1
                took = time.monotonic() - life_started
                log(f"  kill {figures.kills:2d}: target {target:<8} hit {hit:<8} after {took:.1f}s")
                continue
            if target is not None:
                figures.missed += 1
            if run_id is None:
                raise RuntimeError(f"no run was created; see {workdir}/life-*.log")
            report = Path(out / "report.json")
            if exit_code in (0, 3) and report.exists():
                break
            if life > kills + 5:
                raise RuntimeError(f"run {run_id} does not finish; see {workdir}/life-*.log")
        figures.final_exit = exit_code
        stats = get_json(emu.url + "/_emulator/stats")
    assert run_id is not None
    _check(figures, home, run_id, out, stats)
    figures.wall = time.monotonic() - started
    return figures


def _check(
    figures: CrashFigures, home: Path, run_id: str, out: Path, stats: Mapping[str, Any]
) -> None:
    report = json.loads((out / "report.json").read_text())
    board = json.loads((out / "storyboard.json").read_text())
    figures.final_status = report["status"]
    figures.creates = int(stats["creates"])
    figures.create_attempts = int(stats["create_attempts"])
    figures.duplicates = sum(n - 1 for n in stats["creates_by_prompt_hash"].values() if n > 1)
    figures.duplicates += max(0, figures.creates - len(board["shots"]))
    figures.problems = invariant_problems(home, run_id, stats)
    figures.lost = sum(1 for s in report["shots"] if s["outcome"] != "delivered")
    figures.lost += sum("clip" in p and "missing" in p for p in figures.problems)
    figures.storyboard_seconds = float(sum(s["duration"] for s in board["shots"]))
    if len(board["shots"]) != figures.shots:
        figures.problems.append(f"storyboard has {len(board['shots'])} shots, not {figures.shots}")
    figures.duration, figures.frames = decode_video(out / "lesson.mp4")
    if abs(figures.duration - figures.storyboard_seconds) > 0.5:
        figures.problems.append(
            f"lesson.mp4 lasts {figures.duration:.2f}s, storyboard {figures.storyboard_seconds}s"
        )


def main() -> int:
    """Run the full crash test and print its figures."""
    if len(sys.argv) > 1 and sys.argv[1] == "--cli":
        _small_cli(sys.argv[2:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=30)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--keep", action="store_true", help="Keep the work directory.")
    opts = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="lessonreel-crash-"))
    print(f"crash: {opts.shots} shots, {opts.kills} SIGKILLs, seed {opts.seed}, in {workdir}")
    fig = crash_run(
        workdir, shots=opts.shots, kills=opts.kills, seed=opts.seed, latency=opts.latency
    )
    phases = " ".join(f"{p}={fig.kills_by_phase.get(p, 0)}" for p in (*PHASES, "start"))
    print(f"kills by phase: {phases} (missed: {fig.missed})")
    print(f"resumes: {fig.resumes}  final status: {fig.final_status} (exit {fig.final_exit})")
    print(f"emulator creates: {fig.creates} for {fig.shots} shots")
    print(f"(create attempts {fig.create_attempts}); duplicates: {fig.duplicates}")
    print(f"lost clips: {fig.lost}")
    print(f"lesson.mp4: {fig.duration:.2f}s decoded ({fig.frames} frames)")
    print(f"storyboard: {fig.storyboard_seconds:.0f}s")
    print(f"wall time: {fig.wall:.1f}s")
    for problem in fig.problems:
        print(f"PROBLEM: {problem}")
    if not opts.keep:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"shots={fig.shots} kills={fig.kills} resumes={fig.resumes} creates={fig.creates} "
        f"duplicates={fig.duplicates} lost={fig.lost} problems={len(fig.problems)} "
        f"video_seconds={fig.duration:.2f} wall_s={fig.wall:.1f}"
    )
    return 0 if not fig.problems and fig.duplicates == 0 and fig.lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
