"""Shared page plumbing: render a template with its CSRF token, and fixed notices."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from lessonreel.app.web.render import render_template
from lessonreel.app.web.security import csrf_token, set_csrf_cookie

NOTICES = {
    "busy": "This run is already going (perhaps approved in another tab): here is its progress.",
    "not-waiting": "This run is no longer waiting for approval: here is where it stands.",
    "resumed": "The run is going again from where it stopped.",
    "upscaling": "Upscaling: every shot is rendered again with the next better model.",
    "nothing-to-resume": "There is nothing left to resume in this run.",
}
"""Notices chosen by a fixed key in the query string, so no text is reflected from a URL."""


def page(request: Request, template: str, *, status: int = 200, **values: Any) -> HTMLResponse:
    """Render ``template`` with the CSRF token and the notice named in ``?notice=``."""
    values.setdefault("notice", NOTICES.get(request.query_params.get("notice", "")))
    values.setdefault("error", None)
    values.setdefault("page_title", "lessonreel studio")
    html = render_template(template, csrf=csrf_token(request), **values)
    response = HTMLResponse(html, status_code=status)
    set_csrf_cookie(request, response)
    return response


def message(request: Request, heading: str, *lines: str, status: int = 200) -> HTMLResponse:
    """A page that says one thing in plain words, with the way back."""
    return page(
        request, "message.html", status=status, heading=heading, lines=lines, page_title=heading
    )
