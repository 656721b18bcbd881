"""The educator's whole path in Chromium: paste → storyboard → approve → video → quiz → SCORM."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

from studio_helpers import ConsoleLog, Studio, axe_violations

# A lesson no test or fixture has seen: the studio must cope with new text.
VOLCANO_LESSON = """How Volcanoes Erupt

Objectives:
- Explain how magma forms and rises.
- Describe what happens when a volcano erupts.

Deep under the crust, rock melts into magma when heat and pressure are high. Magma is lighter
than the solid rock around it, so it rises through cracks. Gas bubbles grow inside the magma as
it climbs. When the pressure of the gas becomes too great, the volcano erupts and lava pours out
of the vent. Ash clouds can rise many kilometres into the sky.
"""

EDITED = "Magma is melted rock that rises because it is lighter than solid rock."
AXE_LOG = Path(__file__).parents[3] / "build" / "axe-results.json"


def _axe(page: Any, name: str, results: dict[str, Any]) -> None:
    found = axe_violations(page)
    results[name] = found
    assert found == [], f"axe-core found serious/critical problems on the {name} page: {found}"


def test_educator_goes_from_pasted_text_to_video_quiz_and_scorm(
    studio: Studio, page: Any, console: ConsoleLog, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    axe: dict[str, Any] = {}
    page.goto(studio.url + "/")
    expect(page.get_by_role("heading", name="New lesson")).to_be_visible()
    _axe(page, "new lesson", axe)
    page.get_by_label("Lesson text").fill(VOLCANO_LESSON)
    # two shots: a single 8-s shot says too little for a three-question check
    page.get_by_label("Target length (seconds)").fill("16")
    page.get_by_role("button", name="Make storyboard").click()

    # review: narration editable, estimate shown, nothing spent yet
    expect(page.get_by_role("heading", name=re.compile(r"^Review:"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"Estimate: \$"))).to_be_visible()
    _axe(page, "review", axe)
    first = page.get_by_label("Narration for shot 1")
    expect(first).not_to_be_empty()
    first.fill(EDITED)
    page.get_by_role("button", name="Approve and render").click()

    # result: the video loads with a captions track and plays
    video = page.locator("video#lesson-video")
    expect(video).to_be_visible(timeout=60_000)
    expect(page.locator('track[kind="captions"]')).to_have_count(1)
    expect(page.locator('track[kind="chapters"]')).to_have_count(1)
    page.wait_for_function(
        "() => { const v = document.querySelector('video'); return v.readyState >= 1; }"
    )
    page.evaluate(
        "() => { const v = document.querySelector('video'); v.textTracks[0].mode = 'showing'; "
        "v.muted = true; return v.play(); }"
    )
    page.wait_for_function("() => document.querySelector('video').currentTime > 0.2")
    page.wait_for_function("() => document.querySelector('track[kind=captions]').readyState === 2")
    cues = page.evaluate("() => document.querySelector('video').textTracks[0].cues.length")
    assert cues > 0, "the captions track loaded no cues"
    _axe(page, "result", axe)

    # the learning check: at least 3 questions; answering them all right says so
    quiz = page.get_by_role("group", name="Check your understanding")
    expect(quiz).to_be_visible()
    questions = quiz.locator("fieldset.question")
    count = questions.count()
    assert 3 <= count <= 5
    for i in range(count):
        q = questions.nth(i)
        answer = int(q.get_attribute("data-answer") or "0")
        q.get_by_role("radio").nth(answer).check()
    page.get_by_role("button", name="Check answers").click()
    expect(quiz.get_by_role("status")).to_have_text(
        f"You answered {count} of {count} correctly (100%)."
    )

    # every download link works; the SCORM zip holds what an LMS needs
    got_files = {}
    for name in ("Download video", "Download captions", "Download storyboard"):
        href = page.get_by_role("link", name=name).get_attribute("href")
        response = page.request.get(studio.url + href)
        assert response.ok, name
        got_files[name] = response.body()
    # the teacher's edit reached the captions and the storyboard
    for name in ("Download captions", "Download storyboard"):
        assert EDITED in " ".join(got_files[name].decode().split()), name
    with page.expect_download() as got:
        page.get_by_role("link", name="Download SCORM package").click()
    zip_path = tmp_path / "package.zip"
    got.value.save_as(zip_path)
    with zipfile.ZipFile(zip_path) as zf:
        names = set(zf.namelist())
        manifest = zf.read("imsmanifest.xml").decode()
    assert {"imsmanifest.xml", "index.html", "lesson.mp4", "lesson.vtt"} <= names
    assert "<schemaversion>1.2</schemaversion>" in manifest
    assert "How Volcanoes Erupt" in manifest

    # the runs list shows the finished run with an upscale action
    page.get_by_role("link", name="Runs").click()
    row = page.get_by_role("row", name=re.compile("How Volcanoes Erupt"))
    expect(row).to_contain_text("ready")
    expect(row.get_by_role("button", name="Upscale How Volcanoes Erupt")).to_be_visible()
    _axe(page, "runs", axe)

    AXE_LOG.parent.mkdir(parents=True, exist_ok=True)
    AXE_LOG.write_text(json.dumps(axe, indent=2))
    assert console.errors == []
