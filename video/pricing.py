"""Price table and legal settings per provider and model.

Cost governance (estimates before any paid call, the budget at dispatch, tier downgrades) and
request validation both read this one table, so a price or a legal duration is stated once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from lessonreel.video.providers.sizes import dimensions, tokens_per_second
from lessonreel.video.types import ErrorKind, JobError, ProviderError, VideoRequest


@dataclass(frozen=True)
class ModelSpec:
    """What one model accepts and what it costs."""

    provider: str
    model: str
    seconds: tuple[int, ...]
    """Legal clip lengths, ascending."""
    price_per_second: Mapping[str, float]
    """USD per generated second, by size (WIDTHxHEIGHT)."""
    max_prompt_chars: int = 32_000
    tier: int = 0
    """Higher is better and dearer; the tier policy downgrades along this order."""
    notes: str = ""
    aliases: tuple[str, ...] = field(default=())
    priced_per_token: bool = False
    """True when the provider bills tokens, not seconds; ``price_per_second`` is then derived."""

    @property
    def sizes(self) -> tuple[str, ...]:
        """Legal sizes, in table order."""
        return tuple(self.price_per_second)

    def rate(self, size: str) -> float:
        """USD per second at ``size``; raises for an illegal size."""
        try:
            return self.price_per_second[size]
        except KeyError:
            raise _invalid(
                f"size {size!r} is not legal for {self.provider}/{self.model}; "
                f"allowed: {', '.join(self.sizes)}"
            ) from None

    def cost(self, seconds: int, size: str) -> float:
        """USD for one clip."""
        return round(self.rate(size) * seconds, 4)


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

_SPECS: tuple[ModelSpec, ...] = (
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

#: The real provider a free local run is priced against ("what it would cost").
SHADOW_PROVIDER = {"local": "openai"}


def _invalid(message: str) -> ProviderError:
    return ProviderError(JobError(kind=ErrorKind.INVALID_REQUEST, message=message))


def specs(provider: str | None = None) -> list[ModelSpec]:
    """Every known model spec, optionally for one provider."""
    return [s for s in _SPECS if provider is None or s.provider == provider]


def register(spec: ModelSpec) -> None:
    """Add or replace a spec at run time (e.g. from a provider's model listing)."""
    global _SPECS
    kept = tuple(s for s in _SPECS if (s.provider, s.model) != (spec.provider, spec.model))
    _SPECS = (*kept, spec)


def model_spec(provider: str, model: str) -> ModelSpec:
    """The spec for ``provider``/``model``; a clear error lists the known models otherwise."""
    for spec in _SPECS:
        if spec.provider == provider and (spec.model == model or model in spec.aliases):
            return spec
    known = ", ".join(s.model for s in specs(provider)) or "none"
    raise _invalid(f"unknown model {model!r} for provider {provider!r}; known: {known}")


def validate_request(provider: str, request: VideoRequest) -> ModelSpec:
    """Check model, seconds, size and prompt length before anything is sent."""
    spec = model_spec(provider, request.model)
    if request.seconds not in spec.seconds:
        allowed = ", ".join(str(s) for s in spec.seconds)
        raise _invalid(
            f"seconds={request.seconds} is not legal for {provider}/{spec.model}; "
            f"allowed: {allowed}"
        )
    spec.rate(request.size)
    if len(request.prompt) > spec.max_prompt_chars:
        raise _invalid(
            f"prompt is {len(request.prompt)} characters; {provider}/{spec.model} "
            f"accepts at most {spec.max_prompt_chars}"
        )
    return spec


def estimate_cost(provider: str, request: VideoRequest) -> float:
    """USD the provider would charge for ``request``."""
    return model_spec(provider, request.model).cost(request.seconds, request.size)


def cheapest(provider: str, model: str | None = None) -> tuple[ModelSpec, str, int]:
    """The cheapest legal (spec, size, seconds) setting, for ``--draft``."""
    candidates = [model_spec(provider, model)] if model else specs(provider)
    best = min(
        ((s, size, s.seconds[0]) for s in candidates for size in s.sizes),
        key=lambda c: (c[0].rate(c[1]) * c[2], c[0].tier),
    )
    return best


SPEECH_USD_PER_CHAR: dict[str, float] = {
    "gpt-4o-mini-tts": 0.000018,
    "tts-1": 0.000015,
    "tts-1-hd": 0.00003,
}
"""Narration prices in $/character: tts-1 and tts-1-hd list prices ($15/$30 per 1M characters);
gpt-4o-mini-tts is billed per token, about $0.015 per spoken minute, ≈ $0.000018/character at
140 words a minute. The offline voice is free."""


def speech_cost(model: str, chars: int) -> float:
    """USD for speaking ``chars`` characters on ``model`` (the gpt-4o-mini-tts rate if unknown)."""
    rate = SPEECH_USD_PER_CHAR.get(model, SPEECH_USD_PER_CHAR["gpt-4o-mini-tts"])
    return chars * rate
