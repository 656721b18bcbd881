"""Turn lesson text or a lesson document into a `Lesson`.

Plain text and Markdown are read directly; PDF, DOCX, PPTX and HTML go through markitdown
(imported only when needed). Bad input fails early with a one-line `LessonInputError` that says
what to do, before any model or provider is involved.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path
from typing import BinaryIO

from lessonreel.agents.lexicon import SUBJECT_LEXICON
from lessonreel.agents.schemas import Lesson
from lessonreel.agents.text import (
    extract_concepts,
    fk_grade,
    is_instruction,
    lesson_sentences,
    marked_terms,
    mentions,
    rank_sentences,
    split_sentences,
    strip_markdown,
    term_key,
    words,
)

TEXT_SUFFIXES = frozenset({"", ".txt", ".text", ".md", ".markdown"})
DOCUMENT_SUFFIXES = frozenset({".pdf", ".docx", ".pptx", ".html", ".htm", ".xhtml"})
_OBJECTIVE_HEADER = re.compile(
    r"^(?:#+\s*)?(?:\*\*)?\s*(?:learning\s+(?:objectives?|outcomes?|goals?|intentions?)|"
    r"objectives?|outcomes?|goals?|aims?|students will be able to|students will|swbat|"
    r"you will be able to|by the end of (?:this|the) (?:lesson|section|unit|chapter))",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)]|[a-z][.)])\s+")
_INFERRED = (
    "Explain what “{}” means",
    "Describe “{}” with an example",
    "Recognise “{}” in a model or a picture",
)


MAX_CHARS = 200_000
"""The longest lesson read, in characters (a lesson file may hold up to 4 bytes per character)."""


class LessonInputError(ValueError):
    """The lesson cannot be read; the message is one line that says what to do."""


def max_bytes(max_chars: int = MAX_CHARS) -> int:
    """The most bytes a lesson of ``max_chars`` characters can take (UTF-8 or UTF-16, BOM)."""
    return max_chars * 4 + 4


def read_limited(
    stream: BinaryIO, *, name: str = "the lesson", max_chars: int = MAX_CHARS
) -> bytes:
    """Read ``stream`` in chunks, stopping with LessonInputError past :func:`max_bytes`.

    stdin has no size to look at first, so it is bounded while it is read.
    """
    limit = max_bytes(max_chars)
    chunks: list[bytes] = []
    size = 0
    while chunk := stream.read(min(1 << 16, limit + 1 - size)):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise LessonInputError(_too_big(name, limit))
    return b"".join(chunks)


def load_lesson(
    source: str | Path | None = None,
    *,
    text: str | None = None,
    max_chars: int = MAX_CHARS,
) -> Lesson:
    """Load a lesson from a file path (txt/md/pdf/docx/pptx/html) or from ``text``."""
    if (source is None) == (text is None):
        raise LessonInputError("give either a lesson file path or text=..., not both or neither")
    if text is None and isinstance(source, str) and ("\n" in source or len(source) > 4096):
        text = source
    if text is not None:
        return lesson_from_text(text, source="text", max_chars=max_chars)
    assert source is not None
    path = Path(source).expanduser()
    if not path.is_file():
        raise LessonInputError(f"lesson file not found: {path} — check the path")
    suffix = path.suffix.lower()
    if suffix in DOCUMENT_SUFFIXES:
        body = _convert_document(path)
    elif suffix in TEXT_SUFFIXES:
        if path.stat().st_size > max_bytes(max_chars):
            raise LessonInputError(
                _too_big(f"{path.name} ({path.stat().st_size:,} bytes)", max_bytes(max_chars))
            )
        body = decode_text(path.read_bytes(), name=path.name)
    else:
        raise LessonInputError(
            f"unsupported lesson file type {suffix!r} ({path.name}) — use .txt, .md, .pdf, "
            ".docx, .pptx or .html"
        )
    return lesson_from_text(body, source=str(path), max_chars=max_chars)


def decode_text(data: bytes, *, name: str = "input") -> str:
    """Decode lesson bytes as UTF-8 (with or without BOM) or BOM-marked UTF-16."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise LessonInputError(
                f"{name} has a UTF-16 mark but is not valid UTF-16 — re-save it as UTF-8 text"
            ) from exc
    if b"\x00" in data:
        text = _utf16_without_bom(data)
        if text is not None:
            return text
        raise LessonInputError(
            f"{name} looks like a binary file, not text — export the lesson as .txt, .md or PDF"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LessonInputError(
            f"{name} is not UTF-8 or UTF-16 text (byte {exc.start}) — re-save it as UTF-8"
        ) from exc


def _utf16_without_bom(data: bytes) -> str | None:
    """Text saved as UTF-16 without a byte-order mark (NULs in every other byte), else None."""
    if len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    for zeros, other, codec in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if b"\x00" not in other and zeros.count(0) * 2 >= len(zeros):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                return None
    return None


def _has_teaching_text(body: str) -> bool:
    """True when some sentence is not an instruction aimed at the director or the video model."""
    for line in body.splitlines():
        clean = strip_markdown(line)
        if not words(clean) or is_instruction(clean):
            continue
        if any(words(s) and not is_instruction(s) for s in split_sentences(clean)):
            return True
    return False


def lesson_from_text(body: str, *, source: str = "text", max_chars: int = 200_000) -> Lesson:
    """Validate decoded lesson text and analyse it into a `Lesson`."""
    body = body.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if not body.strip():
        raise LessonInputError("the lesson is empty — give a lesson text or a file with text in it")
    if len(body) > max_chars:
        raise LessonInputError(
            f"the lesson is {len(body):,} characters; the limit is {max_chars:,} characters — "
            "split it into shorter lessons"
        )
    controls = sum(1 for ch in body if unicodedata.category(ch) == "Cc" and ch not in "\n\t\f\v")
    if "\x00" in body or controls > max(8, len(body) // 50):
        raise LessonInputError(
            "the lesson looks like binary data, not text — export it as .txt, .md or PDF"
        )
    if not words(body):
        raise LessonInputError("the lesson has no words in it — give a lesson with prose")
    if not _has_teaching_text(body):
        raise LessonInputError(
            "the lesson holds only instructions for the video tool, no lesson content — "
            "paste the lesson text itself"
        )
    title = find_title(body)
    objectives = find_objectives(body)
    concepts = extract_concepts(body, title=title)
    if not objectives:
        objectives = infer_objectives(body, concepts) or [_INFERRED[0].format(title)]
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:8]
    return Lesson(
        id=f"{slugify(title)}-{digest}",
        title=title,
        text=body,
        subject=guess_subject(body, title=title),
        grade_band=grade_band(body),
        objectives=objectives,
        key_concepts=concepts,
        source=source,
    )


def _too_big(what: str, limit: int) -> str:
    return (
        f"{what} is over the {limit / 1e6:.1f} MB limit for a lesson text — split it into "
        "shorter lessons"
    )


def _convert_document(path: Path) -> str:
    """Extract a document's text as Markdown with markitdown (lazy import)."""
    try:
        from markitdown import MarkItDown
    except ImportError as exc:  # pragma: no cover - markitdown is a declared dependency
        raise LessonInputError(
            "reading PDF/DOCX/PPTX/HTML needs markitdown — pip install 'markitdown[pdf,docx,pptx]'"
        ) from exc
    try:
        if path.suffix.lower() == ".docx":
            body = _convert_docx(path)
        else:
            body = MarkItDown().convert(str(path)).text_content or ""
    except Exception as exc:
        raise LessonInputError(
            f"could not read {path.name}: {type(exc).__name__} — check that the file is not "
            "damaged or password-protected"
        ) from exc
    if not words(body):
        hint = (
            " (a scanned image?) — run OCR on it first or paste the lesson text"
            if path.suffix.lower() == ".pdf"
            else " — paste the lesson text instead"
        )
        raise LessonInputError(f"{path.name} has no extractable text{hint}")
    return body


def _convert_docx(path: Path) -> str:
    """Read a Word file with mammoth, then markitdown's HTML converter.

    markitdown's own DOCX path pre-processes the XML for equations first, and with lxml 6.2
    that step loses the document body ("Could not find the body element"); mammoth alone reads
    every Word file python-docx and Word write.
    """
    import mammoth
    from markitdown.converters import HtmlConverter

    with path.open("rb") as stream:
        html = mammoth.convert_to_html(stream).value
    return HtmlConverter().convert_string(html).text_content or ""


def slugify(title: str, max_len: int = 40) -> str:
    """Lowercase ASCII slug of a title ('lesson' when nothing is left)."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:max_len].rstrip("-") or "lesson"


def _content_lines(body: str) -> list[str]:
    return [
        line
        for line in body.splitlines()
        if line.strip() and not line.lstrip().lower().startswith("# source:")
    ]


def find_title(body: str) -> str:
    """Return the first Markdown heading near the top, else the first line (trimmed)."""
    lines = [line for line in _content_lines(body) if not is_instruction(strip_markdown(line))]
    for line in lines[:10]:
        if re.match(r"^\s{0,3}#{1,6}\s+\S", line):
            return _trim_title(strip_markdown(line))
    if lines:
        return _trim_title(strip_markdown(lines[0]))
    return "Untitled lesson"


def _trim_title(line: str) -> str:
    line = re.sub(r"^(title|lesson|topic)\s*:\s*", "", line, flags=re.I).strip()
    if len(line) > 80:
        line = line[:80].rsplit(" ", 1)[0]
    return line.rstrip(" .:;,") or "Untitled lesson"


def find_objectives(body: str) -> list[str]:
    """Explicit objectives: the list under 'Learning objectives' / 'Students will be able to'."""
    lines = body.splitlines()
    for i, line in enumerate(lines):
        clean = strip_markdown(line)
        if not _OBJECTIVE_HEADER.match(clean) or len(clean.split()) > 25:
            continue
        found = _bullets_after(lines, i + 1)
        if not found:
            tail = re.split(
                r"(?:able to|objectives?|outcomes?|goals?|will)\s*[:.-]\s*", clean, maxsplit=1
            )
            if len(tail) == 2 and len(tail[1].split()) >= 3:
                found = [p.strip() for p in re.split(r";|\s\d[.)]\s", tail[1]) if p.strip()]
        found = [o for o in (_clean_objective(f) for f in found) if o and not is_instruction(o)]
        if found:
            return found[:12]
    return []


def _bullets_after(lines: list[str], start: int) -> list[str]:
    items: list[str] = []
    for line in lines[start : start + 40]:
        if not line.strip():
            continue
        if _BULLET.match(line):
            items.append(strip_markdown(line))
        elif items:
            break
        elif _OBJECTIVE_HEADER.match(strip_markdown(line)) or line.rstrip().endswith(":"):
            continue
        else:
            break
    return items


def _clean_objective(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip().rstrip(".;,")
    return text[:1].upper() + text[1:] if text else ""


def infer_objectives(body: str, concepts: list[str], limit: int = 3) -> list[str]:
    """Objectives for a lesson that states none: one per leading concept, marked terms first."""
    marked = {term_key(t) for t in marked_terms(body)}
    ranked = rank_sentences(lesson_sentences(body), concepts)
    leading = [c for c in concepts if any(mentions(s, c) for _, s in ranked[:10])]
    order = sorted(
        concepts, key=lambda c: (term_key(c) not in marked, c not in leading, concepts.index(c))
    )
    return [_INFERRED[i % len(_INFERRED)].format(c) for i, c in enumerate(order[:limit])]


def guess_subject(body: str, *, title: str = "") -> str:
    """Return the subject whose keyword list scores highest (title words count triple)."""
    tokens = [w.lower() for w in words(body)]
    title_tokens = [w.lower() for w in words(title)]
    scores: dict[str, float] = {}
    for subject, lexicon in SUBJECT_LEXICON.items():
        hits = sum(1 for t in tokens if t in lexicon) + 3 * sum(
            1 for t in title_tokens if t in lexicon
        )
        scores[subject] = hits / max(1.0, len(tokens) ** 0.5)
    best = max(scores, key=lambda s: scores[s])
    return best if scores[best] >= 0.5 else "general"


_GRADE = re.compile(r"\bgrades?\s*(k|\d{1,2})(?:\s*(?:-|–|to)\s*(\d{1,2}))?\b", re.I)
_YEAR = re.compile(
    r"\byears?\s*(\d{1,2})(?:\s*(?:-|–|to)\s*(\d{1,2}))?\b(?!\s*(?:ago|old|bce|bc))", re.I
)
_AGES = re.compile(r"\bages?\s*(\d{1,2})(?:\s*(?:-|–|to)\s*(\d{1,2}))?\b", re.I)


def _band(grade: float) -> str:
    if grade < 2.5:
        return "K-2"
    if grade < 5.5:
        return "3-5"
    if grade < 8.5:
        return "6-8"
    return "9-12"


def grade_band(body: str) -> str:
    """Grade band from explicit 'Grade 7' / 'Year 9' / 'ages 11-14' markers, else readability."""
    head = "\n".join(_content_lines(body)[:30])
    lowered = head.lower()
    for pattern, offset in ((_GRADE, 0), (_YEAR, -1), (_AGES, -5)):
        m = pattern.search(head)
        if not m:
            continue
        lo = 0 if m.group(1).lower() == "k" else int(m.group(1))
        hi = int(m.group(2)) if m.group(2) else lo
        if pattern is _YEAR and lo > 13:
            continue
        return _band((lo + hi) / 2 + offset)
    if "kindergarten" in lowered:
        return "K-2"
    for phrase, band in (
        ("elementary", "3-5"),
        ("primary school", "3-5"),
        ("middle school", "6-8"),
        ("high school", "9-12"),
    ):
        if phrase in lowered:
            return band
    return _band(fk_grade(body))
