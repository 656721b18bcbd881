"""From storyboard to render plan: model and size per run, shot prompts, the cost estimate.

Pure functions over the storyboard, the context and the run's price table, shared by the graph's
nodes, ``lessonreel plan`` and the notebook API, so the estimate a user sees before a run is
exactly the one the run stores. The prices themselves live in :mod:`lessonreel.video.pricing`.
"""

from __future__ import annotations

from lessonreel.agents.schemas import ShotPrompt, Storyboard
from lessonreel.graph.context import Context
from lessonreel.graph.services import price_table
from lessonreel.video import pricing
from lessonreel.video.narration.registry import default_voice, speech_usd_per_char
from lessonreel.video.pricing import CostEstimate, ModelSpec, PriceTable


def render_settings(context: Context, prices: PriceTable | None = None) -> tuple[ModelSpec, str]:
    """Return the model spec and size a run renders at; ``draft`` picks the cheapest legal setting.

    Raises ``ProviderError(invalid_request)`` naming the legal choices when the configured
    model or size is not one the provider accepts.
    """
    table = prices or price_table(context)
    if context.draft:
        model, size = pricing.draft(table, context.provider, size=context.size)
        return table.model_spec(context.provider, model), size
    spec = table.model_spec(context.provider, context.video_model)
    spec.rate(context.size)
    return spec, context.size


def legal_seconds(context: Context) -> tuple[int, ...]:
    """Clip lengths the run's model accepts (the director draws durations from these)."""
    seconds: tuple[int, ...] = render_settings(context)[0].seconds
    return seconds


def render_prompts(storyboard: Storyboard, *, size: str) -> dict[int, ShotPrompt]:
    """Return the provider prompt for every shot, from the shared shot template."""
    from lessonreel.agents.shot_prompt import render_shot_prompt

    return {
        shot.index: render_shot_prompt(storyboard, shot, size=size) for shot in storyboard.shots
    }


def run_voice(context: Context) -> str:
    """The voice a run narrates with: ``--voice``, else the default for the configured keys."""
    return context.voice or default_voice(context.speech_base_url)


def speech_estimate(storyboard: Storyboard, context: Context) -> float:
    """USD the narration will cost: its characters × the voice's price (0 offline)."""
    if not context.narration:
        return 0.0
    chars = sum(len(s.narration) for s in storyboard.shots)
    return round(chars * speech_usd_per_char(run_voice(context), context.speech_model), 4)


def estimate(
    storyboard: Storyboard, context: Context, prices: PriceTable | None = None
) -> CostEstimate:
    """Seconds × $/s per shot on the run's provider, and the shadow price for a free one."""
    table = prices or price_table(context)
    spec, size = render_settings(context, table)
    cost = pricing.estimate(
        table,
        provider=context.provider,
        model=spec.model,
        size=size,
        durations=[(s.index, s.duration) for s in storyboard.shots],
    )
    return cost.model_copy(update={"speech_usd": speech_estimate(storyboard, context)})


def next_tier(provider: str, model: str, prices: PriceTable | None = None) -> str:
    """Return the model one tier up from ``model`` on ``provider`` (itself when it is the top)."""
    return pricing.next_tier(prices or PriceTable.default(), provider, model)
