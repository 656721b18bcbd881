"""Where delivered clips live when several workers render one lesson: a store every worker reaches.

A shot may be rendered by one worker and assembled by another, so a clip is ``put`` into the
store by the worker that fetched it and ``get`` by the one that stitches. Here the store is a
shared directory (the runs folder of a shared ``LESSONREEL_HOME`` by default, or
``LESSONREEL_CLIP_STORE``); an S3-compatible store implements the same two calls with locators
like ``s3://bucket/key`` (get downloads into the assembling worker's run folder).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Protocol

CLIP_STORE_ENV = "LESSONREEL_CLIP_STORE"


class ClipStore(Protocol):
    """Put a clip where every worker can get it back."""

    def put(self, run_id: str, path: Path) -> str:
        """Store the clip at ``path`` for ``run_id``; return its locator."""
        ...

    def get(self, locator: str, run_id: str) -> Path:
        """Return a local path holding the clip ``locator`` names."""
        ...


class SharedDirStore:
    """Clips in a directory every worker mounts (one host, or a shared POSIX file system)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, run_id: str, path: Path) -> str:
        """Keep a clip already inside the store; copy any other in (temp name, then rename)."""
        path = path.resolve()
        root = self.root.resolve()
        if path.is_relative_to(root):
            return str(path)
        dest = root / run_id / "shots" / path.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(dest.name + ".part")
        shutil.copyfile(path, partial)
        os.replace(partial, dest)
        return str(dest)

    def get(self, locator: str, run_id: str) -> Path:
        """The clip's path (the directory is shared, so it is already local)."""
        path = Path(locator)
        if not path.exists():
            raise FileNotFoundError(f"clip {locator} is not in the shared store {self.root}")
        return path


def clip_store(home: Path) -> ClipStore:
    """The store named by ``LESSONREEL_CLIP_STORE`` (a directory), else the home's runs folder."""
    configured = os.environ.get(CLIP_STORE_ENV)
    return SharedDirStore(Path(configured).expanduser() if configured else home / "runs")
