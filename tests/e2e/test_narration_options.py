"""Narration options from the notebook API and the command line, and what a run says about them.

Options that cannot work are refused before a run exists; while it runs the user sees the voice
being recorded; at the end the result says whether the video speaks and, when a speech call
failed, why it does not.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from lessonreel.app import make_video
from lessonreel.store.ledger import Ledger


def _runs() -> list[object]:
    with Ledger.open() as ledger:
        return list(ledger.list_runs(10))


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"voice": "bob"}, "unknown voice 'bob'"),
        ({"voice": "coral"}, "voice 'coral' needs OPENAI_API_KEY"),
        ({"speaking_rate": 3.0}, "speaking rate 3 is outside 0.5-2.0"),
    ],
)
def test_a_voice_or_rate_that_cannot_work_raises_before_a_run_exists(
    lesson_file: Path, options: dict[str, object], says: str
) -> None:
    with pytest.raises(ValueError, match=says):
        make_video(lesson_file, **options)  # type: ignore[arg-type]
    assert _runs() == []


def test_turning_narration_off_lets_any_voice_through_and_the_result_says_so(
    lesson_file: Path, fast_emulator: Path, small_local_sizes: str, tmp_path: Path
) -> None:
    result = make_video(
        lesson_file,
        narration=False,
        voice="coral",  # not spoken, so not checked
        emulator_config=str(fast_emulator),
        size=small_local_sizes,
        target_seconds=8,
        output_dir=str(tmp_path / "out"),
    )
    assert result.report is not None
    assert result.report.status == "done"
    assert "No voice-over: narration was turned off" in result._repr_html_()


def _dead_speech_url() -> str:
    """A loopback address nobody answers on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/v1"


def test_a_failed_speech_call_keeps_the_video_and_the_result_says_why(
    lesson_file: Path, fast_emulator: Path, small_local_sizes: str, tmp_path: Path
) -> None:
    from rich.console import Console

    dead = _dead_speech_url()
    out = tmp_path / "out"
    result = make_video(
        lesson_file,
        voice="coral",
        speech_base_url=dead,
        emulator_config=str(fast_emulator),
        size=small_local_sizes,
        target_seconds=8,
        output_dir=str(out),
    )
    assert result.report is not None
    assert result.report.status == "done"
    assert (out / "lesson.mp4").stat().st_size > 0
    note = json.loads((out / "report.json").read_text())["narration"]["note"]
    assert note
    assert "speech request failed" in note
    html = result._repr_html_()
    assert "No voice-over (" in html
    assert "speech request failed" in html
    console = Console(record=True, width=200)
    console.print(result)
    assert "speech request failed" in console.export_text()


def test_the_command_line_says_which_voice_records_and_why_the_video_is_silent(
    lesson_file: Path, fast_emulator: Path, small_local_sizes: str, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from lessonreel.app.cli import app

    env = {
        "LESSONREEL_SPEECH_BASE_URL": _dead_speech_url(),
        "LESSONREEL_EMULATOR_CONFIG": str(fast_emulator),
        "LESSONREEL_SIZE": small_local_sizes,
    }
    out = tmp_path / "out"
    args = ["make", str(lesson_file), "--voice", "coral", "--seconds", "8", "--out", str(out)]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    recording = lines.index("Recording the narration (coral)…")
    assert "speech request failed" in lines[recording + 1]
    assert (out / "lesson.mp4").stat().st_size > 0
    last = [line for line in lines if line.startswith("No voice-over (")]
    assert len(last) == 1, result.output
    assert "speech request failed" in last[0]


def test_make_refuses_a_voice_that_cannot_speak_here_but_plan_still_prices_it(
    lesson_file: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from lessonreel.app.cli import app

    out = tmp_path / "out"
    made = CliRunner().invoke(
        app, ["make", str(lesson_file), "--voice", "coral", "--out", str(out)]
    )
    assert made.exit_code == 2
    assert made.output.strip().splitlines() == [
        "error: voice 'coral' needs OPENAI_API_KEY on this machine; ready voices: joe"
    ]
    assert not out.exists()
    assert _runs() == []
    planned = CliRunner().invoke(app, ["plan", str(lesson_file), "--voice", "coral", "--json"])
    assert planned.exit_code == 0, planned.output
    assert json.loads(planned.output)["estimate"]["speech_usd"] > 0, (
        "the online voice was not priced"
    )
