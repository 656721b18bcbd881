"""The timeline search keeps, per state it reaches, the cheapest candidate (earliest on a tie).

Which candidate survives decides every shot's length and every narration start, so the faster
per-state pick must choose exactly what a stable sort by (state, cost) chooses, ties included.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lessonreel.agents.timing import cheapest_per_state, fit_timeline

# few distinct costs, so ties between candidates of one state are common
candidates = st.lists(
    st.tuples(st.integers(0, 11), st.sampled_from([0.0, 0.5, 1.0, 2.5, 1e6])),
    min_size=1,
    max_size=60,
)


@given(candidates)
@settings(max_examples=300, deadline=None)
def test_the_pick_per_state_is_the_stable_sort_pick(pairs: list[tuple[int, float]]) -> None:
    states = np.array([s for s, _ in pairs], dtype=np.intp)
    costs = np.array([c for _, c in pairs], dtype=np.float64)
    order = np.lexsort((costs, states))  # stable: equal (state, cost) keep their order
    want = order[np.r_[True, states[order][1:] != states[order][:-1]]]
    assert cheapest_per_state(costs, states, 12).tolist() == want.tolist()


speech = st.one_of(st.just(0.0), st.floats(0.3, 9.0).map(lambda s: round(s, 2)))


@given(st.lists(speech, min_size=1, max_size=10))
@settings(max_examples=40, deadline=None)
def test_every_word_fits_its_picture_on_random_lessons(seconds: list[float]) -> None:
    durations, starts = fit_timeline(seconds, [4, 8, 12])
    assert len(durations) == len(starts) == len(seconds)
    assert set(durations) <= {4, 8, 12}
    if seconds[-1] > 0:  # the last words are not clipped by the end of the video
        assert sum(durations) >= starts[-1] + seconds[-1]
