"""A provider that echoes the API key in its failures never gets the key onto disk.

Some gateways answer a failed job with the request's ``Authorization: Bearer <key>`` in the
message. The emulator, served as a process, fails the first jobs that way (a key shaped like
OpenAI's, and a bare hex key that only its ``Bearer`` prefix gives away).
The run still ends normally (the failed shots become slates with the masked reason), a resume
afterwards works, and the key is in no database, run file, report or printed line.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest
from conftest import Lessonreel

pytestmark = pytest.mark.slow

SHOTS = 4
FAILED = 2


def _files(*roots: Path) -> dict[str, bytes]:
    return {
        str(path): path.read_bytes() for root in roots for path in root.rglob("*") if path.is_file()
    }


@pytest.mark.parametrize("key", ["sk-test-" + secrets.token_hex(20), secrets.token_hex(16)])
def test_a_key_echoed_in_failed_jobs_is_masked_and_the_run_ends_with_slates(
    lessonreel: Lessonreel, key: str
) -> None:
    driver = lessonreel.driver
    echo = f"upstream refused the request (Authorization: Bearer {key})"
    emulator = lessonreel.emulator(
        {
            "latency": 0.3,
            "failures": {"first": FAILED, "code": "invalid_prompt", "message": echo},
        }
    )
    env = {**lessonreel.env, "LESSONREEL_MAX_CONCURRENT_JOBS": "1"}
    out = lessonreel.tmp / "out"
    args = driver.make_args(emulator.url, out, SHOTS, "--json")

    made = lessonreel.run(*args, env=env)

    assert made.returncode in (0, 1), made.stderr[-3000:]
    assert "Traceback" not in made.stderr, made.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    given_up = [s for s in report["shots"] if s["outcome"] == "given_up"]
    assert len(given_up) == FAILED, report["shots"]
    assert all("upstream refused the request" in s["reason"] for s in given_up)
    assert all("[REDACTED]" in s["reason"] for s in given_up)
    assert report["totals"]["delivered"] == report["totals"]["shots"] - FAILED

    resumed = lessonreel.run("resume", report["run_id"], env=env)
    shown = lessonreel.run("show", report["run_id"], "--json", env=env)
    assert resumed.returncode in (0, 1), resumed.stderr[-3000:]
    assert "Traceback" not in resumed.stderr + shown.stderr
    places = _files(lessonreel.home, out)
    assert any(p.endswith("checkpoints.db") for p in places)
    places.update(
        {
            "make output": (made.stdout + made.stderr).encode(),
            "resume output": (resumed.stdout + resumed.stderr).encode(),
            "show output": (shown.stdout + shown.stderr).encode(),
        }
    )
    leaks = sorted(where for where, data in places.items() if key.encode() in data)
    assert leaks == []
