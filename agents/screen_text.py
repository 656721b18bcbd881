"""Text preparation for the safety screen: what gets embedded, and context signals.

A shot prompt is split into sentences and comma phrases (short neighbours merged), after
dropping what the screen must not judge: the ``Avoid:`` line (things the prompt asks *not* to
show), template labels, and image-prompt style tokens ("8k, artstation, trending, octane render")
that pull every embedding toward the same art-style region.
"""

from __future__ import annotations

import re

from lessonreel.agents.screen_lexical import normalise

MAX_UNITS = 48
"""Cap on phrases embedded per prompt (long texts keep their first MAX_UNITS phrases)."""

_AVOID_LINE = re.compile(r"(?im)^\s*(avoid|negative(?: prompt)?)\s*:.*$")
_LABEL = re.compile(
    r"(?im)^\s*(cinematography|camera shot|camera move|lens|lighting|palette|mood|actions|"
    r"background sound|dialogue|camera|style|format|look)\s*:\s*"
)
_BULLET = re.compile(r"(?m)^\s*[-*•]\s+")
_STYLE_WORDS = (
    r"\d+\s?k|uhd|hdr|hd|4k|8k|16k|artstation|trending(?: on \w+)?|highly detailed|"
    r"hyper ?detailed|ultra detailed|insanely detailed|intricate(?: details?)?|octane(?: render)?|"
    r"unreal engine(?: \d)?|redshift|vray|cgsociety|deviantart|pixiv|behance|concept art|"
    r"digital (?:art|painting|illustration)|matte painting|masterpiece|award[- ]winning|"
    r"sharp focus|smooth|elegant|photorealistic|hyper ?realistic|hyperrealism|realistic|"
    r"cinematic(?: lighting)?|dramatic lighting|volumetric (?:lighting|light)|studio lighting|"
    r"global illumination|ray tracing|bokeh|dslr|depth of field|high resolution|high quality|"
    r"best quality|detailed|illustration|wlop|greg rutkowski|alphonse mucha|artgerm|"
    r"featured on \w+|by [a-z]+(?: [a-z]+){0,2}"
)
_STYLE = re.compile(rf"^\s*(?:{_STYLE_WORDS})\s*$", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")
_PHRASE = re.compile(r"\s*,\s*|\s*\|\s*|\s+-\s+")
_WS = re.compile(r"\s+")

ALLOW_SIGNALS = re.compile(
    r"\b(lesson|lessons|students?|classroom|teacher|textbook|diagram|diagrams|figure|labell?ed|"
    r"micrograph|microscope|anatom\w*|biology|chemistry|physics|scien\w+|histor\w+|museum|"
    r"memorial|documentary|narrator|explains?|illustrat\w+|cross[- ]section|cutaway|"
    r"panel|photo [a-d]|part [a-d]|chart|map|timeline|century|survivors?|archaeolog\w+|"
    r"(?:1[0-9]|20)\d{2}s?)\b",
    re.IGNORECASE,
)


def screenable(text: str) -> str:
    """The part of a prompt the screen judges (no Avoid line, no template labels)."""
    text = _AVOID_LINE.sub("", text)
    text = _LABEL.sub("", text)
    return _BULLET.sub("", text)


def strip_style(phrase: str) -> str:
    """Drop a phrase that is only an image-prompt style token ("8k", "trending on artstation")."""
    return "" if _STYLE.match(phrase) else phrase


def units(text: str, *, min_words: int = 4, max_words: int = 14) -> list[str]:
    """Sentences and comma phrases to embed, short neighbours merged, style tokens dropped."""
    out: list[str] = []
    for sentence in _SENTENCE.split(screenable(text)):
        phrases = [strip_style(p.strip(" .!?;:\"'()[]")) for p in _PHRASE.split(sentence)]
        phrases = [p for p in phrases if p]
        chunk: list[str] = []
        n = 0
        for p in phrases:
            w = len(p.split())
            if chunk and n + w > max_words:
                out.append(", ".join(chunk))
                chunk, n = [], 0
            chunk.append(p)
            n += w
            if n >= min_words:
                out.append(", ".join(chunk))
                chunk, n = [], 0
        if chunk:
            if out and n < min_words and len(out[-1].split()) + n <= max_words and len(phrases) > 1:
                out[-1] = out[-1] + ", " + ", ".join(chunk)
            else:
                out.append(", ".join(chunk))
        if len(out) >= MAX_UNITS:
            break
    out = [_WS.sub(" ", u).strip() for u in out[:MAX_UNITS]]
    return [u for u in out if u] or [_WS.sub(" ", text).strip()[:500] or "."]


def embed_units(body: str) -> list[str]:
    """The phrases the screen embeds: de-obfuscated ("k1ll" → "kill") so the model sees words."""
    return units(normalise(body))


def allow_signals(text: str) -> list[str]:
    """Educational/historical/scientific framing words found in the text (lower-cased)."""
    return sorted({m.group(0).lower() for m in ALLOW_SIGNALS.finditer(text)})
