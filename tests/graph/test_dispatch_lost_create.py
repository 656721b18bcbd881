"""Paid jobs: found again after a crash or a lost answer, and counted by the budget throughout."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from lessonreel.agents.schemas import Shot, ShotPrompt, Verdict
from lessonreel.graph.context import Context
from lessonreel.graph.nodes.await_clip import await_clip
from lessonreel.graph.nodes.dispatch import dispatch_shot
from lessonreel.graph.nodes.screen import screen_shot
from lessonreel.graph.reconcile import UNLISTABLE_REASON
from lessonreel.graph.services import Services, attach_services, services_for
from lessonreel.graph.state import ShotState
from lessonreel.store.ledger import Ledger
from lessonreel.video.pricing import PriceTable
from lessonreel.video.pricing.charges import committed_usd
from lessonreel.video.types import (
    CREATE_OUTCOME_UNKNOWN,
    ErrorKind,
    JobError,
    ProviderError,
    VideoJob,
    VideoRequest,
)

PROMPT = "A wide shot of a leaf turning towards the sun, slow dolly-in."


class LosesFirstAnswer:
    """A provider whose first create is accepted but its answer lost (a reset after the 200)."""

    name = "local"

    def __init__(self) -> None:
        self.created: list[VideoJob] = []

    async def submit(self, request: VideoRequest) -> VideoJob:
        job = VideoJob(
            id=f"video_{len(self.created)}",
            provider=self.name,
            model=request.model,
            status="queued",
            created_at=time.time(),
            size=request.size,
            seconds=request.seconds,
            prompt=request.prompt,
        )
        self.created.append(job)
        if len(self.created) == 1:
            lost = JobError(
                kind=ErrorKind.SERVER_ERROR, code=CREATE_OUTCOME_UNKNOWN, message="reset"
            )
            raise ProviderError(lost)
        return job

    async def aclose(self) -> None:
        return None


class ListsJobs(LosesFirstAnswer):
    async def iter_jobs(
        self, *, limit: int | None = None, order: str | None = "desc"
    ) -> AsyncIterator[VideoJob]:
        for job in reversed(self.created):
            yield job


def _state() -> ShotState:
    shot = Shot(
        index=0,
        start=0,
        end=4,
        duration=4,
        framing="wide shot",
        camera_move="slow dolly-in",
        lens="35mm",
        lighting="soft daylight",
        palette=["green", "gold", "white"],
        subject="a leaf",
        setting="a garden",
        action="turns towards the sun",
        beats=["the leaf turns"],
        objective="phototropism",
    )
    prompt = ShotPrompt(shot_index=0, text=PROMPT, seconds=4, size="320x180")
    return ShotState(
        run_id="run-1", shot=shot, prompt=prompt, model="sora-2", size="320x180", generation=0
    )


def _runtime(tmp_path: Path, provider: Any, ledger: Ledger | None = None) -> Any:
    ctx = Context()
    ledger = ledger or Ledger(tmp_path / "ledger.db")
    attach_services(ctx, Services(context=ctx, home=tmp_path, ledger=ledger, provider=provider))
    return SimpleNamespace(context=ctx, stream_writer=lambda event: None)


async def test_a_lost_create_is_adopted_from_the_providers_listing(tmp_path: Path) -> None:
    provider = ListsJobs()
    runtime = _runtime(tmp_path, provider)
    state = _state()

    first = await dispatch_shot(state, runtime)
    assert first["error"].code == CREATE_OUTCOME_UNKNOWN
    assert first.get("attempts", 0) == 0
    svc = await services_for(runtime.context)
    (row,) = svc.ledger.jobs("run-1")
    assert (row["status"], row["provider_job_id"]) == ("submit_unknown", None)

    second = await dispatch_shot({**state, "unknown_rounds": 1}, runtime)  # same retry index
    assert second["error"] is None
    assert second["job_id"] == "video_0"
    assert second["attempts"] == 1
    assert len(provider.created) == 1, "the lost create was submitted again"
    (row,) = svc.ledger.jobs("run-1")
    assert row["provider_job_id"] == "video_0"
    svc.ledger.close()


async def test_a_lost_create_on_a_provider_that_cannot_list_is_given_up_not_resubmitted(
    tmp_path: Path,
) -> None:
    provider = LosesFirstAnswer()
    runtime = _runtime(tmp_path, provider)
    state = _state()

    await dispatch_shot(state, runtime)
    second = await dispatch_shot({**state, "unknown_rounds": 1}, runtime)

    assert second["reason"] == UNLISTABLE_REASON
    assert second["error"].kind is ErrorKind.INVALID_REQUEST  # routed to give_up_shot
    assert len(provider.created) == 1
    (await services_for(runtime.context)).ledger.close()


class BlocksEverything:
    """An online moderation check that changed its mind: it now blocks every prompt."""

    async def ascreen(self, text: str) -> Verdict:
        return Verdict(allowed=False, text=text, category="violence", reasons=["moderation"])


async def test_a_shot_rescreened_after_a_crash_collects_the_job_its_first_verdict_bought(
    tmp_path: Path,
) -> None:
    """A first pass keeps no checkpoint, so a killed shot is screened again from its input."""
    provider = ListsJobs()
    runtime = _runtime(tmp_path, provider)
    svc = await services_for(runtime.context)
    state = _state()
    first = await screen_shot(state, runtime)  # the offline screen allows it
    assert first["verdict"].allowed
    state = {**state, "prompt": first["prompt"]}
    await dispatch_shot({**state, "unknown_rounds": 0}, runtime)  # paid; answer lost
    await dispatch_shot({**state, "unknown_rounds": 1}, runtime)  # adopted: one job

    svc.loaded_screen = BlocksEverything()  # the process was killed; moderation now says no
    again = await screen_shot(_state(), runtime)

    assert again["verdict"].allowed, "the shot would be rewritten and its clip bought twice"
    assert "collected, not bought again" in again["verdict"].reasons[-1]
    assert len(provider.created) == 1
    svc.ledger.close()


async def test_a_block_of_a_prompt_never_bought_stands(tmp_path: Path) -> None:
    runtime = _runtime(tmp_path, ListsJobs())
    svc = await services_for(runtime.context)
    svc.loaded_screen = BlocksEverything()

    verdict = (await screen_shot(_state(), runtime))["verdict"]

    assert not verdict.allowed
    assert verdict.reasons == ["moderation"]
    svc.ledger.close()


class CountsCommitted(Ledger):
    """A ledger noting, after every write, what a budget deciding at that moment would count."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.counted: list[float] = []

    def _note(self) -> None:
        self.counted.append(committed_usd(self, "run-1", PriceTable.default()))

    def update_job(self, key: str, **fields: Any) -> None:
        super().update_job(key, **fields)
        self._note()

    def record_spend(self, run_id: str, *, job_key: str | None, usd: float, kind: str) -> bool:
        done = super().record_spend(run_id, job_key=job_key, usd=usd, kind=kind)
        self._note()
        return done


