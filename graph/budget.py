"""Cost governance: estimates, the tier policy near the budget cap, and draft settings.

Pure functions over :mod:`lessonreel.video.pricing`, so ``lessonreel plan``, the dispatcher and
the tests all reach the same decision from the same numbers. A free ``local`` run is priced
against its shadow provider (``pricing.SHADOW_PROVIDER``: "what this would cost on openai") and
the budget applies to those shadow figures, so a local run rehearses exactly what a paid run
would do; its billable amount stays $0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from lessonreel.video import pricing
from lessonreel.video.pricing import ModelSpec
from lessonreel.video.types import ErrorKind, JobError, ProviderError

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


class ShotCost(BaseModel):
    """The price of one shot."""

    model_config = ConfigDict(frozen=True)

    index: int = Field(description="Position in the storyboard.")
    seconds: int = Field(description="Clip length.")
    size: str = Field(description="WIDTHxHEIGHT.")
    usd: float = Field(description="Price on the priced-as provider.")
    billable_usd: float = Field(description="What the run's own provider bills (0 for local).")


class Estimate(BaseModel):
    """Seconds × $/s for every shot, before any paid call."""

    model_config = ConfigDict(frozen=True)

    provider: str = Field(description="The provider the run uses.")
    model: str = Field(description="The model the run uses.")
    priced_as: str = Field(description="Provider whose prices are quoted (shadow for local).")
    shots: tuple[ShotCost, ...] = Field(description="Per-shot prices, in storyboard order.")
    total_usd: float = Field(description="Sum of per-shot prices on ``priced_as``.")
    billable_usd: float = Field(description="Sum the run's own provider will bill.")

    @property
    def shadow(self) -> bool:
        """True when the quoted prices are another provider's ("what it would cost")."""
        return self.priced_as != self.provider


class Decision(BaseModel):
    """What the tier policy says about one request."""

    model_config = ConfigDict(frozen=True)

    action: Action = Field(description="allow, downgrade (to ``model``/``size``) or refuse.")
    model: str = Field(description="Model to render with (the request's own when allowed).")
    size: str = Field(description="Size to render at (same orientation as requested).")
    seconds: int = Field(description="Clip length (never changed: the storyboard owns timing).")
    usd: float = Field(description="Price of the chosen setting on the priced-as provider.")
    billable_usd: float = Field(description="What the run's provider will bill for it.")
    reason: str = Field(description="One line a user can read in the report.")


def _invalid(message: str) -> ProviderError:
    return ProviderError(JobError(kind=ErrorKind.INVALID_REQUEST, message=message))


def priced_as(provider: str) -> str:
    """Return the provider whose prices govern ``provider`` (its shadow, or itself)."""
    shadow: str = pricing.SHADOW_PROVIDER.get(provider, provider)
    return shadow


def spend_kind(provider: str) -> Literal["charge", "shadow"]:
    """Return the ledger spend kind the budget counts for ``provider``."""
    return "shadow" if provider in pricing.SHADOW_PROVIDER else "charge"


def price(provider: str, model: str, size: str, seconds: int) -> float:
    """USD the request costs on the priced-as provider (raises for an illegal setting)."""
    spec = pricing.model_spec(provider, model)
    _check_seconds(spec, seconds)
    spec.rate(size)
    shadow = priced_as(provider)
    if shadow != provider:
        try:
            shadow_usd: float = pricing.model_spec(shadow, model).cost(seconds, size)
            return shadow_usd
        except ProviderError:
            pass  # not sold there: fall back to the provider's own price
    usd: float = spec.cost(seconds, size)
    return usd


def billable(provider: str, model: str, size: str, seconds: int) -> float:
    """USD the run's own provider bills (0 for the local emulator)."""
    usd: float = pricing.model_spec(provider, model).cost(seconds, size)
    return usd


def _check_seconds(spec: ModelSpec, seconds: int) -> None:
    if seconds not in spec.seconds:
        allowed = ", ".join(str(s) for s in spec.seconds)
        raise _invalid(
            f"seconds={seconds} is not legal for {spec.provider}/{spec.model}; allowed: {allowed}"
        )


def estimate(shots: Sequence[tuple[int, str]], provider: str, model: str) -> Estimate:
    """Price ``(seconds, size)`` shots on ``provider``/``model``; illegal settings raise."""
    costs = tuple(
        ShotCost(
            index=i,
            seconds=seconds,
            size=size,
            usd=price(provider, model, size, seconds),
            billable_usd=billable(provider, model, size, seconds),
        )
        for i, (seconds, size) in enumerate(shots)
    )
    return Estimate(
        provider=provider,
        model=pricing.model_spec(provider, model).model,
        priced_as=priced_as(provider),
        shots=costs,
        total_usd=round(sum(c.usd for c in costs), 4),
        billable_usd=round(sum(c.billable_usd for c in costs), 4),
    )


def orientation(size: str) -> Literal["landscape", "portrait", "square"]:
    """Return the orientation of ``WIDTHxHEIGHT``."""
    width, height = (int(part) for part in size.lower().split("x"))
    if width == height:
        return "square"
    return "landscape" if width > height else "portrait"


