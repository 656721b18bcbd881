"""What a run command reads from its arguments: the lesson (file or stdin), shot numbers."""

from __future__ import annotations

import sys
from typing import Any

from lessonreel.app.cli_common import clean, fail

_MAX_SHOT_NUMBER = 10_000


def parse_shots(text: str, shot_count: int) -> list[int]:
    """Shot numbers as in storyboard.md (``2,5``) → 0-based indexes; exit 2 when out of range."""
    numbers: set[int] = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        if not part.isdigit() or len(part) > len(str(_MAX_SHOT_NUMBER)):
            raise fail(f"--shots {clean(text)!r}: give shot numbers like 2,5")
        numbers.add(int(part))
    if not numbers:
        raise fail("--shots: give shot numbers like 2,5")
    bad = sorted(n for n in numbers if not 1 <= n <= shot_count)
    if bad:
        raise fail(
            f"--shots: this run has shots 1–{shot_count}; "
            f"no shot {', '.join(str(n) for n in bad[:5])}"
        )
    return [n - 1 for n in sorted(numbers)]


def shot_count(run: dict[str, Any]) -> int:
    """How many shots the run's storyboard has (0 before the director has written it)."""
    from lessonreel.store.ledger import Ledger

    count = run.get("shots")
    if isinstance(count, int) and count > 0:
        return count
    with Ledger.open() as ledger:
        return len(ledger.shots(str(run["run_id"])))


def lesson_source(lesson: str) -> tuple[str | None, str | None]:
    """``(path, None)`` for a file, ``(None, text)`` for ``-`` (stdin, which must not be empty).

    stdin is read in chunks up to the same limit as a lesson file, so ``</dev/zero`` stops
    with the same one-line error instead of filling memory.
    """
    if lesson != "-":
        return lesson, None
    from lessonreel.agents.ingest import LessonInputError, decode_text, read_limited

    try:
        text = decode_text(read_limited(sys.stdin.buffer, name="the lesson on stdin"))
    except LessonInputError as exc:
        raise fail(str(exc)) from None
    if not text.strip():
        raise fail("the lesson on stdin is empty — pipe a lesson text, e.g. `cat lesson.md |`")
    return None, text
