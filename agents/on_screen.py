"""Plan the teaching text of each shot offline: key terms with definitions, labels, an equation.

Text-to-video models cannot draw legible words, so the words a learner must read are planned
here and composited locally. A key term goes on the shot whose narration first says it (the
dialogue, then the shot's concepts, stand in while the narration is empty); its one-line
definition is the lesson's own defining sentence ("Inertia is ...", "... is called inertia").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from lessonreel.agents.schemas import KeyTerm, Lesson, OnScreen, Shot, Storyboard
from lessonreel.agents.text import (
    extract_concepts,
    lesson_sentences,
    mentions,
    shorten,
    term_key,
    words,
)

MAX_TERMS = 2
"""Key-term cards per shot: more than two in one shot cannot each be read in time."""
TERM_SECONDS = 3.0
"""Screen time one key-term card needs (a term and its one-line definition)."""
MAX_LABELS = 4
"""Labels per shot (the steps of a small diagram at most)."""
RECAP_TERMS = 8
"""Key words the recap card lists."""
DEFINITION_WORDS = 18
"""A definition longer than this is cut at a clause boundary (one line on a card)."""
DEFINITION_CHARS = 90
"""What the card's two lines hold at 720p (~50 characters each, word-wrapped); longer is cut
at a clause boundary too, so the card never ends in '…'."""

_CHEM = r"\d*(?:[A-Z][a-z]?\d*)+"
_EQUATION = re.compile(
    r"(?:\$([^$\n]{3,80})\$)"  # $...$ in Markdown
    rf"|({_CHEM}(?:\s*\+\s*{_CHEM})*\s*(?:→|->|=)\s*{_CHEM}(?:\s*\+\s*{_CHEM})*)"
    r"|(\b\d+/\d+\s*=\s*\d+/\d+(?:\s*=\s*\d+/\d+)*)"
    r"|(\b[A-Za-z]\s*=\s*[A-Za-z0-9]{1,3}(?:\s*[×*/·^+\-]\s*[A-Za-z0-9]{1,3})+)"
)
_SIGNPOST = re.compile(
    r":\s*$|\b(following|next section|this section|chapter|we will|you will|figure)\b", re.I
)
"""Sentences about the text itself, not the term: never a definition."""
_DEFINES_OTHER = re.compile(r"\b(?:is|are)\s+(?:called|known as|named)\b", re.I)
"""'... is called X' defines X: never the fallback definition of another term."""
_FRACTION = re.compile(r"\b(\d+)/(\d+)\b")
_SUBSCRIPT = re.compile(r"(?<=[A-Za-z)])(\d+)")


_DETERMINER = r"(?:(?:a|an|the|each|every|all|most)\s+)?"
_INTRO = r"(?:[^,;:]{1,60},\s+)?"
"""A short lead-in before the subject ("In biology, a cell is ...")."""
_CONTENT = (
    r"(?!(?:through|into|from|to|with|of|in|on|by|the|an?|and|or|is|are|was|were|be)\b)[\w-]+"
)
"""A word that can be part of a noun phrase (no preposition, article or verb 'to be')."""
_NOT_HEAD = re.compile(
    r"\s*(?:['’]s?\b|,|\(|of\b|in\b|on\b|at\b|for\b|from\b|with\b|by\b|and\b|or\b|that\b|"
    r"which\b|who\b|is called\b|are called\b)",
    re.I,
)
"""What follows a term that is only part of the subject ("the war in Europe", "Earth's crust")."""
_PAST = re.compile(
    r"\s+(?:(?:\w+ly|also|then|not|still|no longer)\s+)*(?:was|were|had|did|went|built|came|"
    r"became|took|made|grew|began|fought|led|gave|saw|won|lost|fell|rose|found|brought|wrote|"
    r"met|shot|fled|held|kept|left|ran|sent|stood|struck|told|knew|\w+[^e\W]ed)\b",
    re.I,
)
"""A verb in the past tense right after the subject: the sentence narrates."""


def _term(term: str) -> str:
    """The term as a regex: any case, either apostrophe, singular or plural."""
    parts = [re.sub(r"['’]", "['’]", re.escape(w)) for w in term.split()]
    last = term.split()[-1].lower() if term.split() else ""
    if len(last) > 3 and last.endswith("ies"):
        parts[-1] = parts[-1][:-3] + "(?:y|ies)"
    elif len(last) > 3 and last.endswith("s") and not last.endswith("ss"):
        parts[-1] = parts[-1][:-1] + "(?:s|es)?"
    else:
        parts[-1] += "(?:s|es)?"
    return r"\s+".join(parts)


def _definition_patterns(term: str) -> list[re.Pattern[str]]:
    """Sentences that really define ``term``, most telling first.

    The term is the subject of is/means/refers to, a sentence names it ("... is called T",
    "tiny pores called T"), or an appositive says what it is ("T, a gas in the air, ...").
    """
    t = _term(term)
    subject = rf"^{_INTRO}{_DETERMINER}{t}(?:\s+of\s+[^,;]{{1,40}}?)?"
    named = r"(?:is|are)\s+(?:also\s+|often\s+|sometimes\s+|commonly\s+)?"
    return [
        re.compile(
            rf"{subject}\s+(?:is|are)\s+((?:a|an|the|one|how|what|when|where|made|any)\b.+)", re.I
        ),
        re.compile(rf"{subject}\s+(?:means|refers to|describes|is defined as)\s+(.+)", re.I),
        re.compile(  # a second name: "Newton's first law is often called the law of inertia"
            rf"{subject}\s+(?:is|are)\s+((?:also |often |sometimes )?(?:called|known as)\s.+)", re.I
        ),
        re.compile(  # "Water that falls from clouds is called precipitation"
            rf"^([^,;]{{3,90}}?)(?<!\bwhat)(?<!\bwhich)(?<!\bthat)\s+{named}"
            rf"(?:called|known as|named|referred to as)\s+(?:an?\s+|the\s+)?{t}\b",
            re.I,
        ),
        re.compile(  # "an invisible gas called water vapour", "tiny pores called stomata on ..."
            rf"(?<![\w-])((?:(?:an?|the)\s+)?(?:{_CONTENT}\s+){{0,2}}{_CONTENT})\s+"
            rf"(?:called|known as)\s+{t}\b((?:\s+(?:on|in|at|inside|under|along)\s+[^,;.]+)?)",
            re.I,
        ),
        re.compile(  # an appositive of the subject: "Carbon dioxide, a gas in the air, enters"
            rf"^{_DETERMINER}{t}\s*[,—–]\s*((?:or\s+)?(?:an?|the)\s+[^,;:—–()]{{3,80}}?)\s*[,—–]"
            r"(?!\s*(?:and|or)\b)",
            re.I,
        ),
    ]


def _said_of(term: str, sentence: str) -> bool:
    """True when ``term`` heads the subject of a present-tense sentence ("Stomata let gases in.").

    A past-tense sentence tells a story ("The water was not inside the bottle."), not what the
    term is or does.
    """
    match = re.match(rf"{_INTRO}{_DETERMINER}{_term(term)}\b", sentence, re.I)
    if match is None or _NOT_HEAD.match(sentence[match.end() :]):
        return False
    return not _PAST.match(sentence[match.end() :])


def _one_line(text: str) -> str:
    """The definition as one whole clause; a slightly longer card beats one cut mid-idea."""
    text = " ".join(re.sub(r"\s*\([^)]*\)", "", text).split()).strip(" .;:,")
    for limit in (DEFINITION_WORDS, DEFINITION_WORDS + 6):
        if len(words(text)) <= limit and len(text) < DEFINITION_CHARS:
            return text[:1].upper() + text[1:] + "."
        for sep in (";", ","):
            head = text.split(sep)[0].strip()
            if 5 <= len(words(head)) <= limit and len(head) < DEFINITION_CHARS:
                return head[:1].upper() + head[1:] + "."
    return ""


def _plain(sentence: str) -> str:
    """The sentence without Markdown emphasis or an opening bracket or quote."""
    return re.sub(r"\*\*|__", "", sentence).strip().lstrip("(\"“‘'").strip()


def define(term: str, sentences: Sequence[str], *, longer: Sequence[str] = ()) -> str:
    """The lesson's one-line definition of ``term``, or '' when the lesson never defines it.

    Without a defining sentence, a short sentence with the term as its subject says what it
    does; a sentence that merely mentions it ("The war in Europe was over.") is no definition.
    ``longer`` are the key terms that contain this one: a sentence about "the water cycle" is
    not about "water".
    """
    patterns = _definition_patterns(term)
    plain = [_plain(sentence) for sentence in sentences]
    for pattern in patterns:
        for sentence in plain:
            match = pattern.search(sentence)
            if match is None or any(_said_of(other, sentence) for other in longer):
                continue
            body = re.sub(r"^or\s+", "", " ".join(g for g in match.groups() if g), flags=re.I)
            near = sentence[match.start() : match.end() + 40]
            if any(mentions(near, other) for other in longer):
                continue  # "water vapour" is not "water"
            if pattern is patterns[3]:  # "X is called T": X is the definition, T the term
                body = re.sub(r"^(?:the|a|an|this|that|these|those)\s+", "", body, flags=re.I)
            if len(words(body)) < 2 or re.match(r"the same\b|the following\b", body, re.I):
                continue
            line = _one_line(body)
            if line:
                return line
    about = [
        sentence
        for sentence in plain
        if len(words(sentence)) >= 5
        and not sentence.endswith("?")
        and _said_of(term, sentence)
        and not any(_said_of(other, sentence) for other in longer)
        and not _SIGNPOST.search(sentence)
        and not _DEFINES_OTHER.search(sentence)
    ]
    for sentence in sorted(about, key=lambda s: len(words(s))):
        line = shorten(sentence, DEFINITION_WORDS)
        if len(line) >= DEFINITION_CHARS:  # too long for the card: its first clause, or nothing
            head = re.split(r"[,;:—]", line)[0].strip(" .")
            line = head + "." if len(words(head)) >= 4 and len(head) < DEFINITION_CHARS else ""
        if line and mentions(line, term):  # a cut that lost the term says nothing about it
            return line
    return ""


def _to_latex(found: str) -> str:
    latex = found.strip().strip("$").strip()
    latex = latex.replace("→", r"\rightarrow ").replace("->", r"\rightarrow ")
    latex = latex.replace("×", r"\times ").replace("·", r"\cdot ")
    if "\\" not in found and "_" not in latex and "/" not in latex:
        latex = _SUBSCRIPT.sub(r"_{\1}", latex)  # chemical formulae: CO2 -> CO_{2}
    latex = _FRACTION.sub(r"\\frac{\1}{\2}", latex)
    return latex


def find_equation(text: str) -> str | None:
    """The first equation written in ``text`` (Markdown math or a plain formula), as LaTeX."""
    for match in _EQUATION.finditer(text):
        if match.group(2) and not re.search(r"\d", match.group(2)):
            continue  # "A = B" in prose is not a chemical equation
        latex = _to_latex(next(g for g in match.groups() if g))
        if match.group(2):  # chemical symbols are set upright: \mathrm{CO}_{2}
            latex = re.sub(r"((?:[A-Z][a-z]?)+)", r"\\mathrm{\1}", latex)
        return latex
    return None


def key_terms(lesson: Lesson) -> list[str]:
    """The lesson's key terms: the ingested key concepts, or the ones the text ranks highest."""
    return list(lesson.key_concepts) or extract_concepts(lesson.text, title=lesson.title)


