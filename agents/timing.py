"""Shot timing from the narration: legal durations that follow when the narrator speaks.

The narration flows as one track: each shot's words start with its shot (the first after a short
lead-in), or, when the previous passage ran over, right after it. Each shot takes the legal
duration whose end lands nearest to where its words end, so a long passage spans into the next
shot instead of leaving a silent tail, and only the last shot rounds up to hold everything.
"""

from __future__ import annotations

from collections.abc import Sequence

from lessonreel.agents.checks import beats_for
from lessonreel.agents.schemas import Storyboard

LEAD_IN = 0.4
"""Seconds of picture before the first word."""
PAUSE = 0.35
"""Seconds between one shot's narration and the next."""
TAIL = 0.8
"""Seconds of picture after the last word."""


def _layout(
    speech: Sequence[float],
    legal: Sequence[int],
    round_up: set[int],
    fixed: Sequence[int] | None = None,
    extra: float = 0.0,
) -> tuple[list[int], list[float], float]:
    durations: list[int] = []
    starts: list[float] = []
    t = 0.0
    free = LEAD_IN
    for i, seconds in enumerate(speech):
        start = max(t + (LEAD_IN if i == 0 else 0.0) + extra, free)
        end = start + seconds
        last = i == len(speech) - 1
        need = end + (TAIL if last else PAUSE) - t
        if fixed is not None:
            d = fixed[i]
        elif last or i in round_up:
            d = next((x for x in legal if x >= need - 1e-9), legal[-1])
        else:
            d = min(legal, key=lambda x: (abs(x - need), -x))
        durations.append(d)
        starts.append(start)
        t += d
        free = end + PAUSE + extra if seconds > 0 else free
    overflow = (starts[-1] + speech[-1] + TAIL) - t if speech else 0.0
    return durations, starts, overflow


def fit_timeline(
    speech: Sequence[float], legal_seconds: Sequence[int]
) -> tuple[list[int], list[float]]:
    """Legal shot durations and each shot's narration start (seconds into the video).

    ``speech`` is each shot's narration length in seconds (0 for a silent shot). No words are
    clipped: when the last shot cannot hold what is left, earlier shots round up, last first.
    """
    legal = sorted({int(s) for s in legal_seconds})
    if not legal or legal[0] <= 0:
        raise ValueError(f"legal durations must be positive, got {list(legal_seconds)}")
    if not speech:
        return [], []
    round_up: set[int] = set()
    durations, starts, overflow = _layout(speech, legal, round_up)
    for i in reversed(range(len(speech) - 1)):
        if overflow <= 1e-9:
            break
        round_up.add(i)
        durations, starts, overflow = _layout(speech, legal, round_up)
    # The slack the last shot rounded up to becomes longer pauses spread over every shot.
    slack = -overflow
    if slack > 0.05 and len(speech) > 1:
        extra = slack / len(speech)
        for _ in range(8):
            _, spread, left = _layout(speech, legal, round_up, durations, extra)
            if left <= 1e-9:
                starts = spread
                break
            extra /= 2
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
