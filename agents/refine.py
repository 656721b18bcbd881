"""Refine a rendered shot prompt into what providers accept and can honour.

Rules (from the shot template contract): the prompt fits the provider's length limit, trimmed
from the prose and actions first and never cutting a dialogue line in half; the Dialogue block
comes last; the standard negative constraints are on the ``Avoid:`` line exactly once; requests
models cannot render (legible on-screen text, logos, watermarks, exact numbers or labels) are
removed.
"""

from __future__ import annotations

import re

from lessonreel.agents.schemas import ShotPrompt

STANDARD_NEGATIVES: tuple[str, ...] = (
    "morphing",
    "distortion",
    "warped structures",
    "extra limbs",
    "floating text",
)

_UNRENDERABLE = re.compile(
    r"(text|sign|caption|banner|title|label|words?|letters?|writing|subtitles?)\s+(that\s+)?"
    r"(reads?|says?|saying|reading|spelling|spells)\b|"
    r"\b(legible|readable|on-?screen)\s+(text|captions?|labels?|words?|numbers?|titles?)|"
    r"\b(logos?|watermarks?|brand names?|trademarks?)\b|"
    r"\bexact\s+(numbers?|figures?|values?|labels?|digits?)\b|"
    r"\b(numbers?|values?|labels?|equations?|formulas?)\s+(written|displayed|shown)\s+on\b",
    re.IGNORECASE,
)
_UNRENDERABLE_WORDS = (
    "text", "sign", "caption", "banner", "title", "label", "word", "letter", "writing",
    "subtitle", "legible", "readable", "screen", "logo", "watermark", "brand", "trademark",
    "exact", "number", "value", "equation", "formula",
)  # fmt: skip
"""A word every match of ``_UNRENDERABLE`` contains (lower case): ASCII text without any of
them cannot match, and skips the pattern's scan (a prompt's sentences mostly have none)."""


def _unrenderable(text: str) -> bool:
    """Whether ``text`` asks for something models cannot render (``_UNRENDERABLE``)."""
    if text.isascii():
        low = text.lower()
        if not any(word in low for word in _UNRENDERABLE_WORDS):
            return False
    return _UNRENDERABLE.search(text) is not None


def _unlabel(text: str) -> str:
    """``text`` without "labelled" / "with labels" (ASCII text without "label" has neither)."""
    if text.isascii() and "label" not in text.lower():
        return text
    return _LABELLED.sub("", text)


_LABELLED = re.compile(r"\b(clearly\s+)?label(?:l)?ed\s+|\s*,?\s*with\s+(?:text\s+)?labels\b", re.I)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_HEADER = re.compile(r"^\s*([A-Za-z][A-Za-z ]{1,30}):")


def _blocks(text: str) -> list[str]:
    return [b.strip("\n") for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]


def _header(block: str) -> str:
    m = _HEADER.match(block)
    return m.group(1).strip().lower() if m else ""


_CLAUSE = re.compile(r",\s*|\s+with\s+|\s+showing\s+")


def _clean_sentence(sentence: str) -> str:
    if not _unrenderable(sentence):
        return sentence
    end = sentence[-1] if sentence[-1:] in ".!?" else ""
    kept = [c for c in _CLAUSE.split(sentence.rstrip(".!?")) if c and not _unrenderable(c)]
    return (", ".join(kept) + end) if kept else ""


def _clean_sentences(text: str) -> str:
    kept = [c for c in (_clean_sentence(s) for s in _SENTENCE.split(text)) if c]
    return _unlabel(" ".join(kept))


def _clean_block(block: str, kind: str) -> str:
    if kind == "dialogue":
        return block
    lines = []
    for line in block.splitlines():
        if kind == "actions" and line.lstrip().startswith(("-", "*", "•")):
            if _unrenderable(line):
                continue
            lines.append(_unlabel(line))
        elif _HEADER.match(line) and kind != "":
            lines.append(line)
        else:
            cleaned = _clean_sentences(line).strip()
            if cleaned:
                lines.append(cleaned)
    return "\n".join(lines)


def _merge_negatives(existing: list[str], extra: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for item in [*existing, *extra, *STANDARD_NEGATIVES]:
        item = item.strip().strip(".")
        if item and item.lower() not in seen:
            seen[item.lower()] = item
    return list(seen.values())


def _assemble(prose: list[str], middle: list[str], avoid: str, dialogue: str) -> str:
    parts = [*prose, *middle, avoid]
    if dialogue:
        parts.append(dialogue)
    return "\n\n".join(p for p in parts if p.strip())


def refine(prompt: ShotPrompt, *, max_chars: int = 2000) -> ShotPrompt:
    """Return the prompt refined for the provider (see the module docstring for the rules)."""
    prose: list[str] = []
    middle: list[str] = []
    negatives: list[str] = []
    dialogue = ""
    for block in _blocks(prompt.text):
        kind = _header(block)
        if kind == "avoid":
            negatives += [n for n in block.split(":", 1)[1].replace("\n", ",").split(",")]
        elif kind == "dialogue":
            dialogue = block
        elif kind in ("", "prose"):
            cleaned = _clean_block(block, "")
            if cleaned:
                prose.append(cleaned)
        else:
            cleaned = _clean_block(block, kind)
            if cleaned.strip() and (kind != "actions" or len(cleaned.splitlines()) > 1):
                middle.append(cleaned)
    merged = _merge_negatives(negatives, list(prompt.negative))
    avoid = "Avoid: " + ", ".join(merged)
    text = _assemble(prose, middle, avoid, dialogue)
    text = _fit(prose, middle, avoid, dialogue, max_chars) if len(text) > max_chars else text
    return prompt.model_copy(update={"text": text, "negative": merged})


def _fit(prose: list[str], middle: list[str], avoid: str, dialogue: str, limit: int) -> str:
    """Trim prose sentences and action beats first, then whole dialogue lines, to ``limit``."""
    prose = [_SENTENCE.split(p) for p in prose]  # type: ignore[misc]
    sentences: list[list[str]] = prose  # type: ignore[assignment]
    middle = list(middle)

    def render() -> str:
        return _assemble([" ".join(s) for s in sentences if s], middle, avoid, dialogue)

    while len(render()) > limit:
        longest = max(sentences, key=len, default=[])
        actions = next((i for i, b in enumerate(middle) if _header(b) == "actions"), None)
        if actions is not None and len(middle[actions].splitlines()) > 2:
            middle[actions] = "\n".join(middle[actions].splitlines()[:-1])
        elif len(longest) > 1:
            longest.pop()
        elif dialogue and len(dialogue.splitlines()) > 2:
            dialogue = "\n".join(dialogue.splitlines()[:-1])
        elif middle and any(_header(b) not in ("cinematography",) for b in middle):
            drop = next(i for i, b in enumerate(middle) if _header(b) != "cinematography")
            middle.pop(drop)
        else:
            break
    text = render()
    if len(text) > limit:  # last resort: cut the prose at a word boundary, keep the rest whole
        tail = _assemble([], middle, avoid, dialogue)
        room = max(0, limit - len(tail) - 2)
        head = " ".join(" ".join(s) for s in sentences)[:room].rsplit(" ", 1)[0]
        text = f"{head}\n\n{tail}" if head else tail[:limit]
    return text
