"""Webhook delivery with injectable faults (delay, duplicate, drop) and sender-side retries.

Signing is the caller's business (``make_headers`` is called per attempt, so the timestamp is
the attempt time, as Standard Webhooks requires); this lets the OpenRouter/Veo profiles reuse
the same delivery path with their own schemes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import httpx

from lessonreel.video.emulator.jobs import JobStore

log = logging.getLogger(__name__)


async def deliver(
    store: JobStore,
    url: str,
    body: bytes,
    make_headers: Callable[[], dict[str, str]],
) -> bool:
    """POST one event (plus configured duplicates); True when a copy got a 2xx answer.

    Applies the store's webhook faults: a seeded drop (never sent), ``delay`` before sending,
    ``duplicate`` extra copies with identical webhook ids, and up to ``max_attempts`` tries
    with doubling waits on a non-2xx answer or a connection error.
    """
    cfg = store.config.webhooks
    if store.faults.drop_webhook():
        store.counts["webhook_dropped"] += 1
        return False
    if cfg.delay > 0:
        await asyncio.sleep(cfg.delay)
    delivered = False
    async with httpx.AsyncClient(timeout=cfg.timeout) as client:
        for copy in range(1 + cfg.duplicate):
            ok = await _attempts(store, client, url, body, make_headers)
            delivered |= ok
            if copy:
                store.counts["webhook_duplicates"] += 1
    return delivered


async def _attempts(
    store: JobStore,
    client: httpx.AsyncClient,
    url: str,
    body: bytes,
    make_headers: Callable[[], dict[str, str]],
) -> bool:
    cfg = store.config.webhooks
    wait = cfg.retry_delay
    for attempt in range(cfg.max_attempts):
        headers = {"content-type": "application/json", **make_headers()}
        try:
            response = await client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            log.info("webhook to %s failed: %s", url, type(exc).__name__)
        else:
            if 200 <= response.status_code < 300:
                store.counts["webhook_sent"] += 1
                return True
            log.info("webhook to %s answered %s", url, response.status_code)
        store.counts["webhook_failed_attempts"] += 1
        if attempt + 1 < cfg.max_attempts:
            await asyncio.sleep(wait)
            wait *= 2
    store.counts["webhook_undelivered"] += 1
    return False
