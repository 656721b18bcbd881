"""HTTP plumbing shared by the OpenRouter and Vertex Veo adapters.

Both adapters need the same things around their wire formats: one pooled client, the provider
gate (RPM, concurrency, 429 pauses) and retry policy from :mod:`retry`, JSON decoding that turns
gateway junk into a clear ``server_error``, and downloads that land under a temp name, are
length-checked and checksummed, then renamed. Error *classification* stays in each adapter,
because the same HTTP status means different things on different APIs.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx

from lessonreel.video.providers.download import PartFile
from lessonreel.video.providers.errors import error_from_exception
from lessonreel.video.providers.retry import (
    NOT_SENT_ERRORS,
    ProviderGate,
    RetryPolicy,
    guard_create,
)
from lessonreel.video.types import Clip, JobError, ProviderError, VideoJob

_CHUNK = 1 << 16

ErrorMapper = Callable[[int, bytes, Mapping[str, str]], JobError]
"""Turns (HTTP status, body, headers) of a non-2xx response into a neutral error."""


server_error = ProviderError.server
"""Build a transient provider fault (bad JSON, truncated body, missing field)."""


def created_job(parse: Callable[[], VideoJob], what: str) -> VideoJob:
    """Parse a create answer; an unreadable one may still stand for a created (paid) job."""
    try:
        return parse()
    except ProviderError as exc:
        raise ProviderError(guard_create(exc.error, what=what)) from None


invalid = ProviderError.invalid
"""Build a terminal ``invalid_request`` error with a message the user can act on."""


def make_gate(
    retry: RetryPolicy,
    *,
    rpm: float | None,
    max_concurrency: int,
    create_rpm: float | None = None,
) -> ProviderGate:
    """Build a provider gate whose waits and clock follow the retry policy's (fakeable) ones."""
    return ProviderGate(
        rpm=rpm,
        create_rpm=create_rpm,
        max_concurrency=max_concurrency,
        sleep=retry.sleep,
        clock=retry.clock,
        max_pause=retry.max_retry_after,
    )


class LiveHTTP:
    """One provider's HTTP client with gating, transient retries and safe downloads."""

    def __init__(
        self,
        *,
        name: str,
        base_url: str,
        headers: Mapping[str, str],
        map_error: ErrorMapper,
        retry: RetryPolicy,
        gate: ProviderGate,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None,
        auth: httpx.Auth | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise invalid(f"base URL {base_url!r} must start with http:// or https://")
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.retry = retry
        self.gate = gate
        self._map_error = map_error
        self._client = httpx.AsyncClient(
            base_url=self.base_url + "/",
            headers={"user-agent": "lessonreel", **headers},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            transport=transport,
        )
        if auth is not None:
            self._client.auth = auth

    async def aclose(self) -> None:
        """Release the pooled connections."""
        await self._client.aclose()

    def _raise_for(self, response: httpx.Response, body: bytes) -> None:
        if response.is_success:
            return
        exc = ProviderError(self._map_error(response.status_code, body, response.headers))
        self.gate.on_error(exc)
        raise exc

    async def request_json(
        self,
        method: str,
        url: str,
        *,
        create: bool = False,
        what: str = "request",
        **kwargs: Any,
    ) -> Any:
        """Send a request (gated, transient kinds retried) and decode its JSON answer.

        ``create=True`` marks a job-creating call: neither API takes an idempotency key, so it
        is repeated only when no job can have been created (a 429, or a failure before the
        request was sent); anything else comes back as ``create_outcome_unknown``
        (:func:`~lessonreel.video.providers.retry.guard_create`).
        """

        def failed(error: JobError, *, sent: bool = True) -> ProviderError:
            if create:
                error = guard_create(error, sent=sent, what=f"{self.name} {what}")
            return ProviderError(error)

        async def attempt() -> Any:
            async with self.gate.slot(create=create):
                try:
                    response = await self._client.request(method, url, **kwargs)
                except httpx.HTTPError as exc:
                    error = error_from_exception(exc, base_url=self.base_url)
                    raise failed(error, sent=not isinstance(exc, NOT_SENT_ERRORS)) from None
            try:
                self._raise_for(response, response.content)
            except ProviderError as exc:
                raise failed(exc.error) from None
            try:
                return response.json()
            except ValueError:
                raise failed(
                    server_error(
                        "bad_response",
                        f"{self.name} {what}: the API at {self.base_url} answered with non-JSON",
                        http_status=response.status_code,
                    ).error
                ) from None

        return await self.retry.call(attempt, what=f"{self.name} {what}")

    async def download(
        self,
        url: str,
        dest: Path,
        *,
        what: str,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Clip:
        """Stream ``url`` to ``dest`` via a temp name; length-checked, checksummed, retried."""

        async def attempt() -> Clip:
            async with self.gate.slot():
                return await self._stream_to(url, Path(dest), what, params, headers)

        return await self.retry.call(attempt, what=f"{self.name} {what}")

    async def _stream_to(
        self,
        url: str,
        dest: Path,
        what: str,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
    ) -> Clip:
        try:
            async with (
                PartFile(dest) as part,
                self._client.stream(
                    "GET", url, params=params, headers=headers, follow_redirects=True
                ) as response,
            ):
                if not response.is_success:
                    self._raise_for(response, await response.aread())
                expected = response.headers.get("content-length")
                async for chunk in response.aiter_bytes(_CHUNK):
                    await part.write(chunk)
                # Content-Length counts wire bytes: compressed bodies are checked against what
                # came over the wire (a preloaded mock body counts none), others against disk.
                encoded = response.headers.get("content-encoding", "identity") != "identity"
                raw = (response.num_bytes_downloaded or part.written) if encoded else part.written
                if expected is not None and expected.isdigit() and int(expected) != raw:
                    raise server_error(
                        "truncated_download",
                        f"{what} was truncated: got {raw} of {expected} bytes",
                    )
                if part.written == 0:
                    raise server_error("empty_download", f"{what} returned no bytes")
                return await part.commit()
        except httpx.HTTPError as exc:
            raise ProviderError(error_from_exception(exc, base_url=self.base_url)) from None


def write_base64(data: str, dest: Path, *, what: str) -> Clip:
    """Decode inline base64 content to ``dest`` via a temp name, checksummed."""
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise server_error(
            "bad_inline_video", f"{what}: inline video is not valid base64"
        ) from None
    if not raw:
        raise server_error("empty_download", f"{what}: inline video is empty")
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{secrets.token_hex(4)}.part")
    try:
        tmp.write_bytes(raw)
        os.replace(tmp, dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return Clip(path=dest, sha256=hashlib.sha256(raw).hexdigest(), bytes=len(raw))


_IMAGE_MIME = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
}


def read_image(path: Path) -> tuple[bytes, str]:
    """Read a first-frame image and its MIME type; a clear error for missing or odd files."""
    mime = _IMAGE_MIME.get(path.suffix.lower())
    if mime is None:
        allowed = ", ".join(sorted(_IMAGE_MIME))
        raise invalid(f"reference image {path.name!r} must be one of {allowed}")
    try:
        return path.read_bytes(), mime
    except OSError as exc:
        raise invalid(f"cannot read reference image {str(path)!r}: {exc.strerror}") from None
