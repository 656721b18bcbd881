"""A loopback HTTP/1.1 proxy that forwards to a real server and can lose chosen answers.

It reproduces, over real sockets, the failure a retry policy must not paper over: the server has
done the work (created the job) but the client never sees the answer, either because the
connection is cut (``"reset"``) or because the answer never comes (``"hold"``, until the client's
read timeout fires). Imported by module name from the reliability tests.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Literal
from urllib.parse import urlsplit

Loss = Literal["reset", "hold"] | None
Rule = Callable[[str, str, int], Loss]
"""(method, path, ordinal of this (method, path)) -> how to lose the answer, or None to relay."""


@dataclass
class Exchange:
    """One request the proxy forwarded and what happened to the upstream answer."""

    method: str
    path: str
    upstream_status: int
    loss: Loss


@dataclass
class LossyProxy:
    """Forward every request to ``upstream`` (one upstream connection each), lose as told."""

    upstream: str
    rule: Rule
    exchanges: list[Exchange] = field(default_factory=list)
    url: str = ""
    _server: asyncio.Server | None = None
    _seen: dict[tuple[str, str], int] = field(default_factory=dict)

    async def __aenter__(self) -> LossyProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._server is not None
        self._server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 2.0)

    def calls(self, method: str, path: str) -> list[Exchange]:
        """Exchanges for one method and path (the path includes the /v1 prefix)."""
        return [e for e in self.exchanges if (e.method, e.path) == (method, path)]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = [line for line in lines[1:] if line]
        length = 0
        kept: list[str] = []
        for line in headers:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
            if name.strip().lower() != "connection":
                kept.append(line)
        body = await reader.readexactly(length) if length else b""
        path = urlsplit(target).path
        ordinal = self._seen.get((method, path), 0)
        self._seen[(method, path)] = ordinal + 1

        up = urlsplit(self.upstream)
        up_reader, up_writer = await asyncio.open_connection(up.hostname, up.port)
        request = "\r\n".join([lines[0], *kept, "connection: close", "", ""]).encode("latin-1")
        up_writer.write(request + body)
        await up_writer.drain()
        answer = await up_reader.read()  # upstream closes after one answer (connection: close)
        up_writer.close()
        status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
        loss = self.rule(method, path, ordinal)
        self.exchanges.append(Exchange(method, path, status, loss))
        if loss == "reset":
            writer.transport.abort()  # the work is done upstream; the client hears nothing
            return
        if loss == "hold":
            with contextlib.suppress(ConnectionError):
                await reader.read()  # until the client gives up and closes
            writer.close()
            return
        writer.write(answer)
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        writer.close()


def lose_first(method: str, path: str, loss: Loss) -> Rule:
    """Lose the answer to the first ``method path`` request only; relay everything else."""

    def rule(m: str, p: str, ordinal: int) -> Loss:
        return loss if (m, p) == (method, path) and ordinal == 0 else None

    return rule
