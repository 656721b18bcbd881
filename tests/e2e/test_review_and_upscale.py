"""A reviewer can pause the run at the storyboard and edit it; chosen shots can be upscaled."""

from __future__ import annotations

from pathlib import Path

from lessonreel.app import Context, make_video
from lessonreel.app.api import resume, upscale
from lessonreel.store.ledger import Ledger


def test_review_pauses_before_any_job_and_an_edited_storyboard_is_filmed(
    lesson_file: Path, fast_emulator: Path, small_local_sizes: str
) -> None:
    ctx = Context(
        emulator_config=str(fast_emulator), size=small_local_sizes, target_seconds=8, review=True
    )
    paused = make_video(lesson_file, context=ctx)

    assert paused.report is None
    assert paused.review is not None
    with Ledger.open() as ledger:
        assert ledger.jobs(paused.run_id) == []  # nothing dispatched before approval
    edited = paused.review["storyboard"]
    edited["shots"][0]["dialogue"] = [{"speaker": "Narrator", "line": "Edited by the teacher."}]

    done = resume(paused.run_id, answer={"storyboard": edited})

    assert done.report is not None
    assert done.report.status == "done"
    assert done.video_path is not None
    srt = done.video_path.with_name("lesson.srt").read_text()
    assert "Edited by the teacher." in srt


def test_upscale_rerenders_only_the_chosen_shots_at_a_higher_tier(
    lesson_file: Path, fast_emulator: Path, small_local_sizes: str
) -> None:
    ctx = Context(emulator_config=str(fast_emulator), size=small_local_sizes, target_seconds=12)
    first = make_video(lesson_file, context=ctx)
    assert first.report is not None
    before = {s.index: s for s in first.report.shots}

    better = upscale(first.run_id, [1], emulator_config=str(fast_emulator))

    assert better.report is not None
    after = {s.index: s for s in better.report.shots}
    assert after[1].model == "sora-2-pro", after[1]
    assert after[1].generation == 1
    assert after[1].job_id != before[1].job_id
    assert after[1].clip_path != before[1].clip_path
    for index in set(after) - {1}:
        assert after[index].job_id == before[index].job_id
        assert after[index].model == "sora-2"
    assert better.video_path == first.video_path
    assert better.video_path is not None
    assert better.video_path.exists()
