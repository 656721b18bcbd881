"""The provider gate spaces creates evenly, under the provider's limit, whatever else is in flight.

Workers of the temporal engine each hold a gate; sharing the home, they take create turns from one
pace file, so together they stay under the provider's limit as one process does.

A provider counts creates as they arrive; two sent closer than its limit allows get a 429 and
pause the whole provider. So the gate must not let a create that was granted its turn sit
behind polls and downloads for a concurrency slot, then leave together with the next one.
"""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

from live_emulator import in_virtual_time

from lessonreel.store.create_pace import SharedCreatePace, create_pace_path
from lessonreel.video.providers.retry import CREATE_PACE, ProviderGate
from lessonreel.video.types import ErrorKind, JobError, ProviderError

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


def _two_workers_creates(tmp_path: Path, rate_limited_after: int | None = None) -> list[float]:
    """Two workers' gates (own pace files opened separately) creating six jobs each."""

    async def scenario(loop: asyncio.AbstractEventLoop) -> list[float]:
        path = create_pace_path(tmp_path, "openai", "http://127.0.0.1:1/v1")
        gates = []
        for _ in range(2):
            gate = ProviderGate(create_rpm=CREATE_RPM, max_concurrency=2, clock=loop.time)
            gate.share_creates(SharedCreatePace(path, clock=loop.time))
            gates.append(gate)
        sent: list[float] = []

        async def create(gate: ProviderGate) -> None:
            async with gate.slot(create=True):
                sent.append(loop.time())
                if len(sent) == rate_limited_after:
                    refused = JobError(kind=ErrorKind.RATE_LIMITED, retry_after=5.0)
                    gate.on_error(ProviderError(refused))

        await asyncio.gather(*(create(g) for _ in range(6) for g in gates))
        return sorted(sent)

    result: list[float] = in_virtual_time(scenario)
    return result


def test_two_workers_sharing_the_home_space_their_creates_as_one(tmp_path: Path) -> None:
    # each worker alone would pace at the provider's create RPM: together twice over it
    sent = _two_workers_creates(tmp_path)
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert len(sent) == 12
    assert min(gaps) >= SPACING - 1e-6
    rate = (len(sent) - 1) / (sent[-1] - sent[0]) * 60.0
    assert 0.95 * CREATE_RPM <= rate < CREATE_RPM


def test_a_429_on_one_worker_holds_the_other_workers_creates(tmp_path: Path) -> None:
    sent = _two_workers_creates(tmp_path, rate_limited_after=3)
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert gaps[2] >= 5.0 - 1e-6  # no create on either worker within the retry-after
    assert min(gaps) >= SPACING - 1e-6
