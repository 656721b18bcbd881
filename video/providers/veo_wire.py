"""Vertex AI Veo wire format: request bodies, long-running operations and error codes.

Vertex reports no job phases (an operation is ``done`` or not), puts failures in a
``google.rpc.Status``, and signals an output refused by its safety filters as a *finished*
operation with no videos and ``raiMediaFilteredCount > 0`` — which must never read as success.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lessonreel.video.providers.errors import parse_retry_after
from lessonreel.video.providers.live_http import invalid, read_image, server_error
from lessonreel.video.types import ErrorKind, JobError, VideoJob, VideoRequest

#: WIDTHxHEIGHT → (aspectRatio, resolution) as Veo 3.1 names them.
SIZES: dict[str, tuple[str, str]] = {
    "1280x720": ("16:9", "720p"),
    "720x1280": ("9:16", "720p"),
    "1920x1080": ("16:9", "1080p"),
    "1080x1920": ("9:16", "1080p"),
    "3840x2160": ("16:9", "4k"),
    "2160x3840": ("9:16", "4k"),
}
#: Resolutions Veo only renders as 8-second clips.
EIGHT_SECONDS_ONLY = frozenset({"1080p", "4k"})
#: ``VideoRequest.params`` keys passed through to ``parameters`` (``labels`` goes top-level).
PASSTHROUGH = frozenset(
    {"personGeneration", "enhancePrompt", "compressionQuality", "resizeMode", "fps", "pubsubTopic"}
)

_POLICY = re.compile(
    r"safety|responsible ai|usage guidelines|content polic|prohibited|sensitive|"
    r"filtered|blocked|harmful|celebrity|minors",
    re.IGNORECASE,
)
_BILLING = re.compile(r"billing|spend|credit|budget", re.IGNORECASE)
_OP_MODEL = re.compile(r"models/([^/:]+)/operations/")

# google.rpc.Code numbers.
CANCELLED, INVALID_ARGUMENT, DEADLINE_EXCEEDED, NOT_FOUND = 1, 3, 4, 5
PERMISSION_DENIED, RESOURCE_EXHAUSTED, FAILED_PRECONDITION = 7, 8, 9
INTERNAL, UNAVAILABLE, UNAUTHENTICATED = 13, 14, 16


def model_of_operation(name: str) -> str:
    """Return the model id inside an operation name (``.../models/{model}/operations/{id}``)."""
    match = _OP_MODEL.search(name)
    if match is None:
        raise invalid(f"{name!r} is not a Veo operation name (.../models/MODEL/operations/ID)")
    return match.group(1)


def build_body(request: VideoRequest, *, storage_uri: str | None = None) -> dict[str, Any]:
    """Return the exact JSON body ``:predictLongRunning`` gets for ``request``."""
    if request.size not in SIZES:
        raise invalid(f"size {request.size} is not a Veo size; allowed: {', '.join(SIZES)}")
    aspect, resolution = SIZES[request.size]
    if resolution in EIGHT_SECONDS_ONLY and request.seconds != 8:
        raise invalid(f"Veo renders {resolution} only as 8-second clips (got {request.seconds} s)")
    if request.continuity is not None:
        raise invalid("Veo remix/extend is not supported by lessonreel's veo provider")
    instance: dict[str, Any] = {"prompt": request.prompt}
    if request.input_reference is not None:
        data, mime = read_image(Path(request.input_reference))
        instance["image"] = {
            "bytesBase64Encoded": base64.b64encode(data).decode("ascii"),
            "mimeType": mime,
        }
    parameters: dict[str, Any] = {"sampleCount": 1}
    if storage_uri:
        parameters["storageUri"] = storage_uri
    parameters["durationSeconds"] = request.seconds
    if request.seed is not None:
        if not 0 <= request.seed <= 0xFFFFFFFF:
            raise invalid(f"Veo seeds are uint32 (0-4294967295); got {request.seed}")
        parameters["seed"] = request.seed
    parameters["aspectRatio"] = aspect
    parameters["resolution"] = resolution
    if request.negative_prompt:
        parameters["negativePrompt"] = request.negative_prompt
    parameters["generateAudio"] = request.generate_audio
    params = dict(request.params)
    labels = params.pop("labels", None)
    if extra := sorted(set(params) - PASSTHROUGH):
        raise invalid(f"Veo does not take {extra}; allowed: {', '.join(sorted(PASSTHROUGH))}")
    parameters.update(params)
    body: dict[str, Any] = {"instances": [instance], "parameters": parameters}
    if labels:
        body["labels"] = labels
    return body


def videos_of(response: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return the videos of a finished operation's ``response`` (also the deprecated shape)."""
    videos = response.get("videos")
    if isinstance(videos, list) and videos:
        return [v for v in videos if isinstance(v, dict)]
    samples = response.get("generatedSamples")
    out: list[dict[str, Any]] = []
    if isinstance(samples, list):
        for sample in samples:
            video = sample.get("video") if isinstance(sample, dict) else None
            if isinstance(video, dict):
                out.append(
                    {
                        "gcsUri": video.get("uri") or video.get("gcsUri"),
                        "bytesBase64Encoded": video.get("encodedVideo")
                        or video.get("bytesBase64Encoded"),
                        "mimeType": video.get("encoding") or video.get("mimeType"),
                    }
                )
    return out


