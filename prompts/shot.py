"""The shot prompt template: one storyboard shot rendered as a provider prompt.

Layout (the animatic renderer parses these headers; the safety refine keeps Dialogue last)::

    <prose: style look, setting, subject and action, presenter>

    Cinematography:
    Camera shot: ...
    Camera move: ...
    Lens: ...
    Lighting: ...
    Palette: a, b, c
    Mood: ...

    Actions:
    - 0-4 s: ...

    Background sound: ...

    Avoid: ...

    Dialogue:
    Speaker: "line"

This module only formats plain values (`lessonreel.agents.shot_prompt` maps a storyboard shot
onto it), so prompts import nothing from the rest of the project.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

SECTION_ORDER = (
    "prose",
    "Cinematography",
    "Actions",
    "Background sound",
    "Avoid",
    "Dialogue",
)
"""Blocks of a rendered shot prompt, in order."""

CINEMATOGRAPHY_KEYS = ("Camera shot", "Camera move", "Lens", "Lighting", "Palette", "Mood")

DEFAULT_AVOID = (
    "legible text",
    "captions",
    "labels",
    "subtitles",
    "watermarks",
    "logos",
    "morphing",
    "distortion",
    "warped structures",
    "extra limbs",
    "flicker",
)
"""Negative constraints every shot carries (models cannot render text reliably)."""

_HEADER = re.compile(r"^(Cinematography|Actions|Dialogue):\s*$|^(Background sound|Avoid):", re.I)


def _sentence(text: str) -> str:
    text = " ".join(text.split()).strip()
    if not text:
        return ""
    text = text[:1].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def beat_spans(duration: float, count: int) -> list[tuple[float, float]]:
    """Start/end seconds of each beat when ``count`` beats share a shot evenly."""
    count = max(1, count)
    step = duration / count
    return [(round(i * step, 2), round((i + 1) * step, 2)) for i in range(count)]


def format_shot_prompt(
    *,
    look: str,
    presenter: str | None,
    subject: str,
    setting: str,
    action: str,
    framing: str,
    camera_move: str,
    lens: str,
    lighting: str,
    palette: Sequence[str],
    mood: str,
    beats: Sequence[str],
    duration: float,
    sound: str,
    avoid: Sequence[str],
    dialogue: Sequence[tuple[str, str]],
) -> str:
    """Format the template from plain values (see the module docstring for the layout)."""
    prose = " ".join(
        part
        for part in (
            _sentence(look),
            _sentence(f"Setting: {setting}"),
            _sentence(f"On screen: {subject}; {action}"),
            _sentence(f"Presenter: {presenter}") if presenter else "",
        )
        if part
    )
    spans = beat_spans(duration, len(beats))
    actions = "\n".join(
        f"- {a:g}-{b:g} s: {' '.join(beat.split())}"
        for (a, b), beat in zip(spans, beats, strict=True)
    )
    blocks = [
        prose,
        "Cinematography:\n"
        f"Camera shot: {framing}\n"
        f"Camera move: {camera_move}\n"
        f"Lens: {lens}\n"
        f"Lighting: {lighting}\n"
        f"Palette: {', '.join(palette)}\n"
        f"Mood: {mood}",
        f"Actions:\n{actions}",
        f"Background sound: {sound}",
        f"Avoid: {', '.join(avoid)}",
    ]
    lines = [
        f'{speaker.strip()}: "{line.strip().replace(chr(34), chr(39))}"'
        for speaker, line in dialogue
        if line.strip()
    ]
    if lines:
        blocks.append("Dialogue:\n" + "\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def split_sections(text: str) -> dict[str, str]:
    """Split a rendered prompt back into its blocks, keyed like `SECTION_ORDER` (in order)."""
    sections: dict[str, list[str]] = {"prose": []}
    current = "prose"
    for line in text.splitlines():
        m = _HEADER.match(line.strip())
        if m:
            name = (m.group(1) or m.group(2)).capitalize()
            current = next(s for s in SECTION_ORDER if s.lower() == name.lower())
            rest = line.split(":", 1)[1].strip()
            sections[current] = [rest] if rest else []
            continue
        sections.setdefault(current, []).append(line)
    return {k: "\n".join(v).strip() for k, v in sections.items()}
