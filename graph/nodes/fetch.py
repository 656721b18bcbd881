"""fetch_clip: store the finished clip (before its link expires) and report the shot delivered.

A download can be cut silently (the body and its Content-Length agree, so the checksum of what
arrived is "right"): every clip is probed before it counts as delivered, and a clip that does
not decode to the requested length is deleted and fetched again (then rendered again).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from langgraph.runtime import Runtime

from lessonreel.graph.context import Context
from lessonreel.graph.services import Services, emit, services
from lessonreel.graph.state import ShotResult, ShotState, keep_shot_checkpoint, shot_result
from lessonreel.video.pricing import shadow_cost
from lessonreel.video.types import ErrorKind, JobError, ProviderError


def clip_path(run_id: str, index: int, generation: int, *, create: bool = True) -> Path:
    """Where a shot's clip is stored: ``runs/<run>/shots/shot-NNN[-gG].mp4``.

    ``create=False`` only names it (no folder is made: no file call, safe on the event loop).
    """
    from lessonreel.store.home import shots_dir

    suffix = f"-g{generation}" if generation else ""
    path: Path = shots_dir(run_id, create=create) / f"shot-{index:03d}{suffix}.mp4"
    return path


DURATION_TOLERANCE_SECONDS = 0.25
"""How far a clip's length may be from the requested seconds and still count as whole."""


def clip_problem(path: Path, seconds: float) -> str | None:
    """Return why ``path`` is not a whole clip of ``seconds`` (unreadable or short), else None.

    The header's duration is checked, then every video packet is demuxed (one open of the
    file): a file cut after a front ``moov`` box keeps a plausible header, only its packets run
    out early.
    """
    import av

    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError) as exc:
        return f"cannot read {path} as a video: {exc}"
    end = 0.0
    with container:
        if not container.streams.video:
            return f"{path} has no video stream"
        stream = container.streams.video[0]
        base = float(stream.time_base or 0)
        if container.duration is not None:
            duration = container.duration / av.time_base
        else:
            duration = float((stream.duration or 0) * base)
        if abs(duration - seconds) > DURATION_TOLERANCE_SECONDS:
            return f"the clip lasts {duration:.2f}s, not the {seconds:g}s requested"
        try:
            for packet in container.demux(stream):
                if packet.pts is not None and packet.size:
                    end = max(end, (packet.pts + (packet.duration or 0)) * base)
        except (av.FFmpegError, OSError) as exc:
            return f"the clip cannot be read to its end: {exc}"
    if abs(end - seconds) > DURATION_TOLERANCE_SECONDS:
        return f"the clip's video stops at {end:.2f}s of the {seconds:g}s requested"
    return None


def _discard(path: Path) -> None:
    path.unlink(missing_ok=True)


def _stored(path: Path, row: dict[str, Any] | None) -> str | None:
    """Return the checksum of an already stored clip that matches the ledger, else None."""
    if row is None or not row.get("sha256") or not path.exists():
        return None
    from lessonreel.store.assets import sha256_file

    digest = sha256_file(path)
    return digest if digest == row["sha256"] else None


def _look_up(svc: Services, state: ShotState, key: str) -> tuple[Path, Any, str | None]:
    """Where the clip goes, its job's ledger row and a good stored copy's checksum (one hop)."""
    dest = clip_path(state["run_id"], state["shot"].index, state["generation"])
    row = svc.ledger.job_by_key(key)
    return dest, row, _stored(dest, row)


