"""Cost governance seen from the command line: a budget caps money a provider charges.

A provider that charges is downgraded near the cap, then stopped (exit 3); the free local
emulator is never stopped by a budget, and its shadow price is shown but not enforced.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lessonreel.app.cli import app
from lessonreel.store.ledger import Ledger
from lessonreel.video.pricing import PriceTable, write_price_file


@pytest.fixture
def local_charges_like_sora(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A price file that makes the emulator bill Sora's list prices: a provider that charges."""
    table = PriceTable.default()
    specs = [
        replace(spec, price_per_second=table.model_spec("openai", spec.model).price_per_second)
        for spec in table.specs("local")
    ]
    path = write_price_file(tmp_path / "paid.json", specs)
    monkeypatch.setenv("LESSONREEL_PRICES", str(path))


def test_budget_below_the_estimate_downgrades_then_stops_with_exit_3(
    lesson_file: Path, fast_emulator: Path, tmp_path: Path, local_charges_like_sora: None
) -> None:
    out = tmp_path / "out"
    # sora-2-pro 720p charged $0.30/s: a 4 s and an 8 s shot, $3.60 together; sora-2 $0.10/s.
    # Silent, so the director's shot lengths are the ones rendered. The shots go side by side:
    # whichever asks first is downgraded to sora-2 ($0.40 or $0.80) and the other no longer fits.
    args = ["make", str(lesson_file), "--out", str(out), "--model", "sora-2-pro"]
    args += ["--budget", "0.9", "--seconds", "12", "--emulator-config", str(fast_emulator)]
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
        spent = ledger.spent(report["run_id"])
    assert run is not None
    assert run["estimate_usd"] == 3.6  # the estimate was stored before anything was bought
    assert 0 < spent <= 0.9 + 1e-9  # the cap held


def test_a_budget_never_stops_the_free_local_emulator(
    lesson_file: Path, fast_emulator: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    args = ["make", str(lesson_file), "--out", str(out), "--model", "sora-2", "--budget", "0.5"]
    args += ["--seconds", "12", "--emulator-config", str(fast_emulator)]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "250"})

    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    shadow = report["estimate"]["shadow_usd"]  # for the lengths the narration set
    assert result.output.count("Estimate") == 1  # once, with the lengths the narration set
    assert f"shadow price on azure: ${shadow:.2f}, not charged" in result.output  # not enforced
    assert "over budget" not in result.output
    assert report["status"] != "stopped"
    assert {s["outcome"] for s in report["shots"]} == {"delivered"}
    assert {s["model"] for s in report["shots"]} == {"sora-2"}  # nothing downgraded either
    assert report["totals"]["spent_usd"] == 0.0
    assert report["totals"]["shadow_usd"] > 0.5  # it would have cost more than the budget


def test_the_readme_notebook_call_delivers_every_shot_on_the_local_emulator(
    lesson_file: Path, fast_emulator: Path, tmp_path: Path
) -> None:
    from lessonreel.app import make_video

    # the README's make_video(..., budget_usd=...) with a budget below the shadow price
    result = make_video(
        lesson_file,
        budget_usd=0.5,
        output_dir=str(tmp_path / "out"),
        target_seconds=12,
        emulator_config=str(fast_emulator),
    )
    assert result.report is not None
    totals = result.report.totals
    assert result.report.status == "done"
    assert totals.delivered == totals.shots > 0
    assert totals.spent_usd == 0.0
    assert totals.shadow_usd > 0.5
