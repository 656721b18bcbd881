"""A lesson becomes a watchable lesson video offline: clips, captions, storyboard and report."""

from __future__ import annotations

import json
from pathlib import Path

from lessonreel.agents.schemas import Storyboard
from lessonreel.app import Context, make_video
from lessonreel.video.stitch import probe


def _srt_cues(text: str) -> list[tuple[float, float, str]]:
    def seconds(stamp: str) -> float:
        h, m, rest = stamp.split(":")
        s, ms = rest.split(",")
        return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000

    cues = []
    for block in text.strip().split("\n\n"):
        lines = block.splitlines()
        start, end = (part.strip() for part in lines[1].split("-->"))
        cues.append((seconds(start), seconds(end), " ".join(lines[2:])))
    return cues


def test_lesson_becomes_video_with_captions_storyboard_and_report(
    lesson_file: Path, fast_emulator: Path, small_local_sizes: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    ctx = Context(
        emulator_config=str(fast_emulator),
        size=small_local_sizes,
        target_seconds=12,
        output_dir=str(out),
    )
    result = make_video(lesson_file, context=ctx)

    assert result.report is not None
    assert result.report.status == "done"
    assert result.exit_code == 0
    storyboard = Storyboard.model_validate_json((out / "storyboard.json").read_text())
    video = probe(out / "lesson.mp4")
    assert abs(video.duration - storyboard.total_seconds) <= 0.5
    assert (video.width, video.height) == (320, 180)

    # the narrator speaks: audio per shot, mastered, ending with the picture
    report_json = json.loads((out / "report.json").read_text())
    narration = report_json["narration"]
    assert narration["engine"] == "piper"
    assert narration["note"] is None
    assert set(map(int, narration["shots"])) == {s.index for s in storyboard.shots if s.narration}
    assert abs(narration["loudness_lufs"] + 16) <= 1
    assert narration["true_peak_dbtp"] <= -1
    assert video.audio_codec == "aac"

    # captions follow the spoken sentences: inside their real spans, every word carried
    cues = _srt_cues((out / "lesson.srt").read_text())
    spans = [
        (shot["offset"] + a, shot["offset"] + b, text)
        for shot in narration["shots"].values()
        for a, b, text in shot["segments"]
    ]
    for start, end, _ in cues:
        assert any(a - 1e-3 <= start < b for a, b, _ in spans)
        assert end <= storyboard.total_seconds + 1e-3
    spoken = " ".join(s.narration for s in storyboard.shots).split()
    shown = " ".join(text for _, _, text in cues).split()
    assert shown == spoken
    vtt = (out / "lesson.vtt").read_text()
    assert vtt.startswith("WEBVTT")
    assert vtt.count("-->") == len(cues)

    markdown = (out / "storyboard.md").read_text()
    assert storyboard.title in markdown
    assert markdown.count("### Shot ") == len(storyboard.shots)

    report = json.loads((out / "report.json").read_text())
    assert [s["index"] for s in report["shots"]] == [s.index for s in storyboard.shots]
    for row, shot in zip(report["shots"], storyboard.shots, strict=True):
        assert row["outcome"] == "delivered"
        assert row["provider"] == "local"
        assert row["job_id"]
        assert row["attempts"] == 1
        assert row["rewrites"] == []
        assert row["seconds"] == shot.duration
        assert row["cost_usd"] == 0.0
        assert Path(row["clip_path"]).exists()
    totals = report["totals"]
    assert totals["delivered"] == len(storyboard.shots)
    assert totals["spent_usd"] == 0.0
    assert totals["shadow_provider"] == "azure"  # a Sora seller a user can buy today
    assert report["gaps"] == []


def test_the_same_run_resumed_after_it_finished_changes_nothing(
    lesson_file: Path, fast_emulator: Path, small_local_sizes: str
) -> None:
    from lessonreel.app.api import resume
    from lessonreel.store.ledger import Ledger

    ctx = Context(emulator_config=str(fast_emulator), size=small_local_sizes, target_seconds=8)
    first = make_video(lesson_file, context=ctx)
    with Ledger.open() as ledger:
        jobs_before = len(ledger.jobs(first.run_id))
    again = resume(first.run_id)
    with Ledger.open() as ledger:
        assert len(ledger.jobs(first.run_id)) == jobs_before
    assert again.report is not None
    assert again.report.status == "done"
    assert again.video_path == first.video_path
