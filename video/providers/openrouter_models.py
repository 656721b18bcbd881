"""OpenRouter's ``GET /api/v1/videos/models`` catalog, parsed into price-table specs.

OpenRouter states legal durations, resolutions and aspect ratios per model, and prices only
through ``pricing_skus`` whose *names* carry the unit (``per-video-second``, per-resolution
variants, or per-token SKUs for Seedance). This module turns one catalog entry into a
:class:`~lessonreel.video.pricing.ModelSpec` (and back, for the emulator), so estimates and
validation use the live figures once they are fetched.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lessonreel.video.pricing import ModelSpec, PriceTable
from lessonreel.video.providers.sizes import dimensions, split_size, tokens_per_second

log = logging.getLogger(__name__)

PROVIDER = "openrouter"

#: Upstream provider slug per model-id prefix, for ``provider.options.<slug>.parameters``.
PROVIDER_SLUGS: dict[str, str] = {"google/": "google-vertex"}

#: How each upstream names a negative prompt in its passthrough parameters.
NEGATIVE_PROMPT_KEYS: dict[str, str] = {"google-vertex": "negativePrompt"}


class OpenRouterModel(BaseModel):
    """One ``VideoModel`` of the catalog (only the fields lessonreel uses are typed)."""

    model_config = ConfigDict(extra="allow")

    id: str
    canonical_slug: str | None = None
    name: str | None = None
    supported_resolutions: list[str] = Field(default_factory=list)
    supported_aspect_ratios: list[str] = Field(default_factory=list)
    supported_sizes: list[str] | None = None
    supported_durations: list[int] = Field(default_factory=list)
    supported_frame_images: list[str] | None = None
    generate_audio: bool | None = None
    seed: bool | None = None
    pricing_skus: dict[str, str] = Field(default_factory=dict)
    allowed_passthrough_parameters: list[str] | None = None


def provider_slug(model: str) -> str | None:
    """Return the upstream slug passthrough parameters go under, when it is known."""
    for prefix, slug in PROVIDER_SLUGS.items():
        if model.startswith(prefix):
            return slug
    return None


def _sku(skus: dict[str, str], unit: str, resolution: str) -> float | None:
    """Return the ``second``/``token`` price at ``resolution`` (else the base or dearest SKU)."""
    lowered = {k.lower(): v for k, v in skus.items()}
    matching: dict[str, float] = {}
    for name, text in lowered.items():
        if unit not in name:
            continue
        try:
            matching[name] = float(text)
        except ValueError:
            continue
    if not matching:
        return None
    res = resolution.lower()
    for name, price in matching.items():
        if name.endswith("-" + res):
            return price
    base = f"per-video-{unit}"
    if base in matching:
        return matching[base]
    # Unknown naming: the dearest matching SKU keeps budgets on the safe side.
    return max(matching.values())


def spec_from_model(model: OpenRouterModel, table: PriceTable | None = None) -> ModelSpec | None:
    """Build the price-table spec for a catalog entry; None when it cannot be priced.

    The tier comes from ``table`` (the built-in list when not given) when it knows the model.
    """
    durations = tuple(sorted({d for d in model.supported_durations if d > 0}))
    aspects = model.supported_aspect_ratios or ["16:9"]
    if not durations or not model.supported_resolutions:
        log.info("openrouter model %s lists no durations or resolutions; skipped", model.id)
        return None
    prices: dict[str, float] = {}
    per_token = False
    token_prices: list[float] = []
    for resolution in model.supported_resolutions:
        per_second = _sku(model.pricing_skus, "second", resolution)
        per_tok = None if per_second is not None else _sku(model.pricing_skus, "token", resolution)
        for aspect in aspects:
            try:
                size = dimensions(resolution, aspect)
            except ValueError:
                continue
            if per_second is not None:
                prices.setdefault(size, per_second)
            elif per_tok is not None:
                per_token = True
                token_prices.append(per_tok)
                prices.setdefault(size, round(tokens_per_second(size) * per_tok, 6))
    if not prices:
        log.info("openrouter model %s has no usable pricing_skus; skipped", model.id)
        return None
    notes = "From GET /api/v1/videos/models; the charge is usage.cost on the finished job."
    if per_token:
        notes += (
            f" Priced per token (${max(token_prices)}/token); $/s derived from "
            "w*h*24/1024 tokens per second (UNVERIFIED), an estimate only."
        )
    static = {s.model: s for s in (table or PriceTable.default()).specs(PROVIDER)}
    tier = static[model.id].tier if model.id in static else 1
    return ModelSpec(
        PROVIDER,
        model.id,
        durations,
        prices,
        tier=tier,
        notes=notes,
        priced_per_token=per_token,
    )


#: Capabilities of the built-in specs that the price table does not hold.
_STATIC_CAPS: dict[str, dict[str, Any]] = {
    "google/veo-3.1": {
        "generate_audio": True,
        "seed": True,
        "supported_frame_images": ["first_frame", "last_frame"],
        "allowed_passthrough_parameters": [
            "personGeneration",
            "aspectRatio",
            "negativePrompt",
            "conditioningScale",
            "enhancePrompt",
        ],
    },
    "kwaivgi/kling-v3.0-pro": {"generate_audio": True, "seed": False},
    "bytedance/seedance-2.0": {"generate_audio": True, "seed": True},
    "alibaba/wan-2.6": {"generate_audio": True, "seed": True},
    "minimax/hailuo-2.3": {"generate_audio": False, "seed": False},
}


def model_from_spec(spec: ModelSpec) -> OpenRouterModel:
    """Describe a price-table spec as a catalog entry (the emulator serves these)."""
    resolutions: list[str] = []
    aspects: list[str] = []
    skus: dict[str, str] = {}
    for size, rate in spec.price_per_second.items():
        pair = _pair_for(size)
        if pair is None:
            continue
        resolution, aspect = pair
        if resolution not in resolutions:
            resolutions.append(resolution)
        if aspect not in aspects:
            aspects.append(aspect)
        if spec.priced_per_token:
            skus[f"per-video-token-{resolution}"] = f"{rate / tokens_per_second(size):.10f}"
        else:
            skus.setdefault("per-video-second", f"{rate:g}")
            skus[f"per-video-second-{resolution}"] = f"{rate:g}"
    caps = _STATIC_CAPS.get(spec.model, {})
    return OpenRouterModel(
        id=spec.model,
        canonical_slug=spec.model,
        name=spec.model,
        supported_resolutions=resolutions,
        supported_aspect_ratios=aspects,
        supported_sizes=list(spec.sizes),
        supported_durations=list(spec.seconds),
        supported_frame_images=caps.get("supported_frame_images", ["first_frame"]),
        generate_audio=caps.get("generate_audio"),
        seed=caps.get("seed"),
        pricing_skus=skus,
        allowed_passthrough_parameters=caps.get("allowed_passthrough_parameters"),
    )


_RESOLUTIONS = ("480p", "720p", "768p", "1080p", "1K", "2K", "4K")
_ASPECTS = ("16:9", "9:16", "1:1", "4:3", "3:4", "3:2", "2:3", "21:9", "9:21")


def _pair_for(size: str) -> tuple[str, str] | None:
    pair: tuple[str, str] | None = split_size(size, _RESOLUTIONS, _ASPECTS)
    return pair


def static_catalog() -> list[OpenRouterModel]:
    """Return the built-in catalog (used offline and by the emulator's ``/videos/models``)."""
    return [model_from_spec(spec) for spec in PriceTable.default().specs(PROVIDER)]
