"""Provider-neutral job vocabulary shared by every provider, the dispatcher and the ledger.

Each provider maps its own statuses and errors onto these, so the workflow decides what to do
(retry, sanitize, pause, stop) from one table instead of per-provider special cases.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

JobStatus = Literal["queued", "running", "succeeded", "failed", "canceled", "expired"]
TERMINAL_STATUSES: frozenset[str] = frozenset({"succeeded", "failed", "canceled", "expired"})

Variant = Literal["video", "thumbnail", "spritesheet"]


class ErrorKind(StrEnum):
    """Neutral error kinds; see :data:`ERROR_ACTIONS` for what each implies."""

    INVALID_REQUEST = "invalid_request"
    CONTENT_POLICY = "content_policy"
    RATE_LIMITED = "rate_limited"
    QUOTA_EXHAUSTED = "quota_exhausted"
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"


class ErrorAction(StrEnum):
    """What the dispatcher does about an error kind."""

    FAIL_SHOT = "fail_shot"
    """Terminal for this request: retrying the same payload cannot succeed."""
    SANITIZE = "sanitize"
    """Rewrite the prompt (bounded rounds), then screen and dispatch again."""
    WAIT_AND_RETRY = "wait_and_retry"
    """Honour retry-after and pause the provider's queue, then retry."""
    STOP_RUN = "stop_run"
    """Stop dispatching for the whole run; keep what is done and report it."""
    RETRY = "retry"
    """Transient: retry with jittered exponential backoff, at most N times."""


ERROR_ACTIONS: dict[ErrorKind, ErrorAction] = {
    ErrorKind.INVALID_REQUEST: ErrorAction.FAIL_SHOT,
    ErrorKind.CONTENT_POLICY: ErrorAction.SANITIZE,
    ErrorKind.RATE_LIMITED: ErrorAction.WAIT_AND_RETRY,
    ErrorKind.QUOTA_EXHAUSTED: ErrorAction.STOP_RUN,
    ErrorKind.SERVER_ERROR: ErrorAction.RETRY,
    ErrorKind.TIMEOUT: ErrorAction.RETRY,
}

TRANSIENT_KINDS: frozenset[ErrorKind] = frozenset(
    {ErrorKind.RATE_LIMITED, ErrorKind.SERVER_ERROR, ErrorKind.TIMEOUT}
)


CREATE_OUTCOME_UNKNOWN = "create_outcome_unknown"
"""``JobError.code`` of a job-creating call that may or may not have created a (paid) job.

Raised instead of retrying when the request was sent but its answer was lost (read timeout,
connection reset, 5xx): the caller must reconcile by listing the provider's jobs before it
submits again, or it may pay twice.
"""


def mask_secrets(text: str | None) -> str | None:
    """``text`` with anything shaped like a credential replaced by ``[REDACTED]``.

    Provider text (error messages, job payloads) is masked where it is parsed, so an echoed
    ``Bearer <key>`` never reaches graph state, checkpoints, the ledger, reports or output.
    """
    if not text:
        return text
    from lessonreel.store.ledger_guard import redact_secrets

    masked: str = redact_secrets(text)
    return masked


class JobError(BaseModel):
    """A provider failure mapped to a neutral kind, with the provider's own code and message."""

    model_config = ConfigDict(frozen=True)

    kind: ErrorKind = Field(description="Neutral error kind.")
    code: str | None = Field(default=None, description="Provider error code, verbatim.")
    message: str = Field(default="", description="Provider message, verbatim.")
    http_status: int | None = Field(default=None, description="HTTP status, when one was returned.")
    retry_after: float | None = Field(
        default=None, description="Seconds the provider asked us to wait before retrying."
    )

    @field_validator("message", "code")
    @classmethod
    def _masked(cls, text: str | None) -> str | None:
        return mask_secrets(text)

    @property
    def action(self) -> ErrorAction:
        """What the dispatcher does about this error."""
        return ERROR_ACTIONS[self.kind]

    @property
    def transient(self) -> bool:
        """True when the same request may succeed if retried later."""
        return self.kind in TRANSIENT_KINDS


