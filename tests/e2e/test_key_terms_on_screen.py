"""Done-when for the teaching layer: a lesson's key terms can be read back from its frames.

Lessons from the shared eval set that were never used while building or tuning the layer (03 and
14 shaped it first, then 10, 12 and 18 tuned the key-term timing) go through ingest, the offline
director and the explainer look at 720p, with captions burned in. One frame a second is read by
Tesseract (a separate process, installed by the Makefile). A key term counts when all its words
are read from some frame *and none of them is a word of the caption cue on screen at that
moment*: burned-in captions alone cannot pass, and neither can a card that only ever shows a
term while the narration says it. A card's heading strip is read a second time as one line.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from lessonreel.agents.director_offline import direct_offline
from lessonreel.agents.ingest import load_lesson
from lessonreel.agents.on_screen import key_terms
from lessonreel.agents.text import term_key
from lessonreel.graph.storyboard_doc import caption_cues
from lessonreel.graph.teaching import compose_pictures
from lessonreel.video.encode import ClipWriter

EVAL = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "lessons"
HELD_OUT = [
    "01_biology_cell_membrane_fluid_mosaic.txt",
    "06_chemistry_factors_affecting_reaction_rates.txt",
    "08_history_wwii_dday_holocaust_yalta.txt",
]
# camera moves as the shot grammar writes them ("slow pan right"): a bare "pan" is what OCR
# makes of an icon's columns
PRODUCTION_NOTES = re.compile(
    r"close-?up|push-?in|pull-?(?:out|back)|dolly|\bpan (?:left|right)\b|tilt|wide shot"
    r"|insert shot|\btrack (?:left|right)\b|split screen|establishing"
    r"|\d+\s*-\s*\d+\s*s\b",
    re.I,
)

CARD_STRIP = 0.25
"""Share of the frame height, from the top, that holds a key-term card's heading."""

pytestmark = [
    pytest.mark.skipif(
        shutil.which("tesseract") is None, reason="tesseract-ocr is installed by `make test`"
    ),
    pytest.mark.slow,
    pytest.mark.timeout(900),  # a minute of 720p video and 60 OCR reads; a loaded machine is slow
]


def _ocr(image_path: Path, psm: int = 11) -> str:
    done = subprocess.run(
        ["tesseract", str(image_path), "stdout", "--psm", str(psm)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    )
    return done.stdout


def _read(image_path: Path) -> str:
    """The frame as sparse text, plus its key-term card strip as one line.

    Sparse-text mode misses a card heading in large bold type with nothing under it (a term the
    lesson never defines); read as a single line, Tesseract gets it.
    """
    strip = image_path.with_suffix(".card.png")
    with Image.open(image_path) as image:
        image.crop((0, 0, image.width, round(image.height * CARD_STRIP))).save(strip)
    return _ocr(image_path) + "\n" + _ocr(strip, psm=7)


def _words(text: str) -> set[str]:
    return {term_key(w) for w in re.findall(r"[A-Za-z][A-Za-z'-]*", text)}


@pytest.mark.parametrize("name", HELD_OUT)
def test_key_terms_are_read_back_from_the_frames_beside_the_captions(
    name: str, tmp_path: Path
) -> None:
    source = EVAL / name
    if not source.exists():
        pytest.skip(f"eval lesson {source} is not here")
    lesson = load_lesson(source)
    storyboard = direct_offline(lesson, legal_seconds=[4, 8, 12], target_seconds=60)
    cues = caption_cues(storyboard)
    footage = tmp_path / "footage.mp4"  # the explainer replaces its picture; it has no sound
    with ClipWriter(footage, 320, 180) as writer:
        writer.write_rgb(np.zeros((180, 320, 3), np.uint8))
    slates = [(footage, True) for _ in storyboard.shots]
    shots = compose_pictures(
        storyboard, lesson, slates, tmp_path, size="1280x720", explainer=True, cues=cues, burn=True
    )
    samples: list[tuple[float, Path]] = []
    for shot, path in zip(storyboard.shots, shots, strict=True):
        with av.open(str(path)) as container:
            wanted = 0.5
            for frame in container.decode(video=0):
                if frame.time is None or frame.time < wanted:
                    continue
                png = tmp_path / f"frame-{len(samples):03d}.png"
                frame.to_image().resize((640, 360)).save(png)
                samples.append((shot.start + wanted, png))
                wanted += 1.0
    with ThreadPoolExecutor(max_workers=2) as pool:
        texts = list(pool.map(_read, [png for _, png in samples]))
    readable: list[set[str]] = []  # per frame: words read, minus the words of the cue on screen
    notes: list[str] = []
    for (t, _), text in zip(samples, texts, strict=True):
        said = " ".join(c.text for c in cues if c.start <= t < c.end)
        readable.append(_words(text) - _words(said))
        notes += PRODUCTION_NOTES.findall(text)
    assert len(samples) >= storyboard.total_seconds - len(storyboard.shots)  # one a second
    terms = key_terms(lesson)
    found = [t for t in terms if any(set(term_key(t).split()) <= words for words in readable)]
    assert len(found) >= 0.8 * len(terms), f"read back {found} of {terms}"
    assert not notes, f"production notes on screen: {notes}"
