"""The one per-run factory: provider, ledger, prices, screen and chat models from a ``Context``.

Nothing here lives in module globals. A run's services sit in its ``Context.services`` field,
so every node of the run (and of the per-shot subgraph, which inherits the runtime) shares one
provider client, one ledger connection, one price table and one loaded screen; a new run gets
new ones. The CLI and the notebook API open them with :func:`open_services`, which closes them
at the end; a run started elsewhere (Studio) builds them on first use and the last node closes
them with :func:`release_services`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langgraph.runtime import Runtime

from lessonreel.graph.context import Context
from lessonreel.video.pricing import PriceTable

if TYPE_CHECKING:
    from lessonreel.store.ledger import Ledger
    from lessonreel.video.emulator.config import EmulatorConfig
    from lessonreel.video.providers.base import VideoProvider


@dataclass
class RunControl:
    """Run-wide mutable state that the run's shot branches share."""

    stop_reason: str | None = None
    """Set when the run must stop dispatching (quota exhausted, budget refused)."""
    dispatch_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Makes "check the budget, then reserve the job" atomic across the run's shots."""

    def stop(self, reason: str) -> str:
        """Stop dispatching for the rest of the run (the first reason stays) and return it."""
        if self.stop_reason is None:
            self.stop_reason = reason
        return self.stop_reason


@dataclass
class Services:
    """What the nodes of one run talk to."""

    context: Context
    home: Path
    ledger: Ledger
    provider: VideoProvider
    prices: PriceTable = field(default_factory=PriceTable.default)
    """The run's price table (shared with its provider client)."""
    director_llm: Any = None
    sanitizer_llm: Any = None
    control: RunControl = field(default_factory=RunControl)
    loaded_screen: Any = None
    """The safety screen, once loaded (tests pass a stand-in)."""
    built_on_demand: bool = False
    """True when a node built these (Studio): the run's last node closes them."""
    lease_token: str | None = None
    """The token of the run lease this process holds (None: a run started outside the runner,
    e.g. by Studio, which then only checks that nobody else holds the run)."""
    on_event: Callable[[dict[str, Any]], None] | None = None
    """The runner's progress handler: :func:`emit` calls it directly (None: events go on
    LangGraph's custom stream, for Studio and the Temporal activities)."""
    _screen_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def screen(self) -> Any:
        """Return the safety screen, loaded once per run (Chroma + embedder) in a worker thread."""
        if self.loaded_screen is None:
            async with self._screen_lock:
                if self.loaded_screen is None:
                    from lessonreel.agents.safety import Screen

                    opened = await asyncio.to_thread(Screen.open, self.home)
                    self.loaded_screen = opened.for_run()  # the run's own embedding memo
        return self.loaded_screen

    async def aclose(self) -> None:
        """Close the provider client and the ledger."""
        try:
            await self.provider.aclose()
        finally:
            close = getattr(self.ledger, "close", None)
            if callable(close):
                await asyncio.to_thread(close)


OFFLINE_CLIP_FPS = 1
"""Frame rate of the in-process emulator's held stills (their picture is never shown)."""


def offline_emulator_config(path: str | None) -> EmulatorConfig:
    """The in-process emulator's config: the file's, rendering held stills unless it says.

    Offline, the explainer look replaces the clip's picture (see ``assemble_lesson``) and keeps
    only its sound, so a moving 720p preview would cost a third of the run's CPU for nothing.
    The clips stay real MP4s of the requested size and seconds, with the same sound.
    """
    from lessonreel.video.emulator.config import EmulatorConfig, load_config

    config = load_config(Path(path)) if path else EmulatorConfig()
    cheap = {"look": "still", "fps": OFFLINE_CLIP_FPS}
    update = {key: value for key, value in cheap.items() if key not in config.model_fields_set}
    return config.model_copy(update=update)


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
    prices: PriceTable = overrides.pop("prices", None) or PriceTable.load(context.prices)
    options: dict[str, Any] = {"prices": prices}
    # only limits that were set: an unset one keeps the provider's own default (Azure's create cap)
    if context.rpm is not None:
        options["rpm"] = context.rpm
    if context.create_rpm is not None:
        options["create_rpm"] = context.create_rpm
    if context.provider == "local" and context.base_url and "provider" not in overrides:
        import httpx

        # the emulator running as a server (``lessonreel emulator``) instead of in-process
        options["transport"] = httpx.AsyncHTTPTransport()
    elif context.provider == "local":
        options["emulator_config"] = offline_emulator_config(context.emulator_config)
    provider = overrides.pop("provider", None) or make_provider(
        context.provider, base_url=context.base_url, **options
    )
    fields: dict[str, Any] = dict(
        context=context,
        home=home,
        ledger=Ledger(ledger_path(home)),
        provider=provider,
        prices=prices,
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
    context.services = svc


def attached_services(context: Context) -> Services | None:
    """The services attached to ``context``, if any."""
    svc = context.services
    if svc is None or isinstance(svc, Services):
        return svc
    raise TypeError(f"Context.services holds a {type(svc).__name__}, not Services")


async def services_for(context: Context) -> Services:
    """Return the services attached to ``context``, built on first use."""
    existing = attached_services(context)
    if existing is not None:
        return existing
    async with context.services_lock:
        existing = attached_services(context)
        if existing is None:
            existing = await asyncio.to_thread(build_services, context, built_on_demand=True)
            attach_services(context, existing)
    return existing


def price_table(context: Context) -> PriceTable:
    """The run's price table: its services' one, else the built-in list plus ``context.prices``."""
    svc = attached_services(context)
    return svc.prices if svc is not None else PriceTable.load(context.prices)


def context_of(runtime: Runtime[Context]) -> Context:
    """Return the run's context; a run must be started with one."""
    if isinstance(runtime.context, Context):
        return runtime.context
    raise RuntimeError(
        "lessonreel graph invoked without a Context: pass context=Context(...) "
        "(the CLI and lessonreel.app.make_video do this for you)"
    )


def emit(runtime: Runtime[Context], event: dict[str, Any]) -> None:
    """Report a progress event: to the runner's handler when it gave one, else on the stream.

    LangGraph's custom stream hands every event to the loop through ``call_soon_threadsafe``
    (a write to the loop's wake-up socket, then a read), even from the loop's own thread; a
    shot reports five or more events, so the runner takes them directly instead. Nodes run in
    the loop's thread, so the handler still runs there, in the order the events were made.
    """
    svc = attached_services(context_of(runtime))
    if svc is not None and svc.on_event is not None:
        svc.on_event(event)
    else:
        runtime.stream_writer(event)


async def services(runtime: Runtime[Context]) -> Services:
    """Shortcut for nodes: the services of the run ``runtime`` belongs to."""
    return await services_for(context_of(runtime))


async def release_services(context: Context) -> None:
    """Close services a node built on demand (Studio runs); :func:`open_services` closes its own."""
    svc = attached_services(context)
    if svc is not None and svc.built_on_demand:
        context.services = None
        await svc.aclose()


@asynccontextmanager
async def open_services(context: Context) -> AsyncIterator[Services]:
    """Build the services for ``context`` and close them when the run is over."""
    svc = await services_for(context)
    svc.built_on_demand = False
    try:
        yield svc
    finally:
        context.services = None
        await svc.aclose()
