"""The webhook receiver behind ``lessonreel webhooks``: verified events go into the ledger.

``await_clip`` reads these events before it polls, so a provider that calls back saves polls.
The receiver (signature checks, stale timestamps, body limits) lives in ``video/webhooks.py``;
this module only decides where a verified event is written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any


def ledger_sink(ledger: Any, *, provider: str | None = None) -> Callable[[Any], Awaitable[bool]]:
    """Build ``on_event`` for the receiver: record once, False for an id already seen."""

    async def on_event(event: Any) -> bool:
        recorded: bool = await asyncio.to_thread(
            ledger.record_event,
            provider=provider or event.provider,
            event_id=event.id,
            type=event.type,
            provider_job_id=event.video_id,
            payload=event.data,
        )
        return recorded

    return on_event


def receiver_app(
    secret: str, ledger: Any, *, provider: str | None = None, read_timeout: float | None = None
) -> Any:
    """The receiver for ``provider``'s signature scheme, writing into ``ledger``.

    OpenRouter signs callbacks in its own scheme; every other provider uses Standard Webhooks.
    """
    from lessonreel.video.webhooks import DEFAULT_READ_TIMEOUT, create_receiver_app
    from lessonreel.video.webhooks_openrouter import verify_openrouter

    verify = verify_openrouter if provider == "openrouter" else None
    return create_receiver_app(
        secret,
        ledger_sink(ledger, provider=provider),
        verify=verify,
        read_timeout=DEFAULT_READ_TIMEOUT if read_timeout is None else read_timeout,
    )


def serve_receiver(
    secret: str,
    *,
    host: str = "127.0.0.1",
    port: int = 8787,
    provider: str | None = None,
    read_timeout: float | None = None,
) -> None:
    """Serve the receiver until interrupted (blocking)."""
    import uvicorn

    from lessonreel.store.ledger import Ledger

    with Ledger.open() as ledger:
        app = receiver_app(secret, ledger, provider=provider, read_timeout=read_timeout)
        uvicorn.run(app, host=host, port=port, log_level="warning")
