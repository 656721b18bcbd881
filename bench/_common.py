"""Shared helpers for the dispatch, overhead and cost benchmarks (not part of the package).

Everything here drives the project's real code: the per-shot subgraph (``screen → dispatch →
await → fetch`` with its routers and ``back_off``), the ledger, the ``local`` provider and the
emulator. The only stand-ins are stated where they are used: a screen that allows everything
(the issue asks for the screen to be skipped in throughput figures) and tiny clip sizes
registered in the price table so rendering real MP4s does not dominate the figures.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
EVAL_DIR = REPO / ".." / "shared" / "eval"
EXAMPLE_LESSON = REPO / "examples" / "lessons" / "photosynthesis.md"
TINY_SIZE = "160x90"
"""Smallest clip the benchmarks render: real H.264/AAC MP4s, ~0.05 s each to render."""


def machine() -> str:
    """One line naming the machine the figures come from."""
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = os.getloadavg()[0]
    return (
        f"{os.cpu_count()} cores, {mem_gib:.0f} GiB, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}, load average {load:.1f} at start"
    )


def kv_line(figures: dict[str, Any]) -> str:
    """The single ``key=value`` line every benchmark ends with."""

    def fmt(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:.4g}"
        return str(value)

    return " ".join(f"{k}={fmt(v)}" for k, v in figures.items())


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


@contextlib.contextmanager
def bench_home() -> Iterator[Path]:
    """A throwaway ``LESSONREEL_HOME`` (ledger, checkpoints, clips) for one benchmark."""
    previous = os.environ.get("LESSONREEL_HOME")
    with tempfile.TemporaryDirectory(prefix="lessonreel-bench-") as tmp:
        os.environ["LESSONREEL_HOME"] = tmp
        try:
            yield Path(tmp)
        finally:
            if previous is None:
                os.environ.pop("LESSONREEL_HOME", None)
            else:
                os.environ["LESSONREEL_HOME"] = previous


def register_tiny_local(size: str = TINY_SIZE, seconds: Sequence[int] = (1,)) -> None:
    """Let the ``local`` provider accept ``size`` and ``seconds`` (price $0, like every local clip).

    Writes a price file and points ``LESSONREEL_PRICES`` at it, the way a user adds models; the
    emulator server is run with ``lenient: true`` to match.
    """
    import tempfile
    from dataclasses import replace

    from lessonreel.video.pricing import PriceTable, write_price_file

    specs = [
        replace(
            spec,
            seconds=tuple(sorted({*spec.seconds, *seconds})),
            price_per_second={**spec.price_per_second, size: 0.0},
        )
        for spec in PriceTable.default().specs("local")
    ]
    folder = Path(tempfile.mkdtemp(prefix="lessonreel-bench-prices-"))
    os.environ["LESSONREEL_PRICES"] = str(write_price_file(folder / "prices.json", specs))


def synthetic_storyboard(shots: int, *, duration: int = 1, tag: str = "") -> Any:
    """A storyboard of ``shots`` distinct shots, cycled from the offline director's storyboard.

    Every prompt differs (the subject names its take), so the emulator's creates-per-prompt
    count tells a duplicate submit from a legitimate retry.
    """
    from lessonreel.agents.director import direct_offline
    from lessonreel.agents.ingest import load_lesson
    from lessonreel.agents.schemas import Storyboard

    lesson = load_lesson(EXAMPLE_LESSON)
    base = direct_offline(lesson, legal_seconds=(4, 8, 12), target_seconds=60)
    out = []
    for i in range(shots):
        src = base.shots[i % len(base.shots)]
        out.append(
            src.model_copy(
                update={
                    "index": i,
                    "start": float(i * duration),
                    "end": float((i + 1) * duration),
                    "duration": duration,
                    "subject": f"{src.subject} (take {tag}{i})",
                    "beats": src.beats[:1],
                }
            )
        )
    data = base.model_dump()
    data["shots"] = [s.model_dump() for s in out]
    data["target_seconds"] = shots * duration
    return Storyboard.model_validate(data)


class AllowAllScreen:
    """Stand-in for the safety screen: allows every prompt (throughput figures skip the screen)."""

    def _verdict(self) -> Any:
        from lessonreel.agents.schemas import Verdict

        return Verdict(allowed=True, reasons=["screen skipped in benchmark"])

    def screen(self, text: str, *, framing: bool = False) -> Any:
        """Allow ``text`` (``framing`` as the real screen takes it, ignored)."""
        return self._verdict()

    async def ascreen(self, text: str) -> Any:
        """Allow ``text``."""
        return self._verdict()


def shot_tasks(run_id: str, storyboard: Any, *, model: str, size: str) -> list[Any]:
    """The ``Send`` payloads the main graph would fan out, one per shot."""
    from lessonreel.agents.shot_prompt import render_shot_prompt
    from lessonreel.graph.state import ShotTask

    return [
        ShotTask(
            run_id=run_id,
            shot=shot,
            prompt=render_shot_prompt(storyboard, shot, size=size),
            model=model,
            size=size,
            generation=0,
        )
        for shot in storyboard.shots
    ]


async def render_shots(ctx: Any, tasks: Sequence[Any], *, concurrency: int) -> list[Any]:
    """Run the real per-shot subgraph for every task, ``concurrency`` shots in flight.

    This is exactly what the main graph's ``Send`` fan-out runs per shot (bounded there by
    ``max_concurrency``), without the checkpointer, the director and the assembly.
    Returns each branch's output (or the exception it raised).
    """
    from lessonreel.graph.builder import build_shot_graph

    graph = build_shot_graph()
    gate = asyncio.Semaphore(concurrency)

    async def one(task: Any) -> Any:
        async with gate:
            return await graph.ainvoke(task, context=ctx, config={"recursion_limit": 400})

    results: list[Any] = await asyncio.gather(*(one(t) for t in tasks), return_exceptions=True)
    return results


def classify(tasks: Sequence[Any], outputs: Sequence[Any]) -> tuple[int, int, int, Counter[str]]:
    """Count shots (delivered, given up with a reason, lost) from the subgraph outputs.

    Delivered counts only when the clip is on disk with the checksum the report states; a shot
    that raised, has no result, or ended without a reason is lost.
    """
    from lessonreel.store.assets import sha256_file

    delivered = given_up = lost = 0
    reasons: Counter[str] = Counter()
    for task, out in zip(tasks, outputs, strict=True):
        index = task["shot"].index
        result = None if isinstance(out, BaseException) else out["shot_results"].get(index)
        if result is None:
            lost += 1
            reasons[repr(out)[:80] if isinstance(out, BaseException) else "no result"] += 1
        elif result.outcome == "delivered":
            clip = Path(result.clip_path) if result.clip_path else None
            if clip is not None and clip.exists() and sha256_file(clip) == result.sha256:
                delivered += 1
            else:
                lost += 1
                reasons["delivered without a good clip"] += 1
        elif result.reason:
            given_up += 1
            reasons[f"given up: {result.reason[:60]}"] += 1
        else:
            lost += 1
            reasons[f"{result.outcome} without a reason"] += 1
    return delivered, given_up, lost, reasons


def free_port() -> int:
    """A free loopback TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def emulator_process(config: dict[str, Any], *, name: str = "emulator") -> Iterator[str]:
    """Serve the emulator (``serve``, uvicorn on loopback) in a child process; yield its URL.

    A child process rather than ``running_emulator``'s thread: the emulator renders real MP4s,
    and in the benchmark's own process that work would compete with the dispatcher for the GIL
    and distort the figures being measured.
    """
    port = free_port()
    with tempfile.TemporaryDirectory(prefix=f"lessonreel-{name}-") as tmp:
        path = Path(tmp) / "emulator.json"
        path.write_text(json.dumps(config), encoding="utf-8")
        code = (
            "import sys; from pathlib import Path;"
            "from lessonreel.video.emulator.config import load_config;"
            "from lessonreel.video.emulator.server import serve;"
            "serve(load_config(Path(sys.argv[1])), port=int(sys.argv[2]), profiles=['openai'])"
        )
        proc = subprocess.Popen([sys.executable, "-c", code, str(path), str(port)])
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60.0
            while True:
                try:
                    httpx.get(f"{url}/_emulator/stats", timeout=1.0)
                    break
                except httpx.HTTPError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"{name} did not start on {url}") from None
                    time.sleep(0.1)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def emulator_stats(url: str) -> dict[str, Any]:
    """``GET /_emulator/stats`` of a running emulator."""
    data: dict[str, Any] = httpx.get(f"{url}/_emulator/stats", timeout=30.0).json()
    return data
