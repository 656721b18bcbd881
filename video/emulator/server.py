"""Run the emulator as a real HTTP server: in a background thread (tests) or blocking (CLI)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self

from lessonreel.video.emulator.config import EmulatorConfig
from lessonreel.video.emulator.jobs import JobStore

STARTUP_TIMEOUT = 30.0
ASGIApplication = Any


class ThreadedServer:
    """Any ASGI app under uvicorn on loopback with a free port, in a daemon thread."""

    def __init__(self, app: ASGIApplication, *, host: str = "127.0.0.1") -> None:
        import uvicorn

        self.app = app
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, 0))
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        self._server = uvicorn.Server(
            uvicorn.Config(app, log_level="warning", lifespan="auto", http="h11", loop="asyncio")
        )
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True,
            name=f"lessonreel-server-{self.port}",
        )  # fmt: skip

    def start(self) -> Self:
        """Start serving; returns once the server accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"server failed to start on {self.url}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Ask uvicorn to exit (runs the lifespan shutdown) and wait for the thread."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=10.0)
        self._sock.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class EmulatorServer(ThreadedServer):
    """The emulator served on a free loopback port; ``store`` is its live JobStore."""

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        clock: Callable[[], float] = time.time,
        host: str = "127.0.0.1",
        profiles: Sequence[str] | None = None,
    ) -> None:
        from lessonreel.video.emulator.app import create_app

        self.store = JobStore(config, clock=clock)
        super().__init__(create_app(store=self.store, profiles=profiles), host=host)


@contextmanager
def running_app(app: ASGIApplication) -> Iterator[str]:
    """Serve any ASGI app (e.g. a webhook receiver) on loopback; yields its base URL."""
    with ThreadedServer(app) as server:
        yield server.url


@contextmanager
def running_emulator(
    config: EmulatorConfig | None = None,
    *,
    clock: Callable[[], float] = time.time,
    profiles: Sequence[str] | None = None,
) -> Iterator[str]:
    """Serve the emulator on a free loopback port; yields ``"http://127.0.0.1:PORT"``."""
    with EmulatorServer(config, clock=clock, profiles=profiles) as server:
        yield server.url


def serve(
    config: EmulatorConfig | None = None,
    host: str = "127.0.0.1",
    port: int = 8765,
    *,
    profiles: Sequence[str] | None = None,
) -> None:
    """Serve the emulator until interrupted (the ``lessonreel emulator`` command)."""
    import uvicorn

    from lessonreel.video.emulator.app import create_app

    app = create_app(config, profiles=profiles)
    uvicorn.run(app, host=host, port=port, log_level="warning", http="h11")
