"""The sanitizer: blocked prompts come back allowed with their topic, diffs recorded."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lessonreel.agents.safety import Screen
from lessonreel.agents.sanitizer import SanitizedPrompt, sanitize


@pytest.fixture(scope="module")
def screen(seeded_home: Callable[[str], Path]) -> Screen:
    return Screen.open(seeded_home("sanitizer-home"), moderation=False)


async def test_a_blocked_prompt_comes_back_allowed_with_its_topic_intact(screen: Screen) -> None:
    text = (
        "Mickey Mouse waves from a sunny greenhouse: chloroplasts in a leaf "
        "turn sunlight, water and carbon dioxide into glucose. "
        "Sunlight falls on rows of tomato plants."
    )
    verdict = screen.screen(text)
    assert not verdict.allowed
    rewrite = await sanitize(text, reason="screen blocked", verdict=verdict, round=1, screen=screen)
    assert rewrite is not None
    assert screen.screen(rewrite.after).allowed
    for words in ("chloroplasts in a leaf", "into glucose", "rows of tomato plants"):
        assert words in rewrite.after
    assert "Mickey" not in rewrite.after
    assert rewrite.reason == "screen blocked"
    assert rewrite.round == 1
    assert "-Mickey Mouse waves" in rewrite.diff
    assert rewrite.diff.startswith("--- before")


async def test_unsafe_sentences_go_whole_and_no_sentence_is_half_edited(screen: Screen) -> None:
    text = (
        "Soldiers march past the town hall in 1916. The soldier hacked the prisoners to pieces "
        "and blood sprayed across the wall. A map shows the front line along the river."
    )
    verdict = screen.screen(text)
    assert not verdict.allowed
    rewrite = await sanitize(text, reason="gore", verdict=verdict, round=1, screen=screen)
    assert rewrite is not None
    assert "blood" not in rewrite.after
    assert "hacked" not in rewrite.after
    assert "Soldiers march past the town hall in 1916." in rewrite.after
    assert "A map shows the front line along the river." in rewrite.after
    originals = {"Soldiers march past the town hall in 1916.",
                 "A map shows the front line along the river."}  # fmt: skip
    added = [s for s in re.split(r"(?<=[.!?])\s+", rewrite.after) if s not in originals]
    for sentence in added:  # a neutral summary sentence, never the old one with words swapped
        assert "the wall" not in sentence
        assert "sprayed" not in sentence
        assert screen.screen(sentence).allowed


async def test_offending_sentence_is_replaced_and_the_rest_kept(screen: Screen) -> None:
    text = (
        "A lesson on the circulatory system. A naked woman poses beside the diagram. "
        "The heart pumps blood through the aorta."
    )
    verdict = screen.screen(text)
    assert not verdict.allowed
    assert verdict.category == "sexual"
    rewrite = await sanitize(text, reason="sexual", verdict=verdict, round=1, screen=screen)
    assert rewrite is not None
    assert screen.screen(rewrite.after).allowed
    assert "circulatory system" in rewrite.after
    assert "aorta" in rewrite.after
    assert "naked" not in rewrite.after


async def test_an_unfixable_prompt_returns_none(screen: Screen) -> None:
    text = "k1ll y0urs3lf"
    verdict = screen.screen(text)
    assert not verdict.allowed
    assert await sanitize(text, reason="self-harm", verdict=verdict, round=1, screen=screen) is None


async def test_the_round_bound_holds(screen: Screen) -> None:
    text = "Mickey Mouse waves from a rowing boat. The water cycle lifts lake water into clouds."
    verdict = screen.screen(text)
    assert await sanitize(text, reason="x", verdict=verdict, round=3, screen=screen) is None
    assert await sanitize(text, reason="x", verdict=verdict, round=2, screen=screen) is not None


class FakeStructured:
    def __init__(self, result: Any) -> None:
        self.result = result
        self.messages: list[Any] = []

    async def ainvoke(self, messages: Any) -> Any:
        self.messages.append(messages)
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


class FakeChat:
    def __init__(self, result: Any) -> None:
        self.structured = FakeStructured(result)

    def with_structured_output(self, schema: type) -> FakeStructured:
        assert schema is SanitizedPrompt
        return self.structured


async def test_llm_rewrite_is_used_when_a_chat_model_is_given(screen: Screen) -> None:
    text = "Mickey Mouse explains the water cycle over a lake."
    verdict = screen.screen(text)
    better = "A friendly cartoon raindrop explains the water cycle over a lake."
    chat = FakeChat(SanitizedPrompt(prompt=better, changes=["replaced a trademarked character"]))
    rewrite = await sanitize(text, reason="provider rejected", verdict=verdict, round=1,
                             chat_model=chat)  # type: ignore[arg-type]  # fmt: skip
    assert rewrite is not None
    assert rewrite.after.startswith("A friendly cartoon raindrop")
    system, human = chat.structured.messages[0]
    assert "teaching intent" in system[1]
    assert "provider rejected" in human[1]
    assert text in human[1]


async def test_llm_failure_falls_back_to_offline_and_give_up_returns_none(screen: Screen) -> None:
    text = "Mickey Mouse waves from a rowing boat. The water cycle lifts lake water into clouds."
    verdict = screen.screen(text)
    broken = FakeChat(RuntimeError("503"))
    rewrite = await sanitize(text, reason="x", verdict=verdict, round=1, chat_model=broken)  # type: ignore[arg-type]
    assert rewrite is not None
    assert "water cycle" in rewrite.after
    assert "Mickey" not in rewrite.after
    giving_up = FakeChat(SanitizedPrompt(prompt="", give_up=True))
    assert await sanitize(text, reason="x", verdict=verdict, round=1, chat_model=giving_up) is None  # type: ignore[arg-type]


def test_a_provider_refusal_without_a_verdict_is_simplified_once_then_given_up() -> None:
    import asyncio

    from lessonreel.agents.sanitizer import sanitize, simplify_for_provider

    text = (
        "A glass beaker of water boils over a blue flame in a school lab.\n\n"
        "Cinematography:\nCamera shot: close-up\nCamera move: slow pan left\nLens: 50mm\n"
        "Lighting: bright overhead light\nPalette: steel grey, cobalt blue, white\n"
        "Mood: focused\n\n"
        "Actions:\n- 0-4 s: bubbles rise\n- 4-8 s: steam curls upward\n\n"
        "Background sound: a soft bubbling\n\n"
        'Dialogue:\nNarrator: "Watch the bubbles rise."\n'
    )
    simpler = simplify_for_provider(text)
    assert "Dialogue" not in simpler
    assert "Camera move: static" in simpler
    assert "steam curls" not in simpler
    assert "bubbles rise" in simpler
    assert "glass beaker of water boils" in simpler
    first = asyncio.run(sanitize(text, reason="provider rejected", verdict=None, round=1))
    assert first is not None
    assert first.after == simpler
    assert "-Narrator" in first.diff  # the diff records what went
    again = asyncio.run(sanitize(simpler, reason="provider rejected", verdict=None, round=2))
    assert again is None  # nothing left to simplify: give up rather than loop