async def test_a_finished_job_is_counted_by_the_budget_at_every_moment_of_its_settling(
    tmp_path: Path,
) -> None:
    """Closed but not yet charged, a job would be counted nowhere: a shot could pass the cap."""
    ledger = CountsCommitted(tmp_path / "ledger.db")
    runtime = _runtime(tmp_path, ListsJobs(), ledger)
    ledger.reserve_job(
        "key-1", run_id="run-1", shot_index=0, provider="openai", model="sora-2",
        size="1280x720", seconds=4, prompt=PROMPT, estimate_usd=0.4,
    )  # fmt: skip
    done = VideoJob(id="video_0", provider="openai", model="sora-2", status="succeeded",
                    created_at=time.time(), size="1280x720", seconds=4, prompt=PROMPT,
                    cost_usd=0.4)  # fmt: skip
    state = {**_state(), "job_id": "video_0", "job_key": "key-1", "job": done}

    settled = await await_clip(state, runtime)

    assert settled["error"] is None
    assert ledger.counted, "nothing was recorded"
    assert min(ledger.counted) >= 0.4 - 1e-9, f"the budget lost sight of $0.40: {ledger.counted}"
    assert ledger.spent("run-1") == 0.4
    ledger.close()


class AnswersFinished(LosesFirstAnswer):
    """A provider whose submit answers with the finished, billed job (a zero-latency renderer)."""

    async def submit(self, request: VideoRequest) -> VideoJob:
        job = VideoJob(
            id=f"video_{len(self.created)}",
            provider=self.name,
            model=request.model,
            status="succeeded",
            progress=100,
            created_at=time.time(),
            size=request.size,
            seconds=request.seconds,
            prompt=request.prompt,
            cost_usd=0.4,
        )
        self.created.append(job)
        return job


