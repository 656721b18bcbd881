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


class PartFile:
    """``async with PartFile(dest) as part: await part.write(chunk); await part.commit()``."""

    def __init__(self, dest: Path) -> None:
        self.dest = Path(dest)
        self.written = 0
        self._digest = hashlib.sha256()
        self._tmp: Path | None = None
        self._fh: BinaryIO | None = None

    async def __aenter__(self) -> PartFile:
        self._tmp, self._fh = await asyncio.to_thread(_open_part, self.dest)
        return self

    async def write(self, chunk: bytes) -> None:
        """Append ``chunk`` and fold it into the checksum."""
        assert self._fh is not None, "PartFile used outside 'async with'"
        self._digest.update(chunk)
        self.written += len(chunk)
        try:
            await asyncio.to_thread(self._fh.write, chunk)
        except OSError as exc:
            raise self._named(exc) from exc

    async def commit(self) -> Clip:
        """Close the temp file and rename it to the destination."""
        assert self._fh is not None, "PartFile used outside 'async with'"
        assert self._tmp is not None
        try:
            await asyncio.to_thread(self._fh.close)
        except OSError as exc:
            raise self._named(exc) from exc
        await asyncio.to_thread(os.replace, self._tmp, self.dest)
        return Clip(path=self.dest, sha256=self._digest.hexdigest(), bytes=self.written)

    def _named(self, exc: OSError) -> OSError:
        """The same error naming the file (a bare write error says nothing of where)."""
        if exc.filename is not None:
            return exc
        return OSError(exc.errno, exc.strerror, str(self.dest.parent))

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._fh is not None:
                await asyncio.to_thread(self._fh.close)  # a full disk may fail the last flush
        finally:
            if self._tmp is not None:
                await asyncio.to_thread(_discard, self._tmp)
