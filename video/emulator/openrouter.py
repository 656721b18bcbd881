"""OpenRouter-shaped ``/api/v1/videos`` routes over the provider-neutral JobStore.

Wire facts follow ``video_providers.md`` §3: 202 ``{id, polling_url, status:"pending"}`` at
submit, statuses ``pending|in_progress|completed|failed|cancelled|expired``, ``usage.cost`` on
finished jobs, bearer-only ``/content?index=0``, the ``/videos/models`` catalog with
``pricing_skus``, the ``{"error": {code, message}}`` envelope (402 for credits), moderation as a
``failed`` job with free text, and HMAC-signed ``callback_url`` webhooks
(``X-OpenRouter-Signature``). Where the reference has a gap (input-side moderation), the
emulator answers a 400 whose message names the content policy.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from lessonreel.video.emulator.delivery import deliver
from lessonreel.video.emulator.endpoint import Handler, endpoint, store_of
from lessonreel.video.emulator.faults import Fault
from lessonreel.video.emulator.jobs import ContentError, EmuJob, JobStore
from lessonreel.video.emulator.streaming import file_response
from lessonreel.video.providers.openrouter_models import OpenRouterModel, static_catalog
from lessonreel.video.providers.sizes import dimensions
from lessonreel.video.webhooks_openrouter import sign_openrouter

PROFILE = "openrouter"

POLICY_MESSAGE = "Content policy violation"
OUTPUT_POLICY_MESSAGE = "Content policy violation: the generated video was flagged by the provider"
PROVIDER_ERROR_MESSAGE = "Provider returned error"
EXPIRED_MESSAGE = "Job exceeded maximum time to live"
CREDITS_MESSAGE = (
    "Insufficient credits. Add more using https://openrouter.ai/settings/credits "
    "(this job needs more than your remaining balance)"
)


class OpenRouterError(Exception):
    """An error answered in OpenRouter's ``{"error": {"code", "message"}}`` envelope."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        """Render the envelope."""
        body = {"error": {"code": self.status, "message": self.message}}
        return JSONResponse(body, status_code=self.status, headers=self.headers)


def _fault(fault: Fault) -> OpenRouterError:
    if fault.kind == "rate_limited":
        wait = max(fault.retry_after or 0.0, 0.0)
        return OpenRouterError(429, "Rate limit exceeded", {"retry-after": f"{wait:g}"})
    if fault.kind == "quota_exhausted":
        return OpenRouterError(402, CREDITS_MESSAGE)
    status = 502 if fault.status == 502 else 500
    return OpenRouterError(status, "Provider returned error" if status == 502 else "Internal error")


def _store(request: Request) -> JobStore:
    return store_of(request)


def _check_key(request: Request, store: JobStore, *, required: bool) -> None:
    auth = request.headers.get("authorization", "")
    given = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""
    if not given and (required or store.config.api_key is not None):
        raise OpenRouterError(401, "No auth credentials found")
    if store.config.api_key is not None and given != store.config.api_key:
        raise OpenRouterError(401, "User not found.")


def _endpoint(*, is_create: bool, auth: bool = True) -> Callable[[Handler], Handler]:
    check = _check_required_key if auth else None
    return endpoint(is_create=is_create, auth=check, fault_error=_fault, errors=OpenRouterError)


def _check_required_key(request: Request, store: JobStore) -> None:
    _check_key(request, store, required=True)


def catalog() -> dict[str, OpenRouterModel]:
    """Return the models the emulator serves, by id (the built-in OpenRouter table)."""
    return {m.id: m for m in static_catalog()}


def _one_of(name: str, value: Any, allowed: list[Any]) -> None:
    if value not in allowed:
        shown = ", ".join(str(v) for v in allowed)
        raise OpenRouterError(400, f"{name} must be one of [{shown}] for this model; got {value!r}")


