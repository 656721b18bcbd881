"""The ``openai`` provider: an async client for the Sora-shaped ``/v1/videos`` contract.

One class serves OpenAI (bearer key), Azure OpenAI v1 (``api-key`` header, deployment name as
model) and any gateway or emulator that keeps the shape; only base URL, auth header and pricing
table differ, so those are configuration rather than subclasses.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic import ValidationError

from lessonreel.video.pricing import ModelSpec, PriceTable
from lessonreel.video.providers.errors import error_from_response
from lessonreel.video.providers.live_http import LiveHTTP, make_gate
from lessonreel.video.providers.retry import (
    RetryPolicy,
    guard_create,
)
from lessonreel.video.providers.sora_wire import (
    SoraVideo,
    SoraVideoList,
    VideoPage,
    create_fields,
    load_reference,
    to_job,
)
from lessonreel.video.types import (
    Clip,
    ErrorKind,
    JobError,
    ProviderError,
    Variant,
    VideoJob,
    VideoRequest,
)

_PRICING_PROVIDERS = ("openai", "azure", "local")


class OpenAIVideoProvider:
    """VideoProvider for the Sora-shaped API (OpenAI, Azure OpenAI v1, gateways, the emulator).

    Every call runs through the provider's gate (RPM limiters, concurrency cap, 429 pauses) and
    retry policy (transient kinds only; a job-creating call only when it cannot have created a
    job, else ``code=create_outcome_unknown``); failures surface as ``ProviderError`` with a
    neutral kind. The API key is held privately and never appears in messages or ``repr``.
    """

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str | None,
        name: str = "openai",
        auth_header: Literal["bearer", "api-key"] = "bearer",
        max_retries: int = 4,
        rpm: float | None = None,
        max_concurrency: int = 4,
        timeout: float = 60.0,
        transport: httpx.AsyncBaseTransport | None = None,
        create_rpm: float | None = None,
        pricing_provider: str | None = None,
        model_map: Mapping[str, str] | None = None,
        key_env: str | None = None,
        retry_policy: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
        on_close: Callable[[], Awaitable[None]] | None = None,
        prices: PriceTable | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ProviderError.invalid(
                f"base URL {base_url!r} must start with http:// or https://", code="bad_base_url"
            )
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.auth_header = auth_header
        self.pricing_provider = pricing_provider or (
            name if name in _PRICING_PROVIDERS else "openai"
        )
        self.prices = prices or PriceTable.default()
        self.model_map = dict(model_map or {})
        self.key_env = key_env
        self.retry = retry_policy or RetryPolicy(max_retries=max_retries)
        self._clock = clock
        self._on_close = on_close
        self.__key = api_key
        headers: dict[str, str] = {}
        if api_key:
            if auth_header == "api-key":
                headers["api-key"] = api_key
            else:
                headers["authorization"] = f"Bearer {api_key}"
        self._http = LiveHTTP(
            name=name,
            base_url=self.base_url,
            headers=headers,
            map_error=self._map_error,
            retry=self.retry,
            gate=make_gate(
                self.retry, rpm=rpm, create_rpm=create_rpm, max_concurrency=max_concurrency
            ),
            timeout=timeout,
            transport=transport,
        )
        self.gate = self._http.gate

    def __repr__(self) -> str:
        key = "set" if self.__key else "none"
        return (
            f"OpenAIVideoProvider(name={self.name!r}, base_url={self.base_url!r}, "
            f"auth={self.auth_header!r}, api_key=<{key}>)"
        )

    async def __aenter__(self) -> OpenAIVideoProvider:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Release the HTTP client (and whatever ``on_close`` owns, e.g. an in-process emulator)."""
        await self._http.aclose()
        if self._on_close is not None:
            on_close, self._on_close = self._on_close, None
            await on_close()

    # -- pricing and validation -------------------------------------------------------------

    def models(self) -> list[ModelSpec]:
        """Models this provider serves, with legal settings and prices."""
        return self.prices.specs(self.pricing_provider)

    def _pricing_request(self, request: VideoRequest) -> VideoRequest:
        """Rename the model as the price table names it (Azure deployment names map back)."""
        for neutral, wire in self.model_map.items():
            if request.model == wire and neutral != wire:
                return request.model_copy(update={"model": neutral})
        return request

    def _wire_model(self, model: str) -> str:
        return self.model_map.get(model, model)

    def validate(self, request: VideoRequest) -> ModelSpec:
        """Check model, seconds and size against the price table; clear error otherwise."""
        return self.prices.validate_request(self.pricing_provider, self._pricing_request(request))

    def estimate_cost(self, request: VideoRequest) -> float:
        """USD the request would cost; raises ``ProviderError(invalid_request)`` if illegal."""
        cost: float = self.validate(request).cost(request.seconds, request.size)
        return cost

    # -- HTTP core ---------------------------------------------------------------------------

    def _map_error(self, status: int, body: bytes, headers: Mapping[str, str]) -> JobError:
        """The Sora error mapping handed to the shared HTTP core (the key is redacted)."""
        return error_from_response(
            status, body, headers, base_url=self.base_url, secret=self.__key, key_env=self.key_env
        )

    async def _request(
        self,
        method: str,
        path: str,
        *,
        create: bool = False,
        what: str = "request",
        **kwargs: Any,
    ) -> Any:
        """One JSON-answering request through the shared core (gate, transient retries).

        ``create=True`` marks a job-creating call: it is repeated only when no job can have
        been created (see :func:`~lessonreel.video.providers.retry.guard_create`).
        """
        return await self._http.request_json(method, path, create=create, what=what, **kwargs)

    def _created_job(self, payload: Any, what: str) -> VideoJob:
        """Parse a create/remix answer; an unreadable one may still stand for a created job."""
        try:
            return self._job(payload)
        except ProviderError as exc:  # e.g. an unknown status: the job exists, unreadably
            raise ProviderError(guard_create(exc.error, what=f"{self.name} {what}")) from None
        except ValidationError as exc:
            error = JobError(
                kind=ErrorKind.SERVER_ERROR,
                code="bad_response",
                message=f"{what}: the API at {self.base_url} answered with no readable job "
                f"({exc.error_count()} problem(s))",
            )
            raise ProviderError(guard_create(error, what=f"{self.name} {what}")) from None

    def _job(self, payload: Any) -> VideoJob:
        return to_job(SoraVideo.model_validate(payload), provider=self.name, now=self._clock())

    # -- the protocol ------------------------------------------------------------------------

    async def submit(self, request: VideoRequest) -> VideoJob:
        """Validate and create a job (JSON, or multipart with an input_reference image)."""
        self.validate(request)
        if request.continuity is not None:
            if request.continuity.kind == "remix":
                return await self.remix(request.continuity.job_id, request.prompt)
            return await self.extend(request.continuity.job_id, request.prompt, request.seconds)
        priced = self._pricing_request(request)
        fields = create_fields(priced, model=self._wire_model(priced.model))
        if request.input_reference is None:
            payload = await self._request("POST", "videos", json=fields, create=True, what="create")
            return self._created_job(payload, "create")
        image = await asyncio.to_thread(load_reference, request.input_reference, request.size)
        data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in fields.items()}
        files = {"input_reference": (image.filename, image.data, image.mime)}
        payload = await self._request(
            "POST", "videos", data=data, files=files, create=True, what="create"
        )
        return self._created_job(payload, "create")

    async def get(self, job_id: str) -> VideoJob:
        """Fetch the current state of a job."""
        return self._job(await self._request("GET", f"videos/{job_id}", what="retrieve"))

    async def remix(self, job_id: str, prompt: str) -> VideoJob:
        """Re-render a job with one change: ``POST /videos/{id}/remix`` with JSON ``{prompt}``."""
        payload = await self._request(
            "POST", f"videos/{job_id}/remix", json={"prompt": prompt}, create=True, what="remix"
        )
        return self._created_job(payload, "remix")

    async def extend(self, job_id: str, prompt: str, seconds: int) -> VideoJob:
        """Not supported by this client (the API's extensions endpoint is not wired)."""
        raise NotImplementedError(f"{self.name}: extending a video is not supported")

    async def delete(self, job_id: str) -> bool:
        """Delete a job and its stored assets; True when the API says it was deleted."""
        payload = await self._request("DELETE", f"videos/{job_id}", what="delete")
        return bool(isinstance(payload, dict) and payload.get("deleted", True))

    async def cancel(self, job_id: str) -> None:
        """Cancel = delete (the API has no cancel call); a job already gone is fine."""
        try:
            await self.delete(job_id)
        except ProviderError as exc:
            if exc.error.http_status != 404:
                raise

    async def list_jobs(
        self,
        after: str | None = None,
        limit: int | None = None,
        order: Literal["asc", "desc"] | None = None,
    ) -> VideoPage:
        """One page of ``GET /videos``; pass ``page.last_id`` as ``after`` for the next."""
        params: dict[str, str | int] = {}
        if after is not None:
            params["after"] = after
        if limit is not None:
            params["limit"] = limit
        if order is not None:
            params["order"] = order
        payload = await self._request("GET", "videos", params=params, what="list")
        page = SoraVideoList.model_validate(payload)
        now = self._clock()
        return VideoPage(
            jobs=[to_job(v, provider=self.name, now=now) for v in page.data],
            first_id=page.first_id,
            last_id=page.last_id or (page.data[-1].id if page.data else None),
            has_more=page.has_more,
        )

    async def iter_jobs(
        self, *, limit: int | None = None, order: Literal["asc", "desc"] | None = None
    ) -> AsyncIterator[VideoJob]:
        """Every job, following the ``after`` cursor until ``has_more`` is false."""
        after: str | None = None
        while True:
            page = await self.list_jobs(after=after, limit=limit, order=order)
            for job in page.jobs:
                yield job
            if not page.has_more or not page.last_id or page.last_id == after:
                return
            after = page.last_id

    async def download(self, job_id: str, dest: Path, *, variant: Variant = "video") -> Clip:
        """Stream content to ``dest`` via a temp name, checksummed and length-checked."""
        return await self._http.download(
            f"videos/{job_id}/content",
            Path(dest),
            what=f"download of {job_id} ({variant})",
            params={"variant": variant},
            headers={"accept": "application/binary"},
        )
