"""The offline director: a deterministic storyboard from the lesson text, no model, no network.

It follows a shot grammar (:mod:`lessonreel.agents.shot_grammar`) — establishing wide, then
medium / close-up or macro / diagram-style insert repeated as needed, then a recap, with a
teaching shot's narration choosing a sequence, a split or a close-up on a term where it describes
a process, a comparison or a definition — in the look of the lesson's subject and topic
(:mod:`lessonreel.prompts.looks`). Narration is taken from the lesson's own key sentences, shortened
to fit each shot. Lesson text is only ever content: sentences that address the model
("ignore the lesson and ...") are dropped before anything is chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations_with_replacement

from lessonreel.agents.checks import ON_SCREEN_TEXT, TARGET_SHARE, beats_for, target_tolerance
from lessonreel.agents.on_screen import with_on_screen
from lessonreel.agents.schemas import Lesson, Shot, Storyboard, StyleBible
from lessonreel.agents.script import (
    SPEECH_SHARE,
    lesson_target_seconds,
    objective_words,
    overlap,
    words_per_minute,
    write_script,
)
from lessonreel.agents.shot_grammar import (
    content_role,
    content_visuals,
    grammar,
    join,
    pick_beats,
    role_visuals,
)
from lessonreel.agents.text import (
    extract_concepts,
    is_instruction,
    lesson_sentences,
    mentions,
    words,
)
from lessonreel.agents.timing import fit_timeline
from lessonreel.prompts.looks import look_for

GRAMMAR_CORE = 5
"""Shots in one full pass of the grammar: wide, medium, close, diagram, recap."""

MAX_SHOTS = 30
"""Upper bound on shots per storyboard (keeps the duration search small)."""

MIN_BODY_SHOTS = 2
"""Shots before the recap when the narration has the sentences for them (wide, then closer)."""

_MIDDLE = ("medium", "close", "diagram")
_CUE = {"definition": "close", "process": "diagram", "comparison": "medium"}
"""Which role's sound cue a content role borrows."""
SHARES_UP = (1.3, 1.15)
"""Word budgets above the nominal one, tried when the storyboard falls short of the target."""
SHARES_DOWN = tuple(round(0.85**k, 3) for k in range(1, 15))
"""Word budgets below it, tried while the storyboard overshoots."""


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


def pack_shots(sentences: Sequence[str], capacity: int) -> list[list[str]]:
    """Consecutive sentences into shots of at most ``capacity`` words (a sentence never splits)."""
    groups: list[list[str]] = []
    used = capacity + 1
    for s in sentences:
        n = len(words(s))
        if used + n > capacity:
            groups.append([])
            used = 0
        groups[-1].append(s)
        used += n
    return groups


Timelines = dict[tuple[tuple[float, ...], tuple[int, ...]], tuple[list[int], list[float]]]
"""Fitted timelines (durations, narration starts) by (speech seconds per shot, legal durations)."""


def _objective_for(text: str, objectives: Sequence[str], fallback: str) -> str:
    best = max(objectives, key=lambda o: overlap(text, objective_words(o)))
    return best if overlap(text, objective_words(best)) else fallback


def direct_offline(
    lesson: Lesson,
    *,
    legal_seconds: Sequence[int],
    target_seconds: int | None = None,
    speaking_rate: float = 1.0,
) -> Storyboard:
    """Write a storyboard for the lesson without a model (deterministic).

    The narration comes first (see :mod:`lessonreel.agents.script`); shots are cut to carry it,
    each as long as its sentences take to say, on legal durations. Whole sentences make the
    length lumpy, so a few word budgets are tried and the total closest to the target wins
    (``--seconds 16`` gives 16 s when some mix of sentences and legal durations can).
    """
    legal = legal_durations(legal_seconds)
    timelines: Timelines = {}  # budgets that give the same script search the same timeline
    first = _board(lesson, legal, target_seconds, speaking_rate, 1.0, timelines)
    target = first.target_seconds
    tolerance = max(target_tolerance(legal), round(TARGET_SHARE * target))

    def miss(b: Storyboard) -> tuple[int, bool]:  # how far off; on a tie, the shorter (cheaper)
        return abs(b.total_seconds - target), b.total_seconds > target

    board = first
    # Whole sentences and legal durations make the length lumpy: try a few word budgets and keep
    # the closest. Longer budgets only help when the lesson has more to say than was used.
    shares = SHARES_UP if first.total_seconds < target else ()
    for share in (*shares, *SHARES_DOWN):
        if miss(board)[0] == 0:
            break
        candidate = _board(lesson, legal, target, speaking_rate, share, timelines)
        if miss(candidate) < miss(board):
            board = candidate
        if share < 1 and candidate.total_seconds < target - tolerance:
            break  # smaller budgets only get shorter
    if target_seconds is None and board.total_seconds < target - tolerance:
        # a short text: the lesson read aloud is the length it supports
        board = board.model_copy(update={"target_seconds": board.total_seconds})
    return with_on_screen(lesson, board)


