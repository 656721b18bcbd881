"""Browser fixtures: the studio on a loopback port in this process, and Debian's Chromium.

Every page collects console errors; a failing test leaves a screenshot in build/screenshots/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from studio_helpers import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, ConsoleLog, Studio, start_studio


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


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one test module (closed before other modules' async tests run).

    Playwright's sync API keeps an event loop running in this thread while it is open.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: `make test` installs it as root (apt chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


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
