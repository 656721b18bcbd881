"""The lesson video carries its captions as a soft track and its chapters, one per objective."""

from __future__ import annotations

from pathlib import Path

import av

from lessonreel.agents.schemas import Storyboard
from lessonreel.app import Context, make_video
from lessonreel.video.captions import parse_timestamp


def test_lesson_mp4_has_soft_captions_and_chapters_matching_the_files(
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
    assert result.exit_code == 0
    storyboard = Storyboard.model_validate_json((out / "storyboard.json").read_text())

    srt_cues = (out / "lesson.srt").read_text().count("-->")
    with av.open(str(out / "lesson.mp4")) as container:
        assert [s.codec_context.name for s in container.streams.subtitles] == ["mov_text"]
        texts = [bytes(p)[2:].decode() for p in container.demux(subtitles=0) if p.size > 2]
        chapters = container.chapters()
    assert len(texts) == srt_cues > 0

    assert result.report is not None
    assert result.report.chapters_path == str(out / "chapters.vtt")  # listed like the other files
    blocks = (out / "chapters.vtt").read_text().split("\n\n")
    assert blocks[0].strip() == "WEBVTT"
    titles = [b.splitlines()[2] for b in blocks[1:]]
    assert titles == [c["metadata"]["title"] for c in chapters]
    objectives = {s.objective[:1].upper() + s.objective[1:] for s in storyboard.shots}
    assert set(titles[:-1]) <= objectives
    assert titles[-1] == "Recap"
    ends = [parse_timestamp(b.splitlines()[1].split("-->")[1]) for b in blocks[1:]]
    assert abs(ends[-1] - storyboard.total_seconds) < 1e-3
