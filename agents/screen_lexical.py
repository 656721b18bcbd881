"""Lexical layer of the screen: blocklist terms at word boundaries, through simple obfuscation.

The text is normalised before matching: accents dropped, leetspeak decoded inside words that mix
letters and digits/symbols ("k1ll", "s3x", "pr0n"; never numbers such as "1790s" or "3rd"),
look-alike Cyrillic/Greek letters mapped to Latin and invisible characters removed, spaced or
dotted single letters joined ("s e x", "k.i.l.l"), and runs of three or more identical letters
squeezed ("kiiiill"). Terms match at word boundaries with an optional plural ("-s", "-es", "'s").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from lessonreel.store.blocklist import BlockEntry

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a",
                       "$": "s", "!": "i", "|": "l", "+": "t"})  # fmt: skip
_TOKEN = re.compile(r"[\w@$!|+]+")
_NUMERIC = re.compile(
    r"\d+(?:st|nd|rd|th|s|am|pm|bc|ad|bce|ce|k|m|km|kg|g|mg|cm|mm|ml|l|x|d|h|min|hz|kw|mph)?"
)
"""Numbers, years, ordinals and units ("1790s", "3rd", "5km") are never leetspeak."""
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]")
_CONFUSABLES = str.maketrans(
    {"а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j",
     "ѕ": "s", "һ": "h", "ԁ": "d", "ӏ": "l", "к": "k", "м": "m", "т": "t", "в": "b", "н": "h",
     "α": "a", "ο": "o", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ρ": "p", "τ": "t", "υ": "u",
     "χ": "x", "ѵ": "v", "ɡ": "g", "ı": "i"}
)  # fmt: skip
"""Cyrillic and Greek letters that look Latin ("kіll" with a Cyrillic i)."""
_SPACED = re.compile(r"\b(?:[a-z0-9@$][ .\-_*]){2,}[a-z0-9@$]\b")
_RUN3 = re.compile(r"([a-z])\1{2,}")
_RUN2 = re.compile(r"([a-z])\1+")


def _deleet(token: str) -> str:
    if _NUMERIC.fullmatch(token):
        return token
    if any(c.isalpha() for c in token) and any(not c.isalpha() for c in token):
        stripped = token.strip("!|+")
        if stripped and any(c.isalpha() for c in stripped):
            return (
                token[: len(token) - len(token.lstrip("!|+"))]
                + stripped.translate(_LEET)
                + (token[len(token.rstrip("!|+")) :])
            )
    return token


def _join_spaced(m: re.Match[str], keep_article: bool) -> str:
    s = m.group(0)
    if keep_article and s[:2] in ("a ", "i "):
        return s[:2] + re.sub(r"[ .\-_*]", "", s[2:])
    return re.sub(r"[ .\-_*]", "", s)


def normalise(text: str, *, keep_article: bool = False) -> str:
    """Lower-case, accent-free, de-obfuscated text for matching.

    ``keep_article`` keeps a leading "a"/"i" out of a run of spaced letters ("a p o r n").
    """
    text = unicodedata.normalize("NFKD", _INVISIBLE.sub("", text))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.translate(_CONFUSABLES)
    text = text.replace("’", "'")
    text = _SPACED.sub(lambda m: _join_spaced(m, keep_article), text)
    text = _TOKEN.sub(lambda m: _deleet(m.group(0)), text)
    return _RUN3.sub(r"\1\1", text)


def _term_pattern(term: str) -> str:
    parts = [re.escape(p) for p in re.split(r"[\s\-_]+", term) if p]
    return r"[\s\-_]*".join(parts) if len(term.replace(" ", "")) <= 3 else r"[\s\-_]+".join(parts)


@dataclass(frozen=True)
class LexicalHit:
    """One term found in the text."""

    entry: BlockEntry
    term: str
    found: str
    strong: bool


class LexicalMatcher:
    """All blocklist terms compiled into one alternation, with squeezed-repeat variants."""

    def __init__(self, entries: Iterable[BlockEntry]) -> None:
        self._by_term: dict[str, tuple[BlockEntry, bool]] = {}
        for e in entries:
            for t in e.cues:
                self._by_term.setdefault(t, (e, False))
            for t in e.terms:
                cur = self._by_term.get(t)
                if cur is None or not cur[1]:
                    self._by_term[t] = (e, True)
        terms = sorted(self._by_term, key=len, reverse=True)
        self._squeezed = {_RUN2.sub(r"\1", t): t for t in terms}
        alts = "|".join(_term_pattern(t) for t in terms) or r"(?!x)x"
        self._re = re.compile(rf"(?<![\w])(?:{alts})(?:s|es|'s)?(?![\w])")
        sq = "|".join(_term_pattern(t) for t in sorted(self._squeezed, key=len, reverse=True))
        self._re_sq = re.compile(rf"(?<![\w])(?:{sq or '(?!x)x'})(?:s|es|'s)?(?![\w])")

    def _lookup(self, found: str, table: dict[str, str] | None) -> str | None:
        key = re.sub(r"[\s\-_]+", " ", found).strip()
        for cand in (key, key.removesuffix("'s"), key.removesuffix("es"), key.removesuffix("s")):
            for variant in {cand, cand.replace(" ", "-"), cand.replace(" ", "")}:
                if table is None and variant in self._by_term:
                    return variant
                if table is not None and variant in table:
                    return table[variant]
        # multi-word terms typed with other separators ("self harm" vs "self-harm")
        flat = key.replace(" ", "")
        for t in self._by_term if table is None else table:
            if t.replace(" ", "").replace("-", "") == flat:
                return t if table is None else table[t]
        return None

    def find(self, text: str) -> list[LexicalHit]:
        """Every term hit in ``text`` (strong terms first), one per term."""
        norm = normalise(text)
        alt = normalise(text, keep_article=True)
        hits: dict[str, LexicalHit] = {}
        for m in [*self._re.finditer(norm), *(self._re.finditer(alt) if alt != norm else ())]:
            term = self._lookup(m.group(0), None)
            if term and term not in hits:
                entry, strong = self._by_term[term]
                hits[term] = LexicalHit(entry, term, m.group(0), strong)
        squeezed = _RUN2.sub(r"\1", norm)
        if squeezed != norm:
            for m in self._re_sq.finditer(squeezed):
                term = self._lookup(m.group(0), self._squeezed)
                if term and term not in hits:
                    entry, strong = self._by_term[term]
                    hits[term] = LexicalHit(entry, term, m.group(0), strong)
        return sorted(hits.values(), key=lambda h: (not h.strong, h.entry.id))
