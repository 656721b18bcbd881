"""The notebook API's narration options, and what its result says about the voice.

Options that cannot work are refused before a run exists; the result says whether the video
speaks and, when a speech call failed, why it does not.
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


def test_a_failed_speech_call_keeps_the_video_and_the_result_says_why(
    lesson_file: Path, fast_emulator: Path, small_local_sizes: str, tmp_path: Path
) -> None:
    from rich.console import Console

    with socket.socket() as sock:  # a loopback port nobody answers on
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
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
