"""What a run costs: the estimate before any paid call, charges as jobs end, committed spend.

Two figures, never mixed: the **charge** (what the run's own provider bills; $0 on the local
emulator; the only figure a budget caps) and the **shadow price** (what the same clips would
cost on the provider a free one is priced as, ``SHADOW_PROVIDER``; shown, never enforced).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from pydantic import BaseModel, Field

from lessonreel.video.pricing.catalog import SHADOW_PROVIDER
from lessonreel.video.pricing.table import PriceTable
from lessonreel.video.types import ProviderError, VideoJob


class CostEstimate(BaseModel):
    """The estimate shown before any paid call (the one estimate model of the project)."""

    provider: str = Field(description="Provider the run uses.")
    model: str = Field(description="Video model the run asks for.")
    size: str = Field(description="Clip size.")
    seconds: int = Field(ge=0, description="Total seconds to render.")
    usd: float = Field(ge=0, description="Estimated charge on the run's provider.")
    shadow_provider: str | None = Field(
        default=None, description="Provider a free run is priced as (its shadow price)."
    )
    shadow_usd: float = Field(
        default=0.0, ge=0, description="Shadow price: the run on shadow_provider (not enforced)."
    )
    per_shot: dict[int, float] = Field(default_factory=dict, description="USD per shot index.")
    speech_usd: float = Field(default=0.0, ge=0, description="Estimated narration (speech) cost.")


def shadow_provider(provider: str) -> str | None:
    """Return the provider a free ``provider`` is priced as (None for one that charges)."""
    return SHADOW_PROVIDER.get(provider)


def shadow_price(
    table: PriceTable, provider: str, model: str, size: str, seconds: int
) -> float | None:
    """What one clip would cost on ``provider``'s shadow provider; None when not sold there."""
    shadow = shadow_provider(provider)
    if shadow is None:
        return None
    spec = table.find(shadow, model)
    if spec is None or seconds not in spec.seconds or size not in spec.price_per_second:
        return None
    return spec.cost(seconds, size)


def shadow_cost(table: PriceTable, provider: str, model: str, size: str, seconds: int) -> float:
    """One clip in a report's shadow total: a free provider's shadow price, else the charge."""
    if shadow_provider(provider) is None:
        return charge(table, provider, model, size, seconds)
    found = shadow_price(table, provider, model, size, seconds)
    return found if found is not None else 0.0


def shadow_text(shadow_provider: str, usd: float) -> str:
    """How every front end names the shadow price: shown, never charged, never enforced."""
    return f"shadow price on {shadow_provider}: ${usd:.2f}, not charged"


def charge(table: PriceTable, provider: str, model: str, size: str, seconds: int) -> float:
    """USD ``provider`` charges for one clip (0 when the setting is not priced: never a crash)."""
    try:
        return table.price(provider, model, size, seconds)
    except ProviderError:
        return 0.0


def estimate(
    table: PriceTable,
    *,
    provider: str,
    model: str,
    size: str,
    durations: Sequence[tuple[int, int]],
) -> CostEstimate:
    """Seconds × $/s for every ``(shot index, seconds)``; the shadow price for a free provider.

    Raises ``ProviderError(invalid_request)`` for a model or size the provider does not sell.
    """
    spec = table.model_spec(provider, model)
    spec.rate(size)
    per_shot = {index: spec.cost(seconds, size) for index, seconds in durations}
    shadow = shadow_provider(provider)
    if shadow is not None:
        prices = (shadow_price(table, provider, spec.model, size, s) for _, s in durations)
        shadow_usd = sum(p for p in prices if p is not None)
    else:
        shadow_usd = sum(per_shot.values())
    return CostEstimate(
        provider=provider,
        model=spec.model,
        size=size,
        seconds=sum(s for _, s in durations),
        usd=round(sum(per_shot.values()), 4),
        shadow_provider=shadow,
        shadow_usd=round(shadow_usd, 4),
        per_shot=per_shot,
    )


def billed(job: VideoJob) -> bool:
    """True when the provider rendered the clip (and charged for it), fetchable or not.

    A link that expired after the render still cost money: the client reports such a job as
    ``expired`` with ``completed_at`` set. An ``expired`` job without it (OpenRouter's time to
    live, Veo's vanished operation) never rendered and is not charged.
    """
    if job.status == "succeeded":
        return True
    return job.completed_at is not None and job.status not in {"failed", "canceled"}


class SpendLedger(Protocol):
    """The part of the job ledger committed spend is read from."""

    def spent(self, run_id: str, *, shadow: bool = False) -> float:
        """USD charged for a run (``shadow=True``: the shadow total)."""
        ...

    def uncharged_jobs(self, run_id: str) -> list[dict[str, Any]]:
        """Jobs the provider may still charge for (open, or finished and not yet charged)."""
        ...


def committed_usd(ledger: SpendLedger, run_id: str, table: PriceTable) -> float:
    """Charged so far plus what jobs not yet charged will be (what the budget counts).

    The uncharged jobs are read before the spend: a charge landing in between is then counted
    twice for one decision (the safe side), never not at all.
    """
    in_flight = 0.0
    for job in ledger.uncharged_jobs(run_id):
        try:
            in_flight += table.price(
                job["provider"], job["model"], job["size"], int(job["seconds"])
            )
        except (ProviderError, TypeError, ValueError, KeyError):
            in_flight += float(job.get("estimate_usd") or 0.0)
    return round(ledger.spent(run_id) + in_flight, 6)
