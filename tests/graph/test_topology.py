"""The graph's shape is pinned, and it loads the way Studio loads it (langgraph.json)."""

from __future__ import annotations

import asyncio
import dataclasses
import importlib.util
import json
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

ROOT = Path(__file__).resolve().parents[2]


def test_topology_matches_snapshot(snapshot: SnapshotAssertion) -> None:
    from lessonreel.graph.builder import build_graph

    assert build_graph().get_graph(xray=True).draw_mermaid() == snapshot


def test_langgraph_json_exposes_the_compiled_graph_by_file_path() -> None:
    config = json.loads((ROOT / "langgraph.json").read_text())
    target = config["graphs"]["lessonreel"]
    file_part, attr = target.split(":")
    spec = importlib.util.spec_from_file_location("lessonreel_studio_entry", ROOT / file_part)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    graph = getattr(module, attr)
    assert graph.name == "lessonreel"
    assert graph.checkpointer is None  # Studio brings its own
    nodes = set(graph.get_graph(xray=True).nodes)
    for name in ("ingest_lesson", "direct_storyboard", "review_storyboard", "assemble_lesson"):
        assert name in nodes
    for name in ("screen_shot", "sanitize_shot", "dispatch_shot", "await_clip", "fetch_clip"):
        assert f"render_shot:{name}" in nodes


def test_context_fields_are_described_and_fall_back_to_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lessonreel.graph.context import Context

    for f in dataclasses.fields(Context):
        assert f.metadata.get("description"), f.name
    monkeypatch.setenv("LESSONREEL_MAX_SANITIZE_ROUNDS", "5")
    monkeypatch.setenv("LESSONREEL_REVIEW", "yes")
    monkeypatch.setenv("LESSONREEL_BUDGET_USD", "2.5")
    ctx = Context()
    assert (ctx.max_sanitize_rounds, ctx.review, ctx.budget_usd) == (5, True, 2.5)
    assert Context(max_sanitize_rounds=1).max_sanitize_rounds == 1
    monkeypatch.setenv("LESSONREEL_TARGET_SECONDS", "lots")
    with pytest.raises(ValueError, match="LESSONREEL_TARGET_SECONDS"):
        Context()


def test_client_side_rate_limits_come_from_the_context_or_environment_and_reach_the_provider(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lessonreel.graph.context import Context
    from lessonreel.graph.services import build_services
    from lessonreel.video.providers import factory

    seen: dict[str, object] = {}
    real = factory.make_provider

    def spy(name: str, **options: object) -> object:
        seen.update(options)
        return real(name, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(factory, "make_provider", spy)
    monkeypatch.setenv("LESSONREEL_RPM", "90")
    monkeypatch.setenv("LESSONREEL_CREATE_RPM", "2")
    ctx = Context()
    assert (ctx.rpm, ctx.create_rpm) == (90.0, 2.0)
    svc = build_services(ctx)
    try:
        assert (seen["rpm"], seen["create_rpm"]) == (90.0, 2.0)
    finally:
        asyncio.run(svc.aclose())
    monkeypatch.delenv("LESSONREEL_RPM")
    monkeypatch.delenv("LESSONREEL_CREATE_RPM")
    seen.clear()
    svc = build_services(Context())
    try:
        assert not {"rpm", "create_rpm"} & set(seen)  # unset: the provider's defaults stay
    finally:
        asyncio.run(svc.aclose())
