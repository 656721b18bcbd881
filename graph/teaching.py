"""The picture and captions step of assembly: the teaching layer over every shot, tracks, chapters.

Each delivered clip (or, offline, the explainer picture) gets its shot's key terms, labels,
equation, title or recap composited on top; the joined video then gains a soft subtitle track and
chapters, one per objective. Only the words a learner reads reach the screen: shot sizes, camera
moves and beat timings stay in ``storyboard.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lessonreel.agents.schemas import Lesson, Shot, Storyboard
from lessonreel.video.overlay.cards import Mention, cards_in_shot, schedule_cards
from lessonreel.video.overlay.plan import Role, ShotVisual, quantities_in
from lessonreel.video.tracks import Chapter

RECAP_TITLE = "Recap"
TITLE_LEAD = 1.0
"""Seconds the title shows alone before the first key-term card joins it."""


def _palette(shot: Shot) -> tuple[tuple[int, int, int], ...]:
    from lessonreel.video.colors import color_rgb

    return tuple(color_rgb(c) for c in shot.palette)


def _objectives(storyboard: Storyboard, lesson: Lesson | None) -> list[str]:
    if lesson is not None and lesson.objectives:
        return list(lesson.objectives)
    seen: list[str] = []
    for shot in storyboard.shots:
        for objective in shot.objective.split("; "):
            if objective and objective not in seen:
                seen.append(objective)
    return seen


def planned(storyboard: Storyboard, lesson: Lesson | None) -> Storyboard:
    """The storyboard with on-screen text planned offline where the director left none."""
    if lesson is None or any(
        s.on_screen.terms or s.on_screen.labels or s.on_screen.equation for s in storyboard.shots
    ):
        return storyboard
    from lessonreel.agents.on_screen import with_on_screen

    return with_on_screen(lesson, storyboard)


def _says(text: str, term: str) -> bool:
    """True when a caption says any word of ``term`` (a card then only repeats the caption)."""
    from lessonreel.agents.text import term_key

    return bool(set(term_key(term).split()) & set(term_key(text).split()))


def term_mentions(
    storyboard: Storyboard, cues: Sequence[Any], shown: Sequence[bool] | None = None
) -> list[Mention]:
    """Each shot's key terms with when the narration says them (``shown``: shots composited).

    A term the shot's cues never say is due as the shot starts. A card may stay past its shot
    into the next teaching shots, up to the recap, a slate or the end of the video.
    """
    from lessonreel.agents.text import mentions

    shots = storyboard.shots
    shown = list(shown) if shown is not None else [True] * len(shots)
    n = len(shots)
    out: list[Mention] = []
    for k, shot in enumerate(shots):
        if not shown[k] or (n > 1 and k == n - 1):
            continue
        limit = shot.end
        for later in range(k + 1, n - 1 if n > 1 else n):
            if not shown[later]:
                break
            limit = shots[later].end
        lead = shot.start + (TITLE_LEAD if k == 0 else 0.2)
        inside = sorted(
            (c for c in cues if c.end > shot.start and c.start < shot.end), key=lambda c: c.start
        )
        for term in shot.on_screen.terms:
            first = next((i for i, c in enumerate(inside) if mentions(c.text, term.term)), None)
            said = said_end = lead
            if first is not None:
                said = max(lead, inside[first].start)
                said_end = inside[first].end
                for cue in [c for c in cues if c.start >= inside[first].end - 1e-6]:
                    if cue.start > said_end + 1e-6 or not _says(cue.text, term.term):
                        break
                    said_end = cue.end
            out.append(Mention(term.term, term.definition, said, said_end, limit))
    return out


def shot_visuals(
    storyboard: Storyboard,
    lesson: Lesson | None,
    cues: Sequence[Any] | None = None,
    shown: Sequence[bool] | None = None,
) -> list[ShotVisual]:
    """What the teaching layer shows on each shot.

    With the caption ``cues``, key-term cards follow the narration (see
    :mod:`lessonreel.video.overlay.cards`); without, a shot's cards share its time.
    """
    scheduled = schedule_cards(term_mentions(storyboard, cues, shown)) if cues is not None else None
    objectives = _objectives(storyboard, lesson)
    subject = lesson.subject if lesson is not None else "general"
    from lessonreel.graph.diagrams import shot_diagrams

    n = len(storyboard.shots)
    out: list[ShotVisual] = []
    diagrams = shot_diagrams(storyboard.shots, lesson)
    for shot, (labels, diagram) in zip(storyboard.shots, diagrams, strict=True):
        spoken = shot.narration or " ".join(d.line for d in shot.dialogue)
        role: Role = (
            "title" if shot.index == 0 else "recap" if n > 1 and shot.index == n - 1 else "teach"
        )
        out.append(
            ShotVisual(
                index=shot.index,
                seconds=float(shot.duration),
                role=role,
                title=storyboard.title if role == "title" else "",
                terms=tuple((t.term, t.definition) for t in shot.on_screen.terms),
                labels=labels,
                equation=shot.on_screen.equation,
                recap=tuple(objectives) if role == "recap" else (),
                palette=_palette(shot),
                subject=subject,
                words=" ".join([spoken, *labels, *shot.concepts]),
                diagram=diagram,
                quantities=quantities_in(spoken),
                cards=(
                    None
                    if scheduled is None or role == "recap"
                    else cards_in_shot(scheduled, float(shot.start), float(shot.end))
                ),
            )
        )
    return out


def lesson_chapters(storyboard: Storyboard) -> list[Chapter]:
    """One chapter per run of shots serving the same objective; the last shot is the recap."""
    chapters: list[Chapter] = []
    n = len(storyboard.shots)
    for shot in storyboard.shots:
        title = RECAP_TITLE if n > 1 and shot.index == n - 1 else shot.objective
        title = title[:1].upper() + title[1:]
        if chapters and chapters[-1].title == title:
            chapters[-1] = Chapter(chapters[-1].start, shot.end, title)
        else:
            chapters.append(Chapter(shot.start, shot.end, title))
    return chapters


def _shot_cues(shot: Shot, cues: Sequence[Any]) -> list[tuple[float, float, str]]:
    """The caption cues inside a shot, in shot-relative seconds."""
    spans = []
    for cue in cues:
        a, b = max(cue.start, shot.start), min(cue.end, shot.end)
        if b > a:
            spans.append((a - shot.start, b - shot.start, cue.text))
    return spans


def compose_pictures(
    storyboard: Storyboard,
    lesson: Lesson | None,
    clips: Sequence[tuple[Path, bool]],
    folder: Path,
    *,
    size: str,
    explainer: bool,
    cues: Sequence[Any],
    burn: bool = False,
) -> list[Path]:
    """Composite the teaching layer over each delivered clip; slates (False) are kept as they are.

    ``explainer`` draws the offline picture instead of the clip's (keeping its sound); the
    caption ``cues`` time the key-term cards, and are burned in too when ``burn``.
    """
    from lessonreel.video.overlay.compose import compose_shot

    storyboard = planned(storyboard, lesson)
    out: list[Path] = []
    visuals = shot_visuals(storyboard, lesson, cues, [delivered for _, delivered in clips])
    for shot, visual, (clip, delivered) in zip(storyboard.shots, visuals, clips, strict=True):
        if not delivered:
            out.append(clip)
            continue
        dest = folder / f"composed-{shot.index:03d}.mp4"
        compose_shot(
            dest,
            visual,
            size=size,
            clip=clip,
            explainer=explainer,
            captions=_shot_cues(shot, cues) if burn else None,
        )
        out.append(dest)
    return out


def add_lesson_tracks(
    video: Path, storyboard: Storyboard, cues: Sequence[Any], chapters_path: Path
) -> None:
    """Put the soft subtitle track and chapters into ``video``; write the WebVTT chapters."""
    from lessonreel.store.assets import atomic_write_text
    from lessonreel.video.tracks import add_tracks, chapters_vtt

    chapters = lesson_chapters(storyboard)
    add_tracks(video, video, cues=list(cues), chapters=chapters)
    atomic_write_text(chapters_path, chapters_vtt(chapters))
