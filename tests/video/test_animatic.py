"""The animatic renderer: real H.264/AAC clips whose look follows the shot prompt."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from lessonreel.video.animatic import render_animatic, render_spritesheet, render_thumbnail
from lessonreel.video.colors import color_rgb
from lessonreel.video.shotspec import parse_shot

SHOT = """A teacher points at a diagram of the water cycle on a chalkboard.

Cinematography:
Camera shot: medium close-up
Camera move: {move}
Lens: 35mm
Lighting: soft window light from the left
Palette: {palette}
Mood: curious

Actions:
- The teacher taps the cloud on the diagram
- Arrows light up from sea to cloud

Background sound: gentle rain on the window

Avoid: text artifacts, logos

Dialogue:
Teacher: "Water never really disappears."
"""

WARM = "crimson, burnt orange, gold"
COOL = "navy blue, teal, sky blue"


def shot(move: str = "static", palette: str = WARM) -> str:
    return SHOT.format(move=move, palette=palette)


def rgb_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def scene_band(frame: np.ndarray) -> np.ndarray:
    """Return the middle of the picture, clear of the caption bands at the top and bottom."""
    h = frame.shape[0]
    return frame[int(h * 0.3) : int(h * 0.7)].astype(np.float32)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("animatic")
    made = {}
    for name, prompt in {
        "static": shot("static"),
        "push": shot("slow push-in on the diagram"),
        "pan_left": shot("pan left across the board"),
        "pan_right": shot("slow pan right"),
        "cool": shot("static", COOL),
    }.items():
        made[name] = out / f"{name}.mp4"
        render_animatic(made[name], prompt=prompt, size="320x180", seconds=2.0)
    return made


def test_clip_is_h264_aac_at_requested_size_and_duration(tmp_path: Path) -> None:
    dest = tmp_path / "shot.mp4"
    render_animatic(dest, prompt=shot("slow dolly-in"), size="320x180", seconds=3.0)
    with av.open(str(dest)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert video.codec_context.name == "h264"
        assert audio.codec_context.name == "aac"
        assert (video.codec_context.width, video.codec_context.height) == (320, 180)
        assert video.codec_context.pix_fmt == "yuv420p"
        assert container.duration is not None
        assert abs(container.duration / av.time_base - 3.0) <= 0.1
    frames = rgb_frames(dest)
    assert len(frames) == 72
    assert frames[0].shape == (180, 320, 3)


def test_audio_bed_is_present_but_quiet(clips: dict[str, Path]) -> None:
    with av.open(str(clips["static"])) as container:
        samples = np.concatenate(
            [f.to_ndarray() for f in container.decode(audio=0)], axis=1
        ).astype(np.float64)
    assert samples.shape[0] == 2
    assert samples.shape[1] / 48_000 == pytest.approx(2.0, abs=0.1)
    rms = float(np.sqrt(np.mean(samples**2)))
    assert 0.001 < rms < 0.1
    assert float(np.max(np.abs(samples))) < 0.25


def test_720p_clip_has_exact_size_and_duration(tmp_path: Path) -> None:
    dest = tmp_path / "hd.mp4"
    render_animatic(dest, prompt=shot("pan right"), size="1280x720", seconds=1.0)
    with av.open(str(dest)) as container:
        ctx = container.streams.video[0].codec_context
        assert (ctx.width, ctx.height) == (1280, 720)
        assert abs(container.duration / av.time_base - 1.0) <= 0.1
        assert sum(1 for _ in container.decode(video=0)) == 24


def test_b_frames_are_off_and_keyframes_are_on_a_fixed_gop(tmp_path: Path) -> None:
    dest = tmp_path / "gop.mp4"
    render_animatic(dest, prompt=shot("push-in"), size="320x180", seconds=4.5)
    with av.open(str(dest)) as container:
        packets = [p for p in container.demux(video=0) if p.dts is not None]
    assert all(p.pts == p.dts for p in packets), "B-frames would reorder presentation"
    assert [i for i, p in enumerate(packets) if p.is_keyframe] == [0, 48, 96]


def test_palette_sets_the_colour_of_the_picture(clips: dict[str, Path]) -> None:
    warm = scene_band(rgb_frames(clips["static"])[0]).reshape(-1, 3).mean(axis=0)
    cool = scene_band(rgb_frames(clips["cool"])[0]).reshape(-1, 3).mean(axis=0)
    assert warm[0] > warm[2] + 30, f"warm palette should be red-heavy, got {warm}"
    assert cool[2] > cool[0] + 30, f"cool palette should be blue-heavy, got {cool}"


def test_push_in_moves_the_picture_and_static_does_not(clips: dict[str, Path]) -> None:
    def drift(path: Path) -> float:
        frames = rgb_frames(path)
        return float(np.abs(scene_band(frames[0]) - scene_band(frames[-1])).mean())

    assert drift(clips["static"]) < 1.5
    assert drift(clips["push"]) > 4.0


def _horizontal_shift(first: np.ndarray, last: np.ndarray) -> int:
    """Shift s (pixels) that best explains last[x] == first[x + s] on the scene band."""
    a, b = scene_band(first).mean(axis=(0, 2)), scene_band(last).mean(axis=(0, 2))
    n = a.shape[0]
    errors = {
        s: float(np.abs(b[80 : n - 80] - a[80 + s : n - 80 + s]).mean()) for s in range(-79, 80)
    }
    return min(errors, key=lambda s: errors[s])


def test_pans_move_the_picture_in_the_named_direction(clips: dict[str, Path]) -> None:
    left = rgb_frames(clips["pan_left"])
    right = rgb_frames(clips["pan_right"])
    # Panning right reveals what lies to the right: content slides left (last[x] = first[x+s], s>0).
    assert _horizontal_shift(right[0], right[-1]) > 20
    assert _horizontal_shift(left[0], left[-1]) < -20


def test_dialogue_is_drawn_as_a_caption(tmp_path: Path) -> None:
    with_line = tmp_path / "line.mp4"
    without = tmp_path / "quiet.mp4"
    base = shot("static")
    render_animatic(with_line, prompt=base, size="320x180", seconds=1.0)
    render_animatic(without, prompt=base.split("Dialogue:")[0], size="320x180", seconds=1.0)
    bottom_with = rgb_frames(with_line)[0][140:].astype(np.float32)
    bottom_without = rgb_frames(without)[0][140:].astype(np.float32)
    assert np.abs(bottom_with - bottom_without).mean() > 8
    assert bottom_with.std() > bottom_without.std(), "caption text adds contrast"


@pytest.mark.parametrize(
    "prompt",
    [
        "",
        "a black dog wearing halloween costume",
        "Palette: blorange, fizzgig, ???\nCamera move: wobble\n" + "very long words " * 200,
        "Dialogue:\nNarrator: 🌊 Über die Wellen — <b>&</b>\n\nActions:\n- only a beat",
    ],
)
def test_any_free_text_renders(tmp_path: Path, prompt: str) -> None:
    dest = tmp_path / "free.mp4"
    render_animatic(dest, prompt=prompt, size="160x90", seconds=1.0, seed=3)
    assert len(rgb_frames(dest)) == 24


def test_bad_size_and_seconds_are_refused_before_writing(tmp_path: Path) -> None:
    dest = tmp_path / "bad.mp4"
    with pytest.raises(ValueError, match="even"):
        render_animatic(dest, prompt="x", size="321x180", seconds=1.0)
    with pytest.raises(ValueError, match="1280x720"):
        render_animatic(dest, prompt="x", size="big", seconds=1.0)
    with pytest.raises(ValueError, match="seconds"):
        render_animatic(dest, prompt="x", size="320x180", seconds=0)
    assert list(tmp_path.iterdir()) == []


def test_thumbnail_and_spritesheet_come_from_the_clip(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    thumb, sheet = tmp_path / "t.webp", tmp_path / "s.jpg"
    render_thumbnail(clips["push"], thumb)
    render_spritesheet(clips["push"], sheet)
    with Image.open(thumb) as image:
        assert image.format == "WEBP"
        assert image.size == (320, 180)
        middle = np.asarray(image.convert("RGB"), dtype=np.float32)
    frames = rgb_frames(clips["push"])
    assert np.abs(middle - frames[len(frames) // 2]).mean() < 6
    assert np.abs(middle - frames[0]).mean() > np.abs(middle - frames[len(frames) // 2]).mean()
    with Image.open(sheet) as image:
        assert image.format == "JPEG"
        assert image.size == (5 * 320, 2 * 180)
        grid = np.asarray(image.convert("RGB"), dtype=np.float32)
    first_tile, last_tile = grid[:180, :320], grid[180:, 4 * 320 :]
    assert np.abs(first_tile - last_tile).mean() > 4, "tiles are taken across the clip"


def test_prompt_template_is_read_section_by_section() -> None:
    spec = parse_shot(shot("Slow dolly-in", "teal, warm amber, cream, charcoal"))
    assert spec.framing == "close"
    assert spec.move == "push_in"
    assert spec.palette_names == ["teal", "warm amber", "cream", "charcoal"]
    assert spec.palette[0] == color_rgb("teal")
    assert spec.beats == [
        "The teacher taps the cloud on the diagram",
        "Arrows light up from sea to cloud",
    ]
    assert spec.dialogue == [("Teacher", "Water never really disappears.")]
    assert spec.prose.startswith("A teacher points")


@pytest.mark.parametrize(
    ("move", "expected"),
    [
        ("locked-off static frame", "static"),
        ("slow push in", "push_in"),
        ("dolly out to reveal the lab", "pull_out"),
        ("gentle pan left", "pan_left"),
        ("tracking shot following the student", "pan_right"),
        ("tilt down to the notebook", "tilt_down"),
        ("crane up over the city", "tilt_up"),
        ("handheld", "handheld"),
    ],
)
def test_camera_directions_map_to_moves(move: str, expected: str) -> None:
    assert parse_shot(f"Scene.\n\nCamera move: {move}\n").move == expected


def test_free_text_still_yields_colours_and_framing() -> None:
    spec = parse_shot("close up of a white fox on a red rock")
    assert spec.framing == "close"
    assert spec.palette[:2] == [color_rgb("white"), color_rgb("red")]
    assert spec.prose == "close up of a white fox on a red rock"


def test_unknown_colour_names_get_a_stable_colour() -> None:
    assert color_rgb("blorange") == color_rgb("Blorange")
    assert color_rgb("blorange") != color_rgb("fizzgig")
    assert color_rgb("dark teal") != color_rgb("teal")
    assert color_rgb("#102030") == (16, 32, 48)
