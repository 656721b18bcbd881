"""The sanitizer: rescue a blocked or provider-rejected prompt while keeping its teaching intent.

With a chat model it asks for a structured rewrite of the unsafe sentences that keeps the
teaching intent; offline (the default) it works on whole sentences: an unsafe one is dropped or
replaced by a neutral summary sentence (its facts, or its blocklist entry's suggestion).
Every round records the unified diff and the reason. ``None`` means nothing teachable
remains (or the round bound is exceeded): the caller gives the shot up with the reason.
"""

from __future__ import annotations

import asyncio
import difflib
import logging
import re
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from lessonreel.agents.models import choose_chat_model
from lessonreel.agents.schemas import Match, Rewrite, Verdict
from lessonreel.agents.screen_graphic import graphic_detail, neutral_statement, tool_instruction
from lessonreel.agents.screen_lexical import normalise
from lessonreel.agents.screen_text import screenable, strip_style
from lessonreel.prompts.sanitizer import SANITIZER_SYSTEM, render_sanitizer_user
from lessonreel.prompts.shot import SECTION_ORDER, split_sections

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from lessonreel.agents.safety import Screen

log = logging.getLogger(__name__)

MAX_SANITIZE_ROUNDS = 2
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_CLAUSE_SENTENCE = re.compile(r"(?<=[.!?;:])\s+(?=(?:\S+\s+){3})")
"""Sentences, and independent clauses after a colon or semicolon, judged one by one."""
_AVOID = re.compile(r"(?i)^\s*(avoid|negative(?: prompt)?)\s*:")
_LINE_LABEL = re.compile(r"^\s*(?:[-*•]\s+(?:\d+\s*[-–]\s*\d+\s*s\s*:\s*)?|[A-Z][\w ]{0,30}:\s*)")
_SECTION = re.compile(r"^\s*(Dialogue|Actions|Cinematography)\s*:\s*$")
_CONTENT = re.compile(r"[A-Za-z]{3,}")
_TEMPLATE_WORDS = frozenset(
    [
        "cinematography",
        "camera",
        "shot",
        "move",
        "lens",
        "lighting",
        "palette",
        "mood",
        "actions",
        "background",
        "sound",
        "avoid",
        "dialogue",
        "narrator",
    ]
)


class SanitizedPrompt(BaseModel):
    """Structured output of the LLM sanitizer."""

    prompt: str = Field(description="The rewritten prompt, same layout, Dialogue block last.")
    changes: list[str] = Field(default_factory=list, description="What was changed and why.")
    give_up: bool = Field(default=False, description="True when nothing teachable remains.")


def sanitizer_chat_model(
    choice: str = "auto", *, model: str | None = None, base_url: str | None = None
) -> BaseChatModel | None:
    """The sanitizer's chat model for ``choice`` (auto/llm/offline); None means offline."""
    return choose_chat_model("sanitizer", choice, model=model, base_url=base_url)


def unified_diff(before: str, after: str) -> str:
    """A unified diff of two prompt versions."""
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile="before",
            tofile="after",
        )
    )


def _summary_sentence(sentence: str, matches: list[Match]) -> str:
    """A neutral sentence to stand in for ``sentence``: its facts, or the entry's suggestion."""
    facts = neutral_statement([sentence])
    if facts and not graphic_detail(facts):
        return facts
    norm = normalise(sentence)
    for m in matches:
        hit = (m.span and normalise(m.span) in norm) or any(w and w in norm for w in m.words)
        if hit and m.suggestion:
            return m.suggestion[:1].upper() + m.suggestion[1:].rstrip(".") + "."
    return ""


def _bad_sentence(sentence: str, verdict: Verdict, screen: Screen | None) -> bool:
    norm = normalise(sentence)
    for m in verdict.matches:
        if m.span and normalise(m.span) in norm:
            return True
        if m.layer == "lexical" and any(w and normalise(w) in norm for w in m.words):
            return True
    if graphic_detail(sentence) or tool_instruction(sentence):
        return True
    return screen is not None and not screen.screen(sentence).allowed


def _rewrite_sentences(text: str, verdict: Verdict, screen: Screen | None) -> str:
    """Each bad sentence dropped or replaced whole by a neutral summary sentence.

    Empty when no sentence of the prompt's own prose survives: stand-ins alone teach nothing.
    """
    lines = []
    used: set[str] = set()
    survivors = 0
    section = ""
    for line in text.splitlines():
        if _AVOID.match(line):
            lines.append(line)
            continue
        head = _LINE_LABEL.match(line)
        prefix = head.group(0) if head else ""
        if prefix:
            section = prefix.strip().rstrip(":").lower() if _SECTION.match(prefix) else section
        prose = not prefix or prefix.lstrip()[:1] in "-*•" or section == "dialogue"
        kept = []
        for sentence in _CLAUSE_SENTENCE.split(line[len(prefix) :]):
            if not sentence.strip() or not _bad_sentence(sentence, verdict, screen):
                kept.append(sentence)
                survivors += bool(sentence.strip()) and prose
                continue
            summary = _summary_sentence(sentence, verdict.matches)
            if (
                summary
                and summary not in used
                and (screen is None or screen.screen(summary).allowed)
            ):
                used.add(summary)
                kept.append(summary)
        body = " ".join(k for k in kept if k.strip())
        if body.strip() or not prefix:
            lines.append(prefix + body)
        elif _SECTION.match(prefix):
            lines.append(prefix.rstrip())
    return "\n".join(lines) if survivors else ""


