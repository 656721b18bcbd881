"""A run's pages: review, progress, result, the runs list, and the actions on them."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from lessonreel.agents.schemas import DialogueLine, Storyboard
from lessonreel.app.results import narration_text, silent_by_accident
from lessonreel.app.web.gaps import gap_rows
from lessonreel.app.web.pages import message, page
from lessonreel.app.web.runs import RunView, checkpoint_states, decide_phase, progress, run_view
from lessonreel.app.web.security import csrf_ok
from lessonreel.video.pricing import shadow_text

MAX_NARRATION_CHARS = 2000
PHASE_TEXT = {
    "directing": "Writing the storyboard…",
    "rendering": "Rendering the video…",
    "interrupted": "Stopped before it finished.",
    "failed": "This run failed.",
}
NARRATING_TEXT = "Recording the narration… (the shots render after it)"
STATUS_TEXT = {
    "directing": "writing the storyboard",
    "review": "waiting for your approval",
    "rendering": "rendering",
    "finished": "ready",
    "interrupted": "stopped: can be resumed",
    "cancelled": "cancelled",
    "failed": "failed",
    "missing": "unknown",
}


def run_id_of(request: Request) -> str:
    """The run id in the path, checked to be a safe name (else 404)."""
    from starlette.exceptions import HTTPException

    from lessonreel.store.home import check_run_id

    raw = str(request.path_params["run_id"])
    try:
        return check_run_id(raw)
    except ValueError:
        raise HTTPException(404) from None


def _narration(storyboard: Storyboard) -> dict[int, str]:
    from lessonreel.agents.quiz import shot_narration

    return {s.index: shot_narration(s) for s in storyboard.shots}


def _terms(storyboard: Storyboard) -> dict[int, list[str]]:
    return {
        s.index: [t.term for t in s.on_screen.terms] or list(s.concepts) for s in storyboard.shots
    }


def _review(request: Request, view: RunView) -> Response:
    storyboard: Storyboard = view.values["storyboard"]
    return page(
        request,
        "review.html",
        view=view,
        storyboard=storyboard,
        estimate=view.values.get("estimate"),
        narration=_narration(storyboard),
        terms=_terms(storyboard),
        page_title=f"Review: {view.title}",
    )


async def _progress_page(request: Request, view: RunView) -> Response:
    snap = await progress(view.run_id, request.app.state.runs)
    storyboard = view.values.get("storyboard")
    shots = list(storyboard.shots) if storyboard is not None else []
    stages = snap["shots"] + ["queued"] * (len(shots) - len(snap["shots"]))
    done = len(stages) - snap["left"] if stages else 0
    summary = (
        f"{done} of {len(shots)} shots finished · spent ${snap['spent_usd']:.2f}" if shots else ""
    )
    return page(
        request,
        "progress.html",
        view=view,
        shots=shots,
        stages=stages,
        summary=summary,
        phase_text=NARRATING_TEXT
        if view.phase == "rendering" and snap["narrating"]
        else PHASE_TEXT.get(view.phase, ""),
        error=view.error if view.phase in {"interrupted", "failed"} else None,
        page_title=view.title,
    )


def _result(request: Request, view: RunView) -> Response:
    report = view.report
    storyboard: Storyboard | None = view.values.get("storyboard")
    if report is None or storyboard is None:
        return message(request, "This run has no video", "Its files are missing.", status=404)
    t = report.totals
    summary = (
        f"{t.delivered} of {t.shots} shots rendered · {t.seconds:g} seconds · "
        f"spent ${t.spent_usd:.2f} on {report.provider} / {report.model}"
    )
    if t.shadow_provider and t.shadow_usd > 0:
        # a free preview's shadow price: shown, never charged or enforced
        summary += f" ({shadow_text(t.shadow_provider, t.shadow_usd)})"
    summary += "."
    from lessonreel.app.web.scorm import MASTERY_SCORE

    return page(
        request,
        "result.html",
        view=view,
        summary=summary,
        gaps=gap_rows(report.gaps),
        narration=narration_text(report.narration),
        narration_missing=silent_by_accident(report.narration),
        quiz=storyboard.quiz,
        mastery=MASTERY_SCORE,
        page_title=view.title,
    )


async def show_run(request: Request) -> Response:
    """GET /runs/{id}: the page for where the run stands."""
    view = await run_view(run_id_of(request), request.app.state.runs)
    if view.phase == "missing":
        return message(
            request, "No such run", "There is no run with that id on this server.", status=404
        )
    if view.phase == "review":
        return _review(request, view)
    if view.phase == "finished":
        return _result(request, view)
    if view.phase == "cancelled":
        return message(
            request,
            f"Cancelled: {view.title}",
            "This storyboard was cancelled before anything was rendered; nothing was spent.",
        )
    return await _progress_page(request, view)


async def _checked_form(request: Request) -> Any:
    form = await request.form(max_files=0, max_fields=200, max_part_size=MAX_NARRATION_CHARS * 4)
    return form if csrf_ok(request, form) else None


def _expired(request: Request) -> Response:
    return message(
        request, "This form has expired", "Go back, reload the page and try again.", status=403
    )


def _go(run_id: str, notice: str | None = None) -> RedirectResponse:
    suffix = f"?notice={notice}" if notice else ""
    return RedirectResponse(f"/runs/{run_id}{suffix}", status_code=303)


def edited_storyboard(storyboard: Storyboard, form: Any) -> Storyboard | None:
    """Apply the narration edits; None when nothing changed. Raises ValueError when too long."""
    changed = False
    shots = []
    for shot in storyboard.shots:
        raw = form.get(f"narration-{shot.index}")
        new = " ".join(raw.split()) if isinstance(raw, str) else None
        old = " ".join(_narration(storyboard)[shot.index].split())
        if new is None or new == old:
            shots.append(shot)
            continue
        if len(new) > MAX_NARRATION_CHARS:
            raise ValueError(f"the narration of shot {shot.index + 1} is too long")
        changed = True
        if shot.narration.strip():
            shots.append(shot.model_copy(update={"narration": new}))
        else:
            speaker = shot.dialogue[0].speaker if shot.dialogue else "Narrator"
            lines = [DialogueLine(speaker=speaker, line=new)] if new else []
            shots.append(shot.model_copy(update={"dialogue": lines}))
    return storyboard.model_copy(update={"shots": shots}) if changed else None


async def approve_run(request: Request) -> Response:
    """POST /runs/{id}/approve: resume the review with the edits; one tab wins."""
    run_id = run_id_of(request)
    form = await _checked_form(request)
    if form is None:
        return _expired(request)
    view = await run_view(run_id, request.app.state.runs)
    if view.phase != "review":
        return _go(run_id, "busy" if view.phase == "rendering" else "not-waiting")
    try:
        edited = edited_storyboard(view.values["storyboard"], form)
    except ValueError as exc:
        return message(request, "That edit cannot be used", str(exc).capitalize() + ".", status=400)
    answer: Any = "approve" if edited is None else {"storyboard": edited.model_dump(mode="json")}
    started = await request.app.state.runs.approve(run_id, answer)
    return _go(run_id, None if started else "busy")


async def cancel_run(request: Request) -> Response:
    """POST /runs/{id}/cancel: drop a storyboard waiting for review (nothing was spent)."""
    from lessonreel.store.ledger import Ledger

    run_id = run_id_of(request)
    if await _checked_form(request) is None:
        return _expired(request)
    view = await run_view(run_id, request.app.state.runs)
    if view.phase != "review":
        return _go(run_id, "not-waiting")

    def mark() -> None:
        with Ledger.open() as ledger:
            ledger.update_run(run_id, status="cancelled", finished_at=time.time())

    await asyncio.to_thread(mark)
    return _go(run_id)


async def resume_run(request: Request) -> Response:
    """POST /runs/{id}/resume: continue a run that stopped (crash or server restart)."""
    run_id = run_id_of(request)
    if await _checked_form(request) is None:
        return _expired(request)
    started = await request.app.state.runs.resume(run_id)
    return _go(run_id, "resumed" if started else "nothing-to-resume")


async def upscale_run(request: Request) -> Response:
    """POST /runs/{id}/upscale: render every shot again one model tier up."""
    run_id = run_id_of(request)
    if await _checked_form(request) is None:
        return _expired(request)
    view = await run_view(run_id, request.app.state.runs)
    storyboard = view.values.get("storyboard")
    if view.phase != "finished" or storyboard is None:
        return _go(run_id, "not-waiting")
    started = await request.app.state.runs.upscale(run_id, [s.index for s in storyboard.shots])
    return _go(run_id, "upscaling" if started else "busy")


def _rows() -> list[dict[str, Any]]:
    from lessonreel.store.ledger import Ledger

    with Ledger.open() as ledger:
        return ledger.list_runs(50)


async def list_runs(request: Request) -> Response:
    """GET /runs: every run with its status, and resume/upscale where they apply."""
    manager = request.app.state.runs
    rows = await asyncio.to_thread(_rows)
    states = await checkpoint_states([r["run_id"] for r in rows])
    out = []
    for r in rows:
        values, pending = states[r["run_id"]]
        phase = decide_phase(r, values, pending, active=manager.active(r["run_id"]))
        started = time.strftime("%Y-%m-%d %H:%M", time.localtime(float(r["created_at"])))
        out.append(
            {
                "run_id": r["run_id"],
                "title": r.get("title") or r["run_id"],
                "phase": phase,
                "status": STATUS_TEXT[phase],
                "started": started,
                "spent": r.get("spent_usd") or 0.0,
            }
        )
    return page(request, "runs.html", rows=out, nav="runs", page_title="Runs")
