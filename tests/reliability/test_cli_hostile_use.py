"""The command line under hostile use: endless stdin, odd titles, bad --out, absurd --shots.

Each test runs ``lessonreel`` as a child process (issue 10, items 3, 4, 5 and 8): the failure is
one line with exit 2 before any work, and a title is printed as the data it is.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from lessonreel.store.ledger import Ledger

CLI = [sys.executable, "-c", "from lessonreel.app.cli import main; main()"]
REPO = Path(__file__).resolve().parents[2]
LESSON_TEXT = (REPO / "examples" / "lessons" / "photosynthesis.md").read_text(encoding="utf-8")


def lessonreel(
    *args: str, env: dict[str, str], stdin: Any = subprocess.DEVNULL, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        env=env,
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def env(home: Path, driver: ModuleType) -> dict[str, str]:
    return {**driver.run_env(home), "COLUMNS": "80"}


def one_line_error(proc: subprocess.CompletedProcess[str], *must: str) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for text in must:
        assert text in lines[0], lines[0]
    return lines[0]


def runs_in(home: Path) -> list[dict[str, Any]]:
    if not (home / "lessonreel.db").exists():
        return []
    with Ledger.open(home) as ledger:
        return ledger.list_runs(100)


# -- 3: stdin has a limit ----------------------------------------------------------------------


def test_endless_stdin_stops_with_the_size_error_within_seconds(env: dict[str, str]) -> None:
    started = time.monotonic()
    with open("/dev/zero", "rb") as zeros:
        proc = lessonreel("plan", "-", env=env, stdin=zeros, timeout=60)
    assert time.monotonic() - started < 60
    one_line_error(proc, "stdin", "limit")


def test_a_lesson_file_over_the_limit_is_named_in_bytes_without_a_phantom_option(
    env: dict[str, str], tmp_path: Path
) -> None:
    big = tmp_path / "big.md"
    big.write_text("Plants make food from light. " * 40_000, encoding="utf-8")
    line = one_line_error(lessonreel("plan", str(big), env=env), "big.md", "bytes", "limit")
    assert "max_chars" not in line


# -- 4: user text is data ----------------------------------------------------------------------


def test_a_title_with_markup_and_escapes_is_listed_and_shown(
    home: Path, env: dict[str, str]
) -> None:
    title = "Photosynthesis [/] [bold]x \x1b[2J\x1b]0;pwned\x07"
    with Ledger.open(home) as ledger:
        ledger.create_run(
            "photosynthesis-0badf00d",
            lesson_id="p",
            title=title,
            provider="local",
            model="sora-2",
            options={},
        )
    for args in (["runs"], ["show", "photosynthesis-0badf00d"]):
        proc = lessonreel(*args, env={**env, "COLUMNS": "120"})
        assert proc.returncode == 0, proc.stderr
        assert "Photosynthesis [/] [bold]x" in proc.stdout
        assert "\x1b" not in proc.stdout + proc.stderr
        assert "pwned" not in proc.stdout


# -- 5: --out checked before any work, resume --out, one writer at a time ----------------------


def test_an_existing_file_as_out_is_refused_before_anything_runs(
    home: Path, env: dict[str, str], tmp_path: Path
) -> None:
    lesson = tmp_path / "lesson.md"
    lesson.write_text(LESSON_TEXT, encoding="utf-8")
    target = tmp_path / "taken"
    target.write_text("mine", encoding="utf-8")
    one_line_error(lessonreel("make", str(lesson), "--out", str(target), env=env), "not a folder")
    assert target.read_text(encoding="utf-8") == "mine"
    assert runs_in(home) == []


def test_the_lesson_under_an_output_name_in_out_is_left_untouched(
    home: Path, env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "d"
    out.mkdir()
    lesson = out / "storyboard.md"
    lesson.write_text(LESSON_TEXT, encoding="utf-8")
    one_line_error(lessonreel("make", str(lesson), "--out", str(out), env=env), "lesson")
    assert lesson.read_text(encoding="utf-8") == LESSON_TEXT
    assert runs_in(home) == []


def test_a_file_the_run_did_not_write_is_never_overwritten(
    home: Path, env: dict[str, str], tmp_path: Path
) -> None:
    lesson = tmp_path / "lesson.md"
    lesson.write_text(LESSON_TEXT, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.json").write_text("{}", encoding="utf-8")
    one_line_error(
        lessonreel("make", str(lesson), "--out", str(out), env=env), "report.json", "not written"
    )
    assert (out / "report.json").read_text(encoding="utf-8") == "{}"
    assert runs_in(home) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_out_is_refused_before_anything_runs(
    home: Path, env: dict[str, str], tmp_path: Path
) -> None:
    lesson = tmp_path / "lesson.md"
    lesson.write_text(LESSON_TEXT, encoding="utf-8")
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    try:
        proc = lessonreel("make", str(lesson), "--out", str(out), env=env)
    finally:
        out.chmod(0o755)
    one_line_error(proc, "cannot write")
    assert runs_in(home) == []


def test_a_second_run_writing_the_same_out_is_refused(
    home: Path, env: dict[str, str], tmp_path: Path
) -> None:
    from lessonreel.app.out_guard import hold_output_dir

    lesson = tmp_path / "lesson.md"
    lesson.write_text(LESSON_TEXT, encoding="utf-8")
    out = tmp_path / "shared"
    with hold_output_dir(out, run_id="first-run-00000000"):
        proc = lessonreel("make", str(lesson), "--out", str(out), env=env)
    one_line_error(proc, "first-run-00000000")
    assert runs_in(home) == []


def test_a_run_turned_away_as_the_holder_starts_still_names_the_holder(tmp_path: Path) -> None:
    """Two resumes started together: the loser reads the lock file before the winner wrote it."""
    import fcntl
    import threading

    from lessonreel.app.out_guard import LOCK, OutputDirError, hold_output_dir

    out = tmp_path / "out"
    out.mkdir()
    locked = threading.Event()

    def hold() -> None:
        with (out / LOCK).open("a+", encoding="utf-8") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            locked.set()
            time.sleep(0.2)  # the holder has the lock but has not written who it is yet
            fh.write("run winner-000 (pid 4242)")
            fh.flush()
            time.sleep(0.5)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(5)
        with (
            pytest.raises(OutputDirError, match=r"run winner-000 \(pid 4242\)"),
            hold_output_dir(out, run_id="loser-000"),
        ):
            pass
    finally:
        holder.join()


def test_resume_writes_a_paused_run_to_its_new_out(
    lessonreel: Any, home: Path, tmp_path: Path
) -> None:
    emulator = lessonreel.emulator({"latency": 0})
    first_out = tmp_path / "first"
    paused = lessonreel.run(
        *lessonreel.driver.make_args(emulator.url, first_out, 2, "--review"),
    )
    assert paused.returncode == 0, paused.stderr[-2000:]
    run_id = lessonreel.driver.only_run_id(home)
    assert run_id
    assert "--approve" in paused.stderr
    moved = tmp_path / "moved"
    done = lessonreel.run("resume", run_id, "--approve", "--out", str(moved))
    assert done.returncode == 0, done.stderr[-2000:]
    assert (moved / "lesson.mp4").stat().st_size > 0
    assert not (first_out / "lesson.mp4").exists()


# -- 8: upscale --shots is checked against the run ---------------------------------------------


@pytest.mark.parametrize("shots", ["99", "99999999999999999999999", "0", "2,7", "x"])
def test_upscale_shots_outside_the_run_are_bad_input(
    home: Path, env: dict[str, str], shots: str
) -> None:
    with Ledger.open(home) as ledger:
        ledger.create_run(
            "six-shots-00000001",
            lesson_id="s",
            title="Six shots",
            provider="local",
            model="sora-2",
            options={},
            shots=6,
        )
    proc = lessonreel("upscale", "six-shots-00000001", "--shots", shots, env=env)
    line = one_line_error(proc, "--shots")
    if shots in {"99", "0", "2,7"}:
        assert re.search(r"1.6", line), line
