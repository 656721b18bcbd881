"""The narrator keeps talking: measured on the rendered soundtrack, no shot sits in silence.

Shot lengths come in the model's steps (4 s here), so a shot's words rarely fill it exactly. The
narration flows over the cuts instead of leaving a silent tail, and every shot, as heard in the
finished MP4, has at most 1.5 s without speech. Nothing is clipped: the last words end before
the picture does, and sound and picture end together. The cost estimate is shown once, with
the lengths the voice set.
"""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np

from lessonreel.app import Context, make_video

RATE = 16_000
HOP = RATE // 100  # 10-ms blocks
PAUSE_HEARD = 0.5
"""A stretch without speech at least this long is silence a viewer hears; shorter ones are the
speech's own pauses (piper pauses up to ~0.45 s at a comma)."""
MAX_SILENCE = 1.5

LESSON = """# Plate Tectonics

Objectives:
- Describe the layers of the Earth and how its crust moves.
- Explain what happens where two plates meet.

The Earth is made of layers: a thin rocky crust, a thick hot mantle and a metal core.
The crust is broken into large pieces called plates, which float on the soft upper mantle.
Heat from deep inside the Earth slowly stirs the mantle, and the plates drift a few
centimetres every year. Where two plates pull apart, melted rock rises and forms new crust on
the ocean floor. Where two plates push together, one may slide beneath the other and melt,
feeding chains of volcanoes. Where plates grind past each other, stress builds up in the rock
until it snaps, and the ground shakes in an earthquake. Mountains such as the Himalayas rose
where two continents collided and crumpled upwards over millions of years.
"""


def _loudness_blocks(video: Path) -> tuple[np.ndarray, float, float]:
    """Per-10-ms level (dB) of the MP4's sound, and the sound's and the picture's lengths."""
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        picture = float(stream.duration * stream.time_base)
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        frames = [*container.decode(container.streams.audio[0]), None]
        samples = np.concatenate(
            [r.to_ndarray().reshape(-1) for f in frames for r in resampler.resample(f)]
        )
    n = samples.size // HOP
    power = np.mean(samples[: n * HOP].reshape(n, HOP) ** 2, axis=1)
    return 10 * np.log10(power + 1e-12), samples.size / RATE, picture


def _silence(quiet: np.ndarray) -> float:
    """Seconds of ``quiet`` blocks in stretches long enough to be heard as silence."""
    total, run = 0, 0
    for is_quiet in [*quiet.tolist(), False]:
        if is_quiet:
            run += 1
            continue
        if run >= PAUSE_HEARD * 100:
            total += run
        run = 0
    return total / 100


def test_no_shot_of_a_narrated_lesson_has_more_than_1_5_s_of_silence(
    fast_emulator: Path, small_local_sizes: str, tmp_path: Path
) -> None:
    lesson = tmp_path / "plates.md"
    lesson.write_text(LESSON, encoding="utf-8")
    out = tmp_path / "out"
    ctx = Context(
        emulator_config=str(fast_emulator),
        size=small_local_sizes,
        target_seconds=60,
        output_dir=str(out),
    )
    events: list[dict[str, object]] = []
    result = make_video(lesson, context=ctx, on_event=events.append)
    assert result.report is not None
    assert result.report.status == "done"

    board = json.loads((out / "storyboard.json").read_text())
    shots = board["shots"]
    assert len(shots) >= 4
    assert all(s["duration"] % 4 == 0 for s in shots)  # lengths in the model's steps
    # the estimate is shown once, with the lengths the voice set
    estimates = [e["estimate"] for e in events if e.get("event") == "estimate"]
    assert len(estimates) == 1
    assert estimates[0]["seconds"] == sum(s["duration"] for s in shots)  # type: ignore[index]
    level, sound, picture = _loudness_blocks(out / "lesson.mp4")
    # speech is what stands out of the bed: within 20 dB of the loud end of the track (the
    # offline bed, ducked or not, stays below that)
    speaking = level > np.percentile(level, 95) - 20
    assert speaking.mean() > 0.5  # a narrated lesson, mostly speech

    heard = {}
    for shot in shots:
        a, b = round(shot["start"] * 100), round(shot["end"] * 100)
        heard[shot["index"]] = _silence(~speaking[a:b])
    assert max(heard.values()) <= MAX_SILENCE, heard

    assert abs(sound - picture) <= 0.25  # sound and picture end together
    words = np.flatnonzero(level > np.percentile(level, 95) - 15)  # syllables, never the bed
    assert words[-1] / 100 <= picture - 0.3  # the last word is not cut off by the end
