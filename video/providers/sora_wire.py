"""Wire shapes of the Sora-style ``/v1/videos`` contract and their neutral translations.

Decoding is lenient (unknown keys ignored, nullable fields tolerated) because gateways and
newer API versions add fields; the reference image is checked here, before anything is sent,
because the API rejects a first frame that is not exactly the requested size.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, ConfigDict, Field

from lessonreel.video.providers.errors import error_from_job, map_status
from lessonreel.video.types import JobError, ProviderError, VideoJob, VideoRequest

REFERENCE_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class SoraVideo(BaseModel):
    """A ``video`` object as returned by create, retrieve, remix and list."""

    model_config = ConfigDict(extra="ignore")

    id: str
    object: str = "video"
    model: str | None = None
    status: str
    progress: int | None = 0
    created_at: float | None = None
    completed_at: float | None = None
    expires_at: float | None = None
    prompt: str | None = None
    size: str | None = None
    seconds: str | int | float | None = None
    remixed_from_video_id: str | None = None
    error: dict[str, Any] | None = None
    failure_reason: str | None = Field(default=None, description="Azure jobs API spelling.")


class SoraVideoList(BaseModel):
    """A page of ``GET /videos``."""

    model_config = ConfigDict(extra="ignore")

    object: str = "list"
    data: list[SoraVideo] = Field(default_factory=list)
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool = False


class VideoPage(BaseModel):
    """One page of jobs, neutral; ``last_id`` is the cursor for the next page."""

    jobs: list[VideoJob]
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool = False


def _seconds(value: str | int | float | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        return round(float(value))
    except (TypeError, ValueError):
        return None


def to_job(video: SoraVideo, *, provider: str, now: float) -> VideoJob:
    """Neutral job for a wire video; a completed job whose assets expired reads ``expired``."""
    status = map_status(video.status)
    if status == "succeeded" and video.expires_at is not None and video.expires_at <= now:
        status = "expired"
    error: JobError | None = None
    if status == "failed":
        error = error_from_job(video.error, failure_reason=video.failure_reason)
    return VideoJob(
        id=video.id,
        provider=provider,
        model=video.model or "",
        status=status,
        progress=min(max(video.progress or 0, 0), 100),
        created_at=video.created_at,
        completed_at=video.completed_at,
        expires_at=video.expires_at,
        size=video.size,
        seconds=_seconds(video.seconds),
        error=error,
        prompt=video.prompt,
    )


@dataclass(frozen=True)
class ReferenceImage:
    """A validated first-frame image, ready to send as the ``input_reference`` file part."""

    filename: str
    mime: str
    data: bytes


def load_reference(path: Path, size: str) -> ReferenceImage:
    """Read and check an input_reference: JPEG/PNG/WebP whose pixel size equals ``size``."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProviderError.invalid(
            f"input_reference {str(path)!r} cannot be read ({exc.strerror or exc})",
            code="input_reference_unreadable",
        ) from None
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt, (width, height) = image.format or "", image.size
    except (UnidentifiedImageError, OSError):
        fmt, width, height = "", 0, 0
    mime = REFERENCE_MIME.get(fmt)
    if mime is None:
        found = fmt or "not an image"
        raise ProviderError.invalid(
            f"input_reference {path.name!r} must be a JPEG, PNG or WebP image (found: {found})",
            code="input_reference_type",
        )
    if f"{width}x{height}" != size:
        raise ProviderError.invalid(
            f"input_reference {path.name!r} is {width}x{height} but the clip size is {size}; "
            "the reference image must match the requested size exactly",
            code="input_reference_size",
        )
    return ReferenceImage(filename=path.name, mime=mime, data=data)


def create_fields(request: VideoRequest, *, model: str) -> dict[str, Any]:
    """Build the create body's fields; ``seconds`` is a string, as the API insists.

    ``request.params`` pass through for gateways with extra fields; they never override the
    validated core fields.
    """
    fields: dict[str, Any] = dict(request.params)
    fields.update(
        model=model, prompt=request.prompt, size=request.size, seconds=str(request.seconds)
    )
    return fields
