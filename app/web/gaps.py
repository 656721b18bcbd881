"""Why a shot became a card, said the way a teacher can act on it.

The report keeps the technical reason (budget sums, provider error codes, safety categories);
the result page leads with a plain sentence and keeps the technical one behind "Details".
"""

from __future__ import annotations

import re
from typing import Any

_PLAIN: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^budget\b", re.I),
        "the budget you set ran out before this shot. Start the lesson again with a higher "
        "budget, or keep the card.",
    ),
    (
        re.compile(r"^never dispatched|^stopped", re.I),
        "the run stopped before this shot was started. Resume it from the Runs page.",
    ),
    (
        re.compile(r"^blocked|safety|moderation|content.?polic", re.I),
        "the video service would not draw this shot under its content rules, even after the "
        "wording was softened. Rephrase the narration and make the lesson again.",
    ),
    (
        re.compile(r"timeout|timed out|too long", re.I),
        "the video service took too long. Try again later.",
    ),
    (
        re.compile(r"auth|api key|401|403|quota|billing|402", re.I),
        "the video service refused the request: check the service key and account credit on "
        "the server.",
    ),
)
_DEFAULT = "the video service could not render it. Try again later, or pick another model."


def plain_reason(reason: str) -> str:
    """One plain sentence for a gap's technical reason."""
    for pattern, text in _PLAIN:
        if pattern.search(reason):
            return text
    return _DEFAULT


def gap_rows(gaps: list[Any]) -> list[dict[str, Any]]:
    """The result page's gap list: shot number, plain reason, technical detail."""
    return [
        {"shot": g.index + 1, "plain": plain_reason(g.reason), "detail": g.reason} for g in gaps
    ]
