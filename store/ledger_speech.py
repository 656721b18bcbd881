"""Narration audio as ledger assets: the row is written before a paid speech call, reused after.

A stored ``done`` row means the shot's audio exists: never pay for it again, even after a crash.
"""

from __future__ import annotations

import time
from typing import Any, TypeVar

from sqlite_utils import Database

from lessonreel.store.ledger_db import Store

T = TypeVar("T")


class SpeechAssets:
    """Reserve, finish and look up narration rows in the ledger file."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def reserve(
        self, key: str, *, run_id: str, shot_index: int, engine: str, voice: str, chars: int
    ) -> tuple[dict[str, Any], bool]:
        """Write the narration row *before* speaking; ``(row, created)`` as ``reserve_job``.

        An existing ``done`` row means the audio is stored: use it, never pay for it again.
        """
        now = time.time()

        def tx(db: Database) -> tuple[dict[str, Any], bool]:
            cur = db.execute(
                "INSERT INTO speech (key, run_id, shot_index, engine, voice, chars, status,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'reserved', ?, ?)"
                " ON CONFLICT(key) DO NOTHING",
                [key, run_id, shot_index, engine, voice, chars, now, now],
            )
            row = db.execute("SELECT * FROM speech WHERE key = ?", [key]).fetchone()
            cols = [c[0] for c in db.execute("SELECT * FROM speech LIMIT 0").description]
            return dict(zip(cols, row, strict=True)), cur.rowcount == 1

        return self._store.write(tx)

    def finish(self, key: str, **fields: Any) -> None:
        """Record a spoken shot: path, sha256, seconds, segments (JSON), cost; status ``done``."""
        allowed = {"path", "sha256", "seconds", "segments", "cost_usd", "status", "error"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown speech fields {sorted(unknown)}")
        values = {"status": "done", **fields, "updated_at": time.time()}
        self._store.write(lambda db: db.table("speech").update(key, values))

    def by_key(self, key: str) -> dict[str, Any] | None:
        """The narration row for ``key``, if any."""
        return self._store.one("SELECT * FROM speech WHERE key = ?", [key])
