"""A download sink that keeps file work off the event loop.

Providers stream clips inside async code that also runs under ``langgraph dev``, which refuses
blocking calls in the event loop. Every filesystem call here therefore runs in a worker thread;
the clip lands under a temp name beside its destination and is renamed into place only once the
caller has checked it, so a cut or failed download never leaves a file that looks finished.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from lessonreel.video.types import Clip


def _open_part(dest: Path) -> tuple[Path, BinaryIO]:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{secrets.token_hex(4)}.part")
    return tmp, tmp.open("wb")


def _discard(tmp: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()


BUFFER_BYTES = 1 << 20
"""Bytes held in memory before they go to disk: a short clip is written in one thread hop."""


class PartFile:
    """``async with PartFile(dest) as part: await part.write(chunk); await part.commit()``.

    Chunks are buffered and written a mebibyte at a time; the temp file is opened with the first
    write that reaches the disk. A clip that fits the buffer costs one worker-thread hop (open,
    write, close, rename), not one per chunk and file call.
    """

    def __init__(self, dest: Path) -> None:
        self.dest = Path(dest)
        self.written = 0
        self._digest = hashlib.sha256()
        self._tmp: Path | None = None
        self._fh: BinaryIO | None = None
        self._buffer: list[bytes] = []
        self._buffered = 0
        self._committed = False

    async def __aenter__(self) -> PartFile:
        return self

    async def write(self, chunk: bytes) -> None:
        """Append ``chunk`` and fold it into the checksum."""
        self._digest.update(chunk)
        self.written += len(chunk)
        self._buffer.append(chunk)
        self._buffered += len(chunk)
        if self._buffered >= BUFFER_BYTES:
            await self._in_thread(self._flush)

    def _flush(self) -> None:
        """Write the buffered chunks, opening the temp file first if needed (worker thread)."""
        if self._fh is None:
            self._tmp, self._fh = _open_part(self.dest)
        data, self._buffer, self._buffered = b"".join(self._buffer), [], 0
        self._fh.write(data)

    def _finish(self) -> None:
        """Write what is left, close the temp file and rename it into place (worker thread)."""
        self._flush()
        assert self._fh is not None
        assert self._tmp is not None
        self._fh.close()
        os.replace(self._tmp, self.dest)
        self._committed = True

    async def _in_thread(self, step: Callable[[], None]) -> None:
        try:
            await asyncio.to_thread(step)
        except OSError as exc:
            raise self._named(exc) from exc

    async def commit(self) -> Clip:
        """Close the temp file and rename it to the destination."""
        await self._in_thread(self._finish)
        return Clip(path=self.dest, sha256=self._digest.hexdigest(), bytes=self.written)

    def _named(self, exc: OSError) -> OSError:
        """The same error naming the file (a bare write error says nothing of where)."""
        if exc.filename is not None:
            return exc
        return OSError(exc.errno, exc.strerror, str(self.dest.parent))

    def _abandon(self) -> None:
        """Close and delete the temp file of a download that did not commit (worker thread)."""
        try:
            if self._fh is not None:
                self._fh.close()  # a full disk may fail the last flush
        finally:
            if self._tmp is not None:
                _discard(self._tmp)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._buffer, self._buffered = [], 0
        if not self._committed and self._fh is not None:
            await asyncio.to_thread(self._abandon)
