"""Process helpers for the crash driver and tests/reliability.

The CLI with small priced clips, the emulator as a real process, ledger reads and the
invariants a run must keep.

``python bench/crash.py --cli ARGS`` runs the ``lessonreel`` command with tiny 320x180, 4 s clips
priced like sora-2 (so runs are fast and spend is not zero).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
LESSON = REPO / "examples" / "lessons" / "photosynthesis.md"
SMALL_SIZE = "320x180"
PRICE_PER_SECOND = 0.10
SHOT_SECONDS = 4
KEY_VARS = (
    "OPENAI_API_KEY",
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_ENDPOINT",
    "OPENROUTER_API_KEY",
    "GOOGLE_API_KEY",
    "GOOGLE_CLOUD_ACCESS_TOKEN",
    "VEO_API_KEY",
    "LESSONREEL_LLM_BASE_URL",
    "LESSONREEL_LLM_API_KEY",
)
PHASES = ("submit", "wait", "download", "assemble")
SUBMIT_WINDOW = 0.15
"""A job row reserved less than this many seconds ago counts as "being submitted"."""


# -- the CLI with small priced clips ---------------------------------------------------------


def _small_cli(argv: list[str]) -> None:
    """Run the lessonreel CLI with 320x180 4 s sora-2 clips legal and priced at $0.10/s."""
    import tempfile
    from dataclasses import replace

    from lessonreel.app.cli import app
    from lessonreel.video.pricing import PriceTable, write_price_file

    specs = [
        replace(spec, seconds=(SHOT_SECONDS,), price_per_second={SMALL_SIZE: PRICE_PER_SECOND})
        for spec in PriceTable.default().specs()
        if spec.provider in ("local", "openai", "azure") and spec.model == "sora-2"
    ]
    folder = Path(tempfile.mkdtemp(prefix="lessonreel-crash-prices-"))
    os.environ["LESSONREEL_PRICES"] = str(write_price_file(folder / "prices.json", specs))
    app(args=argv, prog_name="lessonreel")


def cli(*args: str) -> list[str]:
    """Command line of ``lessonreel ARGS`` with the small priced clips."""
    return [sys.executable, str(Path(__file__).resolve().with_name("crash.py")), "--cli", *args]


def run_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for a child process: its own home, no provider keys, no LESSONREEL_*."""
    env = {
        k: v for k, v in os.environ.items() if k not in KEY_VARS and not k.startswith("LESSONREEL_")
    }
    env["LESSONREEL_HOME"] = str(home)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def get_json(url: str, timeout: float = 5.0) -> Any:
    """GET a JSON document over loopback."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


@dataclass
class Server:
    """A server child process (emulator or webhook receiver) on a loopback port."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        """Root URL."""
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Terminate the process (and wait for it)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start_server(
    args: list[str], *, port: int, env: Mapping[str, str], log: Path, ready_path: str
) -> Server:
    """Start ``lessonreel ARGS`` and wait until ``ready_path`` answers on ``port``."""
    out = log.open("wb")
    proc = subprocess.Popen(cli(*args), env=dict(env), stdout=out, stderr=subprocess.STDOUT)
    out.close()
    server = Server(proc, port, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{args[0]} exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(server.url + ready_path, timeout=1):
                return server
        except urllib.error.HTTPError:
            return server  # it answers: up
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"{args[0]} did not come up on port {port}")


@contextmanager
def emulator(workdir: Path, config: Mapping[str, Any], env: Mapping[str, str]) -> Iterator[Server]:
    """Serve the emulator with ``config`` (lenient sizes) as a real process; yield it."""
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "emulator.json"
    path.write_text(json.dumps({"lenient": True, **config}), encoding="utf-8")
    port = free_port()
    server = start_server(
        ["emulator", "--port", str(port), "--config", str(path), "--profile", "openai"],
        port=port,
        env=env,
        log=workdir / "emulator.log",
        ready_path="/_emulator/stats",
    )
    try:
        yield server
    finally:
        server.stop()


def make_args(base_url: str, out: Path, shots: int, *extra: str) -> list[str]:
    """Arguments of ``make`` for a ``shots``-shot lesson against an emulator at ``base_url``."""
    return [
        "make",
        str(LESSON),
        "--provider",
        "local",
        "--base-url",
        base_url + "/v1",
        "--size",
        SMALL_SIZE,
        "--seconds",
        str(shots * SHOT_SECONDS),
        "--no-narration",  # shot lengths from --seconds alone: the shot grid stays exact
        "--out",
        str(out),
        *extra,
    ]


def seed_blocklist(home: Path, env: Mapping[str, str]) -> None:
    """Build the Chroma blocklist in ``home`` once (the first screen embeds ~300 entries)."""
    subprocess.run(
        cli("screen", "--no-moderation", "a plant on a windowsill"),
        env=dict(env),
        check=True,
        capture_output=True,
        timeout=300,
    )


# -- reading the ledger and the run directory ---------------------------------------------------


def read_db(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    """Rows of ``sql`` from a SQLite file opened read-only (safe next to a running writer)."""
    if not path.exists():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    except sqlite3.OperationalError:
        return []  # tables not created yet
    finally:
        conn.close()


def ledger_path(home: Path) -> Path:
    """The ledger file inside a home."""
    return home / "lessonreel.db"


def only_run_id(home: Path) -> str | None:
    """The run id of the (single) run in ``home``'s ledger, once it exists."""
    rows = read_db(ledger_path(home), "SELECT run_id FROM runs ORDER BY created_at")
    return str(rows[-1]["run_id"]) if rows else None


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def decode_video(path: Path) -> tuple[float, int]:
    """Decode every video frame with PyAV; return (duration seconds, frames decoded)."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = 0
        last = 0.0
        for frame in container.decode(stream):
            frames += 1
            if frame.time is not None:
                last = max(last, float(frame.time))
        rate = float(stream.average_rate or 24)
        duration = float(container.duration / 1_000_000) if container.duration else 0.0
    return max(duration, last + 1.0 / rate), frames


def invariant_problems(home: Path, run_id: str, stats: Mapping[str, Any]) -> list[str]:
    """Check the reliability invariants of a finished run; return what is broken (empty: ok).

    Every shot in report.json; no idempotency key twice; every job the emulator created is held
    by exactly one ledger row (none submitted twice, no orphan); every delivered clip on disk
    with the ledger's checksum; spend equal to the charges of the jobs the provider completed.
    """
    db = ledger_path(home)
    problems: list[str] = []
    run = read_db(db, "SELECT * FROM runs WHERE run_id = ?", (run_id,))
    if not run or not run[0].get("out_dir"):
        return [f"run {run_id} has no out_dir (never assembled)"]
    report_path = Path(run[0]["out_dir"]) / "report.json"
    if not report_path.exists():
        return [f"no report.json at {report_path}"]
    report = json.loads(report_path.read_text())
    storyboard = json.loads((Path(run[0]["out_dir"]) / "storyboard.json").read_text())
    indexes = [s["index"] for s in storyboard["shots"]]
    if [s["index"] for s in report["shots"]] != indexes:
        problems.append("report.json does not list every storyboard shot once, in order")
    jobs = read_db(db, "SELECT * FROM jobs WHERE run_id = ?", (run_id,))
    keys = Counter(j["idempotency_key"] for j in jobs)
    problems += [f"idempotency key {k} in {n} job rows" for k, n in keys.items() if n > 1]
    ids = Counter(j["provider_job_id"] for j in jobs if j["provider_job_id"])
    problems += [f"provider job {k} claimed by {n} job rows" for k, n in ids.items() if n > 1]
    created = {j["id"] for j in stats.get("jobs", []) if not j.get("remixed_from")}
    claimed = set(ids)
    problems += [
        f"emulator job {i} was created but no ledger row holds it" for i in created - claimed
    ]
    problems += [f"ledger job {i} unknown to the emulator" for i in claimed - created]
    rows_by_key = {j["idempotency_key"]: j for j in jobs}
    for shot in report["shots"]:
        if shot["outcome"] != "delivered":
            if not shot.get("reason"):
                problems.append(f"shot {shot['index']} is {shot['outcome']} without a reason")
            continue
        clip = Path(shot["clip_path"] or "")
        row = rows_by_key.get(shot["job_key"] or "")
        if not clip.exists():
            problems.append(f"delivered shot {shot['index']}: clip {clip} is missing")
        elif row is None or not row.get("sha256"):
            problems.append(f"delivered shot {shot['index']}: no ledger checksum")
        elif sha256_file(clip) != row["sha256"] or shot["sha256"] != row["sha256"]:
            problems.append(f"delivered shot {shot['index']}: checksum differs from the ledger")
    spend = read_db(db, "SELECT * FROM spend WHERE run_id = ? AND kind = 'charge'", (run_id,))
    charged = {s["job_key"] for s in spend}
    delivered_keys = {s["job_key"] for s in report["shots"] if s["outcome"] == "delivered"}
    problems += [f"delivered job {k} was never charged" for k in delivered_keys - charged]
    completed = {j["idempotency_key"] for j in jobs if j.get("cost_usd")}
    problems += [f"charge for job {k} the provider never completed" for k in charged - completed]
    spent = round(sum(float(s["usd"]) for s in spend), 4)
    expected = round(sum(float(rows_by_key[k]["cost_usd"] or 0) for k in charged), 4)
    if spent != expected or abs(report["totals"]["spent_usd"] - spent) > 1e-6:
        problems.append(f"spend {spent} != charged jobs {expected} / report {report['totals']}")
    return problems
