"""Browser-test helpers: a studio on a loopback port, axe-core, the console log.

Chromium is Debian's (``/usr/bin/chromium``), driven by Playwright through ``executable_path``.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
        """Stop serving; wait for the server's loop to end (runs cancelled, threads done).

        A studio started while the old one still writes would share ``checkpoints.db`` with it, so
        a stop that does not finish is a failure here rather than a silent overlap.
        """
        self.server.should_exit = True
        self.thread.join(timeout=90)
        if self.thread.is_alive():
            raise RuntimeError("the studio did not stop within 90 s")


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
