"""Create turns shared by every process that creates jobs with one provider account.

Each worker of the temporal engine holds its own provider gate; paced alone, two workers would
together create at twice the provider's rate, and the task queue's rate limit paces when shot
activities *start*, not when their creates leave (after an idle gap the server lets starts catch
up in a burst). So the turns are handed out from one small file in the shared home: under an
exclusive ``flock`` a taker reads when the next create is due, takes that turn (or now, if later)
and writes the turn after it. The file holds wall-clock seconds, which processes on different
machines sharing the home agree on (monotonic clocks do not).

The lock is held for one read and one write of a few bytes, so it is taken blocking on the
caller's thread: a wait for it is far shorter than the spacing between creates.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path

PACE_DIR = "pace"

MAX_AHEAD = 600.0
"""Seconds ahead a stored turn may lie; a later one (a clock stepped back) is ignored."""


def create_pace_path(home: Path, provider: str, base_url: str | None) -> Path:
    """The pace file of one provider account (provider name and base URL) in ``home``."""
    digest = hashlib.sha256((base_url or "").encode()).hexdigest()[:12]
    return home / PACE_DIR / f"{provider}-{digest}.next"


class SharedCreatePace:
    """Create turns across processes, read and written under ``flock`` on one file."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock

    def _update(self, step: Callable[[float, float, float], tuple[float, float, float]]) -> float:
        """Apply ``step(now, next, held) -> (result, next, held)`` atomically; return result.

        The file holds when the next turn is due and until when turns are held (a 429).
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            now = self._clock()
            stored = _parse(os.read(fd, 128).decode(), now)
            result, following, held = step(now, *stored)
            os.lseek(fd, 0, os.SEEK_SET)
            os.ftruncate(fd, 0)
            os.write(fd, f"{following!r} {held!r}".encode())
            return result
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    def reserve(self, spacing: float) -> float:
        """Take the next create turn; return the seconds to wait until it comes (≥ 0)."""

        def step(now: float, following: float, held: float) -> tuple[float, float, float]:
            due = max(now, following, held)
            return due - now, due + spacing, held

        return self._update(step)

    def hold(self, seconds: float) -> None:
        """Hand out no turn sooner than ``seconds`` from now (a 429 paused the provider)."""

        def step(now: float, following: float, held: float) -> tuple[float, float, float]:
            return 0.0, following, max(held, now + seconds)

        self._update(step)

    def held_for(self) -> float:
        """Seconds left in a hold (0 when none): a turn taken before it must be taken again."""

        def step(now: float, following: float, held: float) -> tuple[float, float, float]:
            return max(held - now, 0.0), following, held

        return self._update(step)


def _parse(text: str, now: float) -> tuple[float, float]:
    """The stored next turn and hold; a torn or foreign file, or times too far ahead, reset."""
    try:
        values = [float(v) for v in text.split()][:2]
    except ValueError:
        values = []
    values += [float("-inf")] * (2 - len(values))
    following, held = (v if v <= now + MAX_AHEAD else float("-inf") for v in values)
    return following, held
