"""SCORM 1.2 package of a finished run: manifest, launch page, video, captions and the quiz.

The launch page finds the LMS's ``API`` object in a parent frame or the opener, calls
``LMSInitialize``, marks the lesson completed once the video has played to its end, and after
the quiz records the score and passed/failed, then ``LMSCommit`` and ``LMSFinish``. Without an
LMS it still plays and the quiz still checks answers.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

from lessonreel.agents.schemas import Storyboard
from lessonreel.app.web.render import render_template, static_dir

MASTERY_SCORE = 75
"""Percent of the quiz to pass: 3 of 4, 4 of 5 (and 3 of 3) questions."""

PACKAGE_FILES = ("index.html", "quiz.js", "scorm.js", "lesson.mp4", "lesson.vtt", "chapters.vtt")

_NS = {
    "": "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
    "adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}


class ExportError(ValueError):
    """The run cannot be exported yet; the message says why in one line."""


def _vtt_time(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def chapters_vtt(storyboard: Storyboard) -> str:
    """A WebVTT chapters track: one chapter per shot, named by what it shows."""
    out = ["WEBVTT", ""]
    for shot in storyboard.shots:
        name = " ".join(f"{shot.index + 1}. {shot.subject}".split())
        out += [f"{_vtt_time(shot.start)} --> {_vtt_time(shot.end)}", name, ""]
    return "\n".join(out)


def manifest_xml(run_id: str, title: str) -> str:
    """``imsmanifest.xml``: one SCO whose launch page is ``index.html``."""
    for prefix, uri in _NS.items():
        ET.register_namespace(prefix, uri)
    cp, adl = "{" + _NS[""] + "}", "{" + _NS["adlcp"] + "}"
    root = ET.Element(f"{cp}manifest", {"identifier": f"lessonreel-{run_id}", "version": "1.0"})
    meta = ET.SubElement(root, f"{cp}metadata")
    ET.SubElement(meta, f"{cp}schema").text = "ADL SCORM"
    ET.SubElement(meta, f"{cp}schemaversion").text = "1.2"
    orgs = ET.SubElement(root, f"{cp}organizations", {"default": "lessonreel"})
    org = ET.SubElement(orgs, f"{cp}organization", {"identifier": "lessonreel"})
    ET.SubElement(org, f"{cp}title").text = title
    item = ET.SubElement(org, f"{cp}item", {"identifier": "lesson", "identifierref": "sco"})
    ET.SubElement(item, f"{cp}title").text = title
    ET.SubElement(item, f"{adl}masteryscore").text = str(MASTERY_SCORE)
    resources = ET.SubElement(root, f"{cp}resources")
    res = ET.SubElement(
        resources,
        f"{cp}resource",
        {"identifier": "sco", "type": "webcontent", f"{adl}scormtype": "sco", "href": "index.html"},
    )
    for name in PACKAGE_FILES:
        ET.SubElement(res, f"{cp}file", {"href": name})
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def launch_page(storyboard: Storyboard, title: str) -> str:
    """The package's ``index.html``: player, captions, chapters and the quiz."""
    return render_template(
        "scorm_launch.html",
        title=title,
        quiz=storyboard.quiz,
        mastery=MASTERY_SCORE,
        css=(static_dir() / "studio.css").read_text(encoding="utf-8"),
    )


def build_scorm(out_dir: Path, run_id: str, dest: Path | None = None) -> Path:
    """Write the run's SCORM 1.2 zip (next to its video unless ``dest``) and return its path."""
    video, vtt, board = out_dir / "lesson.mp4", out_dir / "lesson.vtt", out_dir / "storyboard.json"
    for need in (video, vtt, board):
        if not need.is_file():
            raise ExportError(
                f"run {run_id} has no {need.name} yet — finish it first "
                f"(lessonreel resume {run_id})"
            )
    storyboard = Storyboard.model_validate_json(board.read_text(encoding="utf-8"))
    title = storyboard.title
    dest = dest or out_dir / "lesson-scorm.zip"
    partial = dest.with_name(dest.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("imsmanifest.xml", manifest_xml(run_id, title))
        zf.writestr("index.html", launch_page(storyboard, title))
        zf.write(static_dir() / "quiz.js", "quiz.js")
        zf.write(static_dir() / "scorm.js", "scorm.js")
        zf.write(video, "lesson.mp4", compress_type=zipfile.ZIP_STORED)
        zf.write(vtt, "lesson.vtt")
        zf.writestr("chapters.vtt", chapters_vtt(storyboard))
    partial.replace(dest)
    return dest
