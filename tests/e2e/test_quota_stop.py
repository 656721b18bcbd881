"""A provider quota running out stops dispatching for the run; what was done is kept."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lessonreel.app import Context, make_video
from lessonreel.video.stitch import probe


def test_quota_exhaustion_stops_the_run_keeps_delivered_shots_and_reports_it(
    lesson_file: Path, small_local_sizes: str, make_emulator_yaml: Any
) -> None:
    config = make_emulator_yaml("quota:\n  max_creates: 1\n")
    ctx = Context(
        emulator_config=str(config),
        size=small_local_sizes,
        target_seconds=12,
        max_concurrent_jobs=1,
    )
    result = make_video(lesson_file, context=ctx)

    assert result.report is not None
    assert result.exit_code == 3
    report = json.loads(Path(result.report.report_path or "").read_text())
    outcomes = [s["outcome"] for s in report["shots"]]
    assert outcomes.count("delivered") == 1
    assert outcomes.count("stopped") == len(outcomes) - 1
    assert report["status"] == "stopped"
    assert "quota" in report["stop_reason"]
    assert report["totals"]["attempts"] <= 2  # the refused create, never a retry loop
    assert abs(probe(Path(report["video_path"])).duration - report["totals"]["seconds"]) <= 0.5


def test_webhook_events_are_recorded_once(tmp_path: Path) -> None:
    import asyncio

    from lessonreel.app.webhook_sink import ledger_sink
    from lessonreel.store.ledger import Ledger
    from lessonreel.video.webhooks import WebhookEvent

    event = WebhookEvent(
        id="evt_1",
        type="video.completed",
        created_at=1.0,
        data={"id": "video_1"},
        video_id="video_1",
        provider="openai",
    )
    with Ledger.open() as ledger:
        sink = ledger_sink(ledger)
        assert asyncio.run(sink(event)) is True
        assert asyncio.run(sink(event)) is False
        (row,) = ledger.events_for_job("openai", "video_1")
    assert row["type"] == "video.completed"
