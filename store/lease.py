"""Run leases: one process advances a run at a time.

Two processes resuming one run would both submit its shots (and pay twice). Before a front end
drives a run it takes the run's lease: a ``run_leases`` row naming the holder (host, pid and a
random token), when it took the run and its heartbeat, read and written in one
``BEGIN IMMEDIATE`` transaction so two takers cannot both win.

A lease is free again when its holder releases it, when the holder's process is gone on this
machine (checked at once: a run whose process was killed with SIGKILL resumes without a flag), or,
for a holder on another machine, when its heartbeat lapses (``expires_at``). A holder on this
machine whose process is still there keeps the run even if its heartbeat is late: a process that
was merely paused would otherwise wake up and submit next to its successor.

Who takes it: the run driver (``graph/runner.py``), so ``make``, ``resume``, ``upscale``, the
notebook API and the web server all hold the lease while they advance a run. Runs started by
LangGraph Studio bypass the driver (its server already runs one run per thread at a time); their
``dispatch_shot`` still checks the lease and refuses to pay while another process holds the run.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database

from lessonreel.store.ledger_db import Store

T = TypeVar("T")

DEFAULT_TTL = 60.0
"""Seconds a lease lasts without a heartbeat (holders beat every third of it)."""


class LeaseHeldError(RuntimeError):
    """Another live process holds the run; the message names it and since when."""

    def __init__(self, run_id: str, row: dict[str, Any]) -> None:
        since = datetime.fromtimestamp(float(row["acquired_at"]), tz=UTC)
        self.run_id = run_id
        self.holder = str(row["holder"])
        self.since = since
        super().__init__(
            f"run {run_id} is held by {row['holder']} since {since:%Y-%m-%d %H:%M:%S} UTC; "
            "wait for that process to finish (or stop it), then resume"
        )


@dataclass(frozen=True)
class Lease:
    """A lease this process holds on a run."""

    run_id: str
    token: str
    host: str
    pid: int
    ttl: float


@cache
def _boot_id() -> str:
    """Return the boot id (Linux): a pid recorded before a reboot names no process of this one."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, but it exists
    except OSError:
        return False
    return True


def _live(row: dict[str, Any], now: float) -> bool:
    """Whether the holder in ``row`` may still be advancing the run."""
    if row["host"] == socket.gethostname() and row.get("boot_id") == _boot_id():
        return _pid_alive(int(row["pid"]))
    return float(row["expires_at"]) > now


class RunLeases:
    """Take, beat and release run leases in the ledger file (see the module docstring)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def acquire(
        self,
        run_id: str,
        *,
        ttl: float = DEFAULT_TTL,
        host: str | None = None,
        pid: int | None = None,
    ) -> Lease:
        """Take the run's lease or raise :class:`LeaseHeldError` naming its live holder.

        ``host`` and ``pid`` default to this process (tests pass others to act as a remote one).
        """
        lease = Lease(
            run_id=run_id,
            token=secrets.token_hex(8),
            host=host or socket.gethostname(),
            pid=os.getpid() if pid is None else pid,
            ttl=ttl,
        )
        boot = _boot_id() if lease.host == socket.gethostname() else ""

        def tx(db: Database) -> None:
            now = time.time()
            row = _row(db, run_id)
            if row is not None and _live(row, now):
                raise LeaseHeldError(run_id, row)
            db.execute(
                "INSERT OR REPLACE INTO run_leases (run_id, holder, host, boot_id, pid, token,"
                " acquired_at, heartbeat_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [run_id, f"pid {lease.pid} on {lease.host}", lease.host, boot, lease.pid,
                 lease.token, now, now, now + ttl],
            )  # fmt: skip

        self._store.write(tx)
        return lease

    def heartbeat(self, lease: Lease) -> bool:
        """Extend the lease; False if it is no longer ours (it lapsed and was taken over)."""

        def tx(db: Database) -> bool:
            now = time.time()
            cur = db.execute(
                "UPDATE run_leases SET heartbeat_at = ?, expires_at = ?"
                " WHERE run_id = ? AND token = ?",
                [now, now + lease.ttl, lease.run_id, lease.token],
            )
            return bool(cur.rowcount == 1)

        return self._store.write(tx)

    def release(self, lease: Lease) -> None:
        """Give the run back (a no-op if it was already taken over)."""
        self._store.write(
            lambda db: db.execute(
                "DELETE FROM run_leases WHERE run_id = ? AND token = ?",
                [lease.run_id, lease.token],
            )
        )

    def holder(self, run_id: str) -> dict[str, Any] | None:
        """The live lease row of ``run_id``, or None when nobody advances it."""
        row = self._store.one("SELECT * FROM run_leases WHERE run_id = ?", [run_id])
        return row if row is not None and _live(row, time.time()) else None

    def check(self, run_id: str, token: str | None) -> None:
        """Raise :class:`LeaseHeldError` if a live holder other than ``token`` has the run."""
        row = self.holder(run_id)
        if row is not None and row["token"] != token:
            raise LeaseHeldError(run_id, row)


def _row(db: Database, run_id: str) -> dict[str, Any] | None:
    cur = db.execute("SELECT * FROM run_leases WHERE run_id = ?", [run_id])
    names = [d[0] for d in cur.description]
    found = cur.fetchone()
    return dict(zip(names, found, strict=True)) if found is not None else None
