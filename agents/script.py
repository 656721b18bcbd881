"""The narrator's script, offline: whole source sentences, in the lesson's order, then a recap.

The narration is the teaching, so it is chosen first and the shots are cut to fit it: the
sentences that carry the key concepts and every objective, up to the words the target length
allows at the grade's speaking rate, kept in source order and never cut mid-sentence (a long one
is split where a clause ends, or left out). The recap restates what each objective means with
the lesson's own shortest defining sentence, not a list of words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from lessonreel.agents.text import lemma, rank_sentences, words

WPM_BY_GRADE = {"K-2": 110, "3-5": 125, "6-8": 135, "9-12": 140}
"""Narration pace in words per minute by grade band (slower for young children)."""
DEFAULT_WPM = 140
SECONDS_PER_OBJECTIVE = 60
MIN_TARGET, MAX_TARGET = 40, 360
SPEECH_SHARE = 0.85
"""Share of a shot's time the narrator speaks (the rest: lead-in, breaths between sentences)."""
RECAP_SHARE = 0.15
MAX_RECAP_POINTS = 3

_BOILERPLATE = re.compile(
    r"^(in this (lesson|unit|chapter|section)|by the end of|students (will|should)|"
    r"you will (learn|be able)|learning (goals?|objectives?|outcomes?)|objectives?:|"
    r"(this|the) (lesson|unit|chapter|section) (will|covers|explains|introduces)|"
    r"(after|when) (you|students) (have )?(finish|complete)|"
    r"answer the (following )?questions|see (figure|table)|(read|look at) (the|this))",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"(?<=[;:])\s+")
_ASIDE = re.compile(r"\s*\([^()]*\)")
_DANGLING = re.compile(
    r"^(but|and|so|or|yet|however|this|these|that|those|it|its|they|their|such|also|"
    r"each of (these|them)|both of (these|them)|here|there|then|thus|therefore|instead)\b",
    re.IGNORECASE,
)
"""Openings that lean on the sentence before; out of context they confuse a listener."""
_SUBORDINATE = re.compile(r"^(Although|While|Though|If|When|As|Because|Since|Unless|Once)\b")
RECAP_POINT_WORDS = 18
_ENDS = (".", "!", '"', "\u201d")
_DEFINES = re.compile(r"\b(is|are|means|called|known as)\b")
_STOP_OBJ = frozenset(
    {"explain", "describe", "identify", "recognise", "recognize", "understand", "define",
     "apply", "discuss", "analyze", "analyse", "compare", "calculate", "find", "perform",
     "justify", "argue", "know", "learn", "able", "students", "student", "will", "using",
     "between", "their", "about", "which", "these", "those", "where", "there"}
)  # fmt: skip


def words_per_minute(grade_band: str, rate: float = 1.0) -> float:
    """Narration pace for a grade band, scaled by the speaking rate (1 = natural)."""
    return WPM_BY_GRADE.get(grade_band.strip(), DEFAULT_WPM) * rate


def lesson_target_seconds(objectives: Sequence[str], sentences: Sequence[str], wpm: float) -> int:
    """About a minute per objective, never more than reading the whole lesson aloud would take."""
    wanted = SECONDS_PER_OBJECTIVE * max(1, len(objectives))
    spoken = sum(len(words(s)) for s in sentences) * 60 / max(wpm, 1) / SPEECH_SHARE
    return int(max(MIN_TARGET, min(MAX_TARGET, wanted, spoken + 10)))


def is_boilerplate(sentence: str) -> bool:
    """A learning-goal or study-skills line, a question or a lead-in to a list: not narrated."""
    s = sentence.rstrip()
    return bool(_BOILERPLATE.search(s)) or s.endswith(("?", ":", "…")) or "..." in s


def tidy(sentence: str) -> str:
    """Drop parenthetical asides and stray brackets; the narrator says the main clause."""
    s = _ASIDE.sub("", sentence)
    s = s.replace("(", "").replace(")", "")
    s = re.sub(r"\s+([,.;:!?])", r"\1", " ".join(s.split()))
    return s[:1].upper() + s[1:]


_POINTERS = frozenset({"it", "its", "he", "she", "his", "her", "they", "them", "their", "this",
                       "these", "those", "result", "such"})  # fmt: skip


