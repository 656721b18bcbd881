"""Shot timing from the narration: legal durations that follow when the narrator speaks.

The narration flows as one track over the cuts. A shot's words start with its picture (the first
after a short lead-in), or right after the previous passage when that one ran over the cut, or a
little later when a pause fills what would be a silent stretch. Which legal duration each shot
takes, and how long each pause is, is chosen for the whole lesson at once (dynamic programming
over where the narrator stands relative to each cut), in this order of importance: no word is
clipped; no shot has more than ``MAX_SILENCE`` seconds without speech; a shot's words start at
most ``MAX_LAG`` seconds after its picture and only rarely before it; shots keep under
``AIM_SILENCE``; the video is as short as the words allow; pauses are
even and words start close to their pictures.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from lessonreel.agents.checks import beats_for
from lessonreel.agents.schemas import Storyboard

LEAD_IN = 0.4
"""Seconds of picture before the first word."""
PAUSE = 0.35
"""Shortest pause between one shot's narration and the next."""
TAIL = 0.5
"""Seconds of picture after the last word."""
MAX_SILENCE = 1.5
"""Most seconds of a shot without speech."""
AIM_SILENCE = 0.8
"""What the plan aims below: a listener also hears the voice's own pauses and fades as silence."""
MAX_LAG = 3.0
"""Most seconds a shot's words may start after its picture (the previous passage running over)."""
MAX_PAUSE = 1.5
"""Most seconds the narrator waits beyond ``PAUSE`` or the cut, to spread spare picture time."""
MAX_LEAD = 2.0
"""Most seconds a passage may start before its own picture (only when it cannot fit otherwise)."""
STEP = 0.05
"""Grid of the search, in seconds (the chosen times are exact, not rounded to it)."""

# Penalties, largest first: each rule outweighs everything below it.
_CLIPPED = 1e6  # per second of words after the picture ends
_SILENT = 1e4  # per second of silence beyond MAX_SILENCE in a shot
_QUIET = 2000.0  # per second of silence beyond AIM_SILENCE in a shot
_LEADING = 1e3  # per second a passage starts before its picture
_LATE = 1e3  # per second a passage starts more than MAX_LAG after its picture
_LENGTH = 10.0  # per second of video
_SPREAD = 1.0  # per second² of silence in a shot (spreads pauses evenly)
_LAG = 0.5  # per second a passage starts after its picture

Array = npt.NDArray[np.float64]


def _silence_cost(silence: Array) -> Array:
    over = _SILENT * np.maximum(0.0, silence - MAX_SILENCE)
    return over + _QUIET * np.maximum(0.0, silence - AIM_SILENCE) + _SPREAD * silence**2


def _shot_costs(
    a: Array, k: npt.NDArray[np.intp], d: int, seconds: float, first: bool, last: bool
) -> tuple[Array, Array, Array]:
    """For narrator-free times ``a`` (relative to the cut): the start, cost and next ``a``."""
    carried = np.zeros_like(a) if first else np.clip(a - PAUSE, 0.0, d)
    if seconds <= 0:  # a silent shot: the narrator's free time moves on with the picture
        start = np.maximum(a, 0.0)
        silence = d - carried
        return start, _LENGTH * d + _silence_cost(silence), a - d
    start = np.maximum(a, -MAX_LEAD) + k * STEP
    end = start + seconds
    spoken = np.maximum(0.0, np.minimum(end, d) - np.maximum(start, 0.0))
    silence = d - carried - spoken
    cost = (
        _LENGTH * d
        + _silence_cost(silence)
        + _LEADING * np.maximum(0.0, -start)
        + _LATE * np.maximum(0.0, start - MAX_LAG)
        + _LAG * np.maximum(0.0, start)
    )
    if last:
        cost = cost + _CLIPPED * np.maximum(0.0, end + TAIL - d)
    cost = np.where(start > np.maximum(a, 0.0) + MAX_PAUSE + 1e-9, np.inf, cost)
    return start, cost, end + PAUSE - d


def cheapest_per_state(
    costs: Array, states: npt.NDArray[np.intp], size: int
) -> npt.NDArray[np.intp]:
    """Per state reached, the index of its cheapest candidate (the earliest one on a tie).

    The same pick as a stable sort by (state, cost), without sorting every candidate: a
    per-state minimum, then only the candidates that reach it are sorted.
    """
    best = np.full(size, np.inf)
    np.minimum.at(best, states, costs)
    tied = np.flatnonzero(costs == best[states])
    _, at = np.unique(states[tied], return_index=True)
    picked: npt.NDArray[np.intp] = tied[at]
    return picked


