"""``lessonreel worker``: serve lesson workflows and one provider's shots on Temporal."""

from __future__ import annotations

from typing import Annotated

import typer

from lessonreel.app.cli_common import fail, stderr_console


def worker(
    provider: Annotated[
        str, typer.Option(help="Provider whose shots this worker renders (its task queue).")
    ] = "local",
    address: Annotated[
        str | None,
        typer.Option(
            help="Temporal host:port (env LESSONREEL_TEMPORAL_ADDRESS; default 127.0.0.1:7233)."
        ),
    ] = None,
    namespace: Annotated[
        str | None,
        typer.Option(
            help="Temporal namespace (env LESSONREEL_TEMPORAL_NAMESPACE; default: default)."
        ),
    ] = None,
    tls: Annotated[
        bool | None,
        typer.Option(
            "--tls/--no-tls",
            help="TLS to Temporal (implied by LESSONREEL_TEMPORAL_API_KEY, for Temporal Cloud).",
        ),
    ] = None,
    rpm: Annotated[
        float | None,
        typer.Option(
            min=0.1,
            help="Shots started per minute across all workers (server-side); default the "
            "provider's create RPM.",
        ),
    ] = None,
    max_shots: Annotated[
        int, typer.Option(min=1, help="Shots in flight in this worker (they mostly wait).")
    ] = 100,
    control: Annotated[
        bool,
        typer.Option(
            "--control/--shots-only", help="Also run lesson workflows, prepare and assemble."
        ),
    ] = True,
) -> None:
    """Run a Temporal worker for `lessonreel batch --engine temporal` (keys from this env)."""
    import asyncio

    try:
        from lessonreel.app.temporal_worker import WorkerPlan, provider_rpm, serve
    except ImportError:
        raise fail("the worker needs the extra: pip install 'lessonreel[temporal]'") from None
    from lessonreel.app.temporal_config import TemporalSettings
    from lessonreel.video.providers.factory import provider_names

    if provider not in provider_names():
        raise fail(f"unknown provider {provider!r}; known: {', '.join(provider_names())}")
    settings = TemporalSettings.from_env(address=address, namespace=namespace, tls=tls)
    plan = WorkerPlan(
        provider=provider,
        rpm=rpm if rpm is not None else provider_rpm(provider),
        max_shots=max_shots,
        control=control,
    )
    console = stderr_console()
    limit = f"{plan.rpm:g} shots/min (server-side)" if plan.rpm else "no shot rate limit"

    def ready() -> None:
        console.print(
            f"worker ready on {settings.address} namespace {settings.namespace}: "
            f"queues {', '.join(plan.queues())}; {limit}",
            markup=False,
            highlight=False,
        )

    from lessonreel.app.temporal_config import check_reachable

    try:
        check_reachable(settings)
    except ConnectionError as exc:
        raise fail(str(exc), 1) from None
    try:
        asyncio.run(serve(settings, plan, ready))
    except RuntimeError as exc:
        raise fail(str(exc), 1) from None
