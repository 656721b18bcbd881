"""The new-lesson page: paste or upload, pick the audience and the model, make the storyboard."""

from __future__ import annotations

import asyncio
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from lessonreel.app.voices import MAX_RATE, MIN_RATE, voice_choices
from lessonreel.app.web.pages import message, page
from lessonreel.app.web.security import csrf_ok

UPLOAD_SUFFIXES = (".txt", ".md", ".pdf", ".docx", ".pptx", ".html")
MAX_UPLOAD_MB = 10
MAX_TEXT_CHARS = 200_000
GRADE_BANDS = ("K-2", "3-5", "6-8", "9-12")
LOCAL = "local"


@dataclass
class ModelChoice:
    """One entry of the video-model list."""

    value: str
    label: str


def model_choices() -> list[ModelChoice]:
    """Models of the providers this server can use (their keys are set); local always."""
    from lessonreel.video.pricing import PriceTable
    from lessonreel.video.providers.factory import provider_names, required_env

    names = set(provider_names())
    out: list[ModelChoice] = []
    for spec in PriceTable.default().specs():
        if spec.provider not in names:
            continue
        if spec.provider != LOCAL and not all(
            os.environ.get(v) for v in required_env(spec.provider)
        ):
            continue
        if spec.provider == LOCAL:
            label = f"Local preview · {spec.model} (free, offline)"
        else:
            rate = min(spec.price_per_second.values())
            label = f"{spec.provider} · {spec.model} (from ${rate:.2f} per second)"
        out.append(ModelChoice(f"{spec.provider}/{spec.model}", label))
    out.sort(key=lambda m: (not m.value.startswith(LOCAL + "/"), m.value))
    return out


def _narration_on(form: Any) -> bool:
    """The checkbox posts ``on`` after a hidden ``off``: absent (an old form, a script) is on."""
    if form is None:
        return True
    sent = [str(v) for v in form.getlist("narration")]
    return not sent or "on" in sent


def _form_values(form: Any = None) -> dict[str, str]:
    get = form.get if form is not None else (lambda _k, d="": d)
    text = get("text", "")
    return {
        "narration": "on" if _narration_on(form) else "off",
        "speaking_rate": str(get("speaking_rate", "1.0") or "1.0"),
        "text": text if isinstance(text, str) else "",
        "grade_band": str(get("grade_band", "") or ""),
        "target_seconds": str(get("target_seconds", "60") or "60"),
        "model": str(get("model", "") or ""),
        "voice": str(get("voice", "") or ""),
        "budget": str(get("budget", "") or ""),
    }


def new_lesson_page(request: Request, *, form: Any = None, error: str | None = None) -> Response:
    """The new-lesson form (again with the teacher's input and a message after a problem)."""
    voices = voice_choices()
    return page(
        request,
        "new.html",
        status=400 if error else 200,
        error=error,
        nav="new",
        page_title="New lesson",
        form=_form_values(form),
        models=model_choices(),
        voices=voices,
        default_voice=next((v.name for v in voices if v.default), None),
        min_rate=MIN_RATE,
        max_rate=MAX_RATE,
        grade_bands=GRADE_BANDS,
        accept=",".join(UPLOAD_SUFFIXES),
        max_mb=MAX_UPLOAD_MB,
    )


async def new_lesson(request: Request) -> Response:
    """GET /: the new-lesson form."""
    return new_lesson_page(request)


class FormProblem(ValueError):
    """Something in the form a teacher can fix; the message says what."""


def _options(values: dict[str, str]) -> dict[str, Any]:
    choices = {m.value for m in model_choices()}
    model = values["model"] or next(iter(sorted(choices)), "local/sora-2")
    if model not in choices:
        raise FormProblem("That video model is not available on this server; pick another one.")
    provider, _, video_model = model.partition("/")
    try:
        seconds = int(values["target_seconds"])
    except ValueError:
        raise FormProblem("The target length must be a whole number of seconds.") from None
    if not 8 <= seconds <= 600:
        raise FormProblem("The target length must be between 8 and 600 seconds.")
    budget: float | None = None
    if values["budget"].strip():
        try:
            budget = float(values["budget"])
        except ValueError:
            raise FormProblem("The budget must be a number of dollars, like 2.50.") from None
        if budget < 0:
            raise FormProblem("The budget cannot be negative.")
    if values["grade_band"] and values["grade_band"] not in GRADE_BANDS:
        raise FormProblem("Pick a grade band from the list.")
    options: dict[str, Any] = {
        "provider": provider,
        "video_model": video_model,
        "target_seconds": seconds,
        "budget_usd": budget,
        "grade_band": values["grade_band"] or None,
        "review": True,
    }
    options.update(_narration_options(values))
    return options


