"""File responses that can be deliberately truncated (the download fault).

``content_length`` mode declares the full size and stops early: over a real HTTP/1.1
connection the server then drops the connection, so the client sees an incomplete body;
``silent`` mode cuts the body and declares the cut length, which only a checksum or a probe of
the file can catch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from starlette.responses import FileResponse, Response
from starlette.types import Receive, Scope, Send


class TruncatedDownload(RuntimeError):
    """Raised to make the server drop a connection mid-body (injected fault)."""


class TruncatedFileResponse(Response):
    """Send only ``fraction`` of a file, with an honest or a lying Content-Length."""

    def __init__(
        self,
        path: Path,
        media_type: str,
        *,
        fraction: float,
        mode: Literal["content_length", "silent"],
        headers: dict[str, str] | None = None,
    ) -> None:
        self.path = path
        self.fraction = fraction
        self.mode = mode
        super().__init__(content=b"", media_type=media_type, headers=headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the head, part of the body, then end the response early."""
        data = self.path.read_bytes()
        cut = data[: max(1, int(len(data) * self.fraction))]
        declared = len(data) if self.mode == "content_length" else len(cut)
        headers = [(k, v) for k, v in self.raw_headers if k.lower() != b"content-length"] + [
            (b"content-length", str(declared).encode())
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        if self.mode == "silent":
            await send({"type": "http.response.body", "body": cut, "more_body": False})
            return
        await send({"type": "http.response.body", "body": cut, "more_body": True})
        try:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except Exception as exc:
            # A real HTTP/1.1 server refuses to end a body shorter than declared; raising makes
            # it drop the connection, which is exactly the fault (it logs one traceback).
            # In-process (ASGITransport) the short body simply arrives.
            raise TruncatedDownload(f"truncated download of {self.path.name} (fault)") from exc


def file_response(
    path: Path,
    media_type: str,
    *,
    headers: dict[str, str] | None = None,
    send_fraction: float | None = None,
    mode: Literal["content_length", "silent"] = "content_length",
) -> Response:
    """Serve a whole file, or a truncated one when ``send_fraction`` is set."""
    if send_fraction is None:
        return FileResponse(path, media_type=media_type, headers=headers)
    return TruncatedFileResponse(
        path, media_type, fraction=send_fraction, mode=mode, headers=headers
    )
