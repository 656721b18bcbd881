"""``lessonreel batch`` (local engine): many lessons, one folder each, one exit code."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lessonreel.app.batch import batch_exit_code, batch_lessons
from lessonreel.app.cli import app
from lessonreel.store.ledger import Ledger
from lessonreel.video.stitch import probe

OTHER_LESSON = """# Volcanoes

Objectives:
- Explain how magma reaches the surface.

Magma rises through cracks in the crust. When pressure builds, the volcano erupts and lava
flows down its sides, cooling into new rock.
"""


def _batch(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["batch", *args])
    return result.exit_code, result.stdout, result.stderr


def test_every_lesson_gets_its_own_folder_and_the_batch_exits_0(
    lesson_file: Path, fast_emulator: Path, small_local_sizes: str, tmp_path: Path
) -> None:
    volcano = tmp_path / "volcanoes.md"
    volcano.write_text(OTHER_LESSON, encoding="utf-8")
    twin = tmp_path / "again"
    twin.mkdir()
    same_name = twin / lesson_file.name
    same_name.write_text(lesson_file.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"

    code, stdout, stderr = _batch(
        str(lesson_file), str(volcano), str(same_name),
        "--out", str(out), "--size", small_local_sizes, "--seconds", "8",
        "--emulator-config", str(fast_emulator), "--yes", "--json",
    )  # fmt: skip

    assert code == 0, stderr[-2000:]
    payload = json.loads(stdout)
    names = [row["name"] for row in payload["lessons"]]
    assert names == ["water-cycle", "volcanoes", "water-cycle-2"]
    for name in names:
        video = probe(out / name / "lesson.mp4")
        assert (video.width, video.height) == (320, 180)
        report = json.loads((out / name / "report.json").read_text())
        assert report["status"] == "done"
    # per-lesson progress on stderr, and three distinct runs in the ledger
    assert "[volcanoes] shot 1 delivered" in stderr
    run_ids = {row["run_id"] for row in payload["lessons"]}
    with Ledger.open() as ledger:
        assert run_ids <= {run["run_id"] for run in ledger.list_runs(limit=10)}
    assert len(run_ids) == 3


def test_an_unreadable_lesson_fails_the_batch_before_anything_runs(
    lesson_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    code, _stdout, stderr = _batch(
        str(lesson_file), str(tmp_path / "missing.md"), "--out", str(out)
    )
    assert code == 2
    assert "missing.md" in stderr
    assert "Traceback" not in stderr
    assert not out.exists()


def test_exit_code_names_the_worst_lesson() -> None:
    assert batch_exit_code([0, 0]) == 0
    assert batch_exit_code([0, 3]) == 3
    assert batch_exit_code([3, 1, 0]) == 1


def test_lessons_with_the_same_file_name_get_distinct_folders(tmp_path: Path) -> None:
    lessons = batch_lessons([Path("a/intro.md"), Path("b/intro.md"), Path("c/Intro.md")], tmp_path)
    assert [lesson.out for lesson in lessons] == [
        tmp_path / "intro", tmp_path / "intro-2", tmp_path / "Intro-3"
    ]  # fmt: skip


def test_the_temporal_engine_without_a_server_is_a_one_line_error(
    lesson_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("LESSONREEL_TEMPORAL_ADDRESS", f"127.0.0.1:{port}")
    code, _stdout, stderr = _batch(
        str(lesson_file), "--engine", "temporal", "--base-url", "http://127.0.0.1:9/v1",
        "--out", str(tmp_path / "out"), "--yes",
    )  # fmt: skip
    assert code == 1
    assert f"no Temporal at 127.0.0.1:{port}" in stderr
    assert "Traceback" not in stderr


def test_the_temporal_engine_refuses_the_in_process_emulator(lesson_file: Path) -> None:
    code, _stdout, stderr = _batch(str(lesson_file), "--engine", "temporal", "--yes")
    assert code == 2
    assert "every worker reaches" in stderr


def test_batch_takes_every_option_make_takes() -> None:
    import typer.main

    from lessonreel.app.cli import app

    def options(name: str) -> set[str]:
        command = typer.main.get_command(app).commands[name]  # type: ignore[attr-defined]
        return {opt for param in command.params for opt in param.opts if opt.startswith("--")}

    missing = options("make") - options("batch") - {"--out"}
    assert missing == set(), f"batch lacks make's {sorted(missing)}"