def cheaper_settings(provider: str, model: str, size: str, seconds: int) -> list[tuple[str, str]]:
    """List legal cheaper ``(model, size)`` settings, dearest first.

    Same orientation and clip length, a tier no higher, a lower price: on openai,
    sora-2-pro 1920x1080 → pro 1792x1024 → pro 1280x720 → sora-2 1280x720.
    """
    current = pricing.model_spec(provider, model)
    cost = price(provider, model, size, seconds)
    shape = orientation(size)
    found: list[tuple[float, int, str, str]] = []
    for spec in pricing.specs(provider):
        if spec.tier > current.tier or seconds not in spec.seconds:
            continue
        for candidate in spec.sizes:
            if orientation(candidate) != shape:
                continue
            usd = price(provider, spec.model, candidate, seconds)
            if usd < cost - _EPS:
                found.append((usd, spec.tier, spec.model, candidate))
    found.sort(key=lambda c: (-c[0], -c[1]))
    return [(m, s) for _, _, m, s in found]


def decide(
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
    """Allow, downgrade or refuse one request against the budget.

    ``spent_usd`` is what the run has spent *plus* what its in-flight jobs will cost;
    ``reserve_usd`` is money to keep for shots still to come (it only moves the soft cap, so
    a run delivers what it can afford instead of refusing early). Near the cap the request is
    downgraded to the dearest cheaper setting that stays under the soft cap; failing that, to
    the cheapest setting that still fits; only when nothing fits is it refused.
    """
    rules = policy_named(policy)
    cost = price(provider, model, size, seconds)

    def make(action: Action, m: str, s: str, reason: str) -> Decision:
        return Decision(
            action=action,
            model=m,
            size=s,
            seconds=seconds,
            usd=price(provider, m, s, seconds) if action != "refuse" else 0.0,
            billable_usd=billable(provider, m, s, seconds) if action != "refuse" else 0.0,
            reason=reason,
        )

    if budget_usd is None:
        return make("allow", model, size, "no budget set")
    hard = budget_usd - spent_usd
    soft = budget_usd * rules.soft_cap - spent_usd - reserve_usd
    if cost <= soft + _EPS:
        return make("allow", model, size, f"${cost:.2f} fits the budget (${hard:.2f} left)")
    options = cheaper_settings(provider, model, size, seconds) if rules.downgrade else []
    for m, s in options:
        if price(provider, m, s, seconds) <= soft + _EPS:
            return make(
                "downgrade", m, s, f"near the ${budget_usd:.2f} cap: {model} {size} → {m} {s}"
            )
    for m, s in [*reversed(options), (model, size)]:
        if price(provider, m, s, seconds) <= hard + _EPS:
            action: Action = "allow" if (m, s) == (model, size) else "downgrade"
            return make(action, m, s, f"last ${hard:.2f} of the ${budget_usd:.2f} budget")
    cheapest = min([cost, *(price(provider, m, s, seconds) for m, s in options)])
    return make(
        "refuse",
        model,
        size,
        f"budget ${budget_usd:.2f} reached: ${max(spent_usd, 0):.2f} spent or committed, "
        f"this shot needs at least ${cheapest:.2f}",
    )


def draft(provider: str, model: str | None = None, *, size: str | None = None) -> tuple[str, str]:
    """Return the cheapest legal ``(model, size)``, keeping ``size``'s orientation when given."""
    if size is None and priced_as(provider) == provider:
        spec, cheapest_size, _ = pricing.cheapest(provider, model)
        return spec.model, cheapest_size
    candidates = [pricing.model_spec(provider, model)] if model else pricing.specs(provider)
    options = [(spec, s) for spec in candidates for s in spec.sizes]
    if size is not None:
        shaped = [(spec, s) for spec, s in options if orientation(s) == orientation(size)]
        options = shaped or options
    if not options:
        raise _invalid(f"no priced model for provider {provider!r}")
    spec, best = min(
        options, key=lambda o: (price(provider, o[0].model, o[1], o[0].seconds[0]), o[0].tier)
    )
    return spec.model, best


class _SpendLedger(Protocol):
    def spent(self, run_id: str, *, shadow: bool = False) -> float: ...
    def open_jobs(self, run_id: str | None = None) -> list[dict[str, Any]]: ...


def committed_usd(ledger: _SpendLedger, run_id: str, provider: str) -> float:
    """Spent so far plus the priced cost of jobs still in flight (what the budget counts)."""
    settled = ledger.spent(run_id, shadow=spend_kind(provider) == "shadow")
    in_flight = 0.0
    for job in ledger.open_jobs(run_id):
        try:
            in_flight += price(job["provider"], job["model"], job["size"], int(job["seconds"]))
        except (ProviderError, TypeError, ValueError, KeyError):
            in_flight += float(job.get("estimate_usd") or 0.0)
    return round(settled + in_flight, 6)


def decide_for_dispatch(
    *,
    ledger: _SpendLedger,
    run_id: str,
    provider: str,
    model: str,
    size: str,
    seconds: int,
    budget_usd: float | None,
    policy: str | Policy = "downgrade",
    reserve_usd: float = 0.0,
) -> dict[str, Any]:
    """Read the run's spend from the ledger and decide; a dict with ``refuse`` for the node."""
    decision = decide(
        budget_usd=budget_usd,
        spent_usd=committed_usd(ledger, run_id, provider),
        provider=provider,
        model=model,
        size=size,
        seconds=seconds,
        reserve_usd=reserve_usd,
        policy=policy,
    )
    return {**decision.model_dump(), "refuse": decision.action == "refuse"}
