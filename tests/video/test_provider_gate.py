"""The provider gate spaces creates evenly, under the provider's limit, whatever else is in flight.

A provider counts creates as they arrive; two sent closer than its limit allows get a 429 and
pause the whole provider. So the gate must not let a create that was granted its turn sit
behind polls and downloads for a concurrency slot, then leave together with the next one.
"""

from __future__ import annotations

import asyncio
import itertools

from live_emulator import in_virtual_time

from lessonreel.video.providers.retry import CREATE_PACE, ProviderGate

CREATE_RPM = 60.0
SPACING = 60.0 / (CREATE_RPM * CREATE_PACE)


def _sent_creates(polls_hold: float) -> list[float]:
    async def scenario(loop: asyncio.AbstractEventLoop) -> list[float]:
        gate = ProviderGate(create_rpm=CREATE_RPM, max_concurrency=2, clock=loop.time)
        sent: list[float] = []
        done = asyncio.Event()

        async def create() -> None:
            async with gate.slot(create=True):
                sent.append(loop.time())

        async def poll() -> None:  # a waiting shot polling its job: holds a slot a while
            while not done.is_set():
                async with gate.slot():
                    await asyncio.sleep(polls_hold)

        polls = [asyncio.create_task(poll()) for _ in range(6)]
        await asyncio.sleep(0.1)  # the polls hold every slot when the creates arrive
        await asyncio.gather(*(create() for _ in range(8)))
        done.set()
        await asyncio.gather(*polls)
        return sent

    result: list[float] = in_virtual_time(scenario)
    return result


def test_creates_leave_evenly_spaced_while_polls_fill_the_slots() -> None:
    sent = _sent_creates(polls_hold=0.7)
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert len(sent) == 8
    assert min(gaps) >= SPACING - 1e-6  # never two creates closer than the paced spacing
    assert max(gaps) <= SPACING + 0.7 + 1e-6  # at most one poll's hold late, never starved


def test_creates_are_paced_just_under_the_create_rpm() -> None:
    sent = _sent_creates(polls_hold=0.01)
    rate = (len(sent) - 1) / (sent[-1] - sent[0]) * 60.0
    assert 0.95 * CREATE_RPM <= rate < CREATE_RPM
