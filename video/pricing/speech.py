"""Narration prices: what a spoken character costs on each speech model (offline: nothing)."""

from __future__ import annotations

SPEECH_USD_PER_CHAR: dict[str, float] = {
    "gpt-4o-mini-tts": 0.000018,
    "tts-1": 0.000015,
    "tts-1-hd": 0.00003,
}
"""$/character: tts-1 and tts-1-hd list prices ($15/$30 per 1M characters); gpt-4o-mini-tts is
billed per token, about $0.015 per spoken minute, ≈ $0.000018/character at 140 words a minute."""


def speech_cost(model: str, chars: int) -> float:
    """USD for speaking ``chars`` characters on ``model`` (the gpt-4o-mini-tts rate if unknown)."""
    rate = SPEECH_USD_PER_CHAR.get(model, SPEECH_USD_PER_CHAR["gpt-4o-mini-tts"])
    return chars * rate
