"""Inspection and service commands: runs, show, providers, webhooks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from lessonreel.app.cli_common import JsonOpt, fail, run_or_fail


def runs(limit: Annotated[int, typer.Option(min=1, help="How many runs to list.")] = 20) -> None:
    """List recent runs, newest first."""
    from rich.console import Console
    from rich.table import Table

    from lessonreel.store.ledger import Ledger

    with Ledger.open() as ledger:
        rows = ledger.list_runs(limit)
    if not rows:
        typer.echo("No runs yet — start one with: lessonreel make LESSON")
        return
    table = Table(title="lessonreel runs")
    for col in ("run id", "title", "status", "provider/model", "estimate", "spent"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["run_id"],
            str(r.get("title") or ""),
            str(r.get("status") or ""),
            f"{r.get('provider')}/{r.get('model')}",
            f"${float(r.get('estimate_usd') or 0):.2f}",
            f"${float(r.get('spent_usd') or 0):.2f}",
        )
    Console().print(table)


def show(
    run_id: Annotated[str, typer.Argument(metavar="RUN", help="Run id (see `lessonreel runs`).")],
    as_json: JsonOpt = False,
) -> None:
    """Show a run: its shots, outcomes, cost and where its files are."""
    from rich.console import Console
    from rich.table import Table

    from lessonreel.store.ledger import Ledger

    run = run_or_fail(run_id)
    report_path = Path(str(run.get("out_dir") or "")) / "report.json"
    report = (
        json.loads(report_path.read_text()) if run.get("out_dir") and report_path.exists() else None
    )
    if as_json:
        typer.echo(json.dumps({"run": run, "report": report}, indent=2, default=str))
        return
    console = Console()
    console.print(f"[bold]{run.get('title')}[/] · {run_id} · {run.get('status')}")
    with Ledger.open() as ledger:
        shots = ledger.shots(run_id)
    table = Table()
    for col in ("#", "status", "attempts", "rewrites", "cost", "detail"):
        table.add_column(col)
    for s in shots:
        table.add_row(
            str(s["idx"] + 1),
            str(s.get("status")),
            str(s.get("attempts") or 0),
            str(s.get("rewrites") or 0),
            f"${float(s.get('cost_usd') or 0):.2f}",
            str(s.get("error") or s.get("clip_path") or ""),
        )
    console.print(table)
    if report is not None:
        from lessonreel.app.cli_view import files_table

        for label, path in files_table(report):
            console.print(f"{label:>15}: {path}")


def providers() -> None:
    """List providers and models: legal durations and sizes, $/s, and the key each needs."""
    from rich.console import Console
    from rich.table import Table

    from lessonreel.video import pricing
    from lessonreel.video.providers.factory import provider_names, required_env

    names = provider_names()
    table = Table(title="Video providers")
    for col in ("provider", "model", "seconds", "sizes", "$/s", "needs"):
        table.add_column(col, overflow="fold")
    for spec in pricing.specs():
        if spec.provider not in names:
            continue
        rates = sorted(set(spec.price_per_second.values()))
        rate = f"{rates[0]:.2f}" if len(rates) == 1 else f"{rates[0]:.2f}–{rates[-1]:.2f}"
        if spec.priced_per_token:
            rate += " (per token: estimate)"
        elif "UNVERIFIED" in spec.notes or "placeholder" in spec.notes:
            rate += " (unverified)"
        table.add_row(
            spec.provider,
            spec.model,
            ", ".join(str(s) for s in spec.seconds),
            ", ".join(spec.sizes),
            rate,
            ", ".join(required_env(spec.provider)) or "nothing (free, offline)",
        )
    console = Console()
    console.print(table)
    console.print(
        "OpenAI's own Sora endpoint was retired on 2026-09-24: `openai` serves compatible "
        "gateways (OPENAI_BASE_URL). Live video: openrouter, veo or azure."
    )


def webhooks(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8787,
    provider: Annotated[
        str | None,
        typer.Option(
            help="Provider whose signature scheme to verify (openrouter: its own; others: "
            "Standard Webhooks) and name to file events under (default: the sender's)."
        ),
    ] = None,
    secret_env: Annotated[
        str, typer.Option(help="Environment variable holding the signing secret (whsec_… or raw).")
    ] = "LESSONREEL_WEBHOOK_SECRET",
    read_timeout: Annotated[
        float, typer.Option(min=0.1, help="Seconds a sender gets to deliver a whole body.")
    ] = 10.0,
) -> None:
    """Receive signed provider webhooks and write them into the ledger for running jobs."""
    import os

    secret = os.environ.get(secret_env, "").strip()
    if not secret:
        raise fail(f"set {secret_env} to the webhook signing secret")
    from lessonreel.app.webhook_sink import serve_receiver

    typer.echo(f"lessonreel webhooks: http://{host}:{port}/ → ledger")
    serve_receiver(secret, host=host, port=port, provider=provider, read_timeout=read_timeout)
