"""Screen a lesson at ingest, passage by passage, before the director reads it.

Each sentence is judged (:func:`judge_sentence`): an instruction aimed at the video tool is
dropped; graphic detail, or a sentence the screen blocks even in a lesson's context, is taken out
and the passage's graphic sentences are replaced by one neutral statement of their facts — who,
what, where, when — so a lesson about a massacre still teaches the massacre. With a chat model the
statement is written by the model (structured output) and screened again; offline it is built
from the facts the passage names. Every change becomes a :class:`SafetyNote` for the report.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from lessonreel.agents.schemas import Lesson, SafetyNote
from lessonreel.agents.screen_graphic import graphic_detail, neutral_statement, tool_instruction
from lessonreel.agents.text import split_sentences
from lessonreel.prompts.sanitizer import NEUTRAL_SYSTEM, render_neutral_user

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from lessonreel.agents.safety import Screen

log = logging.getLogger(__name__)

_BULLET = re.compile(r"^(\s*(?:[-*+•]|\d{1,2}[.)])\s+)")
TOOL_REASON = "instruction aimed at the video tool"


@dataclass(frozen=True)
class Judgement:
    """Why a sentence may not reach a viewer (``bad`` False: it may)."""

    bad: bool
    reason: str = ""
    category: str | None = None
    tool: bool = False


def judge_sentence(sentence: str, screen: Screen | None) -> Judgement:
    """Judge one sentence of lesson or storyboard text, in a lesson's (educational) context.

    The classifier alone does not take a lesson sentence out: it scores a prompt's intent, and a
    single sentence of a primary source ("the real hell of Dachau") scores like a threat. Graphic
    detail is found by :func:`graphic_detail`; blocklist terms and entries still apply.
    """
    if tool_instruction(sentence):
        return Judgement(True, TOOL_REASON, None, tool=True)
    if graphic_detail(sentence):
        return Judgement(True, "graphic detail of injury or death", "violence_gore")
    if screen is not None:
        verdict = screen.screen(sentence, framing=True)
        if not verdict.allowed and any(m.layer != "classifier" for m in verdict.matches):
            layers = ", ".join(dict.fromkeys(m.layer for m in verdict.matches))
            return Judgement(True, f"blocked by the screen ({layers})", verdict.category)
    return Judgement(False)


def digest(text: str) -> str:
    """Short sha256 that finds a judged text in its source without repeating it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


class NeutralText(BaseModel):
    """Structured output: a neutral, factual rewrite of graphic or unsafe text."""

    text: str = Field(description="The rewrite: whole sentences, facts only, no graphic detail.")


@dataclass
class _Flag:
    line: int
    sentence: int
    text: str
    judgement: Judgement


@dataclass
class _Passage:
    number: int
    lines: list[int]
    before: list[int] = field(default_factory=list)
    """Lines of the passage before it: where and when, if this one does not say."""
    flags: list[_Flag] = field(default_factory=list)


@dataclass
class CleanedText:
    """Lesson text after screening, and what changed."""

    text: str
    notes: list[SafetyNote]


def _find(text: str, screen: Screen | None) -> tuple[list[list[str]], list[_Passage]]:
    lines = text.split("\n")
    split: list[list[str]] = []
    passages: list[_Passage] = []
    current: _Passage | None = None
    for i, line in enumerate(lines):
        bullet = _BULLET.match(line)
        body = line[bullet.end() :] if bullet else line
        sentences = split_sentences(body) if body.strip() else []
        if bullet and sentences:
            sentences[0] = bullet.group(1) + sentences[0]
        split.append(sentences)
        if not line.strip():
            current = None
            continue
        if current is None:
            current = _Passage(len(passages) + 1, [], passages[-1].lines if passages else [])
            passages.append(current)
        current.lines.append(i)
        for j, s in enumerate(sentences):
            verdict = judge_sentence(_BULLET.sub("", s), screen)
            if verdict.bad:
                current.flags.append(_Flag(i, j, s, verdict))
    return split, [p for p in passages if p.flags]


def _note(p: _Passage, f: _Flag, action: str, replacement: str = "") -> SafetyNote:
    return SafetyNote(
        stage="ingest",
        where=f"passage {p.number}, line {f.line + 1}, sentence {f.sentence + 1}",
        action="rewritten" if action == "rewritten" else "dropped",
        reason=f.judgement.reason,
        category=f.judgement.category,
        words=len(f.text.split()),
        digest=digest(f.text),
        replacement=replacement,
    )


async def _llm_statement(sentences: list[str], model: BaseChatModel) -> str:
    try:
        structured = model.with_structured_output(NeutralText)
        result = await structured.ainvoke(
            [("system", NEUTRAL_SYSTEM), ("human", render_neutral_user(" ".join(sentences)))]
        )
    except Exception as exc:  # the offline statement is the fallback, never a crash
        log.warning("LLM neutral rewrite failed (%s); using the offline one", type(exc).__name__)
        return ""
    parsed = result if isinstance(result, NeutralText) else NeutralText.model_validate(result)
    return parsed.text.strip()


def _any_bad(sentences: list[str], screen: Screen | None) -> bool:
    return any(judge_sentence(s, screen).bad for s in sentences)


async def screen_lesson_text(
    text: str, screen: Screen | None, *, chat_model: BaseChatModel | None = None
) -> CleanedText:
    """Screen ``text`` passage by passage; see the module docstring for what changes."""
    split, flagged = await asyncio.to_thread(_find, text, screen)
    notes: list[SafetyNote] = []
    for p in flagged:
        graphic = [f for f in p.flags if not f.judgement.tool]
        statement = ""
        if graphic and chat_model is not None:
            statement = await _llm_statement([f.text for f in graphic], chat_model)
            sentences = split_sentences(statement)
            if await asyncio.to_thread(_any_bad, sentences, screen):
                statement = ""
        if graphic and not statement:
            context = " ".join(" ".join(split[i]) for i in [*p.lines, *p.before])
            statement = neutral_statement([f.text for f in graphic], context)
        for f in p.flags:
            first = f is (graphic[0] if graphic else None)
            split[f.line][f.sentence] = statement if first else ""
            rewritten = first and bool(statement)
            notes.append(
                _note(p, f, "rewritten" if rewritten else "dropped", statement if rewritten else "")
            )
    changed = {f.line for p in flagged for f in p.flags}
    out = []
    for i, (line, sentences) in enumerate(zip(text.split("\n"), split, strict=True)):
        if i not in changed:
            out.append(line)
            continue
        kept = " ".join(s for s in sentences if s)
        if kept.strip():
            out.append(kept)
    return CleanedText(re.sub(r"\n{3,}", "\n\n", "\n".join(out)), notes)


async def screen_lesson(
    lesson: Lesson, screen: Screen | None, *, chat_model: BaseChatModel | None = None
) -> tuple[Lesson, list[SafetyNote]]:
    """The lesson with its passages screened (re-analysed when anything changed) and the notes.

    The lesson keeps its id: the same input always yields the same cleaned lesson.
    """
    from lessonreel.agents.ingest import lesson_from_text

    cleaned = await screen_lesson_text(lesson.text, screen, chat_model=chat_model)
    if not cleaned.notes:
        return lesson, []
    again = lesson_from_text(cleaned.text, source=lesson.source)
    return again.model_copy(update={"id": lesson.id}), cleaned.notes
