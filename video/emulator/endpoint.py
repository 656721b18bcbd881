"""The one endpoint wrapper the emulator's three profiles (Sora, OpenRouter, Veo) share.

Every emulated endpoint does the same three things before its handler runs: check the caller's
credentials, ask the job store whether a configured fault (5xx, 429, outage) fires, and render
an error in the profile's own envelope. Only the credential check, the fault-to-error mapping
and the error type differ per profile.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response

from lessonreel.video.emulator.faults import Fault
from lessonreel.video.emulator.jobs import JobStore

Handler = Callable[[Request], Awaitable[Response]]
AuthCheck = Callable[[Request, JobStore], None]


class ProfileError(Protocol):
    """An error a profile answers in its own envelope."""

    def response(self) -> Response:
        """Render the error."""
        ...


def store_of(request: Request) -> JobStore:
    """The job store the emulator app serves."""
    store: JobStore = request.app.state.store
    return store


def endpoint(
    *,
    is_create: bool,
    auth: AuthCheck | None,
    fault_error: Callable[[Fault], Exception],
    errors: type[Exception],
) -> Callable[[Handler], Handler]:
    """Wrap a handler: credentials, then fault injection, then the handler; errors rendered."""

    def wrap(handler: Handler) -> Handler:
        async def run(request: Request) -> Response:
            store = store_of(request)
            try:
                if auth is not None:
                    auth(request, store)
                fault = store.admit(is_create=is_create)
                if fault is not None:
                    raise fault_error(fault)
                return await handler(request)
            except errors as exc:
                rendered: ProfileError = exc  # type: ignore[assignment]
                return rendered.response()

        run.__name__ = handler.__name__
        run.__doc__ = handler.__doc__
        return run

    return wrap
