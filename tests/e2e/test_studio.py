"""LangGraph Studio: `langgraph dev` serves the graph from langgraph.json and runs a lesson.

The dev server refuses blocking calls inside async nodes (blockbuster), which in-process tests
cannot see; this starts the real server on loopback and makes a video through its HTTP API.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
LANGGRAPH = Path(os.environ.get("VIRTUAL_ENV", REPO / ".venv")) / "bin" / "langgraph"

LESSON = (
    "# Magnets\n\nMagnets attract iron. Every magnet has a north pole and a south pole. "
    "Like poles repel and unlike poles attract. The Earth behaves like a giant magnet, "
    "which is why a compass needle points north.\n"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def studio(_isolated_home: Path, tmp_path: Path) -> Iterator[str]:
    if not LANGGRAPH.exists() and shutil.which("langgraph") is None:
        pytest.fail("langgraph-cli[inmem] is part of the dev extra; reinstall with make test")
    exe = str(LANGGRAPH) if LANGGRAPH.exists() else "langgraph"
    port = _free_port()
    env = {**os.environ, "LESSONREEL_HOME": str(_isolated_home), "LANGSMITH_TRACING": "false"}
    log = (tmp_path / "langgraph-dev.log").open("wb")
    proc = subprocess.Popen(
        [exe, "dev", "--no-browser", "--no-reload", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "langgraph-dev.log").read_text()
            try:
                if httpx.get(f"{url}/ok", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail("langgraph dev did not start within 90 s")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_studio_serves_the_graph_and_a_run_makes_the_lesson_video(
    studio: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    with httpx.Client(base_url=studio, timeout=240) as client:
        assistants = client.post("/assistants/search", json={}).json()
        assert [a["graph_id"] for a in assistants] == ["lessonreel"]
        thread = client.post("/threads", json={}).json()["thread_id"]
        result = client.post(
            f"/threads/{thread}/runs/wait",
            json={
                "assistant_id": "lessonreel",
                "input": {"lesson_text": LESSON},
                "context": {"target_seconds": 8, "output_dir": str(out)},
            },
        ).json()
    assert "__error__" not in result, result
    assert result["report"]["status"] == "done"
    assert Path(result["video_path"]) == out / "lesson.mp4"
    assert (out / "lesson.mp4").stat().st_size > 0
    assert (out / "lesson.srt").read_text().startswith("1\n")
