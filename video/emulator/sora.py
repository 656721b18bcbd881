"""Sora-shaped ``/v1/videos`` routes over the provider-neutral JobStore (reference §1-§3).

Mounted at ``/v1`` (OpenAI) and ``/openai/v1`` (Azure OpenAI v1). Handlers are module-level
functions that find the store on ``request.app.state.store``. Every request passes the same
gate: API key (if configured), then the seeded 5xx / 429 decision, then its own validation.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
from collections.abc import Callable
from typing import Any, cast

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from lessonreel.video.emulator import speech
from lessonreel.video.emulator.delivery import deliver
from lessonreel.video.emulator.endpoint import Handler, endpoint, store_of
from lessonreel.video.emulator.jobs import ContentError, EmuJob, JobStore
from lessonreel.video.emulator.render import MEDIA_TYPE, Variant
from lessonreel.video.emulator.sora_wire import (
    ApiError,
    common_headers,
    fault_error,
    validate_create,
    validate_prompt,
    video_object,
)
from lessonreel.video.emulator.streaming import file_response
from lessonreel.video.webhooks import sign_standard

PROFILE = "sora"
_IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def _store(request: Request) -> JobStore:
    return store_of(request)


def _check_key(request: Request, store: JobStore) -> None:
    expected = store.config.api_key
    if expected is None:
        return
    auth = request.headers.get("authorization", "")
    given = auth.removeprefix("Bearer ").strip() if auth else request.headers.get("api-key", "")
    if not given:
        raise ApiError(
            401,
            "You didn't provide an API key. You need to provide your API key in an "
            "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        )
    if given != expected:
        raise ApiError(401, "Incorrect API key provided.", code="invalid_api_key")


def _endpoint(*, is_create: bool) -> Callable[[Handler], Handler]:
    return endpoint(is_create=is_create, auth=_check_key, fault_error=fault_error, errors=ApiError)


def _json(data: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(data, headers=common_headers(headers))


def _job(store: JobStore, request: Request) -> EmuJob:
    video_id = request.path_params["video_id"]
    job = store.get(video_id, profile=PROFILE)
    if job is None:
        raise ApiError(
            404, f"Video with id '{video_id}' not found.", param="video_id", code="not_found"
        )
    return job


async def _fields(request: Request) -> dict[str, Any]:
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form()
        fields: dict[str, Any] = {}
        for key, value in form.multi_items():
            if key.startswith("input_reference[") and key.endswith("]"):
                fields.setdefault("input_reference", {})[key[16:-1]] = value
            else:
                fields[key] = value
        return fields
    raw = await request.body()
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        raise ApiError(
            400,
            "We could not parse the JSON body of your request. The API expects a JSON payload "
            "(or multipart/form-data for file uploads).",
        ) from None
    if not isinstance(data, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return data


def _ref_error(message: str, code: str = "invalid_value") -> ApiError:
    return ApiError(400, message, param="input_reference", code=code)


async def _reference(value: Any, size: str) -> str | None:
    """sha256 of a valid input_reference image (first frame), or an OpenAI-like 400."""
    if value is None:
        return None
    if isinstance(value, str):
        raise _ref_error(
            "Invalid type for 'input_reference': expected a file, but got a string instead.",
            "invalid_type",
        )
    if isinstance(value, UploadFile):
        data = await value.read()
    elif isinstance(value, dict):
        if "file_id" in value:
            raise _ref_error("input_reference.file_id is not supported by the emulator.")
        url = value.get("image_url")
        if not isinstance(url, str) or not url.startswith("data:") or ";base64," not in url:
            raise _ref_error(
                "input_reference.image_url must be a base64 data URL here (the emulator "
                "fetches nothing remote)."
            )
        try:
            data = base64.b64decode(url.split(";base64,", 1)[1], validate=True)
        except (binascii.Error, ValueError):
            raise _ref_error("input_reference.image_url is not valid base64.") from None
    else:
        raise _ref_error("Invalid type for 'input_reference'.", "invalid_type")
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            fmt, width, height = img.format or "", img.width, img.height
    except (UnidentifiedImageError, OSError, ValueError):
        raise _ref_error(
            "Invalid input_reference: the file could not be decoded as an image "
            "(supported: image/jpeg, image/png, image/webp).",
            "invalid_image",
        ) from None
    if fmt not in _IMAGE_FORMATS:
        raise _ref_error(
            f"Invalid input_reference: unsupported image format '{fmt}' "
            "(supported: image/jpeg, image/png, image/webp).",
            "invalid_image_format",
        )
    if f"{width}x{height}" != size:
        raise _ref_error(
            f"Inpaint image must match the requested width and height "
            f"(got {width}x{height}, requested {size})."
        )
    return hashlib.sha256(data).hexdigest()


def _moderate_and_charge(store: JobStore, prompt: str) -> None:
    if store.faults.moderation(prompt) == "submit":
        store.faults.counts["moderation_submit"] += 1
        raise ApiError(
            400,
            "Your request was blocked by our moderation system.",
            code=store.config.moderation.submit_code,
        )
    fault = store.check_quota()
    if fault is not None:
        raise fault_error(fault)


@_endpoint(is_create=True)
async def create_video(request: Request) -> Response:
    """POST /videos — JSON or multipart (the official SDK always sends multipart)."""
    store = _store(request)
    fields = await _fields(request)
    prompt, model, size, seconds = validate_create(store.config, fields)
    reference = await _reference(fields.get("input_reference"), size)
    _moderate_and_charge(store, prompt)
    job = store.create(prompt, model, size, seconds, profile=PROFILE, reference_sha256=reference)
    state = store.state(job, now=job.created_at - 1e-9)  # the create answer is always 'queued'
    return _json(video_object(job, state))


@_endpoint(is_create=True)
async def remix_video(request: Request) -> Response:
    """POST /videos/{id}/remix — same model/size/seconds, new prompt."""
    store = _store(request)
    source = _job(store, request)
    prompt = validate_prompt(await _fields(request))
    if store.state(source).status != "completed":
        raise ApiError(
            400,
            f"Video '{source.id}' is not completed; only completed videos can be remixed.",
            param="video_id",
            code="invalid_value",
        )
    _moderate_and_charge(store, prompt)
    job = store.create(
        prompt,
        source.model,
        source.size,
        source.seconds,
        profile=PROFILE,
        remixed_from=source.id,
        seed=source.seed,
    )
    return _json(video_object(job, store.state(job, now=job.created_at - 1e-9)))


@_endpoint(is_create=False)
async def retrieve_video(request: Request) -> Response:
    """GET /videos/{id} — status derived from the clock; hints the poll interval."""
    store = _store(request)
    job = _job(store, request)
    hint = store.config.poll_after_ms
    if hint is None:
        hint = max(50, min(1000, int(store.config.latency * 1000 / 8)))
    return _json(video_object(job, store.state(job)), {"openai-poll-after-ms": str(hint)})


@_endpoint(is_create=False)
async def list_videos(request: Request) -> Response:
    """GET /videos — cursor pagination: after, limit (0-100), order (asc|desc, default desc)."""
    store = _store(request)
    q = request.query_params
    order = q.get("order", "desc")
    if order not in ("asc", "desc"):
        raise ApiError(
            400, f"Invalid value: '{order}'. Supported values are: 'asc' and 'desc'.",
            param="order", code="invalid_value",
        )  # fmt: skip
    try:
        limit = int(q.get("limit", "20"))
    except ValueError:
        limit = -1
    if not 0 <= limit <= 100:
        raise ApiError(
            400, "Invalid 'limit': expected an integer between 0 and 100.",
            param="limit", code="invalid_value",
        )  # fmt: skip
    try:
        jobs, has_more = store.list(
            profile=PROFILE,
            after=q.get("after"),
            limit=limit,
            order="asc" if order == "asc" else "desc",
        )
    except KeyError:
        raise ApiError(
            400, f"Invalid 'after': no video with id '{q.get('after')}'.",
            param="after", code="invalid_value",
        ) from None  # fmt: skip
    data = [video_object(j, store.state(j)) for j in jobs]
    return _json(
        {
            "object": "list",
            "data": data,
            "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None,
            "has_more": has_more,
        }
    )


@_endpoint(is_create=False)
async def delete_video(request: Request) -> Response:
    """DELETE /videos/{id} — allowed in any status (the API has no cancel endpoint)."""
    store = _store(request)
    job = _job(store, request)
    store.delete(job.id)
    return _json({"id": job.id, "object": "video.deleted", "deleted": True})


@_endpoint(is_create=False)
async def video_content(request: Request) -> Response:
    """GET /videos/{id}/content?variant= — mp4 / webp / jpg; may be truncated or expired."""
    store = _store(request)
    job = _job(store, request)
    variant = request.query_params.get("variant", "video")
    if variant not in MEDIA_TYPE:
        raise ApiError(
            400,
            f"Invalid value: '{variant}'. Supported values are: 'video', 'thumbnail', "
            "and 'spritesheet'.",
            param="variant",
            code="invalid_value",
        )
    try:
        path = await store.content(job, cast(Variant, variant))
    except ContentError as exc:
        if exc.reason == "expired":
            raise ApiError(410, exc.message, code="expired") from None
        raise ApiError(400, exc.message, param="video_id", code=f"video_{exc.reason}") from None
    cut = store.truncation() if variant == "video" else None
    response: Response = file_response(
        path,
        MEDIA_TYPE[variant],
        headers=common_headers(),
        send_fraction=cut,
        mode=store.config.downloads.truncate_mode,
    )
    return response


async def notify(store: JobStore, job: EmuJob) -> None:
    """Deliver the thin ``video.completed``/``video.failed`` event for ``job`` (reference §3)."""
    cfg = store.config.webhooks
    if cfg.url is None or cfg.secret is None:
        return
    state = store.state(job)
    event_id = f"evt_{hashlib.sha256(job.id.encode()).hexdigest()[:32]}"
    finished = state.completed_at if state.completed_at is not None else store.clock()
    body = json.dumps(
        {
            "id": event_id,
            "object": "event",
            "created_at": int(finished),
            "type": f"video.{state.status}",
            "data": {"id": job.id},
        },
        separators=(",", ":"),
    ).encode()
    secret = cfg.secret
    await deliver(
        store, cfg.url, body, lambda: sign_standard(secret, event_id, store.clock(), body)
    )


def install(store: JobStore) -> None:
    """Register the Sora webhook hook on ``store`` (deliveries run when the app dispatches)."""

    async def hook(job: EmuJob) -> None:
        await notify(store, job)

    store.on_finished(PROFILE, hook)


def routes() -> list[BaseRoute]:
    """Return the /videos routes, mounted for OpenAI (/v1) and Azure OpenAI v1 (/openai/v1)."""
    videos: list[BaseRoute] = [
        Route("/videos", create_video, methods=["POST"]),
        Route("/videos", list_videos, methods=["GET"]),
        Route("/videos/{video_id}", retrieve_video, methods=["GET"]),
        Route("/videos/{video_id}", delete_video, methods=["DELETE"]),
        Route("/videos/{video_id}/content", video_content, methods=["GET"]),
        Route("/videos/{video_id}/remix", remix_video, methods=["POST"]),
        *speech.routes(),
    ]
    return [Mount("/v1", routes=videos), Mount("/openai/v1", routes=videos)]
