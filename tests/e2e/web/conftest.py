"""Browser fixtures: the studio on a loopback port in this process, and Debian's Chromium.

Chromium is driven by Playwright through ``executable_path`` (no browser download). Every page
collects console errors; a failing test leaves a screenshot in build/screenshots/.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from lessonreel.app.web.server import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).parents[3] / "build" / "screenshots"


@dataclass
class Studio:
    """A running studio: its address and the server thread."""

    url: str
    server: Any
    thread: threading.Thread
    app: Any

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


def start_studio(token: str | None = None) -> Studio:
    """Serve a fresh studio app on a free loopback port, in a thread of this process."""
    return serve_app(create_app(token=token))


def serve_app(app: Any) -> Studio:
    """Serve any ASGI app on a free loopback port, in a thread of this process."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=1, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the studio did not start")
        time.sleep(0.02)
    return Studio(f"http://127.0.0.1:{port}", server, thread, app)


@pytest.fixture
def studio_env(small_local_sizes: str, fast_emulator: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runs the studio starts use tiny clips and the zero-latency emulator."""
    monkeypatch.setenv("LESSONREEL_SIZE", small_local_sizes)
    monkeypatch.setenv("LESSONREEL_EMULATOR_CONFIG", str(fast_emulator))
    return small_local_sizes


@pytest.fixture
def studio(studio_env: str) -> Iterator[Studio]:
    running = start_studio()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: `make test` installs it as root (apt chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class ConsoleLog:
    """Console errors and uncaught exceptions seen by the pages of one test."""

    errors: list[str] = field(default_factory=list)

    def watch(self, page: Any) -> Any:
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on(
            "response",
            lambda r: r.status >= 400 and self.errors.append(f"{r.status} {r.url}"),
        )
        return page


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def console() -> ConsoleLog:
    return ConsoleLog()


@pytest.fixture
def context(browser: Any, request: pytest.FixtureRequest, console: ConsoleLog) -> Iterator[Any]:
    """A fresh browser context; when the test fails, each open page is saved as a PNG."""
    ctx = browser.new_context(viewport={"width": 1100, "height": 900}, accept_downloads=True)
    ctx.on("page", console.watch)
    ctx.set_default_timeout(20_000)
    yield ctx
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for i, page in enumerate(ctx.pages):
            path = SCREENSHOTS / f"{request.node.name}-{i}.png"
            page.screenshot(path=str(path), full_page=True)
            print(f"screenshot of the failing page: {path}")
    ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()


def axe_violations(page: Any, *, impacts: tuple[str, ...] = ("serious", "critical")) -> list[Any]:
    """Run axe-core (shipped by axe-playwright-python) in the page; return grave violations."""
    import axe_playwright_python

    source = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
    page.add_script_tag(content=source)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]