def fit_timeline(
    speech: Sequence[float], legal_seconds: Sequence[int]
) -> tuple[list[int], list[float]]:
    """Legal shot durations and each shot's narration start (seconds into the video).

    ``speech`` is each shot's narration length in seconds (0 for a silent shot).
    """
    legal = sorted({int(s) for s in legal_seconds})
    if not legal or legal[0] <= 0:
        raise ValueError(f"legal durations must be positive, got {list(legal_seconds)}")
    if not speech:
        return [], []
    low, high = -MAX_LEAD, float(legal[-1]) + MAX_LAG
    grid = np.arange(round((high - low) / STEP) + 1) * STEP + low
    steps = round((MAX_LEAD + MAX_PAUSE) / STEP)
    cost = np.full(grid.size, np.inf)
    exact = grid.copy()  # each bucket holds the exact free time of its best path
    cost[int(np.ceil((LEAD_IN - low) / STEP - 1e-9))] = 0.0
    exact[int(np.ceil((LEAD_IN - low) / STEP - 1e-9))] = LEAD_IN
    back: list[tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]] = []
    n = len(speech)
    for i, seconds in enumerate(speech):
        live = np.flatnonzero(np.isfinite(cost))
        # Only (state, start step) pairs that do not wait beyond MAX_PAUSE (the rest cost inf
        # in _shot_costs whatever the duration), flattened in row order so ties pick as before.
        a_live = exact[live][:, None].astype(np.float64)
        k_all = np.arange(steps + 1 if seconds > 0 else 1)[None, :]
        latest = np.maximum(a_live, 0.0) + MAX_PAUSE + 1e-9
        waits = np.maximum(a_live, -MAX_LEAD) + k_all * STEP > latest
        rows, cols = np.nonzero(~waits if seconds > 0 else np.ones_like(waits))
        free_at: Array = a_live[rows, 0]
        ks = k_all[0, cols]
        base, prev = cost[live][rows], live[rows]
        parts = []
        for di, d in enumerate(legal):
            _, c, nxt = _shot_costs(free_at, ks, d, float(seconds), i == 0, i == n - 1)
            c = base + c
            ok = np.isfinite(c) & (nxt <= high)
            at = np.maximum(nxt[ok], low)
            bucket = np.rint((at - low) / STEP).astype(np.intp)
            parts.append((c[ok], bucket, prev[ok], (di * (steps + 1) + ks)[ok], at))
        costs, states, prevs, choices, ats = (np.concatenate(x) for x in zip(*parts, strict=True))
        if not costs.size:
            raise ValueError(f"no timeline fits {seconds:g} s of speech in shots of {legal} s")
        first = cheapest_per_state(costs, states, grid.size)
        cost = np.full(grid.size, np.inf)
        cost[states[first]] = costs[first]
        exact = grid.copy()
        exact[states[first]] = ats[first]
        prev_of = np.full(grid.size, -1, dtype=np.intp)
        prev_of[states[first]] = prevs[first]
        choice = np.full(grid.size, -1, dtype=np.intp)
        choice[states[first]] = choices[first]
        back.append((prev_of, choice))
    picks: list[tuple[int, int]] = []
    best = int(np.argmin(cost))
    for prev, choice in reversed(back):
        picks.append(divmod(int(choice[best]), steps + 1))
        best = int(prev[best])
    picks.reverse()
    durations: list[int] = []
    starts: list[float] = []
    t, free = 0.0, LEAD_IN
    for (di, k), seconds in zip(picks, speech, strict=True):
        d = legal[di]
        ahead = free - t
        begin = max(ahead, 0.0) if seconds <= 0 else max(ahead, -MAX_LEAD) + k * STEP
        durations.append(d)
        starts.append(round(t + begin, 3))
        if seconds > 0:
            free = t + begin + seconds + PAUSE
        t += d
    return durations, starts


def silences(
    durations: Sequence[int], starts: Sequence[float], speech: Sequence[float]
) -> list[float]:
    """Seconds of each shot during which nobody speaks (for the report and the benchmark)."""
    out = []
    t = 0.0
    spans = [(a, a + s) for a, s in zip(starts, speech, strict=True) if s > 0]
    for d in durations:
        spoken = sum(max(0.0, min(t + d, b) - max(t, a)) for a, b in spans)
        out.append(d - spoken)
        t += d
    return out


def retime(storyboard: Storyboard, durations: Sequence[int]) -> Storyboard:
    """The storyboard with new shot durations (contiguous again, one beat per 4 s kept)."""
    shots = []
    t = 0
    for shot, d in zip(storyboard.shots, durations, strict=True):
        n = beats_for(d)
        beats = list(shot.beats[:n])
        while len(beats) < n:
            beats.insert(
                -1 if len(beats) > 1 else len(beats), f"{shot.action}, slowly and steadily"
            )
        shots.append(
            shot.model_copy(
                update={"start": float(t), "end": float(t + d), "duration": d, "beats": beats}
            )
        )
        t += d
    return storyboard.model_copy(update={"shots": shots})
