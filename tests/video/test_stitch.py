"""Stitching: clips join by stream copy when they match, by re-encode when they do not."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from lessonreel.video.animatic import render_animatic
from lessonreel.video.captions import cues_for_segments, parse_timestamp, to_vtt
from lessonreel.video.stitch import StitchResult, probe, render_slate, stitch

PROMPTS = [
    "Wide shot of a volcano at dawn.\n\nCamera move: slow push-in\nPalette: crimson, gold, black",
    "Close-up of a hand writing H2O.\n\nCamera move: pan left\nPalette: teal, cream\n\n"
    'Dialogue:\nTeacher: "Two hydrogens, one oxygen."',
    "Medium shot of a student at a desk.\n\nCamera move: static\nPalette: navy, white",
]
SECONDS = [1.0, 2.0, 1.5]


def video_packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(video=0) if p.dts is not None]


def decode_all(path: Path) -> tuple[list[np.ndarray], float]:
    """Decode every video frame (as RGB) and return them with the decoded audio length."""
    with av.open(str(path)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    with av.open(str(path)) as container:
        samples = sum(f.samples for f in container.decode(audio=0))
    return frames, samples / 48_000


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("shots")
    paths = []
    for i, (prompt, seconds) in enumerate(zip(PROMPTS, SECONDS, strict=True)):
        path = out / f"shot_{i}.mp4"
        render_animatic(path, prompt=prompt, size="320x180", seconds=seconds, seed=i)
        paths.append(path)
    return paths


def test_probe_reports_what_the_clip_is(clips: list[Path]) -> None:
    info = probe(clips[1])
    assert (info.width, info.height) == (320, 180)
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")
    assert info.fps == pytest.approx(24.0)
    assert info.duration == pytest.approx(2.0, abs=0.05)
    assert info.pix_fmt == "yuv420p"
    assert (info.audio_rate, info.audio_channels) == (48_000, 2)


def test_matching_clips_join_by_copying_packets(clips: list[Path], tmp_path: Path) -> None:
    dest = tmp_path / "lesson.mp4"
    result = stitch(clips, dest)
    assert isinstance(result, StitchResult)
    assert result.reencoded is False
    assert result.path == dest
    assert result.duration == pytest.approx(sum(SECONDS), abs=0.1)
    joined = video_packets(dest)
    originals = [packet for clip in clips for packet in video_packets(clip)]
    assert len(joined) == len(originals)
    assert joined == originals, "stream copy keeps every compressed packet byte for byte"
    frames, audio_seconds = decode_all(dest)
    assert len(frames) == round(sum(SECONDS) * 24)
    assert audio_seconds == pytest.approx(sum(SECONDS), abs=0.15)
    assert [p.name for p in tmp_path.iterdir()] == ["lesson.mp4"], "no temp file left behind"


def test_joined_timestamps_continue_across_clip_boundaries(
    clips: list[Path], tmp_path: Path
) -> None:
    dest = tmp_path / "lesson.mp4"
    stitch(clips, dest)
    with av.open(str(dest)) as container:
        stream = container.streams.video[0]
        times = [
            float(p.pts * stream.time_base) for p in container.demux(stream) if p.pts is not None
        ]
    steps = np.diff(times)
    assert np.allclose(steps, 1 / 24, atol=1e-3), "no gaps or overlaps between clips"


def test_a_slate_fills_a_missing_shot_and_joins_by_copy(clips: list[Path], tmp_path: Path) -> None:
    slate = tmp_path / "slate.mp4"
    render_slate(
        slate,
        title="Shot 2 could not be rendered",
        caption="Water is two hydrogen atoms bonded to one oxygen atom.",
        size="320x180",
        seconds=2.0,
    )
    assert probe(slate).copy_key == probe(clips[0]).copy_key
    dest = tmp_path / "lesson.mp4"
    result = stitch([clips[0], slate, clips[2]], dest)
    assert result.reencoded is False
    assert result.duration == pytest.approx(1.0 + 2.0 + 1.5, abs=0.1)
    frames, _ = decode_all(dest)
    assert len(frames) == 24 + 48 + 36
    card = frames[24 + 24].astype(np.float32)
    assert card.mean() < 80, "the slate is a dark title card"
    assert card[60:120].std() > 20, "with readable text on it"


def test_a_mismatched_clip_forces_a_reencode_that_still_plays(
    clips: list[Path], tmp_path: Path
) -> None:
    odd = tmp_path / "square.mp4"
    render_animatic(odd, prompt="Palette: white, white, white", size="240x240", seconds=1.0)
    dest = tmp_path / "lesson.mp4"
    result = stitch([clips[0], odd, clips[2]], dest)
    assert result.reencoded is True
    info = probe(dest)
    assert (info.width, info.height) == (320, 180), "the first clip sets the size"
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")
    assert result.duration == pytest.approx(1.0 + 1.0 + 1.5, abs=0.1)
    frames, audio_seconds = decode_all(dest)
    assert len(frames) == 24 + 24 + 36
    assert audio_seconds == pytest.approx(3.5, abs=0.15)
    square = frames[24 + 12].astype(np.float32)
    assert square[:, :30].mean() < 25, "letterbox bars left and right"
    assert square[:, 150:170].mean() > 120, "the bright picture is centred"


def test_a_reencoded_join_can_itself_be_joined_by_copy(clips: list[Path], tmp_path: Path) -> None:
    forced = tmp_path / "forced.mp4"
    assert stitch(clips[:2], forced, force_reencode=True).reencoded is True
    again = stitch([forced, clips[2]], tmp_path / "again.mp4")
    assert again.reencoded is False
    assert again.duration == pytest.approx(4.5, abs=0.1)


def test_captions_line_up_with_clip_boundaries(clips: list[Path], tmp_path: Path) -> None:
    dest = tmp_path / "lesson.mp4"
    stitch(clips, dest)
    durations = [probe(c).duration for c in clips]
    cues = cues_for_segments([(d, [f"shot {i}"]) for i, d in enumerate(durations)])
    starts = [
        parse_timestamp(line.split(" --> ")[0])
        for line in to_vtt(cues).splitlines()
        if " --> " in line
    ]
    with av.open(str(dest)) as container:
        stream = container.streams.video[0]
        keyframes = [
            float(p.pts * stream.time_base)
            for p in container.demux(stream)
            if p.pts is not None and p.is_keyframe
        ]
    # Each clip starts on a keyframe; every caption starts exactly there.
    assert starts == pytest.approx(keyframes, abs=0.001)


def test_stitch_refuses_an_empty_list(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one clip"):
        stitch([], tmp_path / "x.mp4")


def test_a_broken_clip_is_reported_by_name(clips: list[Path], tmp_path: Path) -> None:
    broken = tmp_path / "truncated.mp4"
    broken.write_bytes(clips[0].read_bytes()[:200])
    with pytest.raises(ValueError, match=r"truncated\.mp4"):
        stitch([clips[0], broken], tmp_path / "lesson.mp4")
    assert not (tmp_path / "lesson.mp4").exists()


def _foreign_clip(path: Path, frames: int, seed: int) -> None:
    """Write a clip the way another encoder might: B-frames on, 30 fps, 44.1 kHz audio."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, (180, 320, 3), dtype=np.uint8)
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=30)
        video.width, video.height, video.pix_fmt = 320, 180, "yuv420p"
        audio = out.add_stream("aac", rate=44_100)
        audio.layout = "stereo"
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(np.roll(base, 3 * i, axis=1), format="rgb24")
            frame.pts = i
            for packet in video.encode(frame):
                out.mux(packet)
        tone = np.zeros((2, frames * 44_100 // 30), dtype=np.float32)
        for start in range(0, tone.shape[1], 1024):
            chunk = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(tone[:, start : start + 1024]), format="fltp", layout="stereo"
            )
            chunk.sample_rate, chunk.pts = 44_100, start
            for packet in audio.encode(chunk):
                out.mux(packet)
        for stream in (video, audio):
            for packet in stream.encode(None):
                out.mux(packet)


def test_provider_clips_with_b_frames_join_by_copy_without_gaps(tmp_path: Path) -> None:
    clips = [tmp_path / f"provider_{i}.mp4" for i in range(3)]
    for i, (clip, frames) in enumerate(zip(clips, [45, 60, 30], strict=True)):
        _foreign_clip(clip, frames, seed=i)
    with av.open(str(clips[0])) as container:
        packets = [p for p in container.demux(video=0) if p.dts is not None]
    assert any(p.pts != p.dts for p in packets), "the fixture really has reordered frames"
    result = stitch(clips, tmp_path / "lesson.mp4")
    assert result.reencoded is False
    assert result.duration == pytest.approx(4.5, abs=0.1)
    with av.open(str(result.path)) as container:
        stream = container.streams.video[0]
        times = sorted(float(f.time) for f in container.decode(stream))
    assert len(times) == 135
    assert np.allclose(np.diff(times), 1 / 30, atol=1e-3)