def _first_frame(body: dict[str, Any]) -> str | None:
    frames = body.get("frame_images") or []
    if not isinstance(frames, list):
        raise OpenRouterError(400, "frame_images must be an array")
    for frame in frames:
        url = (frame.get("image_url") or {}).get("url") if isinstance(frame, dict) else None
        if not isinstance(url, str) or not url.startswith("data:") or ";base64," not in url:
            raise OpenRouterError(400, "frame_images[].image_url.url must be a base64 data: URL")
        try:
            data = base64.b64decode(url.split(";base64,", 1)[1], validate=True)
        except (binascii.Error, ValueError):
            raise OpenRouterError(400, "frame_images[] is not valid base64") from None
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(data)) as img:
                img.load()
        except (UnidentifiedImageError, OSError, ValueError):
            raise OpenRouterError(400, "frame_images[] could not be decoded as an image") from None
        if frame.get("frame_type") == "first_frame":
            return hashlib.sha256(data).hexdigest()
    return None


def _validate(body: Any) -> tuple[OpenRouterModel, str, str, int]:
    if not isinstance(body, dict):
        raise OpenRouterError(400, "The request body must be a JSON object")
    models = catalog()
    model = models.get(str(body.get("model")))
    if model is None:
        raise OpenRouterError(404, f"Model {body.get('model')!r} not found")
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise OpenRouterError(400, "prompt is required for this model")
    duration = body.get("duration", model.supported_durations[0])
    if not isinstance(duration, int) or isinstance(duration, bool):
        raise OpenRouterError(400, "duration must be an integer")
    _one_of("duration", duration, list(model.supported_durations))
    resolution = body.get("resolution", model.supported_resolutions[0])
    _one_of("resolution", resolution, list(model.supported_resolutions))
    aspect = body.get("aspect_ratio", model.supported_aspect_ratios[0])
    _one_of("aspect_ratio", aspect, list(model.supported_aspect_ratios))
    callback = body.get("callback_url")
    if callback is not None and not isinstance(callback, str):
        raise OpenRouterError(400, "callback_url must be a string")
    return model, prompt, dimensions(resolution, aspect), duration


def job_object(store: JobStore, job: EmuJob, base: str) -> dict[str, Any]:
    """Render a ``VideoGenerationResponse`` for ``job`` at the store's current time."""
    state = store.state(job)
    status = {"queued": "pending", "in_progress": "in_progress"}.get(state.status, state.status)
    url = f"{base}/api/v1/videos/{job.id}"
    body: dict[str, Any] = {
        "id": job.id,
        "polling_url": url,
        "status": status,
        "generation_id": f"gen-{job.id.removeprefix('video_')[:20]}",
    }
    if state.status == "failed":
        body["error"] = {
            "moderation_blocked": POLICY_MESSAGE,
            "content_filter": OUTPUT_POLICY_MESSAGE,
        }.get(state.error_code or "", PROVIDER_ERROR_MESSAGE)
        body["usage"] = {"cost": 0, "is_byok": False}
    elif state.status == "completed":
        if state.expires_at is not None and store.clock() >= state.expires_at:
            body["status"] = "expired"
            body["error"] = EXPIRED_MESSAGE
        else:
            body["unsigned_urls"] = [f"{url}/content?index=0"]
            body["usage"] = {"cost": job.extra.get("cost", 0.0), "is_byok": False}
    return body


