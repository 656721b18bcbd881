"""Optional second opinion: OpenAI's moderation endpoint (``omni-moderation-latest``).

Used only when ``OPENAI_API_KEY`` is set; never required. It can add a block, never lift one.
Network or API errors are reported as a reason, not raised: the offline layers already ran.
"""

from __future__ import annotations

import os
from typing import Any

import httpx

from lessonreel.agents.schemas import Match

MODEL = "omni-moderation-latest"
DEFAULT_BASE_URL = "https://api.openai.com/v1"

CATEGORY_MAP = {
    "sexual": "sexual",
    "sexual/minors": "minors_unsafe",
    "violence": "violence_gore",
    "violence/graphic": "violence_gore",
    "self-harm": "self_harm",
    "self-harm/intent": "self_harm",
    "self-harm/instructions": "self_harm",
    "hate": "hate_harassment",
    "hate/threatening": "hate_harassment",
    "harassment": "hate_harassment",
    "harassment/threatening": "hate_harassment",
    "illicit": "weapons_drugs_instructions",
    "illicit/violent": "weapons_drugs_instructions",
}


class ModerationClient:
    """Small sync client for ``POST /moderations``."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._client = httpx.Client(
            base_url=(base_url or DEFAULT_BASE_URL).rstrip("/") + "/",
            headers={"Authorization": f"Bearer {api_key}"},
            transport=transport,
            timeout=timeout,
        )

    @classmethod
    def from_env(cls) -> ModerationClient | None:
        """A client when ``OPENAI_API_KEY`` is set, else None."""
        key = os.environ.get("OPENAI_API_KEY", "").strip()
        if not key:
            return None
        return cls(api_key=key, base_url=os.environ.get("OPENAI_BASE_URL") or None)

    def check(self, text: str) -> list[Match]:
        """Flagged categories as moderation matches (empty when nothing is flagged)."""
        resp = self._client.post("moderations", json={"model": MODEL, "input": text})
        resp.raise_for_status()
        return parse_result(resp.json())

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()


def parse_result(body: dict[str, Any]) -> list[Match]:
    """Turn a moderation response into matches, one per flagged lessonreel category."""
    out: dict[str, Match] = {}
    for result in body.get("results", []):
        if not result.get("flagged"):
            continue
        scores: dict[str, float] = result.get("category_scores", {})
        for name, flagged in result.get("categories", {}).items():
            cat = CATEGORY_MAP.get(name)
            if not flagged or cat is None:
                continue
            score = float(scores.get(name, 1.0))
            if cat not in out or (out[cat].score or 0.0) < score:
                out[cat] = Match(layer="moderation", category=cat, score=score, words=[name])
    return sorted(out.values(), key=lambda m: -(m.score or 0.0))
