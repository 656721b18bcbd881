"""Benchmark the graph's overhead: a whole run vs a bare httpx loop doing the same requests.

A storyboard of N shots (200; ``--short`` 40) is rendered twice against the in-process emulator
(``local`` provider over ``httpx.ASGITransport``) with zero render latency:

* **lessonreel**: the whole graph through the runner (``run_graph``: SQLite checkpointer with
  ``durability="sync"``, ledger, ingest, the offline director, the review step — which is how
  the N-shot storyboard is handed in, as an edited storyboard — the ``Send`` fan-out of the
  per-shot subgraph, budget checks, stored clips with checksums, and the assembly: stitch,
  captions, storyboard documents, report). The safety screen is skipped (an allow-all stand-in
  in ``Services``), as the issue asks; the prompt refine step still runs.
* **baseline**: a bare ``httpx.AsyncClient`` on the same kind of emulator (same config, same
  refined prompts, same concurrency as the graph's ``max_concurrent_jobs``): create, get,
  download to a file. Same requests, same bytes, nothing else.

The graph runs unnarrated: narration synthesises speech and re-times the shots to it, so the
graph would order different clips than the baseline. The teaching layer (key terms, labels and,
on the ``local`` provider, the explainer picture, re-encoded over every delivered clip) is picture
work the baseline does not do either; it has its own figures in ``bench/render.py`` and
``bench/stitch.py``. It still runs here, and is timed on its own: ``overhead_ratio`` is the whole
run less that step over the baseline (the graph's own cost), ``whole_ratio`` the whole run with it.

Clips are 160x90 x 1 s real MP4s at 8 fps so rendering them, which both sides pay, does not hide
the overhead. Peak memory is the process's peak RSS (``getrusage``), read after each side (the
baseline runs first, so the second figure is the graph's peak or the baseline's if larger).

The two sides run as a pair, baseline then graph, ``--rounds`` times (3) in one process, each
pair in a fresh home, with the text memos cleared, so no pair starts warmer than the first. On
a shared machine one pair's ratio moves by about ±0.07 with the load; the figure is the median
pair's, and the range of all pairs is printed beside it.

    python bench/overhead.py            # 200 shots, 3 pairs
    python bench/overhead.py --short    # 40 shots

The last line is ``overhead_ratio=… min_ratio=… max_ratio=… peak_mb=… baseline_s=… graph_s=…
whole_ratio=…`` (goal: ``overhead_ratio`` <= 1.5).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    EXAMPLE_LESSON,
    TINY_SIZE,
    AllowAllScreen,
    bench_home,
    kv_line,
    machine,
    peak_rss_mb,
    register_tiny_local,
    shot_tasks,
    synthetic_storyboard,
)


def emulator_config(seed: int) -> Any:
    """Zero latency, tiny clips, no faults; both sides use the same one."""
    from lessonreel.video.emulator.config import EmulatorConfig

    return EmulatorConfig(seed=seed, latency=0.0, lenient=True, fps=8)


async def run_baseline(prompts: list[str], *, concurrency: int, seed: int) -> tuple[float, int]:
    """Create, get and download every clip with a bare httpx client; (seconds, bytes)."""
    import httpx

    from lessonreel.video.emulator.app import create_app

    app = create_app(emulator_config(seed))
    gate = asyncio.Semaphore(concurrency)
    total = 0
    with tempfile.TemporaryDirectory(prefix="lessonreel-baseline-") as tmp:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://emulator/v1/"
        ) as client:

            async def one(i: int, prompt: str) -> int:
                async with gate:
                    body = {"prompt": prompt, "model": "sora-2", "size": TINY_SIZE, "seconds": "1"}
                    created = (await client.post("videos", json=body)).raise_for_status().json()
                    job = (await client.get(f"videos/{created['id']}")).raise_for_status().json()
                    assert job["status"] == "completed", job
                    dest = Path(tmp) / f"shot-{i:03d}.mp4"
                    size = 0
                    async with client.stream("GET", f"videos/{job['id']}/content") as response:
                        response.raise_for_status()
                        with dest.open("wb") as out:
                            async for chunk in response.aiter_bytes(1 << 16):
                                out.write(chunk)
                                size += len(chunk)
                    return size

            started = time.perf_counter()
            sizes = await asyncio.gather(*(one(i, p) for i, p in enumerate(prompts)))
            elapsed = time.perf_counter() - started
            total = sum(sizes)
        await app.state.store.aclose()
    return elapsed, total


GRAPH_MODULES = (
    "lessonreel.graph.builder",
    "lessonreel.graph.checkpointer",
    "lessonreel.graph.report",
    "lessonreel.graph.storyboard_doc",
    "lessonreel.graph.teaching",
    "lessonreel.agents.director",
    "lessonreel.agents.ingest",
    "lessonreel.agents.screen_passages",
    "lessonreel.agents.screen_storyboard",
    "lessonreel.agents.quiz",
    "lessonreel.video.captions",
    "lessonreel.video.overlay.compose",
    "lessonreel.video.soundtrack",
    "lessonreel.video.stitch",
    "lessonreel.video.tracks",
)
"""Modules the run imports on first use; imported before the clock starts, as the baseline's
httpx and emulator are (an import is paid once per process, not per run; this machine runs
Python with ``PYTHONDONTWRITEBYTECODE`` set, so each one is compiled afresh)."""


async def run_lessonreel(storyboard: Any, *, seed: int, run_id: str) -> dict[str, Any]:
    """The whole graph through the runner; returns timings and what it delivered."""
    import importlib

    for name in GRAPH_MODULES:
        importlib.import_module(name)
    from lessonreel.agents import text

    text.lemma.cache_clear()  # every round starts as cold as the first: no memo carried over
    text.term_key.cache_clear()
    from lessonreel.graph.context import Context
    from lessonreel.graph.runner import run_graph
    from lessonreel.graph.services import attach_services, build_services
    from lessonreel.video.providers.factory import make_provider

    ctx = Context(
        provider="local", video_model="sora-2", size=TINY_SIZE, review=True, narration=False
    )
    from lessonreel.video.pricing import PriceTable

    prices = PriceTable.load(ctx.prices)
    provider = make_provider("local", emulator_config=emulator_config(seed), prices=prices)
    svc = await asyncio.to_thread(
        build_services, ctx, provider=provider, loaded_screen=AllowAllScreen(), prices=prices
    )
    attach_services(ctx, svc)
    marks: dict[str, float] = {"teaching": 0.0}
    from lessonreel.graph import teaching

    compose_pictures = teaching.compose_pictures

    def timed_compose(*args: Any, **kwargs: Any) -> Any:
        """The teaching-layer step, timed (assembly looks it up when it runs)."""
        t0 = time.perf_counter()
        try:
            return compose_pictures(*args, **kwargs)
        finally:
            marks["teaching"] += time.perf_counter() - t0

    teaching.compose_pictures = timed_compose

    def on_event(event: dict[str, Any]) -> None:
        now = time.perf_counter()
        if event.get("event") == "shot":
            marks.setdefault("first_shot", now)
            if event.get("stage") == "delivered":
                marks["last_delivered"] = now
        elif event.get("event") == "assemble":
            marks["assemble"] = now

    def on_review(_request: dict[str, Any]) -> dict[str, Any]:
        marks["review"] = time.perf_counter()
        return {"storyboard": storyboard.model_dump(mode="json")}

    started = time.perf_counter()
    try:
        outcome = await run_graph(
            {"lesson_path": str(EXAMPLE_LESSON)},
            run_id=run_id,
            context=ctx,
            on_event=on_event,
            on_review=on_review,
        )
    finally:
        teaching.compose_pictures = compose_pictures
    elapsed = time.perf_counter() - started
    report = outcome.values.get("report") or {}
    totals = report.get("totals", {}) if isinstance(report, dict) else {}
    return {
        "elapsed": elapsed,
        "to_review": marks.get("review", started) - started,
        "shots": marks.get("last_delivered", started) - marks.get("review", started),
        "assemble": started + elapsed - marks.get("assemble", started + elapsed),
        "teaching": marks["teaching"],
        "delivered": totals.get("delivered"),
        "status": report.get("status") if isinstance(report, dict) else None,
        "concurrency": ctx.max_concurrent_jobs,
    }


async def run_round(args: argparse.Namespace, round_no: int) -> dict[str, Any]:
    """One pair: the baseline first, then the graph, in the same process and temp home."""
    from lessonreel.agents.safety import refine

    storyboard = synthetic_storyboard(args.shots)
    tasks = shot_tasks("baseline", storyboard, model="sora-2", size=TINY_SIZE)
    prompts = [refine(t["prompt"]).text for t in tasks]
    rss_start = peak_rss_mb()
    from lessonreel.graph.context import Context

    concurrency = Context().max_concurrent_jobs
    baseline_s, nbytes = await run_baseline(prompts, concurrency=concurrency, seed=args.seed)
    rss_baseline = peak_rss_mb()
    ours = await run_lessonreel(storyboard, seed=args.seed, run_id=f"bench-overhead-{round_no}")
    return {
        **ours,
        "baseline_s": baseline_s,
        "bytes": nbytes,
        "rss_start": rss_start,
        "rss_baseline": rss_baseline,
        "rss_peak": peak_rss_mb(),
    }


def main() -> None:
    """Parse arguments, run the pairs, print the figures and the key=value line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--short", action="store_true", help="40 shots")
    parser.add_argument("--shots", type=int, default=None, help="shots (default 200)")
    parser.add_argument("--rounds", type=int, default=3, help="baseline/graph pairs (default 3)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    args.shots = args.shots or (40 if args.short else 200)
    print(f"machine: {machine()}")
    print(
        f"setup: {args.shots} shots of {TINY_SIZE} x 1 s, in-process emulator with zero latency, "
        f"screen skipped (allow-all stand-in), {args.rounds} baseline/graph pairs"
    )
    register_tiny_local()
    rounds: list[dict[str, Any]] = []
    for n in range(args.rounds):
        gc.collect()  # no round pays for the garbage of the one before
        with bench_home():  # each pair in a fresh home: no round reads a larger ledger
            r = asyncio.run(run_round(args, n))
            r["ratio"] = (r["elapsed"] - r["teaching"]) / r["baseline_s"]
            rounds.append(r)
            print(
                f"\npair {n + 1}: baseline (bare httpx: create, get, download; "
                f"{r['concurrency']} at a time) {r['baseline_s']:.2f} s, "
                f"{r['bytes'] / 1e6:.1f} MB downloaded; lessonreel whole graph "
                f"{r['elapsed']:.2f} s, status {r['status']}, "
                f"delivered {r['delivered']}/{args.shots}"
            )
            print(
                f"  of which: ingest + director + review {r['to_review']:.2f} s, "
                f"shots (screen stand-in, dispatch, await, fetch) {r['shots']:.2f} s, "
                f"assembly (teaching layer, stitch {args.shots} clips, captions, report) "
                f"{r['assemble']:.2f} s, of which the teaching layer {r['teaching']:.2f} s; "
                f"overhead ratio {r['ratio']:.3f}x"
            )
    r = sorted(rounds, key=lambda x: x["ratio"])[len(rounds) // 2]  # the median pair
    ratio = r["ratio"]
    whole_ratio = r["elapsed"] / r["baseline_s"]
    shots_ratio = r["shots"] / r["baseline_s"]
    ratios = [x["ratio"] for x in rounds]
    print(
        f"\noverhead ratio (whole run less the teaching layer), median of {len(rounds)} pairs: "
        f"{ratio:.3f}x (goal <= 1.5x; range {min(ratios):.3f}-{max(ratios):.3f}); whole run "
        f"{whole_ratio:.2f}x; shots phase alone {shots_ratio:.2f}x the baseline"
    )
    print(
        f"peak RSS: {r['rss_start']:.0f} MB after imports, {r['rss_baseline']:.0f} MB after the "
        f"baseline, {max(x['rss_peak'] for x in rounds):.0f} MB after the graph"
    )
    print(
        kv_line(
            {
                "overhead_ratio": round(ratio, 3),
                "min_ratio": round(min(ratios), 3),
                "max_ratio": round(max(ratios), 3),
                "peak_mb": round(max(x["rss_peak"] for x in rounds), 1),
                "baseline_s": round(r["baseline_s"], 2),
                "graph_s": round(r["elapsed"], 2),
                "shots_phase_ratio": round(shots_ratio, 3),
                "assemble_s": round(r["assemble"], 2),
                "teaching_s": round(r["teaching"], 2),
                "whole_ratio": round(whole_ratio, 3),
                "shots": args.shots,
                "delivered": r["delivered"],
                "rounds": len(rounds),
            }
        )
    )


if __name__ == "__main__":
    main()
