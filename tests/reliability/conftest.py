"""Fixtures for reliability tests: `lessonreel` as a child process against a served emulator.

The process helpers live in ``bench/_crashkit.py``, re-exported by ``bench/crash.py``, which
pytest imports as a module (``pythonpath = ["bench"]``); this file wraps it in fixtures: a home
with a pre-seeded blocklist, emulator servers that are stopped after the test, and a runner for
``lessonreel make``/``resume`` that returns the report, the emulator's counts and the broken
invariants in one object.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest


def load_driver() -> ModuleType:
    """The crash driver, ``bench/crash.py`` (``bench`` is on pytest's ``pythonpath``)."""
    import crash

    return crash


@pytest.fixture(scope="session")
def driver() -> ModuleType:
    """The crash driver module (emulator process, CLI command, invariant checks)."""
    return load_driver()


@pytest.fixture
def home(_isolated_home: Path, seeded_blocklist: Path) -> Path:
    """Return the test's LESSONREEL_HOME, with the blocklist already in place."""
    shutil.copytree(seeded_blocklist, _isolated_home / "blocklist")
    return _isolated_home


@dataclass
class RunOutcome:
    """One finished CLI run against an emulator: what a user and the ledger can see."""

    returncode: int
    stdout: str
    stderr: str
    run_id: str | None
    report: dict[str, Any] | None
    stats: dict[str, Any]
    problems: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        """How many shots the run planned (the director sets the grid from the narration)."""
        assert self.report is not None, self.stderr[-3000:]
        return len(self.report["shots"])

    def shots(self, outcome: str) -> list[dict[str, Any]]:
        """Report rows with this outcome."""
        assert self.report is not None, self.stderr[-3000:]
        return [s for s in self.report["shots"] if s["outcome"] == outcome]


@dataclass
class Lessonreel:
    """Runs `lessonreel` commands as child processes in one home, with emulators to talk to."""

    driver: ModuleType
    home: Path
    tmp: Path
    stack: ExitStack
    env: dict[str, str]

    def emulator(self, config: Mapping[str, Any], name: str = "emulator") -> Any:
        """Serve an emulator (lenient sizes + ``config``) until the test ends; return it."""
        server = self.stack.enter_context(self.driver.emulator(self.tmp / name, config, self.env))
        return server

    def server(self, args: list[str], *, env: Mapping[str, str], ready: str = "/") -> Any:
        """Start another ``lessonreel`` server command (e.g. ``webhooks``) on a free port."""
        port = self.driver.free_port()
        proc = self.driver.start_server(
            [*args, "--port", str(port)],
            port=port,
            env=env,
            log=self.tmp / f"{args[0]}-{port}.log",
            ready_path=ready,
        )
        self.stack.callback(proc.stop)
        return proc

    def run(
        self, *args: str, env: Mapping[str, str] | None = None, timeout: float = 180
    ) -> subprocess.CompletedProcess[str]:
        """Run ``lessonreel ARGS`` to completion."""
        return subprocess.run(
            self.driver.cli(*args),
            env=dict(env or self.env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def make(
        self,
        emulator: Any,
        shots: int,
        *extra: str,
        env: Mapping[str, str] | None = None,
    ) -> RunOutcome:
        """``lessonreel make`` a ``shots``-shot lesson against ``emulator``; collect everything."""
        out = self.tmp / "out"
        proc = self.run(*self.driver.make_args(emulator.url, out, shots, *extra), env=env)
        return self.outcome(proc, emulator, out)

    def outcome(
        self, proc: subprocess.CompletedProcess[str], emulator: Any, out: Path
    ) -> RunOutcome:
        """Read the report, the emulator's stats and the invariants after a run."""
        run_id = self.driver.only_run_id(self.home)
        report_path = out / "report.json"
        report = json.loads(report_path.read_text()) if report_path.exists() else None
        stats = self.driver.get_json(emulator.url + "/_emulator/stats")
        problems = self.driver.invariant_problems(self.home, run_id, stats) if run_id else []
        return RunOutcome(
            proc.returncode, proc.stdout, proc.stderr, run_id, report, stats, problems
        )

    def ledger(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Rows from this home's ledger."""
        rows: list[dict[str, Any]] = self.driver.read_db(
            self.driver.ledger_path(self.home), sql, params
        )
        return rows


@pytest.fixture
def lessonreel(driver: ModuleType, home: Path, tmp_path: Path) -> Iterator[Lessonreel]:
    """A runner for `lessonreel` child processes in this test's home; servers stop after."""
    with ExitStack() as stack:
        yield Lessonreel(driver, home, tmp_path, stack, driver.run_env(home))
