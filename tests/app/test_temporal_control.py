"""A run's shots on different Temporal workers share one budget decision at a time, and a stop.

Two ``RunFileLock`` holders on one path stand for two workers (each opens the lock file itself,
so ``flock`` keeps them apart even inside one process).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from lessonreel.app.temporal_control import RunFileLock, lock_path, shared_control
from lessonreel.store.ledger import Ledger


def test_a_second_worker_waits_for_the_first_to_finish_its_budget_decision(
    tmp_path: Path,
) -> None:
    async def scenario() -> list[str]:
        path = lock_path(tmp_path, "r1")
        first, second = RunFileLock(path), RunFileLock(path)
        order: list[str] = []

        async def other_worker() -> None:
            async with second:
                order.append("second decides")

        async with first:
            waiting = asyncio.create_task(other_worker())
            await asyncio.sleep(0.2)
            order.append("first reserved")
        await waiting
        return order

    assert asyncio.run(scenario()) == ["first reserved", "second decides"]


def test_a_stop_recorded_by_another_worker_is_seen_when_the_lock_is_taken(
    tmp_path: Path,
) -> None:
    async def scenario() -> tuple[str | None, str | None]:
        ledger = Ledger(tmp_path / "lessonreel.db")
        ledger.create_run(
            "r1", lesson_id="l", title="Leaves", provider="local", model="sora-2", options={}
        )
        control = await shared_control(ledger, tmp_path, "r1")
        before = control.stop_reason
        # another worker's shot is refused by the budget and records the stop
        ledger.update_run("r1", status="stopping", stop="over budget: $1.00 spent")
        async with control.dispatch_lock:
            after = control.stop_reason
        ledger.close()
        return before, after

    before, after = asyncio.run(scenario())
    assert before is None
    assert after == "over budget: $1.00 spent"
