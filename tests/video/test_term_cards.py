"""Key-term cards follow the narration: up when the term is said, still up after it is said.

A card that leaves with the caption saying its term only repeats the caption; these specify the
timing a learner sees (lesson seconds) and how it is cut into shots.
"""

from __future__ import annotations

from itertools import pairwise

from lessonreel.video.overlay.cards import (
    HOLD_SECONDS,
    LINGER_SECONDS,
    TERM_MIN_SECONDS,
    Mention,
    cards_in_shot,
    schedule_cards,
)


def test_a_card_comes_up_when_its_term_is_said_and_stays_after_the_cue_ends() -> None:
    ((_, start, end),) = schedule_cards([Mention("inertia", "", 3.0, 9.0, 30.0)])
    assert start == 3.0
    assert end >= 9.0 + HOLD_SECONDS


def test_one_card_at_a_time_and_each_gets_its_minimum_time() -> None:
    said_together = [Mention(t, "", 2.0, 4.0, 30.0) for t in ("mass", "force", "inertia")]
    spans = [(start, end) for _, start, end in schedule_cards(said_together)]
    for (_, end), (start, _) in pairwise(spans):
        assert end <= start  # never two cards in the one slot
    assert all(end - start >= TERM_MIN_SECONDS - 1e-9 for start, end in spans)
    assert all(end >= 4.0 + HOLD_SECONDS for _, end in spans)


def test_a_card_carries_over_the_cut_but_never_past_its_limit() -> None:
    scheduled = schedule_cards([Mention("mantle", "", 6.0, 8.0, 11.0)])
    ((_, _, end),) = scheduled
    assert end == 11.0  # the recap (or a slate) starts there
    first = cards_in_shot(scheduled, 0.0, 8.0)
    second = cards_in_shot(scheduled, 8.0, 12.0)
    assert [(c.start, c.end) for c in first] == [(6.0, 11.0 - 0.0)]
    assert [(c.start, c.end) for c in second] == [(-2.0, 3.0)]  # no fade at the cut
    assert cards_in_shot(scheduled, 12.0, 16.0) == ()


def test_a_term_said_again_and_again_does_not_keep_the_slot_from_the_next_card() -> None:
    topic = Mention("water", "", 1.0, 40.0, 60.0)  # every cue for 40 s says it
    vapour = Mention("water vapour", "", 8.0, 12.0, 60.0)
    spans = {m.term: (start, end) for m, start, end in schedule_cards([topic, vapour])}
    assert spans["water"][1] <= 1.0 + LINGER_SECONDS
    assert spans["water vapour"][0] <= 1.0 + LINGER_SECONDS
