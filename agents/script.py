"""The narrator's script, offline: whole source sentences, in the lesson's order, then a recap.

The narration is the teaching, so it is chosen first and the shots are cut to fit it: the
sentences that carry the key concepts and every objective, up to the words the target length
allows at the grade's speaking rate, kept in source order and never cut mid-sentence (a long one
is split where a clause ends, or left out). The recap restates what each objective means with
the lesson's own shortest defining sentence, not a list of words.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from lessonreel.agents.lexicon import STOPWORDS
from lessonreel.agents.text import lemma, rank_sentences, words

WPM_BY_GRADE = {"K-2": 110, "3-5": 125, "6-8": 135, "9-12": 140}
"""Narration pace in words per minute by grade band (slower for young children)."""
DEFAULT_WPM = 140
SECONDS_PER_OBJECTIVE = 60
MIN_TARGET, MAX_TARGET = 40, 360
SPEECH_SHARE = 0.85
"""Share of a shot's time the narrator speaks (the rest: lead-in, breaths between sentences)."""
RECAP_SHARE = 0.15
MAX_RECAP_SHARE = 0.35
MIN_RECAP_BODY = 3
ANTECEDENT_ROOM = 1.4
"""How far past the body's word budget the sentences that pointer sentences lean on may go."""
"""Body sentences a recap needs: summing up one or two sentences only repeats them."""
MAX_RECAP_POINTS = 5
GOAL_WORDS_SAID = 2
"""Words of an objective the narration must say for it to count as covered (fewer if it has
fewer): one shared word ("battle") is chance, two ("major battles") is the objective."""

_BOILERPLATE = re.compile(
    r"^(in this (lesson|unit|chapter|section)|by the end of|students (will|should)|"
    r"you will (learn|be able)|learning (goals?|objectives?|outcomes?)|objectives?:|"
    r"(this|the) (lesson|unit|chapter|section) (will|covers|explains|introduces)|"
    r"(after|when) (you|students) (have )?(finish|complete)|"
    r"answer the (following )?questions|see (figure|table)|(read|look at) (the|this))",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"(?<=[;:])\s+")
_TRAILING = re.compile(
    r",\s+(?:which|resulting|because|although|though|whereas|while|so that|allowing|making|"
    r"causing|leading|creating|giving|meaning|and then|as well as)\b[^,;:—]*[.!]?$"
)
"""A comma before a clause that hangs on the main one and runs to the end: what comes before
can stand alone ("X, which is hot, rises" does not match: the verb follows the aside)."""
MIN_HEAD_WORDS = 6
_ASIDE = re.compile(r"\s*\([^()]*\)")
_DANGLING = re.compile(
    r"^(but|and|so|or|yet|however|this|these|that|those|it|its|they|their|such|also|"
    r"each of (these|them)|both of (these|them)|here|there|then|thus|therefore|instead|"
    r"in (fact|contrast|addition|particular|other words|turn)|for (example|instance)|"
    r"rather|still|nevertheless|nonetheless|moreover|furthermore|similarly|likewise|"
    r"meanwhile|otherwise|hence|consequently|as a result|even so)\b",
    re.IGNORECASE,
)
"""Openings that lean on the sentence before; out of context they confuse a listener."""
_SUBORDINATE = re.compile(r"^(Although|While|Though|If|When|As|Because|Since|Unless|Once)\b")
RECAP_POINT_WORDS = 18
LONG_POINT_WORDS = 28
"""A recap point that says the objective may run this long when no shorter one does."""
_ENDS = (".", "!", '"', "\u201d")
_DEFINES = re.compile(r"\b(is|are|means|called|known as)\b")
_STOP_OBJ = frozenset(
    {"explain", "describe", "identify", "recognise", "recognize", "understand", "define",
     "apply", "discuss", "analyze", "analyse", "compare", "calculate", "find", "perform",
     "justify", "argue", "know", "learn", "able", "students", "student", "will", "using",
     "between", "their", "about", "which", "these", "those", "where", "there",
     "example", "model", "picture", "basic"}
)  # fmt: skip
"""Objective verbs and the wording of objectives ingest infers ("… with an example")."""
_KEEP = frozenset({"mean"})
"""Stop words that name a topic in an objective ("the mean of a set")."""
_IMPERATIVES = frozenset({"list", "use", "name", "state", "solve", "determine", "show"})
_QUOTED = re.compile(r"[“\"]([^”\"]{2,60})[”\"]")
_BRACKETS = (("(", ")"), ("[", "]"), ("“", "”"))


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
    if any(sentence.count(a) != sentence.count(b) for a, b in _BRACKETS):
        return []  # split inside a bracket or a quotation: a piece of a larger unit
    sentence = tidy(sentence)
    if len(words(sentence)) < 4 or not sentence.rstrip().endswith(_ENDS):
        return []  # a fragment (a title line, a caption) is not something to say
    if len(words(sentence)) <= max_words:
        return [sentence]
    clauses = [c.strip() for c in _CLAUSE_END.split(sentence) if c.strip()]
    if len(clauses) < 2:
        head = main_clause(sentence, max_words)
        return [head] if head else []
    pieces = []
    for c in clauses:
        c = c.rstrip(";:, ")
        if not c.endswith((".", "!")):
            c += "."
        pieces.append(c[:1].upper() + c[1:])
    if all(4 <= len(words(p)) <= max_words for p in pieces):
        return pieces
    return []


