"""Soft captions and chapters inside the MP4, and the WebVTT chapters file beside it.

Captions stay soft by default: a ``mov_text`` subtitle track players can switch on and off
(the SRT and VTT files are written by :mod:`lessonreel.video.captions`). Chapters go both into
the MP4 (its chapter list) and into a WebVTT ``kind="chapters"`` file for web players. Adding
the tracks copies the audio and video packets: no re-encode.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from lessonreel.video.captions import Cue, vtt_timestamp
from lessonreel.video.encode import temp_path_for

MS = Fraction(1, 1000)
_ASS_HEADER = (
    b"[Script Info]\nScriptType: v4.00+\nPlayResX: 384\nPlayResY: 288\n\n"
    b"[V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, "
    b"OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, "
    b"Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
    b"Style: Default,Sans,16,&Hffffff,&Hffffff,&H0,&H0,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,0\n\n"
    b"[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
)
"""The mov_text encoder reads its default style from an ASS header; players use their own."""


@dataclass(frozen=True)
class Chapter:
    """A named span of the lesson video (one objective or section)."""

    start: float
    end: float
    title: str


def chapters_vtt(chapters: Sequence[Chapter]) -> str:
    """A WebVTT chapters file (``<track kind="chapters">``)."""
    blocks = ["WEBVTT"]
    for k, chapter in enumerate(chapters, start=1):
        title = " ".join(chapter.title.split()).replace("-->", "→")
        timing = f"{vtt_timestamp(chapter.start)} --> {vtt_timestamp(chapter.end)}"
        blocks.append(f"chapter-{k}\n{timing}\n{title}")
    return "\n\n".join(blocks) + "\n"


def _mov_text(text: str) -> bytes:
    data = " ".join(text.split()).encode("utf-8")[:65535]
    return struct.pack(">H", len(data)) + data


def add_tracks(
    video: Path,
    dest: Path,
    *,
    cues: Sequence[Cue],
    chapters: Sequence[Chapter],
    language: str = "eng",
) -> None:
    """Copy ``video`` to ``dest`` (may be the same path) with a subtitle track and chapters."""
    import av

    video, dest = Path(video), Path(dest)
    tmp = temp_path_for(dest)
    try:
        with av.open(str(video)) as src, av.open(str(tmp), mode="w", format="mp4") as out:
            inputs = [*src.streams.video[:1], *src.streams.audio[:1]]
            mapped = {s.index: out.add_stream_from_template(s) for s in inputs}
            subs = None
            if cues:
                subs = out.add_stream("mov_text")
                subs.codec_context.subtitle_header = _ASS_HEADER
                subs.time_base = MS
                subs.metadata["language"] = language
            if chapters:
                out.set_chapters(
                    [
                        {
                            "id": k,
                            "start": round(c.start * 1000),
                            "end": round(c.end * 1000),
                            "time_base": MS,
                            "metadata": {"title": c.title},
                        }
                        for k, c in enumerate(chapters, start=1)
                    ]
                )
            for packet in src.demux(*inputs):
                if packet.dts is None:
                    continue
                packet.stream = mapped[packet.stream.index]
                out.mux(packet)
            for cue in cues:
                if subs is None:
                    break
                start, end = round(cue.start * 1000), round(cue.end * 1000)
                if end <= start or not cue.text.strip():
                    continue
                text = av.Packet(_mov_text(cue.text))
                text.stream = subs
                text.pts = text.dts = start
                text.duration = end - start
                text.time_base = MS
                out.mux(text)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
