"""Plain-text analysis shared by ingest and the offline director.

Sentences, words, readability, key concepts and key sentences, shortening narration to fit a
shot, and spotting sentences that try to instruct the model instead of teaching — all
deterministic and dependency-free, so the offline path needs no model.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

from lessonreel.agents.lexicon import GENERIC_HEADINGS, GENERIC_WORDS, STOPWORDS

_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*[A-Za-z]|[A-Za-z]")
_ABBREV = re.compile(
    r"\b(e\.g|i\.e|etc|vs|Dr|Mr|Mrs|Ms|Prof|St|No|Fig|approx|ca|U\.S|U\.K|a\.m|p\.m|B\.C|A\.D)\.",
    re.IGNORECASE,
)
_SENT_END = re.compile(r"(?<=[.!?])[\"”’)\]]*\s+(?=[\"“(\[]?[A-Z0-9])")
_PAREN_REF = re.compile(
    r"\s*\((?:see |as shown in )?(?:the |a )?(?:figure|fig\.|table|chart|image|photo|video|"
    r"diagram|map|exercise|example)[^)]*\)",
    re.IGNORECASE,
)
_MD_INLINE = [
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
    (re.compile(r"(?<![\w*])[*_](\S[^*_]*?)[*_](?![\w*])"), r"\1"),
    (re.compile(r"`([^`]*)`"), r"\1"),
]
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)]|[a-z][.)])\s+")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_BOLD = re.compile(r"(?:\*\*|__)([^*_\n]{2,60}?)(?:\*\*|__)")
_DEFINED = [
    re.compile(
        r"\b(?:called|known as|termed|named)\s+(?:the\s+|a\s+|an\s+)?([A-Za-z][\w\- ]{2,40})"
    ),
    re.compile(
        r"^(?:The\s+|An?\s+)?([A-Za-z][\w\- ]{2,40}?)\s+(?:is|are)\s+(?:a|an|the|defined)\b"
    ),
]
_ROLE_TURN = re.compile(
    r"^\W*(?:SYSTEM|ASSISTANT|DEVELOPER|USER)\b\W*(?:PROMPT|MESSAGE)?\s*[:\]>|]"
    r"|(?i:<\|?\s*(?:system|assistant|developer|im_start)\b)"
)
"""A chat-role turn ("SYSTEM: …", "[SYSTEM] …", "<|system|> …"): the whole paragraph is aimed at
the model. Upper case only for the bare word, so a glossary line "System: a set of parts" stays."""
_INJECTION = [
    _ROLE_TURN,
    re.compile(
        r"^\W*(system|assistant|developer|user|ai)\s*:\s*(please\s+)?(instead\s+)?(film|show|"
        r"depict|generate|render|draw|make|create|produce|write|ignore|forget|disregard)\b",
        re.IGNORECASE,
    ),
    re.compile(
        r"\b(ignore|disregard|forget|override|bypass)\b.{0,40}\b(instructions?|lesson|prompt|"
        r"rules?|above|previous|everything|guidelines|policy|policies)\b",
        re.IGNORECASE,
    ),
    re.compile(r"\b(system prompt|developer message|new instructions?|jailbreak)\b", re.I),
    re.compile(r"\byou are (now|no longer)\b|\b(act as|pretend to be|pretend you)\b", re.I),
    re.compile(
        r"\b(ai|assistant|language model|chatbot|director|video model)\b.{0,30}\b(must|should|"
        r"shall|will have to)\b.{0,30}\b(film|show|generate|render|depict|output|write)\b",
        re.I,
    ),
    re.compile(
        r"^(please\s+)?(instead\s+)?(film|generate|render|produce|depict|create|make)\b.{0,60}"
        r"\b(video|clip|scene|shot|footage|image|something|anything)\b",
        re.I,
    ),
]
_DISCOURSE = re.compile(
    r"^(however|for example|for instance|in addition|in fact|moreover|therefore|thus|also|"
    r"furthermore|similarly|consequently|as a result|in other words|of course|indeed|"
    r"rather|instead)\s*,\s*",
    re.IGNORECASE,
)


def strip_markdown(line: str) -> str:
    """Remove Markdown markup (headings, bullets, emphasis, links) from one line."""
    line = _HEADING.sub("", line)
    line = _BULLET.sub("", line)
    for pattern, repl in _MD_INLINE:
        line = pattern.sub(repl, line)
    return line.strip()


def is_heading(line: str) -> bool:
    """Return True for a Markdown heading or a short title-like line without end punctuation."""
    if _HEADING.match(line):
        return True
    s = line.strip()
    if not s or _BULLET.match(s) or s[-1] in '.!?:;,)"”':
        return False
    return len(s.split()) <= 8 and s[0].isupper()


def is_generic_heading(line: str) -> bool:
    """Return True for headings like 'Learning objectives' that carry no content."""
    s = strip_markdown(line).lower().rstrip(".:")
    return s in GENERIC_HEADINGS or s.startswith(("lesson ", "note from", "notes on"))


def prose_lines(text: str) -> list[str]:
    """Paragraphs of running prose (wrapped lines joined; headings and bullets left out)."""
    out: list[str] = []
    para: list[str] = []
    for raw in [*text.splitlines(), ""]:
        skip = raw.lstrip().lower().startswith("# source:")
        if not raw.strip() or skip or is_heading(raw) or _BULLET.match(raw):
            if para:
                out.append(strip_markdown(" ".join(para)))
            para = []
            continue
        para.append(raw.strip())
    return out


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping abbreviations like 'e.g.' and 'U.S.' intact."""
    protected = _ABBREV.sub(lambda m: m.group(0).replace(".", "\x00"), text)
    parts = _SENT_END.split(protected)
    return [p.replace("\x00", ".").strip() for p in parts if p.strip()]