def main_clause(sentence: str, max_words: int) -> str:
    """The sentence up to a trailing clause (", which …", ", resulting in …") if that fits.

    Only when the main clause comes first: after "When …, " the head would be the subordinate
    clause, not a sentence. '' when it does not fit.
    """
    if _SUBORDINATE.match(sentence):
        return ""
    for match in _TRAILING.finditer(sentence):
        head = sentence[: match.start()].rstrip(" ,;:—")
        if MIN_HEAD_WORDS <= len(words(head)) <= max_words and head.count("“") == head.count("”"):
            return head + "."
    return ""


def objective_words(objective: str) -> set[str]:
    """Content words (lemmas) of an objective, without its verb; only the term it quotes, if any."""
    quoted = _QUOTED.findall(objective)
    text = " ".join(quoted) if quoted else objective
    return {
        lemma(w)
        for w in words(text)
        if (len(w) > 3 or quoted)
        and w.lower() not in _STOP_OBJ
        and w.lower() not in STOPWORDS - _KEEP
    }


def restates_objective(sentence: str, objectives: Sequence[str]) -> bool:
    """True for a learning goal repeated in the text (a heading like "Find the median.").

    The verb may differ ("Identify the mode …" for "Find the mode …"): the rest must match.
    """
    head, *rest = [w.lower() for w in words(sentence)] or [""]
    if head not in _STOP_OBJ and head not in _IMPERATIVES:
        return False
    return any(rest == [w.lower() for w in words(o)][1:] for o in objectives)


def _lemmas(sentence: str) -> set[str]:
    return {lemma(w) for w in words(sentence)}


def serving(ranked: Sequence[str], goal: set[str]) -> list[str]:
    """The fewest sentences (at most two) that together say the objective's words, best first."""
    need = min(GOAL_WORDS_SAID, len(goal))
    picks: list[str] = []
    said: set[str] = set()
    while len(said) < need and len(picks) < 2:
        best = max(
            ranked, key=lambda s: (len((goal - said) & _lemmas(s)), not leans_back(s)), default=""
        )
        gain = (goal - said) & _lemmas(best)
        if not gain:
            break
        picks.append(best)
        said |= gain
    return picks


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
        if not is_boilerplate(s) and not restates_objective(s, objectives):
            pieces.extend(whole_pieces(s, max_sentence_words))
    if not pieces:
        return Script([], [], {})
    scored = rank_sentences(pieces, concepts)
    ranked = [s for _, s in sorted(scored, key=lambda t: -(t[0] - 1.0 * leans_back(t[1])))]
    # the recap has room for one point per objective, however short the video (within reason)
    points = min(len(objectives), MAX_RECAP_POINTS) * RECAP_POINT_WORDS
    recap_share = min(MAX_RECAP_SHARE, max(RECAP_SHARE, points / max(1, budget_words)))
    body_budget = max(8, int(budget_words * (1 - recap_share)))
    recap_budget = max(0, budget_words - body_budget)
    chosen, served, needed = _choose(ranked, objectives, body_budget)
    if len(chosen) < MIN_RECAP_BODY:  # too short to sum up: the body takes the whole budget
        body_budget, recap_budget = budget_words, 0
        chosen, served, needed = _choose(ranked, objectives, body_budget)
    body = _with_antecedents(chosen, pieces, int(body_budget * ANTECEDENT_ROOM), needed)
    # a recap of one or two sentences would only say them again
    recap = _recap(body, objectives, served, recap_budget) if len(body) >= MIN_RECAP_BODY else []
    if not recap and recap_budget and len(body) >= MIN_RECAP_BODY:
        # nothing the body said fits the recap: the lesson's own shortest statement of a goal
        recap = _recap(pieces, objectives[:1], served, max(recap_budget, RECAP_POINT_WORDS))
    return Script(body, recap, served)


