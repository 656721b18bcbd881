"""The protocol every video provider implements.

The dispatcher only ever talks to this protocol, so a provider is swapped by configuration and
every provider's states and errors arrive already mapped to the neutral vocabulary.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from lessonreel.video.pricing import ModelSpec
from lessonreel.video.types import Clip, Variant, VideoJob, VideoRequest


@runtime_checkable
class VideoProvider(Protocol):
    """An asynchronous text-to-video API.

    Methods raise :class:`lessonreel.video.types.ProviderError` for failures at the HTTP
    level (after the provider's own bounded retries of transient kinds); a job that fails
    asynchronously comes back from :meth:`get` with ``status="failed"`` and ``error`` set.
    """

    name: str
    """Provider name as used in configuration and the ledger (``openai``, ``local``, ...)."""

    def models(self) -> list[ModelSpec]:
        """Models this provider serves, with legal settings and prices."""
        ...

    def estimate_cost(self, request: VideoRequest) -> float:
        """USD the request would cost; raises ``ProviderError(invalid_request)`` if illegal."""
        ...

    async def submit(self, request: VideoRequest) -> VideoJob:
        """Validate and create a job; returns as soon as the provider has an id for it."""
        ...

    async def get(self, job_id: str) -> VideoJob:
        """Current state of a job."""
        ...

    async def download(self, job_id: str, dest: Path, *, variant: Variant = "video") -> Clip:
        """Stream the job's content to ``dest`` via a temp name, checksum it, then rename."""
        ...

    async def remix(self, job_id: str, prompt: str) -> VideoJob:
        """Same shot with one change; raises ``NotImplementedError`` where unsupported."""
        ...

    async def cancel(self, job_id: str) -> None:
        """Cancel or delete a job; a no-op where the provider has no such call."""
        ...

    async def aclose(self) -> None:
        """Release the HTTP client."""
        ...


@runtime_checkable
class ListsJobs(Protocol):
    """A provider that can list the jobs it holds (the Sora shape), newest first on request.

    The dispatcher needs it to find a job whose create answer was lost; a provider without it is
    never resubmitted blindly.
    """

    def iter_jobs(
        self, *, limit: int | None = None, order: Literal["asc", "desc"] | None = None
    ) -> AsyncIterator[VideoJob]:
        """Every job, following the provider's cursor."""
        ...
