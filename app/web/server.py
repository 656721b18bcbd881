"""The studio's Starlette app: routes, the token gate, error pages and the run manager."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from lessonreel.app.web import files, lesson_views, run_views
from lessonreel.app.web.jobs import RunManager
from lessonreel.app.web.pages import message, page
from lessonreel.app.web.render import static_dir
from lessonreel.app.web.security import TOKEN_COOKIE, TokenGate, csrf_ok, same_secret

log = logging.getLogger(__name__)


async def login_form(request: Request) -> Response:
    """GET /login: ask for the access token."""
    return page(request, "login.html", page_title="Sign in")


async def login(request: Request) -> Response:
    """POST /login: a right token sets the cookie every later request carries."""
    token: str | None = request.app.state.token
    form = await request.form(max_files=0, max_fields=5)
    if not csrf_ok(request, form):
        return message(
            request, "This form has expired", "Reload the page and try again.", status=403
        )
    given = form.get("token")
    if token is None:
        return RedirectResponse("/", status_code=303)
    if not isinstance(given, str) or not same_secret(given.strip(), token):
        return page(request, "login.html", status=401, error="That token is not right.",
                    page_title="Sign in")  # fmt: skip
    response = RedirectResponse("/", status_code=303)
    secure = request.url.scheme == "https"
    response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict", secure=secure)
    return response


async def not_found(request: Request, exc: Exception) -> Response:
    """Plain-language 404/405 pages."""
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    detail = exc.detail if isinstance(exc, HTTPException) and exc.status_code == 404 else ""
    lines = [detail] if detail and detail != "Not Found" else ["There is nothing at this address."]
    return message(request, "Not found", *lines, status=status)


async def server_error(request: Request, exc: Exception) -> Response:
    """Never a traceback in the page: one sentence, the details in the server log."""
    log.error("studio error on %s", request.url.path, exc_info=exc)
    return message(
        request,
        "Something went wrong",
        "The studio hit a problem it did not expect. Your runs are safe; try again, "
        "and if it keeps happening the server log has the details.",
        status=500,
    )


def routes() -> list[Any]:
    """Every page, action and file of the studio."""
    return [
        Route("/", lesson_views.new_lesson),
        Route("/lessons", lesson_views.create_lesson, methods=["POST"]),
        Route("/runs", run_views.list_runs),
        Route("/runs/{run_id}", run_views.show_run),
        Route("/runs/{run_id}/approve", run_views.approve_run, methods=["POST"]),
        Route("/runs/{run_id}/cancel", run_views.cancel_run, methods=["POST"]),
        Route("/runs/{run_id}/resume", run_views.resume_run, methods=["POST"]),
        Route("/runs/{run_id}/upscale", run_views.upscale_run, methods=["POST"]),
        Route("/runs/{run_id}/events", files.events),
        Route("/runs/{run_id}/files/{name}", files.run_file),
        Route("/runs/{run_id}/chapters.vtt", files.chapters),
        Route("/runs/{run_id}/scorm.zip", files.scorm_zip),
        Route("/login", login_form),
        Route("/login", login, methods=["POST"]),
        Mount("/static", StaticFiles(directory=static_dir()), name="static"),
    ]


def create_app(*, token: str | None = None) -> Starlette:
    """Build the studio; with ``token`` every request must carry it (cookie or bearer)."""
    manager = RunManager()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await manager.shutdown()

    app = Starlette(
        routes=routes(),
        middleware=[Middleware(TokenGate, token=token)],
        exception_handlers={404: not_found, 405: not_found, Exception: server_error},
        lifespan=lifespan,
    )
    app.state.runs = manager
    app.state.token = token
    return app
