"""What the teaching layer shows on one shot, as plain data (the video layer knows no storyboard).

``graph/`` builds a :class:`ShotVisual` per shot from the storyboard; everything here is words
a learner reads and diagram structure. Production notes (beat timings, shot sizes, camera moves)
have no field here, so they cannot reach the screen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from lessonreel.video.colors import RGB
from lessonreel.video.overlay.cards import TermCard

Role = Literal["title", "teach", "recap"]
Diagram = Literal["none", "group", "process", "cycle", "comparison", "quantities"]

_CYCLE = re.compile(r"\bcycles?\b|\bround and round\b|\bagain and again\b|\brepeats?\b", re.I)
_COMPARE = re.compile(r"\b(versus|vs\.?|compared? (?:to|with)|whereas|unlike|differs?)\b", re.I)
_PROCESS = re.compile(r"\b(first|then|next|finally|after that|steps?|stages?|process)\b", re.I)
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})*(?:\.\d+)?)\s*(%|percent|[a-zA-Z°]{1,12})?")


@dataclass(frozen=True)
class Quantity:
    """A number the narration states, shown as a bar or a number callout."""

    value: float
    text: str
    unit: str = ""


@dataclass(frozen=True)
class ShotVisual:
    """The teaching text and diagram of one shot."""

    index: int
    seconds: float
    role: Role = "teach"
    title: str = ""
    terms: tuple[tuple[str, str], ...] = ()
    labels: tuple[str, ...] = ()
    equation: str | None = None
    recap: tuple[str, ...] = ()
    palette: tuple[RGB, ...] = ((46, 125, 50), (249, 168, 37), (30, 136, 229), (245, 245, 245))
    subject: str = "general"
    words: str = ""
    """The shot's spoken words and concepts (icons and diagram kind are chosen from them)."""
    diagram: Diagram = "none"
    quantities: tuple[Quantity, ...] = field(default=())
    cards: tuple[TermCard, ...] | None = None
    """Key-term cards at the times the narration says them (None: ``terms`` share the shot)."""


def diagram_kind(spoken: str, labels: tuple[str, ...]) -> Diagram:
    """The simple diagram the shot's words describe: cycle, comparison, process or quantities."""
    if len(labels) >= 3 and _CYCLE.search(spoken):
        return "cycle"
    if len(labels) >= 2 and _COMPARE.search(spoken):
        return "comparison"
    if len(quantities_in(spoken)) >= 2:
        return "quantities"
    if len(labels) >= 2 and _PROCESS.search(spoken):
        return "process"
    return "group" if labels else "none"


def quantities_in(text: str) -> tuple[Quantity, ...]:
    """Numbers with their units from a sentence (years and list numbers are left out)."""
    found: list[Quantity] = []
    for match in _NUMBER.finditer(text):
        raw, unit = match.group(1), (match.group(2) or "")
        value = float(raw.replace(",", ""))
        if not unit and 1000 <= value <= 2100 and "." not in raw:
            continue  # a year, not a quantity
        unit = "%" if unit.lower() in {"%", "percent"} else unit
        found.append(Quantity(value=value, text=raw, unit=unit))
    return tuple(found[:4])
