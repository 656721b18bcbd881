"""Two ``lessonreel make`` processes started at the same moment in one home.

A teacher scripting a week of lessons starts several makes at once. Aimed at different folders
they must all finish; aimed at the same folder the second must say so in one line (exit 2)
instead of racing the first, printing a traceback or leaving a phantom run behind.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from conftest import Lessonreel

SHOTS = 2
SLOW_RENDER = {"latency": 4}
"""Seconds each clip takes: the first run still holds its folder when the second one looks."""


def _start_together(lessonreel: Lessonreel, emulator: Any, outs: list[Path]) -> list[Any]:
    """Start one ``make`` per folder at once; wait for all; return the finished processes."""
    procs = [
        subprocess.Popen(
            lessonreel.driver.cli(*lessonreel.driver.make_args(emulator.url, out, SHOTS)),
            env=lessonreel.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        for out in outs
    ]
    finished = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=240)
        finished.append(subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr))
    return finished


def _run_ids(lessonreel: Lessonreel) -> list[str]:
    return [str(r["run_id"]) for r in lessonreel.ledger("SELECT run_id FROM runs")]


def test_two_makes_into_different_folders_both_finish(
    lessonreel: Lessonreel, tmp_path: Path
) -> None:
    emulator = lessonreel.emulator(SLOW_RENDER)
    outs = [tmp_path / "monday", tmp_path / "tuesday"]
    procs = _start_together(lessonreel, emulator, outs)
    for out, proc in zip(outs, procs, strict=True):
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert "Traceback" not in proc.stderr
        assert (out / "lesson.mp4").stat().st_size > 0
        report = json.loads((out / "report.json").read_text())
        assert report["status"] == "done"
    ids = {json.loads((out / "report.json").read_text())["run_id"] for out in outs}
    assert len(ids) == 2, "the two makes shared one run"
    assert sorted(_run_ids(lessonreel)) == sorted(ids)


def test_two_makes_into_one_folder_one_finishes_and_the_other_says_why(
    lessonreel: Lessonreel, tmp_path: Path
) -> None:
    emulator = lessonreel.emulator(SLOW_RENDER)
    out = tmp_path / "shared"
    procs = _start_together(lessonreel, emulator, [out, out])
    codes = sorted(p.returncode for p in procs)
    assert codes == [0, 2], [p.stderr[-2000:] for p in procs]
    winner = next(p for p in procs if p.returncode == 0)
    loser = next(p for p in procs if p.returncode == 2)
    report = json.loads((out / "report.json").read_text())
    assert report["status"] == "done", winner.stderr[-2000:]
    assert "Traceback" not in loser.stderr
    lines = loser.stderr.strip().splitlines()
    assert len(lines) == 1, loser.stderr
    assert lines[0].startswith("error: --out ")
    assert f"is being written by run {report['run_id']}" in lines[0]
    assert "choose another folder" in lines[0]
    assert _run_ids(lessonreel) == [report["run_id"]], "the refused make left a run behind"
