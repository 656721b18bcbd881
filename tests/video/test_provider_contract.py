"""One contract every provider keeps, checked against each emulator profile on a real server.

Whatever the wire shape (Sora's ``/v1/videos``, OpenRouter's ``/api/v1/videos``, Vertex Veo's
long-running operations), the dispatcher must see the same neutral behaviour: a refused prompt
is ``content_policy`` and creates nothing, a job refused later fails as ``content_policy``, a
rate limit is waited out and the job created once, and an exhausted quota is never retried.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from fakes import FakeClock, FakeTime
from live_emulator import stats

from lessonreel.video.emulator.config import EmulatorConfig
from lessonreel.video.emulator.server import running_emulator
from lessonreel.video.providers.base import VideoProvider
from lessonreel.video.providers.factory import make_provider
from lessonreel.video.types import ErrorKind, ProviderError, VideoRequest


@dataclass(frozen=True)
class Profile:
    """How to reach one emulator profile with lessonreel's client for it."""

    emulator: str
    provider: str
    model: str
    options: Callable[[str], dict[str, Any]]


PROFILES = [
    Profile("openai", "openai", "sora-2", lambda url: {"base_url": f"{url}/v1", "api_key": "k"}),
    Profile(
        "openrouter",
        "openrouter",
        "google/veo-3.1",
        lambda url: {"base_url": url, "api_key": "k", "refresh": False},
    ),
    Profile(
        "veo",
        "veo",
        "veo-3.1-fast-generate-001",
        lambda url: {
            "base_url": url,
            "access_token": "ya29.dummy",
            "project": "lessons",
            "create_rpm": None,
        },
    ),
]


@pytest.fixture(params=PROFILES, ids=[p.emulator for p in PROFILES])
def profile(request: pytest.FixtureRequest) -> Profile:
    chosen: Profile = request.param
    return chosen


@contextmanager
def served(profile: Profile, clock: FakeClock, **config: Any) -> Iterator[str]:
    cfg = EmulatorConfig.model_validate({"latency": 10.0, "fps": 8, **config})
    with running_emulator(cfg, clock=clock, profiles=[profile.emulator]) as url:
        yield url


def client(profile: Profile, url: str, waits: FakeTime) -> VideoProvider:
    return make_provider(profile.provider, retry_policy=waits.policy(3), **profile.options(url))


def shot(profile: Profile, prompt: str = "A maple leaf turns toward the window") -> VideoRequest:
    return VideoRequest(prompt=prompt, model=profile.model, size="1280x720", seconds=4)


async def test_a_prompt_refused_at_submit_is_content_policy_and_creates_nothing(
    profile: Profile,
) -> None:
    clock, waits = FakeClock(), FakeTime()
    with served(profile, clock, moderation={"submit_terms": ["forbidden"]}) as url:
        async with client(profile, url, waits) as p:  # type: ignore[attr-defined]
            with pytest.raises(ProviderError) as info:
                await p.submit(shot(profile, "A forbidden scene"))
        assert stats(url)["creates"] == 0
    assert info.value.error.kind is ErrorKind.CONTENT_POLICY
    assert waits.waits == []  # never retried


async def test_a_job_refused_while_rendering_fails_as_content_policy(profile: Profile) -> None:
    clock, waits = FakeClock(), FakeTime()
    with served(profile, clock, moderation={"async_terms": ["forbidden"]}) as url:
        async with client(profile, url, waits) as p:  # type: ignore[attr-defined]
            job = await p.submit(shot(profile, "A forbidden scene of the leaf"))
            clock.advance(60)
            failed = await p.get(job.id)
    assert failed.status == "failed"
    assert failed.error is not None
    assert failed.error.kind is ErrorKind.CONTENT_POLICY


async def test_a_rate_limit_is_waited_out_and_the_job_created_once(profile: Profile) -> None:
    clock, waits = FakeClock(), FakeTime()
    with served(profile, clock, rate_limit={"first": 1, "retry_after": 2}) as url:
        async with client(profile, url, waits) as p:  # type: ignore[attr-defined]
            job = await p.submit(shot(profile))
        counts = stats(url)
    assert job.status in {"queued", "running"}
    assert waits.waits == [pytest.approx(2.0)]
    assert (counts["create_attempts"], counts["creates"]) == (2, 1)


async def test_an_exhausted_quota_is_never_retried(profile: Profile) -> None:
    clock, waits = FakeClock(), FakeTime()
    with served(profile, clock, quota={"max_creates": 0}) as url:
        async with client(profile, url, waits) as p:  # type: ignore[attr-defined]
            with pytest.raises(ProviderError) as info:
                await p.submit(shot(profile))
        assert stats(url)["creates"] == 0
    assert info.value.error.kind is ErrorKind.QUOTA_EXHAUSTED
    assert waits.waits == []
