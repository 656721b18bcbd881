"""The learning check: 3–5 multiple-choice questions whose answers the narration says.

Offline, questions are cloze items: a narrated key sentence with its key term blanked, the
term among distractors drawn from the lesson's other key terms. With a chat model the questions
are structured output; any that asks what the narration does not say is dropped and offline
questions top the check up, so the check never quizzes what the video never taught.
"""

from __future__ import annotations

import logging
import re
import zlib
from collections.abc import Iterable, Sequence

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from lessonreel.agents.schemas import Lesson, Quiz, QuizQuestion, Shot, Storyboard
from lessonreel.agents.text import extract_concepts, mentions, split_sentences, term_key
from lessonreel.prompts.quiz import quiz_messages

MIN_QUESTIONS = 3
MAX_QUESTIONS = 5
CHOICES = 4
BLANK = "_____"
MIN_SENTENCE_WORDS = 5
MIN_TERM_CHARS = 5
RECAP_OPENINGS = ("so remember", "remember:", "in short", "to sum up")

log = logging.getLogger(__name__)


class QuizDraft(BaseModel):
    """The learning check as the model writes it."""

    questions: list[QuizQuestion] = Field(
        min_length=1, max_length=MAX_QUESTIONS, description="Three to five questions."
    )


def shot_narration(shot: Shot) -> str:
    """What the narrator says over a shot: ``narration``, else the spoken dialogue lines."""
    if shot.narration.strip():
        return shot.narration.strip()
    return " ".join(d.line.strip() for d in shot.dialogue if d.line.strip())


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s'-]", " ", text.lower()).split())


def is_narrated(phrase: str, storyboard: Storyboard) -> bool:
    """Return True when ``phrase`` is said (case and punctuation aside) in the narration."""
    needle = _norm(phrase)
    if not needle:
        return False
    hay = " " + " ".join(_norm(shot_narration(s)) for s in storyboard.shots) + " "
    return f" {needle} " in hay


def unspoken_answers(quiz: Quiz, storyboard: Storyboard) -> list[int]:
    """Indexes of questions whose correct choice the narration never says."""
    return [
        i for i, q in enumerate(quiz.questions) if not is_narrated(q.choices[q.answer], storyboard)
    ]


def _find(term: str, sentence: str) -> re.Match[str] | None:
    return re.search(rf"(?<!\w){re.escape(term)}(?!\w)", sentence, flags=re.IGNORECASE)


