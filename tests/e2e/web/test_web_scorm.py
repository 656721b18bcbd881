"""The SCORM package inside a fake LMS frame that records every API call, and on its own."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from studio_helpers import ConsoleLog, axe_violations, serve_app

from lessonreel.app.web.scorm import build_scorm

LESSON = """# Why the Moon Has Phases

Objectives:
- Explain why the Moon seems to change shape.

The Moon does not make its own light. Sunlight always lights half of the Moon. As the Moon
orbits the Earth, we see different parts of that lit half. When we see the whole lit half we
call it a full moon. When the lit half faces away from us we call it a new moon.
"""

# A stand-in LMS: the SCORM 1.2 API on the parent window, the package in an iframe.
FAKE_LMS = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Fake LMS</title>
<link rel="icon" href="data:,">
<script>
window.calls = [];
window.cmi = {"cmi.core.lesson_status": "not attempted"};
function record(name, args, result) { window.calls.push([name].concat(args)); return result; }
window.API = {
  LMSInitialize: function (a) { return record("LMSInitialize", [a], "true"); },
  LMSFinish: function (a) { return record("LMSFinish", [a], "true"); },
  LMSGetValue: function (k) { return record("LMSGetValue", [k], window.cmi[k] || ""); },
  LMSSetValue: function (k, v) { window.cmi[k] = v; return record("LMSSetValue", [k, v], "true"); },
  LMSCommit: function (a) { return record("LMSCommit", [a], "true"); },
  LMSGetLastError: function () { return "0"; },
  LMSGetErrorString: function () { return ""; },
  LMSGetDiagnostic: function () { return ""; }
};
</script></head>
<body><main><h1>Course</h1>
<iframe title="Lesson" src="pkg/index.html" width="900" height="1400"></iframe></main></body></html>
"""


@pytest.fixture
def package(studio_env: str, tmp_path: Path) -> Path:
    """A finished run's SCORM zip, unpacked under a folder holding the fake LMS page."""
    from lessonreel.app.api import make_video

    result = make_video(text=LESSON, target_seconds=8)
    assert result.video_path is not None
    zip_path = build_scorm(result.video_path.parent, result.run_id, tmp_path / "lesson.zip")
    site = tmp_path / "lms"
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(site / "pkg")
    (site / "lms.html").write_text(FAKE_LMS, encoding="utf-8")
    return site


def _site(folder: Path) -> Any:
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    return serve_app(Starlette(routes=[Mount("/", StaticFiles(directory=folder))]))


def _calls(page: Any) -> list[list[str]]:
    calls: list[list[str]] = page.evaluate("() => window.calls")
    return calls


def test_launch_page_reports_completion_score_and_finish_to_the_lms(
    package: Path, page: Any, console: ConsoleLog
) -> None:
    site = _site(package)
    try:
        page.goto(site.url + "/lms.html")
        page.wait_for_function("() => window.calls.length > 0")
        assert _calls(page)[0] == ["LMSInitialize", ""]
        frame = page.frame_locator("iframe")
        lesson = page.frames[1]
        lesson.wait_for_function("() => document.querySelector('video').readyState >= 1")
        assert ["LMSSetValue", "cmi.core.lesson_status", "incomplete"] in _calls(page)
        # watch to the end (fast-forwarded): the LMS hears "completed"
        lesson.evaluate(
            "() => { const v = document.querySelector('video'); v.muted = true;"
            " v.playbackRate = 8; return v.play(); }"
        )
        page.wait_for_function(
            "() => window.cmi['cmi.core.lesson_status'] === 'completed'", timeout=30_000
        )
        # one wrong answer out of three or more
        questions = frame.locator("fieldset.question")
        count = questions.count()
        assert count >= 3
        for i in range(count):
            q = questions.nth(i)
            answer = int(q.get_attribute("data-answer") or "0")
            pick = answer if i else (answer + 1) % q.get_by_role("radio").count()
            q.get_by_role("radio").nth(pick).check()
        frame.get_by_role("button", name="Check answers").click()
        page.wait_for_function("() => window.calls.some(c => c[0] === 'LMSFinish')")
        calls = _calls(page)
        score = round(100 * (count - 1) / count)
        assert ["LMSSetValue", "cmi.core.score.raw", str(score)] in calls
        verdict = "passed" if score >= 75 else "failed"
        assert ["LMSSetValue", "cmi.core.lesson_status", verdict] in calls
        names = [c[0] for c in calls]
        assert names.index("LMSCommit") < names.index("LMSFinish")
        assert names.count("LMSFinish") == 1
        # finished means finished: answering again reports nothing more
        frame.get_by_role("button", name="Check answers").click()
        assert len(_calls(page)) == len(calls)
    finally:
        site.stop()
    assert console.errors == [], json.dumps(console.errors)


def test_launch_page_plays_and_checks_answers_outside_an_lms(
    package: Path, page: Any, console: ConsoleLog
) -> None:
    from playwright.sync_api import expect

    site = _site(package)
    try:
        page.goto(site.url + "/pkg/index.html")
        expect(page.get_by_text("Not opened from a learning platform")).to_be_visible()
        assert axe_violations(page) == []
        page.wait_for_function("() => document.querySelector('video').readyState >= 1")
        page.evaluate(
            "() => { const v = document.querySelector('video'); v.muted = true; return v.play(); }"
        )
        page.wait_for_function("() => document.querySelector('video').currentTime > 0.2")
        assert page.locator('track[kind="captions"]').count() == 1
        page.get_by_role("button", name="Check answers").click()
        expect(
            page.get_by_role("group", name="Check your understanding").get_by_role("status")
        ).to_contain_text("You answered 0 of")
    finally:
        site.stop()
    assert console.errors == []
