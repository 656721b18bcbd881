"""assemble_lesson: stitch clips and slates in order, write captions, storyboard and report."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from langgraph.runtime import Runtime

from lessonreel.agents.schemas import Shot, Storyboard
from lessonreel.graph.context import Context
from lessonreel.graph.report import RunReport, build_report
from lessonreel.graph.services import Services, context_of, emit, release_services, services
from lessonreel.graph.state import LessonState, Narration, ShotResult
from lessonreel.graph.storyboard_doc import caption_cues, storyboard_markdown

SLATE_TITLE_CHARS = 80


def output_dir(context: Context, run_id: str) -> Path:
    """Where a run's lesson files go: ``--out`` when given, else the run dir in the home."""
    from lessonreel.store.home import run_dir

    if context.output_dir:
        path = Path(context.output_dir).expanduser()
        path.mkdir(parents=True, exist_ok=True)
        return path.absolute()
    default: Path = run_dir(run_id)
    return default


def _slate(shot: Shot, result: ShotResult | None, size: str, run_id: str) -> Path:
    from lessonreel.store.home import shots_dir
    from lessonreel.video.stitch import render_slate

    dest: Path = shots_dir(run_id) / f"slate-{shot.index:03d}.mp4"
    reason = (result.reason if result is not None else None) or "not rendered"
    narration = shot.narration or " ".join(d.line for d in shot.dialogue) or shot.action
    render_slate(
        dest,
        title=f"Shot {shot.index + 1}: {shot.subject}"[:SLATE_TITLE_CHARS],
        caption=f"{narration}\n({reason})",
        size=size,
        seconds=float(shot.duration),
    )
    return dest


def _mix_audio(video: Path, narration: Narration | None) -> Narration | None:
    """The soundtrack step: narration over the clips' ducked sound, at −16 LUFS."""
    from lessonreel.video.soundtrack import Placement, mix_soundtrack

    if narration is None or not narration.shots:
        return narration
    placements = [Placement(Path(s.path), s.offset) for s in narration.shots.values()]
    level = mix_soundtrack(video, placements)
    return narration.model_copy(
        update={
            "loudness_lufs": round(level.integrated, 2),
            "true_peak_dbtp": round(level.true_peak, 2),
        }
    )


def _teaching_layer(
    storyboard: Storyboard,
    clips: list[tuple[Path, bool]],
    run_id: str,
    size: str,
    cues: list[Any],
    picture: dict[str, Any],
) -> list[Path]:
    """Key terms, labels, equations, title and recap over every delivered shot (see teaching)."""
    from lessonreel.graph.teaching import compose_pictures
    from lessonreel.store.home import shots_dir

    return compose_pictures(
        storyboard,
        picture.get("lesson"),
        clips,
        shots_dir(run_id),
        size=size,
        explainer=bool(picture.get("explainer")),
        cues=cues,
        burn=bool(picture.get("burn_captions")),
    )