def clean_sentence(sentence: str) -> str:
    """Drop figure/table references and stray whitespace from a sentence."""
    s = _PAREN_REF.sub("", sentence)
    s = re.sub(r"\s+", " ", s).strip()
    return s.replace(" ,", ",").replace(" .", ".")


def words(text: str) -> list[str]:
    """Word tokens in their original case."""
    return _WORD.findall(text)


@lru_cache(maxsize=16384)
def lemma(word: str) -> str:
    """Crude singular form of a lowercase word, enough to merge plurals (memoised)."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("ches", "shes", "sses", "xes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is", "ics")):
        return w[:-1]
    return w


@lru_cache(maxsize=8192)
def term_key(phrase: str) -> str:
    """Normalised key of a phrase: lowercase lemmas joined by spaces.

    Memoised, as :func:`lemma` is: the director and the on-screen planner ask for the same
    sentences' keys thousands of times per lesson (``mentions`` of every term in every sentence).
    """
    return " ".join(lemma(w) for w in words(phrase))


def mentions(haystack: str, concept: str) -> bool:
    """Return True when the concept's words occur in order in the text (plurals tolerated)."""
    key = term_key(concept)
    if not key:
        return False
    hay = " " + term_key(haystack) + " "
    return f" {key} " in hay


def count_syllables(word: str) -> int:
    """Estimate syllables in an English word (vowel groups, silent final e)."""
    w = word.lower()
    groups = re.findall(r"[aeiouy]+", w)
    n = len(groups)
    if w.endswith("e") and not w.endswith(("le", "ee")) and n > 1:
        n -= 1
    return max(1, n)


def fk_grade(text: str) -> float:
    """Flesch–Kincaid grade level of prose (0 when there is nothing to measure)."""
    sentences = [s for line in prose_lines(text) for s in split_sentences(line)]
    toks = [w for s in sentences for w in words(s)]
    if not sentences or not toks:
        return 0.0
    syll = sum(count_syllables(w) for w in toks)
    return 0.39 * len(toks) / len(sentences) + 11.8 * syll / len(toks) - 15.59


def is_instruction(sentence: str) -> bool:
    """Return True for text addressed to the AI rather than the learner (prompt injection)."""
    s = strip_markdown(sentence)
    return any(p.search(s) for p in _INJECTION)


def lesson_sentences(text: str) -> list[str]:
    """Teaching sentences of a lesson: prose only, cleaned, without injected instructions."""
    out = []
    for line in prose_lines(text):
        if _ROLE_TURN.match(line):
            continue
        for sent in split_sentences(line):
            s = clean_sentence(sent)
            if len(words(s)) < 4 or is_instruction(s) or "[equation]" in s:
                continue
            out.append(s)
    return out


_MODIFIERS = frozenset(
    {"first", "second", "third", "final", "left", "right", "upper", "lower", "inner", "outer"}
    | {"net", "total"}
)
"""Words that belong inside a term ('first law', 'net force') but are never a term alone."""

_ADJECTIVAL = re.compile(r"(ical|ian|ive|ous|ful|ed|ing|ly)$")


def _content(word: str) -> bool:
    lw = word.lower()
    if lw in _MODIFIERS:
        return True
    return (
        len(lw) > 2
        and lw not in STOPWORDS
        and lemma(lw) not in STOPWORDS
        and lemma(lw) not in GENERIC_WORDS
        and lw not in GENERIC_WORDS
    )


def candidate_phrases(sentence: str, max_len: int = 3) -> list[str]:
    """List runs of content words in a sentence, as 1..max_len-word phrases (lowercase)."""
    out: list[str] = []
    run: list[str] = []
    chunks = re.split(r"[,;:()\[\]“”\"—–]|\s-\s|\.\s|\.$", sentence)
    for chunk in chunks:
        run = []
        for w in [*words(chunk), ""]:
            if w and _content(w):
                run.append(w.lower().replace("’", "'"))
                continue
            for n in range(1, max_len + 1):
                for i in range(len(run) - n + 1):
                    gram = run[i : i + n]
                    if gram[-1] in _MODIFIERS or (n == 1 and gram[0] in _MODIFIERS):
                        continue
                    out.append(" ".join(gram))
            run = []
    return out


