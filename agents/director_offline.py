"""The offline director: a deterministic storyboard from the lesson text, no model, no network.

It follows a shot grammar — establishing wide, then medium / close-up or macro / diagram-style
insert repeated as needed, then a recap — with the subject's style preset for look, lens,
lighting, palette and presenter. Narration is taken from the lesson's own key sentences, shortened
to fit each shot. Lesson text is only ever content: sentences that address the model
("ignore the lesson and ...") are dropped before anything is chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations_with_replacement

from lessonreel.agents.checks import ON_SCREEN_TEXT, beats_for, max_words, target_tolerance
from lessonreel.agents.on_screen import with_on_screen
from lessonreel.agents.schemas import DialogueLine, Lesson, Shot, Storyboard, StyleBible
from lessonreel.agents.text import (
    extract_concepts,
    is_instruction,
    lemma,
    lesson_sentences,
    mentions,
    rank_sentences,
    shorten,
    words,
)
from lessonreel.prompts.styles import StylePreset, style_for

GRAMMAR_CORE = 5
"""Shots in one full pass of the grammar: wide, medium, close, diagram, recap."""

MAX_SHOTS = 30
"""Upper bound on shots per storyboard (keeps the duration search small)."""

_MIDDLE = ("medium", "close", "diagram")
_OBJECTIVE_VERBS = frozenset(
    {
        "explain",
        "describe",
        "identify",
        "recognise",
        "recognize",
        "understand",
        "define",
        "apply",
        "discuss",
        "analyze",
        "analyse",
        "compare",
        "calculate",
        "find",
        "perform",
        "justify",
        "argue",
    }
)


def legal_durations(legal_seconds: Sequence[int]) -> list[int]:
    """Sorted, de-duplicated legal durations; raises on an empty or non-positive set."""
    legal = sorted({int(s) for s in legal_seconds})
    if not legal or legal[0] <= 0:
        raise ValueError(f"legal_seconds must hold positive durations, got {list(legal_seconds)}")
    return legal


def plan_durations(legal_seconds: Sequence[int], target: int, min_shots: int) -> list[int]:
    """Legal durations summing closest to ``target``, in about ``min_shots`` shots (or more).

    Closeness to the target wins; among equally close mixes, the count nearest to
    ``min_shots`` from above, then the most even mix.
    """
    legal = legal_durations(legal_seconds)
    tol = target_tolerance(legal)
    max_shots = min(MAX_SHOTS, max(1, (target + tol) // legal[0], min_shots))
    best: tuple[tuple[float, float, float, float], tuple[int, ...]] | None = None
    for n in range(1, max_shots + 1):
        for combo in combinations_with_replacement(legal, n):
            err = abs(sum(combo) - target)
            key = (
                float(err),
                float(n < min_shots),
                float(abs(n - min_shots)),
                float(max(combo) - min(combo)),
            )
            if best is None or key < best[0]:
                best = (key, combo)
    assert best is not None
    return sorted(best[1], reverse=True)


def grammar(n: int) -> list[str]:
    """Shot roles for ``n`` shots: establish, the middle cycle, recap."""
    if n == 1:
        return ["establish"]
    middle = [_MIDDLE[i % len(_MIDDLE)] for i in range(n - 2)]
    return ["establish", *middle, "recap"]


def assign_objectives(objectives: Sequence[str], n: int) -> list[str]:
    """One objective (or a group of them) per shot, in order, every objective served."""
    m = len(objectives)
    if m <= n:
        return [objectives[i * m // n] for i in range(n)]
    groups: list[list[str]] = [[] for _ in range(n)]
    for j, objective in enumerate(objectives):
        groups[j * n // m].append(objective)
    return ["; ".join(g) for g in groups]


def _visual_ok(concept: str) -> bool:
    return not ON_SCREEN_TEXT.search(concept) and not is_instruction(concept)


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _pick_beats(templates: Sequence[str], n: int) -> list[str]:
    if n == 1:
        return [templates[1]]
    if n == 2:
        return [templates[1], templates[2]]
    filler = [f"{templates[1]}, slowly and steadily"] * (n - 3)
    return [templates[0], templates[1], *filler, templates[2]][:n]


def _visuals(role: str, p: StylePreset, concepts: Sequence[str]) -> dict[str, object]:
    """Framing, move, lens, subject, setting, action and beat templates for one role."""
    name = p.presenter_name
    model = p.depict.format(_join(concepts))
    if role == "establish":
        return {
            "framing": "wide establishing shot, eye level",
            "camera_move": "slow dolly-in",
            "lens": "24mm, deep focus",
            "subject": f"{name} standing beside {model} on a table",
            "setting": p.setting,
            "action": f"{name} walks up to the model and turns to face the camera",
            "beats": [
                f"{name} walks in from the left toward the table",
                f"{name} stops beside {model} and rests one hand on the table",
                f"{name} turns to the camera and smiles",
            ],
        }
    if role == "medium":
        return {
            "framing": "medium shot, slightly low angle",
            "camera_move": "slow pan right",
            "lens": p.lens,
            "subject": f"{name} leaning over {model}",
            "setting": p.setting,
            "action": f"{name} traces along the model with one finger",
            "beats": [
                f"{name} leans over {model}",
                f"{name} traces along the model with one finger",
                f"{name} looks up at the camera",
            ],
        }
    if role == "close":
        lens = (
            "100mm macro, shallow depth of field"
            if p.close_framing == "macro shot"
            else ("85mm, shallow depth of field")
        )
        return {
            "framing": f"{p.close_framing}, slight high angle",
            "camera_move": "slow push-in",
            "lens": lens,
            "subject": model,
            "setting": p.close_setting,
            "action": "the model slowly rotates, revealing its surface detail",
            "beats": [
                f"{model} rests in soft focus",
                "focus pulls sharp as the model slowly rotates",
                "the rotation settles and the finest detail fills the frame",
            ],
        }
    if role == "diagram":
        return {
            "framing": "insert shot, top-down",
            "camera_move": "static",
            "lens": "50mm, flat perspective",
            "subject": (
                f"a simple diagram of {_join(concepts)} built from coloured circles, "
                "blocks and arrows"
            ),
            "setting": p.diagram_surface,
            "action": "arrows slide into place one by one, linking the shapes",
            "beats": [
                "coloured circles and blocks fade in across the surface",
                "arrows slide in one by one to link the shapes",
                "one shape pulses gently to mark the key step",
            ],
        }
    return {
        "framing": "medium-wide shot, eye level",
        "camera_move": "slow pull-back",
        "lens": p.lens,
        "subject": f"{name} standing behind a table with {model}",
        "setting": p.setting,
        "action": f"{name} sweeps one hand across the models and nods to the camera",
        "beats": [
            f"{name} stands behind the models on the table",
            f"{name} sweeps one hand across the models",
            f"{name} nods to the camera and smiles",
        ],
    }


class _Narrator:
    """Chooses unused source sentences for shots, shortened to each shot's word budget."""

    def __init__(self, lesson: Lesson, concepts: Sequence[str]) -> None:
        self.ranked = rank_sentences(lesson_sentences(lesson.text), concepts)
        self.used: set[str] = set()

    def line(self, focus: Sequence[str], budget: int, objective: str = "") -> str:
        goal = {lemma(w) for w in words(objective) if len(w) > 3} - _OBJECTIVE_VERBS
        best: tuple[float, str] | None = None
        for score, sent in self.ranked:
            if sent in self.used:
                continue
            hits = sum(1 for f in focus if mentions(sent, f))
            if focus and not hits:
                continue
            fit = 0.6 if len(words(sent)) <= budget else -0.02 * (len(words(sent)) - budget)
            on_goal = 0.4 * len(goal & {lemma(w) for w in words(sent)})
            key = score + hits + fit + on_goal
            if best is None or key > best[0]:
                best = (key, sent)
        if best is None:
            return self.line([], budget, objective) if focus else ""
        self.used.add(best[1])
        line: str = shorten(best[1], budget)
        return line


