"""A run killed with SIGKILL at any moment and resumed pays for each shot once and loses nothing.

Short version of ``make crash`` (bench/crash.py): a 6-shot lesson against the emulator served as
a real process; ``lessonreel make`` is killed while submitting, while waiting for jobs and while
assembling, and ``lessonreel resume RUN`` is run after every kill.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.slow

SHOTS = 6


def test_run_killed_three_times_and_resumed_creates_each_shot_once_and_loses_nothing(
    driver: ModuleType, seeded_blocklist: Path, tmp_path: Path
) -> None:
    shutil.copytree(seeded_blocklist, tmp_path / "home" / "blocklist")

    fig = driver.crash_run(tmp_path, shots=SHOTS, kills=3, seed=3, latency=0.8, log=print)

    assert fig.kills >= 2, f"the driver killed too rarely to test anything: {fig}"
    assert fig.resumes >= fig.kills
    assert fig.final_status == "done"
    assert fig.final_exit == 0
    # exactly one paid create per shot, however the kills fell
    assert fig.creates == SHOTS
    assert fig.duplicates == 0
    # every clip stored with the ledger's checksum; the lesson is whole and decodes to the end
    assert fig.problems == []
    assert fig.lost == 0
    assert fig.duration == pytest.approx(fig.storyboard_seconds, abs=0.5)
    assert fig.frames >= int(fig.storyboard_seconds * 24) - 2
