"""The ledger's schema as an ordered registry of migrations.

Each migration is a plain function over a sqlite-utils ``Database``; its name is recorded in the
``_migrations`` table once applied, so opening the ledger again is a no-op and a newer release
only runs what is missing. Never edit or reorder a released migration: append a new one.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlite_utils import Database

Migration = Callable[[Database], None]
MIGRATIONS_TABLE = "_migrations"


def m001_core_tables(db: Database) -> None:
    """Create runs, shots, jobs, events and spend with the indexes dispatch relies on."""
    db.table("runs").create(
        {
            "run_id": str,
            "lesson_id": str,
            "title": str,
            "provider": str,
            "model": str,
            "options": str,
            "status": str,
            "estimate_usd": float,
            "budget_usd": float,
            "out_dir": str,
            "error": str,
            "created_at": float,
            "updated_at": float,
            "finished_at": float,
            "meta": str,
        },
        pk="run_id",
        not_null={"run_id", "status", "created_at", "updated_at"},
        defaults={"status": "created", "options": "{}", "meta": "{}"},
    )
    db.table("runs").create_index(["created_at"], index_name="runs_created_at")

    db.table("shots").create(
        {
            "run_id": str,
            "idx": int,
            "status": str,
            "seconds": int,
            "size": str,
            "model": str,
            "prompt": str,
            "verdict": str,
            "rewrites": int,
            "attempts": int,
            "job_key": str,
            "clip_path": str,
            "sha256": str,
            "cost_usd": float,
            "error": str,
            "updated_at": float,
            "meta": str,
        },
        pk=("run_id", "idx"),
        not_null={"run_id", "idx", "status", "updated_at"},
        defaults={"status": "pending", "rewrites": 0, "attempts": 0, "meta": "{}"},
    )

    db.table("jobs").create(
        {
            "id": int,
            "idempotency_key": str,
            "run_id": str,
            "shot_index": int,
            "provider": str,
            "model": str,
            "size": str,
            "seconds": int,
            "prompt": str,
            "estimate_usd": float,
            "status": str,
            "progress": int,
            "provider_job_id": str,
            "error_kind": str,
            "error_code": str,
            "error_message": str,
            "expires_at": float,
            "cost_usd": float,
            "clip_path": str,
            "sha256": str,
            "attempts": int,
            "created_at": float,
            "updated_at": float,
            "submitted_at": float,
            "completed_at": float,
        },
        pk="id",
        not_null={"idempotency_key", "provider", "model", "status", "created_at", "updated_at"},
        defaults={"status": "reserved", "progress": 0, "attempts": 0},
    )
    db.table("jobs").create_index(
        ["idempotency_key"], index_name="jobs_idempotency_key", unique=True
    )
    db.table("jobs").create_index(["provider", "provider_job_id"], index_name="jobs_provider_job")
    db.table("jobs").create_index(["run_id", "shot_index"], index_name="jobs_run_shot")
    db.table("jobs").create_index(
        ["provider", "model", "status", "completed_at"], index_name="jobs_completed"
    )

    db.table("events").create(
        {
            "id": int,
            "provider": str,
            "event_id": str,
            "type": str,
            "provider_job_id": str,
            "payload": str,
            "received_at": float,
        },
        pk="id",
        not_null={"provider", "event_id", "received_at"},
        defaults={"payload": "{}"},
    )
    db.table("events").create_index(
        ["provider", "event_id"], index_name="events_provider_event", unique=True
    )
    db.table("events").create_index(
        ["provider", "provider_job_id"], index_name="events_provider_job"
    )

    db.table("spend").create(
        {
            "id": int,
            "run_id": str,
            "job_key": str,
            "usd": float,
            "kind": str,
            "created_at": float,
        },
        pk="id",
        not_null={"run_id", "usd", "kind", "created_at"},
    )
    # One charge per job and kind: a resumed run that records the same charge again is a no-op.
    db.table("spend").create_index(["job_key", "kind"], index_name="spend_job_kind", unique=True)
    db.table("spend").create_index(["run_id", "kind"], index_name="spend_run_kind")


def m002_run_leases(db: Database) -> None:
    """Create run_leases: who advances each run (see ``store/lease.py``)."""
    db.table("run_leases").create(
        {
            "run_id": str,
            "holder": str,
            "host": str,
            "boot_id": str,
            "pid": int,
            "token": str,
            "acquired_at": float,
            "heartbeat_at": float,
            "expires_at": float,
        },
        pk="run_id",
        not_null={"run_id", "holder", "host", "pid", "token", "acquired_at", "expires_at"},
    )


def m003_speech_assets(db: Database) -> None:
    """Create ``speech``: one row per narrated shot, written before a (paid) speech call."""
    db.table("speech").create(
        {
            "key": str,
            "run_id": str,
            "shot_index": int,
            "engine": str,
            "voice": str,
            "chars": int,
            "status": str,
            "path": str,
            "sha256": str,
            "seconds": float,
            "segments": str,
            "cost_usd": float,
            "error": str,
            "created_at": float,
            "updated_at": float,
        },
        pk="key",
        not_null={"key", "run_id", "shot_index", "engine", "voice", "status", "created_at"},
        defaults={"status": "reserved", "segments": "[]", "cost_usd": 0.0},
    )
    db.table("speech").create_index(["run_id", "shot_index"], index_name="speech_run_shot")


MIGRATIONS: list[Migration] = [m001_core_tables, m002_run_leases, m003_speech_assets]
"""Applied in order; each is recorded by its function name."""


def applied(db: Database) -> list[str]:
    """Names of the migrations already applied to ``db``, in order."""
    if MIGRATIONS_TABLE not in db.table_names():
        return []
    return [r["name"] for r in db.query(f"SELECT name FROM {MIGRATIONS_TABLE} ORDER BY id")]


def migrate(db: Database, migrations: list[Migration] | None = None) -> int:
    """Apply every migration not yet recorded; return how many ran.

    Each migration runs in its own ``BEGIN IMMEDIATE`` transaction together with its record,
    so two processes opening a fresh ledger at once cannot both apply it, and a crash midway
    leaves the schema at the previous migration.
    """
    todo = MIGRATIONS if migrations is None else migrations
    db.execute(
        f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} ("
        "id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, applied_at REAL NOT NULL)"
    )
    count = 0
    for migration in todo:
        name = migration.__name__
        db.execute("BEGIN IMMEDIATE")
        try:
            done = db.execute(f"SELECT 1 FROM {MIGRATIONS_TABLE} WHERE name = ?", [name]).fetchone()
            if done is None:
                migration(db)
                db.execute(
                    f"INSERT INTO {MIGRATIONS_TABLE} (name, applied_at) VALUES (?, ?)",
                    [name, time.time()],
                )
                count += 1
            db.execute("COMMIT")
        except BaseException:
            db.rollback()
            raise
    return count
