"""Cost governance seen from the command line: estimate first, downgrade, then stop (exit 3)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from lessonreel.app.cli import app
from lessonreel.store.ledger import Ledger


def test_budget_below_the_estimate_downgrades_then_stops_with_exit_3(
    lesson_file: Path, fast_emulator: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    # sora-2-pro 720p is priced $0.30/s on openai: a 4 s and an 8 s shot, $3.60 together;
    # sora-2 is $0.10/s. Silent, so the director's shot lengths are the ones rendered.
    args = ["make", str(lesson_file), "--out", str(out), "--model", "sora-2-pro"]
    args += ["--budget", "0.5", "--seconds", "12", "--emulator-config", str(fast_emulator)]
    args += ["--no-narration"]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "250"})

    assert result.exit_code == 3, result.output
    assert "Estimate:" in result.output
    assert "over budget" in result.output
    assert result.output.index("Estimate:") < result.output.index("stopped")
    report = json.loads((out / "report.json").read_text())
    assert report["status"] == "stopped"
    outcomes = sorted((s["outcome"], s["model"]) for s in report["shots"])
    assert ("delivered", "sora-2") in outcomes  # downgraded before refusing
    assert any(o == "stopped" for o, _ in outcomes)
    stopped = [s for s in report["shots"] if s["outcome"] == "stopped"]
    assert all("budget" in s["reason"] for s in stopped)
    assert (out / "lesson.mp4").exists()  # what was done is kept and assembled
    with Ledger.open() as ledger:
        run = ledger.get_run(report["run_id"])
        shadow = ledger.spent(report["run_id"], shadow=True)
    assert run is not None
    assert run["estimate_usd"] == 0.0  # local bills nothing…
    assert run["estimate_shadow_usd"] == 3.6  # …and the estimate on openai was stored first
    assert shadow <= 0.5 + 1e-9  # the cap held
