"""The job ledger: runs, shots, provider jobs, webhook events and spend in one SQLite file.

Exactly-once dispatch rests on two rules: a job row is *reserved* under its idempotency key
before the provider is called, and the provider job id is stored right after. On resume, an
existing row means "collect it", never "submit again".

Concurrency: one :class:`Ledger` may be shared by threads; each has its own SQLite connection.
Several processes (the CLI, the webhook receiver) may open the same file: the database is in
WAL mode, every write is one short ``BEGIN IMMEDIATE`` transaction, connections wait up to
``busy_timeout`` seconds, and a write that still meets "database is locked" is retried with
jittered backoff. ``synchronous=NORMAL``: a committed row survives a killed process.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database

from lessonreel.store import ledger_rows as R
from lessonreel.store.home import ledger_path
from lessonreel.store.lease import RunLeases
from lessonreel.store.ledger_db import LedgerDB, Store, update_with_meta
from lessonreel.store.ledger_guard import redact_secrets, refuse_secrets
from lessonreel.store.ledger_speech import SpeechAssets

T = TypeVar("T")


class Ledger:
    """The job ledger over one SQLite file (sync API; call via ``asyncio.to_thread``)."""

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        busy_timeout: float = 10.0,
        synchronous: str = "NORMAL",
    ) -> None:
        self._store: Store = LedgerDB(
            path if path is not None else ledger_path(),
            busy_timeout=busy_timeout,
            synchronous=synchronous,
        )
        self.path: Path = self._store.path

    @property
    def db(self) -> Database:
        """Return this thread's sqlite-utils ``Database`` (for inspection and tests)."""
        return self._store.db

    def close(self) -> None:
        """Close every thread's connection; the ledger cannot be used afterwards."""
        self._store.close()

    @property
    def leases(self) -> RunLeases:
        """Run leases in this ledger: one process advances a run at a time."""
        return RunLeases(self._store)

    @property
    def speech(self) -> SpeechAssets:
        """Narration audio in this ledger: a paid speech call is made once per key."""
        return SpeechAssets(self._store)

    @classmethod
    def open(cls, home: Path | None = None) -> Ledger:
        """Open (and migrate) ``lessonreel.db`` in the home."""
        return cls(ledger_path(home))

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- runs -------------------------------------------------------------------------

    idempotency_key = staticmethod(R.idempotency_key)

    def create_run(
        self,
        run_id: str,
        *,
        lesson_id: str,
        title: str,
        provider: str,
        model: str,
        options: dict[str, Any],
        **fields: Any,
    ) -> dict[str, Any]:
        """Record a new run (a second call with the same id keeps the first); return its row.

        Raises ValueError if ``options`` or ``fields`` hold anything that looks like a key.
        """
        refuse_secrets(options, where=f"options of run {run_id}")
        refuse_secrets(fields, where=f"run {run_id}")
        cols, extra = R.split_fields(fields, R.RUN_COLUMNS)
        now = time.time()
        record: dict[str, Any] = {
            **cols,
            "run_id": run_id,
            "lesson_id": lesson_id,
            "title": title,
            "provider": provider,
            "model": model,
            "options": options,
            "meta": extra,
            "created_at": now,
            "updated_at": now,
        }
        names = list(record)
        values = [R.to_column(n, record[n]) for n in names]
        sql = (
            f"INSERT INTO runs ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
            "ON CONFLICT(run_id) DO NOTHING"
        )
        self._store.write(lambda db: db.execute(sql, values))
        row = self.get_run(run_id)
        assert row is not None
        return row

    def update_run(self, run_id: str, **fields: Any) -> dict[str, Any]:
        """Update a run's columns (unknown names are kept in its ``meta``); return its row."""
        refuse_secrets(fields, where=f"run {run_id}")
        cols, extra = R.split_fields(fields, R.RUN_COLUMNS)

        def tx(db: Database) -> None:
            update_with_meta(db, "runs", "run_id = ?", [run_id], cols, extra, f"run {run_id}")

        self._store.write(tx)
        row = self.get_run(run_id)
        assert row is not None
        return row

    def get_run(self, run_id: str) -> dict[str, Any] | None:
        """Return the run's row, or None."""
        return self._store.one("SELECT * FROM runs WHERE run_id = ?", [run_id])

    def list_runs(self, limit: int = 50) -> list[dict[str, Any]]:
        """Return the most recent runs first."""
        return self._store.read(
            "SELECT * FROM runs ORDER BY created_at DESC, run_id DESC LIMIT ?", [limit]
        )

    # -- shots ------------------------------------------------------------------------

    def upsert_shot(self, run_id: str, index: int, **fields: Any) -> None:
        """Create or update shot ``index`` of a run (unknown names go to ``meta``).

        Like :meth:`update_job` it does not read the row back: the graph writes every shot
        several times, and ``shots`` reads them when wanted.
        """
        refuse_secrets(fields, where=f"shot {index} of run {run_id}")
        cols, extra = R.split_fields(fields, R.SHOT_COLUMNS)

        def tx(db: Database) -> None:
            db.execute(
                "INSERT INTO shots (run_id, idx, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT(run_id, idx) DO NOTHING",
                [run_id, index, time.time()],
            )
            where = "run_id = ? AND idx = ?"
            update_with_meta(db, "shots", where, [run_id, index], cols, extra, "shot")

        self._store.write(tx)

    def shots(self, run_id: str) -> list[dict[str, Any]]:
        """Return a run's shots in index order (each row has ``idx`` and its alias ``index``)."""
        return self._store.read("SELECT * FROM shots WHERE run_id = ? ORDER BY idx", [run_id])

    # -- jobs -------------------------------------------------------------------------

    def reserve_job(
        self,
        key: str,
        *,
        run_id: str,
        shot_index: int,
        provider: str,
        model: str,
        size: str,
        seconds: float,
        prompt: str,
        estimate_usd: float,
    ) -> tuple[dict[str, Any], bool]:
        """Write the job row *before* submitting; return ``(row, created)``.

        ``created`` is False when a row with ``key`` already exists: the job was reserved (and
        perhaps submitted) earlier, so the caller must collect it, not submit again.
        """
        now = time.time()

        def tx(db: Database) -> tuple[dict[str, Any], bool]:
            cur = db.execute(
                "INSERT INTO jobs (idempotency_key, run_id, shot_index, provider, model, size,"
                " seconds, prompt, estimate_usd, status, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'reserved', ?, ?)"
                " ON CONFLICT(idempotency_key) DO NOTHING",
                [key, run_id, shot_index, provider, model, size, seconds, prompt,
                 estimate_usd, now, now],
            )  # fmt: skip
            return _job_in(db, key), cur.rowcount == 1

        return self._store.write(tx)

    def set_provider_job_id(self, key: str, provider_job_id: str) -> dict[str, Any]:
        """Store the provider's job id right after submit; ``reserved`` becomes ``submitted``.

        Raises ValueError if the row already carries a *different* provider id (a second
        submit for one key is exactly what the ledger exists to prevent).
        """
        now = time.time()

        def tx(db: Database) -> dict[str, Any]:
            row = db.execute(
                "SELECT provider_job_id FROM jobs WHERE idempotency_key = ?", [key]
            ).fetchone()
            if row is None:
                raise KeyError(f"no job reserved under key {key[:12]}…")
            if row[0] not in (None, provider_job_id):
                raise ValueError(
                    f"job {key[:12]}… already has provider id {row[0]!r}; "
                    f"refusing to replace it with {provider_job_id!r}"
                )
            db.execute(
                "UPDATE jobs SET provider_job_id = ?, updated_at = ?,"
                " submitted_at = COALESCE(submitted_at, ?),"
                " status = CASE WHEN status = 'reserved' THEN 'submitted' ELSE status END"
                " WHERE idempotency_key = ?",
                [provider_job_id, now, now, key],
            )
            return _job_in(db, key)

        return self._store.write(tx)

    def update_job(self, key: str, **fields: Any) -> None:
        """Update a job's status, progress, error, expiry, cost, clip and attempts.

        A terminal status stamps ``completed_at`` if none is given. Provider error messages
        are stored with secret-looking text redacted. The row is not read back (``job_by_key``).
        """
        unknown = set(fields) - R.JOB_UPDATE_COLUMNS
        if unknown:
            allowed = ", ".join(sorted(R.JOB_UPDATE_COLUMNS))
            raise ValueError(f"update_job got unknown fields {sorted(unknown)}; allowed: {allowed}")
        if isinstance(fields.get("error_message"), str):
            fields["error_message"] = redact_secrets(fields["error_message"])
        now = time.time()
        cols = {name: R.to_column(name, value) for name, value in fields.items()}
        cols["updated_at"] = now
        terminal = fields.get("status") in R.JOB_TERMINAL_STATUSES
        assignments = [f"{name} = ?" for name in cols]
        params: list[Any] = list(cols.values())
        if terminal and "completed_at" not in fields:
            assignments.append("completed_at = COALESCE(completed_at, ?)")
            params.append(now)

        def tx(db: Database) -> None:
            cur = db.execute(
                f"UPDATE jobs SET {', '.join(assignments)} WHERE idempotency_key = ?",
                [*params, key],
            )
            if cur.rowcount == 0:
                raise KeyError(f"no job reserved under key {key[:12]}…")

        self._store.write(tx)

    def job_by_key(self, key: str) -> dict[str, Any] | None:
        """Return the job reserved under ``key``, or None."""
        return self._store.one("SELECT * FROM jobs WHERE idempotency_key = ?", [key])

    def job_by_provider_id(self, provider: str, provider_job_id: str) -> dict[str, Any] | None:
        """Return the job a provider knows as ``provider_job_id`` (webhooks carry this id)."""
        return self._store.one(
            "SELECT * FROM jobs WHERE provider = ? AND provider_job_id = ? ORDER BY id LIMIT 1",
            [provider, provider_job_id],
        )

    def jobs(self, run_id: str) -> list[dict[str, Any]]:
        """Return every job of a run, by shot then reservation order."""
        return self._store.read(
            "SELECT * FROM jobs WHERE run_id = ? ORDER BY shot_index, id", [run_id]
        )

    def jobs_for_shot(self, run_id: str, shot_index: int) -> list[dict[str, Any]]:
        """Return the jobs of one shot of a run, in reservation order (uses ``jobs_run_shot``)."""
        return self._store.read(
            "SELECT * FROM jobs WHERE run_id = ? AND shot_index = ? ORDER BY id",
            [run_id, shot_index],
        )

    def uncharged_jobs(self, run_id: str) -> list[dict[str, Any]]:
        """Jobs a run may still be charged for: open, or succeeded with no charge yet (one read)."""
        marks = ", ".join("?" * len(R.JOB_OPEN_STATUSES))
        sql = f"""SELECT * FROM jobs j WHERE run_id = ? AND (status IN ({marks}) OR
            (status = 'succeeded' AND NOT EXISTS (SELECT 1 FROM spend s
             WHERE s.job_key = j.idempotency_key AND s.kind = 'charge'))) ORDER BY id"""
        return self._store.read(sql, [run_id, *R.JOB_OPEN_STATUSES])

    def open_jobs(self, run_id: str | None = None) -> list[dict[str, Any]]:
        """Jobs still to collect (reserved, submitted, queued, running), for resume."""
        marks = ", ".join("?" * len(R.JOB_OPEN_STATUSES))
        sql = f"SELECT * FROM jobs WHERE status IN ({marks})"
        params: list[Any] = list(R.JOB_OPEN_STATUSES)
        if run_id is not None:
            sql += " AND run_id = ?"
            params.append(run_id)
        return self._store.read(sql + " ORDER BY id", params)

    # -- events -----------------------------------------------------------------------

    def record_event(
        self,
        *,
        provider: str,
        event_id: str,
        type: str,
        provider_job_id: str | None,
        payload: dict[str, Any],
    ) -> bool:
        """Store a webhook event once; False if ``(provider, event_id)`` was already seen.

        The unique index decides, so concurrent receivers agree on exactly one winner.
        Secret-looking values in ``payload`` are redacted before storage.
        """
        body = R.to_column("payload", redact_secrets(payload))
        sql = (
            "INSERT INTO events (provider, event_id, type, provider_job_id, payload, received_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(provider, event_id) DO NOTHING"
        )
        params = [provider, event_id, type, provider_job_id, body, time.time()]
        return self._store.write(lambda db: db.execute(sql, params).rowcount == 1)

    def events_for_job(self, provider: str, provider_job_id: str) -> list[dict[str, Any]]:
        """Return the events for one provider job, in arrival order."""
        return self._store.read(
            "SELECT * FROM events WHERE provider = ? AND provider_job_id = ? ORDER BY id",
            [provider, provider_job_id],
        )

    # -- spend ------------------------------------------------------------------------

    def record_spend(self, run_id: str, *, job_key: str | None, usd: float, kind: str) -> bool:
        """Record money for a run; False if this job already has an entry of this ``kind``.

        Kinds: ``charge`` (billed), ``refund`` (negative, billed), ``shadow`` (what a local
        run would have cost on the real provider; never counted as spend).
        """
        if kind not in R.SPEND_KINDS:
            raise ValueError(f"unknown spend kind {kind!r}; use one of {', '.join(R.SPEND_KINDS)}")
        sql = (
            "INSERT INTO spend (run_id, job_key, usd, kind, created_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(job_key, kind) DO NOTHING"
        )
        params = [run_id, job_key, float(usd), kind, time.time()]
        return self._store.write(lambda db: db.execute(sql, params).rowcount == 1)

    def spent(self, run_id: str, *, shadow: bool = False) -> float:
        """USD billed for a run (charges plus refunds); ``shadow=True``: the shadow total."""
        kinds = ("shadow",) if shadow else R.COUNTED_SPEND
        return self._sum(kinds, run_id)

    def spent_total(self) -> float:
        """USD billed across every run."""
        return self._sum(R.COUNTED_SPEND)

    def _sum(self, kinds: tuple[str, ...], run_id: str | None = None) -> float:
        where = f"kind IN ({', '.join('?' * len(kinds))})"
        params: list[Any] = list(kinds)
        if run_id is not None:
            where += " AND run_id = ?"
            params.append(run_id)
        row = self._store.one(
            f"SELECT COALESCE(SUM(usd), 0.0) AS total FROM spend WHERE {where}", params
        )
        return round(float(row["total"]) if row else 0.0, 6)

    def average_job_seconds(self, provider: str, model: str, *, window: int = 20) -> float | None:
        """Mean submit-to-completion seconds of the last ``window`` succeeded jobs (for ETAs)."""
        found = self._store.read(
            "SELECT completed_at - COALESCE(submitted_at, created_at) AS took FROM jobs"
            " WHERE provider = ? AND model = ? AND status = 'succeeded'"
            " AND completed_at IS NOT NULL ORDER BY completed_at DESC LIMIT ?",
            [provider, model, window],
        )
        took = [r["took"] for r in found if r["took"] is not None and r["took"] >= 0]
        return sum(took) / len(took) if took else None


def _job_in(db: Database, key: str) -> dict[str, Any]:
    """Read a job row inside the current transaction."""
    found: list[dict[str, Any]] = R.rows(
        db.execute("SELECT * FROM jobs WHERE idempotency_key = ?", [key])
    )
    if not found:
        raise KeyError(f"no job reserved under key {key[:12]}…")
    return found[0]