def leans_back(sentence: str) -> bool:
    """True when the sentence opens by pointing at the one before ("But", "These", "He")."""
    if re.search(r"\b(is|are) (called|known as)\b", sentence):
        return False  # "This change is called evaporation." defines; it is worth saying
    opening = [w.lower() for w in words(sentence)[:3]]
    return bool(_DANGLING.match(sentence.strip())) or bool(_POINTERS & set(opening))


def whole_pieces(sentence: str, max_words: int) -> list[str]:
    """The sentence itself if it fits; else its independent clauses as sentences; else nothing."""
    raw = sentence.lstrip(" \"“'")
    if not raw or raw[0].islower() or raw[0] == "(":
        return []  # a fragment cut from its sentence, or an aside
    sentence = tidy(sentence)
    if len(words(sentence)) < 4 or not sentence.rstrip().endswith(_ENDS):
        return []  # a fragment (a title line, a caption) is not something to say
    if len(words(sentence)) <= max_words:
        return [sentence]
    clauses = [c.strip() for c in _CLAUSE_END.split(sentence) if c.strip()]
    if len(clauses) < 2:
        return []
    pieces = []
    for c in clauses:
        c = c.rstrip(";:, ")
        if not c.endswith((".", "!")):
            c += "."
        pieces.append(c[:1].upper() + c[1:])
    if all(4 <= len(words(p)) <= max_words for p in pieces):
        return pieces
    return []


def objective_words(objective: str) -> set[str]:
    """Content words (lemmas) of an objective, without its verb."""
    return {lemma(w) for w in words(objective) if len(w) > 3 and w.lower() not in _STOP_OBJ}


def overlap(sentence: str, goal: set[str]) -> int:
    """How many of the goal's words the sentence uses."""
    return len(goal & {lemma(w) for w in words(sentence)})


@dataclass(frozen=True)
class Script:
    """The narration: body sentences in source order, the recap, and each objective's sentence."""

    body: list[str]
    recap: list[str]
    served: dict[str, str]


def write_script(
    sentences: Sequence[str],
    concepts: Sequence[str],
    objectives: Sequence[str],
    *,
    budget_words: int,
    max_sentence_words: int,
) -> Script:
    """Choose the narration within ``budget_words`` (recap included)."""
    pieces: list[str] = []
    for s in sentences:
        if not is_boilerplate(s):
            pieces.extend(whole_pieces(s, max_sentence_words))
    if not pieces:
        return Script([], [], {})
    order = {s: i for i, s in reversed(list(enumerate(pieces)))}
    scored = rank_sentences(pieces, concepts)
    ranked = [s for _, s in sorted(scored, key=lambda t: -(t[0] - 1.0 * leans_back(t[1])))]
    body_budget = max(8, int(budget_words * (1 - RECAP_SHARE)))
    recap_budget = max(0, budget_words - body_budget)
    chosen: set[str] = set()
    served: dict[str, str] = {}
    used = 0
    for objective in objectives:
        goal = objective_words(objective)
        best = max(ranked, key=lambda s: (overlap(s, goal), -ranked.index(s)))
        if overlap(best, goal) == 0:
            continue
        served[objective] = best
        if best not in chosen and (not chosen or used + len(words(best)) <= body_budget):
            chosen.add(best)
            used += len(words(best))
    for s in ranked:
        if used >= body_budget:
            break
        n = len(words(s))
        if s not in chosen and used + n <= body_budget:
            chosen.add(s)
            used += n
    body = sorted(chosen, key=lambda s: order[s])
    return Script(body, _recap(body, objectives, served, recap_budget), served)


def _recap(
    body: Sequence[str], objectives: Sequence[str], served: dict[str, str], budget: int
) -> list[str]:
    """Per objective, the shortest body sentence that serves it, led in by "To sum up"."""
    points: list[str] = []
    used = 0
    limit = budget
    for objective in objectives[:MAX_RECAP_POINTS] or [""]:
        goal = objective_words(objective)
        candidates = [
            s
            for s in body
            if overlap(s, goal)
            and s not in points
            and not leans_back(s)
            and not _SUBORDINATE.match(s)
            and len(words(s)) <= RECAP_POINT_WORDS
        ] or ([served[objective]] if served.get(objective) in body else [])
        candidates = [c for c in candidates if c not in points]
        if not candidates:
            continue
        best = min(candidates, key=lambda s: (not _DEFINES.search(s), len(words(s))))
        n = len(words(best))
        if used + n > limit:
            continue
        points.append(best)
        used += n
    if not points:
        return []
    return [f"To sum up: {points[0]}", *points[1:]]
