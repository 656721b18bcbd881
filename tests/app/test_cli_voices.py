"""The narrator's options on the command line: listing voices, refusing unknown ones."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from lessonreel.app.cli import app


def test_voices_lists_the_offline_default_and_the_online_voices() -> None:
    result = CliRunner().invoke(app, ["voices", "--json"], env={"OPENAI_API_KEY": ""})
    assert result.exit_code == 0, result.output
    rows = {r["voice"]: r for r in json.loads(result.output)}
    assert rows["joe"]["engine"] == "piper"
    assert rows["joe"]["default"] is True
    assert rows["joe"]["ready"] is True
    assert rows["joe"]["usd_per_minute"] == 0
    assert rows["coral"]["engine"] == "openai"
    assert rows["coral"]["usd_per_minute"] > 0
    assert all(r["licence"] for r in rows.values())


def test_unknown_voice_is_exit_2_listing_the_voices(tmp_path: Path) -> None:
    lesson = tmp_path / "l.md"
    lesson.write_text("# Rivers\n\nRivers carry water to the sea.\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["make", str(lesson), "--voice", "bob", "--out", str(out)])
    assert result.exit_code == 2
    assert "unknown voice 'bob'" in result.output
    assert "joe" in result.output
    assert "coral" in result.output
    assert "Traceback" not in result.output
    assert not (out / "lesson.mp4").exists()


def test_speaking_rate_out_of_range_is_exit_2(tmp_path: Path) -> None:
    lesson = tmp_path / "l.md"
    lesson.write_text("# Rivers\n\nRivers carry water to the sea.\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["plan", str(lesson), "--speaking-rate", "5"])
    assert result.exit_code == 2
    assert "0.5-2.0" in result.output
