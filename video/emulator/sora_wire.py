"""Sora wire format: the OpenAI error envelope, the Video object, and create-field validation.

Messages imitate the real API's wording (reference §1.2, §2.1) so a client's error mapping can be
tested against what it will actually see.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.responses import JSONResponse

from lessonreel.video.emulator.config import EmulatorConfig
from lessonreel.video.emulator.faults import Fault
from lessonreel.video.emulator.jobs import EmuJob, JobState
from lessonreel.video.pricing import PriceTable
from lessonreel.video.types import ProviderError

DEFAULT_MODEL = "sora-2"
DEFAULT_SECONDS = "4"
DEFAULT_SIZE = "720x1280"
MAX_PROMPT = 32_000
_SIZE_RE = re.compile(r"^(\d+)x(\d+)$")


class ApiError(Exception):
    """An OpenAI-shaped error response, raised anywhere in a handler."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers = dict(headers or {})

    def response(self) -> JSONResponse:
        """Render the JSON envelope ``{"error": {message, type, param, code}}``."""
        body = {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }
        return JSONResponse(body, status_code=self.status, headers=common_headers(self.headers))


def common_headers(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Headers every response carries (a request id, like the real API)."""
    return {
        "x-request-id": f"req_{uuid.uuid4().hex}",
        "openai-version": "2020-10-01",
        **(extra or {}),
    }


def fault_error(fault: Fault) -> ApiError:
    """Render a neutral fault as the OpenAI wire error."""
    if fault.kind == "rate_limited":
        wait = fault.retry_after or 0.0
        ms = max(round(wait * 1000), 0)
        headers = {
            "retry-after": str(max(math.ceil(wait), 0)),
            "retry-after-ms": str(ms),
            "x-ratelimit-limit-requests": str(fault.limit or 0),
            "x-ratelimit-remaining-requests": "0",
            "x-ratelimit-reset-requests": f"{ms}ms",
        }
        return ApiError(
            429, fault.message, type="requests", code="rate_limit_exceeded", headers=headers
        )
    if fault.kind == "quota_exhausted":
        return ApiError(429, fault.message, type="insufficient_quota", code="insufficient_quota")
    return ApiError(fault.status, fault.message, type="server_error")


def video_object(job: EmuJob, state: JobState) -> dict[str, Any]:
    """Render the Video resource (all keys present, several nullable) — reference §1.3."""
    error = None
    if state.status == "failed":
        error = {"code": state.error_code, "message": state.error_message}
    return {
        "id": job.id,
        "object": "video",
        "model": job.model,
        "status": state.status,
        "progress": state.progress,
        "created_at": int(job.created_at),
        "completed_at": None if state.completed_at is None else int(state.completed_at),
        "expires_at": None if state.expires_at is None else int(state.expires_at),
        "prompt": job.prompt,
        "size": job.size,
        "seconds": str(job.seconds),
        "remixed_from_video_id": job.remixed_from,
        "error": error,
    }


def _quoted(values: Sequence[str]) -> str:
    items = [f"'{v}'" for v in values]
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + f", and {items[-1]}"


def _invalid_value(param: str, value: str, allowed: Sequence[str]) -> ApiError:
    return ApiError(
        400,
        f"Invalid value: '{value}'. Supported values are: {_quoted(allowed)}.",
        param=param,
        code="invalid_value",
    )


def _string(fields: Mapping[str, Any], name: str, default: str | None) -> str | None:
    value = fields.get(name, default)
    if value is None or isinstance(value, str):
        return value
    kind = "an integer" if isinstance(value, int) else f"a {type(value).__name__}"
    expected = "a string"
    if name == "seconds":
        expected = "one of '4', '8', or '12'"
    raise ApiError(
        400,
        f"Invalid type for '{name}': expected {expected}, but got {kind} instead.",
        param=name,
        code="invalid_type",
    )


def validate_prompt(fields: Mapping[str, Any]) -> str:
    """Validate the create/remix prompt: required, a string, 1-32000 characters."""
    prompt = _string(fields, "prompt", None)
    if not prompt:
        raise ApiError(
            400,
            "Missing required parameter: 'prompt'.",
            param="prompt",
            code="missing_required_parameter",
        )
    if len(prompt) > MAX_PROMPT:
        raise ApiError(
            400,
            f"Invalid 'prompt': string too long. Expected a string with maximum length "
            f"{MAX_PROMPT}, but got a string with length {len(prompt)} instead.",
            param="prompt",
            code="string_above_max_length",
        )
    return prompt


def validate_create(config: EmulatorConfig, fields: Mapping[str, Any]) -> tuple[str, str, str, int]:
    """(prompt, model, size, seconds) of a create request, or an OpenAI-like 400."""
    prompt = validate_prompt(fields)
    model = _string(fields, "model", DEFAULT_MODEL) or DEFAULT_MODEL
    seconds_text = _string(fields, "seconds", DEFAULT_SECONDS) or DEFAULT_SECONDS
    size = _string(fields, "size", DEFAULT_SIZE) or DEFAULT_SIZE
    catalog = PriceTable.default()  # the emulated server's own list, not a run's table
    try:
        spec = catalog.model_spec(config.provider, model)
    except ProviderError:
        known = sorted({s.model for s in catalog.specs(config.provider)})
        raise _invalid_value("model", model, known) from None
    legal_seconds = [str(s) for s in spec.seconds]
    lenient_seconds = config.lenient and seconds_text.isdigit() and 1 <= int(seconds_text) <= 20
    if seconds_text not in legal_seconds and not lenient_seconds:
        raise _invalid_value("seconds", seconds_text, legal_seconds)
    match = _SIZE_RE.match(size)
    lenient_size = (
        config.lenient
        and match is not None
        and all(16 <= int(v) <= 1920 and int(v) % 2 == 0 for v in match.groups())
    )
    if size not in spec.sizes and not lenient_size:
        if match is not None and any(size in s.sizes for s in catalog.specs(config.provider)):
            raise ApiError(
                400,
                f"Invalid value: '{size}' is not supported by model '{model}'. "
                f"Supported values are: {_quoted(spec.sizes)}.",
                param="size",
                code="invalid_value",
            )
        raise _invalid_value("size", size, spec.sizes)
    return prompt, model, size, int(seconds_text)
