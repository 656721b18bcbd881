"""The built-in price list: what each provider's models accept and cost (data only).

A run reads it through its :class:`~lessonreel.video.pricing.table.PriceTable`, which can add
models a provider lists at run time or a price file names; this tuple itself never changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from lessonreel.video.pricing.table import ModelSpec
from lessonreel.video.providers.sizes import dimensions, tokens_per_second

_SORA_720 = {"1280x720": 0.10, "720x1280": 0.10}
_SORA_PRO = {
    "1280x720": 0.30,
    "720x1280": 0.30,
    "1792x1024": 0.50,
    "1024x1792": 0.50,
    "1920x1080": 0.70,
    "1080x1920": 0.70,
}


def _grid(prices: Mapping[str, float], aspect_ratios: tuple[str, ...]) -> dict[str, float]:
    """Return per-size prices for every (resolution, aspect ratio) pair, keyed WIDTHxHEIGHT."""
    return {dimensions(res, ar): usd for res, usd in prices.items() for ar in aspect_ratios}


def _per_token_grid(
    usd_per_token: float, resolutions: tuple[str, ...], aspect_ratios: tuple[str, ...]
) -> dict[str, float]:
    """Derive $/s for a per-token model: w*h*24 fps/1024 tokens per second (UNVERIFIED)."""
    out: dict[str, float] = {}
    for size in _grid(dict.fromkeys(resolutions, 0.0), aspect_ratios):
        out[size] = round(tokens_per_second(size) * usd_per_token, 4)
    return out


_WIDE_TALL = ("16:9", "9:16")
_OR_STATIC = "Static fallback, replaced from GET /api/v1/videos/models at run time. "
# Seedance bills tokens: w*h*fps*seconds/1024 (UNVERIFIED), so $/s = w*h*24/1024 * $/token.
_SEEDANCE_TOKEN_USD = 0.000007

BUILTIN_SPECS: tuple[ModelSpec, ...] = (
    ModelSpec("openai", "sora-2", (4, 8, 12), _SORA_720, tier=1),
    ModelSpec("openai", "sora-2-pro", (4, 8, 12), _SORA_PRO, tier=2),
    ModelSpec(
        "azure",
        "sora-2",
        (4, 8, 12),
        _SORA_720,
        tier=1,
        notes="Azure OpenAI v1: 720p only, 2 job creates per minute; model is the deployment name.",
    ),
    # The local emulator speaks the Sora shape and accepts what Sora accepts, for $0.
    ModelSpec("local", "sora-2", (4, 8, 12), dict.fromkeys(_SORA_720, 0.0), tier=1),
    ModelSpec("local", "sora-2-pro", (4, 8, 12), dict.fromkeys(_SORA_PRO, 0.0), tier=2),
    # OpenRouter async video API. Prices are third-party figures or placeholders (see notes);
    # the real charge is usage.cost on the finished job.
    ModelSpec(
        "openrouter",
        "google/veo-3.1",
        (4, 6, 8),
        _grid({"720p": 0.50, "1080p": 0.50}, _WIDE_TALL),
        tier=2,
        notes=_OR_STATIC + "$0.40-0.50/s per third parties (UNVERIFIED); upper bound used.",
    ),
    ModelSpec(
        "openrouter",
        "kwaivgi/kling-v3.0-pro",
        (5, 10),
        _grid({"720p": 0.50, "1080p": 0.50}, (*_WIDE_TALL, "1:1")),
        tier=1,
        notes=_OR_STATIC + "No published price in the reference: placeholder $0.50/s.",
    ),
    ModelSpec(
        "openrouter",
        "bytedance/seedance-2.0",
        (5, 10),
        _per_token_grid(_SEEDANCE_TOKEN_USD, ("480p", "720p", "1080p"), _WIDE_TALL),
        tier=1,
        priced_per_token=True,
        notes=_OR_STATIC
        + f"Priced per token (${_SEEDANCE_TOKEN_USD}/token, upper bound of the cookbook sample);"
        " $/s derived from w*h*24/1024 tokens per second (UNVERIFIED).",
    ),
    ModelSpec(
        "openrouter",
        "alibaba/wan-2.6",
        (5, 10),
        _grid({"720p": 0.04, "1080p": 0.04}, _WIDE_TALL),
        tier=1,
        notes=_OR_STATIC + "$0.04/s per the OpenRouter cookbook sample.",
    ),
    ModelSpec(
        "openrouter",
        "minimax/hailuo-2.3",
        (6, 10),
        _grid({"768p": 0.50, "1080p": 0.50}, ("16:9",)),
        tier=1,
        notes=_OR_STATIC + "No published price in the reference: placeholder $0.50/s.",
    ),
    # Veo 3.1 GA on Vertex AI. The official price page is a gap; these are list prices with
    # audio from third parties (UNVERIFIED). Blocked videos are not charged. 1080p/4k need 8 s.
    ModelSpec(
        "veo",
        "veo-3.1-generate-001",
        (4, 6, 8),
        _grid({"720p": 0.40, "1080p": 0.40, "4k": 0.60}, _WIDE_TALL),
        tier=2,
        notes="Vertex AI; $/s with audio (UNVERIFIED). 1080p and 4k require 8 s.",
    ),
    ModelSpec(
        "veo",
        "veo-3.1-fast-generate-001",
        (4, 6, 8),
        _grid({"720p": 0.10, "1080p": 0.12, "4k": 0.35}, _WIDE_TALL),
        tier=1,
        notes="Vertex AI; $/s with audio (UNVERIFIED). 1080p and 4k require 8 s.",
    ),
)

#: The provider a free one is priced as: its shadow price ("what this run would cost on azure").
#: Azure OpenAI sells the Sora shape today; openai's own endpoint was retired on 2026-09-24.
SHADOW_PROVIDER: Mapping[str, str] = MappingProxyType({"local": "azure"})