def capacity(shot: Shot) -> int:
    """How many key-term cards fit in the shot, each up for TERM_SECONDS."""
    return max(1, min(MAX_TERMS, int(shot.duration // TERM_SECONDS)))


def _define(lesson: Lesson, term: str, sentences: Sequence[str]) -> str:
    key = f" {term_key(term)} "
    longer = [t for t in key_terms(lesson) if t != term and key in f" {term_key(t)} "]
    return define(term, sentences, longer=longer)


def _spoken(shot: Shot) -> str:
    return shot.narration or " ".join(d.line for d in shot.dialogue)


def _nearby_terms(lesson: Lesson, spoken: str, sentences: Sequence[str]) -> list[str]:
    """Key terms in the lesson sentences next to the one the shot says, in lesson order."""
    said = {term_key(w) for w in words(spoken)}
    best, index = 0, -1
    for i, sentence in enumerate(sentences):
        overlap = len(said & {term_key(w) for w in words(sentence)})
        if overlap > best:
            best, index = overlap, i
    if index < 0:
        return []
    window = " ".join(sentences[max(0, index - 2) : index + 3])
    found = [(window.lower().find(t.lower().split()[0]), t) for t in key_terms(lesson)]
    return [t for at, t in sorted(found) if at >= 0 and mentions(window, t)]


def plan_on_screen(
    lesson: Lesson, shot: Shot, shown: Iterable[str] = (), *, sentences: Sequence[str] = ()
) -> OnScreen:
    """Terms first said in this shot (not in ``shown``), labels and an equation, from the lesson."""
    seen = {term_key(t) for t in shown}
    sentences = sentences or lesson_sentences(lesson.text)
    spoken = _spoken(shot)
    candidates = [c for c in key_terms(lesson) if spoken and mentions(spoken, c)]
    candidates += [c for c in shot.concepts if c not in candidates]
    terms: list[KeyTerm] = []
    for term in candidates:
        if term_key(term) in seen or len(terms) >= capacity(shot):
            continue
        seen.add(term_key(term))
        terms.append(KeyTerm(term=term, definition=_define(lesson, term, sentences)))
    # Labels name the parts of the shot's picture: its concepts, the key terms it mentions, then
    # key terms the lesson mentions around what the shot says (the rest of a process or cycle).
    labels: list[str] = []
    for label in [*shot.concepts, *candidates, *_nearby_terms(lesson, spoken, sentences)]:
        if term_key(label) not in {term_key(x) for x in labels}:
            labels.append(label)
    labels = labels[:MAX_LABELS]
    equation = find_equation(spoken) if spoken else None
    if equation is None and "diagram" in shot.subject.lower():
        equation = find_equation(lesson.text)
    return OnScreen(terms=terms, labels=labels, equation=equation)


def with_on_screen(lesson: Lesson, storyboard: Storyboard) -> Storyboard:
    """Fill every shot's ``on_screen`` in order, so each key term gets a card once.

    Key terms that no shot says are added to the teaching shots with room left, so the whole
    list reaches the screen; the last shot (the recap) keeps its labels for the recap card.
    """
    sentences = lesson_sentences(lesson.text)
    shown: list[str] = []
    shots: list[Shot] = []
    last = len(storyboard.shots) - 1
    for shot in storyboard.shots:
        plan = plan_on_screen(lesson, shot, shown, sentences=sentences)
        if shot.index == last and last > 0:
            plan.terms = []  # the recap card names every key word; cards go on teaching shots
        shown += [t.term for t in plan.terms]
        shots.append(shot.model_copy(update={"on_screen": plan}))
    done = {term_key(t) for t in shown}
    missing = [t for t in key_terms(lesson) if term_key(t) not in done]
    teaching = shots[1:-1] or shots
    for shot in teaching:
        while missing and len(shot.on_screen.terms) < capacity(shot):
            term = missing.pop(0)
            definition = _define(lesson, term, sentences)
            shot.on_screen.terms.append(KeyTerm(term=term, definition=definition))
    if len(shots) > 1:  # the recap names the key words once more, all together
        shots[-1].on_screen.labels = key_terms(lesson)[:RECAP_TERMS]
    return storyboard.model_copy(update={"shots": shots})


__all__ = ["define", "find_equation", "key_terms", "plan_on_screen", "with_on_screen"]