def marked_terms(text: str) -> list[str]:
    """Terms the author marked as important: bold terms and defined terms ('X is a ...')."""
    found = [m.group(1).strip() for m in _BOLD.finditer(text)]
    for sent in lesson_sentences(text):
        for pattern in _DEFINED:
            for m in pattern.finditer(sent):
                phrase: list[str] = []
                for w in words(m.group(1)):
                    if not _content(w) or (phrase and w.lower().endswith(("ed", "ing"))):
                        break
                    phrase.append(w)
                if 1 <= len(phrase) <= 3:
                    found.append(" ".join(phrase))
    return found


def extract_concepts(text: str, *, title: str = "", limit: int = 8) -> list[str]:
    """Rank the lesson's key concepts: frequent content phrases, boosted when marked or titled."""
    sentences = lesson_sentences(text)
    counts: Counter[str] = Counter()
    surface: dict[str, Counter[str]] = {}
    for sent in sentences:
        for phrase in candidate_phrases(sent):
            key = term_key(phrase)
            counts[key] += 1
            surface.setdefault(key, Counter())[phrase] += 1
    headings = " ".join(
        strip_markdown(line)
        for line in text.splitlines()
        if is_heading(line) and not is_generic_heading(line)
    )
    boosts: Counter[str] = Counter()
    for term in marked_terms(text):
        key = term_key(term)
        if key:
            boosts[key] += 3
            surface.setdefault(key, Counter())[term.lower()] += 1
            counts[key] += 1
    longer: dict[str, int] = {}
    for key, n in counts.items():
        parts = key.split()
        for size in range(1, len(parts)):
            for i in range(len(parts) - size + 1):
                sub = " ".join(parts[i : i + size])
                longer[sub] = max(longer.get(sub, 0), n)
    scored: dict[str, float] = {}
    for key, n in counts.items():
        size = len(key.split())
        if n < 2:
            continue
        nested = n - longer.get(key, 0)
        score = max(nested, n * 0.25) * (1.0 + 0.6 * (size - 1)) + boosts[key]
        if size == 1 and _ADJECTIVAL.search(key):
            score *= 0.5
        if mentions(title, key):
            score += 3 if size == 1 else 6
        if mentions(headings, key):
            score += 2
        scored[key] = score
    chosen: list[str] = []
    for key in sorted(scored, key=lambda k: (-scored[k], k)):
        if any(_overlaps(key, c, scored) for c in chosen):
            continue
        chosen.append(key)
        if len(chosen) >= limit:
            break
    return [surface[k].most_common(1)[0][0] for k in chosen]


def _overlaps(key: str, chosen: str, scored: dict[str, float]) -> bool:
    """Tell whether a chosen phrase contains the candidate, or it only adds a weak word."""
    if f" {key} " in f" {chosen} ":
        return True
    if f" {chosen} " in f" {key} ":
        return scored[key] < 0.3 * scored[chosen]
    return False


def rank_sentences(sentences: Sequence[str], concepts: Iterable[str]) -> list[tuple[float, str]]:
    """Score sentences by the concepts they carry, definitional tone and position (best first)."""
    concept_list = list(concepts)
    ranked = []
    for pos, sent in enumerate(sentences):
        n = len(words(sent))
        hits = [i for i, c in enumerate(concept_list) if mentions(sent, c)]
        score = sum(1.0 / (1 + 0.2 * i) for i in hits)
        if re.search(r"\b(is|are|means|called|known as)\b", sent):
            score += 0.4
        if sent.endswith("?"):
            score -= 0.8
        if n > 35:
            score -= 0.5
        score += 0.3 / (1 + pos)
        ranked.append((score, sent))
    ranked.sort(key=lambda t: -t[0])
    return ranked


def shorten(sentence: str, max_words: int) -> str:
    """Shorten a sentence to at most ``max_words`` words, cutting at clause boundaries first."""
    s = clean_sentence(re.sub(r"\s*\([^)]*\)", "", sentence))
    s = _DISCOURSE.sub("", s)
    s = s[:1].upper() + s[1:]
    if len(words(s)) <= max_words:
        return s
    clauses = re.split(r"(?<=[,;:—])\s+", s)
    kept: list[str] = []
    for clause in clauses:
        if len(words(" ".join([*kept, clause]))) > max_words:
            break
        kept.append(clause)
    if kept and len(words(" ".join(kept))) >= min(4, max_words):
        return " ".join(kept).rstrip(",;:— ") + "."
    toks = s.split()[:max_words]
    while len(toks) > 1 and re.sub(r"\W", "", toks[-1]).lower() in STOPWORDS:
        toks.pop()
    return " ".join(toks).rstrip(",;:—.!? ") + "."
