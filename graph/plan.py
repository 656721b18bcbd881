"""From storyboard to render plan: model and size per run, shot prompts, the cost estimate.

Pure functions over the storyboard, the context and the price table, shared by the graph's
nodes, ``lessonreel plan`` and the notebook API, so the estimate a user sees before a run is
exactly the one the run stores.
"""

from __future__ import annotations

from lessonreel.agents.schemas import ShotPrompt, Storyboard
from lessonreel.graph.context import Context
from lessonreel.graph.state import CostEstimate
from lessonreel.video import pricing
from lessonreel.video.narration.registry import default_voice, speech_usd_per_char
from lessonreel.video.pricing import ModelSpec


def render_settings(context: Context) -> tuple[ModelSpec, str]:
    """Return the model spec and size a run renders at; ``draft`` picks the cheapest legal setting.

    Raises ``ProviderError(invalid_request)`` naming the legal choices when the configured
    model or size is not one the provider accepts.
    """
    if context.draft:
        from lessonreel.graph.budget import draft

        model, size = draft(context.provider, size=context.size)
        return pricing.model_spec(context.provider, model), size
    spec = pricing.model_spec(context.provider, context.video_model)
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


def shot_cost(provider: str, model: str, size: str, seconds: int) -> float:
    """USD for one clip on ``provider`` (0 when the model or size is not priced there)."""
    try:
        usd: float = pricing.model_spec(provider, model).cost(seconds, size)
        return usd
    except Exception:  # an unpriced combination is reported as 0, never a crash
        return 0.0


def shadow_provider(provider: str) -> str | None:
    """Return the real provider a free provider's runs are priced against."""
    shadow: str | None = pricing.SHADOW_PROVIDER.get(provider)
    return shadow


def run_voice(context: Context) -> str:
    """The voice a run narrates with: ``--voice``, else the default for the configured keys."""
    return context.voice or default_voice(context.speech_base_url)


def speech_estimate(storyboard: Storyboard, context: Context) -> float:
    """USD the narration will cost: its characters × the voice's price (0 offline)."""
    if not context.narration:
        return 0.0
    chars = sum(len(s.narration) for s in storyboard.shots)
    return round(chars * speech_usd_per_char(run_voice(context), context.speech_model), 4)


def estimate(storyboard: Storyboard, context: Context) -> CostEstimate:
    """Seconds × $/s per shot on the run's provider, and on the shadow provider for a free one."""
    spec, size = render_settings(context)
    per_shot = {
        s.index: shot_cost(context.provider, spec.model, size, s.duration) for s in storyboard.shots
    }
    shadow = shadow_provider(context.provider)
    shadow_usd = (
        sum(shot_cost(shadow, spec.model, size, s.duration) for s in storyboard.shots)
        if shadow
        else sum(per_shot.values())
    )
    return CostEstimate(
        provider=context.provider,
        model=spec.model,
        size=size,
        seconds=storyboard.total_seconds,
        usd=round(sum(per_shot.values()), 4),
        shadow_provider=shadow,
        shadow_usd=round(shadow_usd, 4),
        per_shot=per_shot,
        speech_usd=speech_estimate(storyboard, context),
    )


def next_tier(provider: str, model: str) -> str:
    """Return the model one tier up from ``model`` on ``provider`` (itself when it is the top)."""
    current = pricing.model_spec(provider, model)
    higher = sorted(
        (s for s in pricing.specs(provider) if s.tier > current.tier), key=lambda s: s.tier
    )
    model_id: str = higher[0].model if higher else current.model
    return model_id
