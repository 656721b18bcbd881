"""The emulator as a real server: signed webhook deliveries, dropped connections, the CLI."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from typer.testing import CliRunner

from lessonreel.video.emulator.config import EmulatorConfig
from lessonreel.video.emulator.server import running_app, running_emulator
from lessonreel.video.webhooks import WebhookEvent, create_receiver_app, verify_standard

SECRET = "whsec_" + base64.b64encode(b"emulator-webhook-secret-32-bytes").decode()


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


class Capture:
    """A raw webhook endpoint: records every request; answers with scripted statuses."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.statuses = list(statuses or [])

    async def endpoint(self, request: Request) -> Response:
        self.requests.append((dict(request.headers), await request.body()))
        status = self.statuses.pop(0) if self.statuses else 200
        return JSONResponse({"ok": status == 200}, status_code=status)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/hook", self.endpoint, methods=["POST"])])


@contextmanager
def emulator_with_hooks(receiver_url: str, **webhooks: Any) -> Iterator[str]:
    config = EmulatorConfig.model_validate(
        {
            "latency": 0.2,
            "moderation": {"async_terms": ["celebrity"]},
            "webhooks": {"url": receiver_url, "secret": SECRET, "retry_delay": 0.01, **webhooks},
        }
    )
    with running_emulator(config) as url:
        yield url


def create(url: str, prompt: str) -> str:
    response = httpx.post(f"{url}/v1/videos", json={"prompt": prompt})
    response.raise_for_status()
    video_id: str = response.json()["id"]
    return video_id


def test_finished_jobs_post_signed_thin_events() -> None:
    capture = Capture()
    with running_app(capture.app()) as hooks, emulator_with_hooks(f"{hooks}/hook") as url:
        done = create(url, "tide pools at dawn")
        failed = create(url, "a celebrity at the beach")
        wait_for(lambda: len(capture.requests) == 2)
    events = {}
    for headers, body in capture.requests:
        assert headers["content-type"] == "application/json"
        assert headers["webhook-signature"].startswith("v1,")
        event = verify_standard(body, headers, SECRET)
        assert event.id.startswith("evt_")
        assert event.webhook_id == event.id
        events[event.video_id] = event
    assert events[done].type == "video.completed"
    assert events[failed].type == "video.failed"
    assert set(events[done].data) == {"id"}


def test_events_reach_the_receiver_app_and_duplicates_are_recognised() -> None:
    received: list[tuple[WebhookEvent, bool]] = []
    seen: set[str] = set()

    async def on_event(event: WebhookEvent) -> bool:
        fresh = event.id not in seen
        seen.add(event.id)
        received.append((event, fresh))
        return fresh

    receiver = create_receiver_app(SECRET, on_event)
    with running_app(receiver) as hooks, emulator_with_hooks(f"{hooks}/", duplicate=1) as url:
        video_id = create(url, "a comet passes")
        wait_for(lambda: len(received) == 2)

        def webhook_stats() -> dict[str, int]:
            counts: dict[str, int] = httpx.get(f"{url}/_emulator/stats").json()["webhooks"]
            return counts

        # the emulator counts a delivery once the receiver's answer is back, just after on_event
        wait_for(lambda: webhook_stats()["sent"] >= 2)
        stats = webhook_stats()
    assert [(e.video_id, fresh) for e, fresh in received] == [(video_id, True), (video_id, False)]
    assert stats["sent"] == 2
    assert stats["duplicates"] == 1


def test_dropped_and_retried_deliveries() -> None:
    capture = Capture(statuses=[500])
    with (
        running_app(capture.app()) as hooks,
        emulator_with_hooks(f"{hooks}/hook", drop_first=1) as url,
    ):
        lost = create(url, "first shot")
        kept = create(url, "second shot")
        wait_for(lambda: len(capture.requests) == 2)
        stats = httpx.get(f"{url}/_emulator/stats").json()
    first, retry = capture.requests
    assert first[0]["webhook-id"] == retry[0]["webhook-id"]  # same event, redelivered after 500
    assert {verify_standard(b, h, SECRET).video_id for h, b in capture.requests} == {kept}
    assert lost != kept
    assert stats["webhooks"]["dropped"] == 1
    assert stats["webhooks"]["failed_attempts"] == 1


def test_truncated_download_drops_the_connection_mid_body() -> None:
    config = EmulatorConfig(
        latency=0.0,
        lenient=True,
        downloads={"truncate_first": 1, "truncate_mode": "content_length"},
    )
    with running_emulator(config) as url:
        video = httpx.post(
            f"{url}/v1/videos", json={"prompt": "p", "size": "160x90", "seconds": "1"}
        ).json()
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(f"{url}/v1/videos/{video['id']}/content")
        whole = httpx.get(f"{url}/v1/videos/{video['id']}/content")
    assert whole.status_code == 200
    assert len(whole.content) == int(whole.headers["content-length"])


def test_cli_serves_and_prints_its_base_url(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = tmp_path / "emulator.yaml"
    config.write_text("quota:\n  max_creates: 0\n")
    command = [
        sys.executable,
        "-c",
        "from lessonreel.app.cli import main; main()",
        "emulator",
        "--port",
        str(port),
        "--latency",
        "0",
        "--config",
        str(config),
    ]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}" in line

        def up() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/v1/videos").status_code == 200
            except httpx.ConnectError:
                return False

        wait_for(up)
        refused = httpx.post(f"http://127.0.0.1:{port}/v1/videos", json={"prompt": "p"})
        assert refused.json()["error"]["code"] == "insufficient_quota"  # the file was applied
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_cli_rejects_a_bad_config_without_serving(tmp_path: Path) -> None:
    from lessonreel.app.cli import app

    bad = tmp_path / "bad.json"
    bad.write_text('{"latency": -1}')
    result = CliRunner().invoke(app, ["emulator", "--config", str(bad)])
    assert result.exit_code == 2
    assert "invalid emulator config" in result.output