class ProviderError(Exception):
    """Raised by a provider call that failed at the HTTP level; carries the neutral error."""

    def __init__(self, error: JobError) -> None:
        super().__init__(
            f"{error.kind.value}: {error.message}" + (f" ({error.code})" if error.code else "")
        )
        self.error = error

    @classmethod
    def invalid(cls, message: str, *, code: str | None = None) -> ProviderError:
        """A terminal ``invalid_request`` error with a message the user can act on."""
        return cls(JobError(kind=ErrorKind.INVALID_REQUEST, code=code, message=message))

    @classmethod
    def server(cls, code: str, message: str, *, http_status: int | None = None) -> ProviderError:
        """A transient provider fault (bad JSON, truncated body, missing field)."""
        return cls(
            JobError(
                kind=ErrorKind.SERVER_ERROR, code=code, message=message, http_status=http_status
            )
        )


class Continuity(BaseModel):
    """Continue from an earlier job instead of starting fresh."""

    kind: Literal["remix", "extend"] = Field(description="Remix (same shot, one change) or extend.")
    job_id: str = Field(description="Provider job id of the source video.")


class VideoRequest(BaseModel):
    """A provider-neutral request for one clip."""

    prompt: str = Field(min_length=1, description="The final, screened prompt.")
    model: str = Field(description="Provider model id (or Azure deployment name).")
    size: str = Field(default="1280x720", pattern=r"^\d+x\d+$", description="WIDTHxHEIGHT.")
    seconds: int = Field(default=4, gt=0, description="Clip length in seconds.")
    input_reference: Path | None = Field(
        default=None, description="Image used as the first frame; must match size."
    )
    continuity: Continuity | None = Field(default=None, description="Remix/extend source.")
    negative_prompt: str | None = Field(
        default=None, description="Things to avoid, for providers that take them separately."
    )
    seed: int | None = Field(default=None, description="Seed, for providers that take one.")
    generate_audio: bool = Field(default=True, description="Ask for an audio track.")
    callback_url: str | None = Field(default=None, description="Webhook URL, where supported.")
    params: dict[str, Any] = Field(
        default_factory=dict, description="Provider-specific passthrough parameters."
    )

    @property
    def width(self) -> int:
        """Frame width in pixels."""
        return int(self.size.split("x")[0])

    @property
    def height(self) -> int:
        """Frame height in pixels."""
        return int(self.size.split("x")[1])


class VideoJob(BaseModel):
    """A provider job as the dispatcher sees it."""

    id: str = Field(description="Provider job id.")
    provider: str = Field(description="Provider name (openai, openrouter, veo, local).")
    model: str = Field(default="", description="Model the job runs on.")
    status: JobStatus = Field(description="Neutral status.")
    progress: int = Field(default=0, ge=0, le=100, description="Approximate percent done.")
    created_at: float | None = Field(default=None, description="Unix seconds.")
    completed_at: float | None = Field(default=None, description="Unix seconds.")
    expires_at: float | None = Field(
        default=None, description="Unix seconds after which the content can no longer be fetched."
    )
    size: str | None = Field(default=None, description="WIDTHxHEIGHT.")
    seconds: int | None = Field(default=None, description="Clip length in seconds.")
    error: JobError | None = Field(default=None, description="Why the job failed.")
    cost_usd: float | None = Field(
        default=None, description="What the provider charged, when it reports it."
    )
    download_url: str | None = Field(
        default=None, description="Where the content can be fetched, for providers that give one."
    )
    prompt: str | None = Field(
        default=None,
        description="The prompt the provider holds for the job, when it reports it (lets a "
        "dispatcher recognise its own job when a create's answer was lost).",
    )

    @field_validator("download_url")
    @classmethod
    def _masked(cls, text: str | None) -> str | None:
        return mask_secrets(text)

    @property
    def terminal(self) -> bool:
        """True once the job will not change any more."""
        return self.status in TERMINAL_STATUSES


class Clip(BaseModel):
    """A clip stored on disk, checksummed."""

    path: Path = Field(description="Where the MP4 lives.")
    sha256: str = Field(description="Hex sha256 of the file.")
    bytes: int = Field(ge=0, description="File size.")
    duration: float | None = Field(default=None, description="Seconds, when probed.")
    size: str | None = Field(default=None, description="WIDTHxHEIGHT, when probed.")
    thumbnail: Path | None = Field(default=None, description="Thumbnail image, when fetched.")
