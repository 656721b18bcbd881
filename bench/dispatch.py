"""Benchmark the dispatcher: sustained submit rate against an RPM ceiling, with faults, vs naive.

N shots (500; ``--short`` 60) go through lessonreel's real per-shot path — the compiled
``render_shot`` subgraph (dispatch_shot → await_clip → fetch_clip, back_off and the routers)
with the ledger's reserve / set-id protocol and the ``local`` provider (OpenAIVideoProvider:
its create-RPM limiter, concurrency gate, 429 pauses and retry policy) — against the emulator
served on loopback by uvicorn in a child process, with:

* an RPM ceiling on creates (``rate_limit.rpm``, 120/min by default) that the client is told
  about (``create_rpm``), as a user would configure it;
* realistic render latency (90 s by default, ±30 % seeded jitter);
* transient faults: ``server_errors.rate`` on every request (creates, polls, downloads) and
  ``failures.rate`` on accepted jobs (they end ``failed``/internal_error), 2 % each.

Time is scaled: every duration (latency, poll intervals, backoff, timeouts) is divided by
``--scale`` (5) and every rate multiplied by it, so 120 RPM and 90 s renders run as 600 creates
per real minute and 18 s renders. Utilization is a ratio of rates, so the scale cancels; what
must be preserved is the ratio latency / (60 / RPM), i.e. the jobs in flight (here ~180).
The emulator's own 429 window stays 60 real seconds (it cannot be scaled), so it admits bursts
up to 600 creates per real minute; the client limiter spaces creates evenly either way.

The baseline, measured in the same run against a second emulator with the same config, is the
seed guide's loop with the OpenAI SDK (its default 2 retries): create, poll every 10 s (scaled),
download, one shot after another. A sequential loop cannot come near the ceiling, so it runs
only ``--naive-shots`` shots (its rate is per shot and does not improve with more).

Figures: sustained submit rate as a share of the ceiling over the backlog window (first create
to the last shot's first create; goal >= 95 %), 429s, retries, lost shots (neither delivered
with a matching checksum nor given up with a reason; goal 0), duplicates (creates for a prompt
beyond the ledger rows that claimed a job for it) and orphans (provider jobs no ledger row
knows). Clips are 160x90 x 1 s real MP4s (rendering cost is not what is measured).

    python bench/dispatch.py            # 500 shots, ~1.5 min
    python bench/dispatch.py --short    # 60 shots, ~40 s

The last line is ``rpm_utilization=… lost=… naive_rpm_utilization=… …``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import logging
import math
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    TINY_SIZE,
    AllowAllScreen,
    bench_home,
    classify,
    emulator_process,
    emulator_stats,
    kv_line,
    machine,
    register_tiny_local,
    render_shots,
    shot_tasks,
    synthetic_storyboard,
)


class RetryCounter(logging.Handler):
    """Counts the provider's transient retries (RetryPolicy logs one warning per retry)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0
        self.kinds: collections.Counter[str] = collections.Counter()

    def emit(self, record: logging.LogRecord) -> None:
        """Count one retry warning, by the call it retried."""
        if "retry" in record.getMessage():
            self.count += 1
            what = str(record.args[0]) if isinstance(record.args, tuple) and record.args else "?"
            self.kinds[what.split()[-1]] += 1


def emulator_config(args: argparse.Namespace) -> dict[str, Any]:
    """The emulator config both servers run with (real seconds)."""
    return {
        "seed": args.seed,
        "latency": args.latency / args.scale,
        "latency_jitter": 0.3,
        "lenient": True,
        "fps": 8,
        "rate_limit": {"rpm": int(args.rpm * args.scale), "scope": "create"},
        "server_errors": {"rate": args.fault_rate, "scope": "all"},
        "failures": {"rate": args.fault_rate},
    }


