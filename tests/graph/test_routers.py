"""Routing decisions per the error taxonomy, and the fan-in reducer, as tables."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from lessonreel.agents.schemas import Verdict
from lessonreel.graph.context import Context
from lessonreel.graph.routers import (
    route_after_await,
    route_after_dispatch,
    route_after_fetch,
    route_after_sanitize,
    route_after_screen,
)
from lessonreel.graph.state import ShotResult, merge_shot_results
from lessonreel.video.types import CREATE_OUTCOME_UNKNOWN, ErrorKind, JobError, VideoJob

UNKNOWN = CREATE_OUTCOME_UNKNOWN


def _rt(**ctx: Any) -> Any:
    return SimpleNamespace(context=Context(**ctx))


def _err(kind: ErrorKind, code: str | None = None) -> JobError:
    return JobError(kind=kind, code=code, message="x")


async def test_screen_routes_allowed_to_dispatch_and_blocked_to_bounded_sanitizing() -> None:
    allowed, blocked = Verdict(allowed=True), Verdict(allowed=False, category="violence")
    rt = _rt(max_sanitize_rounds=2)
    assert await route_after_screen({"verdict": allowed}, rt) == "dispatch_shot"  # type: ignore[typeddict-item]
    for rounds, expected in ((0, "sanitize_shot"), (1, "sanitize_shot"), (2, "give_up_shot")):
        state: Any = {"verdict": blocked, "sanitize_rounds": rounds}
        assert await route_after_screen(state, rt) == expected


async def test_sanitizer_that_cannot_fix_gives_up() -> None:
    assert await route_after_sanitize({"reason": "cannot fix"}) == "give_up_shot"  # type: ignore[typeddict-item]
    assert await route_after_sanitize({}) == "screen_shot"  # type: ignore[typeddict-item]


@pytest.mark.parametrize(
    ("error", "state", "expected"),
    [
        (_err(ErrorKind.CONTENT_POLICY), {"sanitize_rounds": 0}, "sanitize_shot"),
        (_err(ErrorKind.CONTENT_POLICY), {"sanitize_rounds": 2}, "give_up_shot"),
        (_err(ErrorKind.RATE_LIMITED), {"retry": 3}, "back_off"),
        (_err(ErrorKind.RATE_LIMITED), {"retry": 12}, "give_up_shot"),
        (_err(ErrorKind.SERVER_ERROR), {"retry": 0}, "back_off"),
        (_err(ErrorKind.TIMEOUT), {"retry": 2}, "back_off"),
        (_err(ErrorKind.SERVER_ERROR), {"retry": 3}, "give_up_shot"),
        (_err(ErrorKind.QUOTA_EXHAUSTED), {}, "stop_shot"),
        (_err(ErrorKind.INVALID_REQUEST), {}, "give_up_shot"),
        # a lost create waits on the same key, bounded by its own rounds, whatever the retry
        (_err(ErrorKind.SERVER_ERROR, UNKNOWN), {"retry": 3, "unknown_rounds": 0}, "back_off"),
        (_err(ErrorKind.TIMEOUT, UNKNOWN), {"unknown_rounds": 2}, "back_off"),
        (_err(ErrorKind.SERVER_ERROR, UNKNOWN), {"unknown_rounds": 3}, "give_up_shot"),
    ],
)
async def test_provider_failures_follow_the_taxonomy(
    error: JobError, state: dict[str, Any], expected: str
) -> None:
    rt = _rt(max_sanitize_rounds=2, max_retries=3)
    assert await route_after_dispatch({**state, "error": error}, rt) == expected  # type: ignore[arg-type]
    assert await route_after_await({**state, "error": error}, rt) == expected  # type: ignore[arg-type]


async def test_await_routes_success_to_fetch_and_budget_stops_to_stop() -> None:
    rt = _rt()
    done = VideoJob(id="v1", provider="local", status="succeeded")
    assert await route_after_await({"job": done, "error": None}, rt) == "fetch_clip"  # type: ignore[typeddict-item]
    assert await route_after_dispatch({"stopped": True}, rt) == "stop_shot"  # type: ignore[typeddict-item]
    assert await route_after_dispatch({"error": None}, rt) == "await_clip"  # type: ignore[typeddict-item]


async def test_fetch_retries_the_download_but_renders_again_only_when_the_link_expired() -> None:
    rt = _rt(max_retries=2)
    truncated = _err(ErrorKind.SERVER_ERROR, "truncated")
    expired = _err(ErrorKind.SERVER_ERROR, "expired")
    assert await route_after_fetch({"error": None}, rt) == "__end__"  # type: ignore[typeddict-item]
    assert await route_after_fetch({"error": truncated, "fetch_attempts": 1}, rt) == "fetch_clip"  # type: ignore[typeddict-item]
    assert await route_after_fetch({"error": truncated, "fetch_attempts": 2}, rt) == "back_off"  # type: ignore[typeddict-item]
    assert await route_after_fetch({"error": expired, "fetch_attempts": 1}, rt) == "back_off"  # type: ignore[typeddict-item]
    assert await route_after_fetch({"error": expired, "retry": 2}, rt) == "give_up_shot"  # type: ignore[typeddict-item]


def test_shot_results_merge_by_index_and_the_later_attempt_wins() -> None:
    first = {0: ShotResult(index=0, outcome="given_up", reason="blocked")}
    second = {0: ShotResult(index=0, outcome="delivered", generation=1)}
    other = {1: ShotResult(index=1, outcome="delivered")}
    merged = merge_shot_results(merge_shot_results(first, other), second)
    assert sorted(merged) == [0, 1]
    assert merged[0].outcome == "delivered"
    assert merged[0].generation == 1
    assert merge_shot_results(None, other) == other