def _choose(
    ranked: Sequence[str], objectives: Sequence[str], budget: int
) -> tuple[set[str], dict[str, str], set[str]]:
    """The sentences that say each objective, then the best of the rest, within ``budget``.

    Returns the chosen sentences, each objective's best sentence, and every sentence chosen
    because it says an objective.
    """
    chosen: set[str] = set()
    served: dict[str, str] = {}
    needed: set[str] = set()
    used = 0
    for objective in objectives:
        picks = serving(ranked, objective_words(objective))
        if picks:
            served[objective] = picks[0]
        for best in picks:
            if best not in chosen and (not chosen or used + len(words(best)) <= budget):
                chosen.add(best)
                needed.add(best)
                used += len(words(best))
    for s in ranked:
        if used >= budget:
            break
        n = len(words(s))
        if s not in chosen and used + n <= budget:
            chosen.add(s)
            used += n
    return chosen, served, needed


def opens_with_pointer(sentence: str) -> bool:
    """True when the opening points at what came before ("This change is called …")."""
    opening = [w.lower() for w in words(sentence)[:3]]
    return bool(_DANGLING.match(sentence.strip())) or bool(_POINTERS & set(opening))


def _with_antecedents(
    chosen: set[str], pieces: Sequence[str], limit: int, needed: Collection[str]
) -> list[str]:
    """The chosen sentences in source order, each pointer sentence with the one it points at.

    "This change from liquid to gas is called evaporation." means nothing without the sentence
    before it: that one is said too while the words allow (always for a sentence that says an
    objective: ``needed``), else neither is.
    """
    kept = set(chosen)
    used = sum(len(words(s)) for s in kept)
    for i, piece in enumerate(pieces):
        if piece not in chosen or i == 0 or not opens_with_pointer(piece):
            continue
        before = pieces[i - 1]
        n = len(words(before))
        if before in kept:
            continue
        if not opens_with_pointer(before) and (used + n <= limit or piece in needed):
            kept.add(before)
            used += n
        elif piece not in needed:  # said alone it would point at nothing
            kept.discard(piece)
            used -= len(words(piece))
    return [p for p in dict.fromkeys(pieces) if p in kept]


def _recap(
    body: Sequence[str], objectives: Sequence[str], served: dict[str, str], budget: int
) -> list[str]:
    """Per objective, the body sentence that best says what it means, led in by "To sum up".

    A sentence that says the objective's words wins over one that merely touches it; then a
    defining sentence ("… is …", "… is called …"); then the shortest.
    """
    points: list[str] = []
    used = 0
    for objective in objectives[:MAX_RECAP_POINTS] or [""]:
        goal = objective_words(objective)
        need = min(GOAL_WORDS_SAID, len(goal)) or 1
        usable = [
            s
            for s in body[:-1]
            if s not in points
            and overlap(s, goal)
            and not opens_with_pointer(s)
            and not _SUBORDINATE.match(s)
        ]
        tiers = (
            [s for s in usable if overlap(s, goal) >= need and len(words(s)) <= RECAP_POINT_WORDS],
            [s for s in usable if overlap(s, goal) >= need and len(words(s)) <= LONG_POINT_WORDS],
            [s for s in usable if len(words(s)) <= RECAP_POINT_WORDS],
            [served[objective]] if served.get(objective) in usable else [],
        )
        candidates = next(([c for c in t if c not in points] for t in tiers if t), [])
        candidates = [c for c in candidates if c not in points]
        if not candidates:
            continue
        best = min(
            candidates,
            key=lambda s: (-min(overlap(s, goal), need), not _DEFINES.search(s), len(words(s))),
        )
        n = len(words(best))
        if used + n > budget:
            continue
        points.append(best)
        used += n
    if not points:
        return []
    return [f"To sum up: {points[0]}", *points[1:]]
