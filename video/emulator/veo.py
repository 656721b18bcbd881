"""Vertex AI Veo routes (``:predictLongRunning`` / ``:fetchPredictOperation``) over the JobStore.

Wire facts follow ``video_providers.md`` §2.3/§2.5: project paths under ``/v1`` (and the SDK's
``/v1beta1``), express-mode paths without a project, operations that are only ``done`` or not,
results inline as base64 or as ``gs://`` objects (served by an emulated Cloud Storage JSON API
at ``/storage/v1/b/{bucket}/o/{object}?alt=media``), errors as ``google.rpc.Status``.

Fault mapping: submit moderation → 400 INVALID_ARGUMENT naming the usage guidelines; async
moderation → ``done`` with ``error.code`` 3; *output* moderation → Veo's "done but filtered"
(no videos, ``raiMediaFilteredCount: 1``); job failures → ``error.code`` 13; 429 faults →
RESOURCE_EXHAUSTED with ``retry-after``; quota → RESOURCE_EXHAUSTED naming the billing cap;
expiry → the operation (and its gs:// object) answer 404 NOT_FOUND. Vertex has no webhooks
for video operations (the SDK refuses ``webhook_config`` there), so this profile sends none.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import io
import json
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from lessonreel.video.emulator.endpoint import Handler, endpoint, store_of
from lessonreel.video.emulator.faults import Fault
from lessonreel.video.emulator.jobs import ContentError, EmuJob, JobStore
from lessonreel.video.emulator.streaming import file_response
from lessonreel.video.pricing import PriceTable

PROFILE = "veo"

SIZES = {
    ("16:9", "720p"): "1280x720",
    ("9:16", "720p"): "720x1280",
    ("16:9", "1080p"): "1920x1080",
    ("9:16", "1080p"): "1080x1920",
    ("16:9", "4k"): "3840x2160",
    ("9:16", "4k"): "2160x3840",
}
USAGE_GUIDELINES = (
    "The prompt could not be submitted. This prompt contains sensitive words that violate "
    "Vertex AI's usage guidelines. Try rephrasing the prompt."
)
RAI_AUDIO_REASON = (
    "We encountered an issue with the audio for your prompt, which means we could not create "
    "your video. This can sometimes happen due to our safety filters or other processing "
    "issues. Please modify your request and try again. You have not been charged for this attempt."
)
QUOTA_MESSAGE = (
    "Resource exhausted: the project's billing spend cap for aiplatform.googleapis.com "
    "has been reached."
)
RATE_MESSAGE = (
    "Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model "
    "per minute. Please try again later."
)
_STATUS_NAME = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 404: "NOT_FOUND",
                429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}  # fmt: skip


class GoogleError(Exception):
    """An error answered as ``{"error": {code, message, status}}``."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        """Render the google.rpc.Status envelope."""
        name = _STATUS_NAME.get(self.status, "UNKNOWN")
        body = {"error": {"code": self.status, "message": self.message, "status": name}}
        return JSONResponse(body, status_code=self.status, headers=self.headers)


def _fault(fault: Fault) -> GoogleError:
    if fault.kind == "rate_limited":
        wait = max(fault.retry_after or 0.0, 0.0)
        return GoogleError(429, RATE_MESSAGE, {"retry-after": f"{wait:g}"})
    if fault.kind == "quota_exhausted":
        return GoogleError(429, QUOTA_MESSAGE)
    status = 503 if fault.status == 503 else 500
    return GoogleError(status, "Internal error encountered." if status == 500 else "Unavailable.")


def _store(request: Request) -> JobStore:
    return store_of(request)


def _check_auth(request: Request, store: JobStore) -> None:
    auth = request.headers.get("authorization", "")
    bearer = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""
    key = request.headers.get("x-goog-api-key") or request.query_params.get("key") or ""
    given = bearer or key
    if not given:
        raise GoogleError(
            401,
            "Request is missing required authentication credential. Expected OAuth 2 access "
            "token, login cookie or other valid authentication credential.",
        )
    if store.config.api_key is not None and given != store.config.api_key:
        raise GoogleError(401, "Request had invalid authentication credentials.")


def _endpoint(*, is_create: bool) -> Callable[[Handler], Handler]:
    return endpoint(is_create=is_create, auth=_check_auth, fault_error=_fault, errors=GoogleError)


def _image(instance: dict[str, Any]) -> str | None:
    image = instance.get("image")
    if image is None:
        return None
    data_b64 = image.get("bytesBase64Encoded") if isinstance(image, dict) else None
    if not isinstance(data_b64, str) or not image.get("mimeType"):
        raise GoogleError(400, "instances[0].image needs bytesBase64Encoded and mimeType.")
    try:
        data = base64.b64decode(data_b64, validate=True)
    except (binascii.Error, ValueError):
        raise GoogleError(400, "instances[0].image.bytesBase64Encoded is not base64.") from None
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
    except (UnidentifiedImageError, OSError, ValueError):
        raise GoogleError(400, "Unable to decode the input image.") from None
    return hashlib.sha256(data).hexdigest()


def _validate(model: str, body: Any) -> tuple[str, str, int, dict[str, Any]]:
    if model not in {s.model for s in PriceTable.default().specs(PROFILE)}:
        raise GoogleError(404, f"Publisher Model `{model}` was not found or is not available.")
    instances = body.get("instances") if isinstance(body, dict) else None
    if not isinstance(instances, list) or len(instances) != 1 or not isinstance(instances[0], dict):
        raise GoogleError(400, "Exactly one instance is required.")
    prompt = instances[0].get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise GoogleError(400, "instances[0].prompt is required.")
    params = body.get("parameters") or {}
    if not isinstance(params, dict):
        raise GoogleError(400, "Invalid JSON payload received. parameters must be an object.")
    seconds = params.get("durationSeconds", 8)
    if not isinstance(seconds, int) or not 4 <= seconds <= 8:
        raise GoogleError(
            400,
            "The number value for `durationSeconds` is out of bound. Please provide a value "
            "between 4 and 8, inclusive.",
        )
    if seconds not in (4, 6, 8):
        raise GoogleError(400, f"durationSeconds must be 4, 6 or 8 for {model}; got {seconds}.")
    key = (params.get("aspectRatio", "16:9"), params.get("resolution", "720p"))
    if not all(isinstance(part, str) for part in key) or key not in SIZES:
        raise GoogleError(400, f"Unsupported aspectRatio/resolution {key[0]!r}/{key[1]!r}.")
    if key[1] in ("1080p", "4k") and seconds != 8:
        raise GoogleError(400, f"{key[1]} output requires durationSeconds 8.")
    if params.get("sampleCount", 1) != 1:
        raise GoogleError(400, "The emulator renders sampleCount 1 only.")
    storage = params.get("storageUri")
    if storage is not None and (not isinstance(storage, str) or not storage.startswith("gs://")):
        raise GoogleError(400, "parameters.storageUri must be a gs:// URI.")
    return prompt, SIZES[key], seconds, params


def _operation_name(request: Request, model: str, job_id: str) -> str:
    project = request.path_params.get("project")
    if project is None:
        return f"publishers/google/models/{model}/operations/{job_id}"
    location = request.path_params["location"]
    where = f"projects/{project}/locations/{location}"
    return f"{where}/publishers/google/models/{model}/operations/{job_id}"


def _split_target(request: Request) -> tuple[str, str]:
    model, _, action = request.path_params["target"].partition(":")
    if action not in ("predictLongRunning", "fetchPredictOperation"):
        raise GoogleError(404, f"Method {action or '(none)'} not found.")
    return model, action


async def _body(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"{}")
    except ValueError:
        raise GoogleError(400, "Invalid JSON payload received.") from None


async def model_action(request: Request) -> Response:
    """POST .../models/{model}:predictLongRunning | :fetchPredictOperation."""
    try:
        _, action = _split_target(request)
    except GoogleError as exc:
        return exc.response()
    if action == "predictLongRunning":
        return await predict_long_running(request)
    return await fetch_predict_operation(request)


@_endpoint(is_create=True)
async def predict_long_running(request: Request) -> Response:
    """Create an operation; moderation at submit and quota answer before a job exists."""
    store = _store(request)
    model, _ = _split_target(request)
    body = await _body(request)
    prompt, size, seconds, params = _validate(model, body)
    reference = _image(body["instances"][0])
    if store.faults.moderation(prompt) == "submit":
        store.faults.counts["moderation_submit"] += 1
        raise GoogleError(400, USAGE_GUIDELINES)
    fault = store.check_quota()
    if fault is not None:
        raise _fault(fault)
    seed = params.get("seed") if isinstance(params.get("seed"), int) else None
    job = store.create(
        prompt,
        model,
        size,
        seconds,
        profile=PROFILE,
        reference_sha256=reference,
        seed=seed,
        extra={"storage_uri": params.get("storageUri"), "parameters": params},
    )
    job.extra["operation"] = _operation_name(request, model, job.id)
    return JSONResponse({"name": job.extra["operation"]})


def _expired(store: JobStore, job: EmuJob) -> bool:
    state = store.state(job)
    return state.expires_at is not None and store.clock() >= state.expires_at


def _gcs_uri(job: EmuJob) -> str:
    prefix = str(job.extra["storage_uri"])
    return f"{prefix.rstrip('/')}/{job.id}/sample_0.mp4"


async def _operation(store: JobStore, job: EmuJob) -> dict[str, Any]:
    state = store.state(job)
    op: dict[str, Any] = {"name": job.extra["operation"]}
    if not state.terminal:
        op["done"] = False
        return op
    op["done"] = True
    if state.status == "failed":
        if state.error_code == "content_filter":  # Veo's "done but filtered"
            op["response"] = {
                "@type": "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse",
                "raiMediaFilteredCount": 1,
                "raiMediaFilteredReasons": [RAI_AUDIO_REASON],
            }
        elif state.error_code == "moderation_blocked":
            op["error"] = {"code": 3, "message": USAGE_GUIDELINES}
        else:
            op["error"] = {"code": 13, "message": "Internal error encountered."}
        return op
    if job.extra.get("storage_uri"):
        video = {"gcsUri": _gcs_uri(job), "mimeType": "video/mp4"}
    else:
        path = await store.content(job, "video")
        data = await asyncio.to_thread(path.read_bytes)
        video = {"bytesBase64Encoded": base64.b64encode(data).decode("ascii"),
                 "mimeType": "video/mp4"}  # fmt: skip
    op["response"] = {
        "@type": "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse",
        "raiMediaFilteredCount": 0,
        "videos": [video],
    }
    return op


@_endpoint(is_create=False)
async def fetch_predict_operation(request: Request) -> Response:
    """Poll an operation by its full name; gone (expired) operations answer 404."""
    store = _store(request)
    model, _ = _split_target(request)
    body = await _body(request)
    name = body.get("operationName") if isinstance(body, dict) else None
    if not isinstance(name, str) or "/operations/" not in name:
        raise GoogleError(400, "operationName is required.")
    job = store.get(name.rsplit("/", 1)[-1], profile=PROFILE)
    if job is None or job.extra.get("operation") != name or _expired(store, job):
        raise GoogleError(404, f"Operation {name} not found.")
    if job.model != model:
        raise GoogleError(400, f"Operation {name} does not belong to model {model}.")
    return JSONResponse(await _operation(store, job))


@_endpoint(is_create=False)
async def storage_media(request: Request) -> Response:
    """GET /storage/v1/b/{bucket}/o/{object}?alt=media — the gs:// result, maybe truncated."""
    store = _store(request)
    obj = request.path_params["object"]
    parts = obj.split("/")
    job = store.get(parts[-2], profile=PROFILE) if len(parts) >= 2 else None
    uri = f"gs://{request.path_params['bucket']}/{obj}"
    if job is None or not job.extra.get("storage_uri") or _gcs_uri(job) != uri:
        raise GoogleError(404, f"No such object: {request.path_params['bucket']}/{obj}")
    if request.query_params.get("alt") != "media":
        return JSONResponse({"bucket": request.path_params["bucket"], "name": obj})
    try:
        path = await store.content(job, "video")
    except ContentError:
        raise GoogleError(404, f"No such object: {request.path_params['bucket']}/{obj}") from None
    if _expired(store, job):
        raise GoogleError(404, f"No such object: {request.path_params['bucket']}/{obj}")
    response: Response = file_response(
        path,
        "video/mp4",
        send_fraction=store.truncation(),
        mode=store.config.downloads.truncate_mode,
    )
    return response


def install(store: JobStore) -> None:
    """Nothing to register: Vertex sends no webhooks for video operations."""
    return None


def routes() -> list[BaseRoute]:
    """Return the Vertex routes (full paths; they must precede the Sora ``/v1`` mount)."""
    project = "/projects/{project}/locations/{location}/publishers/google/models/{target}"
    express = "/publishers/google/models/{target}"
    found: list[BaseRoute] = []
    for version in ("v1", "v1beta1"):
        found.append(Route(f"/{version}{project}", model_action, methods=["POST"]))
        found.append(Route(f"/{version}{express}", model_action, methods=["POST"]))
    found.append(Route("/storage/v1/b/{bucket}/o/{object:path}", storage_media, methods=["GET"]))
    return found