async def run_dispatcher(url: str, args: argparse.Namespace, home: Path) -> dict[str, Any]:
    """Push the shots through the real per-shot subgraph; return figures."""
    from lessonreel.graph.context import Context
    from lessonreel.graph.services import attach_services, build_services
    from lessonreel.video.providers.factory import make_provider
    from lessonreel.video.providers.retry import RetryPolicy

    scale = args.scale
    real_rpm = args.rpm * scale
    in_flight = max(16, math.ceil(args.rpm / 60.0 * args.latency * 1.5))
    ctx = Context(
        provider="local",
        base_url=f"{url}/v1",
        video_model="sora-2",
        size=TINY_SIZE,
        poll_interval=1.0 / scale,
        max_poll_interval=15.0 / scale,
        job_timeout=1800.0 / scale,
        max_concurrent_jobs=in_flight,
        max_retries=3,
    )
    from lessonreel.video.pricing import PriceTable

    prices = PriceTable.load(ctx.prices)
    provider = make_provider(
        "local",
        prices=prices,
        base_url=f"{url}/v1",
        create_rpm=real_rpm,
        max_concurrency=args.http_concurrency,
        retry_policy=RetryPolicy(max_retries=4, initial=0.5 / scale, max_backoff=8.0 / scale),
    )
    svc = await asyncio.to_thread(
        build_services, ctx, provider=provider, loaded_screen=AllowAllScreen(), prices=prices
    )
    attach_services(ctx, svc)
    run_id = "bench-dispatch"
    await asyncio.to_thread(
        svc.ledger.create_run,
        run_id,
        lesson_id="bench",
        title="dispatch benchmark",
        provider="local",
        model="sora-2",
        options=ctx.options(),
    )
    storyboard = await asyncio.to_thread(synthetic_storyboard, args.shots)
    tasks = shot_tasks(run_id, storyboard, model="sora-2", size=TINY_SIZE)
    counter = RetryCounter()
    retry_log = logging.getLogger("lessonreel.video.providers.retry")
    retry_log.addHandler(counter)
    retry_log.setLevel(logging.WARNING)
    retry_log.propagate = False
    started = time.monotonic()
    try:
        outputs = await render_shots(ctx, tasks, concurrency=in_flight)
    finally:
        retry_log.removeHandler(counter)
    wall = time.monotonic() - started
    rows = await asyncio.to_thread(svc.ledger.jobs, run_id)
    await svc.aclose()

    delivered, given_up, lost, reasons = await asyncio.to_thread(classify, tasks, outputs)

    stats = emulator_stats(url)
    jobs = stats["jobs"]
    ledger_ids = {r["provider_job_id"] for r in rows if r.get("provider_job_id")}
    orphans = sum(1 for j in jobs if j["id"] not in ledger_ids)
    claimed = collections.Counter(
        _sha(r["prompt"]) for r in rows if r.get("provider_job_id") and r.get("prompt")
    )
    duplicates = sum(
        max(0, n - claimed.get(h, 0)) for h, n in stats["creates_by_prompt_hash"].items()
    )
    # Backlog window: from the first create until every shot has had its first create.
    first_by_prompt: dict[str, float] = {}
    for j in jobs:
        h = j["prompt_sha256"]
        first_by_prompt[h] = min(first_by_prompt.get(h, math.inf), j["created_at"])
    t0 = min(j["created_at"] for j in jobs)
    t1 = max(first_by_prompt.values())
    in_window = sum(1 for j in jobs if j["created_at"] <= t1)
    rate = (in_window - 1) / max(t1 - t0, 1e-9) * 60.0
    # Create requests refused with a 5xx (no job; the ledger row keeps the error) used the
    # allowance too: count them for the request-level figure.
    refused = sum(
        1
        for r in rows
        if not r.get("provider_job_id") and r.get("error_kind") and r["created_at"] <= t1
    )
    request_rate = (in_window + refused - 1) / max(t1 - t0, 1e-9) * 60.0
    fifths = [0] * 5
    for j in jobs:
        if j["created_at"] <= t1:
            fifths[min(4, int((j["created_at"] - t0) / max(t1 - t0, 1e-9) * 5))] += 1
    by_fifth = [n / (max(t1 - t0, 1e-9) / 5) * 60.0 / real_rpm for n in fifths]
    faults = stats.get("faults", {})
    return {
        "shots": args.shots,
        "in_flight": in_flight,
        "wall_s": wall,
        "window_s": t1 - t0,
        "creates": stats["creates"],
        "create_attempts": stats["create_attempts"],
        "rate_per_min": rate,
        "utilization": rate / real_rpm,
        "by_fifth": by_fifth,
        "request_utilization": request_rate / real_rpm,
        "refused_creates": refused,
        "r429": faults.get("rate_limited", 0),
        "r5xx": faults.get("server_error", 0),
        "job_failures": faults.get("job_failure", 0),
        "http_retries": counter.count,
        "http_retry_kinds": dict(counter.kinds),
        "resubmits": len(rows) - args.shots,
        "delivered": delivered,
        "given_up": given_up,
        "lost": lost,
        "reasons": dict(reasons),
        "duplicates": duplicates,
        "orphans": orphans,
    }