def _write_files(
    out: Path,
    run_id: str,
    storyboard: Storyboard,
    results: dict[int, ShotResult],
    size: str,
    picture: dict[str, Any],
    narration: Narration | None = None,
) -> tuple[dict[str, Path], Narration | None]:
    """Return the blocking part: slates, stitch, captions and the storyboard documents.

    ``results`` is updated in place when a delivered clip turns out unreadable (now a slate).
    """
    from lessonreel.graph.teaching import add_lesson_tracks
    from lessonreel.store.assets import atomic_write_text, file_stamp
    from lessonreel.video.captions import write_captions
    from lessonreel.video.stitch import probe, stitch

    clips: list[tuple[Path, bool]] = []
    for shot in storyboard.shots:
        result = results.get(shot.index)
        delivered = result.clip_path if result is not None else None
        if result is not None and result.outcome == "delivered" and delivered:
            if result.clip_stamp is not None and result.clip_stamp == file_stamp(delivered):
                clips.append((Path(delivered), True))  # the very file fetch probed whole
                continue
            try:
                probe(Path(delivered))
            except ValueError as exc:
                # a clip damaged or removed after delivery: a slate keeps the lesson's timing
                result = result.model_copy(
                    update={
                        "outcome": "given_up",
                        "reason": f"the stored clip cannot be read: {exc}",
                        "clip_path": None,
                        "sha256": None,
                        "clip_stamp": None,
                    }
                )
                results[shot.index] = result
            else:
                clips.append((Path(delivered), True))
                continue
        clips.append((_slate(shot, result, size, run_id), False))
    paths = {
        "video": out / "lesson.mp4",
        "srt": out / "lesson.srt",
        "vtt": out / "lesson.vtt",
        "md": out / "storyboard.md",
        "json": out / "storyboard.json",
        "chapters": out / "chapters.vtt",
    }
    cues = caption_cues(storyboard, narration)
    pictures = _teaching_layer(storyboard, clips, run_id, size, cues, picture)
    stitch(pictures, paths["video"])
    narration = _mix_audio(paths["video"], narration)
    write_captions(cues, paths["srt"], paths["vtt"])
    add_lesson_tracks(paths["video"], storyboard, cues, paths["chapters"])
    atomic_write_text(paths["md"], storyboard_markdown(storyboard, results))
    atomic_write_text(paths["json"], storyboard.model_dump_json(indent=2) + "\n")
    return paths, narration


def _finish(svc: Services, run_id: str, report: RunReport, out: Path) -> None:
    from lessonreel.store.assets import atomic_write_text

    path = out / "report.json"
    report.report_path = str(path)
    atomic_write_text(path, report.model_dump_json(indent=2) + "\n")
    svc.ledger.update_run(
        run_id,
        status=report.status,
        out_dir=str(out),
        finished_at=report.finished_at,
        error=report.stop_reason,
        spent_usd=report.totals.spent_usd,
        shadow_usd=report.totals.shadow_usd,
        video_path=report.video_path,
    )


async def assemble_lesson(state: LessonState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Build ``lesson.mp4`` (clips and slates in storyboard order), captions and the report."""
    ctx = context_of(runtime)
    svc = await services(runtime)
    run_id = state["run_id"]
    storyboard = state["storyboard"]
    results = dict(state.get("shot_results") or {})
    estimate = state.get("estimate")
    size = estimate.size if estimate is not None else ctx.size
    out = await asyncio.to_thread(output_dir, ctx, run_id)
    emit(runtime, {"event": "assemble", "out": str(out)})
    picture = {
        "lesson": state.get("lesson"),
        "explainer": ctx.provider == "local",  # offline: the explainer look replaces footage
        "burn_captions": ctx.burn_captions,
    }
    spoken = state.get("narration")
    if isinstance(spoken, dict):  # a checkpointer that keeps only JSON (e.g. Studio's)
        spoken = Narration.model_validate(spoken)
    paths, narration = await asyncio.to_thread(
        _write_files, out, run_id, storyboard, results, size, picture, spoken
    )
    spent = await asyncio.to_thread(svc.ledger.spent, run_id)
    shadow = await asyncio.to_thread(svc.ledger.spent, run_id, shadow=True)
    report = build_report(
        run_id=run_id,
        storyboard=storyboard,
        results=results,
        estimate=estimate,
        spent_usd=spent,
        shadow_usd=shadow if estimate is not None and estimate.shadow_provider else None,
        provider=svc.provider.name,
        safety=state.get("safety_notes"),
    )
    report.narration = narration
    report.video_path = str(paths["video"])
    report.srt_path = str(paths["srt"])
    report.vtt_path = str(paths["vtt"])
    report.chapters_path = str(paths["chapters"])
    report.storyboard_md = str(paths["md"])
    report.storyboard_json = str(paths["json"])
    await asyncio.to_thread(_finish, svc, run_id, report, out)
    await release_services(ctx)
    return {
        "run_id": run_id,
        "video_path": str(paths["video"]),
        "captions_path": str(paths["srt"]),
        "report": report.model_dump(mode="json"),
    }
