"""SRT and WebVTT writers: formats players accept, and cues that sit on clip boundaries."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from lessonreel.video.captions import (
    Cue,
    cues_for_segments,
    parse_timestamp,
    srt_timestamp,
    to_srt,
    to_vtt,
    vtt_timestamp,
    write_captions,
)

SRT_TIMING = re.compile(r"^\d{2}:\d{2}:\d{2},\d{3} --> \d{2}:\d{2}:\d{2},\d{3}$")
VTT_TIMING = re.compile(r"^\d{2}:\d{2}:\d{2}\.\d{3} --> \d{2}:\d{2}:\d{2}\.\d{3}$")


def test_srt_is_numbered_blocks_with_comma_milliseconds() -> None:
    cues = [
        Cue(start=0, end=4, text="Water never really disappears."),
        Cue(start=4, end=9.5, text="It moves from sea to cloud."),
    ]
    assert to_srt(cues) == (
        "1\n00:00:00,000 --> 00:00:04,000\nWater never really disappears.\n\n"
        "2\n00:00:04,000 --> 00:00:09,500\nIt moves from sea to cloud.\n"
    )


def test_vtt_has_header_and_dot_milliseconds() -> None:
    cues = [Cue(start=61.25, end=3725.5, text="Evaporation")]
    assert to_vtt(cues) == "WEBVTT\n\n1\n00:01:01.250 --> 01:02:05.500\nEvaporation\n"


def test_timestamps_carry_hours_minutes_and_round_to_milliseconds() -> None:
    assert srt_timestamp(3661.5) == "01:01:01,500"
    assert vtt_timestamp(3661.5) == "01:01:01.500"
    assert srt_timestamp(0.0004) == "00:00:00,000"
    assert srt_timestamp(59.9996) == "00:01:00,000"
    assert parse_timestamp("01:01:01,500") == pytest.approx(3661.5)
    assert parse_timestamp("01:05.250") == pytest.approx(65.25)


def test_empty_and_zero_length_cues_are_dropped_and_numbering_stays_dense() -> None:
    cues = [
        Cue(start=0, end=1, text="one"),
        Cue(start=1, end=2, text="   "),
        Cue(start=2, end=2, text="instant"),
        Cue(start=2, end=3, text="two"),
    ]
    numbers = [line for line in to_srt(cues).splitlines() if line.isdigit()]
    assert numbers == ["1", "2"]
    assert "instant" not in to_vtt(cues)
    assert to_srt([]) == ""
    assert to_vtt([]) == "WEBVTT\n"


def test_blank_lines_inside_text_cannot_split_a_cue() -> None:
    text = "First paragraph.\n\n\nSecond paragraph that is long enough to need wrapping here."
    srt = to_srt([Cue(start=0, end=5, text=text)])
    body = srt.strip().split("\n\n")
    assert len(body) == 1, "a blank line would end the cue early in every SRT parser"
    lines = body[0].splitlines()[2:]
    assert lines[0] == "First paragraph."
    assert all(len(line) <= 42 for line in lines)


def test_vtt_escapes_markup_and_arrows() -> None:
    vtt = to_vtt([Cue(start=0, end=1, text="H<sub>2</sub>O & salt --> brine")])
    assert "H&lt;sub&gt;2&lt;/sub&gt;O &amp; salt → brine" in vtt
    assert vtt.count("-->") == 1


def test_a_cue_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValidationError, match="before it starts"):
        Cue(start=3, end=2, text="backwards")
    with pytest.raises(ValidationError):
        Cue(start=-1, end=2, text="negative")


def test_segment_cues_share_clip_boundaries_exactly() -> None:
    segments = [(0.1, ["a"]), (0.2, ["b", "c"]), (4.0, []), (3.3, ["d"])]
    cues = cues_for_segments(segments)
    assert [c.text for c in cues] == ["a", "b", "c", "d"]
    srt_lines = [line for line in to_srt(cues).splitlines() if " --> " in line]
    spans = [line.split(" --> ") for line in srt_lines]
    assert spans[0] == ["00:00:00,000", "00:00:00,100"]
    assert spans[1][0] == spans[0][1], "the next clip's caption starts where the last one ends"
    assert spans[1][1] == spans[2][0] == "00:00:00,200"
    assert spans[2][1] == "00:00:00,300"
    assert spans[3] == ["00:00:04,300", "00:00:07,600"], "silent clip leaves a gap of its length"


def test_write_captions_writes_both_files(tmp_path: Path) -> None:
    cues = [Cue(start=0, end=2, text="Hola, ¿qué tal? 🌍")]
    srt, vtt = tmp_path / "out" / "lesson.srt", tmp_path / "out" / "lesson.vtt"
    write_captions(cues, srt, vtt)
    assert srt.read_text(encoding="utf-8") == to_srt(cues)
    assert vtt.read_text(encoding="utf-8") == to_vtt(cues)
    assert sorted(p.name for p in srt.parent.iterdir()) == ["lesson.srt", "lesson.vtt"]


cue_lists = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=20_000, allow_nan=False),
        st.floats(min_value=0.002, max_value=600, allow_nan=False),
        st.text(min_size=1, max_size=120),
    ),
    max_size=12,
)


@given(cue_lists)
def test_every_written_cue_parses_back_in_both_formats(raw: list[tuple[float, float, str]]) -> None:
    cues = [Cue(start=s, end=s + d, text=t) for s, d, t in raw]
    kept = [c for c in cues if c.text.strip()]
    for text, timing in ((to_srt(cues), SRT_TIMING), (to_vtt(cues), VTT_TIMING)):
        stamps = [line for line in text.splitlines() if " --> " in line]
        assert len(stamps) == len(kept)
        for line, cue in zip(stamps, kept, strict=True):
            assert timing.match(line), line
            start, end = (parse_timestamp(x) for x in line.split(" --> "))
            assert start == pytest.approx(cue.start, abs=0.0006)
            assert end == pytest.approx(cue.end, abs=0.0006)
