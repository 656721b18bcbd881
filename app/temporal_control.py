"""One run's control shared by the shot activities of every worker: budget decisions and stops.

On one process a run's shots share a ``RunControl``: an asyncio lock makes "check the budget,
then reserve the job" atomic, and a stop (budget refused, quota exhausted) holds for every later
shot. On Temporal each shot is an activity, maybe on another worker, so both go through what the
workers share: the lock is a file lock in the shared home (next to the ledger), and a stop is
read back from the run's ledger row when a shot activity starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from lessonreel.graph.services import RunControl

LOCK_POLL_SECONDS = 0.02


class RunFileLock:
    """An async lock held across processes: an in-process lock, then ``flock`` on a file.

    The file lock is tried without blocking and retried on the event loop, so waiting shots hold
    no worker thread (the ledger calls made under the lock need those threads).
    """

    def __init__(self, path: Path, on_acquire: Callable[[], Awaitable[None]] | None = None) -> None:
        self.path = path
        self._on_acquire = on_acquire
        self._local = asyncio.Lock()
        self._fd: int | None = None

    async def __aenter__(self) -> None:
        await self._local.acquire()
        try:
            fd = await asyncio.to_thread(_open, self.path)
            try:
                while not _try_lock(fd):  # noqa: ASYNC110 - another process holds it
                    await asyncio.sleep(LOCK_POLL_SECONDS)
            except BaseException:
                os.close(fd)
                raise
            self._fd = fd
        except BaseException:
            self._local.release()
            raise
        await self._refresh()

    async def _refresh(self) -> None:
        if self._on_acquire is not None:
            try:
                await self._on_acquire()
            except BaseException:
                await self.__aexit__(None, None, None)
                raise

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        fd, self._fd = self._fd, None
        try:
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
        finally:
            self._local.release()


def _open(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def lock_path(home: Path, run_id: str) -> Path:
    """The dispatch lock file of one run (in the shared home, beside the ledger)."""
    return home / "locks" / f"{run_id}.dispatch"


def stored_stop(run: dict[str, Any] | None) -> str | None:
    """The stop reason a shot of this run recorded in the ledger (None: not stopped)."""
    if not run:
        return None
    stop = run.get("stop")
    if not stop and isinstance(run.get("meta"), str):
        with contextlib.suppress(ValueError):
            stop = (json.loads(run["meta"]) or {}).get("stop")
    elif not stop and isinstance(run.get("meta"), dict):
        stop = run["meta"].get("stop")
    return str(stop) if stop else None


async def shared_control(ledger: Any, home: Path, run_id: str) -> RunControl:
    """The run's control for one shot activity: the cross-worker lock and any recorded stop.

    The stop is read when the activity starts and again whenever the lock is taken, so a shot
    that waited for the lock while another worker's shot spent the budget does not submit.
    Only runs with a budget use it: without one there is no decision to make atomic, and shots
    serialised across workers (and their extra ledger reads) leave their creates in bunches.
    """
    control = RunControl()

    async def refresh() -> None:
        stop = stored_stop(await asyncio.to_thread(ledger.get_run, run_id))
        if stop:
            control.stop(stop)

    control.dispatch_lock = RunFileLock(lock_path(home, run_id), refresh)  # type: ignore[assignment]
    await refresh()
    return control