def _unique(terms: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for term in terms:
        key = term_key(term)
        if term.strip() and key and key not in seen:
            seen.add(key)
            out.append(term.strip())
    return out


def _term_pool(lesson: Lesson, storyboard: Storyboard) -> list[str]:
    """Key terms, most important first: lesson concepts, shot concepts, on-screen terms."""
    narration = " ".join(shot_narration(s) for s in storyboard.shots)
    return _unique(
        [
            *lesson.key_concepts,
            *(c for s in storyboard.shots for c in s.concepts),
            *(t.term for s in storyboard.shots for t in s.on_screen.terms),
            *(
                t
                for t in extract_concepts(narration, limit=12)
                if len(t) >= MIN_TERM_CHARS and len(t.split()) <= 2  # a term, not a clause
            ),
        ]
    )


def _display(term: str) -> str:
    """A choice in lower case, unless it is an acronym or a name (capitals past the first)."""
    return term if any(c.isupper() for c in term[1:]) else term.lower()


def _slot(sentence: str, answer: str, choices: int, taken: Sequence[int]) -> int:
    """Where the answer sits, varied so that no pattern gives it away.

    From the sentence *and* its answer, so two questions cut from one sentence differ, and
    never the slot the previous question used.
    """
    slot = zlib.crc32(f"{sentence}|{answer}".encode()) % choices
    if taken and taken[-1] == slot:
        slot = (slot + 1 + zlib.crc32(answer.encode()) % (choices - 1)) % choices
    return slot


def _cloze(
    sentence: str, term: str, pool: list[str], objective: str, taken: Sequence[int] = ()
) -> QuizQuestion | None:
    match = _find(term, sentence)
    if match is None or _find(term, sentence[match.end() :]) is not None:
        return None  # a term said twice would show through the blank
    answer = match.group(0)
    key = term_key(answer)
    others = [
        t
        for t in pool
        if not mentions(sentence, t)
        and t.lower() not in sentence.lower()  # "light" would read as a hint in "sunlight"
        and key not in term_key(t)
        and term_key(t) not in key
    ]
    others.sort(key=lambda t: zlib.crc32(f"{sentence}|{t}".encode()))
    distractors = others[: CHOICES - 1]
    if not distractors:
        return None
    choices = [_display(d) for d in distractors]
    slot = _slot(sentence, answer, len(choices) + 1, taken)
    choices.insert(slot, _display(answer))
    stem = sentence[: match.start()] + BLANK + sentence[match.end() :]
    return QuizQuestion(
        question=f"Complete the sentence from the video: “{stem}”",
        choices=choices,
        answer=slot,
        objective=objective,
        explanation=sentence,
    )


def offline_quiz(lesson: Lesson, storyboard: Storyboard, *, avoid: Iterable[str] = ()) -> Quiz:
    """Cloze questions from narrated key sentences, one objective and one answer term at a time."""
    pool = _term_pool(lesson, storyboard)
    used = {term_key(a) for a in avoid}
    candidates: list[tuple[str, str, str]] = []  # (sentence, term, objective), best first
    for shot in storyboard.shots:
        for sentence in split_sentences(shot_narration(shot)):
            if len(sentence.split()) < MIN_SENTENCE_WORDS:
                continue
            found = [t for t in pool if _find(t, sentence) is not None]
            # the whole phrase, not a word of it: "water cycle", never "the _____ cycle"
            found = [t for t in found if not any(t != o and _find(t, o) for o in found)]
            candidates += [(sentence, t, shot.objective) for t in found]
    # a recap list ("So remember: a, b and c") makes a weak question: use it last
    candidates.sort(key=lambda c: c[0].lower().startswith(RECAP_OPENINGS))
    questions: list[QuizQuestion] = []
    covered: set[str] = set()
    sentences: set[str] = set()
    # first one question per objective, then per sentence, then a second term of a sentence
    for rule in ("objective", "sentence", "term"):
        for sentence, term, objective in candidates:
            if len(questions) >= MAX_QUESTIONS:
                break
            if term_key(term) in used or (rule != "term" and sentence in sentences):
                continue
            if rule == "objective" and objective in covered:
                continue
            question = _cloze(sentence, term, pool, objective, [q.answer for q in questions])
            if question is None:
                continue
            questions.append(question)
            used.add(term_key(term))
            covered.add(objective)
            sentences.add(sentence)
    return Quiz(questions=questions)


async def llm_quiz(lesson: Lesson, storyboard: Storyboard, chat_model: BaseChatModel) -> Quiz:
    """Ask the model for the check; keep questions answered in the narration, top up offline."""
    system, user = quiz_messages(
        objectives=lesson.objectives,
        terms=_term_pool(lesson, storyboard)[:12],
        narration=[shot_narration(s) for s in storyboard.shots],
        grade_band=lesson.grade_band,
    )
    structured = chat_model.with_structured_output(QuizDraft)
    try:
        raw = await structured.ainvoke([SystemMessage(system), HumanMessage(user)])
        draft = raw if isinstance(raw, QuizDraft) else QuizDraft.model_validate(raw)
    except Exception as exc:  # the check is an extra: a model failure must not fail the run
        log.warning("quiz model failed (%s); using offline questions", exc)
        return offline_quiz(lesson, storyboard)
    kept: list[QuizQuestion] = []
    for q in draft.questions:
        distinct = len({_norm(c) for c in q.choices}) == len(q.choices)
        if distinct and is_narrated(q.choices[q.answer], storyboard):
            kept.append(q)
    kept = kept[:MAX_QUESTIONS]
    if len(kept) < MIN_QUESTIONS:
        extra = offline_quiz(lesson, storyboard, avoid=[q.choices[q.answer] for q in kept])
        kept += extra.questions[: MAX_QUESTIONS - len(kept)]
    return Quiz(questions=kept)


async def make_quiz(
    lesson: Lesson, storyboard: Storyboard, *, chat_model: BaseChatModel | None = None
) -> Quiz:
    """Write the learning check (offline when ``chat_model`` is None)."""
    if chat_model is None:
        return offline_quiz(lesson, storyboard)
    return await llm_quiz(lesson, storyboard, chat_model)


def refresh_quiz(lesson: Lesson, storyboard: Storyboard) -> Storyboard:
    """Rebuild the check offline when an edit took an answer out of the narration."""
    quiz = storyboard.quiz
    if quiz is not None and quiz.questions and not unspoken_answers(quiz, storyboard):
        spoken = " ".join(" ".join(shot_narration(shot).split()) for shot in storyboard.shots)
        quoted = [" ".join(q.explanation.split()) for q in quiz.questions if q.explanation]
        if all(sentence in spoken for sentence in quoted):  # "said in the video" still is
            return storyboard
    return storyboard.model_copy(update={"quiz": offline_quiz(lesson, storyboard)})
