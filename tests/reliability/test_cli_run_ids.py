"""Runs are easy to name: short readable ids, `last` and prefixes, listings that never cut an id.

A review run started without a terminal pauses before anything is rendered, tells the user the
command that continues it, and `show` reports it as awaiting review.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
LESSON = REPO / "examples" / "lessons" / "photosynthesis.md"


def test_a_paused_review_is_named_shortly_found_by_last_or_prefix_and_listed_whole(
    lessonreel: Any, home: Path
) -> None:
    paused = lessonreel.run("make", str(LESSON), "--review", "--seconds", "8", "--size", "320x180")
    assert paused.returncode == 0, paused.stderr[-2000:]
    run_id = lessonreel.driver.only_run_id(home)
    assert run_id is not None
    assert len(run_id) <= 40
    assert re.fullmatch(r"photosynthesis[a-z0-9-]*-[0-9a-f]{8}", run_id), run_id
    assert f"lessonreel resume {run_id} --approve" in paused.stderr
    assert "Aborted" not in paused.stderr

    for name in ("last", run_id[:16], run_id):
        shown = lessonreel.run("show", name)
        assert shown.returncode == 0, shown.stderr
        assert run_id in shown.stdout
        assert "awaiting review" in shown.stdout

    narrow = lessonreel.run("runs", env={**lessonreel.env, "COLUMNS": "60"})
    assert narrow.returncode == 0, narrow.stderr
    assert run_id in narrow.stdout

    unknown = lessonreel.run("show", "zzz")
    assert unknown.returncode == 2
    assert "Traceback" not in unknown.stderr