def _record_delivered(svc: Services, run_id: str, key: str, result: ShotResult) -> None:
    """Mark the job's clip stored, then the shot delivered (one worker-thread hop for both)."""
    svc.ledger.update_job(key, clip_path=result.clip_path, sha256=result.sha256, status="succeeded")
    svc.ledger.upsert_shot(
        run_id,
        result.index,
        status="delivered",
        clip_path=result.clip_path,
        sha256=result.sha256,
        cost_usd=result.cost_usd,
        job_key=key,
        attempts=result.attempts,
        rewrites=len(result.rewrites),
    )


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
    if state.get("settled") and not keep_shot_checkpoint(state):
        # the job was bought (or adopted) and recorded finished in this very pass, which keeps
        # no checkpoint: a crash restarts the shot, whose dispatch then collects the job and
        # this node looks up its row. So no copy of it can be stored: no look-up hop; the
        # download makes the folder, the row is read with the probe.
        dest = clip_path(state["run_id"], shot.index, state["generation"], create=False)
        row, digest = None, None
    else:
        dest, row, digest = await asyncio.to_thread(_look_up, svc, state, key)
    if (
        digest is not None
        and (await asyncio.to_thread(clip_problem, dest, shot.duration)) is not None
    ):
        digest = None  # a stored copy that does not play is fetched again
        await asyncio.to_thread(_discard, dest)
        await asyncio.to_thread(svc.ledger.update_job, key, clip_path=None, sha256=None)
    if digest is None:
        fetches = state.get("fetch_attempts", 0) + 1
        if job.expires_at is not None and time.time() > job.expires_at:
            return {"error": _expired(job_id), "fetch_attempts": fetches}
        emit(runtime, {"event": "shot", "index": shot.index, "stage": "downloading"})
        try:
            clip = await svc.provider.download(job_id, dest)
        except ProviderError as exc:
            return {"error": exc.error, "fetch_attempts": fetches}
        problem, result = await asyncio.to_thread(
            _check_and_record, svc, state, key, dest, clip.sha256, row
        )
        if result is None:
            return {"error": _damaged(job_id, problem or "unreadable"), "fetch_attempts": fetches}
    else:
        result = _delivered(svc, state, dest, digest, row)
        await asyncio.to_thread(_stamp_and_record, svc, state["run_id"], key, dest, result)
    emit(runtime, {"event": "shot", "index": shot.index, "stage": "delivered"})
    return {"error": None, "shot_results": {shot.index: result}}


def _delivered(
    svc: Services, state: ShotState, dest: Path, digest: str, row: dict[str, Any] | None
) -> ShotResult:
    """The report row of a shot whose clip is stored at ``dest`` (stamped when it is recorded)."""
    shot = state["shot"]
    return shot_result(
        state,
        outcome="delivered",
        provider=svc.provider.name,
        clip=str(dest),
        sha256=digest,
        cost_usd=float((row or {}).get("cost_usd") or 0.0),
        shadow_usd=shadow_cost(
            svc.prices, svc.provider.name, state["model"], state["size"], shot.duration
        ),
    )


def _check_and_record(
    svc: Services,
    state: ShotState,
    key: str,
    dest: Path,
    digest: str,
    row: dict[str, Any] | None,
) -> tuple[str | None, ShotResult | None]:
    """Probe a fresh download; a whole clip is recorded delivered, a damaged one deleted.

    Returns ``(problem, None)`` for a damaged clip, ``(None, result)`` for a delivered one. One
    thread hop for all of it (the job's row is read here when the caller did not look it up).
    """
    problem = clip_problem(dest, state["shot"].duration)
    if problem is not None:
        _discard(dest)
        svc.ledger.update_job(key, clip_path=None, sha256=None)
        return problem, None
    if row is None:
        row = svc.ledger.job_by_key(key)
    result = _delivered(svc, state, dest, digest, row)
    _stamp_and_record(svc, state["run_id"], key, dest, result)
    return None, result


def _stamp_and_record(svc: Services, run_id: str, key: str, dest: Path, result: ShotResult) -> None:
    """Stamp the stored, probed clip and record it delivered (in the caller's worker thread).

    The stamp (size, mtime, inode) lets the assembler join an unchanged file without probing it
    again.
    """
    from lessonreel.store.assets import file_stamp

    result.clip_stamp = file_stamp(dest)
    _record_delivered(svc, run_id, key, result)


def _expired(job_id: str) -> JobError:
    return JobError(
        kind=ErrorKind.SERVER_ERROR,
        code="expired",
        message=f"the download link of job {job_id} expired before it was fetched",
    )


def _damaged(job_id: str, problem: str) -> JobError:
    """A download that arrived whole by its headers but does not play: fetch it again."""
    return JobError(
        kind=ErrorKind.SERVER_ERROR,
        code="damaged_download",
        message=f"the download of job {job_id} is damaged ({problem})",
    )