def _sha(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_naive(url: str, args: argparse.Namespace, stop: threading.Event) -> dict[str, Any]:
    """The seed guide's loop with the OpenAI SDK: create, poll every 10 s (scaled), download."""
    from openai import OpenAI

    storyboard = synthetic_storyboard(args.naive_shots, tag="naive-")
    tasks = shot_tasks("naive", storyboard, model="sora-2", size=TINY_SIZE)
    client = OpenAI(base_url=f"{url}/v1", api_key="naive", max_retries=2, timeout=60)
    poll = 10.0 / args.scale
    delivered = lost = 0
    errors: collections.Counter[str] = collections.Counter()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="lessonreel-naive-") as tmp:
        for task in tasks:
            if stop.is_set():
                break
            try:
                video = client.videos.create(
                    model="sora-2",
                    prompt=task["prompt"].text,
                    size=TINY_SIZE,  # type: ignore[arg-type]
                    seconds="1",  # type: ignore[arg-type]
                )
                while video.status in ("queued", "in_progress"):
                    time.sleep(poll)
                    video = client.videos.retrieve(video.id)
                if video.status != "completed":
                    raise RuntimeError(f"job {video.status}")
                dest = Path(tmp) / f"{video.id}.mp4"
                client.videos.download_content(video.id).write_to_file(dest)
                delivered += 1
            except Exception as exc:  # the naive loop has no recovery: the shot is lost
                lost += 1
                errors[type(exc).__name__] += 1
    wall = time.monotonic() - started
    stats = emulator_stats(url)
    attempted = delivered + lost
    rate = stats["creates"] / max(wall, 1e-9) * 60.0
    return {
        "shots": attempted,
        "wall_s": wall,
        "creates": stats["creates"],
        "rate_per_min": rate,
        "utilization": rate / (args.rpm * args.scale),
        "delivered": delivered,
        "lost": lost,
        "errors": dict(errors),
        "r429": stats.get("faults", {}).get("rate_limited", 0),
        "r5xx": stats.get("faults", {}).get("server_error", 0),
    }


