"""A run's files (video, captions, storyboard, SCORM zip) and its progress stream (SSE)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response, StreamingResponse

from lessonreel.app.web.run_views import run_id_of
from lessonreel.app.web.runs import LIVE_PHASES, RunView, progress, run_view

DOWNLOADS = {
    "lesson.mp4": "video/mp4",
    "lesson.vtt": "text/vtt",
    "lesson.srt": "application/x-subrip",
    "storyboard.md": "text/markdown",
    "storyboard.json": "application/json",
    "report.json": "application/json",
}
TICK_SECONDS = 0.5
HEARTBEAT_TICKS = 30


async def _finished(request: Request) -> RunView:
    view = await run_view(run_id_of(request), request.app.state.runs)
    if view.phase != "finished" or view.out_dir is None:
        raise HTTPException(404, "This run has no files yet.")
    return view


def _download_name(view: RunView, name: str) -> str:
    from lessonreel.store.home import slugify

    return f"{slugify(view.title) or 'lesson'}-{name}"


async def run_file(request: Request) -> Response:
    """GET /runs/{id}/files/{name}: one of the run's lesson files (Range requests work)."""
    name = str(request.path_params["name"])
    if name not in DOWNLOADS:
        raise HTTPException(404)
    view = await _finished(request)
    assert view.out_dir is not None
    path = view.out_dir / name
    if not path.is_file():
        raise HTTPException(404)
    return FileResponse(path, media_type=DOWNLOADS[name], filename=_download_name(view, name),
                        content_disposition_type="inline")  # fmt: skip


async def chapters(request: Request) -> Response:
    """GET /runs/{id}/chapters.vtt: one chapter per shot."""
    from lessonreel.app.web.scorm import chapters_vtt

    view = await _finished(request)
    return PlainTextResponse(chapters_vtt(view.values["storyboard"]), media_type="text/vtt")


async def scorm_zip(request: Request) -> Response:
    """GET /runs/{id}/scorm.zip: the SCORM 1.2 package, built on first request."""
    from lessonreel.app.web.scorm import build_scorm

    view = await _finished(request)
    assert view.out_dir is not None
    out_dir: Path = view.out_dir
    zip_path = out_dir / "lesson-scorm.zip"
    report = out_dir / "report.json"
    fresh = zip_path.is_file() and (
        not report.is_file() or zip_path.stat().st_mtime >= report.stat().st_mtime
    )
    if not fresh:
        await asyncio.to_thread(build_scorm, out_dir, view.run_id, zip_path)
    return FileResponse(zip_path, media_type="application/zip",
                        filename=_download_name(view, "scorm.zip"))  # fmt: skip


async def events(request: Request) -> Response:
    """GET /runs/{id}/events: progress snapshots as Server-Sent Events until the run settles."""
    run_id = run_id_of(request)
    manager = request.app.state.runs

    async def stream() -> AsyncIterator[str]:
        yield "retry: 2000\n\n"
        last = None
        quiet = 0
        while True:
            snap = await progress(run_id, manager)
            body = json.dumps({k: v for k, v in snap.items() if k != "at"})
            if body != last:
                last, quiet = body, 0
                yield f"event: progress\ndata: {body}\n\n"
            else:
                quiet += 1
                if quiet % HEARTBEAT_TICKS == 0:
                    yield ": still here\n\n"
            if snap["phase"] not in LIVE_PHASES or await request.is_disconnected():
                return
            await asyncio.sleep(TICK_SECONDS)

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)
