"""The director's checklist: rules every storyboard must meet, as readable violations.

Used by the LLM director to decide whether to retry (the violations are fed back to the model),
by tests, and by ``bench/director.py``. An empty list means the storyboard passes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from lessonreel.agents.schemas import BEAT_SECONDS, Lesson, Storyboard
from lessonreel.agents.shot_prompt import render_shot_prompt
from lessonreel.agents.text import is_instruction, words
from lessonreel.prompts.shot import SECTION_ORDER, split_sections

TARGET_SHARE = 0.2
"""The narration sets the length: the total may sit this share of the target away from it."""
SENTENCE_ENDS = (".", "!", "?", '"', "\u201d", ")")

WORDS_PER_SECOND = 2.5
"""Comfortable narration pace; a shot's lines must fit its duration at this rate."""

ON_SCREEN_TEXT = re.compile(
    r"\b(text that reads|that reads|reads|says|labell?ed|labels?|captions?|subtitles?|"
    r"lettering|written|on-screen text|legible|title card|words?|letters)\b",
    re.IGNORECASE,
)
"""Requests for legible text, which video models cannot render reliably."""

_LIGHT_SOURCE = re.compile(
    r"\b(light|lights|lamp|sun|sunlight|window|spotlights?|glow|softbox|daylight|key|fill|"
    r"rim|overhead|practical|neon|candle|fire|moonlight|sky)\b",
    re.IGNORECASE,
)
_COMPOUND_MOVE = re.compile(r"\b(and|then|while|followed by)\b|[,;+]|/", re.IGNORECASE)


def target_tolerance(legal_seconds: Sequence[int]) -> int:
    """Return how far the total may sit from the target: 4 s, or one (shortest) legal step."""
    return max(int(BEAT_SECONDS), min(int(s) for s in legal_seconds))


def beats_for(duration: int) -> int:
    """Count the beats a shot of this duration carries (one per 4 s, at least one)."""
    return max(1, duration // int(BEAT_SECONDS))


def max_words(duration: int) -> int:
    """Return the most narration words that fit a shot of this duration."""
    return max(4, math.floor(WORDS_PER_SECOND * duration))


def objective_covered(objective: str, storyboard: Storyboard) -> bool:
    """Return True when some shot states it serves this objective."""
    want = " ".join(objective.lower().split())
    return any(want in " ".join(s.objective.lower().split()) for s in storyboard.shots)


def storyboard_violations(
    storyboard: Storyboard,
    *,
    legal_seconds: Sequence[int],
    lesson: Lesson | None = None,
    target_seconds: int | None = None,
    size: str = "1280x720",
) -> list[str]:
    """Every rule the storyboard breaks, one readable line each (empty when it passes)."""
    out: list[str] = []
    legal = sorted(set(legal_seconds))
    target = target_seconds if target_seconds is not None else storyboard.target_seconds
    total = storyboard.total_seconds
    tolerance = max(target_tolerance(legal), round(TARGET_SHARE * target))
    if abs(total - target) > tolerance:
        out.append(f"total length {total}s is not within {tolerance}s of the {target}s target")
    t = 0.0
    for shot in storyboard.shots:
        where = f"shot {shot.index}"
        if shot.duration not in legal:
            out.append(f"{where}: duration {shot.duration}s is not one of {legal}")
        if abs(shot.start - t) > 1e-6 or abs(shot.end - shot.start - shot.duration) > 1e-6:
            out.append(f"{where}: timing {shot.start:g}-{shot.end:g}s is not contiguous")
        t = shot.end
        if len(shot.beats) != beats_for(shot.duration):
            out.append(
                f"{where}: {len(shot.beats)} beats; a {shot.duration}s shot needs "
                f"{beats_for(shot.duration)} (one per {BEAT_SECONDS}s)"
            )
        if _COMPOUND_MOVE.search(shot.camera_move):
            out.append(f"{where}: camera move {shot.camera_move!r} is not a single move")
        if not _LIGHT_SOURCE.search(shot.lighting):
            out.append(f"{where}: lighting {shot.lighting!r} names no light source")
        if not 3 <= len(shot.palette) <= 5:
            out.append(f"{where}: palette needs 3-5 colours, has {len(shot.palette)}")
        if not shot.objective.strip():
            out.append(f"{where}: serves no objective")
        spoken = len(words(shot.narration)) + sum(len(words(d.line)) for d in shot.dialogue)
        room = max_words(shot.duration + BEAT_SECONDS)  # a passage may run one beat into the next
        if spoken > room:
            out.append(
                f"{where}: {spoken} words of narration do not fit {shot.duration}s (max {room})"
            )
        if shot.narration.strip() and not shot.narration.rstrip().endswith(SENTENCE_ENDS):
            out.append(f"{where}: narration stops mid-sentence ({shot.narration[-30:]!r})")
        if any(not d.speaker.strip() for d in shot.dialogue):
            out.append(f"{where}: a dialogue line has no speaker")
        visual = " ".join([shot.subject, shot.setting, shot.action, shot.framing, *shot.beats])
        if m := ON_SCREEN_TEXT.search(visual):
            out.append(f"{where}: asks for on-screen text ({m.group(0)!r})")
        fields = [visual, shot.narration, *(d.line for d in shot.dialogue)]
        if any(is_instruction(f) for f in fields):
            out.append(f"{where}: contains an instruction to the model instead of lesson content")
        out.extend(_prompt_violations(storyboard, shot.index, size))
    if lesson is not None:
        for objective in lesson.objectives:
            if not objective_covered(objective, storyboard):
                out.append(f"objective not covered by any shot: {objective!r}")
    return out


def _prompt_violations(storyboard: Storyboard, index: int, size: str) -> list[str]:
    shot = storyboard.shots[index]
    text = render_shot_prompt(storyboard, shot, size=size).text
    sections = split_sections(text)
    out = []
    order = [s for s in SECTION_ORDER if s in sections]
    if list(sections) != order or order[: len(SECTION_ORDER) - 1] != list(SECTION_ORDER[:-1]):
        out.append(f"shot {index}: prompt sections out of template order: {list(sections)}")
    presenter = storyboard.style.presenter
    if presenter and presenter not in text:
        out.append(f"shot {index}: the recurring presenter is not described")
    for name in ("prose", "Cinematography", "Actions", "Background sound"):
        if m := ON_SCREEN_TEXT.search(sections.get(name, "")):
            out.append(f"shot {index}: {name} asks for on-screen text ({m.group(0)!r})")
    return out
