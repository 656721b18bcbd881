"""fetch_clip: store the finished clip (before its link expires) and report the shot delivered."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from langgraph.runtime import Runtime

from lessonreel.graph.context import Context
from lessonreel.graph.nodes.finish import shot_result
from lessonreel.graph.services import services
from lessonreel.graph.state import ShotState
from lessonreel.video.types import ErrorKind, JobError, ProviderError


def clip_path(run_id: str, index: int, generation: int) -> Path:
    """Where a shot's clip is stored: ``runs/<run>/shots/shot-NNN[-gG].mp4``."""
    from lessonreel.store.home import shots_dir

    suffix = f"-g{generation}" if generation else ""
    path: Path = shots_dir(run_id) / f"shot-{index:03d}{suffix}.mp4"
    return path


def _stored(path: Path, row: dict[str, Any] | None) -> str | None:
    """Return the checksum of an already stored clip that matches the ledger, else None."""
    if row is None or not row.get("sha256") or not path.exists():
        return None
    from lessonreel.store.assets import sha256_file

    digest = sha256_file(path)
    return digest if digest == row["sha256"] else None


async def fetch_clip(state: ShotState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Download the clip via a temp name with a checksum; a resumed run reuses a good copy."""
    svc = await services(runtime)
    shot = state["shot"]
    key = state.get("job_key")
    job = state.get("job")
    job_id = state.get("job_id")
    assert key
    assert job_id
    assert job is not None
    dest = await asyncio.to_thread(clip_path, state["run_id"], shot.index, state["generation"])
    row = await asyncio.to_thread(svc.ledger.job_by_key, key)
    digest = await asyncio.to_thread(_stored, dest, row)
    if digest is None:
        if job.expires_at is not None and time.time() > job.expires_at:
            return {"error": _expired(job_id), "fetch_attempts": state.get("fetch_attempts", 0) + 1}
        runtime.stream_writer({"event": "shot", "index": shot.index, "stage": "downloading"})
        try:
            clip = await svc.provider.download(job_id, dest)
        except ProviderError as exc:
            return {"error": exc.error, "fetch_attempts": state.get("fetch_attempts", 0) + 1}
        digest = clip.sha256
    cost = float((row or {}).get("cost_usd") or 0.0)
    await asyncio.to_thread(
        svc.ledger.update_job, key, clip_path=str(dest), sha256=digest, status="succeeded"
    )
    result = shot_result(
        state,
        outcome="delivered",
        provider=svc.provider.name,
        clip=str(dest),
        sha256=digest,
        cost_usd=cost,
    )
    await asyncio.to_thread(
        svc.ledger.upsert_shot,
        state["run_id"],
        shot.index,
        status="delivered",
        clip_path=str(dest),
        sha256=digest,
        cost_usd=cost,
        job_key=key,
        attempts=result.attempts,
        rewrites=len(result.rewrites),
    )
    runtime.stream_writer({"event": "shot", "index": shot.index, "stage": "delivered"})
    return {"error": None, "shot_results": {shot.index: result}}


def _expired(job_id: str) -> JobError:
    return JobError(
        kind=ErrorKind.SERVER_ERROR,
        code="expired",
        message=f"the download link of job {job_id} expired before it was fetched",
    )
