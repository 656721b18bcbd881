"""When each key-term card is on screen: from the moment the term is said until well after.

A card that vanishes as the sentence saying its term ends only duplicates the captions; a learner
needs the written word while the narration moves on. So a card comes up when its term is first
said, stays at least TERM_MIN_SECONDS and at least HOLD_SECONDS past the last caption cue that
still says it, and then stays until the next card takes its place (across a cut, too), up to
LINGER_SECONDS. There is one card slot, so a card whose term is said while the previous card
still has its minimum time waits for it (the card lags the voice a little, never overlaps).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

TERM_MIN_SECONDS = 2.5
"""A key-term card stays up at least this long (time to read a term and its definition)."""
HOLD_SECONDS = 1.5
"""A card stays at least this long after the last cue saying its term has left the screen."""
LINGER_SECONDS = 10.0
"""Longest a card stays up; after that the diagram has the screen to itself."""


@dataclass(frozen=True)
class Mention:
    """A key term the lesson shows as a card, and when the narration says it (lesson seconds).

    ``said_end`` is when the last consecutive cue saying it ends; ``limit`` is when the card must
    be gone (the recap card, a slate or the end of the video takes the screen there).
    """

    term: str
    definition: str
    said: float
    said_end: float
    limit: float


@dataclass(frozen=True)
class TermCard:
    """A key-term card and its time on screen, in seconds of the shot that shows it.

    ``start`` may be negative and ``end`` past the shot: the card then continues over the cut
    without fading.
    """

    term: str
    definition: str
    start: float
    end: float


def schedule_cards(mentions: Sequence[Mention]) -> list[tuple[Mention, float, float]]:
    """Each mention with the (start, end) its card is on screen, in lesson seconds."""
    ordered = sorted(mentions, key=lambda m: m.said)
    starts: list[float] = []
    floors: list[float] = []
    for m in ordered:
        start = max(m.said, floors[-1]) if floors else m.said
        start = max(m.said, min(start, m.limit - TERM_MIN_SECONDS))  # never squeezed out
        starts.append(start)
        # A term said on and on (the lesson's topic) cannot hold the slot past LINGER_SECONDS.
        said_end = min(m.said_end, start + LINGER_SECONDS - HOLD_SECONDS)
        floors.append(max(start + TERM_MIN_SECONDS, said_end + HOLD_SECONDS))
    out: list[tuple[Mention, float, float]] = []
    for k, m in enumerate(ordered):
        end = min(m.limit, max(floors[k], starts[k] + LINGER_SECONDS))
        if k + 1 < len(ordered):
            end = min(end, starts[k + 1])  # one slot: never two cards at once
        if end > starts[k]:
            out.append((m, starts[k], end))
    return out


def cards_in_shot(
    scheduled: Sequence[tuple[Mention, float, float]], shot_start: float, shot_end: float
) -> tuple[TermCard, ...]:
    """The scheduled cards on screen during [shot_start, shot_end), in shot seconds."""
    return tuple(
        TermCard(m.term, m.definition, start - shot_start, end - shot_start)
        for m, start, end in scheduled
        if start < shot_end and end > shot_start
    )
