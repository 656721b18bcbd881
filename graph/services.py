"""The one per-run factory: provider, ledger, screen and chat models built from a ``Context``.

Nothing here lives in module globals. A run's services hang off its ``Context`` instance, so
every node of the run (and of the per-shot subgraph, which inherits the runtime) shares one
provider client, one ledger connection and one loaded screen; a new run gets new ones. The CLI
and the notebook API open them with :func:`open_services` so they are closed at the end; a run
started elsewhere (Studio) builds them lazily on first use.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langgraph.runtime import Runtime

from lessonreel.graph.context import Context

if TYPE_CHECKING:
    from lessonreel.store.ledger import Ledger
    from lessonreel.video.providers.base import VideoProvider

_SERVICES_ATTR = "_lessonreel_services"
_LOCK_ATTR = "_lessonreel_services_lock"


@dataclass
class Services:
    """What the nodes of one run talk to."""

    context: Context
    home: Path
    ledger: Ledger
    provider: VideoProvider
    director_llm: Any = None
    sanitizer_llm: Any = None
    halt_reason: str | None = None
    """Set when the run must stop dispatching (quota exhausted, budget refused)."""
    dispatch_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Makes "check the budget, then reserve the job" atomic across the run's shots."""
    _screen: Any = None
    _screen_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def screen(self) -> Any:
        """Return the safety screen, loaded once per run (Chroma + embedder) in a worker thread."""
        if self._screen is None:
            async with self._screen_lock:
                if self._screen is None:
                    from lessonreel.agents.safety import Screen

                    self._screen = await asyncio.to_thread(Screen.open, self.home)
        return self._screen

    async def aclose(self) -> None:
        """Close the provider client and the ledger."""
        try:
            await self.provider.aclose()
        finally:
            close = getattr(self.ledger, "close", None)
            if callable(close):
                await asyncio.to_thread(close)


def build_services(context: Context, **overrides: Any) -> Services:
    """Build a run's services (blocking: opens sqlite, builds clients); call in a thread.

    ``overrides`` replace parts by field name (tests pass scripted chat models this way).
    """
    from lessonreel.agents.director import director_chat_model
    from lessonreel.agents.sanitizer import sanitizer_chat_model
    from lessonreel.store.home import ledger_path, lessonreel_home
    from lessonreel.store.ledger import Ledger
    from lessonreel.video.providers.factory import make_provider

    home = lessonreel_home()
    options: dict[str, Any] = {}
    # only limits that were set: an unset one keeps the provider's own default (Azure's create cap)
    if context.rpm is not None:
        options["rpm"] = context.rpm
    if context.create_rpm is not None:
        options["create_rpm"] = context.create_rpm
    if context.provider == "local" and context.base_url:
        import httpx

        # the emulator running as a server (``lessonreel emulator``) instead of in-process
        options["transport"] = httpx.AsyncHTTPTransport()
    elif context.provider == "local" and context.emulator_config:
        from lessonreel.video.emulator.config import load_config

        options["emulator_config"] = load_config(Path(context.emulator_config))
    provider = overrides.pop("provider", None) or make_provider(
        context.provider, base_url=context.base_url, **options
    )
    fields: dict[str, Any] = dict(
        context=context,
        home=home,
        ledger=Ledger(ledger_path(home)),
        provider=provider,
        director_llm=director_chat_model(
            context.director, model=context.director_model, base_url=context.chat_base_url
        ),
        sanitizer_llm=sanitizer_chat_model(
            context.sanitizer, model=context.sanitizer_model, base_url=context.chat_base_url
        ),
    )
    fields.update(overrides)
    return Services(**fields)


def attach_services(context: Context, svc: Services) -> None:
    """Make ``svc`` the services of the run ``context`` configures (used before invoking)."""
    setattr(context, _SERVICES_ATTR, svc)


async def services_for(context: Context) -> Services:
    """Return the services attached to ``context``, built on first use."""
    existing: Services | None = getattr(context, _SERVICES_ATTR, None)
    if existing is not None:
        return existing
    lock: asyncio.Lock | None = getattr(context, _LOCK_ATTR, None)
    if lock is None:
        lock = asyncio.Lock()
        setattr(context, _LOCK_ATTR, lock)
    async with lock:
        existing = getattr(context, _SERVICES_ATTR, None)
        if existing is None:
            existing = await asyncio.to_thread(build_services, context)
            setattr(context, _SERVICES_ATTR, existing)
    return existing


def context_of(runtime: Runtime[Context]) -> Context:
    """Return the run's context; a run must be started with one."""
    if isinstance(runtime.context, Context):
        return runtime.context
    raise RuntimeError(
        "lessonreel graph invoked without a Context: pass context=Context(...) "
        "(the CLI and lessonreel.graph.make_video do this for you)"
    )


async def services(runtime: Runtime[Context]) -> Services:
    """Shortcut for nodes: the services of the run ``runtime`` belongs to."""
    return await services_for(context_of(runtime))


@asynccontextmanager
async def open_services(context: Context) -> AsyncIterator[Services]:
    """Build the services for ``context`` and close them when the run is over."""
    svc = await services_for(context)
    try:
        yield svc
    finally:
        await svc.aclose()
        setattr(context, _SERVICES_ATTR, None)
