"""Files on disk that must never be half written: atomic writes and checksums.

A clip, a report or a storyboard is first written under a temporary name in the same folder,
flushed and fsynced, then renamed over the destination with ``os.replace``. A crash or an
exception at any point leaves either the old file or the new one, never a truncated mix, and
the temporary file is removed when the writer fails.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20
TEMP_SUFFIX = ".part"


def sha256_file(path: Path | str, *, chunk_size: int = CHUNK) -> str:
    """Hex sha256 of a file, read in chunks so large clips do not fill memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk_size):
            digest.update(block)
    return digest.hexdigest()


def file_stamp(path: Path | str) -> str | None:
    """Size, modification time and inode of a file (None when it is gone).

    Cheap to read: a file whose stamp is unchanged since it was checked is the file that was
    checked, so the check need not be repeated (the assembler trusts fetch's probe this way).
    """
    try:
        st = os.stat(path)
    except OSError:
        return None
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def temp_path_for(path: Path | str) -> Path:
    """Return a unique hidden temp name beside ``path`` (same folder: the rename is atomic)."""
    path = Path(path)
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")


def is_temp_path(path: Path | str) -> bool:
    """Tell whether a name was made by :func:`temp_path_for` (a leftover cleanup may delete)."""
    name = Path(path).name
    return name.startswith(".") and name.endswith(TEMP_SUFFIX)


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (no-op where directories cannot be opened)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def promote_temp(temp: Path | str, dest: Path | str, *, expected_sha256: str | None = None) -> str:
    """Fsync ``temp``, check its sha256, rename it over ``dest``; return the sha256.

    This is the last step of a download: on a checksum mismatch the temp file is deleted and
    ``dest`` is left untouched, so a truncated download can never pose as a finished clip.
    """
    temp, dest = Path(temp), Path(dest)
    try:
        with open(temp, "rb+") as fh:
            os.fsync(fh.fileno())
        digest = sha256_file(temp)
        if expected_sha256 is not None and digest != expected_sha256.lower():
            raise ValueError(
                f"checksum mismatch for {dest.name}: expected {expected_sha256}, got {digest}"
            )
        os.replace(temp, dest)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_dir(dest.parent)
    return digest


@contextlib.contextmanager
def atomic_writer(path: Path | str) -> Iterator[BinaryIO]:
    """Open a temp file beside ``path`` for binary writing; rename it into place on success.

    If the block raises, the temp file is deleted and ``path`` keeps its previous content.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_path_for(path)
    try:
        with open(temp, "xb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def atomic_write_bytes(path: Path | str, data: bytes | Iterable[bytes]) -> Path:
    """Write ``data`` (bytes, or an iterable of chunks) to ``path`` atomically."""
    path = Path(path)
    with atomic_writer(path) as fh:
        if isinstance(data, bytes | bytearray | memoryview):
            fh.write(data)
        else:
            for chunk in data:
                fh.write(chunk)
    return path


def atomic_write_text(path: Path | str, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8, newlines untranslated)."""
    return atomic_write_bytes(path, text.encode(encoding))


def remove_stale_temps(folder: Path | str, *, older_than: float = 0.0) -> int:
    """Delete temp files left in ``folder`` by a killed writer; return how many were removed.

    Call it on resume, before downloads restart, so a crash never leaves partial files behind.
    ``older_than`` (seconds) spares temps a live writer in another process may still own.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    cutoff = time.time() - older_than
    removed = 0
    for path in folder.iterdir():
        if is_temp_path(path) and path.is_file() and path.stat().st_mtime <= cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
