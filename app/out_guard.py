"""``--out`` checked before any work, and held by one run at a time.

A run writes a fixed set of files into its output folder. Before anything renders we make sure
the folder is a writable folder, that none of those names is the lesson being read, and that
every one that already exists was written there by lessonreel (listed, with its checksum, in
``.lessonreel-outputs.json``). While a run writes, it holds an exclusive lock on
``.lessonreel.lock``, so a second run aimed at the same folder is refused instead of racing it
(the lock dies with its process, so a crash never leaves the folder locked).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

OUTPUT_NAMES = (
    "lesson.mp4",
    "lesson.srt",
    "lesson.vtt",
    "storyboard.md",
    "storyboard.json",
    "report.json",
)
MANIFEST = ".lessonreel-outputs.json"
LOCK = ".lessonreel.lock"
HOLDER_WAIT = 1.0
"""Seconds a turned-away run waits for the holder's line in the lock file."""


class OutputDirError(ValueError):
    """The output folder cannot be used; the message is one line that says why."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _manifest(out: Path) -> dict[str, str]:
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}


def check_output_dir(out: str | Path, *, lesson_path: str | Path | None = None) -> Path:
    """Return ``out`` as an absolute path if a run may write there; raise OutputDirError if not."""
    out = Path(out).expanduser().absolute()
    if out.exists() and not out.is_dir():
        raise OutputDirError(f"--out {out} is a file, not a folder — give a folder for the outputs")
    probe_at = out
    while not probe_at.exists():
        probe_at = probe_at.parent
    if not probe_at.is_dir():
        raise OutputDirError(f"--out {out}: {probe_at} is a file, not a folder")
    try:
        with tempfile.TemporaryFile(dir=probe_at):
            pass
    except OSError as exc:
        raise OutputDirError(
            f"--out {out}: cannot write in {probe_at} ({exc.strerror or exc}) — choose a "
            "writable folder"
        ) from None
    if not out.exists():
        return out
    lesson = Path(lesson_path).expanduser().resolve() if lesson_path is not None else None
    ours = _manifest(out)
    for name in OUTPUT_NAMES:
        target = out / name
        if lesson is not None and target.resolve() == lesson:
            raise OutputDirError(
                f"--out {out} would overwrite the lesson itself ({name}) — choose another folder"
            )
        if target.is_symlink() or (target.exists() and not target.is_file()):
            raise OutputDirError(f"--out {out}: {name} is not a regular file — move it away")
        if target.exists() and ours.get(name) != _sha256(target):
            raise OutputDirError(
                f"--out {out}: {name} exists and was not written by lessonreel — move it or "
                "choose another folder"
            )
    return out


def record_outputs(out: Path) -> None:
    """List the outputs now in ``out`` with their checksums, so a later run may replace them."""
    files = {name: _sha256(out / name) for name in OUTPUT_NAMES if (out / name).is_file()}
    tmp = out / f"{MANIFEST}.tmp"
    tmp.write_text(json.dumps({"files": files}, indent=2) + "\n", encoding="utf-8")
    tmp.replace(out / MANIFEST)


def _try_lock(fh: IO[str]) -> bool:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no cross-process guard
        return True
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder(fh: IO[str]) -> str:
    """Who holds the lock, as its holder wrote it ("run … (pid …)").

    The holder writes that line just after it takes the lock, so a run turned away in that
    instant waits a moment for it rather than naming nobody.
    """
    deadline = time.monotonic() + HOLDER_WAIT
    while True:
        fh.seek(0)
        line = fh.read().strip()
        if line or time.monotonic() >= deadline:
            return line or "another run"
        time.sleep(0.01)


@contextlib.contextmanager
def hold_output_dir(
    out: str | Path, *, run_id: str, lesson_path: str | Path | None = None
) -> Iterator[Path]:
    """Check ``out``, lock it for this run, and record what the run wrote when it ends."""
    path = check_output_dir(out, lesson_path=lesson_path)
    path.mkdir(parents=True, exist_ok=True)
    fh = (path / LOCK).open("a+", encoding="utf-8")
    try:
        if not _try_lock(fh):
            raise OutputDirError(
                f"--out {path} is being written by {_holder(fh)} — wait for it or choose another "
                "folder"
            )
        fh.seek(0)
        fh.truncate()
        fh.write(f"run {run_id} (pid {os.getpid()})")
        fh.flush()
        try:
            yield path
        finally:
            record_outputs(path)
    finally:
        fh.close()
