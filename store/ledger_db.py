"""SQLite connections and short transactions for the ledger.

One connection per thread (``threading.local``): a :class:`LedgerDB` may be shared by the
threads of ``asyncio.to_thread``. Every write is one ``BEGIN IMMEDIATE`` transaction (so a
writer never fails half way through upgrading a read lock), connections wait ``busy_timeout``
seconds for the lock, and "database is locked" is retried with jittered backoff.

The threads of one process take turns at writing through a ``threading.Lock`` before they ask
SQLite: a writer SQLite turns away sleeps in its busy handler (1, 2, 5, 10 ms …) however soon
the lock frees, and a run's shots write from several threads at once. A thread waiting on the
Python lock wakes as soon as the writer before it commits. Other processes still meet at
SQLite's lock, as before.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlite_utils import Database
from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_random_exponential,
)

from lessonreel.store import ledger_rows as R
from lessonreel.store.home import ledger_path
from lessonreel.store.migrations import migrate

T = TypeVar("T")


def _busy(exc: BaseException) -> bool:
    return isinstance(exc, Exception) and is_busy(exc)


def is_busy(exc: Exception) -> bool:
    """Tell whether ``exc`` is SQLite's transient "database is locked/busy" error."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    text = str(exc).lower()
    return "locked" in text or "busy" in text


class LedgerDB:
    """Per-thread connections, WAL, busy timeout and retried write transactions."""

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        busy_timeout: float = 10.0,
        synchronous: str = "NORMAL",
        retry_attempts: int = 8,
    ) -> None:
        self.path = Path(path) if path is not None else ledger_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.busy_timeout = busy_timeout
        self._synchronous = synchronous
        self._retry_attempts = retry_attempts
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._closed = False
        self.retry(lambda: migrate(self.db))

    # -- connections and transactions -------------------------------------------------

    @property
    def db(self) -> Database:
        """Return this thread's sqlite-utils ``Database`` (opened on first use)."""
        if self._closed:
            raise RuntimeError(f"ledger {self.path} is closed")
        db: Database | None = getattr(self._local, "db", None)
        if db is None:
            conn = sqlite3.connect(
                str(self.path),
                timeout=self.busy_timeout,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(f"PRAGMA synchronous = {self._synchronous}")
            conn.execute("PRAGMA cache_size = -16000")  # 16 MiB: lookups stay flat at 100k jobs
            db = Database(conn, execute_plugins=False)
            self._local.db = db
            with self._conns_lock:
                self._conns.append(conn)
        return db

    def retry(self, fn: Callable[[], T]) -> T:
        """Call ``fn``, retrying with jittered backoff while SQLite reports busy/locked."""
        try:  # fast path: building a retry context costs more than an indexed lookup
            return fn()
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
        for attempt in Retrying(
            retry=retry_if_exception(_busy),
            stop=stop_after_attempt(max(1, self._retry_attempts - 1))
            | stop_after_delay(max(30.0, self.busy_timeout * 3)),
            wait=wait_random_exponential(multiplier=0.05, max=1.0),
            reraise=True,
        ):
            with attempt:
                return fn()
        raise AssertionError("unreachable")  # pragma: no cover

    def write(self, fn: Callable[[Database], T]) -> T:
        """Run ``fn`` in one short ``BEGIN IMMEDIATE`` transaction, retried when busy."""

        def once() -> T:
            db = self.db
            with self._write_lock:  # this process's writers queue here (module docstring)
                db.execute("BEGIN IMMEDIATE")
                try:
                    result = fn(db)
                    db.execute("COMMIT")
                except BaseException:
                    db.rollback()
                    raise
            return result

        return self.retry(once)

    def read(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Run a SELECT and return decoded rows."""
        return self.retry(lambda: R.rows(self.db.execute(sql, list(params))))

    def one(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> dict[str, Any] | None:
        """Run a SELECT and return its first decoded row, or None."""
        found = self.read(sql, params)
        return found[0] if found else None

    def close(self) -> None:
        """Close every thread's connection; the ledger cannot be used afterwards."""
        self._closed = True
        with self._conns_lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            conn.close()


def update_with_meta(
    db: Database,
    table: str,
    where: str,
    params: list[Any],
    cols: dict[str, Any],
    extra: dict[str, Any],
    what: str,
) -> None:
    """Set ``cols`` and merge ``extra`` into the JSON ``meta`` column, inside a transaction."""
    row = db.execute(f"SELECT meta FROM {table} WHERE {where}", params).fetchone()
    if row is None:
        raise KeyError(f"unknown {what}")
    values = {name: R.to_column(name, value) for name, value in cols.items()}
    if extra:
        meta = json.loads(row[0]) if row[0] else {}
        meta.update(extra)
        values["meta"] = R.canonical_json(meta)
    values["updated_at"] = time.time()
    assignments = ", ".join(f"{name} = ?" for name in values)
    db.execute(f"UPDATE {table} SET {assignments} WHERE {where}", [*values.values(), *params])


class Store(Protocol):
    """What the ledger and its parts (leases, speech) need from :class:`LedgerDB`."""

    path: Path

    @property
    def db(self) -> Database:
        """The calling thread's connection."""

    def write(self, fn: Callable[[Database], T]) -> T:
        """Run ``fn`` in one ``BEGIN IMMEDIATE`` transaction, retried while locked."""

    def read(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Rows of a query, as dicts."""

    def one(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> dict[str, Any] | None:
        """The first row of a query, or None."""

    def close(self) -> None:
        """Close every thread's connection."""
