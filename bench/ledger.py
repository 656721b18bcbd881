"""Benchmark the job ledger: 100k jobs reserved and looked up; latency must not grow with size.

For each size (1k, 10k, 100k rows) the ledger is filled through its public API
(``reserve_job`` + ``set_provider_job_id``), then a window of operations is timed at that size:
reserve a new job, store its provider id, look a random job up by idempotency key and by
provider job id. The baseline, measured in the same run, is the naive store a first version
might use: a JSON-lines file where a reservation scans for the key before appending (to keep
exactly-once) and a lookup scans the file.

    python bench/ledger.py            # 1k, 10k, 100k
    python bench/ledger.py --short    # 1k, 10k

The last line is ``us_per_op_1k=… us_per_op_10k=… us_per_op_100k=…`` plus the baseline figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from lessonreel.store.ledger import Ledger

WINDOW = 1000
BASELINE_WINDOW = {1_000: 200, 10_000: 50, 100_000: 10}


def key_for(i: int) -> str:
    key: str = Ledger.idempotency_key(
        provider="openai",
        model="sora-2",
        size="1280x720",
        seconds=8,
        prompt=f"Shot {i}: a leaf turns toward the light; camera pushes in slowly.",
        reference_sha256=None,
        run_id=f"run-{i // 20}",
        shot_index=i % 20,
    )
    return key


def reserve(led: Ledger, i: int) -> None:
    led.reserve_job(
        key_for(i),
        run_id=f"run-{i // 20}",
        shot_index=i % 20,
        provider="openai",
        model="sora-2",
        size="1280x720",
        seconds=8,
        prompt=f"Shot {i}: a leaf turns toward the light; camera pushes in slowly.",
        estimate_usd=0.8,
    )


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter_ns()
    fn()
    return (time.perf_counter_ns() - start) / 1000.0


def db_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


class JsonLines:
    """The baseline: append-only JSON lines, scanned for every reservation and lookup."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fh = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the bench

    def _find(self, key: str) -> dict[str, object] | None:
        self.fh.seek(0)
        needle = f'"idempotency_key": "{key}"'
        for line in self.fh:
            if needle in line:
                found: dict[str, object] = json.loads(line)
                return found
        return None

    def append(self, i: int) -> None:
        """Append a reservation without checking (used to fill the file)."""
        record = {"idempotency_key": key_for(i), "run_id": f"run-{i // 20}", "status": "reserved"}
        self.fh.seek(0, os.SEEK_END)
        self.fh.write(json.dumps(record) + "\n")
        self.fh.flush()

    def reserve(self, i: int) -> bool:
        """Reserve exactly once: scan for the key, append when absent."""
        if self._find(key_for(i)) is not None:
            return False
        self.append(i)
        return True

    def lookup(self, i: int) -> dict[str, object] | None:
        """Find a job by idempotency key (a full scan)."""
        return self._find(key_for(i))