def _narration_options(values: dict[str, str]) -> dict[str, Any]:
    """Narration on or off, the voice and the speaking rate; a voice must be ready here."""
    if values["narration"] == "off":
        return {"narration": False}
    try:
        rate = float(values["speaking_rate"])
    except ValueError:
        raise FormProblem("The speaking rate must be a number, like 1.0.") from None
    if not MIN_RATE <= rate <= MAX_RATE:  # NaN fails too
        raise FormProblem(
            f"The speaking rate must be between {MIN_RATE} and {MAX_RATE} "
            "(1.0 is natural, 0.8 slower, 1.2 faster)."
        )
    options: dict[str, Any] = {"narration": True, "speaking_rate": rate}
    voice = values["voice"]
    if voice:
        known = {c.name: c for c in voice_choices()}  # the rule of app/voices.voice_problem
        if voice not in known:
            raise FormProblem("That voice is not one this server has; pick one from the list.")
        if not known[voice].ready:
            raise FormProblem(
                f"The voice “{voice}” needs {known[voice].needs} on this server; "
                "pick another voice or ask whoever runs the studio to set it up."
            )
        options["voice"] = voice
    return options


async def _save_upload(upload: UploadFile) -> Path:
    from lessonreel.store.home import lessonreel_home

    name = Path(upload.filename or "").name
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise FormProblem(
            f"“{name}” is not a file type the studio reads. "
            "Upload a .txt, .md, .pdf, .docx, .pptx or .html file, or paste the text."
        )
    data = await upload.read(MAX_UPLOAD_MB * 1024 * 1024 + 1)
    if len(data) > MAX_UPLOAD_MB * 1024 * 1024:
        raise FormProblem(f"“{name}” is larger than {MAX_UPLOAD_MB} MB; upload a smaller file.")
    if not data.strip():
        raise FormProblem(f"“{name}” is empty.")
    folder = lessonreel_home() / "uploads" / secrets.token_hex(8)
    folder.mkdir(parents=True)
    dest = folder / (Path(name).stem[:60] + suffix)
    await asyncio.to_thread(dest.write_bytes, data)
    return dest


async def create_lesson(request: Request) -> Response:
    """POST /lessons: read the lesson, start the run, go to its page (the storyboard comes next)."""
    from lessonreel.agents.ingest import LessonInputError
    from lessonreel.app.api import lesson_input
    from lessonreel.graph.context import Context
    from lessonreel.store.home import new_run_id

    limit = MAX_UPLOAD_MB * 1024 * 1024 + MAX_TEXT_CHARS * 4 + 65536
    if int(request.headers.get("content-length") or 0) > limit:
        return new_lesson_page(
            request, error=f"That upload is too large: the limit is {MAX_UPLOAD_MB} MB."
        )
    form = await request.form(max_files=1, max_fields=20, max_part_size=MAX_TEXT_CHARS * 4)
    if not csrf_ok(request, form):
        return message(
            request,
            "This form has expired",
            "Go back, reload the page and try again.",
            status=403,
        )
    values = _form_values(form)
    upload = form.get("upload")
    try:
        options = _options(values)
        has_file = isinstance(upload, UploadFile) and bool(upload.filename)
        if has_file and values["text"].strip():
            raise FormProblem("Paste the lesson or upload a file, not both.")
        if not has_file and not values["text"].strip():
            raise FormProblem("Paste the lesson text or choose a file to upload.")
        path = await _save_upload(upload) if has_file else None  # type: ignore[arg-type]
        context = Context(**{k: v for k, v in options.items() if v is not None})
        _check_settings(context)
        text = None if path else values["text"]
        lesson, payload = await asyncio.to_thread(lesson_input, path, text)
    except (FormProblem, LessonInputError) as exc:
        return new_lesson_page(request, form=form, error=_sentence(str(exc)))
    run_id = new_run_id(lesson.title)
    payload["run_id"] = run_id
    await request.app.state.runs.start(payload, run_id=run_id, context=context)
    return RedirectResponse(f"/runs/{run_id}", status_code=303)


def _check_settings(context: Any) -> None:
    """Refuse a model/size the provider does not take before a run exists."""
    from lessonreel.graph.plan import render_settings
    from lessonreel.video.types import ProviderError

    try:
        render_settings(context)
    except ProviderError as exc:
        raise FormProblem(exc.error.message) from None


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else "That lesson cannot be read."
