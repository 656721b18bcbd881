"""Encoding between Python values and ledger rows, and the idempotency key.

Kept apart from :mod:`lessonreel.store.ledger` so the key scheme and the column conventions are
easy to read and test on their own.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

KEY_VERSION = 1

JSON_COLUMNS = frozenset({"options", "meta", "verdict", "payload"})

RUN_COLUMNS = frozenset(
    {
        "lesson_id",
        "title",
        "provider",
        "model",
        "options",
        "status",
        "estimate_usd",
        "budget_usd",
        "out_dir",
        "error",
        "finished_at",
    }
)
SHOT_COLUMNS = frozenset(
    {
        "status",
        "seconds",
        "size",
        "model",
        "prompt",
        "verdict",
        "rewrites",
        "attempts",
        "job_key",
        "clip_path",
        "sha256",
        "cost_usd",
        "error",
    }
)
JOB_UPDATE_COLUMNS = frozenset(
    {
        "status",
        "progress",
        "error_kind",
        "error_code",
        "error_message",
        "expires_at",
        "cost_usd",
        "clip_path",
        "sha256",
        "completed_at",
        "submitted_at",
        "attempts",
    }
)
TIME_COLUMNS = frozenset({"expires_at", "completed_at", "submitted_at", "finished_at"})

JOB_OPEN_STATUSES = ("reserved", "submit_unknown", "submitted", "queued", "running")
"""Job statuses that still need collecting: ``reserved`` (row written, submit not confirmed),
``submitted`` (provider id known), then the provider's neutral ``queued``/``running``."""
JOB_TERMINAL_STATUSES = frozenset({"succeeded", "failed", "canceled", "expired"})

SPEND_KINDS = ("charge", "refund", "shadow")
"""``charge``: money a provider bills (counted); ``refund``: negative correction (counted);
``shadow``: what a free local run would have cost on its shadow provider (not counted)."""
COUNTED_SPEND = ("charge", "refund")


def canonical_json(value: Any) -> str:
    """Serialise ``value`` deterministically (sorted keys, no spaces, UTF-8 kept)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _number(value: float | int) -> float | int:
    """Return ints for integral numbers so ``4`` and ``4.0`` hash the same."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def idempotency_key(
    *,
    provider: str,
    model: str,
    size: str,
    seconds: float,
    prompt: str,
    reference_sha256: str | None,
    run_id: str,
    shot_index: int,
    generation: int = 0,
    retry: int = 0,
) -> str:
    """Hex sha256 of the canonical JSON of everything that makes a paid job distinct.

    ``generation`` (0 for a first render, +1 per upscale) enters the hash only when set, so
    the keys of first renders are those ledgers have always held.
    """
    body: dict[str, Any] = {
        "v": KEY_VERSION,
        "provider": provider,
        "model": model,
        "size": size,
        "seconds": _number(seconds),
        "prompt": prompt,
        "reference_sha256": reference_sha256.lower() if reference_sha256 else None,
        "run_id": run_id,
        "shot_index": int(shot_index),
        "retry": int(retry),
    }
    if generation:
        body["generation"] = int(generation)
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def to_epoch(value: Any) -> float | None:
    """Accept unix seconds or an aware/naive datetime; store unix seconds."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.timestamp()
    return float(value)


def to_column(name: str, value: Any) -> Any:
    """Adapt a Python value to what SQLite stores for column ``name``."""
    if value is None:
        return None
    if name in TIME_COLUMNS:
        return to_epoch(value)
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    if name in JSON_COLUMNS or isinstance(value, dict | list | tuple):
        return json.dumps(value, default=str, ensure_ascii=False)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, datetime):
        return value.timestamp()
    return value


def to_json_value(value: Any) -> Any:
    """Make ``value`` JSON-serialisable for the ``meta`` column."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, datetime):
        return value.timestamp()
    return value


def rows(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    """Turn a cursor into decoded row dicts (JSON columns parsed, ``meta`` merged in)."""
    names = [d[0] for d in cursor.description or ()]
    return [decode(dict(zip(names, row, strict=True))) for row in cursor.fetchall()]


def decode(row: dict[str, Any]) -> dict[str, Any]:
    """Parse JSON columns; lift ``meta`` keys to the top level without shadowing columns."""
    for name in JSON_COLUMNS & row.keys():
        raw = row[name]
        if isinstance(raw, str):
            with contextlib.suppress(ValueError):
                row[name] = json.loads(raw)
    meta = row.pop("meta", None)
    if isinstance(meta, dict):
        for key, value in meta.items():
            row.setdefault(key, value)
    if "idx" in row:
        row["index"] = row["idx"]
    return row


def split_fields(
    fields: Mapping[str, Any], columns: Iterable[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split ``fields`` into known columns and extras that go into ``meta``."""
    known = set(columns)
    cols = {k: v for k, v in fields.items() if k in known}
    extra = {k: to_json_value(v) for k, v in fields.items() if k not in known}
    return cols, extra
