"""The run manager: two approvals at the same instant start one render; errors read plainly."""

from __future__ import annotations

import asyncio

from lessonreel.app.web.jobs import RunManager, plain_error

LESSON = """# Seasons

Objectives:
- Explain why the Earth has seasons.

The Earth's axis is tilted. When the northern half leans toward the Sun, sunlight hits it more
directly and it has summer. Half a year later it leans away, the light is spread thin and it has
winter.
"""


async def test_simultaneous_approvals_start_exactly_one_render(studio_env: str) -> None:
    from lessonreel.app.api import amake_video
    from lessonreel.store.ledger import Ledger

    paused = await amake_video(text=LESSON, target_seconds=8, review=True)
    assert paused.review is not None
    manager = RunManager()
    won = await asyncio.gather(
        manager.approve(paused.run_id, "approve"), manager.approve(paused.run_id, "approve")
    )
    assert sorted(won) == [False, True]
    await manager.wait(paused.run_id)
    assert manager.errors == {}
    with Ledger.open() as ledger:
        jobs = ledger.jobs(paused.run_id)
        run = ledger.get_run(paused.run_id)
    assert run is not None
    assert run["status"] == "done"
    assert len(jobs) == len({j["shot_index"] for j in jobs}) == run["shots"]
    assert await manager.approve(paused.run_id, "approve") is False


def test_errors_are_one_plain_sentence() -> None:
    from lessonreel.agents.ingest import LessonInputError

    assert plain_error(LessonInputError("the lesson is empty")) == "the lesson is empty"
    unexpected = plain_error(KeyError("x"))
    assert "unexpected problem" in unexpected
    assert "resumed" in unexpected
    assert "Traceback" not in unexpected
