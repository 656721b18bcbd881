"""Emulator configuration: render latency and every injectable fault, all off by default.

One pydantic model read from CLI flags or a YAML/JSON file (``--config FILE``). Fault decisions
are drawn from ``seed`` per (fault kind, request ordinal), so the same config and the same request
sequence always produce the same wire responses — reliability tests depend on that.
Unknown keys are rejected so a typo in a fault file fails loudly instead of silently doing nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Scope = Literal["create", "all"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModerationFaults(_Section):
    """Prompts containing these terms (case-insensitive, whole words) are blocked."""

    submit_terms: list[str] = Field(
        default_factory=list, description="Blocked synchronously: HTTP 400 at create."
    )
    submit_code: str = Field(
        default="content_policy_violation",
        description="error.code of the synchronous 400 (type is invalid_request_error).",
    )
    async_terms: list[str] = Field(
        default_factory=list,
        description="Accepted, then the job fails with error.code 'moderation_blocked'.",
    )
    output_terms: list[str] = Field(
        default_factory=list,
        description="Accepted, then failed with error.code 'content_filter' (output side).",
    )


class RateLimitFaults(_Section):
    """HTTP 429 'Rate limit reached for requests' with retry-after / retry-after-ms."""

    rpm: int | None = Field(default=None, ge=1, description="Requests per sliding minute.")
    window: float = Field(
        default=60.0,
        gt=0,
        description="Length of the sliding window in seconds (a shorter one scales the RPM "
        "down in time: rpm 6 over 6 s is 60 per minute without a minute's burst).",
    )
    first: int = Field(default=0, ge=0, description="The first N requests in scope get a 429.")
    scope: Scope = Field(default="create", description="Which requests count: creates or all.")
    retry_after: float | None = Field(
        default=None,
        ge=0,
        description="Fixed retry-after seconds; default: time until the RPM window frees (1 s "
        "for the `first` burst).",
    )


class QuotaFaults(_Section):
    """HTTP 429 insufficient_quota once N jobs were created."""

    max_creates: int | None = Field(default=None, ge=0, description="Jobs allowed before 429.")


class ServerErrorFaults(_Section):
    """HTTP 5xx responses (a burst of the first N requests, or a seeded rate)."""

    first: int = Field(default=0, ge=0, description="The first N requests in scope fail.")
    rate: float = Field(default=0.0, ge=0.0, le=1.0, description="Seeded failure probability.")
    status: int = Field(default=500, ge=500, le=599, description="HTTP status to answer.")
    scope: Scope = Field(default="all", description="Which requests count: creates or all.")


class JobFailureFaults(_Section):
    """Accepted jobs that end ``failed`` (error.code 'internal_error' unless told otherwise)."""

    first: int = Field(default=0, ge=0, description="The first N created jobs fail.")
    rate: float = Field(default=0.0, ge=0.0, le=1.0, description="Seeded failure probability.")
    code: str = Field(default="internal_error", description="error.code of the failed jobs.")
    message: str | None = Field(
        default=None,
        description="error.message of the failed jobs (default: the internal-error text); a "
        "misbehaving provider that echoes a credential is configured here.",
    )


class DownloadFaults(_Section):
    """Truncated video downloads."""

    truncate_first: int = Field(default=0, ge=0, description="The first N video downloads.")
    truncate_rate: float = Field(default=0.0, ge=0.0, le=1.0, description="Seeded probability.")
    truncate_mode: Literal["content_length", "silent"] = Field(
        default="content_length",
        description="content_length: header declares the full size, the connection drops early; "
        "silent: the body is cut and Content-Length matches it (only a checksum/probe sees it).",
    )
    truncate_fraction: float = Field(
        default=0.5, gt=0.0, lt=1.0, description="Share of the body that is sent."
    )


class WebhookConfig(_Section):
    """Standard-Webhooks deliveries of video.completed / video.failed, and their faults."""

    url: str | None = Field(default=None, description="Where events are POSTed; None = off.")
    secret: str | None = Field(default=None, description="whsec_<base64> signing secret.")
    delay: float = Field(default=0.0, ge=0.0, description="Seconds to wait before delivering.")
    duplicate: int = Field(
        default=0, ge=0, description="Extra copies of every event (same webhook-id)."
    )
    drop_first: int = Field(default=0, ge=0, description="The first N events are never sent.")
    drop_rate: float = Field(default=0.0, ge=0.0, le=1.0, description="Seeded drop probability.")
    max_attempts: int = Field(default=3, ge=1, description="Attempts on non-2xx or no answer.")
    retry_delay: float = Field(default=0.5, ge=0.0, description="First retry wait; doubles.")
    timeout: float = Field(default=5.0, gt=0.0, description="Per-attempt HTTP timeout.")

    @model_validator(mode="after")
    def _secret_with_url(self) -> WebhookConfig:
        if self.url and not self.secret:
            raise ValueError("webhooks.url needs webhooks.secret (whsec_<base64>) to sign events")
        return self


class EmulatorConfig(_Section):
    """Everything the emulator can be told; the defaults are a well-behaved provider."""

    seed: int = Field(default=0, description="Seed for every fault decision and clip render.")
    latency: float = Field(default=3.0, ge=0.0, description="Seconds from create to completion.")
    latency_jitter: float = Field(
        default=0.0, ge=0.0, le=1.0, description="Seeded ± share of latency per job."
    )
    queued_share: float = Field(
        default=0.1, ge=0.0, le=1.0, description="Share of latency a job spends 'queued'."
    )
    expires_after: float = Field(
        default=3600.0, gt=0.0, description="Seconds after completion the content expires."
    )
    poll_after_ms: int | None = Field(
        default=None, ge=1, description="openai-poll-after-ms hint; default from latency."
    )
    provider: Literal["local", "openai", "azure"] = Field(
        default="local", description="Pricing-table provider whose models/sizes/seconds are legal."
    )
    lenient: bool = Field(
        default=False,
        description="Also accept any even WxH up to 1920 and 1-20 seconds (fast tests only).",
    )
    api_key: str | None = Field(
        default=None, description="When set, requests must carry it (Bearer or api-key header)."
    )
    max_body_bytes: int = Field(
        default=64 << 20,
        ge=1024,
        description="Largest request body read (larger: HTTP 413 before the rest is read).",
    )
    fps: int = Field(default=24, ge=1, le=60, description="Frame rate of rendered clips.")
    look: Literal["animatic", "still"] = Field(
        default="animatic",
        description="animatic: the shot's plate with its camera move and dialogue captions; "
        "still: the plate held, same sound (cheap, for runs that draw their own picture).",
    )
    cache_dir: Path | None = Field(
        default=None, description="Render cache; default a temp dir removed on close."
    )
    moderation: ModerationFaults = Field(default_factory=ModerationFaults)
    rate_limit: RateLimitFaults = Field(default_factory=RateLimitFaults)
    quota: QuotaFaults = Field(default_factory=QuotaFaults)
    server_errors: ServerErrorFaults = Field(default_factory=ServerErrorFaults)
    failures: JobFailureFaults = Field(default_factory=JobFailureFaults)
    downloads: DownloadFaults = Field(default_factory=DownloadFaults)
    webhooks: WebhookConfig = Field(default_factory=WebhookConfig)


def load_config(path: Path, **overrides: Any) -> EmulatorConfig:
    """Read a YAML or JSON config file; keyword ``overrides`` (non-None) win over the file."""
    text = Path(path).read_text(encoding="utf-8")
    data: Any
    if Path(path).suffix.lower() == ".json":
        data = json.loads(text)
    else:
        import yaml

        data = yaml.safe_load(text)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    for key, value in overrides.items():
        if value is None:
            continue
        if key.startswith("webhook_"):
            data.setdefault("webhooks", {})[key.removeprefix("webhook_")] = value
        else:
            data[key] = value
    return EmulatorConfig.model_validate(data)
