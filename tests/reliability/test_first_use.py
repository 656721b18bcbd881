"""Several processes using a fresh home for the first time at once all get the same blocklist.

The Chroma blocklist is created and seeded on first use. Processes started together in a new
home (a class's batch of ``lessonreel screen`` calls, or a ``make`` next to the webhook receiver)
must not trip over each other creating it: every one succeeds, and the collection holds the
shipped entries once. The processes are real (spawned), lined up on a barrier after their imports
so that they open the blocklist at the same moment.
"""

from __future__ import annotations

import multiprocessing
import traceback
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

PROCESSES = 6


def _open_blocklist(home: str, barrier: Any, errors: Any) -> None:
    import chromadb  # noqa: F401  (imported before the barrier: only the opening races)

    from lessonreel.store.blocklist import Blocklist

    barrier.wait(120)
    try:
        Blocklist.open(Path(home)).entries()
    except Exception:
        errors.put(traceback.format_exc())


@pytest.mark.parametrize("attempt", [1, 2])
def test_concurrent_first_use_of_a_fresh_home_creates_the_blocklist_once(
    tmp_path: Path, attempt: int
) -> None:
    home = tmp_path / "fresh-home"
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(PROCESSES)
    errors = spawn.Queue()
    procs = [
        spawn.Process(target=_open_blocklist, args=(str(home), barrier, errors))
        for _ in range(PROCESSES)
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(600)

    found = []
    while not errors.empty():
        found.append(errors.get())
    assert found == []
    assert [p.exitcode for p in procs] == [0] * PROCESSES

    from lessonreel.store.blocklist import Blocklist, default_entries

    shipped = {e.id for e in default_entries()}
    assert set(Blocklist.open(home, seed_defaults=False).entries()) == shipped