def run_sizes(sizes: list[int], folder: Path) -> dict[int, dict[str, float]]:
    led = Ledger(folder / "ledger.db")
    base = JsonLines(folder / "jobs.jsonl")
    rng = random.Random(7)
    figures: dict[int, dict[str, float]] = {}
    rows = 0
    base_rows = 0
    for size in sizes:
        while rows < size - WINDOW:
            reserve(led, rows)
            led.set_provider_job_id(key_for(rows), f"video_{rows}")
            rows += 1
        ins: list[float] = []
        pid: list[float] = []
        by_key: list[float] = []
        by_pid: list[float] = []
        for _ in range(WINDOW):
            i = rows
            ins.append(timed(lambda i=i: reserve(led, i)))  # type: ignore[misc]
            pid.append(timed(lambda i=i: led.set_provider_job_id(key_for(i), f"video_{i}")))  # type: ignore[misc]
            rows += 1
            j = rng.randrange(rows)
            by_key.append(timed(lambda j=j: led.job_by_key(key_for(j))))  # type: ignore[misc]
            by_pid.append(timed(lambda j=j: led.job_by_provider_id("openai", f"video_{j}")))  # type: ignore[misc]
        every = ins + pid + by_key + by_pid
        # baseline at the same size
        n_base = BASELINE_WINDOW.get(size, 10)
        while base_rows < size - n_base:
            base.append(base_rows)
            base_rows += 1
        b_ins: list[float] = []
        b_look: list[float] = []
        for _ in range(n_base):
            i = base_rows
            b_ins.append(timed(lambda i=i: base.reserve(i)))  # type: ignore[misc]
            base_rows += 1
            j = rng.randrange(base_rows)
            b_look.append(timed(lambda j=j: base.lookup(j)))  # type: ignore[misc]
        figures[size] = {
            "reserve_us": statistics.fmean(ins),
            "set_id_us": statistics.fmean(pid),
            "by_key_us": statistics.fmean(by_key),
            "by_pid_us": statistics.fmean(by_pid),
            "us_per_op": statistics.fmean(every),
            "p99_us": statistics.quantiles(every, n=100)[98],
            "db_mb": db_bytes(led.path) / 1e6,
            "base_reserve_us": statistics.fmean(b_ins),
            "base_lookup_us": statistics.fmean(b_look),
            "base_us_per_op": statistics.fmean(b_ins + b_look),
            "base_mb": base.path.stat().st_size / 1e6,
        }
        f = figures[size]
        print(
            f"{size:>7} {f['reserve_us']:>9.1f} {f['set_id_us']:>8.1f} {f['by_key_us']:>8.1f} "
            f"{f['by_pid_us']:>8.1f} {f['us_per_op']:>9.1f} {f['p99_us']:>8.1f} "
            f"{f['db_mb']:>7.2f} | {f['base_reserve_us']:>11.1f} {f['base_lookup_us']:>10.1f} "
            f"{f['base_us_per_op']:>10.1f} {f['base_mb']:>7.2f}",
            flush=True,
        )
    led.close()
    return figures


def contention(folder: Path, threads: int = 8, per_thread: int = 500) -> tuple[float, int]:
    """Reserve from several threads and two Ledger objects at once; count lock errors."""
    path = folder / "contended.db"
    ledgers = [Ledger(path), Ledger(path)]
    errors = 0
    lock = threading.Lock()
    start_gate = threading.Barrier(threads)

    def work(t: int) -> None:
        nonlocal errors
        led = ledgers[t % 2]
        start_gate.wait()
        for n in range(per_thread):
            i = 1_000_000 + t * per_thread + n
            try:
                reserve(led, i)
                led.set_provider_job_id(key_for(i), f"video_{i}")
            except sqlite3.OperationalError:
                with lock:
                    errors += 1

    began = time.perf_counter()
    pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    took = time.perf_counter() - began
    for led in ledgers:
        led.close()
    return took * 1e6 / (threads * per_thread * 2), errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="stop at 10k rows")
    args = parser.parse_args()
    sizes = [1_000, 10_000] if args.short else [1_000, 10_000, 100_000]
    print(
        f"ledger bench on {platform.machine()} {platform.system()}, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}; "
        f"{WINDOW} timed ops of each kind per size (WAL, synchronous=NORMAL)"
    )
    print(
        "   rows reserve_us set_id_us key_us   pid_us us_per_op   p99_us   db_MB |"
        " jsonl_rsv_us jsonl_lk_us jsonl_us/op jsonl_MB"
    )
    with tempfile.TemporaryDirectory(prefix="lessonreel-bench-") as tmp:
        figures = run_sizes(sizes, Path(tmp))
        us_contended, lock_errors = contention(Path(tmp))
    print(f"contention: 8 threads x 2 ledgers, {us_contended:.1f} us/op, lock_errors={lock_errors}")
    label = {1_000: "1k", 10_000: "10k", 100_000: "100k"}
    parts = [f"us_per_op_{label[s]}={figures[s]['us_per_op']:.1f}" for s in sizes]
    parts += [f"baseline_us_per_op_{label[s]}={figures[s]['base_us_per_op']:.1f}" for s in sizes]
    parts.append(f"db_mb_{label[sizes[-1]]}={figures[sizes[-1]]['db_mb']:.2f}")
    parts.append(f"lock_errors={lock_errors}")
    print(" ".join(parts))


if __name__ == "__main__":
    main()