def _tidy(text: str) -> str:
    text = re.sub(r"(\s*,\s*){2,}", ", ", text)
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r"(?m)^[ \t]*,\s*|,\s*$", "", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _teachable(text: str) -> bool:
    words = [w.lower() for w in _CONTENT.findall(screenable(text)) if strip_style(w)]
    return len([w for w in words if w not in _TEMPLATE_WORDS]) >= 3


def simplify_for_provider(text: str) -> str:
    """Simplify a prompt the provider refused although our screen allowed it.

    With nothing matched there is nothing to substitute, so follow the prompting guide's advice
    for a shot that keeps failing: drop the dialogue (voices and quoted lines are a frequent
    trigger), keep one beat of action and freeze the camera. The subject and setting stay, so the
    teaching intent survives; if the refusal was about the subject itself the provider refuses
    again and the shot is given up with the reason.
    """
    sections = split_sections(text)
    if "Cinematography" not in sections:
        return " ".join(_SENTENCE.split(text.strip())[:2])
    sections.pop("Dialogue", None)
    actions = [line for line in sections.get("Actions", "").splitlines() if line.strip()]
    if actions:
        sections["Actions"] = actions[0]
    sections["Cinematography"] = re.sub(
        r"(?im)^(camera move:).*$", r"\1 static", sections["Cinematography"]
    )
    blocks = [sections.pop("prose", "")]
    for name in SECTION_ORDER[1:]:
        body = sections.get(name, "")
        if body:
            sep = "\n" if name in ("Cinematography", "Actions") else " "
            blocks.append(f"{name}:{sep}{body}")
    return "\n\n".join(b for b in blocks if b) + "\n"


def sanitize_offline(text: str, verdict: Verdict | None, *, screen: Screen | None = None) -> str:
    """Drop each unsafe sentence or replace it whole with a neutral summary sentence.

    A sentence is unsafe when it holds a matched span or term, graphic detail, an instruction
    to the tool, or (given ``screen``) is blocked on its own. Words inside a sentence are never
    swapped: a half-edited sentence reads as nonsense ("their a popping balloon on the ground").
    A provider refusal comes without a verdict: the prompt is simplified instead.
    """
    if verdict is None:
        return simplify_for_provider(text)
    return _tidy(_rewrite_sentences(text, verdict, screen))


async def sanitize(
    text: str,
    *,
    reason: str,
    verdict: Verdict | None,
    round: int,
    chat_model: BaseChatModel | None = None,
    screen: Screen | None = None,
    max_rounds: int = MAX_SANITIZE_ROUNDS,
) -> Rewrite | None:
    """Rewrite ``text`` for round ``round`` (from 1); None when it cannot be fixed.

    ``screen`` (optional) lets the offline path drop sentences that still match after
    substitution; the caller screens the result again either way.
    """
    if round < 1 or round > max_rounds:
        return None
    after: str | None = None
    if chat_model is not None:
        after = await _sanitize_llm(
            text, reason=reason, verdict=verdict, round=round, model=chat_model
        )
    if after is None:  # the offline path screens sentences: keep the event loop free
        after = await asyncio.to_thread(sanitize_offline, text, verdict, screen=screen)
    if not after.strip() or after.strip() == text.strip() or not _teachable(after):
        return None
    return Rewrite(
        round=round, before=text, after=after, reason=reason, diff=unified_diff(text, after)
    )


async def _sanitize_llm(
    text: str, *, reason: str, verdict: Verdict | None, round: int, model: BaseChatModel
) -> str | None:
    matches = verdict.reasons if verdict else []
    messages = [
        ("system", SANITIZER_SYSTEM),
        ("human", render_sanitizer_user(text=text, reason=reason, matches=matches, round=round)),
    ]
    try:
        structured = model.with_structured_output(SanitizedPrompt)
        result = await structured.ainvoke(messages)
    except Exception as exc:  # the offline path is the fallback, never a crash
        log.warning("LLM sanitizer failed (%s); using offline substitution", type(exc).__name__)
        return None
    parsed = (
        result if isinstance(result, SanitizedPrompt) else SanitizedPrompt.model_validate(result)
    )
    if parsed.give_up:
        return ""
    return parsed.prompt.strip()
