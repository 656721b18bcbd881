"""Run configuration: the ``Context`` the graph reads from ``Runtime[Context]``.

Configuration never travels through graph state; it is passed per run as ``context=`` (the CLI,
the notebook API) or from the assistant's context in Studio. Every field can fall back to a
``LESSONREEL_<FIELD>`` environment variable, so a deployment is configured without code. API keys
are deliberately not fields: providers read them from their own environment variables, so they
never reach state, checkpoints, the ledger or reports.
"""

from __future__ import annotations

import asyncio
import os
import types
import typing
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from pydantic.json_schema import SkipJsonSchema

ENV_PREFIX = "LESSONREEL_"

TierPolicy = Literal["downgrade", "strict"]
AgentChoice = Literal["auto", "llm", "offline"]
AGENT_CHOICES = ("auto", "llm", "offline")


def _describe(text: str) -> dict[str, str]:
    return {"description": text}


_RUN = {"description": "Set by the run itself; not configuration."}


@dataclass(kw_only=True)
class Context:
    """Everything one run is configured with; Studio shows each description."""

    provider: str = field(
        default="local",
        metadata=_describe(
            "Video provider: local (in-process emulator, $0), openai, azure, or any registered one."
        ),
    )
    base_url: str | None = field(
        default=None,
        metadata=_describe("Provider base URL, e.g. an emulator or gateway; default per provider."),
    )
    video_model: str = field(
        default="sora-2", metadata=_describe("Video model id (or Azure deployment name).")
    )
    director: AgentChoice = field(
        default="auto",
        metadata=_describe(
            "Director: 'llm' (chat model), 'offline' (deterministic, no network), or 'auto' "
            "(LLM when a chat key such as OPENAI_API_KEY is set)."
        ),
    )
    sanitizer: AgentChoice = field(
        default="auto",
        metadata=_describe(
            "Sanitizer: 'llm', 'offline' (blocklist substitutions), or 'auto' (LLM with a key)."
        ),
    )
    director_model: str | None = field(
        default=None,
        metadata=_describe("Chat model for the director; offline director when no key is set."),
    )
    sanitizer_model: str | None = field(
        default=None,
        metadata=_describe("Chat model for the sanitizer; offline rewrites when no key is set."),
    )
    chat_base_url: str | None = field(
        default=None,
        metadata=_describe("OpenAI-compatible base URL for the chat models (director/sanitizer)."),
    )
    tier_policy: TierPolicy = field(
        default="downgrade",
        metadata=_describe(
            "Near the budget cap: 'downgrade' to a cheaper model/size before refusing, or 'strict'."
        ),
    )
    budget_usd: float | None = field(
        default=None,
        metadata=_describe("Spend cap for the run in USD, enforced at dispatch; none by default."),
    )
    target_seconds: int | None = field(
        default=None,
        metadata=_describe(
            "Intended length of the lesson video in seconds; default from the lesson (about a "
            "minute per objective)."
        ),
    )
    narration: bool = field(
        default=True, metadata=_describe("Speak the narration over the video (a voice-over).")
    )
    voice: str | None = field(
        default=None,
        metadata=_describe(
            "Narrator's voice (lessonreel voices); default an OpenAI voice when a key is set, "
            "else the offline voice."
        ),
    )
    speaking_rate: float = field(
        default=1.0,
        metadata=_describe("Narration speed: 1.0 natural, 0.8 slower, 1.2 faster (0.5-2.0)."),
    )
    speech_base_url: str | None = field(
        default=None,
        metadata=_describe(
            "OpenAI-compatible base URL for speech (/audio/speech), e.g. the emulator."
        ),
    )
    speech_model: str = field(
        default="gpt-4o-mini-tts", metadata=_describe("Speech model for an online voice.")
    )
    size: str = field(default="1280x720", metadata=_describe("Clip size WIDTHxHEIGHT."))
    grade_band: str | None = field(
        default=None,
        metadata=_describe("Audience grade band (K-2, 3-5, 6-8, 9-12); guessed from the text."),
    )
    max_concurrent_jobs: int = field(
        default=8,
        metadata=_describe(
            "Shots rendered at the same time (provider jobs in flight; jobs render for minutes, "
            "the provider's own gate still caps concurrent HTTP requests)."
        ),
    )
    rpm: float | None = field(
        default=None,
        metadata=_describe(
            "Client-side cap on provider requests per minute (all calls); provider default if unset"
        ),
    )
    create_rpm: float | None = field(
        default=None,
        metadata=_describe(
            "Client-side cap on job creations per minute (Azure allows few); provider default if "
            "unset."
        ),
    )
    max_sanitize_rounds: int = field(
        default=2, metadata=_describe("Rewrites per shot before it is given up (slate + reason).")
    )
    max_retries: int = field(
        default=3, metadata=_describe("Retries per shot for transient provider failures.")
    )
    poll_interval: float = field(
        default=1.0, metadata=_describe("First polling delay in seconds; grows with backoff.")
    )
    max_poll_interval: float = field(
        default=15.0, metadata=_describe("Longest delay between two polls of one job, seconds.")
    )
    job_timeout: float = field(
        default=1800.0, metadata=_describe("Seconds to wait for one provider job before retrying.")
    )
    review: bool = field(
        default=False,
        metadata=_describe("Pause after the storyboard so a human can approve or edit it."),
    )
    draft: bool = field(
        default=False, metadata=_describe("Render every shot at the cheapest legal setting.")
    )
    output_dir: str | None = field(
        default=None,
        metadata=_describe("Where lesson.mp4, captions and the report go; default the run dir."),
    )
    burn_captions: bool = field(
        default=False,
        metadata=_describe("Burn captions into the picture (they are a soft track by default)."),
    )
    emulator_config: str | None = field(
        default=None,
        metadata=_describe("YAML/JSON emulator config for the local provider (faults, latency)."),
    )

    debug: bool = field(
        default=False,
        metadata=_describe("Show tracebacks of expected failures (chat server down, bad key)."),
    )
    prices: str | None = field(
        default=None,
        metadata=_describe(
            "JSON price file: models to add to, or replace in, the built-in price table "
            "(new models, negotiated prices)."
        ),
    )
    services: SkipJsonSchema[Any] = field(
        default=None, init=False, repr=False, compare=False, metadata=_RUN
    )
    """The run's ``graph.services.Services`` (set by the run, never configured)."""
    services_lock: SkipJsonSchema[Any] = field(
        default_factory=asyncio.Lock, init=False, repr=False, compare=False, metadata=_RUN
    )
    """Builds the services once when several nodes ask at the same time."""

    def __post_init__(self) -> None:
        """Fill fields still at their default from ``LESSONREEL_<FIELD>`` variables."""
        hints = typing.get_type_hints(type(self))
        for f in fields(self):
            if not f.init or getattr(self, f.name) != f.default:
                continue
            raw = os.environ.get(ENV_PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            setattr(self, f.name, _coerce(f.name, raw, hints[f.name]))
        for role in ("director", "sanitizer"):
            value = getattr(self, role)
            if value not in AGENT_CHOICES:
                raise ValueError(
                    f"{role} {value!r}: choose one of {', '.join(AGENT_CHOICES)} "
                    f"(--{role} or {ENV_PREFIX}{role.upper()})"
                )

    def options(self) -> dict[str, Any]:
        """Return the settings as JSON values (stored in the ledger so resume can rebuild them)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.init}

    @classmethod
    def from_options(cls, options: dict[str, Any], **overrides: Any) -> Context:
        """Rebuild a context stored with :meth:`options`, ignoring unknown keys."""
        names = {f.name for f in fields(cls) if f.init}
        values = {k: v for k, v in options.items() if k in names}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def _coerce(name: str, raw: str, hint: Any) -> Any:
    """Turn an environment string into the field's type; a bad value names the variable."""
    base = hint
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        base = next(a for a in typing.get_args(hint) if a is not type(None))
    try:
        if base is bool:
            value = raw.strip().lower()
            if value in {"1", "true", "yes", "on"}:
                return True
            if value in {"0", "false", "no", "off"}:
                return False
            raise ValueError(raw)
        if base is int:
            return int(raw)
        if base is float:
            return float(raw)
    except ValueError:
        raise ValueError(
            f"{ENV_PREFIX}{name.upper()}={raw!r} is not a valid {base.__name__}"
        ) from None
    return raw
