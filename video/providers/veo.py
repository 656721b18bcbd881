"""The ``veo`` provider: Veo 3.1 on Vertex AI ("Gemini Enterprise Agent Platform") over plain httpx.

Jobs are long-running operations: ``:predictLongRunning`` creates one, ``:fetchPredictOperation``
polls it, and the result is either inline base64 or a ``gs://`` object in the caller's bucket
(fetched through the Cloud Storage JSON API with the same credentials). Two ways to
authenticate: an OAuth access token with a project and location, or an API key in express mode
(no project in the path). No Google SDK is needed for this.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from lessonreel.video.pricing import ModelSpec, PriceTable
from lessonreel.video.providers import veo_wire
from lessonreel.video.providers.live_http import (
    LiveHTTP,
    created_job,
    invalid,
    make_gate,
    write_base64,
)
from lessonreel.video.providers.retry import RetryPolicy
from lessonreel.video.types import (
    Clip,
    ErrorKind,
    JobError,
    ProviderError,
    Variant,
    VideoJob,
    VideoRequest,
)

PROVIDER = "veo"
TOKEN_ENV = "GOOGLE_CLOUD_ACCESS_TOKEN"
PROJECT_ENV = "GOOGLE_CLOUD_PROJECT"
LOCATION_ENV = "GOOGLE_CLOUD_LOCATION"
API_KEY_ENV = "VEO_API_KEY"
STORAGE_ENV = "VEO_STORAGE_URI"
DEFAULT_LOCATION = "us-central1"
EXPRESS_BASE_URL = "https://aiplatform.googleapis.com"
STORAGE_BASE_URL = "https://storage.googleapis.com"
GA_RPM = 50.0
"""Vertex documents 50 requests per minute per project for the GA Veo models; by default the
gate spaces job creates to that rate and leaves polls to the 429 handling."""

TokenSource = str | Callable[[], str]


class _Bearer(httpx.Auth):
    """Adds a (possibly refreshed) OAuth bearer token to every request."""

    def __init__(self, token: TokenSource) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._token() if callable(self._token) else self._token
        request.headers["authorization"] = f"Bearer {token}"
        yield request


def regional_base_url(location: str) -> str:
    """Return the API host for ``location`` (``global`` has no regional prefix)."""
    if location == "global":
        return EXPRESS_BASE_URL
    return f"https://{location}-aiplatform.googleapis.com"


def gcs_media_path(gcs_uri: str) -> str:
    """Return the storage JSON API path that downloads ``gs://bucket/object``."""
    if not gcs_uri.startswith("gs://") or "/" not in gcs_uri[5:]:
        raise invalid(f"{gcs_uri!r} is not a gs://bucket/object URI")
    bucket, obj = gcs_uri[5:].split("/", 1)
    return f"storage/v1/b/{quote(bucket, safe='')}/o/{quote(obj, safe='')}"


