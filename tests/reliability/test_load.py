"""Load: many lessons dispatched at once through one ledger file, with 1 % transient faults.

A school schedules twenty lessons overnight. Each lesson is its own run with its own services
(provider client, ledger connection) — as twenty concurrent ``lessonreel make`` runs would be —
and every shot goes through the real per-shot subgraph (dispatch → await → fetch, back_off and
the routers) against one emulator served on loopback, which fails 1 % of requests with a 5xx
and 1 % of accepted jobs. Afterwards every shot must be accounted for, the ledger must know
every job the provider created exactly once, and no "database is locked" may have surfaced.

Scale: 20 lessons x 20 shots (400 shots) of 160x90 x 1 s clips, 0.3 s renders. The safety screen
is replaced by an allow-all stand-in (it is not what is under load here).
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from lessonreel.agents.schemas import Shot, Storyboard, StyleBible, Verdict
from lessonreel.agents.shot_prompt import render_shot_prompt
from lessonreel.graph.builder import build_shot_graph
from lessonreel.graph.context import Context
from lessonreel.graph.services import Services, attach_services, build_services
from lessonreel.graph.state import ShotTask
from lessonreel.store.assets import sha256_file
from lessonreel.store.home import ledger_path
from lessonreel.store.ledger import Ledger
from lessonreel.video.emulator.config import EmulatorConfig
from lessonreel.video.emulator.server import running_emulator
from lessonreel.video.pricing import PriceTable, write_price_file
from lessonreel.video.providers.factory import make_provider
from lessonreel.video.providers.retry import RetryPolicy

LESSONS = 20
SHOTS = 20
SIZE = "160x90"
FAULTS = {
    "server_errors": {"rate": 0.01, "scope": "all"},
    "failures": {"rate": 0.01},
}


class AllowAll:
    """Screen stand-in: every prompt passes."""

    async def ascreen(self, text: str) -> Verdict:
        return Verdict(allowed=True)

    def screen(self, text: str) -> Verdict:
        return Verdict(allowed=True)


@pytest.fixture
def tiny_clips(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Let the local provider send 160x90 x 1 s clips (the emulator runs lenient)."""
    specs = [
        replace(
            spec, seconds=(1, *spec.seconds), price_per_second={**spec.price_per_second, SIZE: 0.0}
        )
        for spec in PriceTable.default().specs("local")
    ]
    monkeypatch.setenv("LESSONREEL_PRICES", str(write_price_file(tmp_path / "tiny.json", specs)))


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[str]:
    config = EmulatorConfig(
        seed=6,
        latency=0.3,
        lenient=True,
        fps=4,
        cache_dir=tmp_path / "render-cache",
        **FAULTS,
    )
    with running_emulator(config) as url:
        yield url


def storyboard(lesson: int) -> Storyboard:
    """A lesson of SHOTS one-second shots, every prompt distinct."""
    shots = [
        Shot(
            index=i,
            start=float(i),
            end=float(i + 1),
            duration=1,
            framing="medium shot",
            camera_move="static",
            lens="35mm",
            lighting="soft window light",
            palette=["green", "gold", "white"],
            subject=f"a seedling, lesson {lesson} shot {i}",
            setting="a classroom windowsill",
            action="the leaves turn toward the light",
            beats=["leaves turn"],
            objective="Explain phototropism.",
        )
        for i in range(SHOTS)
    ]
    return Storyboard(
        lesson_id=f"load-{lesson}",
        title=f"Load lesson {lesson}",
        style=StyleBible(
            look="clean educational animation",
            palette=["green", "gold", "white"],
            lens="35mm",
            lighting="soft window light",
        ),
        shots=shots,
        target_seconds=SHOTS,
    )