async def main_async(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run the dispatcher and the naive loop side by side, each against its own emulator."""
    config = emulator_config(args)
    stop = threading.Event()
    with (
        bench_home() as home,
        emulator_process(config, name="dispatch-emulator") as url,
        emulator_process(config, name="naive-emulator") as naive_url,
    ):
        naive_task = asyncio.create_task(asyncio.to_thread(run_naive, naive_url, args, stop))
        try:
            ours = await run_dispatcher(url, args, home)
        except BaseException:
            stop.set()
            raise
        naive = await naive_task
    return ours, naive


def main() -> None:
    """Parse arguments, run both sides, print the figures and the key=value line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--short", action="store_true", help="60 shots, 2 naive shots")
    parser.add_argument("--shots", type=int, default=None, help="shots (default 500)")
    parser.add_argument("--rpm", type=float, default=120.0, help="create RPM ceiling (emulated)")
    parser.add_argument("--latency", type=float, default=90.0, help="render seconds (emulated)")
    parser.add_argument("--scale", type=float, default=5.0, help="time compression factor")
    parser.add_argument("--fault-rate", type=float, default=0.02, help="5xx and job-failure rate")
    parser.add_argument("--naive-shots", type=int, default=None, help="naive loop shots (4)")
    parser.add_argument(
        "--http-concurrency", type=int, default=4, help="provider's max_concurrency (default 4)"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    args.shots = args.shots or (60 if args.short else 500)
    args.naive_shots = args.naive_shots or (2 if args.short else 4)
    logging.basicConfig(level=logging.ERROR)
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # the SDK's Sora notice

    print(f"machine: {machine()}")
    print(
        f"setup: {args.shots} shots, ceiling {args.rpm:g} creates/min, render {args.latency:g} s "
        f"(±30 %), {args.fault_rate:.0%} 5xx on every request + {args.fault_rate:.0%} failed "
        f"jobs; time scaled 1/{args.scale:g} (ceiling {args.rpm * args.scale:g}/min real, "
        f"render {args.latency / args.scale:g} s real); clips {TINY_SIZE} x 1 s"
    )
    register_tiny_local()
    ours, naive = asyncio.run(main_async(args))
    s = args.scale
    print("\nlessonreel dispatcher (render_shot subgraph + ledger + OpenAIVideoProvider gate):")
    print(
        f"  shots in flight allowed     {ours['in_flight']}, HTTP requests in flight "
        f"{args.http_concurrency}"
    )
    print(
        f"  sustained submit rate       {ours['rate_per_min'] / s:.1f}/min emulated "
        f"= {ours['utilization']:.1%} of the ceiling (goal >= 95 %) "
        f"over a {ours['window_s'] * s:.0f} s emulated backlog window"
    )
    print(
        f"  counting the {ours['refused_creates']} create requests refused with a 5xx as well: "
        f"{ours['request_utilization']:.1%} of the ceiling used"
    )
    fifths = ", ".join(f"{u:.0%}" for u in ours["by_fifth"])
    print(f"  utilization by fifth of the backlog window: {fifths}")
    wall = ours["wall_s"]
    print(f"  wall time                   {wall:.1f} s real ({wall * s:.0f} s emulated)")
    print(
        f"  creates {ours['creates']} (attempts {ours['create_attempts']}), "
        f"429s received {ours['r429']}, 5xx received {ours['r5xx']}, "
        f"failed jobs {ours['job_failures']}"
    )
    print(
        f"  retries: {ours['http_retries']} in the provider (transient, same request) "
        f"{ours['http_retry_kinds']}, {ours['resubmits']} resubmits under a new ledger key"
    )
    print(
        f"  delivered {ours['delivered']}, given up with a reason {ours['given_up']}, "
        f"lost {ours['lost']} (goal 0), duplicates {ours['duplicates']}, orphans {ours['orphans']}"
    )
    if ours["reasons"]:
        print(f"  outcomes: {ours['reasons']}")
    print("\nnaive loop (OpenAI SDK, create → poll every 10 s → download, sequential):")
    print(
        f"  sustained submit rate       {naive['rate_per_min'] / s:.2f}/min emulated "
        f"= {naive['utilization']:.2%} of the ceiling over {naive['shots']} shots"
    )
    print(
        f"  delivered {naive['delivered']}, lost {naive['lost']} {naive['errors']}, "
        f"429s {naive['r429']}, 5xx {naive['r5xx']}, "
        f"projected time for {args.shots} shots: "
        f"{naive['wall_s'] * s / max(naive['shots'], 1) * args.shots / 3600:.1f} h emulated"
    )
    print(
        kv_line(
            {
                "rpm_utilization": round(ours["utilization"], 4),
                "lost": ours["lost"],
                "naive_rpm_utilization": round(naive["utilization"], 4),
                "naive_lost": naive["lost"],
                "request_utilization": round(ours["request_utilization"], 4),
                "shots": args.shots,
                "delivered": ours["delivered"],
                "given_up": ours["given_up"],
                "r429": ours["r429"],
                "retries": ours["http_retries"],
                "resubmits": ours["resubmits"],
                "duplicates": ours["duplicates"],
                "orphans": ours["orphans"],
                "wall_s": round(ours["wall_s"], 1),
            }
        )
    )


if __name__ == "__main__":
    main()