def direct_offline(
    lesson: Lesson, *, legal_seconds: Sequence[int], target_seconds: int = 60
) -> Storyboard:
    """Write a storyboard for the lesson without a model (deterministic)."""
    legal = legal_durations(legal_seconds)
    preset = style_for(lesson.subject, lesson.grade_band)
    teaching = " ".join(lesson_sentences(lesson.text))
    concepts = lesson.key_concepts or extract_concepts(lesson.text, title=lesson.title)
    concepts = [c for c in concepts if _visual_ok(c) and mentions(teaching, c)] or [lesson.title]
    objectives = [o for o in lesson.objectives if not is_instruction(o)] or [
        f"Explain {concepts[0]}"
    ]
    tol = target_tolerance(legal)
    capacity = max(1, (target_seconds + tol) // legal[0])
    wanted = max(GRAMMAR_CORE, len(objectives), (len(concepts) + 1) // 2 + 2)
    durations = plan_durations(legal, target_seconds, min(wanted, capacity))
    n = len(durations)
    roles = grammar(n)
    # Longest clips go to the teaching shots in the middle; the recap takes the shortest.
    order = sorted(range(n), key=lambda i: (roles[i] == "recap", roles[i] == "establish", i))
    seconds = [0] * n
    for i, d in zip(order, durations, strict=True):
        seconds[i] = d
    shot_objectives = assign_objectives(objectives, n)
    shown = _allocate_concepts(roles, shot_objectives, concepts, lesson.title)
    narrator = _Narrator(lesson, concepts)
    style = StyleBible(
        look=preset.look,
        palette=list(preset.palette),
        lens=preset.lens,
        lighting=preset.lighting,
        presenter=preset.presenter,
        sound=preset.sound,
    )
    shots: list[Shot] = []
    t = 0
    for i, role in enumerate(roles):
        dur = seconds[i]
        budget = max_words(dur)
        if role == "recap" and n > 1:
            line = _recap_line(shown[i] or concepts, budget)
        else:
            line = narrator.line(shown[i], budget, shot_objectives[i])
        v = _visuals(role, preset, shown[i])
        templates = v.pop("beats")
        assert isinstance(templates, list)
        shots.append(
            Shot.model_validate(
                {
                    **v,
                    "index": i,
                    "start": t,
                    "end": t + dur,
                    "duration": dur,
                    "lighting": preset.lighting,
                    "palette": list(preset.palette),
                    "beats": _pick_beats(templates, beats_for(dur)),
                    "dialogue": [DialogueLine(speaker=preset.presenter_name, line=line)]
                    if line
                    else [],
                    "background_sound": preset.sounds.get(role, preset.sound),
                    "mood": preset.mood,
                    "objective": shot_objectives[i],
                    "concepts": list(shown[i]),
                }
            )
        )
        t += dur
    storyboard = Storyboard(
        lesson_id=lesson.id,
        title=lesson.title,
        style=style,
        shots=shots,
        target_seconds=target_seconds,
    )
    return with_on_screen(lesson, storyboard)


def _allocate_concepts(
    roles: Sequence[str], objectives: Sequence[str], concepts: Sequence[str], title: str
) -> list[list[str]]:
    """Concepts each shot shows: objective-matched first, the rest spread, recap sweeps up."""
    n = len(roles)
    shown: list[list[str]] = [[] for _ in range(n)]
    remaining = list(concepts)

    def take(i: int, concept: str) -> None:
        shown[i].append(concept)
        if concept in remaining:
            remaining.remove(concept)

    topic = next((c for c in concepts if mentions(title, c)), concepts[0])
    take(0, topic)
    middle = [i for i, r in enumerate(roles) if r not in ("establish", "recap")]
    for i in middle:
        match = next((c for c in remaining if mentions(objectives[i], c)), None)
        if match is None and remaining:
            match = remaining[0]
        take(i, match if match is not None else concepts[i % len(concepts)])
    per_shot = 2
    for i in middle:
        while remaining and len(shown[i]) < per_shot and len(remaining) > 4:
            take(i, remaining[0])
    if roles[-1] == "recap" and n > 1:
        shown[-1] = remaining[:4] or [c for c in concepts[:3]]
        remaining = remaining[4:]
    return shown


def _recap_line(concepts: Sequence[str], budget: int) -> str:
    """Write a spoken recap naming the shown concepts, as many as fit the budget."""
    items = list(concepts)
    while items:
        line = f"So remember: {_join(items)}."
        if len(words(line)) <= budget:
            return line
        items.pop()
    return ""
