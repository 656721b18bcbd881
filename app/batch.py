"""Batches: many lessons in one command, each in its own folder, one exit code for them all.

The ``local`` engine runs the lessons in this process. They share one provider client, so the
provider's rate limit (its requests and creates per minute) holds for the whole batch rather
than per lesson; the ``temporal`` engine (app/temporal_*.py) moves the same work onto workers.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lessonreel.graph.context import Context

LessonEventHandler = Callable[[str, dict[str, Any]], None]
"""Called with the lesson's folder name and one progress event of its run."""

DEFAULT_CONCURRENT_LESSONS = 2
"""Lessons the local engine prepares at once (ingest, storyboard, narration: CPU work)."""

LESSONS_IN_FLIGHT = 64
"""Prepared lessons whose shots wait on the provider together (mostly idle coroutines)."""


@dataclass
class BatchLesson:
    """One lesson of a batch: its file, its name in progress lines, where its files go."""

    path: Path
    name: str
    out: Path | None


@dataclass
class LessonOutcome:
    """How one lesson of the batch ended."""

    lesson: BatchLesson
    run_id: str | None
    exit_code: int
    status: str
    message: str = ""
    report: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        """The lesson's line of ``batch --json``."""
        return {
            "lesson": str(self.lesson.path),
            "name": self.lesson.name,
            "run_id": self.run_id,
            "status": self.status,
            "exit_code": self.exit_code,
            "message": self.message,
            "report": self.report,
        }


def batch_lessons(paths: Sequence[Path], out: Path | None) -> list[BatchLesson]:
    """Name each lesson after its file (``-2``, ``-3`` for repeats); ``out/<name>`` holds it."""
    taken: set[str] = set()
    lessons = []
    for path in paths:
        stem = re.sub(r"[^A-Za-z0-9._-]+", "-", path.stem).strip("-.") or "lesson"
        name, n = stem, 1
        while name.lower() in taken:
            n += 1
            name = f"{stem}-{n}"
        taken.add(name.lower())
        lessons.append(BatchLesson(path=path, name=name, out=out / name if out else None))
    return lessons


def batch_exit_code(codes: Sequence[int]) -> int:
    """0 when every lesson is done; 1 when any failed; else 3 when any was stopped."""
    if any(code not in (0, 3) for code in codes):
        return 1
    return 3 if 3 in codes else 0


def lesson_context(ctx: Context, lesson: BatchLesson) -> Context:
    """The batch's context for one lesson: the same settings, the lesson's own folder."""
    return dataclasses.replace(ctx, output_dir=str(lesson.out) if lesson.out else ctx.output_dir)


class SharedProvider:
    """One provider client lent to every lesson's run; only the batch closes it."""

    def __init__(self, provider: Any) -> None:
        self._provider = provider

    def __getattr__(self, name: str) -> Any:
        return getattr(self._provider, name)

    async def aclose(self) -> None:
        """A lesson's run ending must not close the client the other lessons still use."""


async def run_local(
    lessons: Sequence[BatchLesson],
    ctx: Context,
    *,
    on_event: LessonEventHandler | None = None,
    concurrent: int = DEFAULT_CONCURRENT_LESSONS,
) -> list[LessonOutcome]:
    """Run every lesson in this process under one provider client; one outcome per lesson.

    ``concurrent`` bounds the lessons being *prepared*, not the lessons in flight: a lesson
    hands its place on as soon as its first shot is screened. Holding it until the lesson was
    assembled left the provider idle while the next lessons were still being read and directed,
    so the batch ran well under the provider's rate.
    """
    from lessonreel.graph.services import build_services

    first = await asyncio.to_thread(build_services, ctx)
    provider = first.provider
    # one screen (Chroma + embedder) for the batch: loading it per lesson is slow, and Chroma's
    # client registry is not safe to open from several threads at once
    screen = await first.screen()
    await asyncio.to_thread(first.ledger.close)
    preparing = asyncio.Semaphore(max(1, concurrent))
    in_flight = asyncio.Semaphore(max(LESSONS_IN_FLIGHT, concurrent))

    async def one(lesson: BatchLesson) -> LessonOutcome:
        async with in_flight:
            await preparing.acquire()
            place = _Place(preparing)
            # the screen's models are shared; its memo of embedded sentences is the lesson's
            shared = {"provider": SharedProvider(provider), "loaded_screen": screen.for_run()}
            try:
                return await _run_lesson(
                    lesson, lesson_context(ctx, lesson), shared, on_event, place.on_event
                )
            finally:
                place.release()

    try:
        return list(await asyncio.gather(*(one(lesson) for lesson in lessons)))
    finally:
        await provider.aclose()


class _Place:
    """A lesson's place among those being prepared, given up once, at its first shot event."""

    def __init__(self, gate: asyncio.Semaphore) -> None:
        self._gate: asyncio.Semaphore | None = gate

    def on_event(self, event: dict[str, Any]) -> None:
        """Shots have started: the lesson's CPU-heavy part is over."""
        if event.get("event") == "shot":
            self.release()

    def release(self) -> None:
        """Give the place to the next lesson (once)."""
        if self._gate is not None:
            self._gate.release()
            self._gate = None


async def _run_lesson(
    lesson: BatchLesson,
    ctx: Context,
    shared: dict[str, Any],
    on_event: LessonEventHandler | None,
    on_progress: Callable[[dict[str, Any]], None] | None = None,
) -> LessonOutcome:
    """Run one lesson; whatever goes wrong in it is its outcome, never the other lessons'."""
    from lessonreel.app.api import amake_video
    from lessonreel.graph.services import attach_services, build_services
    from lessonreel.video.types import ProviderError

    def forward(event: dict[str, Any]) -> None:
        if on_progress is not None:
            on_progress(event)
        if on_event is not None:
            on_event(lesson.name, event)

    svc = await asyncio.to_thread(build_services, ctx, **shared)
    attach_services(ctx, svc)
    forward({"event": "lesson", "stage": "started"})
    try:
        result = await amake_video(lesson.path, context=ctx, on_event=forward)
    except ProviderError as exc:
        return LessonOutcome(lesson, None, 1, "failed", exc.error.message)
    except Exception as exc:  # one lesson's crash is reported, the batch goes on
        return LessonOutcome(lesson, None, 1, "failed", f"{type(exc).__name__}: {exc}")
    if result.report is None:
        status = "waiting for review" if result.review is not None else "failed"
        return LessonOutcome(lesson, result.run_id, result.exit_code, status)
    report = result.report.model_dump(mode="json")
    return LessonOutcome(
        lesson,
        result.run_id,
        result.exit_code,
        result.report.status,
        str(result.video_path or ""),
        report,
    )
