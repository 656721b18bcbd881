"""Which diagram each shot draws and with which labels, so the pictures follow the lesson.

- A cycle is a ring of the lesson's stages in the order the lesson goes through them (the key
  terms that head its sections, else its key terms in order of first mention), drawn on the
  shots whose own words speak of the cycle: a title naming a cycle does not make every shot a
  ring. A process's steps are ordered the same way.
- A shot never repeats the diagram of the shot before it: when its labels add nothing new, it
  shows what it adds (its own key terms first), or its icons when it adds nothing. A node that
  only names the lesson's topic (its title words) is left out: it shows nothing new.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lessonreel.agents.on_screen import key_terms
from lessonreel.agents.schemas import Lesson, Shot
from lessonreel.agents.text import mentions, term_key, words
from lessonreel.video.overlay.plan import Diagram, diagram_kind

MAX_STAGES = 4
"""Nodes on a ring (more do not fit above the caption zone at a readable size)."""
MAX_LABELS = 4
_CYCLE = re.compile(r"\bcycles?\b", re.I)


def _first_mention(text: str, term: str) -> int:
    """Where ``term`` first occurs in ``text`` (plurals tolerated), or -1."""
    return (" " + term_key(text) + " ").find(" " + term_key(term) + " ")


def in_lesson_order(labels: Sequence[str], *texts: str) -> list[str]:
    """``labels`` in the order the texts first mention them (earlier texts decide first)."""

    def rank(label: str) -> tuple[int, ...]:
        places = [_first_mention(text, label) for text in texts]
        return tuple(p if p >= 0 else 10**9 for p in places)

    return sorted(labels, key=rank)


def cycle_stages(lesson: Lesson) -> list[str]:
    """The stages of the lesson's cycle in the lesson's order ([] when it names too few)."""
    title = {term_key(w) for w in words(lesson.title)}
    terms = [t for t in key_terms(lesson) if not set(term_key(t).split()) & title]
    headings = "\n".join(line for line in lesson.text.splitlines() if line.lstrip().startswith("#"))
    headed = [t for t in terms if mentions(headings, t)]
    chosen = headed if len(headed) >= 3 else terms
    stages = [t for t in in_lesson_order(chosen, lesson.text) if mentions(lesson.text, t)]
    return stages[:MAX_STAGES] if len(stages) >= 3 else []


def _new(labels: Sequence[str], before: Sequence[str]) -> list[str]:
    seen = {term_key(x) for x in before}
    out: list[str] = []
    for label in labels:
        if term_key(label) not in seen:
            seen.add(term_key(label))
            out.append(label)
    return out


def shot_diagrams(
    shots: Sequence[Shot], lesson: Lesson | None
) -> list[tuple[tuple[str, ...], Diagram]]:
    """Each shot's diagram labels and kind.

    The title and recap shots draw no diagram; they keep their labels (the recap card lists
    them as the lesson's key words).
    """
    stages = cycle_stages(lesson) if lesson is not None else []
    text = lesson.text if lesson is not None else ""
    title = {term_key(w) for w in words(lesson.title)} if lesson is not None else set()
    out: list[tuple[tuple[str, ...], Diagram]] = []
    before: tuple[str, ...] = ()
    for k, shot in enumerate(shots):
        spoken = shot.narration or " ".join(d.line for d in shot.dialogue)
        labels = list(shot.on_screen.labels or shot.concepts)
        kind: Diagram
        if len(shots) > 1 and k in (0, len(shots) - 1):
            out.append((tuple(labels), "none"))
            continue
        # A node naming the lesson's own topic ("water" in The Water Cycle) shows nothing new.
        labels = [x for x in labels if not set(term_key(x).split()) <= title]
        if stages and _CYCLE.search(spoken):
            labels, kind = list(stages), "cycle"
        else:
            kind = diagram_kind(spoken, tuple(labels))
            if kind == "cycle":  # too few stages for a ring: show the steps in order
                kind = "process"
        if kind == "process":
            labels = in_lesson_order(labels, spoken, text)
        if labels and not _new(labels, before):
            own = [t.term for t in shot.on_screen.terms]
            labels = _new([*own, *labels], before)[:MAX_LABELS]
            kind = diagram_kind(spoken, tuple(labels)) if labels else "none"
            kind = "process" if kind == "cycle" else kind
        out.append((tuple(labels), kind))
        before = tuple(labels) if labels else before
    return out
