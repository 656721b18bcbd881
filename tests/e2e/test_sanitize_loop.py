"""Refused prompts are rewritten, screened again and delivered; unfixable ones become slates.

The provider's refusal (emulator moderation terms) and the screen's block both go through the
sanitizer; a prompt nothing can fix ends as a slate with its reason in the report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lessonreel.app import Context, make_video
from lessonreel.graph.services import attach_services, build_services
from lessonreel.video.stitch import probe

TERM = "establishing"  # only the opening shot's framing says "wide establishing shot"


class ScriptedSanitizer:
    """A chat model stand-in for the LLM sanitizer: replaces one word, records every call."""

    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new
        self.calls: list[str] = []

    def with_structured_output(self, schema: Any) -> ScriptedSanitizer:
        self.schema = schema
        return self

    async def ainvoke(self, messages: list[tuple[str, str]]) -> Any:
        user = messages[-1][1]
        self.calls.append(user)
        prompt = user.split("<<<\n", 1)[1].rsplit("\n>>>", 1)[0]
        return self.schema(prompt=prompt.replace(self.old, self.new), changes=["reworded"])


def _render_one_shot(ctx: Context, shot: Any, text: str, size: str) -> Any:
    """Run the per-shot subgraph alone on ``text`` and return the shot's result."""
    import asyncio

    from lessonreel.agents.schemas import ShotPrompt
    from lessonreel.graph.builder import build_shot_graph
    from lessonreel.graph.services import open_services
    from lessonreel.graph.state import ShotTask
    from lessonreel.store.home import new_run_id

    task = ShotTask(
        run_id=new_run_id("shot"),
        shot=shot,
        prompt=ShotPrompt(shot_index=0, text=text, seconds=4, size=size),
        model="sora-2",
        size=size,
        generation=0,
    )

    async def run() -> dict[str, Any]:
        async with open_services(ctx):
            out: dict[str, Any] = await build_shot_graph().ainvoke(task, context=ctx)
            return out

    return asyncio.run(run())["shot_results"][0]


def _context(make_emulator_yaml: Any, tmp_path: Path, size: str, moderation: str) -> Context:
    config = make_emulator_yaml(f"moderation:\n  {moderation}: [{TERM}]\n")
    return Context(
        emulator_config=str(config), size=size, target_seconds=12, output_dir=str(tmp_path / "out")
    )


def test_provider_rejection_is_rewritten_rescreened_and_delivered(
    lesson_file: Path, small_local_sizes: str, tmp_path: Path, make_emulator_yaml: Any
) -> None:
    ctx = _context(make_emulator_yaml, tmp_path, small_local_sizes, "async_terms")
    sanitizer = ScriptedSanitizer(TERM, "opening")
    svc = build_services(ctx, sanitizer_llm=sanitizer)
    attach_services(ctx, svc)

    result = make_video(lesson_file, context=ctx)

    assert result.report is not None
    assert result.report.status == "done"
    first = result.report.shots[0]
    assert first.outcome == "delivered"
    assert len(first.rewrites) == 1
    assert TERM in first.rewrites[0].before
    assert TERM not in first.rewrites[0].after
    assert "provider rejected" in first.rewrites[0].reason
    assert first.attempts == 2  # the rejected job, then the rewritten one
    assert TERM not in first.prompt
    assert len(sanitizer.calls) == 1
    assert all(len(s.rewrites) == 0 for s in result.report.shots[1:])


def test_prompt_that_cannot_be_fixed_becomes_a_slate_with_its_reason(
    lesson_file: Path, small_local_sizes: str, tmp_path: Path, make_emulator_yaml: Any
) -> None:
    ctx = _context(
        make_emulator_yaml, tmp_path, small_local_sizes, "submit_terms"
    )  # offline sanitizer: no fix

    result = make_video(lesson_file, context=ctx)

    assert result.report is not None
    report = json.loads(Path(result.report.report_path or "").read_text())
    first = report["shots"][0]
    assert first["outcome"] == "given_up"
    assert "provider rejected" in first["reason"]
    assert "content_policy" in first["reason"] or "policy" in first["reason"]
    assert report["status"] == "partial"
    assert [g["index"] for g in report["gaps"]] == [0]
    assert all(s["outcome"] == "delivered" for s in report["shots"][1:])
    # the slate keeps the lesson's timing: the video is as long as the storyboard
    assert abs(probe(Path(report["video_path"])).duration - report["totals"]["seconds"]) <= 0.5
    assert "given up" in Path(report["storyboard_md"]).read_text()


def test_screen_blocked_prompt_is_sanitized_offline_and_delivered(
    small_local_sizes: str, fast_emulator: Path, sample_shot: Any
) -> None:
    text = (
        "Mickey Mouse waves at a sunlit classroom window while a plant grows on the sill.\n\n"
        'Dialogue:\nNarrator: "Plants turn light into food."'
    )
    ctx = Context(emulator_config=str(fast_emulator), size=small_local_sizes)
    result = _render_one_shot(ctx, sample_shot, text, small_local_sizes)
    assert result.outcome == "delivered"
    assert len(result.rewrites) == 1
    assert "screen blocked" in result.rewrites[0].reason
    assert "mickey" not in result.prompt.lower()
    assert Path(result.clip_path).exists()


def test_provider_refusal_of_a_line_of_dialogue_is_simplified_offline_and_delivered(
    small_local_sizes: str, make_emulator_yaml: Any, sample_shot: Any
) -> None:
    """No key, no verdict to work from: the offline sanitizer drops the dialogue and retries."""
    config = make_emulator_yaml("moderation:\n  async_terms: [thunderclap]\n")
    text = (
        "A potted plant on a sunlit classroom windowsill slowly turns toward the light.\n\n"
        "Cinematography:\nCamera shot: medium shot\nCamera move: slow dolly-in\nLens: 35mm\n"
        "Lighting: soft window light\nPalette: leaf green, sky blue, warm white\nMood: calm\n\n"
        "Actions:\n- 0-4 s: the leaves tilt toward the window\n\n"
        "Background sound: a quiet room tone\n\n"
        'Dialogue:\nNarrator: "Like a thunderclap, the plant races to the light."\n'
    )
    ctx = Context(emulator_config=str(config), size=small_local_sizes)
    result = _render_one_shot(ctx, sample_shot, text, small_local_sizes)
    assert result.outcome == "delivered"
    assert result.attempts == 2  # the refused job, then the simplified one — never a blind retry
    assert len(result.rewrites) == 1
    assert "provider rejected" in result.rewrites[0].reason
    assert "thunderclap" not in result.prompt
    assert "potted plant" in result.prompt  # the subject, i.e. the teaching intent, stays
    assert "Camera move: static" in result.prompt
