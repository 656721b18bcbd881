"""The run commands as a new user meets them: help, bad input, providers, empty history."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from lessonreel.app.cli import app

COMMANDS = ["make", "plan", "runs", "show", "resume", "upscale", "providers", "webhooks"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_run_command_has_help(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_missing_lesson_file_is_exit_2_with_one_line_saying_what_to_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["make", str(tmp_path / "nope.md")])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "not found" in lines[0]
    assert "check the path" in lines[0]


@pytest.mark.parametrize("body", ["", "   \n\n  "])
def test_empty_lesson_is_exit_2(tmp_path: Path, body: str) -> None:
    path = tmp_path / "empty.md"
    path.write_text(body)
    result = CliRunner().invoke(app, ["make", str(path)])
    assert result.exit_code == 2
    assert result.output.startswith("error: ")


def test_empty_stdin_is_exit_2() -> None:
    result = CliRunner().invoke(app, ["make", "-"], input="")
    assert result.exit_code == 2
    assert "stdin" in result.output


def test_unknown_model_and_missing_key_are_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "l.md"
    path.write_text("# Tides\n\nThe moon pulls the oceans and makes tides.\n")
    bad_model = CliRunner().invoke(app, ["make", str(path), "--model", "sora-9"])
    assert bad_model.exit_code == 2
    assert "sora-9" in bad_model.output
    no_key = CliRunner().invoke(app, ["make", str(path), "--provider", "openai"])
    assert no_key.exit_code == 2
    assert "OPENAI_API_KEY" in no_key.output


def test_unknown_run_is_exit_2() -> None:
    for command in (
        ["show", "nope-run"],
        ["resume", "nope-run"],
        ["upscale", "nope-run", "--shots", "1"],
    ):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 2, command
        assert "lessonreel runs" in result.output


def test_providers_lists_models_durations_prices_and_keys() -> None:
    result = CliRunner().invoke(app, ["providers"], env={"COLUMNS": "250"})
    assert result.exit_code == 0
    for text in ("local", "openai", "sora-2-pro", "4, 8, 12", "OPENAI_API_KEY", "0.30"):
        assert text in result.output
    # prices we could not verify, or that are derived from token prices, say so
    assert "(per token: estimate)" in result.output
    assert "(unverified)" in result.output
    assert "retired on 2026-09-24" in result.output


def test_runs_on_a_fresh_home_says_how_to_start() -> None:
    result = CliRunner().invoke(app, ["runs"])
    assert result.exit_code == 0
    assert "lessonreel make" in result.output