def map_rpc_error(code: int | None, message: str, *, http_status: int | None = None) -> JobError:
    """Neutral error for a ``google.rpc.Status`` (an operation's ``error`` or an HTTP body)."""
    text = message or f"google.rpc code {code}"
    status_names = {
        CANCELLED: "CANCELLED",
        INVALID_ARGUMENT: "INVALID_ARGUMENT",
        DEADLINE_EXCEEDED: "DEADLINE_EXCEEDED",
        NOT_FOUND: "NOT_FOUND",
        PERMISSION_DENIED: "PERMISSION_DENIED",
        RESOURCE_EXHAUSTED: "RESOURCE_EXHAUSTED",
        FAILED_PRECONDITION: "FAILED_PRECONDITION",
        INTERNAL: "INTERNAL",
        UNAVAILABLE: "UNAVAILABLE",
        UNAUTHENTICATED: "UNAUTHENTICATED",
    }
    name = status_names.get(code or 0, str(code) if code is not None else None)
    if code == INVALID_ARGUMENT:
        kind = ErrorKind.CONTENT_POLICY if _POLICY.search(text) else ErrorKind.INVALID_REQUEST
    elif code == RESOURCE_EXHAUSTED:
        kind = ErrorKind.QUOTA_EXHAUSTED if _BILLING.search(text) else ErrorKind.RATE_LIMITED
    elif code == DEADLINE_EXCEEDED:
        kind = ErrorKind.TIMEOUT
    elif code in (INTERNAL, UNAVAILABLE):
        kind = ErrorKind.SERVER_ERROR
    elif code in (PERMISSION_DENIED, UNAUTHENTICATED, NOT_FOUND, FAILED_PRECONDITION):
        kind = ErrorKind.INVALID_REQUEST
    else:
        kind = ErrorKind.SERVER_ERROR
    return JobError(kind=kind, code=name, message=text, http_status=http_status)


_HTTP_TO_RPC = {
    400: INVALID_ARGUMENT,
    401: UNAUTHENTICATED,
    403: PERMISSION_DENIED,
    404: NOT_FOUND,
    408: DEADLINE_EXCEEDED,
    429: RESOURCE_EXHAUSTED,
    500: INTERNAL,
    503: UNAVAILABLE,
    504: DEADLINE_EXCEEDED,
}


def map_http_error(
    status: int, body: bytes, headers: Mapping[str, str], *, auth_hint: str = ""
) -> JobError:
    """Neutral error for a non-2xx Vertex answer (``{"error": {code, message, status}}``)."""
    message = ""
    try:
        data = json.loads(body or b"{}")
        error = data.get("error") if isinstance(data, dict) else None
        if isinstance(error, dict):
            message = str(error.get("message") or "")
    except ValueError:
        message = body.decode("utf-8", "replace").strip()[:500]
    rpc = _HTTP_TO_RPC.get(status, INTERNAL if status >= 500 else INVALID_ARGUMENT)
    if status in (401, 403):
        message = f"Vertex AI refused the credentials (HTTP {status}){auth_hint}: {message}"
    error = map_rpc_error(rpc, message or f"HTTP {status}", http_status=status)
    if error.kind in (ErrorKind.RATE_LIMITED, ErrorKind.SERVER_ERROR, ErrorKind.TIMEOUT):
        error = error.model_copy(update={"retry_after": parse_retry_after(headers)})
    return error


def to_job(
    payload: Any,
    *,
    provider: str,
    seconds: int | None = None,
    size: str | None = None,
    cost: float | None = None,
) -> VideoJob:
    """Neutral job for an operation; "done, no video, RAI-filtered" is a content_policy failure."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("name"), str):
        raise server_error("bad_response", "Vertex operation has no 'name'")
    name = payload["name"]
    common: dict[str, Any] = {
        "id": name,
        "provider": provider,
        "model": model_of_operation(name),
        "seconds": seconds,
        "size": size,
    }
    if not payload.get("done"):
        return VideoJob(status="running", **common)
    error = payload.get("error")
    if isinstance(error, Mapping):
        code = error.get("code")
        rpc = code if isinstance(code, int) else None
        if rpc == CANCELLED:
            return VideoJob(status="canceled", **common)
        return VideoJob(
            status="failed", error=map_rpc_error(rpc, str(error.get("message") or "")), **common
        )
    response = payload.get("response")
    response = response if isinstance(response, Mapping) else {}
    if videos_of(response):
        return VideoJob(status="succeeded", progress=100, cost_usd=cost, **common)
    filtered = response.get("raiMediaFilteredCount") or 0
    reasons = [str(r) for r in response.get("raiMediaFilteredReasons") or []]
    if isinstance(filtered, int) and filtered > 0:
        detail = "; ".join(reasons) or "no reason given"
        return VideoJob(
            status="failed",
            cost_usd=0.0,  # "You will not be charged if your video is blocked."
            error=JobError(
                kind=ErrorKind.CONTENT_POLICY,
                code="RAI_MEDIA_FILTERED",
                message=f"Veo's safety filters removed {filtered} video(s): {detail}",
            ),
            **common,
        )
    return VideoJob(
        status="failed",
        error=JobError(
            kind=ErrorKind.SERVER_ERROR,
            code="NO_VIDEO",
            message="the operation finished without a video and without a reason",
        ),
        **common,
    )
