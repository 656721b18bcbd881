"""Disk-full and read-only-home errors, recognised wherever they surface, in one sentence.

A full disk shows up as ``OSError`` (ENOSPC, EDQUOT, EFBIG) from a download or a video write,
as SQLite's "database or disk is full", or — for a read-only home — as EROFS/EACCES or
"unable to open database file" / "attempt to write a readonly database". :func:`disk_problem`
finds such an error anywhere in an exception's chain and says which path is affected, how much
is free there and how much to free before ``lessonreel resume``.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

HEADROOM_BYTES = 200 * 1024 * 1024
"""Free space to ask for before resuming: a few clips, the lesson video and the databases."""

_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}


@dataclass(frozen=True)
class DiskProblem:
    """What went wrong on disk, where, and what to do about it."""

    path: Path
    read_only: bool
    free_bytes: int | None

    def message(self) -> str:
        """One line for the user."""
        if self.read_only:
            return f"cannot write {self.path}: the folder is read-only or not yours"
        free = "unknown" if self.free_bytes is None else _mb(self.free_bytes)
        return (
            f"no space left writing {self.path} ({free} free there); free at least "
            f"{_mb(HEADROOM_BYTES)}, then run `lessonreel resume RUN`"
        )


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


def _free(path: Path) -> int | None:
    for folder in (path, *path.parents):
        try:
            return shutil.disk_usage(folder).free
        except OSError:
            continue
    return None


def disk_problem(exc: BaseException, fallback: Path) -> DiskProblem | None:
    """The disk problem behind ``exc`` (searched through its causes), else None."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        found = _classify(current, fallback)
        if found is not None:
            return found
        current = current.__cause__ or current.__context__
    return None


def _classify(exc: BaseException, fallback: Path) -> DiskProblem | None:
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        if "disk is full" in text or "disk i/o error" in text:
            return DiskProblem(fallback, False, _free(fallback))
        if "readonly" in text or "unable to open database" in text:
            return DiskProblem(fallback, True, None)
        return None
    if isinstance(exc, OSError) and exc.errno in _FULL | _READ_ONLY:
        path = Path(exc.filename) if isinstance(exc.filename, str) else fallback
        if exc.errno in _READ_ONLY:
            return DiskProblem(path, True, None)
        return DiskProblem(path, False, _free(path))
    return None
