"""With a chat key set but a chat server that is down or refuses, `plan` says so in a few lines.

Real child processes against a real OpenAI-compatible stub on loopback; the offline director is
one option (or one variable) away, and ``--debug`` still shows the traceback.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
LESSON = REPO / "examples" / "lessons" / "photosynthesis.md"
CLI = [sys.executable, "-c", "from lessonreel.app.cli import main; main()"]


def lessonreel(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def chat_stub(status: int, body: dict[str, Any]) -> Iterator[str]:
    """An OpenAI-compatible server on loopback answering every request with ``status``."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("retry-after-ms", "1")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def env() -> dict[str, str]:
    return {**os.environ, "OPENAI_API_KEY": "sk-test-not-a-real-key", "COLUMNS": "100"}


def assert_short_failure(proc: subprocess.CompletedProcess[str], *must: str) -> None:
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert 1 <= len(lines) <= 6, proc.stderr
    for text in must:
        assert text in proc.stderr, proc.stderr


def test_unreachable_chat_server_ends_plan_in_a_few_lines_naming_the_variable_and_the_fix(
    env: dict[str, str],
) -> None:
    env["OPENAI_BASE_URL"] = f"http://127.0.0.1:{free_port()}/v1"
    proc = lessonreel("plan", str(LESSON), env=env)
    assert_short_failure(proc, "cannot reach", "OPENAI_API_KEY", "--director offline")


def test_offline_director_by_option_or_by_variable_makes_the_plan(env: dict[str, str]) -> None:
    env["OPENAI_BASE_URL"] = f"http://127.0.0.1:{free_port()}/v1"
    by_option = lessonreel("plan", str(LESSON), "--director", "offline", "--json", env=env)
    assert by_option.returncode == 0, by_option.stderr
    assert json.loads(by_option.stdout)["storyboard"]["shots"]
    by_variable = lessonreel("plan", str(LESSON), env={**env, "LESSONREEL_DIRECTOR": "offline"})
    assert by_variable.returncode == 0, by_variable.stderr
    assert "Estimate" in by_variable.stdout


@pytest.mark.parametrize("how", [["--debug"], []])
def test_debug_shows_the_traceback(env: dict[str, str], how: list[str]) -> None:
    env["OPENAI_BASE_URL"] = f"http://127.0.0.1:{free_port()}/v1"
    if not how:
        env["LESSONREEL_DEBUG"] = "1"
    proc = lessonreel("plan", str(LESSON), *how, env=env)
    assert proc.returncode != 0
    assert "Traceback" in proc.stderr


@pytest.mark.parametrize(
    ("status", "body", "must"),
    [
        (401, {"error": {"message": "bad key", "code": "invalid_api_key"}}, "refused the key"),
        (403, {"error": {"message": "no access", "code": "forbidden"}}, "403"),
        (404, {"error": {"message": "no such model", "code": "model_not_found"}}, "model"),
        (
            429,
            {"error": {"message": "quota", "type": "insufficient_quota"}},
            "out of quota",
        ),
    ],
)
def test_a_refusing_chat_server_is_explained_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, status: int, body: dict[str, Any], must: str
) -> None:
    from typer.testing import CliRunner

    from lessonreel.app.cli import app

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    with chat_stub(status, body) as url:
        monkeypatch.setenv("OPENAI_BASE_URL", url)
        result = CliRunner().invoke(app, ["plan", str(LESSON)])
    proc = subprocess.CompletedProcess([], result.exit_code, result.stdout, result.stderr)
    assert_short_failure(proc, must, "--director offline")


def test_llm_director_without_a_key_is_refused_up_front(env: dict[str, str]) -> None:
    del env["OPENAI_API_KEY"]
    proc = lessonreel("plan", str(LESSON), "--director", "llm", env=env)
    assert proc.returncode == 2
    assert "OPENAI_API_KEY" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_an_unknown_director_choice_is_bad_input(env: dict[str, str]) -> None:
    proc = lessonreel("plan", str(LESSON), env={**env, "LESSONREEL_DIRECTOR": "gpt"})
    assert proc.returncode == 2
    assert "LESSONREEL_DIRECTOR" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_make_stopped_by_the_chat_server_is_kept_and_names_its_resume_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typer.testing import CliRunner

    from lessonreel.app.cli import app
    from lessonreel.store.ledger import Ledger

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    result = CliRunner().invoke(app, ["make", str(LESSON)])
    proc = subprocess.CompletedProcess([], result.exit_code, result.stdout, result.stderr)
    assert_short_failure(proc, "cannot reach", "--director offline")
    with Ledger.open() as ledger:
        (run,) = ledger.list_runs(5)
    assert f"lessonreel resume {run['run_id']} --director offline" in result.stderr
