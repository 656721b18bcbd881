"""A request body limit for every emulator route: HTTP 413 instead of reading 200 MB.

A declared ``Content-Length`` over the limit is refused before the body is read; a body without
one (chunked) is counted as it arrives and cut off at the limit.
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_LENGTH_DIGITS = 18


def _too_large_message(limit: int) -> str:
    return f"Request body too large: the limit is {limit} bytes."


class BodyLimit:
    """ASGI middleware: refuse (413) any request body larger than ``max_bytes``."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared length, then count what arrives."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (
            len(declared) > MAX_LENGTH_DIGITS
            or not declared.isdigit()
            or int(declared) > self.max_bytes
        ):
            await _refuse(send, self.max_bytes)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    # inside the app: its exception handler answers in the usual envelope
                    raise HTTPException(413, _too_large_message(self.max_bytes))
            return message

        await self.app(scope, limited, send)


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps(
        {
            "error": {
                "message": _too_large_message(limit),
                "type": "invalid_request_error",
                "param": None,
                "code": "request_too_large",
            }
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
