"""The tier policy: allow, downgrade or refuse one request against the budget; draft settings.

The budget is about money: it caps what the run's own provider charges. A free provider (the
local emulator) is never downgraded or stopped by it; its shadow price (what the same run would
cost on a provider a user can buy) is shown next to the estimate and never enforced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from lessonreel.video.pricing.table import ModelSpec, PriceTable
from lessonreel.video.types import ProviderError

Action = Literal["allow", "downgrade", "refuse"]
_EPS = 1e-9


@dataclass(frozen=True)
class Policy:
    """How the tier policy behaves near the cap."""

    downgrade: bool = True
    """Try cheaper settings before refusing (``"downgrade"``); ``False`` is ``"strict"``."""
    soft_cap: float = 0.9
    """Share of the budget beyond which requests are downgraded while money remains."""


POLICIES: dict[str, Policy] = {"downgrade": Policy(), "strict": Policy(downgrade=False)}


def policy_named(policy: str | Policy) -> Policy:
    """Return the :class:`Policy` for a name (``"downgrade"``, ``"strict"``) or pass one through."""
    if isinstance(policy, Policy):
        return policy
    try:
        return POLICIES[policy]
    except KeyError:
        raise ValueError(
            f"unknown tier policy {policy!r}; use one of {', '.join(POLICIES)}"
        ) from None


class Decision(BaseModel):
    """What the tier policy says about one request."""

    model_config = ConfigDict(frozen=True)

    action: Action = Field(description="allow, downgrade (to ``model``/``size``) or refuse.")
    model: str = Field(description="Model to render with (the request's own when allowed).")
    size: str = Field(description="Size to render at (same orientation as requested).")
    seconds: int = Field(description="Clip length (never changed: the storyboard owns timing).")
    usd: float = Field(description="What the run's provider charges for the chosen setting.")
    reason: str = Field(description="One line a user can read in the report.")

    @property
    def refused(self) -> bool:
        """True when nothing affordable is left: the run stops dispatching."""
        return self.action == "refuse"


def orientation(size: str) -> Literal["landscape", "portrait", "square"]:
    """Return the orientation of ``WIDTHxHEIGHT``."""
    width, height = (int(part) for part in size.lower().split("x"))
    if width == height:
        return "square"
    return "landscape" if width > height else "portrait"


def cheaper_settings(
    table: PriceTable, provider: str, model: str, size: str, seconds: int
) -> list[tuple[str, str]]:
    """List legal cheaper ``(model, size)`` settings, dearest first.

    Same orientation and clip length, a tier no higher, a lower charge: on azure-priced
    sora-2-pro 1920x1080 → pro 1792x1024 → pro 1280x720 → sora-2 1280x720.
    """
    current = table.model_spec(provider, model)
    cost = table.price(provider, model, size, seconds)
    shape = orientation(size)
    found: list[tuple[float, int, str, str]] = []
    for spec in table.specs(provider):
        if spec.tier > current.tier or seconds not in spec.seconds:
            continue
        for candidate in spec.sizes:
            if orientation(candidate) != shape:
                continue
            usd = spec.cost(seconds, candidate)
            if usd < cost - _EPS:
                found.append((usd, spec.tier, spec.model, candidate))
    found.sort(key=lambda c: (-c[0], -c[1]))
    return [(m, s) for _, _, m, s in found]


def decide(
    table: PriceTable,
    *,
    budget_usd: float | None,
    spent_usd: float,
    provider: str,
    model: str,
    size: str,
    seconds: int,
    reserve_usd: float = 0.0,
    policy: str | Policy = "downgrade",
) -> Decision:
    """Allow, downgrade or refuse one request against the budget (money the provider charges).

    ``spent_usd`` is what the run has been charged *plus* what its in-flight jobs will cost;
    ``reserve_usd`` is money to keep for shots still to come (it only moves the soft cap, so
    a run delivers what it can afford instead of refusing early). Near the cap the request is
    downgraded to the dearest cheaper setting that stays under the soft cap; failing that, to
    the cheapest setting that still fits; only when nothing fits is it refused. A free request
    is always allowed.
    """
    rules = policy_named(policy)
    cost = table.price(provider, model, size, seconds)

    def make(action: Action, m: str, s: str, reason: str) -> Decision:
        usd = table.price(provider, m, s, seconds) if action != "refuse" else 0.0
        return Decision(action=action, model=m, size=s, seconds=seconds, usd=usd, reason=reason)

    if budget_usd is None:
        return make("allow", model, size, "no budget set")
    if cost <= _EPS:
        return make("allow", model, size, f"{provider} charges nothing")
    hard = budget_usd - spent_usd
    soft = budget_usd * rules.soft_cap - spent_usd - reserve_usd
    if cost <= soft + _EPS:
        return make("allow", model, size, f"${cost:.2f} fits the budget (${hard:.2f} left)")
    options = cheaper_settings(table, provider, model, size, seconds) if rules.downgrade else []
    for m, s in options:
        if table.price(provider, m, s, seconds) <= soft + _EPS:
            return make(
                "downgrade", m, s, f"near the ${budget_usd:.2f} cap: {model} {size} → {m} {s}"
            )
    for m, s in [*reversed(options), (model, size)]:
        if table.price(provider, m, s, seconds) <= hard + _EPS:
            action: Action = "allow" if (m, s) == (model, size) else "downgrade"
            return make(action, m, s, f"last ${hard:.2f} of the ${budget_usd:.2f} budget")
    cheapest = min([cost, *(table.price(provider, m, s, seconds) for m, s in options)])
    return make(
        "refuse",
        model,
        size,
        f"budget ${budget_usd:.2f} reached: ${max(spent_usd, 0):.2f} spent or committed, "
        f"this shot needs at least ${cheapest:.2f}",
    )


def draft(
    table: PriceTable, provider: str, model: str | None = None, *, size: str | None = None
) -> tuple[str, str]:
    """Return the cheapest legal ``(model, size)``, keeping ``size``'s orientation when given.

    Ties (every setting of a free provider costs $0) go to the lower shadow price, then tier.
    """
    from lessonreel.video.pricing.charges import shadow_price

    candidates = [table.model_spec(provider, model)] if model else table.specs(provider)
    options = [(spec, s) for spec in candidates for s in spec.sizes]
    if size is not None:
        shaped = [(spec, s) for spec, s in options if orientation(s) == orientation(size)]
        options = shaped or options
    if not options:
        raise ProviderError.invalid(f"no priced model for provider {provider!r}")

    def key(option: tuple[ModelSpec, str]) -> tuple[float, float, int]:
        spec, s = option
        seconds = spec.seconds[0]
        shadow = shadow_price(table, provider, spec.model, s, seconds)
        return spec.cost(seconds, s), shadow if shadow is not None else float("inf"), spec.tier

    spec, best = min(options, key=key)
    return spec.model, best


def next_tier(table: PriceTable, provider: str, model: str) -> str:
    """Return the model one tier up from ``model`` on ``provider`` (itself when it is the top)."""
    current = table.model_spec(provider, model)
    higher = sorted((s for s in table.specs(provider) if s.tier > current.tier), key=_tier)
    return higher[0].model if higher else current.model


def _tier(spec: ModelSpec) -> int:
    return spec.tier
