"""SRT and WebVTT captions from timed lines (the storyboard's shot timing and dialogue).

Times are rounded to whole milliseconds once, so a cue that ends where the next one starts gets the
same timestamp string on both sides and captions line up exactly with clip boundaries.
"""

from __future__ import annotations

import os
import re
import textwrap
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

LINE_WIDTH = 42
"""Characters per caption line (the common broadcast/web readability limit)."""


class Cue(BaseModel):
    """One caption: ``text`` shown from ``start`` to ``end`` seconds."""

    model_config = ConfigDict(frozen=True)

    start: float = Field(ge=0)
    end: float = Field(ge=0)
    text: str

    @model_validator(mode="after")
    def _ordered(self) -> Cue:
        if self.end < self.start:
            raise ValueError(f"cue ends ({self.end}) before it starts ({self.start})")
        return self


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))


def _stamp(seconds: float, sep: str) -> str:
    ms = _ms(seconds)
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{sep}{millis:03d}"


def srt_timestamp(seconds: float) -> str:
    """``HH:MM:SS,mmm`` as SRT requires."""
    return _stamp(seconds, ",")


def vtt_timestamp(seconds: float) -> str:
    """``HH:MM:SS.mmm`` as WebVTT requires."""
    return _stamp(seconds, ".")


def _lines(text: str) -> list[str]:
    """Wrap to readable lines; blank lines would end a cue early, so there are none."""
    out: list[str] = []
    for paragraph in text.splitlines():
        paragraph = " ".join(paragraph.split())
        if paragraph:
            # A text line holding "-->" would be read as a timing line by SRT and VTT parsers.
            paragraph = paragraph.replace("-->", "→")
            out += textwrap.wrap(paragraph, LINE_WIDTH, break_long_words=False) or [paragraph]
    return out


def _usable(cues: Iterable[Cue]) -> list[tuple[Cue, list[str]]]:
    kept = []
    for cue in cues:
        lines = _lines(cue.text)
        if lines and _ms(cue.end) > _ms(cue.start):
            kept.append((cue, lines))
    return kept


def to_srt(cues: Iterable[Cue]) -> str:
    """SubRip text: numbered from 1, comma milliseconds; empty or zero-length cues are dropped."""
    return _srt(_usable(cues))


def _srt(usable: list[tuple[Cue, list[str]]]) -> str:
    blocks = []
    for number, (cue, lines) in enumerate(usable, start=1):
        timing = f"{srt_timestamp(cue.start)} --> {srt_timestamp(cue.end)}"
        blocks.append("\n".join([str(number), timing, *lines]))
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def _vtt_escape(line: str) -> str:
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(cues: Iterable[Cue]) -> str:
    """WebVTT text: ``WEBVTT`` header, dot milliseconds, cue text escaped for the VTT parser."""
    return _vtt(_usable(cues))


def _vtt(usable: list[tuple[Cue, list[str]]]) -> str:
    blocks = ["WEBVTT"]
    for number, (cue, lines) in enumerate(usable, start=1):
        timing = f"{vtt_timestamp(cue.start)} --> {vtt_timestamp(cue.end)}"
        blocks.append("\n".join([str(number), timing, *(_vtt_escape(x) for x in lines)]))
    return "\n\n".join(blocks) + "\n"


def cues_for_segments(segments: Sequence[tuple[float, Sequence[str]]]) -> list[Cue]:
    """Lay out cues on a timeline of consecutive clips.

    Each segment is (clip seconds, lines spoken in it); a clip's lines share its time equally, so
    cue boundaries fall exactly on clip boundaries. Clips without lines leave a gap.
    """
    cues: list[Cue] = []
    start = 0.0
    for seconds, lines in segments:
        texts = [t for t in lines if t.strip()]
        for k, text in enumerate(texts):
            a = start + seconds * k / len(texts)
            b = start + seconds * (k + 1) / len(texts)
            cues.append(Cue(start=a, end=b, text=text))
        start += seconds
    return cues


def _atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        tmp.write_text(text, encoding="utf-8", newline="\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_captions(cues: Iterable[Cue], srt_path: Path, vtt_path: Path) -> None:
    """Write the same cues as SRT and WebVTT (UTF-8, each file replaced atomically)."""
    usable = _usable(cues)  # wrapped once for both files
    _atomic_write_text(Path(srt_path), _srt(usable))
    _atomic_write_text(Path(vtt_path), _vtt(usable))


def parse_timestamp(stamp: str) -> float:
    """Seconds from an SRT or WebVTT timestamp (``[HH:]MM:SS,mmm`` / ``.mmm``)."""
    match = re.fullmatch(r"(?:(\d+):)?(\d{2}):(\d{2})[.,](\d{3})", stamp.strip())
    if match is None:
        raise ValueError(f"not a caption timestamp: {stamp!r}")
    hours = int(match.group(1) or 0)
    return (
        hours * 3600 + int(match.group(2)) * 60 + int(match.group(3)) + int(match.group(4)) / 1000
    )


MAX_LINES = 2
MAX_CUE_CHARS = LINE_WIDTH * MAX_LINES
READING_CPS = 17.0
"""Characters a second a viewer can read comfortably (common broadcast guidance)."""


def _fits(text: str) -> bool:
    if len(text) <= LINE_WIDTH:  # one line at most, without wrapping it
        return True
    return len(textwrap.wrap(text, LINE_WIDTH, break_long_words=False)) <= MAX_LINES


def split_caption(text: str) -> list[str]:
    """Split a sentence into caption chunks of ≤ 2 lines × 42 characters, between words only.

    Chunks are balanced (a 100-character sentence becomes two of ~50, not 84 + 16) and prefer
    to end after punctuation.
    """
    words = " ".join(text.split()).replace("-->", "→").split(" ")
    if not words or words == [""]:
        return []
    total = len(" ".join(words))
    parts = max(1, -(-total // MAX_CUE_CHARS))
    goal = total / parts
    chunks: list[str] = []
    current: list[str] = []
    for word in words:
        trial = " ".join([*current, word])
        if current and not _fits(trial):
            chunks.append(" ".join(current))
            current = [word]
            continue
        current.append(word)
        length = len(trial)
        if (length >= goal * 0.9 and word[-1:] in ",;:") or length >= goal * 1.05:
            remaining = total - sum(len(c) + 1 for c in chunks) - length
            if remaining > 0:
                chunks.append(trial)
                current = []
    if current:
        chunks.append(" ".join(current))
    return chunks


def speech_cues(segments: Iterable[tuple[float, float, str]]) -> list[Cue]:
    """Caption cues that follow the narration audio: one sentence's real span per segment.

    Each ``(start, end, text)`` is a spoken sentence at its real time in the video. A long
    sentence is split into chunks timed by their share of its characters; a cue that would ask
    for more than ``READING_CPS`` stays up into the following pause, never over the next cue.
    """
    spans = sorted(segments)
    timed: list[tuple[float, float, str]] = []
    for start, end, text in spans:
        chunks = split_caption(text)
        total = sum(len(c) for c in chunks) or 1
        t = start
        for chunk in chunks:
            share = (end - start) * len(chunk) / total
            timed.append((t, t + share, chunk))
            t += share
    cues: list[Cue] = []
    for k, (start, end, text) in enumerate(timed):
        limit = timed[k + 1][0] if k + 1 < len(timed) else end + 2.0
        wanted = start + len(text) / READING_CPS
        cues.append(Cue(start=start, end=max(end, min(wanted, limit)), text=text))
    return cues
