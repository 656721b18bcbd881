"""Atomic writes and checksums: a crash mid-write never leaves a half file behind."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from lessonreel.store.assets import (
    atomic_write_bytes,
    atomic_write_text,
    atomic_writer,
    file_stamp,
    is_temp_path,
    promote_temp,
    remove_stale_temps,
    sha256_file,
    temp_path_for,
)


def test_sha256_file_matches_hashlib(tmp_path: Path) -> None:
    data = b"clip" * 300_000
    path = tmp_path / "a.mp4"
    path.write_bytes(data)
    assert sha256_file(path, chunk_size=4096) == hashlib.sha256(data).hexdigest()


def test_temp_path_is_beside_target_and_unique(tmp_path: Path) -> None:
    target = tmp_path / "shots" / "shot-01.mp4"
    temps = {temp_path_for(target) for _ in range(50)}
    assert len(temps) == 50
    assert all(t.parent == target.parent and is_temp_path(t) for t in temps)
    assert not is_temp_path(target)


def test_atomic_write_creates_folders_and_content(tmp_path: Path) -> None:
    target = tmp_path / "run" / "report.json"
    atomic_write_text(target, '{"ok": true}\n')
    assert target.read_text() == '{"ok": true}\n'
    atomic_write_bytes(target, [b"a", b"b"])
    assert target.read_bytes() == b"ab"
    assert list(target.parent.iterdir()) == [target]


def _failing_chunks() -> Iterator[bytes]:
    yield b"first half of the new clip"
    raise ConnectionResetError("peer went away")


def test_writer_failing_midway_keeps_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "lesson.mp4"
    target.write_bytes(b"old complete video")
    with pytest.raises(ConnectionResetError):
        atomic_write_bytes(target, _failing_chunks())
    assert target.read_bytes() == b"old complete video"
    assert list(tmp_path.iterdir()) == [target]


def test_writer_failing_midway_on_new_file_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "new.mp4"

    def write_then_die() -> None:
        with atomic_writer(target) as fh:
            fh.write(b"partial")
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        write_then_die()
    assert list(tmp_path.iterdir()) == []


def test_promote_temp_checks_sha_before_rename(tmp_path: Path) -> None:
    dest = tmp_path / "shot.mp4"
    temp = temp_path_for(dest)
    temp.write_bytes(b"truncated")
    with pytest.raises(ValueError, match="checksum mismatch"):
        promote_temp(temp, dest, expected_sha256=hashlib.sha256(b"full").hexdigest())
    assert list(tmp_path.iterdir()) == []

    temp.write_bytes(b"full")
    digest = promote_temp(temp, dest, expected_sha256=hashlib.sha256(b"full").hexdigest())
    assert digest == hashlib.sha256(b"full").hexdigest()
    assert dest.read_bytes() == b"full"
    assert list(tmp_path.iterdir()) == [dest]


def test_stale_temps_from_a_killed_writer_are_swept(tmp_path: Path) -> None:
    clip = tmp_path / "shot-01.mp4"
    clip.write_bytes(b"done")
    leftover = temp_path_for(tmp_path / "shot-02.mp4")
    leftover.write_bytes(b"half")
    assert remove_stale_temps(tmp_path, older_than=3600) == 0  # might belong to a live writer
    assert remove_stale_temps(tmp_path) == 1
    assert list(tmp_path.iterdir()) == [clip]
    assert remove_stale_temps(tmp_path / "missing") == 0


def test_file_stamp_changes_when_the_checked_file_is_cut_replaced_or_removed(
    tmp_path: Path,
) -> None:
    """The assembler joins a clip unprobed only while its stamp is the one fetch recorded."""
    clip = tmp_path / "shot-000.mp4"
    atomic_write_bytes(clip, b"x" * 4096)
    checked = file_stamp(clip)
    assert checked is not None
    assert file_stamp(clip) == checked  # untouched: the same file
    atomic_write_bytes(clip, b"y" * 4096)  # same size, swapped in by rename
    replaced = file_stamp(clip)
    assert replaced not in (None, checked)
    with clip.open("r+b") as fh:
        fh.truncate(1000)  # cut in place
    assert file_stamp(clip) not in (None, checked, replaced)
    clip.unlink()
    assert file_stamp(clip) is None
