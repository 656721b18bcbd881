"""The ``openrouter`` provider: OpenRouter's asynchronous video API (``/api/v1/videos``).

One adapter reaches Veo 3.1, Kling, Seedance, Wan and Hailuo. The path looks like OpenAI's but
the wire shape is OpenRouter's own (``duration`` as an int, ``resolution`` + ``aspect_ratio``,
``frame_images``, ``pending`` status, ``/content?index=0``), so it gets its own client rather
than a base-URL switch on the Sora one.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from lessonreel.video.pricing import ModelSpec, PriceTable
from lessonreel.video.providers.live_http import (
    LiveHTTP,
    created_job,
    invalid,
    make_gate,
    read_image,
    server_error,
)
from lessonreel.video.providers.openrouter_models import (
    NEGATIVE_PROMPT_KEYS,
    PROVIDER,
    OpenRouterModel,
    model_from_spec,
    provider_slug,
    spec_from_model,
)
from lessonreel.video.providers.openrouter_wire import (
    DEFAULT_BASE_URL,
    api_base,
    map_http_error,
    to_job,
)
from lessonreel.video.providers.retry import RetryPolicy
from lessonreel.video.providers.sizes import split_size
from lessonreel.video.types import (
    Clip,
    Continuity,
    Variant,
    VideoJob,
    VideoRequest,
)


class OpenRouterVideoProvider:
    """VideoProvider for OpenRouter's ``/api/v1/videos`` (submit → poll → content).

    Legal settings and prices come from the price table, refreshed from
    ``GET /videos/models`` on first submit (or :meth:`refresh_models`). The key is held
    privately and never appears in messages or ``repr``.
    """

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str = DEFAULT_BASE_URL,
        name: str = PROVIDER,
        max_retries: int = 4,
        rpm: float | None = None,
        create_rpm: float | None = None,
        max_concurrency: int = 4,
        timeout: float = 60.0,
        transport: httpx.AsyncBaseTransport | None = None,
        callback_url: str | None = None,
        refresh: bool = True,
        retry_policy: RetryPolicy | None = None,
        prices: PriceTable | None = None,
    ) -> None:
        self.name = name
        self.prices = prices or PriceTable.default()
        self.callback_url = callback_url
        self._refresh = refresh
        self._refreshed = False
        self._catalog: dict[str, OpenRouterModel] = {}
        self._submitted: dict[str, VideoRequest] = {}
        self.__key = api_key
        retry = retry_policy or RetryPolicy(max_retries=max_retries)
        headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = LiveHTTP(
            name=name,
            base_url=api_base(base_url),
            headers={**headers, "x-title": "lessonreel"},
            map_error=lambda s, b, h: map_http_error(s, b, h, secret=self.__key),
            retry=retry,
            gate=make_gate(retry, rpm=rpm, create_rpm=create_rpm, max_concurrency=max_concurrency),
            timeout=timeout,
            transport=transport,
        )
        self.base_url = self._http.base_url
        self.gate = self._http.gate
        self.retry = retry

    def __repr__(self) -> str:
        key = "set" if self.__key else "none"
        return f"OpenRouterVideoProvider(base_url={self.base_url!r}, api_key=<{key}>)"

    async def __aenter__(self) -> OpenRouterVideoProvider:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Release the HTTP client."""
        await self._http.aclose()

    # -- models and pricing -------------------------------------------------------------------

    def models(self) -> list[ModelSpec]:
        """Return the models OpenRouter serves (static table until refreshed from the API)."""
        return self.prices.specs(PROVIDER)

    def capabilities(self, model: str) -> OpenRouterModel:
        """Return what ``model`` accepts (catalog entry, or built from the static table)."""
        if model in self._catalog:
            return self._catalog[model]
        return model_from_spec(self.prices.model_spec(PROVIDER, model))

    async def refresh_models(self) -> list[ModelSpec]:
        """Fetch ``GET /videos/models`` and register every priceable model's spec."""
        payload = await self._http.request_json("GET", "videos/models", what="list models")
        entries = payload.get("data") if isinstance(payload, Mapping) else None
        if not isinstance(entries, list):
            raise server_error("bad_response", "OpenRouter /videos/models has no 'data' list")
        registered: list[ModelSpec] = []
        for entry in entries:
            model = OpenRouterModel.model_validate(entry)
            self._catalog[model.id] = model
            spec = spec_from_model(model, self.prices)
            if spec is not None:
                self.prices.register(spec)
                registered.append(spec)
        self._refreshed = True
        return registered

    def validate(self, request: VideoRequest) -> ModelSpec:
        """Check model, duration and size against the model's legal sets."""
        return self.prices.validate_request(PROVIDER, request)

    def estimate_cost(self, request: VideoRequest) -> float:
        """USD estimate from ``pricing_skus`` (derived for per-token models, see ModelSpec)."""
        usd: float = self.validate(request).cost(request.seconds, request.size)
        return usd

    # -- request building ---------------------------------------------------------------------

    def build_payload(self, request: VideoRequest) -> dict[str, Any]:
        """Return the exact JSON body ``POST /videos`` gets for ``request``."""
        spec = self.validate(request)
        caps = self.capabilities(spec.model)
        pair = split_size(request.size, caps.supported_resolutions, caps.supported_aspect_ratios)
        if pair is None:
            raise invalid(f"size {request.size} has no resolution/aspect ratio on {spec.model}")
        body: dict[str, Any] = {
            "model": spec.model,
            "prompt": request.prompt,
            "duration": request.seconds,
            "resolution": pair[0],
            "aspect_ratio": pair[1],
        }
        if caps.generate_audio is not False:
            body["generate_audio"] = request.generate_audio
        if request.seed is not None and caps.seed is not False:
            body["seed"] = request.seed
        if request.input_reference is not None:
            frames = caps.supported_frame_images
            if frames is not None and "first_frame" not in frames:
                raise invalid(f"{spec.model} does not take a first-frame image on OpenRouter")
            data, mime = read_image(Path(request.input_reference))
            url = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
            body["frame_images"] = [
                {"type": "image_url", "image_url": {"url": url}, "frame_type": "first_frame"}
            ]
        callback = request.callback_url or self.callback_url
        if callback:
            body["callback_url"] = callback
        if request.continuity is not None:
            body["previous_job_id"] = request.continuity.job_id
        options = self._passthrough(spec.model, request, caps)
        if options:
            body["provider"] = {"options": options}
        return body

    @staticmethod
    def _passthrough(
        model: str, request: VideoRequest, caps: OpenRouterModel
    ) -> dict[str, Any] | None:
        slug = provider_slug(model)
        params = dict(request.params)
        if slug is not None and request.negative_prompt and slug in NEGATIVE_PROMPT_KEYS:
            params.setdefault(NEGATIVE_PROMPT_KEYS[slug], request.negative_prompt)
        if not params:
            return None
        if slug is None:
            raise invalid(
                f"passthrough parameters {sorted(params)} need a known upstream slug for {model}"
            )
        allowed = caps.allowed_passthrough_parameters
        if allowed is not None and (extra := sorted(set(params) - set(allowed))):
            raise invalid(
                f"{model} does not accept passthrough parameters {extra}; "
                f"allowed: {', '.join(allowed) or 'none'}"
            )
        return {slug: {"parameters": params}}

    # -- the protocol -------------------------------------------------------------------------

    async def submit(self, request: VideoRequest) -> VideoJob:
        """Validate against the live catalog (fetched once), then ``POST /videos`` (202)."""
        if self._refresh and not self._refreshed:
            await self.refresh_models()
        body = await asyncio.to_thread(self.build_payload, request)
        payload = await self._http.request_json(
            "POST", "videos", json=body, create=True, what="create"
        )
        job: VideoJob = created_job(
            lambda: to_job(payload, provider=self.name, request=request), f"{self.name} create"
        )
        self._submitted[job.id] = request
        return job

    async def get(self, job_id: str) -> VideoJob:
        """Return the job's neutral state from ``GET /videos/{id}``."""
        payload = await self._http.request_json("GET", f"videos/{job_id}", what="retrieve")
        return to_job(payload, provider=self.name, request=self._submitted.get(job_id))

    async def download(self, job_id: str, dest: Path, *, variant: Variant = "video") -> Clip:
        """Stream ``GET /videos/{id}/content?index=0`` (bearer) to ``dest``."""
        if variant != "video":
            raise invalid(f"OpenRouter serves only the video itself, not a {variant}")
        return await self._http.download(
            f"videos/{job_id}/content",
            Path(dest),
            params={"index": "0"},
            what=f"download of OpenRouter job {job_id}",
        )

    async def remix(self, job_id: str, prompt: str) -> VideoJob:
        """Edit a completed job of this session via ``previous_job_id`` (same model and size)."""
        source = self._submitted.get(job_id)
        if source is None:
            raise invalid(
                f"remixing {job_id} needs its original request; submit a VideoRequest "
                "with continuity instead"
            )
        request = source.model_copy(
            update={
                "prompt": prompt,
                "input_reference": None,
                "continuity": Continuity(kind="remix", job_id=job_id),
            }
        )
        return await self.submit(request)

    async def cancel(self, job_id: str) -> None:
        """Do nothing: OpenRouter documents no cancel or delete call for video jobs."""
        return None
