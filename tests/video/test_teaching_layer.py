"""The teaching layer is readable on real frames: safe area, text size, contrast from the pixels.

Each shot is composited over a worst-case "footage" clip (white, black and saturated stripes)
and encoded; the checks decode the MP4 and measure the pixels where each line of text was drawn.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from lessonreel.video.captions import Cue
from lessonreel.video.encode import ClipWriter, EncoderSettings
from lessonreel.video.overlay.cards import TermCard
from lessonreel.video.overlay.compose import compose_shot
from lessonreel.video.overlay.layers import Band, TextLine, caption_zone, shot_bands
from lessonreel.video.overlay.plan import ShotVisual
from lessonreel.video.overlay.text import MIN_CONTRAST, MIN_TEXT_PX, SAFE_MARGIN, contrast
from lessonreel.video.tracks import Chapter, add_tracks

W, H, FPS = 1280, 720, 24
ASCENDERS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZbdfhklt0123456789")
DESCENDERS = set("gjpqy")

VISUALS = [
    ShotVisual(
        index=0,
        seconds=3.0,
        role="title",
        title="Plate tectonics: why the ground keeps moving",
        terms=(("tectonic plate", "A huge slab of crust and upper mantle that moves slowly."),),
    ),
    ShotVisual(
        index=1,
        seconds=3.0,
        terms=(("photosynthesis", "The process plants use to make glucose from light energy."),),
        labels=("sunlight", "water", "glucose"),
        equation=r"6CO_{2} + 6H_{2}O \rightarrow C_{6}H_{12}O_{6} + 6O_{2}",
    ),
    ShotVisual(
        index=2,
        seconds=3.0,
        role="recap",
        recap=("Define mass and inertia", "Apply Newton's first law to everyday motion"),
        labels=("inertia", "mass", "net external force"),
    ),
]


def _stripes(path: Path, seconds: float) -> None:
    """A clip that is hard to read text over: white, black and saturated vertical stripes."""
    colors = [(255, 255, 255), (0, 0, 0), (255, 220, 0), (0, 90, 255), (240, 240, 240)]
    image = np.zeros((H, W, 3), np.uint8)
    for k in range(W // 64):
        image[:, k * 64 : (k + 1) * 64] = colors[k % len(colors)]
    with ClipWriter(path, W, H, EncoderSettings(fps=FPS)) as writer:
        for _ in range(round(seconds * FPS)):
            writer.write_rgb(image)


def _frame_at(path: Path, t: float) -> np.ndarray:
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if frame.time is not None and frame.time >= t - 1e-6:
                return np.asarray(frame.to_ndarray(format="rgb24"))
    raise AssertionError(f"no frame at {t}s in {path}")


@pytest.fixture(scope="module")
def composed(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, Path, list[Band]]]:
    folder = tmp_path_factory.mktemp("teaching")
    footage = folder / "footage.mp4"
    _stripes(footage, 3.0)
    out = []
    for visual in VISUALS:
        dest = folder / f"shot-{visual.index}.mp4"
        cues = [(0.0, 3.0, "Captions burn in only when asked, below everything else.")]
        bands = compose_shot(dest, visual, size=f"{W}x{H}", clip=footage, fps=FPS, captions=cues)
        out.append((dest, footage, bands))
    return out


def _lines(
    composed: list[tuple[Path, Path, list[Band]]],
) -> list[tuple[Path, Path, Band, TextLine]]:
    return [(d, f, b, line) for d, f, bands in composed for b in bands for line in b.lines]


def test_every_kind_of_card_is_drawn(composed: list[tuple[Path, Path, list[Band]]]) -> None:
    kinds = {band.kind for _, _, bands in composed for band in bands}
    assert {"title", "term", "equation", "labels", "recap", "caption"} <= kinds


def test_text_stays_inside_the_title_safe_area(
    composed: list[tuple[Path, Path, list[Band]]],
) -> None:
    mx, my = round(W * SAFE_MARGIN), round(H * SAFE_MARGIN)
    for dest, footage, band, _ in _lines(composed):
        t = (band.start + band.end) / 2
        changed = (
            np.abs(_frame_at(dest, t).astype(int) - _frame_at(footage, t).astype(int)).max(axis=2)
            > 40
        )
        outside = changed.copy()
        outside[my : H - my, mx : W - mx] = False
        assert not outside.any(), f"{band.kind} draws outside the safe area"


def test_text_is_at_least_36_px_tall_and_contrasts_with_what_is_behind_it(
    composed: list[tuple[Path, Path, list[Band]]],
) -> None:
    checked = 0
    for dest, _, band, line in _lines(composed):
        frame = _frame_at(dest, (band.start + band.end) / 2)
        x0, y0, x1, y1 = line.box
        region = frame[y0:y1, x0:x1].astype(float)
        distance = np.abs(region - np.array(line.ink, float)).sum(axis=2)
        ink, behind = region[distance < 60], region[distance > 240]
        assert len(ink) > 20, f"no ink found for {line.text!r}"
        ratio = contrast(tuple(np.median(ink, axis=0)), tuple(np.median(behind, axis=0)))
        assert ratio >= MIN_CONTRAST, f"{line.text!r}: contrast {ratio:.2f}"
        assert line.size >= MIN_TEXT_PX
        if set(line.text) & ASCENDERS and set(line.text) & DESCENDERS:
            rows = np.flatnonzero((distance < 200).any(axis=1))
            assert rows[-1] - rows[0] + 1 >= MIN_TEXT_PX, f"{line.text!r} is too small"
        checked += 1
    assert checked >= 10


def test_soft_captions_and_chapters_are_tracks_in_the_mp4(
    composed: list[tuple[Path, Path, list[Band]]], tmp_path: Path
) -> None:
    source = composed[0][1]
    dest = tmp_path / "lesson.mp4"
    cues = [Cue(start=0.0, end=1.5, text="Plates move."), Cue(start=1.5, end=3.0, text="Slowly.")]
    chapters = [Chapter(0.0, 1.5, "Define a plate"), Chapter(1.5, 3.0, "Recap")]
    add_tracks(source, dest, cues=cues, chapters=chapters)
    with av.open(str(dest)) as container:
        assert [s.codec_context.name for s in container.streams.subtitles] == ["mov_text"]
        texts = [bytes(p)[2:].decode() for p in container.demux(subtitles=0) if p.size > 2]
        titles = [c["metadata"]["title"] for c in container.chapters()]
    assert texts == ["Plates move.", "Slowly."]
    assert titles == ["Define a plate", "Recap"]


def test_nothing_is_drawn_where_players_show_soft_captions() -> None:
    crowded_title = ShotVisual(
        index=0,
        seconds=8.0,
        role="title",
        title="Averages and probability: the mean, the median and the mode of a data set",
        cards=(
            TermCard("arithmetic average", "The sum of the values divided by their count.", 1, 5),
            TermCard("probability", "How likely an outcome is, from 0 (never) to 1 (sure).", 5, 8),
        ),
    )
    zone = caption_zone((W, H))
    for visual in [*VISUALS, crowded_title]:
        for explainer in (False, True):
            layout = shot_bands(visual, (W, H), explainer=explainer)
            for band in layout.bands:
                inked = np.flatnonzero(band.rgba[:, :, 3].any(axis=1))
                assert band.y0 + inked[-1] < zone, f"{band.kind} reaches into the caption zone"
            assert layout.diagram_bottom <= zone


def test_no_second_of_an_explainer_shot_is_bare_background(tmp_path: Path) -> None:
    visual = ShotVisual(
        index=2,
        seconds=4.0,
        labels=("evaporation", "condensation", "precipitation"),
        diagram="process",
        subject="earth science",
        words="water rises, cools and falls",
    )
    dest = tmp_path / "explainer.mp4"
    compose_shot(dest, visual, size=f"{W}x{H}", explainer=True, fps=FPS)
    for t in (0.0, 1.0, 2.0, 3.0):
        grey = _frame_at(dest, t).astype(int).sum(axis=2) // 3
        edges = (np.abs(np.diff(grey, axis=1)) > 40).mean()  # the background is soft gradients
        assert edges > 0.001, f"only background at {t}s"
