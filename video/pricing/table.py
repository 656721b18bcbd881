"""The price table a run reads: legal settings and USD per second for every provider's models.

One :class:`PriceTable` belongs to a run's services (and to each provider client), so a model
that a provider lists at run time, or that a price file adds, changes that run only. Request
validation and every cost figure read the same table, so a price or a legal duration is stated
once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lessonreel.video.types import ProviderError, VideoRequest

PRICES_FILE_HINT = (
    'a JSON list of models: [{"provider": "local", "model": "sora-2", "seconds": [4, 8, 12], '
    '"price_per_second": {"1280x720": 0.0}, "tier": 1}]'
)


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
            raise ProviderError.invalid(
                f"size {size!r} is not legal for {self.provider}/{self.model}; "
                f"allowed: {', '.join(self.sizes)}"
            ) from None

    def check_seconds(self, seconds: int) -> None:
        """Raise ``invalid_request`` naming the legal lengths when ``seconds`` is not one."""
        if seconds not in self.seconds:
            allowed = ", ".join(str(s) for s in self.seconds)
            raise ProviderError.invalid(
                f"seconds={seconds} is not legal for {self.provider}/{self.model}; "
                f"allowed: {allowed}"
            )

    def cost(self, seconds: int, size: str) -> float:
        """USD for one clip."""
        return round(self.rate(size) * seconds, 4)


class PriceTable:
    """The model specs one run (or one provider client) prices and validates against."""

    def __init__(self, specs: Iterable[ModelSpec]) -> None:
        self._specs: dict[tuple[str, str], ModelSpec] = {}
        for spec in specs:
            self.register(spec)

    @classmethod
    def default(cls) -> PriceTable:
        """A fresh table holding the built-in price list."""
        from lessonreel.video.pricing.catalog import BUILTIN_SPECS

        return cls(BUILTIN_SPECS)

    @classmethod
    def load(cls, path: str | Path | None) -> PriceTable:
        """The built-in list with the models in the JSON price file ``path`` added or replaced.

        Raises ``ValueError`` with one readable line for a file that cannot be used.
        """
        table = cls.default()
        if path is None:
            return table
        try:
            rows = json.loads(Path(path).read_text(encoding="utf-8"))
            for row in rows if isinstance(rows, list) else [rows]:
                table.register(spec_from_json(row))
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise ValueError(f"price file {path}: {exc}; expected {PRICES_FILE_HINT}") from None
        return table

    def register(self, spec: ModelSpec) -> None:
        """Add or replace a spec (a provider's model listing, a price file)."""
        self._specs.pop((spec.provider, spec.model), None)
        self._specs[(spec.provider, spec.model)] = spec

    def specs(self, provider: str | None = None) -> list[ModelSpec]:
        """Every known model spec, optionally for one provider."""
        return [s for s in self._specs.values() if provider is None or s.provider == provider]

    def find(self, provider: str, model: str) -> ModelSpec | None:
        """The spec for ``provider``/``model`` (or one of its aliases), if the table has it."""
        for spec in self._specs.values():
            if spec.provider == provider and (spec.model == model or model in spec.aliases):
                return spec
        return None

    def model_spec(self, provider: str, model: str) -> ModelSpec:
        """The spec for ``provider``/``model``; a clear error lists the known models otherwise."""
        spec = self.find(provider, model)
        if spec is not None:
            return spec
        known = ", ".join(s.model for s in self.specs(provider))
        if not known:
            raise ProviderError.invalid(f"unknown provider {provider!r}: it has no priced models")
        raise ProviderError.invalid(
            f"unknown model {model!r} for provider {provider!r}; known: {known}"
        )

    def validate_request(self, provider: str, request: VideoRequest) -> ModelSpec:
        """Check model, seconds, size and prompt length before anything is sent."""
        spec = self.model_spec(provider, request.model)
        spec.check_seconds(request.seconds)
        spec.rate(request.size)
        if len(request.prompt) > spec.max_prompt_chars:
            raise ProviderError.invalid(
                f"prompt is {len(request.prompt)} characters; {provider}/{spec.model} "
                f"accepts at most {spec.max_prompt_chars}"
            )
        return spec

    def price(self, provider: str, model: str, size: str, seconds: int) -> float:
        """USD ``provider`` charges for one clip; raises for an illegal setting."""
        spec = self.model_spec(provider, model)
        spec.check_seconds(seconds)
        return spec.cost(seconds, size)

    def estimate_cost(self, provider: str, request: VideoRequest) -> float:
        """USD the provider would charge for ``request``."""
        return self.model_spec(provider, request.model).cost(request.seconds, request.size)

    def cheapest(self, provider: str, model: str | None = None) -> tuple[ModelSpec, str, int]:
        """The cheapest legal (spec, size, seconds) setting."""
        candidates = [self.model_spec(provider, model)] if model else self.specs(provider)
        options = [(s, size, s.seconds[0]) for s in candidates for size in s.sizes]
        if not options:
            raise ProviderError.invalid(f"no priced model for provider {provider!r}")
        return min(options, key=_setting_cost)


def _setting_cost(option: tuple[ModelSpec, str, int]) -> tuple[float, int]:
    spec, size, seconds = option
    return spec.rate(size) * seconds, spec.tier


def spec_from_json(row: Any) -> ModelSpec:
    """Build a :class:`ModelSpec` from one price-file entry."""
    if not isinstance(row, dict):
        raise TypeError("each model must be a JSON object")
    prices = {str(k): float(v) for k, v in dict(row["price_per_second"]).items()}
    return ModelSpec(
        provider=str(row["provider"]),
        model=str(row["model"]),
        seconds=tuple(sorted(int(s) for s in row["seconds"])),
        price_per_second=prices,
        max_prompt_chars=int(row.get("max_prompt_chars", 32_000)),
        tier=int(row.get("tier", 0)),
        notes=str(row.get("notes", "")),
        aliases=tuple(str(a) for a in row.get("aliases", ())),
    )


def spec_to_json(spec: ModelSpec) -> dict[str, Any]:
    """One price-file entry for ``spec`` (the inverse of :func:`spec_from_json`)."""
    return {
        "provider": spec.provider,
        "model": spec.model,
        "seconds": list(spec.seconds),
        "price_per_second": dict(spec.price_per_second),
        "max_prompt_chars": spec.max_prompt_chars,
        "tier": spec.tier,
        "notes": spec.notes,
        "aliases": list(spec.aliases),
    }


def write_price_file(path: str | Path, specs: Iterable[ModelSpec]) -> Path:
    """Write ``specs`` as a price file that ``--prices`` / ``LESSONREEL_PRICES`` reads."""
    out = Path(path)
    out.write_text(json.dumps([spec_to_json(s) for s in specs], indent=2) + "\n", encoding="utf-8")
    return out