def _base(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


@_endpoint(is_create=True)
async def create_video(request: Request) -> Response:
    """POST /api/v1/videos — validate against the catalog, 202 with id and polling_url."""
    store = _store(request)
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise OpenRouterError(400, "Invalid JSON body") from None
    model, prompt, size, seconds = _validate(body)
    reference = _first_frame(body)
    if store.faults.moderation(prompt) == "submit":
        store.faults.counts["moderation_submit"] += 1
        raise OpenRouterError(400, f"{POLICY_MESSAGE}: the prompt was refused by moderation")
    fault = store.check_quota()
    if fault is not None:
        raise _fault(fault)
    from lessonreel.video.pricing import PriceTable

    cost = PriceTable.default().model_spec(PROFILE, model.id).cost(seconds, size)
    seed = body.get("seed") if isinstance(body.get("seed"), int) else None
    job = store.create(
        prompt,
        model.id,
        size,
        seconds,
        profile=PROFILE,
        callback_url=body.get("callback_url"),
        reference_sha256=reference,
        seed=seed,
        extra={"cost": cost, "request": body, "base": _base(request)},
    )
    reply = job_object(store, job, _base(request))
    reply["status"] = "pending"
    return JSONResponse(reply, status_code=202)


def _job(store: JobStore, request: Request) -> EmuJob:
    job = store.get(request.path_params["job_id"], profile=PROFILE)
    if job is None:
        raise OpenRouterError(404, "Video generation job not found")
    return job


@_endpoint(is_create=False)
async def get_video(request: Request) -> Response:
    """GET /api/v1/videos/{id} — status derived from the clock."""
    store = _store(request)
    return JSONResponse(job_object(store, _job(store, request), _base(request)))


@_endpoint(is_create=False)
async def video_content(request: Request) -> Response:
    """GET /api/v1/videos/{id}/content?index=0 — bearer required; may be truncated."""
    store = _store(request)
    job = _job(store, request)
    if request.query_params.get("index", "0") != "0":
        raise OpenRouterError(400, "index out of range: this job has 1 output")
    if job_object(store, job, "")["status"] == "expired":
        raise OpenRouterError(404, EXPIRED_MESSAGE)
    try:
        path = await store.content(job, "video")
    except ContentError as exc:
        status = 404 if exc.reason == "expired" else 400
        raise OpenRouterError(status, exc.message) from None
    response: Response = file_response(
        path,
        "video/mp4",
        send_fraction=store.truncation(),
        mode=store.config.downloads.truncate_mode,
    )
    return response


@_endpoint(is_create=False, auth=False)
async def list_models(request: Request) -> Response:
    """GET /api/v1/videos/models — capability metadata and pricing_skus (no auth)."""
    data = [m.model_dump(exclude_none=True) for m in catalog().values()]
    return JSONResponse({"data": data})


def event_body(store: JobStore, job: EmuJob) -> tuple[bytes, str]:
    """Return the webhook body for a finished job and its idempotency key."""
    data = job_object(store, job, str(job.extra.get("base", "")))
    data["model"] = job.model
    data.pop("polling_url", None)
    status = data["status"]
    created = datetime.fromtimestamp(store.clock(), tz=UTC).isoformat().replace("+00:00", "Z")
    payload = {"type": f"video.generation.{status}", "created_at": created, "data": data}
    return json.dumps(payload, separators=(",", ":")).encode(), f"{job.id}-{status}"


async def notify(store: JobStore, job: EmuJob) -> None:
    """POST the terminal event to the job's callback_url (else the configured URL), signed."""
    url = job.callback_url or store.config.webhooks.url
    if not url:
        return
    body, key = event_body(store, job)
    secret = store.config.webhooks.secret

    def headers() -> dict[str, str]:
        if secret is None:  # a workspace without a signing secret sends unsigned events
            return {"X-OpenRouter-Idempotency-Key": key}
        signed: dict[str, str] = sign_openrouter(
            secret, body, timestamp=store.clock(), idempotency_key=key
        )
        return signed

    await deliver(store, url, body, headers)


def install(store: JobStore) -> None:
    """Register the OpenRouter webhook hook on ``store``."""

    async def hook(job: EmuJob) -> None:
        await notify(store, job)

    store.on_finished(PROFILE, hook)


def routes() -> list[BaseRoute]:
    """Return the OpenRouter routes, mounted at ``/api/v1``."""
    videos: list[BaseRoute] = [
        Route("/videos", create_video, methods=["POST"]),
        Route("/videos/models", list_models, methods=["GET"]),
        Route("/videos/{job_id}", get_video, methods=["GET"]),
        Route("/videos/{job_id}/content", video_content, methods=["GET"]),
    ]
    return [Mount("/api/v1", routes=videos)]
