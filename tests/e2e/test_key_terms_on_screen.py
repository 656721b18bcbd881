"""Done-when for the teaching layer: a lesson's key terms can be read back from its frames.

Lessons from the shared eval set (not used while building the layer) go through ingest, the
offline director and the explainer look at 720p with captions burned in; one frame a second is
read by Tesseract (a separate process, installed by the Makefile). The caption on screen at that
moment is blanked out first (the bottom zone captions are burned into), so its words never
count: burned-in captions alone cannot pass.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import ImageDraw

from lessonreel.agents.director_offline import direct_offline
from lessonreel.agents.ingest import load_lesson
from lessonreel.agents.on_screen import key_terms
from lessonreel.agents.text import term_key
from lessonreel.graph.storyboard_doc import caption_cues
from lessonreel.graph.teaching import compose_pictures
from lessonreel.video.encode import ClipWriter
from lessonreel.video.overlay.layers import caption_card

EVAL = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "lessons"
LESSONS = [
    "03_physics_newtons_first_law_inertia.txt",
    "14_earth_science_earths_crust_plate_tectonics.txt",
]
PRODUCTION_NOTES = re.compile(
    r"close-?up|push-?in|pull-?(?:out|back)|dolly|\bpan\b|tilt|wide shot|insert shot"
    r"|\d+\s*-\s*\d+\s*s\b",
    re.I,
)

pytestmark = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="tesseract-ocr is installed by `make test`"
)


def _ocr(image_path: Path) -> str:
    done = subprocess.run(
        ["tesseract", str(image_path), "stdout", "--psm", "11"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout


def _words(text: str) -> list[str]:
    return [term_key(w) for w in re.findall(r"[A-Za-z][A-Za-z'-]*", text)]


@pytest.mark.parametrize("name", LESSONS)
def test_key_terms_are_read_back_from_the_frames(name: str, tmp_path: Path) -> None:
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
        storyboard, lesson, slates, tmp_path, size="1280x720", explainer=True, burn=cues
    )
    caption_top = caption_card("M " * 200, (1280, 720), (0.0, 1.0)).y0  # two full lines
    seen: list[set[str]] = []
    notes: list[str] = []
    for path in shots:
        with av.open(str(path)) as container:
            wanted = 0.5
            for frame in container.decode(video=0):
                if frame.time is None or frame.time < wanted:
                    continue
                wanted += 1.0
                png = tmp_path / "frame.png"
                image = frame.to_image()
                ImageDraw.Draw(image).rectangle([0, caption_top, 1280, 720], fill=(255, 255, 255))
                image.resize((640, 360)).save(png)
                text = _ocr(png)
                seen.append(set(_words(text)))
                notes += PRODUCTION_NOTES.findall(text)
    terms = key_terms(lesson)
    found = [t for t in terms if any(set(term_key(t).split()) <= words for words in seen)]
    assert len(found) >= 0.8 * len(terms), f"read back {found} of {terms}"
    assert not notes, f"production notes on screen: {notes}"
