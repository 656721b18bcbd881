"""The emulator, served on loopback, answers malformed or huge requests with a 4xx on every profile.

Tests and demos point real clients at the emulator; a client bug (or a fuzzer) must see the
provider's own kind of refusal, never a 500 or a server that reads 200 MB into memory.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from lessonreel.video.emulator.config import EmulatorConfig
from lessonreel.video.emulator.server import running_emulator
from lessonreel.video.providers.openrouter_models import static_catalog

pytestmark = pytest.mark.slow

LIMIT = 1 << 20
AUTH = {"Authorization": "Bearer emulator-test", "Content-Type": "application/json"}
RAW_HEAD = "Authorization: Bearer emulator-test\r\nContent-Type: application/json\r\n"
VEO = "/v1/publishers/google/models/veo-3.1-fast-generate-001:predictLongRunning"
SORA = "/v1/videos"
OPENROUTER = "/api/v1/videos"


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    cache: Path = tmp_path_factory.mktemp("render-cache")
    config = EmulatorConfig(latency=0.0, cache_dir=cache, max_body_bytes=LIMIT)
    with running_emulator(config) as url:
        yield url


def _malformed() -> list[tuple[str, Any]]:
    router = static_catalog()[0].id
    veo_prompt = [{"prompt": "a leaf"}]
    return [
        (VEO, {"instances": veo_prompt, "parameters": "x"}),
        (VEO, {"instances": veo_prompt, "parameters": [1, 2]}),
        (VEO, {"instances": veo_prompt, "parameters": {"aspectRatio": ["16:9"]}}),
        (VEO, {"instances": veo_prompt, "parameters": {"durationSeconds": 10**400}}),
        (VEO, {"instances": veo_prompt, "parameters": {"sampleCount": {}}}),
        (VEO, {"instances": [{"prompt": "a leaf", "image": "x"}]}),
        (VEO, [1, 2, 3]),
        (VEO, "just a string"),
        (SORA, {"prompt": ["a leaf"], "model": "sora-2"}),
        (SORA, {"prompt": "a leaf", "model": {"a": 1}}),
        (SORA, {"prompt": "a leaf", "model": "sora-2", "seconds": {"n": 4}}),
        (SORA, {"prompt": "a leaf", "model": "sora-2", "size": ["1280x720"]}),
        (SORA, {"prompt": "a leaf", "model": "sora-2", "size": "9" * 5000 + "x720"}),
        (SORA, {"prompt": "a leaf", "model": "sora-2", "input_reference": 5}),
        (SORA, [1, 2]),
        (OPENROUTER, {"model": router, "prompt": "a leaf", "resolution": ["720p"]}),
        (OPENROUTER, {"model": router, "prompt": "a leaf", "aspect_ratio": {"w": 16}}),
        (OPENROUTER, {"model": router, "prompt": "a leaf", "duration": 10**400}),
        (OPENROUTER, {"model": router, "prompt": "a leaf", "frame_images": "x"}),
        (OPENROUTER, {"model": router, "prompt": "a leaf", "callback_url": ["x"]}),
        (OPENROUTER, {"model": ["x"], "prompt": "a leaf"}),
        (OPENROUTER, "just a string"),
    ]


CASES = _malformed()


@pytest.mark.parametrize(
    ("path", "body"), CASES, ids=[f"{p}-{i}" for i, (p, _) in enumerate(CASES)]
)
def test_malformed_parameters_are_a_400(emulator: str, path: str, body: Any) -> None:
    response = httpx.post(emulator + path, content=json.dumps(body), headers=AUTH, timeout=30)
    assert 400 <= response.status_code < 500, response.text[:500]
    assert response.json()  # the profile's own error envelope, as JSON


def _raw_post(url: str, path: str, head: str, body_chunks: Iterator[bytes]) -> tuple[bytes, int]:
    """POST over a raw socket until the server answers; return (answer, bytes sent)."""
    port = int(url.rsplit(":", 1)[1])
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\n{head}\r\n".encode())
        sock.setblocking(False)
        answer = b""
        for chunk in body_chunks:
            with contextlib.suppress(BlockingIOError):
                answer += sock.recv(65536)
            if answer:
                break
            try:
                sock.sendall(chunk)
                sent += len(chunk)
            except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                time.sleep(0.01)
        sock.setblocking(True)
        sock.settimeout(30)
        while b"\r\n\r\n" not in answer:
            more = sock.recv(65536)
            if not more:
                break
            answer += more
    return answer, sent


@pytest.mark.parametrize("path", [VEO, SORA, OPENROUTER])
def test_a_declared_huge_body_is_refused_before_it_is_read(emulator: str, path: str) -> None:
    head = f"{RAW_HEAD}Content-Length: {200 << 20}\r\n"
    answer, sent = _raw_post(emulator, path, head, iter([b"{" + b" " * 65535] * 3200))
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 100 << 20


@pytest.mark.parametrize("path", [VEO, SORA, OPENROUTER])
def test_a_chunked_body_without_a_length_is_cut_off_at_the_limit(emulator: str, path: str) -> None:
    chunk = b"10000\r\n" + b" " * 0x10000 + b"\r\n"
    head = f"{RAW_HEAD}Transfer-Encoding: chunked\r\n"
    answer, sent = _raw_post(emulator, path, head, iter([chunk] * 3200))
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 100 << 20