def _board(
    lesson: Lesson,
    legal: list[int],
    target_seconds: int | None,
    speaking_rate: float,
    share: float,
    timelines: Timelines,
) -> Storyboard:
    """One storyboard whose narration takes ``share`` of the target's word budget.

    ``timelines`` holds the timelines already fitted in this direction, by their speech.
    """
    sentences = lesson_sentences(lesson.text)
    teaching = " ".join(sentences)
    concepts = lesson.key_concepts or extract_concepts(lesson.text, title=lesson.title)
    concepts = [c for c in concepts if _visual_ok(c) and mentions(teaching, c)] or [lesson.title]
    preset = look_for(lesson.subject, lesson.grade_band, title=lesson.title, concepts=concepts)
    objectives = [o for o in lesson.objectives if not is_instruction(o)] or [
        f"Explain {concepts[0]}"
    ]
    wpm = words_per_minute(lesson.grade_band, speaking_rate)
    wps = wpm / 60
    target = target_seconds or lesson_target_seconds(objectives, sentences, wpm)
    capacity = max(6, int(legal[-1] * wps * 0.9))
    script = write_script(
        sentences,
        concepts,
        objectives,
        budget_words=int(target * wps * SPEECH_SHARE * share),
        max_sentence_words=capacity,
    )
    body = pack_shots(script.body, capacity) or [[lesson.title + "."]]
    while len(body) < MIN_BODY_SHOTS and max(len(g) for g in body) > 1:
        # the grammar wants an establishing shot and a teaching shot: split the fullest group
        k = max(range(len(body)), key=lambda i: len(body[i]))
        half = len(body[k]) // 2
        body[k : k + 1] = [body[k][:half], body[k][half:]]
    recap = pack_shots(script.recap, capacity)
    groups = [*body, *recap]
    roles = grammar(len(body) + (1 if recap else 0))
    roles = roles[: len(body)] + ["recap"] * len(recap) if recap else roles
    shot_objectives = []
    current = objectives[0]
    for g in body:
        current = _objective_for(" ".join(g), objectives, current)
        shot_objectives.append(current)
    missing = [o for o in objectives if o not in shot_objectives]
    for o in missing:
        text = script.served.get(o)
        k = next((i for i, g in enumerate(body) if text in g), len(body) - 1)
        shared = [i for i, x in enumerate(shot_objectives) if shot_objectives.count(x) > 1]
        if shared:  # one objective per shot while shots allow: take a shot from a repeated one
            k = min(shared, key=lambda i: abs(i - k))
            shot_objectives[k] = o
        else:
            shot_objectives[k] = f"{shot_objectives[k]}; {o}"
    shot_objectives += ["; ".join(objectives)] * len(recap)
    shown = _allocate_concepts(roles, shot_objectives, concepts, lesson.title)
    for i, g in enumerate(groups):
        said = [c for c in concepts if mentions(" ".join(g), c)][:2]
        if roles[i] != "recap":
            shown[i] = list(dict.fromkeys([*said, *shown[i]]))[:3]
    style = StyleBible(
        look=preset.look,
        palette=list(preset.palette),
        lens=preset.lens,
        lighting=preset.lighting,
        presenter=preset.presenter,
        sound=preset.sound,
    )
    spoken = [len(words(" ".join(g))) / wps for g in groups]
    key = (tuple(spoken), tuple(legal))
    if key not in timelines:  # a larger budget than the lesson fills writes the same script
        timelines[key] = fit_timeline(spoken, legal)
    durations = list(timelines[key][0])
    shots: list[Shot] = []
    t = 0
    for i, role in enumerate(roles):
        narration = " ".join(groups[i])
        dur = durations[i]
        kind, about = content_role(narration, concepts) if role in _MIDDLE else ("", [])
        if kind:  # the narration's own grammar: a sequence, a split, a close-up on the term
            v: dict[str, object] = dict(content_visuals(kind, preset, about, beats_for(dur)))
            behind = [c for c in shown[i] if c not in about][:3]
            if behind:  # what the shot was also to show stays in the picture, out of focus
                v["setting"] = f"{v['setting']}, with {join(behind)} in soft focus behind"
            shown[i] = list(dict.fromkeys([*about, *shown[i]]))[:4]
            cue = preset.sounds.get(_CUE[kind], preset.sound)
        else:
            v = role_visuals(role, preset, shown[i] or concepts[:1])
            templates = v.pop("beats")
            assert isinstance(templates, list)
            v["beats"] = pick_beats(templates, beats_for(dur))
            cue = preset.sounds.get(role, preset.sound)
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
                    "narration": narration,
                    "background_sound": cue,
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
        target_seconds=target,
    )
    return storyboard


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
