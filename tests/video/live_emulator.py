"""Helpers for contract tests that run a provider against the emulator as a real loopback server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import httpx

from lessonreel.video.webhooks import WebhookEvent


class Inbox:
    """Webhook events a receiver accepted; ``on_event`` de-duplicates by event id."""

    def __init__(self) -> None:
        self.events: list[WebhookEvent] = []
        self.duplicates = 0
        self._seen: set[str] = set()

    async def on_event(self, event: WebhookEvent) -> bool:
        if event.id in self._seen:
            self.duplicates += 1
            return False
        self._seen.add(event.id)
        self.events.append(event)
        return True


def eventually(check: Callable[[], bool], *, bound: float = 10.0) -> bool:
    """Poll ``check`` until true or the (generous) bound passes; for cross-thread deliveries."""
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


def stats(base_url: str) -> dict[str, Any]:
    data: dict[str, Any] = httpx.get(f"{base_url}/_emulator/stats").json()
    return data


def probe(path: Path) -> tuple[int, int, int, float]:
    """(width, height, decoded frames, seconds) of an MP4, decoded with PyAV."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        seconds = float(container.duration or 0) / 1_000_000
        return stream.codec_context.width, stream.codec_context.height, frames, seconds


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock jumps to the next timer instead of waiting for it."""

    def __init__(self) -> None:
        super().__init__()
        self.virtual = 0.0

    def time(self) -> float:
        return self.virtual

    def _run_once(self) -> None:
        if not self._ready:  # type: ignore[attr-defined]
            timers = [h.when() for h in self._scheduled if not h.cancelled()]  # type: ignore[attr-defined]
            if timers:
                self.virtual = max(self.virtual, min(timers))
        super()._run_once()  # type: ignore[misc]


Scenario = Callable[[asyncio.AbstractEventLoop], Coroutine[Any, Any, Any]]


def in_virtual_time(scenario: Scenario) -> Any:
    loop = VirtualTimeLoop()
    try:
        return loop.run_until_complete(scenario(loop))
    finally:
        loop.close()