async def test_a_submit_that_answers_a_finished_job_is_settled_with_its_create(
    tmp_path: Path,
) -> None:
    """The create, the end and the charge are on record before the wait, which adds nothing."""
    ledger = CountsCommitted(tmp_path / "ledger.db")
    provider = AnswersFinished()
    runtime = _runtime(tmp_path, provider, ledger)
    state = _state()

    dispatched = await dispatch_shot(state, runtime)

    (row,) = ledger.jobs("run-1")
    assert (row["provider_job_id"], row["status"], row["cost_usd"]) == ("video_0", "succeeded", 0.4)
    assert ledger.spent("run-1") == 0.4
    writes = len(ledger.counted)

    waited = await await_clip({**state, **dispatched}, runtime)

    assert waited["error"] is None
    assert waited["job"].status == "succeeded"
    assert len(ledger.counted) == writes, "the finished job was recorded a second time"
    assert ledger.spent("run-1") == 0.4
    assert len(provider.created) == 1
    ledger.close()


class DownloadsClips(AnswersFinished):
    """Renders a real 4 s clip for every download, and counts the downloads."""

    def __init__(self) -> None:
        super().__init__()
        self.downloads = 0

    async def download(self, job_id: str, dest: Path, *, variant: str = "video") -> Any:
        from lessonreel.store.assets import sha256_file
        from lessonreel.video.animatic import render_animatic
        from lessonreel.video.types import Clip

        def render() -> Clip:
            dest.parent.mkdir(parents=True, exist_ok=True)
            render_animatic(dest, prompt=PROMPT, size="320x180", seconds=4.0, seed=1, fps=4)
            return Clip(path=dest, sha256=sha256_file(dest), bytes=dest.stat().st_size)

        self.downloads += 1
        return await asyncio.to_thread(render)


async def test_a_settled_shot_reuses_its_stored_clip_once_it_left_its_first_pass(
    tmp_path: Path,
) -> None:
    """Off its first pass a shot resumes from a checkpoint that may predate its stored clip."""
    from lessonreel.graph.nodes.fetch import fetch_clip

    provider = DownloadsClips()
    runtime = _runtime(tmp_path, provider)
    svc = await services_for(runtime.context)
    state: Any = {**_state(), "retry": 1}  # a retry: every step of the shot is checkpointed
    dispatched = await dispatch_shot(state, runtime)
    assert dispatched["settled"]
    state = {**state, **dispatched, **await await_clip({**state, **dispatched}, runtime)}

    first = await fetch_clip(state, runtime)
    again = await fetch_clip(state, runtime)  # resumed from the checkpoint before the fetch

    assert first["error"] is None
    assert again["error"] is None
    assert provider.downloads == 1, "the stored clip was downloaded again"
    assert again["shot_results"][0].sha256 == first["shot_results"][0].sha256
    svc.ledger.close()
