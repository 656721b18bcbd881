"""The storyboard as documents: ``storyboard.md`` for people, captions cues from its timing."""

from __future__ import annotations

from typing import Any

from lessonreel.agents.schemas import Shot, Storyboard
from lessonreel.graph.state import Narration, ShotResult


def _line(speaker: str, text: str) -> str:
    return (
        text if speaker.strip().lower() in {"narrator", "voiceover", "vo"} else f"{speaker}: {text}"
    )


def _once(names: list[str]) -> list[str]:
    """Each name once (a key term is usually a label of its shot too), first spelling kept."""
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        key = " ".join(name.casefold().split())
        if key and key not in seen:
            seen.add(key)
            out.append(name)
    return out


def shot_cue_spans(shot: Shot) -> list[tuple[float, float, str]]:
    """Return the shot's dialogue lines spread evenly over its time span (start, end, text)."""
    lines = [dl for dl in shot.dialogue if dl.line.strip()]
    if not lines:
        return []
    step = (shot.end - shot.start) / len(lines)
    return [
        (
            round(shot.start + i * step, 3),
            round(shot.start + (i + 1) * step, 3),
            _line(dl.speaker, dl.line.strip()),
        )
        for i, dl in enumerate(lines)
    ]


def narration_spans(
    storyboard: Storyboard, narration: Narration | None = None
) -> list[tuple[float, float, str]]:
    """Every narrated sentence at its time in the video.

    The real audio's timing when the shot was spoken, else spread over the shot by length (the
    captions of a video whose narration could not be spoken).
    """
    from lessonreel.agents.text import split_sentences

    spans: list[tuple[float, float, str]] = []
    spoken = narration.shots if narration is not None else {}
    for shot in storyboard.shots:
        speech = spoken.get(shot.index)
        if speech is not None:
            spans += [(speech.offset + a, speech.offset + b, t) for a, b, t in speech.segments]
            continue
        sentences = split_sentences(" ".join(shot.narration.split()))
        total = sum(len(x) for x in sentences) or 1
        t = shot.start
        for sentence in sentences:
            share = (shot.end - shot.start) * len(sentence) / total
            spans.append((t, t + share, sentence))
            t += share
    return spans


def caption_cues(storyboard: Storyboard, narration: Narration | None = None) -> list[Any]:
    """Caption cues for the whole lesson: the narration as spoken, then on-camera dialogue."""
    from lessonreel.video.captions import Cue, speech_cues

    cues = speech_cues(narration_spans(storyboard, narration))
    cues += [
        Cue(start=start, end=end, text=text)
        for shot in storyboard.shots
        for start, end, text in shot_cue_spans(shot)
    ]
    return sorted(cues, key=lambda c: c.start)


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def storyboard_markdown(
    storyboard: Storyboard, results: dict[int, ShotResult] | None = None
) -> str:
    """Return a readable storyboard: style bible, then one section per shot with its outcome."""
    results = results or {}
    style = storyboard.style
    out = [
        f"# {storyboard.title}",
        "",
        f"Lesson `{storyboard.lesson_id}` · {len(storyboard.shots)} shots · "
        f"{storyboard.total_seconds} s (target {storyboard.target_seconds} s)",
        "",
        "## Style bible",
        "",
        f"- Look: {style.look}",
        f"- Palette: {', '.join(style.palette)}",
        f"- Lens: {style.lens}",
        f"- Lighting: {style.lighting}",
        f"- Presenter: {style.presenter or 'none'}",
        f"- Sound: {style.sound}",
        "",
        "## Shots",
        "",
        "| # | time | framing | camera | action | outcome |",
        "|---|------|---------|--------|--------|---------|",
    ]
    for shot in storyboard.shots:
        result = results.get(shot.index)
        outcome = result.outcome if result is not None else "planned"
        out.append(
            f"| {shot.index + 1} | {shot.start:g}–{shot.end:g} s | {_cell(shot.framing)} | "
            f"{_cell(shot.camera_move)} | {_cell(shot.action)} | {outcome} |"
        )
    for shot in storyboard.shots:
        out += ["", f"### Shot {shot.index + 1} ({shot.start:g}–{shot.end:g} s, {shot.duration} s)"]
        out += ["", f"**Objective:** {shot.objective}", ""]
        if shot.narration.strip():
            out += [f'- Narration: "{" ".join(shot.narration.split())}"']
        terms = _once([t.term for t in shot.on_screen.terms] + shot.on_screen.labels)
        if terms:
            out += [f"- On screen: {', '.join(terms)}"]
        if shot.on_screen.equation:
            out += [f"- Equation: `{shot.on_screen.equation}`"]
        out += [f"- Subject: {shot.subject}", f"- Setting: {shot.setting}"]
        out += [f"- Lighting: {shot.lighting}", f"- Palette: {', '.join(shot.palette)}"]
        out += ["- Beats:"] + [f"  {i + 1}. {beat}" for i, beat in enumerate(shot.beats)]
        if shot.dialogue:
            out += ["- Dialogue:"] + [f'  - {d.speaker}: "{d.line}"' for d in shot.dialogue]
        result = results.get(shot.index)
        if result is not None and result.outcome != "delivered":
            out += [f"- **{result.outcome.replace('_', ' ')}:** {result.reason}"]
    out += _quiz_markdown(storyboard)
    return "\n".join(out) + "\n"


def _quiz_markdown(storyboard: Storyboard) -> list[str]:
    """The learning check, correct choices in bold, each with the sentence that answers it."""
    if storyboard.quiz is None or not storyboard.quiz.questions:
        return []
    out = ["", "## Check your understanding"]
    for n, q in enumerate(storyboard.quiz.questions, 1):
        out += ["", f"{n}. {q.question}"]
        for i, choice in enumerate(q.choices):
            mark = f"**{choice}** (answer)" if i == q.answer else choice
            out.append(f"   - {chr(ord('a') + i)}) {mark}")
        if q.explanation:
            out.append(f"   - Said in the video: “{q.explanation}”")
    return out