async def run_lesson(url: str, lesson: int) -> tuple[str, list[ShotTask], list[Any]]:
    """One run: its own services (provider, ledger connection), every shot in flight at once."""
    ctx = Context(
        provider="local",
        base_url=f"{url}/v1",
        size=SIZE,
        poll_interval=0.05,
        max_poll_interval=0.3,
        job_timeout=120.0,
        max_concurrent_jobs=SHOTS,
    )
    prices = PriceTable.load(ctx.prices)
    provider = make_provider(
        "local",
        base_url=f"{url}/v1",
        retry_policy=RetryPolicy(max_retries=4, initial=0.02, max_backoff=0.2),
        prices=prices,
    )
    svc: Services = await asyncio.to_thread(
        build_services, ctx, provider=provider, prices=prices, loaded_screen=AllowAll()
    )
    attach_services(ctx, svc)
    run_id = f"load-run-{lesson:02d}"
    board = storyboard(lesson)
    await asyncio.to_thread(
        svc.ledger.create_run,
        run_id,
        lesson_id=board.lesson_id,
        title=board.title,
        provider="local",
        model="sora-2",
        options=ctx.options(),
    )
    tasks = [
        ShotTask(
            run_id=run_id,
            shot=shot,
            prompt=render_shot_prompt(board, shot, size=SIZE),
            model="sora-2",
            size=SIZE,
            generation=0,
        )
        for shot in board.shots
    ]
    graph = build_shot_graph()
    try:
        outputs = await asyncio.gather(
            *(graph.ainvoke(t, context=ctx, config={"recursion_limit": 200}) for t in tasks),
            return_exceptions=True,
        )
    finally:
        await svc.aclose()
    return run_id, tasks, list(outputs)


@pytest.mark.slow
@pytest.mark.timeout(240)
async def test_twenty_lessons_through_one_ledger_account_for_every_shot(
    emulator: str, tiny_clips: None
) -> None:
    runs = await asyncio.gather(*(run_lesson(emulator, n) for n in range(LESSONS)))

    raised = [
        repr(out) for _, _, outputs in runs for out in outputs if isinstance(out, BaseException)
    ]
    assert raised == [], f"{len(raised)} shot branches raised, e.g. {raised[:3]}"
    assert not any("database is locked" in r for r in raised)

    outcomes: collections.Counter[str] = collections.Counter()
    for _run_id, tasks, outputs in runs:
        for task, out in zip(tasks, outputs, strict=True):
            result = out["shot_results"][task["shot"].index]
            if result.outcome == "delivered":
                assert result.clip_path is not None
                assert sha256_file(Path(result.clip_path)) == result.sha256
            else:
                assert result.reason, f"shot {task['shot'].index} of {task['run_id']}: no reason"
            outcomes[result.outcome] += 1
    assert sum(outcomes.values()) == LESSONS * SHOTS
    assert outcomes["delivered"] >= LESSONS * SHOTS * 0.95, outcomes

    async with httpx.AsyncClient(timeout=30) as client:
        stats = (await client.get(f"{emulator}/_emulator/stats")).json()
    assert stats["faults"].get("server_error", 0) > 0, "the faults were not injected"
    with Ledger(ledger_path()) as ledger:
        rows = [row for n in range(LESSONS) for row in ledger.jobs(f"load-run-{n:02d}")]
        shot_rows = [row for n in range(LESSONS) for row in ledger.shots(f"load-run-{n:02d}")]
    assert len(shot_rows) == LESSONS * SHOTS
    assert {row["status"] for row in shot_rows} <= {"delivered", "given_up"}

    claimed = [row["provider_job_id"] for row in rows if row.get("provider_job_id")]
    assert len(claimed) == len(set(claimed)), "one provider job claimed by two ledger rows"
    created = {job["id"] for job in stats["jobs"]}
    assert created == set(claimed), (
        f"{len(created - set(claimed))} provider jobs unknown to the ledger, "
        f"{len(set(claimed) - created)} ledger ids the provider never created"
    )
    per_prompt = collections.Counter(
        hashlib.sha256(row["prompt"].encode()).hexdigest()
        for row in rows
        if row.get("provider_job_id")
    )
    assert stats["creates_by_prompt_hash"] == dict(per_prompt), "a shot was submitted twice"

    with sqlite3.connect(ledger_path()) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
