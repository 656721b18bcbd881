"""``lessonreel export RUN --scorm`` and the quiz in the run's report and storyboard."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from typer.testing import CliRunner

from lessonreel.app.cli import app as cli_app
from lessonreel.app.web.scorm import MASTERY_SCORE

LESSON = """# Magnets

Objectives:
- Describe how magnets attract and repel.

Every magnet has a north pole and a south pole. Opposite poles attract each other, so a north
pole pulls a south pole closer. Like poles repel, so two north poles push each other away. A
compass needle is a small magnet that lines up with the magnetic field of the Earth.
"""


def test_export_writes_a_scorm_zip_and_the_report_holds_the_quiz(
    studio_env: str, tmp_path: Path
) -> None:
    from lessonreel.app.api import make_video

    result = make_video(text=LESSON, target_seconds=12)
    assert result.video_path is not None
    out = result.video_path.parent
    report = json.loads((out / "report.json").read_text())
    assert 3 <= len(report["quiz"]["questions"]) <= 5
    assert "## Check your understanding" in (out / "storyboard.md").read_text()

    dest = tmp_path / "magnets.zip"
    run = CliRunner().invoke(cli_app, ["export", result.run_id, "--scorm", "--out", str(dest)])
    assert run.exit_code == 0, run.output
    assert run.output.strip() == str(dest)
    with zipfile.ZipFile(dest) as zf:
        names = set(zf.namelist())
        manifest = zf.read("imsmanifest.xml").decode()
        launch = zf.read("index.html").decode()
        assert zf.read("lesson.mp4") == result.video_path.read_bytes()
    assert {"imsmanifest.xml", "index.html", "quiz.js", "scorm.js", "lesson.vtt"} <= names
    assert f"<adlcp:masteryscore>{MASTERY_SCORE}</adlcp:masteryscore>" in manifest
    assert 'adlcp:scormtype="sco"' in manifest
    assert 'href="index.html"' in manifest
    assert "Check your understanding" in launch
    assert 'kind="captions"' in launch


def test_export_refuses_what_it_cannot_do(studio_env: str, tmp_path: Path) -> None:
    runner = CliRunner()
    unknown = runner.invoke(cli_app, ["export", "no-such-run", "--scorm"])
    assert unknown.exit_code == 2
    assert "no run 'no-such-run'" in unknown.output
    no_format = runner.invoke(cli_app, ["export", "no-such-run"])
    assert no_format.exit_code == 2
    assert "--scorm" in no_format.output
