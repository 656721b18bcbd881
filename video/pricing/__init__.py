"""Pricing in one place: the table (legal settings, $/s), the tier policy and charges.

- :mod:`.table`: :class:`PriceTable`, owned by a run's services and by each provider client.
- :mod:`.catalog`: the built-in price list and the shadow provider of a free one.
- :mod:`.policy`: budget decisions (allow / downgrade / refuse), draft settings, next tier.
- :mod:`.charges`: the one estimate model, charges, shadow prices, committed spend.
"""

from __future__ import annotations

from lessonreel.video.pricing.catalog import BUILTIN_SPECS, SHADOW_PROVIDER
from lessonreel.video.pricing.charges import (
    CostEstimate,
    billed,
    charge,
    committed_usd,
    estimate,
    shadow_cost,
    shadow_price,
    shadow_provider,
    shadow_text,
)
from lessonreel.video.pricing.policy import (
    POLICIES,
    Decision,
    Policy,
    cheaper_settings,
    decide,
    draft,
    next_tier,
    orientation,
    policy_named,
)
from lessonreel.video.pricing.table import ModelSpec, PriceTable, write_price_file

__all__ = [
    "BUILTIN_SPECS",
    "POLICIES",
    "SHADOW_PROVIDER",
    "CostEstimate",
    "Decision",
    "ModelSpec",
    "Policy",
    "PriceTable",
    "billed",
    "charge",
    "cheaper_settings",
    "committed_usd",
    "decide",
    "draft",
    "estimate",
    "next_tier",
    "orientation",
    "policy_named",
    "shadow_cost",
    "shadow_price",
    "shadow_provider",
    "shadow_text",
    "write_price_file",
]
