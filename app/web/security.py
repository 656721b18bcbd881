"""Who may use the studio: a token off loopback (login form → cookie), CSRF on every form.

CSRF uses a double-submit token: a random cookie (SameSite=Strict) that each form echoes in a
hidden field; a POST whose field does not match the cookie is refused.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

TOKEN_COOKIE = "lessonreel_token"
CSRF_COOKIE = "lessonreel_csrf"
CSRF_FIELD = "csrf"
OPEN_PATHS = ("/login", "/static/")
"""Reachable without the token: the login form and its stylesheet (no run data)."""

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (where no token is needed)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def same_secret(given: str | None, expected: str) -> bool:
    """Compare in constant time; a missing value never matches."""
    return bool(given) and hmac.compare_digest(str(given).encode(), expected.encode())


def _cookies(scope: Scope) -> dict[str, str]:
    raw = b"; ".join(v for k, v in scope.get("headers", []) if k == b"cookie")
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw.decode("latin-1"))
    except Exception:  # a malformed cookie header means no cookies, not a crash
        return {}
    return {k: m.value for k, m in jar.items()}


class TokenGate:
    """Refuse every request without the token (cookie or ``Authorization: Bearer``)."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or answer it with a redirect to the login form / a 401."""
        if self.token is None or scope["type"] not in {"http", "websocket"}:
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        if path == "/login" or path.startswith(OPEN_PATHS[1]) or self._allowed(scope):
            await self.app(scope, receive, send)
            return
        response: Response
        if scope.get("method") == "GET":
            response = RedirectResponse("/login", status_code=303)
        else:
            response = PlainTextResponse("Sign in first: this studio needs its token.", 401)
        await response(scope, receive, send)

    def _allowed(self, scope: Scope) -> bool:
        assert self.token is not None
        if same_secret(_cookies(scope).get(TOKEN_COOKIE), self.token):
            return True
        for key, value in scope.get("headers", []):
            if key == b"authorization":
                scheme, _, given = value.decode("latin-1").partition(" ")
                if scheme.lower() == "bearer" and same_secret(given.strip(), self.token):
                    return True
        return False


def csrf_token(request: Request) -> str:
    """The token forms on this page carry (the cookie's, or a new one set on the response)."""
    current = request.cookies.get(CSRF_COOKIE)
    if current and len(current) >= 32:
        return current
    fresh: str | None = getattr(request.state, "new_csrf", None)
    if fresh is None:
        fresh = secrets.token_urlsafe(32)
        request.state.new_csrf = fresh
    return fresh


def set_csrf_cookie(request: Request, response: Response) -> Response:
    """Set the CSRF cookie when this request minted a token."""
    fresh = getattr(request.state, "new_csrf", None)
    if fresh:
        response.set_cookie(CSRF_COOKIE, fresh, httponly=True, samesite="strict", path="/")
    return response


def csrf_ok(request: Request, form: Any) -> bool:
    """True when the form echoes the CSRF cookie."""
    cookie = request.cookies.get(CSRF_COOKIE)
    given = form.get(CSRF_FIELD)
    return cookie is not None and isinstance(given, str) and same_secret(given, cookie)