class VeoVideoProvider:
    """VideoProvider for Veo 3.1 GA models on Vertex AI.

    Project mode (``access_token`` + ``project``) calls
    ``{host}/v1/projects/{project}/locations/{location}/publishers/google/models/{model}:...``;
    express mode (``api_key`` only) calls ``{host}/v1beta1/publishers/google/models/{model}:...``
    with ``x-goog-api-key``. Credentials never appear in messages or ``repr``.
    """

    def __init__(
        self,
        *,
        project: str | None = None,
        location: str = DEFAULT_LOCATION,
        access_token: TokenSource | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        storage_uri: str | None = None,
        storage_base_url: str | None = None,
        api_version: str | None = None,
        name: str = PROVIDER,
        max_retries: int = 4,
        rpm: float | None = None,
        create_rpm: float | None = GA_RPM,
        max_concurrency: int = 4,
        timeout: float = 120.0,
        transport: httpx.AsyncBaseTransport | None = None,
        retry_policy: RetryPolicy | None = None,
        prices: PriceTable | None = None,
    ) -> None:
        self.prices = prices or PriceTable.default()
        if access_token is None and not api_key:
            raise invalid(
                f"Veo needs an OAuth access token ({TOKEN_ENV}, with {PROJECT_ENV}) "
                f"or an express-mode API key ({API_KEY_ENV})"
            )
        self.express = access_token is None
        if not self.express and not project:
            raise invalid(f"Veo with an access token needs a project: set {PROJECT_ENV}")
        if storage_uri and not storage_uri.startswith("gs://"):
            raise invalid(f"storage URI {storage_uri!r} must start with gs:// ({STORAGE_ENV})")
        self.name = name
        self.project = project
        self.location = location
        self.storage_uri = storage_uri
        self.api_version = api_version or ("v1beta1" if self.express else "v1")
        host = base_url or (EXPRESS_BASE_URL if self.express else regional_base_url(location))
        storage = storage_base_url or (host if base_url else STORAGE_BASE_URL)
        self._storage_base = storage.rstrip("/")
        self._requests: dict[str, VideoRequest] = {}
        retry = retry_policy or RetryPolicy(max_retries=max_retries)
        headers = {"x-goog-api-key": api_key} if self.express and api_key else {}
        hint = f" — check {API_KEY_ENV}" if self.express else f" — check {TOKEN_ENV}"
        self._http = LiveHTTP(
            name=name,
            base_url=host,
            headers=headers,
            map_error=lambda s, b, h: veo_wire.map_http_error(s, b, h, auth_hint=hint),
            retry=retry,
            gate=make_gate(retry, rpm=rpm, create_rpm=create_rpm, max_concurrency=max_concurrency),
            timeout=timeout,
            transport=transport,
            auth=_Bearer(access_token) if access_token is not None else None,
        )
        self.base_url = self._http.base_url
        self.gate = self._http.gate
        self.retry = retry

    def __repr__(self) -> str:
        mode = "express" if self.express else f"project={self.project!r}"
        return f"VeoVideoProvider({mode}, location={self.location!r}, base_url={self.base_url!r})"

    async def __aenter__(self) -> VeoVideoProvider:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Release the HTTP client."""
        await self._http.aclose()

    # -- models and pricing -------------------------------------------------------------------

    def models(self) -> list[ModelSpec]:
        """Return the Veo 3.1 GA models with legal durations, sizes and $/s."""
        return self.prices.specs(PROVIDER)

    def validate(self, request: VideoRequest) -> ModelSpec:
        """Check model, duration and size (1080p and 4k need 8 s) before anything is sent."""
        spec = self.prices.validate_request(PROVIDER, request)
        veo_wire.build_body(request.model_copy(update={"input_reference": None}))
        return spec

    def estimate_cost(self, request: VideoRequest) -> float:
        """USD for the clip at list price with audio (an upper bound without audio)."""
        usd: float = self.validate(request).cost(request.seconds, request.size)
        return usd

    def model_path(self, model: str) -> str:
        """Return the REST path of ``model`` (project or express form)."""
        if self.express:
            return f"{self.api_version}/publishers/google/models/{model}"
        return (
            f"{self.api_version}/projects/{self.project}/locations/{self.location}"
            f"/publishers/google/models/{model}"
        )

    def build_body(self, request: VideoRequest) -> dict[str, Any]:
        """Return the exact JSON body ``:predictLongRunning`` gets for ``request``."""
        self.validate(request)
        body: dict[str, Any] = veo_wire.build_body(request, storage_uri=self.storage_uri)
        return body

    # -- the protocol -------------------------------------------------------------------------

    async def submit(self, request: VideoRequest) -> VideoJob:
        """Validate, then ``POST ...:predictLongRunning``; the job id is the operation name."""
        body = await asyncio.to_thread(self.build_body, request)
        payload = await self._http.request_json(
            "POST",
            f"{self.model_path(request.model)}:predictLongRunning",
            json=body,
            create=True,
            what="create",
        )
        job: VideoJob = created_job(lambda: self._job(payload, request), f"{self.name} create")
        self._requests[job.id] = request
        return job

    def _job(self, payload: Any, request: VideoRequest | None) -> VideoJob:
        cost = None
        if request is not None:
            cost = self.prices.model_spec(PROVIDER, request.model).cost(
                request.seconds, request.size
            )
        job: VideoJob = veo_wire.to_job(
            payload,
            provider=self.name,
            seconds=request.seconds if request else None,
            size=request.size if request else None,
            cost=cost,
        )
        return job

    async def _fetch(self, job_id: str) -> Any:
        model = veo_wire.model_of_operation(job_id)
        return await self._http.request_json(
            "POST",
            f"{self.model_path(model)}:fetchPredictOperation",
            json={"operationName": job_id},
            what="poll",
        )

    async def get(self, job_id: str) -> VideoJob:
        """Poll with ``:fetchPredictOperation``; an operation that is gone reads ``expired``."""
        try:
            payload = await self._fetch(job_id)
        except ProviderError as exc:
            if exc.error.http_status != 404:
                raise
            return VideoJob(
                id=job_id,
                provider=self.name,
                model=veo_wire.model_of_operation(job_id),
                status="expired",
                error=JobError(
                    kind=ErrorKind.TIMEOUT,
                    code="NOT_FOUND",
                    message=f"the operation is gone (expired or unknown): {exc.error.message}",
                    http_status=404,
                ),
            )
        return self._job(payload, self._requests.get(job_id))

    async def download(self, job_id: str, dest: Path, *, variant: Variant = "video") -> Clip:
        """Save the finished video: inline base64, or the ``gs://`` object via Cloud Storage."""
        if variant != "video":
            raise invalid(f"Veo returns only the video itself, not a {variant}")
        payload = await self._fetch(job_id)
        job = self._job(payload, self._requests.get(job_id))
        if job.status != "succeeded":
            raise invalid(f"Veo operation is {job.status}, there is nothing to download")
        video = veo_wire.videos_of(payload.get("response") or {})[0]
        what = f"download of Veo operation {job_id}"
        if video.get("bytesBase64Encoded"):
            return await asyncio.to_thread(
                write_base64, video["bytesBase64Encoded"], Path(dest), what=what
            )
        uri = video.get("gcsUri")
        if not uri:
            raise invalid(f"{what}: the video has neither inline bytes nor a gcsUri")
        if not self.storage_uri:
            raise invalid(
                f"Veo stored the video at {uri}, but no storage bucket is configured: set "
                f"{STORAGE_ENV} (storage_uri=) so lessonreel can fetch gs:// results"
            )
        if self.express:
            raise invalid(
                f"fetching {uri} through Cloud Storage needs an OAuth access token: "
                f"set {TOKEN_ENV} and {PROJECT_ENV}"
            )
        return await self._http.download(
            f"{self._storage_base}/{gcs_media_path(uri)}",
            Path(dest),
            params={"alt": "media"},
            what=what,
        )

    async def remix(self, job_id: str, prompt: str) -> VideoJob:
        """Not supported: Veo's extension takes a video, not a prompt change."""
        raise NotImplementedError("veo: remix is not supported")

    async def cancel(self, job_id: str) -> None:
        """Do nothing: Vertex documents no cancel for video operations."""
        return None
