"""The emulator's Starlette app: profile routes over one JobStore, stats, webhook dispatch.

In-process use (``httpx.ASGITransport``) needs no lifespan: job status is derived from the
clock on every read. When served by uvicorn, the lifespan runs a small loop that notices
finished jobs and starts their webhook deliveries (``JobStore.dispatch_finished``).
Profiles add themselves to :data:`PROFILES` as ``(install, routes)`` pairs.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Sequence

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from lessonreel.video.emulator import openrouter, sora, veo
from lessonreel.video.emulator.config import EmulatorConfig
from lessonreel.video.emulator.jobs import JobStore
from lessonreel.video.emulator.limits import BodyLimit

DISPATCH_INTERVAL = 0.05
"""Seconds between checks for finished jobs (webhooks) while served."""

Installer = Callable[[JobStore], None]
RoutesFactory = Callable[[], list[BaseRoute]]

NAMED_PROFILES: dict[str, tuple[Installer, RoutesFactory]] = {
    # Veo's full /v1/projects/... routes must precede the Sora /v1 mount, which would swallow them.
    "veo": (veo.install, veo.routes),
    "openai": (sora.install, sora.routes),
    "openrouter": (openrouter.install, openrouter.routes),
}
"""Wire profiles by name (``lessonreel emulator --profile``): (register hooks, route list)."""

PROFILES: list[tuple[Installer, RoutesFactory]] = list(NAMED_PROFILES.values())
"""Wire profiles served by every emulator app: (register hooks on the store, route list)."""


async def stats(request: Request) -> Response:
    """GET /_emulator/stats — counts and every job, for tests."""
    store: JobStore = request.app.state.store
    return JSONResponse(store.stats())


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "Internal error."
    message = f"Invalid URL ({request.method} {request.url.path})" if status == 404 else detail
    body = {"error": {"message": message, "type": "invalid_request_error", "param": None,
                      "code": None}}  # fmt: skip
    return JSONResponse(body, status_code=status)


async def _dispatch_loop(store: JobStore) -> None:
    while True:
        await store.dispatch_finished()
        await asyncio.sleep(DISPATCH_INTERVAL)


def create_app(
    config: EmulatorConfig | None = None,
    *,
    store: JobStore | None = None,
    clock: Callable[[], float] = time.time,
    extra_routes: Sequence[BaseRoute] = (),
    profiles: Sequence[str] | None = None,
) -> Starlette:
    """Build an emulator app; pass ``store`` to share a JobStore, else one is built.

    ``profiles`` limits the wire shapes served (names of :data:`NAMED_PROFILES`); default all.
    """
    job_store = store if store is not None else JobStore(config, clock=clock)
    routes: list[BaseRoute] = [Route("/_emulator/stats", stats, methods=["GET"])]
    unknown = sorted(set(profiles or ()) - set(NAMED_PROFILES))
    if unknown:
        raise ValueError(f"unknown emulator profile(s) {unknown}; known: {list(NAMED_PROFILES)}")
    chosen = (
        PROFILES
        if profiles is None
        else [NAMED_PROFILES[n] for n in NAMED_PROFILES if n in profiles]
    )
    for install, profile_routes in chosen:
        install(job_store)
        routes.extend(profile_routes())
    routes.extend(extra_routes)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(_dispatch_loop(job_store))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await job_store.aclose()

    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error},
        middleware=[Middleware(BodyLimit, max_bytes=job_store.config.max_body_bytes)],
    )
    app.state.store = job_store
    return app
