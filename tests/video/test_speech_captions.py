"""Captions that follow the narration audio: readable cues, never split inside a word."""

from __future__ import annotations

import itertools
import textwrap

from hypothesis import given
from hypothesis import strategies as st

from lessonreel.video.captions import (
    LINE_WIDTH,
    READING_CPS,
    speech_cues,
    split_caption,
    to_srt,
)

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzé’-", min_size=1, max_size=14)


@given(st.lists(WORD, min_size=1, max_size=60))
def test_chunks_keep_every_word_whole_in_two_lines_of_42(words: list[str]) -> None:
    sentence = " ".join(words) + "."
    chunks = split_caption(sentence)
    assert " ".join(chunks).split() == sentence.split()  # no word lost, split or reordered
    for chunk in chunks:
        assert len(textwrap.wrap(chunk, LINE_WIDTH, break_long_words=False)) <= 2


def test_cues_sit_inside_their_sentences_and_give_time_to_read() -> None:
    long = (
        "Photosynthesis is the process by which green plants, algae and some bacteria "
        "turn light energy into chemical energy stored in sugar."
    )
    segments = [(0.4, 8.4, long), (9.0, 10.2, "Leaves are green."), (12.0, 13.0, "Roots drink.")]
    cues = speech_cues(segments)
    assert cues[0].start == 0.4
    assert cues[-1].start == 12.0
    for a, b in itertools.pairwise(cues):
        assert a.end <= b.start + 1e-9  # never over the next cue
    short = next(c for c in cues if c.text == "Leaves are green.")
    assert short.end - short.start >= len(short.text) / READING_CPS - 1e-9  # held into the pause
    for cue in cues[:2]:
        assert len(cue.text) / (cue.end - cue.start) <= READING_CPS
    srt = to_srt(cues)
    assert "00:00:00,400 -->" in srt
    assert "Roots drink." in srt
